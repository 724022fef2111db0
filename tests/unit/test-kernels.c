/* test-kernels.c — the fast kernels against their references: FFTW against
 * the plain DFT, OpenBLAS against the plain GEMM, and the inference path
 * (last row and last point only) against the training forward. */
#include <stdlib.h>
#include <string.h>

#include "fft.h"
#include "gemm.h"
#include "model.h"
#include "unit.h"
#include "util.h"

/* max |a-b| / max |b|: the kernels sum terms much larger than some of
 * their results, so the error is relative to the output's scale */
static double scaled_err(const float *a, const double *b, size_t n)
{
	double e = 0, s = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs(a[i] - b[i]);
		e = d > e || isnan(d) ? d : e;
		s = fmax(s, fabs(b[i]));
	}
	return e / s;
}

static void check_fft(int n, int rows, int idist, fcvae_rng *r)
{
	int nc = n / 2 + 1, len = (rows - 1) * idist + n;
	float *in = fcvae_xmalloc(len * sizeof *in), *out = fcvae_xmalloc(rows * 2 * nc * sizeof *out);
	double *ind = fcvae_xmalloc(len * sizeof *ind), *ref = fcvae_xmalloc(rows * 2 * nc * sizeof *ref);
	for (int i = 0; i < len; i++)
		ind[i] = in[i] = (float)fcvae_rng_normal(r);
	fcvae_rfft *f = fcvae_rfft_new(n, rows, idist);
	fcvae_rfft_exec(f, out, in + 0);
	fcvae_rfft_exec(f, out, in); /* a plan runs again on the same input, same result */
	fcvae_rfft_free(f);
	fcvae_rfft_ref(ref, ind, n, rows, idist);
	double e = scaled_err(out, ref, (size_t)rows * 2 * nc);
	CHECK(e <= 1e-6, "FFTW = DFT, n %d, %d rows %d apart: error %.3g of the scale", n, rows, idist, e);
	free(in), free(out), free(ind), free(ref);
}

static void check_gemm(int ta, int tb, int M, int N, int K, fcvae_rng *r)
{
	/* leading dimensions larger than the rows, to catch stride mix-ups */
	int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 2, ldc = N + 1;
	size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)(tb ? N : K) * ldb, nc = (size_t)M * ldc;
	float *A = fcvae_xmalloc(na * sizeof *A), *Bm = fcvae_xmalloc(nb * sizeof *Bm);
	float *C = fcvae_xmalloc(nc * sizeof *C), *Cr = fcvae_xmalloc(nc * sizeof *C);
	double *Cd = fcvae_xmalloc(nc * sizeof *Cd);
	for (size_t i = 0; i < na; i++)
		A[i] = (float)fcvae_rng_normal(r);
	for (size_t i = 0; i < nb; i++)
		Bm[i] = (float)fcvae_rng_normal(r);
	for (size_t i = 0; i < nc; i++)
		C[i] = Cr[i] = (float)fcvae_rng_normal(r);
	fcvae_sgemm(ta, tb, M, N, K, 0.5f, A, lda, Bm, ldb, 2.0f, C, ldc);
	fcvae_sgemm_ref(ta, tb, M, N, K, 0.5f, A, lda, Bm, ldb, 2.0f, Cr, ldc);
	for (size_t i = 0; i < nc; i++)
		Cd[i] = Cr[i];
	double e = scaled_err(C, Cd, nc);
	CHECK(e <= 1e-6, "OpenBLAS = reference GEMM, %c%c %dx%dx%d: error %.3g of the scale", ta ? 'T' : 'N',
	      tb ? 'T' : 'N', M, N, K, e);
	free(A), free(Bm), free(C), free(Cr), free(Cd);
}

static double relerr(const float *a, const float *b, size_t n)
{
	double worst = 0;
	for (size_t i = 0; i < n; i++) {
		double e = fabs((double)a[i] - b[i]) / (fabs(b[i]) + 1e-3);
		if (!(e <= worst))
			worst = isnan(e) ? INFINITY : e;
	}
	return worst;
}

