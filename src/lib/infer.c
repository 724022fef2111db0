/* infer.c — the model's inference forward (scoring): a window at a time or
 * in batches, allocation-free after fcvae_infer_new, computing only what is
 * used, through the fixed-order kernels of kernels.h so that a window's
 * numbers are the same bits in any batch, at any place in it (SPEC §3).
 *
 * fcvae_infer_new lays each linear layer out for those kernels once:
 * transposed, padded to FCVAE_KERNEL_PAD outputs, inputs in the order the
 * MCMC wants them, and with the FFTs folded in (the DFT is linear, so
 * emb_global(rfft(x)) = (W_g·F)·x: a 16×23 product instead of an FFT and a
 * 16×24 one). Large batches run in tiles of rows that stay in cache. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "model.h"
#include "util.h"

enum { TILE_ROWS = 32, TILE_WINDOWS = 16 };

/* A linear layer for fcvae_linear_acc: wt (in, ld) = weightᵀ, rows in input
 * order, columns past out zero; bias (ld). */
typedef struct {
	float *wt, *bias;
	int in, out, ld;
} lin;

struct fcvae_infer {
	const fcvae_model *m;
	int max_batch, n_sub;
	int ld_c, ld_d, ld_hd, ld_di, ld_w, wide; /* padded widths */
	lin glob, loc, wq, wk, wv, fc, w1, w2, outl;
	lin enc[FCVAE_MAX_HIDDEN], enc_head;      /* enc[0] inputs: x[0..W-2], c, x[W-1] */
	lin dec_in, dec[FCVAE_MAX_HIDDEN];        /* dec_in inputs: c, z */
	lin dec_head, dec_head_last;              /* [mu_x, var_x] of all points, of the last */
	float *arena;
	/* condition tile (TILE_WINDOWS windows) */
	float *xl, *lf, *e, *kk, *vv, *q, *o, *r, *y1, *u, *y2, *g, *l;
	/* encoder / decoder tile (TILE_ROWS rows) */
	float *h0, *ha, *hb;
	/* what fcvae_infer_fix keeps per window (max_batch) */
	float *enc_fixed, *dec_fixed;
	double *att;                              /* (n_sub) one head's attention weights */
};

static int pad(int n)
{
	return (n + FCVAE_KERNEL_PAD - 1) / FCVAE_KERNEL_PAD * FCVAE_KERNEL_PAD;
}

/* From weight (out, in) row-major, input i taken from column cols[i] (cols
 * NULL: i itself); weight rows may be picked by rows (NULL: 0..out-1). */
static void lin_init(lin *l, const float *weight, const float *bias, int out, int in, const int *rows,
                     const int *cols, int wcols)
{
	l->in = in;
	l->out = out;
	l->ld = pad(out);
	l->wt = fcvae_xcalloc((size_t)in * l->ld + l->ld, sizeof(float));
	l->bias = l->wt + (size_t)in * l->ld;
	for (int o = 0; o < out; o++) {
		int ro = rows ? rows[o] : o;
		for (int i = 0; i < in; i++)
			l->wt[(size_t)i * l->ld + o] = weight[(size_t)ro * wcols + (cols ? cols[i] : i)];
		l->bias[o] = bias[ro];
	}
}

static void lin_free(lin *l)
{
	free(l->wt);
}

/* out (B, l->ld) = bias + inp (B, ldi)[:, :in] · W */
static void lin_forward(const lin *l, float *out, const float *inp, int ldi, int B)
{
	fcvae_linear_acc(out, l->ld, l->bias, 0, inp, ldi, l->wt, l->ld, B, l->in, l->ld);
}

/* out = init (B rows ldn apart: see fcvae_linear_acc) + inputs i0 … i0+n-1
 * of the layer, read from inp (B, ldi)[:, :n] */
static void lin_acc(const lin *l, float *out, const float *init, int ldn, const float *inp, int ldi, int B,
                    int i0, int n)
{
	fcvae_linear_acc(out, l->ld, init, ldn, inp, ldi, l->wt + (size_t)i0 * l->ld, l->ld, B, n, l->ld);
}

