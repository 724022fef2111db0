/* infer.c — the model's inference forward (scoring): batched, allocation-free
 * after fcvae_infer_new, computing only what is used. Linear layers go
 * through fcvae_linear_rows, so a window's outputs do not depend on the
 * batch it is in (SPEC §3); the condition's in double accumulation, since
 * its attention and layer norms amplify rounding, and it runs once per
 * window while encoder and decoder run once per pass. */
#include <stdlib.h>
#include <string.h>

#include "fft.h"
#include "gemm.h"
#include "layers.h"
#include "model.h"
#include "util.h"

struct fcvae_infer {
	const fcvae_model *m;
	int max_batch, n_sub;
	fcvae_rfft *fft_global; /* x[0..W-2] of one window */
	fcvae_rfft *fft_local;  /* the n_sub sub-windows of one window */
	float *arena;
	float *xl;              /* (W) a window with its last point zeroed */
	float *gf, *g;          /* (B,W) global features, (B,C) emb_global */
	float *lf, *e;          /* (B·n,k+2) local features, (B·n,D) emb_local */
	float *kk, *vv;         /* (B·n,HD) keys and values */
	float *last, *q, *o;    /* (B,D) last sub-window's row, (B,HD) its query and attention output */
	float *att;             /* (B,NH,n) */
	float *r, *y1, *u, *y2; /* (B,D) residual sums, (B,D) after LN1, (B,Di) FFN hidden, (B,D) after LN2 */
	float *l;               /* (B,C) out_linear */
	float *h0;              /* (B, W+2C or L+2C) encoder or decoder input */
	float *ha, *hb;         /* (B, widest hidden layer or W) ping-pong */
};

fcvae_infer *fcvae_infer_new(const fcvae_model *m, int max_batch)
{
	const fcvae_config *c = &m->cfg;
	fcvae_infer *inf = fcvae_xcalloc(1, sizeof *inf);
	int W = c->window, C = c->cond, D = c->d_model, HD = c->d_inner, n = fcvae_config_n_sub(c);
	int wide = W;
	for (int i = 0; i < c->n_hidden; i++)
		if (c->hidden[i] > wide)
			wide = c->hidden[i];
	int in0 = W > c->latent ? W + 2 * C : c->latent + 2 * C;
	size_t B = (size_t)max_batch, bn = B * n;
	size_t sizes[] = { W, B * W, B * C, bn * (c->kernel + 2), bn * D, bn * HD, bn * HD, B * D, B * HD,
	                   B * HD, B * c->n_head * n, B * D, B * D, B * HD, B * D, B * C, B * in0, B * wide,
	                   B * wide };
	float **ptrs[] = { &inf->xl, &inf->gf, &inf->g, &inf->lf, &inf->e, &inf->kk, &inf->vv, &inf->last,
	                   &inf->q, &inf->o, &inf->att, &inf->r, &inf->y1, &inf->u, &inf->y2, &inf->l,
	                   &inf->h0, &inf->ha, &inf->hb };
	size_t total = 0, nt = sizeof sizes / sizeof *sizes;
	for (size_t i = 0; i < nt; i++)
		total += sizes[i];
	inf->arena = fcvae_xmalloc(total * sizeof(float));
	float *p = inf->arena;
	for (size_t i = 0; i < nt; i++) {
		*ptrs[i] = p;
		p += sizes[i];
	}
	inf->m = m;
	inf->max_batch = max_batch;
	inf->n_sub = n;
	inf->fft_global = fcvae_rfft_new(W - 1, 1, W);
	inf->fft_local = fcvae_rfft_new(c->kernel, n, c->stride);
	return inf;
}

void fcvae_infer_free(fcvae_infer *inf)
{
	if (!inf)
		return;
	fcvae_rfft_free(inf->fft_global);
	fcvae_rfft_free(inf->fft_local);
	free(inf->arena);
	free(inf);
}

/* Batches larger than the workspace are a caller's bug, not a data error. */
static void check_batch(const fcvae_infer *inf, int B)
{
	if (B < 0 || B > inf->max_batch)
		fcvae_die(FCVAE_EXIT_FAIL, "internal error: batch %d exceeds the inference workspace (%d)", B,
		          inf->max_batch);
}

