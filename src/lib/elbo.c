/* elbo.c — the training forward (activations kept in one arena), the
 * CM-ELBO loss of SPEC §4, and its backward to every parameter.
 *
 * Written over fcvae_real (layers.h): the library builds it in float; the
 * gradient-check test includes this file with FCVAE_REAL_DOUBLE defined to
 * get the very same code in double, through elbo_forward/elbo_backward. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fft.h"
#include "layers.h"
#include "model.h"
#include "util.h"

/* One batch's activations, (B, ·) row-major, B = max_batch when carved. The
 * gradient arena has the same shape, one tensor per activation. */
typedef struct {
	fcvae_real *x, *mask, *eps;      /* (B,W) (B,W) (B,L): the inputs, kept for the backward */
	fcvae_real *xl;                  /* (W) one window, last point zeroed */
	fcvae_real *gf, *g;              /* (B,W) global FFT features, (B,C) tanh(emb_global) */
	fcvae_real *lf, *e;              /* (B·n,k+2) local FFT features, (B·n,D) tanh(emb_local) */
	fcvae_real *last;                /* (B,D) e's last sub-window row: query and residual */
	fcvae_real *q, *k, *v;           /* (B,HD) (B·n,HD) (B·n,HD) */
	fcvae_real *att, *att_drop;      /* (B,NH,n) softmax, its dropout mask */
	fcvae_real *o;                   /* (B,HD) attention output */
	fcvae_real *fc, *fc_drop;        /* (B,D) slf_attn.fc output, its dropout mask */
	fcvae_real *r1, *y1, *ln1_mean, *ln1_rstd; /* (B,D) LN1 input and output, (B) (B) */
	fcvae_real *u;                   /* (B,Di) relu(w_1 y1) */
	fcvae_real *f2, *f2_drop;        /* (B,D) w_2 output, its dropout mask */
	fcvae_real *r2, *y2, *ln2_mean, *ln2_rstd; /* (B,D) LN2 input and output, (B) (B) */
	fcvae_real *l;                   /* (B,C) tanh(out_linear) */
	fcvae_real *cond, *cond_drop;    /* (B,2C) [g, l], its dropout mask */
	fcvae_real *cd;                  /* (B,2C) the condition after dropout */
	fcvae_real *h0;                  /* (B,W+2C) [x, cd] */
	fcvae_real *enc[FCVAE_MAX_HIDDEN]; /* (B,hidden[i]) tanh outputs */
	fcvae_real *mu, *var_pre, *var, *z; /* (B,L) */
	fcvae_real *d0;                  /* (B,L+2C) [z, cd] */
	fcvae_real *dec_in;              /* (B,hidden[H-1]) decoder_input, no activation */
	fcvae_real *dec[FCVAE_MAX_HIDDEN]; /* (B, hidden reversed, then W) tanh outputs */
	fcvae_real *mu_x, *var_x_pre, *var_x; /* (B,W) */
	fcvae_real *tmp;                 /* (B, widest) scratch: gradients before an activation */
} tensors;

struct fcvae_acts {
	fcvae_config cfg;
	int max_batch, n_sub;
	int B;                 /* of the last forward */
	fcvae_real kl_weight;
	int drop_att, drop_cond; /* whether the last forward applied those masks */
	tensors a, d;          /* activations and their gradients */
	fcvae_real *arena;     /* activations, then gradients: size each */
	size_t size;
#ifndef FCVAE_REAL_DOUBLE
	fcvae_rfft *fft_global, *fft_local;
#endif
};

/* Parameter views of any flat array in the model's layout: P is params (or
 * a double copy of them), G gradients; offsets are those of m->w. */
#define PW(f) (P + (m->w.f - m->params))
#define GW(f) (G + (m->w.f - m->params))

static int dec_out(const fcvae_config *c, int i)
{
	return i + 1 < c->n_hidden ? c->hidden[c->n_hidden - 2 - i] : c->window;
}