/* emb (out, 2·(n/2+1)) composed with the rfft of n points: (out, n), in double. */
static float *fold_rfft(const float *emb, int out, int n)
{
	int nc = n / 2 + 1;
	float *f = fcvae_xmalloc((size_t)out * n * sizeof *f);
	for (int o = 0; o < out; o++)
		for (int t = 0; t < n; t++) {
			double s = 0;
			for (int j = 0; j < nc; j++) {
				double a = 2 * M_PI * (double)((long)j * t % n) / n;
				/* re_j = Σ x_t cos a, im_j = -Σ x_t sin a */
				s += emb[(size_t)o * 2 * nc + j] * cos(a) - emb[(size_t)o * 2 * nc + nc + j] * sin(a);
			}
			f[(size_t)o * n + t] = (float)s;
		}
	return f;
}

fcvae_infer *fcvae_infer_new(const fcvae_model *m, int max_batch)
{
	const fcvae_config *c = &m->cfg;
	const fcvae_weights *w = &m->w;
	fcvae_infer *inf = fcvae_xcalloc(1, sizeof *inf);
	int W = c->window, C = c->cond, C2 = 2 * C, D = c->d_model, HD = c->d_inner, L = c->latent;
	int H = c->n_hidden, k = c->kernel, n = fcvae_config_n_sub(c);
	fcvae_kernels_init();
	inf->m = m;
	inf->max_batch = max_batch;
	inf->n_sub = n;

	float *fg = fold_rfft(w->glob_w, C, W - 1), *fl = fold_rfft(w->loc_w, D, k);
	lin_init(&inf->glob, fg, w->glob_b, C, W - 1, NULL, NULL, W - 1);
	lin_init(&inf->loc, fl, w->loc_b, D, k, NULL, NULL, k);
	free(fg), free(fl);
	lin_init(&inf->wq, w->wq, w->bq, HD, D, NULL, NULL, D);
	lin_init(&inf->wk, w->wk, w->bk, HD, D, NULL, NULL, D);
	lin_init(&inf->wv, w->wv, w->bv, HD, D, NULL, NULL, D);
	lin_init(&inf->fc, w->fc_w, w->fc_b, D, HD, NULL, NULL, HD);
	lin_init(&inf->w1, w->w1, w->b1, c->d_inner, D, NULL, NULL, D);
	lin_init(&inf->w2, w->w2, w->b2, D, c->d_inner, NULL, NULL, c->d_inner);
	lin_init(&inf->outl, w->out_w, w->out_b, C, D, NULL, NULL, D);

	/* encoder: x's last point summed last, so that the MCMC can keep the rest */
	int *cols = fcvae_xmalloc((size_t)(W + C2 + L) * sizeof *cols);
	for (int i = 0; i < W - 1; i++)
		cols[i] = i;
	for (int i = 0; i < C2; i++)
		cols[W - 1 + i] = W + i;
	cols[W - 1 + C2] = W - 1;
	lin_init(&inf->enc[0], w->enc_w[0], w->enc_b[0], c->hidden[0], W + C2, NULL, cols, W + C2);
	for (int i = 1; i < H; i++)
		lin_init(&inf->enc[i], w->enc_w[i], w->enc_b[i], c->hidden[i], c->hidden[i - 1], NULL, NULL,
		         c->hidden[i - 1]);
	/* fc_mu and fc_var side by side: one product */
	int hl = c->hidden[H - 1];
	float *hw = fcvae_xmalloc((size_t)2 * L * (hl + 1) * sizeof *hw), *hb = hw + (size_t)2 * L * hl;
	memcpy(hw, w->mu_w, (size_t)L * hl * sizeof *hw);
	memcpy(hw + (size_t)L * hl, w->var_w, (size_t)L * hl * sizeof *hw);
	memcpy(hb, w->mu_b, L * sizeof *hb);
	memcpy(hb + L, w->var_b, L * sizeof *hb);
	lin_init(&inf->enc_head, hw, hb, 2 * L, hl, NULL, NULL, hl);
	free(hw);

	/* decoder: the condition first (kept by the MCMC), then z */
	for (int i = 0; i < C2; i++)
		cols[i] = L + i;
	for (int i = 0; i < L; i++)
		cols[C2 + i] = i;
	lin_init(&inf->dec_in, w->dec_in_w, w->dec_in_b, hl, L + C2, NULL, cols, L + C2);
	free(cols);
	int din = hl;
	for (int i = 0; i < H; i++) {
		int dout = i + 1 < H ? c->hidden[H - 2 - i] : W;
		lin_init(&inf->dec[i], w->dec_w[i], w->dec_b[i], dout, din, NULL, NULL, din);
		din = dout;
	}
	hw = fcvae_xmalloc((size_t)2 * W * (W + 1) * sizeof *hw), hb = hw + (size_t)2 * W * W;
	memcpy(hw, w->mux_w, (size_t)W * W * sizeof *hw);
	memcpy(hw + (size_t)W * W, w->varx_w, (size_t)W * W * sizeof *hw);
	memcpy(hb, w->mux_b, W * sizeof *hb);
	memcpy(hb + W, w->varx_b, W * sizeof *hb);
	int last[2] = {W - 1, 2 * W - 1};
	lin_init(&inf->dec_head, hw, hb, 2 * W, W, NULL, NULL, W);
	lin_init(&inf->dec_head_last, hw, hb, 2, W, last, NULL, W);
	free(hw);

	/* workspace */
	int wide = pad(2 * W);
	for (int i = 0; i < H; i++)
		if (pad(c->hidden[i]) > wide)
			wide = pad(c->hidden[i]);
	if (pad(2 * L) > wide)
		wide = pad(2 * L);
	inf->wide = wide;
	inf->ld_c = pad(C), inf->ld_d = pad(D), inf->ld_hd = pad(HD), inf->ld_di = pad(c->d_inner);
	inf->ld_w = W + C2 > L + C2 ? W + C2 : L + C2;
	size_t TW = TILE_WINDOWS, TWn = TW * n, TR = TILE_ROWS, B = (size_t)max_batch;
	size_t sizes[] = {TW * W, TWn * k, TWn * inf->ld_d, TWn * inf->ld_hd, TWn * inf->ld_hd,
	                  TW * inf->ld_hd, TW * inf->ld_hd, TW * inf->ld_d, TW * inf->ld_d, TW * inf->ld_di,
	                  TW * inf->ld_d, TW * inf->ld_c, TW * inf->ld_c, TR * inf->ld_w, TR * wide, TR * wide,
	                  B * inf->enc[0].ld, B * inf->dec_in.ld};
	float **ptrs[] = {&inf->xl, &inf->lf, &inf->e, &inf->kk, &inf->vv, &inf->q, &inf->o, &inf->r,
	                  &inf->y1, &inf->u, &inf->y2, &inf->g, &inf->l, &inf->h0, &inf->ha, &inf->hb,
	                  &inf->enc_fixed, &inf->dec_fixed};
	size_t total = 0, nt = sizeof sizes / sizeof *sizes;
	for (size_t i = 0; i < nt; i++)
		total += sizes[i];
	inf->arena = fcvae_xcalloc(total, sizeof(float));
	inf->att = fcvae_xmalloc((size_t)n * sizeof *inf->att);
	float *p = inf->arena;
	for (size_t i = 0; i < nt; i++) {
		*ptrs[i] = p;
		p += sizes[i];
	}
	return inf;
}

