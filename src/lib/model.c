/* model.c — FCVAE configuration checks, parameter layout and model lifetime. */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void fcvae_config_default(fcvae_config *c)
{
	memset(c, 0, sizeof *c);
	c->window = 24;
	c->latent = 8;
	c->cond = 16;
	c->d_model = 64;
	c->d_inner = 128;
	c->n_head = 4;
	c->kernel = 8;
	c->stride = 4;
	c->n_hidden = 2;
	c->hidden[0] = 64;
	c->hidden[1] = 64;
	c->dropout = 0.05f;
}

static int bad(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && n)
		vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

int fcvae_config_check(const fcvae_config *c, char *err, size_t n)
{
	/* Bounds keep every buffer size far from overflow. */
	const int big = 1 << 16;
	if (c->window < 4 || c->window > big || c->window % 2)
		return bad(err, n, "window %d must be even and from 4 to %d", c->window, big);
	if (c->kernel <= 0 || c->kernel % 2)
		return bad(err, n, "kernel %d must be even and at least 2", c->kernel);
	if (c->kernel >= c->window)
		return bad(err, n, "kernel %d must be below the window (%d points)", c->kernel, c->window);
	if (c->stride < 1 || c->stride > big)
		return bad(err, n, "stride %d must be at least 1", c->stride);
	if (c->latent < 1 || c->latent > big)
		return bad(err, n, "latent_dim %d must be at least 1", c->latent);
	if (c->cond < 1 || c->cond > big)
		return bad(err, n, "condition_emb_dim %d must be at least 1", c->cond);
	if (c->d_model < 1 || c->d_model > big)
		return bad(err, n, "d_model %d must be at least 1", c->d_model);
	if (c->n_head < 1 || c->d_inner < c->n_head || c->d_inner > big || c->d_inner % c->n_head)
		return bad(err, n, "d_inner %d must be a positive multiple of n_head %d", c->d_inner, c->n_head);
	if (c->n_hidden < 1 || c->n_hidden > FCVAE_MAX_HIDDEN)
		return bad(err, n, "hidden_dims must have 1 to %d layers, not %d", FCVAE_MAX_HIDDEN, c->n_hidden);
	for (int i = 0; i < c->n_hidden; i++)
		if (c->hidden[i] < 1 || c->hidden[i] > big)
			return bad(err, n, "hidden_dims[%d] = %d must be from 1 to %d", i, c->hidden[i], big);
	if (!(c->dropout >= 0 && c->dropout < 1))
		return bad(err, n, "dropout_rate %g must be in [0, 1)", c->dropout);
	return 0;
}

int fcvae_config_parse_hidden(fcvae_config *c, const char *s)
{
	char *end;
	int n = 0;
	for (;;) {
		errno = 0;
		long v = strtol(s, &end, 10);
		if (errno || end == s || v < 1 || v > 1 << 16 || n == FCVAE_MAX_HIDDEN)
			return -1;
		c->hidden[n++] = (int)v;
		if (*end == 0)
			break;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
	c->n_hidden = n;
	return 0;
}

int fcvae_config_n_sub(const fcvae_config *c)
{
	return (c->window - c->kernel) / c->stride + 1;
}

static void add(fcvae_layout *l, const char *name, int ndim, int d0, int d1, int d2)
{
	fcvae_tensor *t = &l->t[l->n++];
	snprintf(t->name, sizeof t->name, "%s", name);
	t->ndim = ndim;
	t->shape[0] = d0;
	t->shape[1] = d1;
	t->shape[2] = d2;
	t->size = (size_t)d0 * (ndim > 1 ? d1 : 1) * (ndim > 2 ? d2 : 1);
	t->offset = l->total;
	l->total += t->size;
}

/* A Linear (or 1x1 Conv1d when conv) named prefix.weight / prefix.bias. */
static void linear(fcvae_layout *l, const char *prefix, int out, int in, int conv)
{
	char name[FCVAE_TENSOR_NAME];
	snprintf(name, sizeof name, "%s.weight", prefix);
	add(l, name, conv ? 3 : 2, out, in, 1);
	snprintf(name, sizeof name, "%s.bias", prefix);
	add(l, name, 1, out, 0, 0);
}

static void norm(fcvae_layout *l, const char *prefix, int d)
{
	char name[FCVAE_TENSOR_NAME];
	snprintf(name, sizeof name, "%s.weight", prefix);
	add(l, name, 1, d, 0, 0);
	snprintf(name, sizeof name, "%s.bias", prefix);
	add(l, name, 1, d, 0, 0);
}

void fcvae_layout_build(fcvae_layout *l, const fcvae_config *c)
{
	char p[FCVAE_TENSOR_NAME];
	int W = c->window, H = c->n_hidden, C2 = 2 * c->cond;
	memset(l, 0, sizeof *l);
	for (int i = 0; i < H; i++) {
		snprintf(p, sizeof p, "encoder.%d.0", i);
		linear(l, p, c->hidden[i], i ? c->hidden[i - 1] : W + C2, 0);
	}
	linear(l, "fc_mu", c->latent, c->hidden[H - 1], 0);
	linear(l, "fc_var.0", c->latent, c->hidden[H - 1], 0);
	linear(l, "decoder_input", c->hidden[H - 1], c->latent + C2, 0);
	/* decoder.K runs the hidden sizes backwards, the last one out to W */
	for (int i = 0; i < H; i++) {
		snprintf(p, sizeof p, "decoder.%d.0", i);
		int in = c->hidden[H - 1 - i];
		int out = i + 1 < H ? c->hidden[H - 2 - i] : W;
		linear(l, p, out, in, 0);
	}
	linear(l, "fc_mu_x", W, W, 0);
	linear(l, "fc_var_x.0", W, W, 0);
	linear(l, "atten.0.slf_attn.w_qs", c->d_inner, c->d_model, 0);
	linear(l, "atten.0.slf_attn.w_ks", c->d_inner, c->d_model, 0);
	linear(l, "atten.0.slf_attn.w_vs", c->d_inner, c->d_model, 0);
	norm(l, "atten.0.slf_attn.layer_norm", c->d_model);
	linear(l, "atten.0.slf_attn.fc", c->d_model, c->d_inner, 0);
	linear(l, "atten.0.pos_ffn.w_1", c->d_inner, c->d_model, 1);
	linear(l, "atten.0.pos_ffn.w_2", c->d_model, c->d_inner, 1);
	norm(l, "atten.0.pos_ffn.layer_norm", c->d_model);
	linear(l, "emb_local.0", c->d_model, c->kernel + 2, 0);
	linear(l, "out_linear.0", c->cond, c->d_model, 0);
	linear(l, "emb_global.0", c->cond, W, 0);
}

const fcvae_tensor *fcvae_layout_find(const fcvae_layout *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->t[i].name, name))
			return &l->t[i];
	return NULL;
}