/* Points t's tensors into base (or only counts, base NULL); returns the size. */
static size_t carve(tensors *t, const fcvae_config *c, int B, fcvae_real *base)
{
	int W = c->window, L = c->latent, C = c->cond, C2 = 2 * C, D = c->d_model, HD = c->d_inner;
	int H = c->n_hidden, n = fcvae_config_n_sub(c), kf = c->kernel + 2;
	size_t off = 0, Bn = (size_t)B * n;
	int wide = W + C2 > L + C2 ? W + C2 : L + C2;
	if (n * D > wide)
		wide = n * D;
	if (HD > wide)
		wide = HD;
	for (int i = 0; i < H; i++)
		if (c->hidden[i] > wide)
			wide = c->hidden[i];
#define TAKE(field, count) (t->field = base ? base + off : NULL, off += (size_t)(count))
	TAKE(x, B * W), TAKE(mask, B * W), TAKE(eps, B * L), TAKE(xl, W);
	TAKE(gf, B * W), TAKE(g, B * C), TAKE(lf, Bn * kf), TAKE(e, Bn * D), TAKE(last, B * D);
	TAKE(q, B * HD), TAKE(k, Bn * HD), TAKE(v, Bn * HD), TAKE(att, Bn * c->n_head);
	TAKE(att_drop, Bn * c->n_head), TAKE(o, B * HD), TAKE(fc, B * D), TAKE(fc_drop, B * D);
	TAKE(r1, B * D), TAKE(y1, B * D), TAKE(ln1_mean, B), TAKE(ln1_rstd, B), TAKE(u, B * HD);
	TAKE(f2, B * D), TAKE(f2_drop, B * D), TAKE(r2, B * D), TAKE(y2, B * D), TAKE(ln2_mean, B);
	TAKE(ln2_rstd, B), TAKE(l, B * C), TAKE(cond, B * C2), TAKE(cond_drop, B * C2), TAKE(cd, B * C2);
	TAKE(h0, B * (W + C2));
	for (int i = 0; i < H; i++)
		TAKE(enc[i], B * c->hidden[i]);
	TAKE(mu, B * L), TAKE(var_pre, B * L), TAKE(var, B * L), TAKE(z, B * L), TAKE(d0, B * (L + C2));
	TAKE(dec_in, B * c->hidden[H - 1]);
	for (int i = 0; i < H; i++)
		TAKE(dec[i], B * dec_out(c, i));
	TAKE(mu_x, B * W), TAKE(var_x_pre, B * W), TAKE(var_x, B * W), TAKE(tmp, (size_t)B * wide);
#undef TAKE
	return off;
}

fcvae_acts *fcvae_acts_new(const fcvae_config *c, int max_batch)
{
	fcvae_acts *a = fcvae_xcalloc(1, sizeof *a);
	a->cfg = *c;
	a->max_batch = max_batch;
	a->n_sub = fcvae_config_n_sub(c);
	a->size = carve(&a->a, c, max_batch, NULL);
	a->arena = fcvae_xcalloc(2 * a->size, sizeof(fcvae_real));
	carve(&a->a, c, max_batch, a->arena);
	carve(&a->d, c, max_batch, a->arena + a->size);
#ifndef FCVAE_REAL_DOUBLE
	a->fft_global = fcvae_rfft_new(c->window - 1, 1, c->window);
	a->fft_local = fcvae_rfft_new(c->kernel, a->n_sub, c->stride);
#endif
	return a;
}

void fcvae_acts_free(fcvae_acts *a)
{
	if (!a)
		return;
#ifndef FCVAE_REAL_DOUBLE
	fcvae_rfft_free(a->fft_global);
	fcvae_rfft_free(a->fft_local);
#endif
	free(a->arena);
	free(a);
}

/* The FFT features of SPEC §2 (data only: no backward). */
static void features(fcvae_acts *A, int B)
{
	const fcvae_config *c = &A->cfg;
	tensors *t = &A->a;
	int W = c->window, n = A->n_sub, kf = c->kernel + 2;
	for (int b = 0; b < B; b++) {
		memcpy(t->xl, t->x + (size_t)b * W, W * sizeof *t->xl);
		t->xl[W - 1] = 0;
#ifdef FCVAE_REAL_DOUBLE
		fcvae_rfft_ref(t->gf + (size_t)b * W, t->x + (size_t)b * W, W - 1, 1, W);
		fcvae_rfft_ref(t->lf + (size_t)b * n * kf, t->xl, c->kernel, n, c->stride);
#else
		fcvae_rfft_exec(A->fft_global, t->gf + (size_t)b * W, t->x + (size_t)b * W);
		fcvae_rfft_exec(A->fft_local, t->lf + (size_t)b * n * kf, t->xl);
#endif
	}
}

