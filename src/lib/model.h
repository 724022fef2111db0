/* model.h — FCVAE configuration, parameter layout, and the model's
 * forward/backward entry points (SPEC §2).
 *
 * All parameters live in one float array in the order of the PyTorch
 * original's state_dict (shared/vectors/README.md); gradients and Adam
 * moments use the same layout, so fcvae_weights_bind() can point a
 * fcvae_weights at any of them. Linear weights are [out, in] (y = W·x + b). */
#ifndef FCVAE_MODEL_H
#define FCVAE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define FCVAE_MAX_HIDDEN 8
#define FCVAE_MAX_TENSORS (2 * (2 * FCVAE_MAX_HIDDEN + 24))
#define FCVAE_TENSOR_NAME 64
/* Standardised values are clipped to ±40 (the paper), in training as in
 * scoring: the default of fcvae-train --clip-x, and the clip of a model file
 * that does not name its own (fcvae_model.clip). */
#define FCVAE_CLIP_X 40.0
/* The largest clip fcvae-train makes and a model file may name: a million
 * standard deviations is far beyond any data, and a clip near float's range
 * only lets a point's likelihood overflow. */
#define FCVAE_CLIP_X_MAX 1e6

typedef struct {
	int window;    /* W, even */
	int latent;    /* L */
	int cond;      /* C: the condition is 2C (global, local) */
	int d_model;
	int d_inner;
	int n_head;
	int kernel;    /* k, even, 0 < k <= W-1 */
	int stride;    /* s >= 1 */
	int n_hidden;
	int hidden[FCVAE_MAX_HIDDEN];
	float dropout; /* condition dropout, training only ("dropout_rate") */
} fcvae_config;

void fcvae_config_default(fcvae_config *c);  /* the seed config of SPEC §2 */
/* 0 if usable; else -1 and a message such as "kernel 9 must be even" in err. */
int fcvae_config_check(const fcvae_config *c, char *err, size_t errlen);
int fcvae_config_n_sub(const fcvae_config *c); /* sub-windows: (W-k)/s + 1 */
/* Hidden sizes from "100,100" (1 to FCVAE_MAX_HIDDEN of them); 0 or -1. */
int fcvae_config_parse_hidden(fcvae_config *c, const char *s);

typedef struct {
	char name[FCVAE_TENSOR_NAME]; /* PyTorch name, e.g. "encoder.0.0.weight" */
	int ndim;
	int shape[3];
	size_t offset;                /* in floats, into the flat array */
	size_t size;                  /* in floats */
} fcvae_tensor;

typedef struct {
	int n;
	fcvae_tensor t[FCVAE_MAX_TENSORS];
	size_t total; /* floats in all */
} fcvae_layout;

void fcvae_layout_build(fcvae_layout *l, const fcvae_config *c);
const fcvae_tensor *fcvae_layout_find(const fcvae_layout *l, const char *name);

/* Named views into one flat array (parameters, gradients or moments). */
typedef struct {
	float *enc_w[FCVAE_MAX_HIDDEN], *enc_b[FCVAE_MAX_HIDDEN]; /* encoder.K.0 */
	float *mu_w, *mu_b;                                        /* fc_mu */
	float *var_w, *var_b;                                      /* fc_var.0 */
	float *dec_in_w, *dec_in_b;                                /* decoder_input */
	float *dec_w[FCVAE_MAX_HIDDEN], *dec_b[FCVAE_MAX_HIDDEN]; /* decoder.K.0 */
	float *mux_w, *mux_b;                                      /* fc_mu_x */
	float *varx_w, *varx_b;                                    /* fc_var_x.0 */
	float *wq, *bq, *wk, *bk, *wv, *bv;                        /* atten.0.slf_attn.w_{q,k,v}s */
	float *ln1_g, *ln1_b;                                      /* atten.0.slf_attn.layer_norm */
	float *fc_w, *fc_b;                                        /* atten.0.slf_attn.fc */
	float *w1, *b1, *w2, *b2;                                  /* atten.0.pos_ffn.w_{1,2} */
	float *ln2_g, *ln2_b;                                      /* atten.0.pos_ffn.layer_norm */
	float *loc_w, *loc_b;                                      /* emb_local.0 */
	float *out_w, *out_b;                                      /* out_linear.0 */
	float *glob_w, *glob_b;                                    /* emb_global.0 */
} fcvae_weights;

void fcvae_weights_bind(fcvae_weights *w, const fcvae_config *c, const fcvae_layout *l, float *base);