/* Tensors come in (weight, bias) pairs in layout order; walk them in step. */
void fcvae_weights_bind(fcvae_weights *w, const fcvae_config *c, const fcvae_layout *l, float *base)
{
	int k = 0;
#define NEXT (base + l->t[k++].offset)
	memset(w, 0, sizeof *w);
	for (int i = 0; i < c->n_hidden; i++) {
		w->enc_w[i] = NEXT;
		w->enc_b[i] = NEXT;
	}
	w->mu_w = NEXT;
	w->mu_b = NEXT;
	w->var_w = NEXT;
	w->var_b = NEXT;
	w->dec_in_w = NEXT;
	w->dec_in_b = NEXT;
	for (int i = 0; i < c->n_hidden; i++) {
		w->dec_w[i] = NEXT;
		w->dec_b[i] = NEXT;
	}
	w->mux_w = NEXT;
	w->mux_b = NEXT;
	w->varx_w = NEXT;
	w->varx_b = NEXT;
	w->wq = NEXT;
	w->bq = NEXT;
	w->wk = NEXT;
	w->bk = NEXT;
	w->wv = NEXT;
	w->bv = NEXT;
	w->ln1_g = NEXT;
	w->ln1_b = NEXT;
	w->fc_w = NEXT;
	w->fc_b = NEXT;
	w->w1 = NEXT;
	w->b1 = NEXT;
	w->w2 = NEXT;
	w->b2 = NEXT;
	w->ln2_g = NEXT;
	w->ln2_b = NEXT;
	w->loc_w = NEXT;
	w->loc_b = NEXT;
	w->out_w = NEXT;
	w->out_b = NEXT;
	w->glob_w = NEXT;
	w->glob_b = NEXT;
#undef NEXT
}

fcvae_model *fcvae_model_new(const fcvae_config *c)
{
	fcvae_model *m = fcvae_xcalloc(1, sizeof *m);
	m->cfg = *c;
	fcvae_layout_build(&m->layout, c);
	m->params = fcvae_xcalloc(m->layout.total, sizeof(float));
	fcvae_weights_bind(&m->w, c, &m->layout, m->params);
	m->mean = 0;
	m->std = 1;
	m->clip = FCVAE_CLIP_X;
	m->training = fcvae_xstrdup("{}");
	return m;
}

void fcvae_model_init_params(fcvae_model *m, uint64_t seed)
{
	fcvae_rng r;
	fcvae_rng_init(&r, seed, 0x696e6974 /* "init" */);
	const fcvae_layout *l = &m->layout;
	for (int i = 0; i < l->n; i++) {
		const fcvae_tensor *t = &l->t[i];
		float *p = m->params + t->offset;
		if (strstr(t->name, "layer_norm")) {
			float v = strstr(t->name, ".weight") ? 1.0f : 0.0f;
			for (size_t j = 0; j < t->size; j++)
				p[j] = v;
			continue;
		}
		/* a bias shares the fan-in of the weight just before it */
		int fan_in = t->ndim > 1 ? t->shape[1] : l->t[i - 1].shape[1];
		double bound = 1.0 / sqrt((double)fan_in);
		for (size_t j = 0; j < t->size; j++)
			p[j] = (float)((2.0 * fcvae_rng_uniform(&r) - 1.0) * bound);
	}
}

void fcvae_model_free(fcvae_model *m)
{
	if (!m)
		return;
	free(m->params);
	free(m->training);
	free(m->path);
	free(m);
}
