/* train.h — CM-ELBO training of SPEC §4: window data sets, the standardising
 * scaler, augmentation, Adam with cosine annealing, early stopping. */
#ifndef FCVAE_TRAIN_H
#define FCVAE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "rng.h"

/* Windows ready for the model: x standardised, clipped, missing points 0;
 * mask 1 = normal observed point, 0 = missing or labelled anomaly. */
typedef struct {
	int n, cap;   /* windows held, room for */
	int W;
	float *x;     /* (n, W) */
	float *mask;  /* (n, W) */
} fcvae_dataset;

void fcvae_dataset_init(fcvae_dataset *d, int W);
/* Appends one window of raw values; missing[i] (gap-filled, or not finite)
 * and anomalous[i] (labelled) give mask 0, either array may be NULL.
 * Standardised with (mean, std), clipped to ±clip, missing points 0. */
void fcvae_dataset_add(fcvae_dataset *d, const double *raw, const unsigned char *missing,
                       const unsigned char *anomalous, double mean, double std, double clip);
void fcvae_dataset_free(fcvae_dataset *d);

typedef struct {
	int epochs;          /* at most (75) */
	int batch;           /* 64 */
	double lr;           /* 5e-4 */
	double beta1, beta2; /* 0.9, 0.999 */
	double adam_eps;     /* 1e-8 */
	int t_max;           /* cosine annealing period in epochs (10) */
	double eta_min;      /* 0 */
	int kl_warmup;       /* KL weight min(1, (epoch+1)/kl_warmup) (35) */
	double clip;         /* gradient clip, element-wise (2); 0 = none */
	float cond_dropout;  /* 0.05 */
	float attn_dropout;  /* 0.1 */
	int patience;        /* early stopping (5); 0 = none: every epoch runs and
	                      * the last is kept, validation loss only reported */
	double point_rate;   /* share of the batch cloned as point anomalies (0.05) */
	double seg_rate;     /* ... as segment swaps (0.10) */
	double miss_rate;    /* share of all points zeroed and masked (0.01) */
	double hist_rate;    /* ... as anomalies of 1-3 points before the last (0: not the paper's) */
	double recent_rate;  /* ... as anomalies of 1-3 points just before the last (0: not the paper's) */
	double jump_rate;    /* ... as phase jumps, normal (0: not the paper's) */
	double level_rate;   /* ... as level shifts, normal (0: not the paper's) */
	double level_size;   /* a level shift scales the tail by 1 + U(-size, size) (0.3) */
	uint64_t seed;
} fcvae_train_opts;

void fcvae_train_opts_default(fcvae_train_opts *o);

/* PyTorch CosineAnnealingLR (closed form, period 2·t_max) at an epoch. */
double fcvae_cosine_lr(double lr, double eta_min, int t_max, int epoch);

/* One Adam step (PyTorch semantics, no weight decay) over n parameters; t is
 * the step number from 1. m and v are the moments, updated in place. */
void fcvae_adam_step(float *p, const float *g, float *m, float *v, size_t n, double lr, double beta1,
                     double beta2, double eps, long t);

/* Rows that augmentation adds to a batch of B windows of length W. */
int fcvae_augment_extra(const fcvae_train_opts *o, int B);

/* Augmentation of SPEC §4 in place: x, mask hold B windows followed by room
 * for fcvae_augment_extra() more; clones point anomalies and segment swaps
 * from the first B, then masks missing points over all of them. zero is the
 * standardised value of a series at 0 (-mean/std), about which level shifts
 * scale. Returns the new row count. */
int fcvae_augment(const fcvae_train_opts *o, fcvae_rng *r, float *x, float *mask, int B, int W, float zero);

/* Per-epoch report to the caller (fcvae-train prints it). */
typedef struct {
	int epoch;         /* from 0 */
	int epochs;        /* the maximum */
	int batch, batches; /* progress inside the epoch (batch == batches at its end) */
	double lr, kl_weight;
	double loss;       /* mean training loss so far this epoch */
	double val_loss;   /* NaN when there is no validation set (or mid-epoch) */
	int best_epoch;    /* -1 until there is one */
	double seconds;    /* since training started */
	long windows;      /* training windows processed so far (all epochs) */
} fcvae_train_progress;

typedef void (*fcvae_train_report)(const fcvae_train_progress *p, void *ctx);

typedef struct {
	int epochs_run;
	int best_epoch;       /* epoch of the lowest validation loss (the last
	                       * without validation); its parameters are kept,
	                       * but for patience 0: the last epoch's */
	double best_val_loss; /* its validation loss; NaN without validation */
	double *train_loss;   /* per epoch, epochs_run of them (caller frees) */
	double *val_loss;     /* per epoch, or NULL without validation */
	double seconds;
	int diverged;         /* the epoch whose training or validation loss was
	                       * not finite, where training stopped; or -1 */
} fcvae_train_result;

/* Trains m (parameters already initialised) on train; early stopping on val
 * when it is non-NULL and non-empty and o->patience > 0, else all epochs,
 * last parameters kept. A loss that is not finite stops it (res->diverged):
 * m's parameters are then of no use.
 * report (may be NULL) is called after every batch and at every epoch's end. */
void fcvae_train(fcvae_model *m, const fcvae_dataset *train, const fcvae_dataset *val,
                 const fcvae_train_opts *o, fcvae_train_report report, void *ctx, fcvae_train_result *res);

/* Whether every one of m's parameters is finite. A training whose losses
 * all were can still leave some that are not (the steps after the last
 * loss taken): such a model is of no use and no reader takes it. */
int fcvae_params_finite(const fcvae_model *m);

/* Whether the training of m that gave r diverged (a loss, or then a
 * parameter, not finite): if so 1, and what happened in why ("training
 * diverged at epoch 3: its validation loss is not finite"), for the caller
 * to say with what it does not do. */
int fcvae_train_diverged(const fcvae_model *m, const fcvae_train_result *r, char *why, size_t size);

/* Mean CM-ELBO of a data set at KL weight 1, no dropout, noise from
 * (seed, a fixed stream) per window: the early-stopping criterion. */
double fcvae_dataset_loss(const fcvae_model *m, const fcvae_dataset *d, uint64_t seed, int batch);

#endif
