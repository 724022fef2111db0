/* trainopts.c — parsing of the model configuration and training options shared by fcvae-train and fcvae-protocol. */
#include "trainopts.h"

#include <stdint.h>

#include "util.h"

int fcvae_trainopts_parse(int c, const char *arg, fcvae_config *cfg, fcvae_train_opts *o)
{
	switch (c) {
	case FCVAE_OPT_WINDOW: cfg->window = (int)fcvae_parse_long("--window", arg, 4, 1 << 16); break;
	case FCVAE_OPT_LATENT: cfg->latent = (int)fcvae_parse_long("--latent", arg, 1, 1 << 16); break;
	case FCVAE_OPT_COND: cfg->cond = (int)fcvae_parse_long("--condition", arg, 1, 1 << 16); break;
	case FCVAE_OPT_DMODEL: cfg->d_model = (int)fcvae_parse_long("--d-model", arg, 1, 1 << 16); break;
	case FCVAE_OPT_DINNER: cfg->d_inner = (int)fcvae_parse_long("--d-inner", arg, 1, 1 << 16); break;
	case FCVAE_OPT_HEADS: cfg->n_head = (int)fcvae_parse_long("--heads", arg, 1, 1 << 16); break;
	/* below the largest window: fcvae-train checks options before the
	 * records give the window, against that largest, which no message
	 * must then name */
	case FCVAE_OPT_KERNEL: cfg->kernel = (int)fcvae_parse_long("--kernel", arg, 1, (1 << 16) - 1); break;
	case FCVAE_OPT_STRIDE: cfg->stride = (int)fcvae_parse_long("--stride", arg, 1, 1 << 16); break;
	case FCVAE_OPT_HIDDEN:
		if (fcvae_config_parse_hidden(cfg, arg) != 0)
			fcvae_die(FCVAE_EXIT_USAGE, "--hidden: '%s' is not a list of 1 to %d sizes like 64,64", arg,
			          FCVAE_MAX_HIDDEN);
		break;
	case FCVAE_OPT_DROPOUT: cfg->dropout = (float)fcvae_parse_double("--dropout", arg); break;
	case FCVAE_OPT_EPOCHS: o->epochs = (int)fcvae_parse_long("--epochs", arg, 1, 1000000); break;
	case FCVAE_OPT_BATCH: o->batch = (int)fcvae_parse_long("--batch", arg, 1, 1 << 20); break;
	case FCVAE_OPT_LR: o->lr = fcvae_parse_double("--lr", arg); break;
	case FCVAE_OPT_BETA1: o->beta1 = fcvae_parse_double("--beta1", arg); break;
	case FCVAE_OPT_BETA2: o->beta2 = fcvae_parse_double("--beta2", arg); break;
	case FCVAE_OPT_ADAMEPS: o->adam_eps = fcvae_parse_double("--adam-eps", arg); break;
	case FCVAE_OPT_TMAX: o->t_max = (int)fcvae_parse_long("--t-max", arg, 0, 1000000); break;
	case FCVAE_OPT_ETAMIN: o->eta_min = fcvae_parse_double("--eta-min", arg); break;
	case FCVAE_OPT_KLWARM: o->kl_warmup = (int)fcvae_parse_long("--kl-warmup", arg, 0, 1000000); break;
	case FCVAE_OPT_CLIP: o->clip = fcvae_parse_double("--clip", arg); break;
	case FCVAE_OPT_ATTNDROP: o->attn_dropout = (float)fcvae_parse_double("--attn-dropout", arg); break;
	case FCVAE_OPT_PATIENCE: o->patience = (int)fcvae_parse_long("--patience", arg, 0, 1000000); break;
	case FCVAE_OPT_POINT: o->point_rate = fcvae_parse_double("--point-anomalies", arg); break;
	case FCVAE_OPT_SEG: o->seg_rate = fcvae_parse_double("--segment-swaps", arg); break;
	case FCVAE_OPT_MISS: o->miss_rate = fcvae_parse_double("--missing-rate", arg); break;
	case FCVAE_OPT_SEED: o->seed = (uint64_t)fcvae_parse_long("--seed", arg, 0, __LONG_MAX__); break;
	default: return 0;
	}
	return 1;
}