void fcvae_infer_free(fcvae_infer *inf)
{
	if (!inf)
		return;
	lin *all[] = {&inf->glob, &inf->loc, &inf->wq, &inf->wk, &inf->wv, &inf->fc, &inf->w1, &inf->w2,
	              &inf->outl, &inf->enc_head, &inf->dec_in, &inf->dec_head, &inf->dec_head_last};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		lin_free(all[i]);
	for (int i = 0; i < inf->m->cfg.n_hidden; i++) {
		lin_free(&inf->enc[i]);
		lin_free(&inf->dec[i]);
	}
	free(inf->arena);
	free(inf->att);
	free(inf);
}

/* Batches larger than the workspace are a caller's bug, not a data error. */
static void check_batch(const fcvae_infer *inf, int B)
{
	if (B < 0 || B > inf->max_batch)
		fcvae_die(FCVAE_EXIT_FAIL, "internal error: batch %d exceeds the inference workspace (%d)", B,
		          inf->max_batch);
}

static void tanh_rows(float *x, int ld, int B)
{
	fcvae_tanh_inplace(x, ld * B);
}

/* LayerNorm over D of each row (ld apart), eps 1e-5, in double as PyTorch's reference. */
static void layernorm_rows(float *y, const float *x, const float *gain, const float *bias, int B, int D, int ld)
{
	for (int b = 0; b < B; b++) {
		const float *xb = x + (size_t)b * ld;
		double mean = 0, var = 0;
		for (int i = 0; i < D; i++)
			mean += xb[i];
		mean /= D;
		for (int i = 0; i < D; i++)
			var += (xb[i] - mean) * (xb[i] - mean);
		double s = 1 / sqrt(var / D + 1e-5);
		for (int i = 0; i < D; i++)
			y[(size_t)b * ld + i] = (float)((xb[i] - mean) * s) * gain[i] + bias[i];
	}
}