/* out (B, a+b) = [p (B,a), q (B,b)] */
static void concat(fcvae_real *out, const fcvae_real *p, int a, const fcvae_real *q, int b, int B)
{
	for (int i = 0; i < B; i++) {
		memcpy(out + (size_t)i * (a + b), p + (size_t)i * a, a * sizeof *out);
		memcpy(out + (size_t)i * (a + b) + a, q + (size_t)i * b, b * sizeof *out);
	}
}

/* p (B,a) += cols [off, off+a) of g (B,w) */
static void add_cols(fcvae_real *p, const fcvae_real *g, int off, int a, int w, int B)
{
	for (int i = 0; i < B; i++)
		for (int j = 0; j < a; j++)
			p[(size_t)i * a + j] += g[(size_t)i * w + off + j];
}

static double elbo_forward(const fcvae_model *m, const fcvae_real *P, fcvae_acts *A, const fcvae_real *x,
                           const fcvae_real *mask, const fcvae_real *eps, int B, fcvae_real kl_weight,
                           const fcvae_dropout *drop, double *recon, double *kld)
{
	const fcvae_config *c = &A->cfg;
	tensors *t = &A->a;
	int W = c->window, L = c->latent, C = c->cond, C2 = 2 * C, D = c->d_model, HD = c->d_inner;
	int NH = c->n_head, H = c->n_hidden, n = A->n_sub, kf = c->kernel + 2;
	fcvae_rng *rng = drop ? drop->rng : NULL;
	if (B < 1 || B > A->max_batch)
		fcvae_die(FCVAE_EXIT_FAIL, "internal error: batch %d exceeds the training workspace (%d)", B,
		          A->max_batch);
	A->B = B;
	A->kl_weight = kl_weight;
	A->drop_att = rng && drop->attn > 0;
	A->drop_cond = rng && drop->cond > 0;
	memcpy(t->x, x, (size_t)B * W * sizeof *x);
	memcpy(t->mask, mask, (size_t)B * W * sizeof *x);
	memcpy(t->eps, eps, (size_t)B * L * sizeof *x);

	/* condition: global and local frequency features */
	features(A, B);
	fcvae_linear_forward(t->g, t->gf, PW(glob_w), PW(glob_b), B, W, C);
	fcvae_tanh_forward(t->g, t->g, B * C);
	fcvae_linear_forward(t->e, t->lf, PW(loc_w), PW(loc_b), B * n, kf, D);
	fcvae_tanh_forward(t->e, t->e, B * n * D);
	for (int b = 0; b < B; b++)
		memcpy(t->last + (size_t)b * D, t->e + ((size_t)b * n + n - 1) * D, D * sizeof *t->e);
	/* the encoder layer for the last row, the only one the condition keeps
	 * (the others get no gradient); dropout as the original EncoderLayer:
	 * attention weights, fc output, FFN output */
	fcvae_linear_forward(t->q, t->last, PW(wq), PW(bq), B, D, HD);
	fcvae_linear_forward(t->k, t->e, PW(wk), PW(bk), B * n, D, HD);
	fcvae_linear_forward(t->v, t->e, PW(wv), PW(bv), B * n, D, HD);
	if (A->drop_att) {
		fcvae_dropout_mask(t->att_drop, B * NH * n, drop->attn, rng);
		fcvae_dropout_mask(t->fc_drop, B * D, drop->attn, rng);
		fcvae_dropout_mask(t->f2_drop, B * D, drop->attn, rng);
	}
	fcvae_attention_forward(t->o, t->att, t->q, t->k, t->v, A->drop_att ? t->att_drop : NULL, B, n, NH, HD);
	fcvae_linear_forward(t->fc, t->o, PW(fc_w), PW(fc_b), B, HD, D);
	for (int i = 0; i < B * D; i++)
		t->r1[i] = (A->drop_att ? t->fc[i] * t->fc_drop[i] : t->fc[i]) + t->last[i];
	fcvae_layernorm_forward(t->y1, t->ln1_mean, t->ln1_rstd, t->r1, PW(ln1_g), PW(ln1_b), B, D);
	fcvae_linear_forward(t->u, t->y1, PW(w1), PW(b1), B, D, HD);
	fcvae_relu_forward(t->u, t->u, B * HD);
	fcvae_linear_forward(t->f2, t->u, PW(w2), PW(b2), B, HD, D);
	for (int i = 0; i < B * D; i++)
		t->r2[i] = (A->drop_att ? t->f2[i] * t->f2_drop[i] : t->f2[i]) + t->y1[i];
	fcvae_layernorm_forward(t->y2, t->ln2_mean, t->ln2_rstd, t->r2, PW(ln2_g), PW(ln2_b), B, D);
	fcvae_linear_forward(t->l, t->y2, PW(out_w), PW(out_b), B, D, C);
	fcvae_tanh_forward(t->l, t->l, B * C);
	concat(t->cond, t->g, C, t->l, C, B);
	if (A->drop_cond)
		fcvae_dropout_mask(t->cond_drop, B * C2, drop->cond, rng);
	for (int i = 0; i < B * C2; i++)
		t->cd[i] = A->drop_cond ? t->cond[i] * t->cond_drop[i] : t->cond[i];

	/* encoder, reparameterisation, decoder */
	concat(t->h0, t->x, W, t->cd, C2, B);
	const fcvae_real *in = t->h0;
	int din = W + C2;
	for (int i = 0; i < H; i++) {
		fcvae_linear_forward(t->enc[i], in, PW(enc_w[i]), PW(enc_b[i]), B, din, c->hidden[i]);
		fcvae_tanh_forward(t->enc[i], t->enc[i], B * c->hidden[i]);
		in = t->enc[i];
		din = c->hidden[i];
	}
	fcvae_linear_forward(t->mu, in, PW(mu_w), PW(mu_b), B, din, L);
	fcvae_linear_forward(t->var_pre, in, PW(var_w), PW(var_b), B, din, L);
	fcvae_softplus_forward(t->var, t->var_pre, B * L);
	for (int i = 0; i < B * L; i++)
		t->z[i] = t->mu[i] + t->eps[i] * sqrt(t->var[i] + (fcvae_real)1e-7);
	concat(t->d0, t->z, L, t->cd, C2, B);
	fcvae_linear_forward(t->dec_in, t->d0, PW(dec_in_w), PW(dec_in_b), B, L + C2, din);
	in = t->dec_in;
	for (int i = 0; i < H; i++) {
		int dout = dec_out(c, i);
		fcvae_linear_forward(t->dec[i], in, PW(dec_w[i]), PW(dec_b[i]), B, din, dout);
		fcvae_tanh_forward(t->dec[i], t->dec[i], B * dout);
		in = t->dec[i];
		din = dout;
	}
	fcvae_linear_forward(t->mu_x, in, PW(mux_w), PW(mux_b), B, W, W);
	fcvae_linear_forward(t->var_x_pre, in, PW(varx_w), PW(varx_b), B, W, W);
	fcvae_softplus_forward(t->var_x, t->var_x_pre, B * W);

	/* CM-ELBO: masked reconstruction, KL weighted by the observed share */
	double rsum = 0, ksum = 0;
	for (int b = 0; b < B; b++) {
		const fcvae_real *xb = t->x + (size_t)b * W, *mb = t->mask + (size_t)b * W;
		const fcvae_real *mx = t->mu_x + (size_t)b * W, *vx = t->var_x + (size_t)b * W;
		double r = 0, k = 0, obs = 0;
		for (int i = 0; i < W; i++) {
			r += 0.5 * mb[i] * (log(vx[i]) + (xb[i] - mx[i]) * (xb[i] - mx[i]) / vx[i]);
			obs += mb[i];
		}
		for (int j = 0; j < L; j++) {
			double z = t->z[(size_t)b * L + j], mu = t->mu[(size_t)b * L + j], v = t->var[(size_t)b * L + j];
			k += 0.5 * (obs / W * z * z - log(v) - (z - mu) * (z - mu) / v);
		}
		rsum += r / W;
		ksum += k / L;
	}
	if (recon)
		*recon = rsum / B;
	if (kld)
		*kld = ksum / B;
	return (rsum + kl_weight * ksum) / B;
}

