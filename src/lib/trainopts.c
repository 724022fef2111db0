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

void fcvae_option_range(const char *name, double v, double lo, double hi)
{
	if (!(v >= lo && v <= hi))
		fcvae_die(FCVAE_EXIT_USAGE, "%s: %g is not from %g to %g", name, v, lo, hi);
}

void fcvae_trainopts_check(const fcvae_config *cfg, const fcvae_train_opts *o)
{
	fcvae_option_range("--dropout", cfg->dropout, 0, 0.999999);
	fcvae_option_range("--lr", o->lr, 0, 1e3);
	fcvae_option_range("--beta1", o->beta1, 0, 0.999999);
	fcvae_option_range("--beta2", o->beta2, 0, 0.999999);
	fcvae_option_range("--adam-eps", o->adam_eps, 0, 1);
	fcvae_option_range("--eta-min", o->eta_min, 0, 1e3);
	fcvae_option_range("--clip", o->clip, 0, 1e30);
	fcvae_option_range("--attn-dropout", o->attn_dropout, 0, 0.999999);
	fcvae_option_range("--point-anomalies", o->point_rate, 0, 10);
	fcvae_option_range("--segment-swaps", o->seg_rate, 0, 10);
	fcvae_option_range("--missing-rate", o->miss_rate, 0, 1);
	/* both made every run end "training diverged", which no lower --lr
	 * mends: a first Adam step of 0/0, a rate annealed upwards */
	if (!(o->adam_eps > 0))
		fcvae_die(FCVAE_EXIT_USAGE, "--adam-eps: must be above 0 (Adam's first step would divide 0 by it)");
	if (o->eta_min > o->lr)
		fcvae_die(FCVAE_EXIT_USAGE, "--eta-min: %g is above --lr %g: the rate anneals from --lr down to --eta-min",
		          o->eta_min, o->lr);
}