typedef struct {
	fcvae_config cfg;
	fcvae_layout layout;
	float *params;       /* layout.total floats */
	fcvae_weights w;     /* bound to params */
	int transform;       /* enum fcvae_transform (scaler.h), before the scaler */
	double mean, std;    /* scaler, in transformed units (std > 0) */
	double clip;         /* standardised values are clipped to ±clip (> 0) */
	int has_threshold;
	double threshold;    /* score < threshold = anomaly */
	char *training;      /* JSON object text, free-form; never NULL */
	char *path;          /* file it was loaded from, or NULL */
} fcvae_model;

/* Parameters zeroed, scaler (0, 1), clip FCVAE_CLIP_X, no threshold, training "{}". */
fcvae_model *fcvae_model_new(const fcvae_config *c);
/* PyTorch's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)); LayerNorm 1, 0. */
void fcvae_model_init_params(fcvae_model *m, uint64_t seed);
void fcvae_model_free(fcvae_model *m);

/* ---- Inference (scoring). Workspace for up to max_batch windows. ----
 * A window's results are the same bits whatever the batch and its place in
 * it (SPEC §3). fcvae_infer_new lays the parameters out for its kernels: a
 * copy, so make a new one after changing m's parameters. */
typedef struct fcvae_infer fcvae_infer;

fcvae_infer *fcvae_infer_new(const fcvae_model *m, int max_batch);
void fcvae_infer_free(fcvae_infer *inf);
/* c is (B, 2C): global then local; x is (B, W), standardised, missing = 0. */
void fcvae_infer_condition(fcvae_infer *inf, const float *x, int B, float *c);
/* mu, var are (B, L). */
void fcvae_infer_encode(fcvae_infer *inf, const float *x, const float *c, int B, float *mu, float *var);
/* z is (B, L). With last_only, mu_x and var_x are (B) and hold the last
 * point only (nothing else is computed); otherwise they are (B, W). */
void fcvae_infer_decode(fcvae_infer *inf, const float *z, const float *c, int B, int last_only,
                        float *mu_x, float *var_x);
/* MCMC's passes (SPEC §3) change only x's last point, and c not at all:
 * fcvae_infer_fix keeps what the first layers of encoder and decoder get
 * from the rest, for B windows, until the next call. Then encode_fixed is
 * fcvae_infer_encode of those windows with last points xlast (B), and
 * decode_fixed is fcvae_infer_decode of S samples of each: z is (B·S, L),
 * rows b·S … b·S+S-1 window b's, outputs (B·S) or (B·S, W). Same bits as
 * the plain calls, a fraction of the work. */
void fcvae_infer_fix(fcvae_infer *inf, const float *x, const float *c, int B);
void fcvae_infer_encode_fixed(fcvae_infer *inf, const float *xlast, int B, float *mu, float *var);
void fcvae_infer_decode_fixed(fcvae_infer *inf, const float *z, int B, int S, int last_only, float *mu_x,
                              float *var_x);

/* ---- Training: forward with kept activations, then backward. ---- */
typedef struct fcvae_acts fcvae_acts;

typedef struct {
	float cond;      /* dropout on the condition (SPEC: 0.05) */
	float attn;      /* attention dropout: on attention weights, after fc and after the FFN (0.1) */
	fcvae_rng *rng;  /* NULL = evaluation mode, no dropout */
} fcvae_dropout;

fcvae_acts *fcvae_acts_new(const fcvae_config *c, int max_batch);
void fcvae_acts_free(fcvae_acts *a);
/* CM-ELBO of SPEC §4 for x, mask (B, W) and noise eps (B, L); returns the
 * batch-mean loss and optionally its parts. drop may be NULL. */
double fcvae_train_forward(const fcvae_model *m, fcvae_acts *a, const float *x, const float *mask,
                           const float *eps, int B, float kl_weight, const fcvae_dropout *drop,
                           double *recon, double *kld);
/* Gradient of the last forward's loss, accumulated (+=) into grads (layout order). */
void fcvae_train_backward(const fcvae_model *m, fcvae_acts *a, float *grads);
/* Views of the last forward's outputs, rows of its B windows: the condition
 * as the encoder and decoder saw it (after dropout), mu, var, z (B,L), mu_x,
 * var_x (B,W). Valid until the next forward. */
typedef struct {
	int B;
	const float *cond, *mu, *var, *z, *mu_x, *var_x;
} fcvae_acts_out;
void fcvae_acts_outputs(const fcvae_acts *a, fcvae_acts_out *o);

#endif