/* One query per window over its n keys, heads of hs = HD/NH: o (B, ld). */
static void attention_rows(float *o, double *p, const float *q, const float *k, const float *v, int B, int n,
                           int NH, int HD, int ld)
{
	int hs = HD / NH;
	double scale = 1 / sqrt(hs);
	for (int b = 0; b < B; b++)
		for (int h = 0; h < NH; h++) {
			const float *qh = q + (size_t)b * ld + h * hs;
			double max = -INFINITY, sum = 0;
			for (int t = 0; t < n; t++) {
				const float *kh = k + ((size_t)b * n + t) * ld + h * hs;
				double s = 0;
				for (int i = 0; i < hs; i++)
					s += qh[i] * kh[i];
				p[t] = s * scale;
				max = p[t] > max ? p[t] : max;
			}
			for (int t = 0; t < n; t++)
				sum += p[t] = exp(p[t] - max);
			float *oh = o + (size_t)b * ld + h * hs;
			for (int i = 0; i < hs; i++)
				oh[i] = 0;
			for (int t = 0; t < n; t++) {
				float wt = (float)(p[t] / sum);
				const float *vh = v + ((size_t)b * n + t) * ld + h * hs;
				for (int i = 0; i < hs; i++)
					oh[i] += wt * vh[i];
			}
		}
}

static void condition_tile(fcvae_infer *inf, const float *x, int B, float *c)
{
	const fcvae_config *cf = &inf->m->cfg;
	const fcvae_weights *w = &inf->m->w;
	int W = cf->window, C = cf->cond, D = cf->d_model, n = inf->n_sub, k = cf->kernel, s = cf->stride;

	/* global: emb_global of the rfft of x[0..W-2], folded into one product */
	lin_forward(&inf->glob, inf->g, x, W, B);
	tanh_rows(inf->g, inf->ld_c, B);

	/* local: the sub-windows of x with its last point zeroed */
	for (int b = 0; b < B; b++) {
		float *xl = inf->xl + (size_t)b * W;
		memcpy(xl, x + (size_t)b * W, W * sizeof *xl);
		xl[W - 1] = 0;
		for (int t = 0; t < n; t++)
			memcpy(inf->lf + ((size_t)b * n + t) * k, xl + t * s, k * sizeof *xl);
	}
	lin_forward(&inf->loc, inf->e, inf->lf, k, B * n);
	tanh_rows(inf->e, inf->ld_d, B * n);

	/* the encoder layer for the last sub-window's row: keys and values of
	 * all rows, query, FFN and out_linear of the last (SPEC §2) */
	lin_forward(&inf->wk, inf->kk, inf->e, inf->ld_d, B * n);
	lin_forward(&inf->wv, inf->vv, inf->e, inf->ld_d, B * n);
	const float *last = inf->e + (size_t)(n - 1) * inf->ld_d; /* row n-1 of each window: n rows apart */
	lin_forward(&inf->wq, inf->q, last, n * inf->ld_d, B);
	attention_rows(inf->o, inf->att, inf->q, inf->kk, inf->vv, B, n, cf->n_head, cf->d_inner, inf->ld_hd);
	lin_forward(&inf->fc, inf->r, inf->o, inf->ld_hd, B);
	for (int b = 0; b < B; b++)
		for (int i = 0; i < D; i++)
			inf->r[(size_t)b * inf->ld_d + i] += last[(size_t)b * n * inf->ld_d + i];
	layernorm_rows(inf->y1, inf->r, w->ln1_g, w->ln1_b, B, D, inf->ld_d);
	lin_forward(&inf->w1, inf->u, inf->y1, inf->ld_d, B);
	for (size_t i = 0; i < (size_t)B * inf->ld_di; i++)
		inf->u[i] = inf->u[i] > 0 ? inf->u[i] : 0;
	lin_forward(&inf->w2, inf->r, inf->u, inf->ld_di, B);
	for (size_t i = 0; i < (size_t)B * inf->ld_d; i++)
		inf->r[i] += inf->y1[i];
	layernorm_rows(inf->y2, inf->r, w->ln2_g, w->ln2_b, B, D, inf->ld_d);
	lin_forward(&inf->outl, inf->l, inf->y2, inf->ld_d, B);
	tanh_rows(inf->l, inf->ld_c, B);

	for (int b = 0; b < B; b++) {
		memcpy(c + (size_t)b * 2 * C, inf->g + (size_t)b * inf->ld_c, C * sizeof *c);
		memcpy(c + (size_t)b * 2 * C + C, inf->l + (size_t)b * inf->ld_c, C * sizeof *c);
	}
}

