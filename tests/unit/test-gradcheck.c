/* test-gradcheck.c — the training backward against central finite
 * differences of the loss, in double, on small odd configurations.
 *
 * layers.c and elbo.c are compiled here a second time with fcvae_real =
 * double (the library's float objects are not linked: nothing here refers
 * to them), so the code checked is the library's own. */
#define FCVAE_REAL_DOUBLE
#include "layers.c"
#include "elbo.c"

#include "unit.h"

typedef struct {
	const char *what;
	int W, L, C, D, Di, NH, k, s, nh, hidden[3];
} shape;

static const shape shapes[] = {
	{ "one hidden layer, 3 sub-windows, 2 heads", 8, 3, 2, 6, 8, 2, 4, 2, 1, { 5 } },
	{ "three hidden layers, kernel 2, stride 3, 3 heads", 10, 2, 3, 6, 6, 3, 2, 3, 3, { 7, 5, 6 } },
	{ "one sub-window, one head", 6, 2, 2, 4, 4, 1, 4, 4, 2, { 3, 4 } },
	{ "4 heads, 4 sub-windows, latent 1", 12, 1, 3, 8, 12, 4, 6, 2, 2, { 9, 6 } },
};

static double loss_at(const fcvae_model *m, const double *P, fcvae_acts *a, const double *x,
                      const double *mask, const double *eps, int B, const fcvae_dropout *drop,
                      uint64_t seed)
{
	/* the same dropout masks at every evaluation */
	if (drop)
		fcvae_rng_init(drop->rng, seed, 1);
	return elbo_forward(m, P, a, x, mask, eps, B, 0.7, drop, NULL, NULL);
}

static void check_shape(const shape *sh, int with_dropout, uint64_t seed)
{
	fcvae_config c = { .window = sh->W, .latent = sh->L, .cond = sh->C, .d_model = sh->D,
	                   .d_inner = sh->Di, .n_head = sh->NH, .kernel = sh->k, .stride = sh->s,
	                   .n_hidden = sh->nh, .dropout = 0.05f };
	char err[256];
	for (int i = 0; i < sh->nh; i++)
		c.hidden[i] = sh->hidden[i];
	if (fcvae_config_check(&c, err, sizeof err)) {
		CHECK(0, "%s: config rejected: %s", sh->what, err);
		return;
	}
	fcvae_model *m = fcvae_model_new(&c);
	fcvae_model_init_params(m, seed);
	size_t np = m->layout.total;
	double *P = fcvae_xmalloc(np * sizeof *P), *G = fcvae_xcalloc(np, sizeof *G);
	fcvae_rng r, dr;
	fcvae_rng_init(&r, seed, 2);
	for (size_t i = 0; i < np; i++)
		P[i] = m->params[i];
	/* LayerNorm away from (1, 0), so its gradient is generic */
	for (int i = 0; i < c.d_model; i++) {
		P[m->w.ln1_g - m->params + i] = 0.5 + fcvae_rng_uniform(&r);
		P[m->w.ln1_b - m->params + i] = 0.4 * fcvae_rng_uniform(&r) - 0.2;
		P[m->w.ln2_g - m->params + i] = 0.5 + fcvae_rng_uniform(&r);
		P[m->w.ln2_b - m->params + i] = 0.4 * fcvae_rng_uniform(&r) - 0.2;
	}
	int B = 3, W = c.window, L = c.latent;
	double *x = fcvae_xmalloc(B * W * sizeof *x), *mask = fcvae_xmalloc(B * W * sizeof *x);
	double *eps = fcvae_xmalloc(B * L * sizeof *x);
	for (int i = 0; i < B * W; i++) {
		x[i] = fcvae_rng_normal(&r);
		mask[i] = fcvae_rng_uniform(&r) < 0.8;
	}
	for (int i = 0; i < B * L; i++)
		eps[i] = fcvae_rng_normal(&r);
	fcvae_dropout drop = { .cond = 0.3f, .attn = 0.3f, .rng = &dr };
	const fcvae_dropout *dp = with_dropout ? &drop : NULL;

	fcvae_acts *a = fcvae_acts_new(&c, B);
	loss_at(m, P, a, x, mask, eps, B, dp, seed);
	elbo_backward(m, P, a, G);

	/* every parameter; the worst error per tensor. h = 1e-4 balances the
	 * rounding (~1e-16/h) and the truncation (~h²) of central differences;
	 * a wrong gradient is off by far more than the tolerance. */
	const double h = 1e-4, tol = 1e-4;
	int bad = 0;
	double worst_all = 0;
	for (int t = 0; t < m->layout.n; t++) {
		const fcvae_tensor *ts = &m->layout.t[t];
		double worst = 0;
		for (size_t j = ts->offset; j < ts->offset + ts->size; j++) {
			double p = P[j];
			P[j] = p + h;
			double lp = loss_at(m, P, a, x, mask, eps, B, dp, seed);
			P[j] = p - h;
			double lm = loss_at(m, P, a, x, mask, eps, B, dp, seed);
			P[j] = p;
			double fd = (lp - lm) / (2 * h);
			double e = fabs(G[j] - fd) / (fabs(fd) + 1e-6);
			if (!(e <= worst))
				worst = isnan(e) ? INFINITY : e;
		}
		if (!(worst <= tol)) {
			printf("# %s: d loss / d %s: worst relative error %.3g\n", sh->what, ts->name, worst);
			bad++;
		}
		if (!(worst <= worst_all))
			worst_all = worst;
	}
	CHECK(bad == 0, "%s%s: %zu gradients match finite differences, worst relative error %.3g", sh->what,
	      with_dropout ? ", with dropout" : "", np, worst_all);

	fcvae_acts_free(a);
	free(P), free(G), free(x), free(mask), free(eps);
	fcvae_model_free(m);
}

int main(void)
{
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		check_shape(&shapes[i], 0, 11 + i);
		check_shape(&shapes[i], 1, 23 + i);
	}
	return unit_done();
}