/* fcvae_infer_* against fcvae_train_forward in evaluation mode. */
static void check_infer(const fcvae_config *c, const char *what, uint64_t seed)
{
	fcvae_model *m = fcvae_model_new(c);
	fcvae_model_init_params(m, seed);
	fcvae_rng r;
	fcvae_rng_init(&r, seed, 3);
	int B = 5, W = c->window, L = c->latent, C2 = 2 * c->cond;
	float *x = fcvae_xmalloc(B * W * sizeof *x), *mask = fcvae_xmalloc(B * W * sizeof *x);
	float *eps = fcvae_xmalloc(B * L * sizeof *x);
	for (int i = 0; i < B * W; i++) {
		x[i] = (float)fcvae_rng_normal(&r);
		mask[i] = 1;
	}
	x[7] = 0; /* a missing point */
	for (int i = 0; i < B * L; i++)
		eps[i] = (float)fcvae_rng_normal(&r);
	fcvae_acts *a = fcvae_acts_new(c, B);
	fcvae_train_forward(m, a, x, mask, eps, B, 1, NULL, NULL, NULL);
	fcvae_acts_out o;
	fcvae_acts_outputs(a, &o);

	fcvae_infer *inf = fcvae_infer_new(m, B + 2);
	float *cond = fcvae_xmalloc(B * C2 * sizeof *x), *mu = fcvae_xmalloc(B * L * sizeof *x);
	float *var = fcvae_xmalloc(B * L * sizeof *x), *mux = fcvae_xmalloc(B * W * sizeof *x);
	float *varx = fcvae_xmalloc(B * W * sizeof *x), *lmux = fcvae_xmalloc(B * sizeof *x);
	float *lvarx = fcvae_xmalloc(B * sizeof *x), *last = fcvae_xmalloc(2 * B * sizeof *x);
	fcvae_infer_condition(inf, x, B, cond);
	fcvae_infer_encode(inf, x, cond, B, mu, var);
	fcvae_infer_decode(inf, o.z, cond, B, 0, mux, varx);
	fcvae_infer_decode(inf, o.z, cond, B, 1, lmux, lvarx);
	double e = fmax(relerr(cond, o.cond, B * C2), fmax(relerr(mu, o.mu, B * L), relerr(var, o.var, B * L)));
	e = fmax(e, fmax(relerr(mux, o.mu_x, B * W), relerr(varx, o.var_x, B * W)));
	/* inference sums in its own fixed order (fcvae_linear_rows), training
	 * through BLAS: the same up to float rounding */
	CHECK(e <= 1e-4, "%s: inference = training forward (condition, mu, var, mu_x, var_x): %.3g", what, e);
	for (int b = 0; b < B; b++) {
		last[b] = o.mu_x[b * W + W - 1];
		last[B + b] = o.var_x[b * W + W - 1];
	}
	e = fmax(relerr(lmux, last, B), relerr(lvarx, last + B, B));
	CHECK(e <= 1e-4, "%s: last point alone = training forward's last point: %.3g", what, e);

	/* one window at a time gives the batch's numbers bit for bit (SPEC §3:
	 * OpenBLAS's kernels would sum in an order that depends on the matrix
	 * shape and a row's place in it; inference does not use them) */
	double eb = 0;
	for (int b = 0; b < B; b++) {
		float c1[256], mu1[64], var1[64];
		fcvae_infer_condition(inf, x + b * W, 1, c1);
		fcvae_infer_encode(inf, x + b * W, c1, 1, mu1, var1);
		eb = fmax(eb, fmax(relerr(c1, cond + b * C2, C2), relerr(mu1, mu + b * L, L)));
	}
	CHECK(eb == 0, "%s: batch of 1 = batch of %d: %.3g", what, B, eb);

	/* training mode: dropout changes the condition, repeatably for a seed */
	fcvae_rng dr;
	fcvae_dropout drop = { .cond = 0.5f, .attn = 0.5f, .rng = &dr };
	double l1, l2, l0 = fcvae_train_forward(m, a, x, mask, eps, B, 1, NULL, NULL, NULL);
	fcvae_rng_init(&dr, 9, 9);
	l1 = fcvae_train_forward(m, a, x, mask, eps, B, 1, &drop, NULL, NULL);
	fcvae_rng_init(&dr, 9, 9);
	l2 = fcvae_train_forward(m, a, x, mask, eps, B, 1, &drop, NULL, NULL);
	CHECK(l1 == l2 && l1 != l0, "%s: dropout repeats for a seed (%.6g) and differs from eval (%.6g)", what, l1,
	      l0);

	fcvae_infer_free(inf);
	fcvae_acts_free(a);
	free(x), free(mask), free(eps), free(cond), free(mu), free(var), free(mux), free(varx);
	free(lmux), free(lvarx), free(last);
	fcvae_model_free(m);
}

int main(void)
{
	fcvae_rng r;
	fcvae_rng_init(&r, 5, 0);
	check_fft(23, 1, 24, &r);  /* seed config, global */
	check_fft(8, 5, 4, &r);    /* seed config, local */
	check_fft(12, 6, 4, &r);
	check_fft(31, 3, 32, &r);
	check_fft(2, 4, 3, &r);
	check_fft(7, 3, 2, &r);

	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			check_gemm(ta, tb, 7, 13, 5, &r);
			check_gemm(ta, tb, 64, 64, 56, &r);
			check_gemm(ta, tb, 1, 24, 64, &r);
		}

	fcvae_config c;
	fcvae_config_default(&c);
	check_infer(&c, "seed config", 1);
	c.window = 16, c.kernel = 6, c.stride = 5, c.n_head = 2, c.d_inner = 32, c.d_model = 16;
	c.n_hidden = 3, c.hidden[0] = 20, c.hidden[1] = 9, c.hidden[2] = 30, c.latent = 3, c.cond = 5;
	check_infer(&c, "3 hidden layers, 3 sub-windows, widest layer inside", 2);
	c.window = 10, c.kernel = 8, c.stride = 4, c.n_hidden = 1, c.hidden[0] = 4, c.latent = 12;
	check_infer(&c, "1 sub-window, 1 hidden layer, latent wider than W", 3);
	return unit_done();
}