void fcvae_infer_condition(fcvae_infer *inf, const float *x, int B, float *c)
{
	const fcvae_config *cf = &inf->m->cfg;
	check_batch(inf, B);
	for (int b = 0; b < B; b += TILE_WINDOWS) {
		int nb = B - b < TILE_WINDOWS ? B - b : TILE_WINDOWS;
		condition_tile(inf, x + (size_t)b * cf->window, nb, c + (size_t)b * 2 * cf->cond);
	}
}

/* enc0 (B, ld) = encoder layer 0 before its activation, without x's last point */
static void encode_fix(fcvae_infer *inf, float *enc0, const float *x, const float *c, int B)
{
	const fcvae_config *cf = &inf->m->cfg;
	int W = cf->window, C2 = 2 * cf->cond;
	for (int b = 0; b < B; b++) {
		memcpy(inf->h0 + (size_t)b * inf->ld_w, x + (size_t)b * W, (W - 1) * sizeof(float));
		memcpy(inf->h0 + (size_t)b * inf->ld_w + W - 1, c + (size_t)b * C2, C2 * sizeof(float));
	}
	lin_acc(&inf->enc[0], enc0, inf->enc[0].bias, 0, inf->h0, inf->ld_w, B, 0, W - 1 + C2);
}

/* From enc0 (B, ld) = encoder layer 0 without x's last point: the rest. */
static void encode_rest(fcvae_infer *inf, const float *enc0, const float *xlast, int B, float *mu, float *var)
{
	const fcvae_config *cf = &inf->m->cfg;
	int W = cf->window, C2 = 2 * cf->cond, L = cf->latent;
	lin_acc(&inf->enc[0], inf->ha, enc0, inf->enc[0].ld, xlast, 1, B, W - 1 + C2, 1);
	tanh_rows(inf->ha, inf->enc[0].ld, B);
	float *in = inf->ha, *out = inf->hb;
	for (int i = 1; i < cf->n_hidden; i++) {
		lin_forward(&inf->enc[i], out, in, inf->enc[i - 1].ld, B);
		tanh_rows(out, inf->enc[i].ld, B);
		float *t = in;
		in = out, out = t;
	}
	lin_forward(&inf->enc_head, out, in, inf->enc[cf->n_hidden - 1].ld, B);
	int ld = inf->enc_head.ld;
	for (int b = 0; b < B; b++) /* short rows: a loop, not memcpy calls */
		for (int i = 0; i < L; i++) {
			mu[(size_t)b * L + i] = out[(size_t)b * ld + i];
			var[(size_t)b * L + i] = out[(size_t)b * ld + L + i];
		}
	fcvae_softplus_inplace(var, B * L);
}

void fcvae_infer_encode(fcvae_infer *inf, const float *x, const float *c, int B, float *mu, float *var)
{
	const fcvae_config *cf = &inf->m->cfg;
	int W = cf->window, C2 = 2 * cf->cond, L = cf->latent;
	check_batch(inf, B);
	for (int b = 0; b < B; b += TILE_ROWS) {
		int nb = B - b < TILE_ROWS ? B - b : TILE_ROWS;
		float xlast[TILE_ROWS];
		for (int i = 0; i < nb; i++)
			xlast[i] = x[(size_t)(b + i) * W + W - 1];
		encode_fix(inf, inf->ha, x + (size_t)b * W, c + (size_t)b * C2, nb);
		encode_rest(inf, inf->ha, xlast, nb, mu + (size_t)b * L, var + (size_t)b * L);
	}
}

/* dec0 (B, ld) = decoder_input's condition part */
static void decode_fix(fcvae_infer *inf, float *dec0, const float *c, int B)
{
	int C2 = 2 * inf->m->cfg.cond;
	lin_acc(&inf->dec_in, dec0, inf->dec_in.bias, 0, c, C2, B, 0, C2);
}

/* ha (B, ld) += decoder_input's z part, rows of z (B, L) */
static void decode_z(fcvae_infer *inf, const float *init, int ldn, const float *z, int B)
{
	int C2 = 2 * inf->m->cfg.cond, L = inf->m->cfg.latent;
	lin_acc(&inf->dec_in, inf->ha, init, ldn, z, L, B, C2, L);
}