void fcvae_infer_condition(fcvae_infer *inf, const float *x, int B, float *c)
{
	const fcvae_config *cf = &inf->m->cfg;
	const fcvae_weights *w = &inf->m->w;
	int W = cf->window, C = cf->cond, D = cf->d_model, HD = cf->d_inner, Di = cf->d_inner;
	int n = inf->n_sub, kf = cf->kernel + 2;
	check_batch(inf, B);

	/* global: rfft of x without its last point, emb_global */
	for (int b = 0; b < B; b++)
		fcvae_rfft_exec(inf->fft_global, inf->gf + (size_t)b * W, x + (size_t)b * W);
	fcvae_linear_rows_precise(inf->g, inf->gf, w->glob_w, w->glob_b, B, W, C);
	fcvae_tanh_forward(inf->g, inf->g, B * C);

	/* local: sub-windows of x with its last point zeroed, emb_local */
	for (int b = 0; b < B; b++) {
		memcpy(inf->xl, x + (size_t)b * W, W * sizeof(float));
		inf->xl[W - 1] = 0;
		fcvae_rfft_exec(inf->fft_local, inf->lf + (size_t)b * n * kf, inf->xl);
	}
	fcvae_linear_rows_precise(inf->e, inf->lf, w->loc_w, w->loc_b, B * n, kf, D);
	fcvae_tanh_forward(inf->e, inf->e, B * n * D);

	/* encoder layer, for the last sub-window's row only: keys and values
	 * of all rows, the query, FFN and out_linear of the last */
	for (int b = 0; b < B; b++)
		memcpy(inf->last + (size_t)b * D, inf->e + ((size_t)b * n + n - 1) * D, D * sizeof(float));
	fcvae_linear_rows_precise(inf->q, inf->last, w->wq, w->bq, B, D, HD);
	fcvae_linear_rows_precise(inf->kk, inf->e, w->wk, w->bk, B * n, D, HD);
	fcvae_linear_rows_precise(inf->vv, inf->e, w->wv, w->bv, B * n, D, HD);
	fcvae_attention_forward(inf->o, inf->att, inf->q, inf->kk, inf->vv, NULL, B, n, cf->n_head, HD);
	fcvae_linear_rows_precise(inf->r, inf->o, w->fc_w, w->fc_b, B, HD, D);
	for (int i = 0; i < B * D; i++)
		inf->r[i] += inf->last[i];
	fcvae_layernorm_forward(inf->y1, NULL, NULL, inf->r, w->ln1_g, w->ln1_b, B, D);
	fcvae_linear_rows_precise(inf->u, inf->y1, w->w1, w->b1, B, D, Di);
	fcvae_relu_forward(inf->u, inf->u, B * Di);
	fcvae_linear_rows_precise(inf->r, inf->u, w->w2, w->b2, B, Di, D);
	for (int i = 0; i < B * D; i++)
		inf->r[i] += inf->y1[i];
	fcvae_layernorm_forward(inf->y2, NULL, NULL, inf->r, w->ln2_g, w->ln2_b, B, D);
	fcvae_linear_rows_precise(inf->l, inf->y2, w->out_w, w->out_b, B, D, C);
	fcvae_tanh_forward(inf->l, inf->l, B * C);

	for (int b = 0; b < B; b++) {
		memcpy(c + (size_t)b * 2 * C, inf->g + (size_t)b * C, C * sizeof(float));
		memcpy(c + (size_t)b * 2 * C + C, inf->l + (size_t)b * C, C * sizeof(float));
	}
}

/* h0 (B, a+2C) = [v (B,a), c (B,2C)] */
static void concat(float *h0, const float *v, int a, const float *c, int C2, int B)
{
	for (int b = 0; b < B; b++) {
		memcpy(h0 + (size_t)b * (a + C2), v + (size_t)b * a, a * sizeof(float));
		memcpy(h0 + (size_t)b * (a + C2) + a, c + (size_t)b * C2, C2 * sizeof(float));
	}
}

void fcvae_infer_encode(fcvae_infer *inf, const float *x, const float *c, int B, float *mu, float *var)
{
	const fcvae_config *cf = &inf->m->cfg;
	const fcvae_weights *w = &inf->m->w;
	int W = cf->window, C2 = 2 * cf->cond, L = cf->latent;
	check_batch(inf, B);
	concat(inf->h0, x, W, c, C2, B);
	const float *in = inf->h0;
	int din = W + C2;
	for (int i = 0; i < cf->n_hidden; i++) {
		float *out = i % 2 ? inf->hb : inf->ha;
		fcvae_linear_rows(out, in, w->enc_w[i], w->enc_b[i], B, din, cf->hidden[i]);
		fcvae_tanh_forward(out, out, B * cf->hidden[i]);
		in = out;
		din = cf->hidden[i];
	}
	fcvae_linear_rows(mu, in, w->mu_w, w->mu_b, B, din, L);
	fcvae_linear_rows(var, in, w->var_w, w->var_b, B, din, L);
	fcvae_softplus_forward(var, var, B * L);
}

void fcvae_infer_decode(fcvae_infer *inf, const float *z, const float *c, int B, int last_only,
                        float *mu_x, float *var_x)
{
	const fcvae_config *cf = &inf->m->cfg;
	const fcvae_weights *w = &inf->m->w;
	int W = cf->window, C2 = 2 * cf->cond, L = cf->latent, H = cf->n_hidden;
	check_batch(inf, B);
	concat(inf->h0, z, L, c, C2, B);
	int din = cf->hidden[H - 1];
	fcvae_linear_rows(inf->ha, inf->h0, w->dec_in_w, w->dec_in_b, B, L + C2, din);
	float *in = inf->ha;
	for (int i = 0; i < H; i++) {
		int dout = i + 1 < H ? cf->hidden[H - 2 - i] : W;
		float *out = i % 2 ? inf->ha : inf->hb;
		fcvae_linear_rows(out, in, w->dec_w[i], w->dec_b[i], B, din, dout);
		fcvae_tanh_forward(out, out, B * dout);
		in = out;
		din = dout;
	}
	/* fc_mu_x and fc_var_x: all W rows, or row W-1 alone for the last point */
	int r0 = last_only ? W - 1 : 0, nr = last_only ? 1 : W;
	fcvae_linear_rows(mu_x, in, w->mux_w + (size_t)r0 * W, w->mux_b + r0, B, W, nr);
	fcvae_linear_rows(var_x, in, w->varx_w + (size_t)r0 * W, w->varx_b + r0, B, W, nr);
	fcvae_softplus_forward(var_x, var_x, B * nr);
}