static void elbo_backward(const fcvae_model *m, const fcvae_real *P, fcvae_acts *A, fcvae_real *G)
{
	const fcvae_config *c = &A->cfg;
	tensors *t = &A->a, *d = &A->d;
	int B = A->B, W = c->window, L = c->latent, C = c->cond, C2 = 2 * C, D = c->d_model;
	int HD = c->d_inner, NH = c->n_head, H = c->n_hidden, n = A->n_sub, kf = c->kernel + 2;
	memset(A->arena + A->size, 0, A->size * sizeof *A->arena); /* the gradient half */
	/* d->tmp holds one gradient before an activation at a time */
#define TMP_CLEAR(count) memset(d->tmp, 0, (size_t)(count) * sizeof *d->tmp)

	/* loss → μx, σx², z, μ, σ² */
	for (int b = 0; b < B; b++) {
		const fcvae_real *xb = t->x + (size_t)b * W, *mb = t->mask + (size_t)b * W;
		double obs = 0;
		for (int i = 0; i < W; i++) {
			size_t j = (size_t)b * W + i;
			double r = xb[i] - t->mu_x[j], v = t->var_x[j], s = mb[i] / ((double)B * W);
			d->mu_x[j] = -s * r / v;
			d->var_x[j] = s * 0.5 * (1 / v - r * r / (v * v));
			obs += mb[i];
		}
		for (int i = 0; i < L; i++) {
			size_t j = (size_t)b * L + i;
			double z = t->z[j], mu = t->mu[j], v = t->var[j], s = A->kl_weight / ((double)B * L);
			d->z[j] = s * (obs / W * z - (z - mu) / v);
			d->mu[j] = s * (z - mu) / v;
			d->var[j] = s * 0.5 * (-1 / v + (z - mu) * (z - mu) / (v * v));
		}
	}

	/* decoder */
	fcvae_real *dlast_dec = d->dec[H - 1];
	const fcvae_real *last_dec = t->dec[H - 1];
	fcvae_softplus_backward(d->var_x_pre, d->var_x, t->var_x_pre, B * W);
	fcvae_linear_backward(dlast_dec, GW(mux_w), GW(mux_b), d->mu_x, last_dec, PW(mux_w), B, W, W);
	fcvae_linear_backward(dlast_dec, GW(varx_w), GW(varx_b), d->var_x_pre, last_dec, PW(varx_w), B, W, W);
	for (int i = H - 1; i >= 0; i--) {
		int dout = dec_out(c, i), din = i ? dec_out(c, i - 1) : c->hidden[H - 1];
		TMP_CLEAR(B * dout);
		fcvae_tanh_backward(d->tmp, d->dec[i], t->dec[i], B * dout);
		fcvae_linear_backward(i ? d->dec[i - 1] : d->dec_in, GW(dec_w[i]), GW(dec_b[i]), d->tmp,
		                      i ? t->dec[i - 1] : t->dec_in, PW(dec_w[i]), B, din, dout);
	}
	fcvae_linear_backward(d->d0, GW(dec_in_w), GW(dec_in_b), d->dec_in, t->d0, PW(dec_in_w), B, L + C2,
	                      c->hidden[H - 1]);
	add_cols(d->z, d->d0, 0, L, L + C2, B);
	add_cols(d->cd, d->d0, L, C2, L + C2, B);

	/* reparameterisation z = μ + ε·sqrt(σ² + 1e-7), then the encoder */
	for (int i = 0; i < B * L; i++) {
		d->mu[i] += d->z[i];
		d->var[i] += d->z[i] * t->eps[i] * 0.5 / sqrt(t->var[i] + (fcvae_real)1e-7);
	}
	fcvae_real *dlast_enc = d->enc[H - 1];
	const fcvae_real *last_enc = t->enc[H - 1];
	fcvae_softplus_backward(d->var_pre, d->var, t->var_pre, B * L);
	fcvae_linear_backward(dlast_enc, GW(mu_w), GW(mu_b), d->mu, last_enc, PW(mu_w), B, c->hidden[H - 1], L);
	fcvae_linear_backward(dlast_enc, GW(var_w), GW(var_b), d->var_pre, last_enc, PW(var_w), B,
	                      c->hidden[H - 1], L);
	for (int i = H - 1; i >= 0; i--) {
		int dout = c->hidden[i], din = i ? c->hidden[i - 1] : W + C2;
		TMP_CLEAR(B * dout);
		fcvae_tanh_backward(d->tmp, d->enc[i], t->enc[i], B * dout);
		fcvae_linear_backward(i ? d->enc[i - 1] : d->h0, GW(enc_w[i]), GW(enc_b[i]), d->tmp,
		                      i ? t->enc[i - 1] : t->h0, PW(enc_w[i]), B, din, dout);
	}
	add_cols(d->cd, d->h0, W, C2, W + C2, B);

	/* condition: dropout, then the global and local halves */
	for (int i = 0; i < B * C2; i++)
		d->cond[i] = A->drop_cond ? d->cd[i] * t->cond_drop[i] : d->cd[i];
	add_cols(d->g, d->cond, 0, C, C2, B);
	add_cols(d->l, d->cond, C, C, C2, B);
	TMP_CLEAR(B * C);
	fcvae_tanh_backward(d->tmp, d->g, t->g, B * C);
	fcvae_linear_backward(NULL, GW(glob_w), GW(glob_b), d->tmp, t->gf, PW(glob_w), B, W, C);
	TMP_CLEAR(B * C);
	fcvae_tanh_backward(d->tmp, d->l, t->l, B * C);
	fcvae_linear_backward(d->y2, GW(out_w), GW(out_b), d->tmp, t->y2, PW(out_w), B, D, C);
	fcvae_layernorm_backward(d->r2, GW(ln2_g), GW(ln2_b), d->y2, t->r2, PW(ln2_g), t->ln2_mean, t->ln2_rstd,
	                         B, D);
	for (int i = 0; i < B * D; i++) {
		d->y1[i] += d->r2[i];
		d->f2[i] = A->drop_att ? d->r2[i] * t->f2_drop[i] : d->r2[i];
	}
	fcvae_linear_backward(d->u, GW(w2), GW(b2), d->f2, t->u, PW(w2), B, HD, D);
	TMP_CLEAR(B * HD);
	fcvae_relu_backward(d->tmp, d->u, t->u, B * HD);
	fcvae_linear_backward(d->y1, GW(w1), GW(b1), d->tmp, t->y1, PW(w1), B, D, HD);
	fcvae_layernorm_backward(d->r1, GW(ln1_g), GW(ln1_b), d->y1, t->r1, PW(ln1_g), t->ln1_mean, t->ln1_rstd,
	                         B, D);
	for (int i = 0; i < B * D; i++) {
		d->last[i] += d->r1[i];
		d->fc[i] = A->drop_att ? d->r1[i] * t->fc_drop[i] : d->r1[i];
	}
	fcvae_linear_backward(d->o, GW(fc_w), GW(fc_b), d->fc, t->o, PW(fc_w), B, HD, D);
	fcvae_attention_backward(d->q, d->k, d->v, d->o, t->att, A->drop_att ? t->att_drop : NULL, t->q, t->k,
	                         t->v, B, n, NH, HD);
	fcvae_linear_backward(d->last, GW(wq), GW(bq), d->q, t->last, PW(wq), B, D, HD);
	fcvae_linear_backward(d->e, GW(wk), GW(bk), d->k, t->e, PW(wk), B * n, D, HD);
	fcvae_linear_backward(d->e, GW(wv), GW(bv), d->v, t->e, PW(wv), B * n, D, HD);
	for (int b = 0; b < B; b++)
		for (int i = 0; i < D; i++)
			d->e[((size_t)b * n + n - 1) * D + i] += d->last[(size_t)b * D + i];
	TMP_CLEAR((size_t)B * n * D);
	fcvae_tanh_backward(d->tmp, d->e, t->e, B * n * D);
	fcvae_linear_backward(NULL, GW(loc_w), GW(loc_b), d->tmp, t->lf, PW(loc_w), B * n, kf, D);
#undef TMP_CLEAR
}

#ifndef FCVAE_REAL_DOUBLE
double fcvae_train_forward(const fcvae_model *m, fcvae_acts *a, const float *x, const float *mask,
                           const float *eps, int B, float kl_weight, const fcvae_dropout *drop,
                           double *recon, double *kld)
{
	return elbo_forward(m, m->params, a, x, mask, eps, B, kl_weight, drop, recon, kld);
}

void fcvae_train_backward(const fcvae_model *m, fcvae_acts *a, float *grads)
{
	elbo_backward(m, m->params, a, grads);
}

void fcvae_acts_outputs(const fcvae_acts *a, fcvae_acts_out *o)
{
	o->B = a->B;
	o->cond = a->a.cd;
	o->mu = a->a.mu;
	o->var = a->a.var;
	o->z = a->a.z;
	o->mu_x = a->a.mu_x;
	o->var_x = a->a.var_x;
}
#endif