/* From ha (B, ld) = decoder_input's output: the rest. */
static void decode_rest(fcvae_infer *inf, int B, int last_only, float *mu_x, float *var_x)
{
	const fcvae_config *cf = &inf->m->cfg;
	int W = cf->window, H = cf->n_hidden;
	float *in = inf->ha, *out = inf->hb;
	int ldin = inf->dec_in.ld;
	for (int i = 0; i < H; i++) {
		lin_forward(&inf->dec[i], out, in, ldin, B);
		tanh_rows(out, inf->dec[i].ld, B);
		ldin = inf->dec[i].ld;
		float *t = in;
		in = out, out = t;
	}
	const lin *head = last_only ? &inf->dec_head_last : &inf->dec_head;
	int P = last_only ? 1 : W;
	lin_forward(head, out, in, ldin, B);
	for (int b = 0; b < B; b++)
		for (int i = 0; i < P; i++) {
			mu_x[(size_t)b * P + i] = out[(size_t)b * head->ld + i];
			var_x[(size_t)b * P + i] = out[(size_t)b * head->ld + P + i];
		}
	fcvae_softplus_inplace(var_x, B * P);
}

void fcvae_infer_decode(fcvae_infer *inf, const float *z, const float *c, int B, int last_only,
                        float *mu_x, float *var_x)
{
	const fcvae_config *cf = &inf->m->cfg;
	int C2 = 2 * cf->cond, L = cf->latent, P = last_only ? 1 : cf->window;
	check_batch(inf, B);
	for (int b = 0; b < B; b += TILE_ROWS) {
		int nb = B - b < TILE_ROWS ? B - b : TILE_ROWS;
		decode_fix(inf, inf->ha, c + (size_t)b * C2, nb);
		decode_z(inf, inf->ha, inf->dec_in.ld, z + (size_t)b * L, nb);
		decode_rest(inf, nb, last_only, mu_x + (size_t)b * P, var_x + (size_t)b * P);
	}
}

void fcvae_infer_fix(fcvae_infer *inf, const float *x, const float *c, int B)
{
	const fcvae_config *cf = &inf->m->cfg;
	int W = cf->window, C2 = 2 * cf->cond;
	check_batch(inf, B);
	for (int b = 0; b < B; b += TILE_ROWS) {
		int nb = B - b < TILE_ROWS ? B - b : TILE_ROWS;
		encode_fix(inf, inf->enc_fixed + (size_t)b * inf->enc[0].ld, x + (size_t)b * W, c + (size_t)b * C2,
		           nb);
	}
	decode_fix(inf, inf->dec_fixed, c, B);
}

void fcvae_infer_encode_fixed(fcvae_infer *inf, const float *xlast, int B, float *mu, float *var)
{
	int L = inf->m->cfg.latent, ld = inf->enc[0].ld;
	check_batch(inf, B);
	for (int b = 0; b < B; b += TILE_ROWS) {
		int nb = B - b < TILE_ROWS ? B - b : TILE_ROWS;
		encode_rest(inf, inf->enc_fixed + (size_t)b * ld, xlast + b, nb, mu + (size_t)b * L, var + (size_t)b * L);
	}
}

void fcvae_infer_decode_fixed(fcvae_infer *inf, const float *z, int B, int S, int last_only, float *mu_x,
                              float *var_x)
{
	int L = inf->m->cfg.latent, ld = inf->dec_in.ld, P = last_only ? 1 : inf->m->cfg.window;
	check_batch(inf, B);
	size_t rows = (size_t)B * S;
	for (size_t r = 0; r < rows; r += TILE_ROWS) {
		int nr = rows - r < TILE_ROWS ? (int)(rows - r) : TILE_ROWS;
		/* the tile's rows start from their windows' fixed part: a window's
		 * S rows share one row, one window per row when S is 1 */
		if (S == 1)
			decode_z(inf, inf->dec_fixed + r * ld, ld, z + r * L, nr);
		for (int i = 0; S > 1 && i < nr;) {
			size_t b = (r + i) / S;
			int n = (int)((b + 1) * S - (r + i));
			n = n < nr - i ? n : nr - i;
			lin_acc(&inf->dec_in, inf->ha + (size_t)i * ld, inf->dec_fixed + b * ld, 0, z + (r + i) * L, L, n,
			        2 * inf->m->cfg.cond, L);
			i += n;
		}
		decode_rest(inf, nr, last_only, mu_x + r * P, var_x + r * P);
	}
}
