/* trainopts.h — the command-line options of the model configuration and the
 * training settings, shared by fcvae-train and fcvae-protocol so that both
 * spell and bound them alike. */
#ifndef FCVAE_TRAINOPTS_H
#define FCVAE_TRAINOPTS_H

#include <getopt.h>

#include "model.h"
#include "train.h"

/* getopt_long codes; a program numbers its own long options from
 * FCVAE_OPT_END on. */
enum {
	FCVAE_OPT_WINDOW = 256, FCVAE_OPT_LATENT, FCVAE_OPT_COND, FCVAE_OPT_DMODEL, FCVAE_OPT_DINNER,
	FCVAE_OPT_HEADS, FCVAE_OPT_KERNEL, FCVAE_OPT_STRIDE, FCVAE_OPT_HIDDEN, FCVAE_OPT_DROPOUT,
	FCVAE_OPT_EPOCHS, FCVAE_OPT_BATCH, FCVAE_OPT_LR, FCVAE_OPT_BETA1, FCVAE_OPT_BETA2, FCVAE_OPT_ADAMEPS,
	FCVAE_OPT_TMAX, FCVAE_OPT_ETAMIN, FCVAE_OPT_KLWARM, FCVAE_OPT_CLIP, FCVAE_OPT_ATTNDROP,
	FCVAE_OPT_PATIENCE, FCVAE_OPT_POINT, FCVAE_OPT_SEG, FCVAE_OPT_MISS, FCVAE_OPT_SEED, FCVAE_OPT_END,
};

/* The entries for a program's struct option table (a macro: the table is
 * one static array). */
#define FCVAE_TRAINOPTS_LONGOPTS \
	{"window", required_argument, 0, FCVAE_OPT_WINDOW}, {"latent", required_argument, 0, FCVAE_OPT_LATENT}, \
	{"condition", required_argument, 0, FCVAE_OPT_COND}, {"d-model", required_argument, 0, FCVAE_OPT_DMODEL}, \
	{"d-inner", required_argument, 0, FCVAE_OPT_DINNER}, {"heads", required_argument, 0, FCVAE_OPT_HEADS}, \
	{"kernel", required_argument, 0, FCVAE_OPT_KERNEL}, {"stride", required_argument, 0, FCVAE_OPT_STRIDE}, \
	{"hidden", required_argument, 0, FCVAE_OPT_HIDDEN}, {"dropout", required_argument, 0, FCVAE_OPT_DROPOUT}, \
	{"epochs", required_argument, 0, FCVAE_OPT_EPOCHS}, {"batch", required_argument, 0, FCVAE_OPT_BATCH}, \
	{"lr", required_argument, 0, FCVAE_OPT_LR}, {"beta1", required_argument, 0, FCVAE_OPT_BETA1}, \
	{"beta2", required_argument, 0, FCVAE_OPT_BETA2}, {"adam-eps", required_argument, 0, FCVAE_OPT_ADAMEPS}, \
	{"t-max", required_argument, 0, FCVAE_OPT_TMAX}, {"eta-min", required_argument, 0, FCVAE_OPT_ETAMIN}, \
	{"kl-warmup", required_argument, 0, FCVAE_OPT_KLWARM}, {"clip", required_argument, 0, FCVAE_OPT_CLIP}, \
	{"attn-dropout", required_argument, 0, FCVAE_OPT_ATTNDROP}, \
	{"patience", required_argument, 0, FCVAE_OPT_PATIENCE}, \
	{"point-anomalies", required_argument, 0, FCVAE_OPT_POINT}, \
	{"segment-swaps", required_argument, 0, FCVAE_OPT_SEG}, \
	{"missing-rate", required_argument, 0, FCVAE_OPT_MISS}, {"seed", required_argument, 0, FCVAE_OPT_SEED}

/* The training options' lines of a program's usage text. */
#define FCVAE_TRAINOPTS_USAGE \
	"Training (SPEC §4):\n" \
	"      --epochs N (75)  --batch N (64)  --lr X (5e-4)  --beta1 X (0.9)\n" \
	"      --beta2 X (0.999)  --adam-eps X (1e-8)  --t-max N (10)  --eta-min X (0)\n" \
	"      --kl-warmup N (35)  --clip X (2; 0 = off)  --attn-dropout P (0.1)\n" \
	"      --patience N (5; 0 = off: all epochs, the last kept)\n" \
	"      --point-anomalies R (0.05)  --segment-swaps R (0.10)  --missing-rate R (0.01)\n" \
	"      --seed N (42)\n"

/* Take option c with its argument into cfg or o: 1 when c is one of these,
 * 0 when it is not. A bad argument is a usage error (exit 2). */
int fcvae_trainopts_parse(int c, const char *arg, fcvae_config *cfg, fcvae_train_opts *o);

/* A usage error (exit 2) unless v, option name's value, is from lo to hi. */
void fcvae_option_range(const char *name, double v, double lo, double hi);

/* After parsing: a usage error unless the values of these options are in
 * range and agree with each other (the window is checked with the model
 * configuration, fcvae_config_check). */
void fcvae_trainopts_check(const fcvae_config *cfg, const fcvae_train_opts *o);

#endif
