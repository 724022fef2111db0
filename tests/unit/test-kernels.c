/* test-kernels.c — the fast kernels against their references: FFTW against
 * the plain DFT, OpenBLAS against the plain GEMM, every vector version of
 * the inference kernels against their plain C version (same bits) and the
 * true functions (accuracy), and the inference path (last row and last
 * point only, the MCMC's fixed parts, any batch) against the training
 * forward and itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fft.h"
#include "gemm.h"
#include "kernels.h"
#include "model.h"
#include "safetensors.h"
#include "score.h"
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
	/* inference sums in its own fixed order with the FFTs folded into the
	 * first layers (kernels.h), training through FFTW and BLAS: the same up
	 * to float rounding, which the condition's attention and layer norms
	 * amplify on these random weights (the reference vectors check accuracy) */
	CHECK(e <= 3e-4, "%s: inference = training forward (condition, mu, var, mu_x, var_x): %.3g", what, e);
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

static const char *const isas[] = {"ref", "sse2", "avx2", "avx512"};
#define N_ISA (int)(sizeof isas / sizeof *isas)

/* Each vector version gives the plain C version's bits. */
static void check_kernel_versions(fcvae_rng *r)
{
	enum { MAXB = 37, MAXC = 70, MAXO = 80, NA = 4099 };
	static float x[MAXB * MAXC], wt[MAXC * MAXO], out0[MAXB * MAXO], ref[MAXB * MAXO], got[MAXB * MAXO];
	static float ref2[MAXB * MAXO], got2[MAXB * MAXO];
	static float a[NA], aref[2][NA], agot[2][NA], zref[NA], zgot[NA];
	static uint32_t u[NA];
	for (int i = 0; i < MAXB * MAXC; i++)
		x[i] = (float)fcvae_rng_normal(r);
	for (int i = 0; i < MAXC * MAXO; i++)
		wt[i] = (float)fcvae_rng_normal(r);
	for (int i = 0; i < MAXB * MAXO; i++)
		out0[i] = (float)fcvae_rng_normal(r);
	for (int i = 0; i < NA; i++) {
		a[i] = (float)(fcvae_rng_normal(r) * (i % 3 ? 3 : 40));
		u[i] = fcvae_rng_u32(r);
	}
	a[0] = 0, a[1] = -0.0f, a[2] = 1e-30f, a[3] = 20, a[4] = 20.5f, a[5] = -200, a[6] = 200, a[7] = 3e-4f;
	u[0] = 0, u[1] = 0xffffffff, u[NA / 2] = 0, u[NA / 2 + 1] = 0x80000000;
	/* shapes: (B, C, OC, ldi, ldo, ldw); ldi < C makes overlapping rows */
	static const int shapes[][6] = {{1, 64, 64, 64, 64, 64},   {5, 10, 64, 4, 64, 64},
	                                {37, 57, 64, 57, 80, 64}, {4, 1, 16, 1, 16, 80},
	                                {7, 70, 32, 70, 48, 32},  {9, 24, 80, 30, 80, 80}};
	for (int k = 0; k < N_ISA; k++) {
		if (fcvae_kernels_use(isas[k])) {
			printf("ok - # SKIP %s: not on this CPU\n", isas[k]);
			continue;
		}
		int same = 1;
		for (size_t sh = 0; sh < sizeof shapes / sizeof *shapes; sh++) {
			const int *d = shapes[sh];
			size_t n = (size_t)d[0] * d[4];
			/* accumulating into out, and starting from a bias row */
			memcpy(got, out0, n * sizeof *got);
			fcvae_linear_acc(got, d[4], got, d[4], x, d[3], wt, d[5], d[0], d[1], d[2]);
			fcvae_linear_acc(got2, d[4], out0 + sh, 0, x, d[3], wt, d[5], d[0], d[1], d[2]);
			fcvae_kernels_use("ref");
			memcpy(ref, out0, n * sizeof *ref);
			fcvae_linear_acc(ref, d[4], ref, d[4], x, d[3], wt, d[5], d[0], d[1], d[2]);
			fcvae_linear_acc(ref2, d[4], out0 + sh, 0, x, d[3], wt, d[5], d[0], d[1], d[2]);
			same &= !memcmp(got2, ref2, n * sizeof *got2);
			fcvae_kernels_use(isas[k]);
			same &= !memcmp(got, ref, n * sizeof *got);
		}
		CHECK(same, "%s linear kernel = plain C, bit for bit, 6 shapes", isas[k]);
		for (int n = NA; n >= NA - 17; n -= 17) { /* whole vectors and tails */
			memcpy(agot[0], a, n * sizeof *a), memcpy(agot[1], a, n * sizeof *a);
			fcvae_tanh_inplace(agot[0], n);
			fcvae_softplus_inplace(agot[1], n);
			fcvae_box_muller(zgot, u, n / 2);
			fcvae_kernels_use("ref");
			memcpy(aref[0], a, n * sizeof *a), memcpy(aref[1], a, n * sizeof *a);
			fcvae_tanh_inplace(aref[0], n);
			fcvae_softplus_inplace(aref[1], n);
			fcvae_box_muller(zref, u, n / 2);
			fcvae_kernels_use(isas[k]);
			CHECK(!memcmp(agot[0], aref[0], n * sizeof *a) && !memcmp(agot[1], aref[1], n * sizeof *a) &&
			          !memcmp(zgot, zref, (n / 2 * 2) * sizeof *zref),
			      "%s tanh, softplus, Box-Muller of %d = plain C, bit for bit", isas[k], n);
		}
		/* Adam: parameters, moments after two steps */
		float st[2][4][67];
		for (int v = 0; v < 2; v++) {
			for (int i = 0; i < 67; i++)
				st[v][0][i] = a[i], st[v][1][i] = a[100 + i] / 9, st[v][2][i] = 0, st[v][3][i] = 0;
			fcvae_kernels_use(v ? "ref" : isas[k]);
			for (int t = 0; t < 2; t++)
				fcvae_adam_update(st[v][0], st[v][1], st[v][2], st[v][3], 67, 0.9, 0.999, 1e-3, 0.03, 1e-8);
		}
		fcvae_kernels_use(isas[k]);
		CHECK(!memcmp(st[0], st[1], sizeof st[0]), "%s Adam update = plain C, bit for bit", isas[k]);
	}
	fcvae_kernels_init();
	fcvae_kernels_use("ref");
	memcpy(ref, out0, sizeof ref);
	fcvae_linear_acc(ref, 64, ref, 64, x, 57, wt, 64, 3, 57, 64);
	double e = 0;
	for (int b = 0; b < 3; b++)
		for (int o = 0; o < 64; o++) {
			double s = out0[b * 64 + o];
			for (int i = 0; i < 57; i++)
				s += (double)x[b * 57 + i] * wt[i * 64 + o];
			e = fmax(e, fabs(ref[b * 64 + o] - s) / 8);
		}
	CHECK(e < 1e-5, "plain C linear kernel = the double sum (%.3g)", e);
}

/* The activations and normals against the true functions. */
static void check_kernel_accuracy(void)
{
	enum { N = 200001 };
	static float t[N], s[N];
	for (int i = 0; i < N; i++)
		t[i] = s[i] = -30 + 60.0f * i / (N - 1);
	fcvae_tanh_inplace(t, N);
	fcvae_softplus_inplace(s, N);
	double et = 0, es = 0;
	for (int i = 0; i < N; i++) {
		double x = -30 + 60.0f * i / (N - 1);
		et = fmax(et, fabs(t[i] - tanh(x)) / fmax(fabs(tanh(x)), 1e-3));
		double sp = x > 20 ? x : log1p(exp(x));
		es = fmax(es, fabs(s[i] - sp) / sp);
	}
	CHECK(et < 5e-7, "tanh within %.3g of the true value (relative)", et);
	CHECK(es < 5e-7, "softplus within %.3g of log(1 + e^x) (relative)", es);
	float tiny[3] = {-80, -100, 1e-3f};
	fcvae_softplus_inplace(tiny, 3);
	CHECK(fabs(tiny[0] - exp(-80.0)) / exp(-80.0) < 1e-5 && tiny[1] > 0 && tiny[1] < 1e-43 &&
	          fabs(tiny[2] - log1p(exp(1e-3))) < 1e-7,
	      "softplus: subnormal results, not 0 or garbage (%g %g)", tiny[0], tiny[1]);

	/* Box–Muller: each draw against the formula in double, then moments */
	enum { M = 1 << 20 };
	uint32_t *u = fcvae_xmalloc(sizeof *u * M);
	float *z = fcvae_xmalloc(sizeof *z * M);
	fcvae_rng r;
	fcvae_rng_init(&r, 11, 12);
	for (int i = 0; i < M; i++)
		u[i] = fcvae_rng_u32(&r);
	fcvae_box_muller(z, u, M / 2);
	double ez = 0, m1 = 0, m2 = 0, m4 = 0, tail2 = 0, tail3 = 0;
	for (int i = 0; i < M / 2; i++) {
		double u1 = (((u[i] >> 8) & 0xffffff) + 1.0) * 0x1p-24, u2 = ((u[M / 2 + i] >> 8) & 0xffffff) * 0x1p-24;
		double rr = sqrt(-2 * log(u1));
		ez = fmax(ez, fmax(fabs(z[i] - rr * cos(2 * M_PI * u2)), fabs(z[M / 2 + i] - rr * sin(2 * M_PI * u2))));
	}
	for (int i = 0; i < M; i++) {
		m1 += z[i], m2 += (double)z[i] * z[i], m4 += (double)z[i] * z[i] * z[i] * z[i];
		tail2 += fabs(z[i]) > 2, tail3 += fabs(z[i]) > 3;
	}
	m1 /= M, m2 /= M, m4 /= M, tail2 /= M, tail3 /= M;
	CHECK(ez < 2e-6, "Box-Muller draws within %.3g of the double formula", ez);
	CHECK(fabs(m1) < 0.004 && fabs(m2 - 1) < 0.006 && fabs(m4 - 3) < 0.04,
	      "normals: mean %.4f, variance %.4f, fourth moment %.3f", m1, m2, m4);
	CHECK(fabs(tail2 - 0.0455) < 0.001 && fabs(tail3 - 0.0027) < 0.0003, "normals: P(|z|>2) %.4f, P(|z|>3) %.5f",
	      tail2, tail3);
	free(u), free(z);
}

/* Scores, and the MCMC's fixed-part path, the same bits in batches of 1, 7,
 * 64 and 4096, at any place in them, and with every kernel version. */
static void check_batch_invariance(void)
{
	char err[512] = "";
	fcvae_model *m = fcvae_model_load("tests/data/seed_models/Accel_CMP.safetensors", err, sizeof err);
	if (!CHECK(m != NULL, "seed model loads %s", err))
		return;
	enum { N = 4096, W = 24, L = 8, S = 3 };
	const int C2 = 2 * m->cfg.cond;
	double *raw = fcvae_xmalloc(sizeof *raw * N * W);
	uint64_t *stream = fcvae_xmalloc(sizeof *stream * N);
	fcvae_rng r;
	fcvae_rng_init(&r, 4, 4);
	for (int b = 0; b < N; b++) {
		stream[b] = fcvae_score_stream("k", 1, b);
		for (int i = 0; i < W; i++)
			raw[b * W + i] = m->mean + m->std * (sin(0.3 * (b + i)) + 0.3 * fcvae_rng_normal(&r));
	}
	fcvae_score_opts o = {.iterations = 10, .samples = 16, .seed = 3};
	fcvae_score_result *all = fcvae_xmalloc(sizeof *all * N), *part = fcvae_xmalloc(sizeof *part * N);
	fcvae_scorer *s = fcvae_scorer_new(m, N);
	fcvae_score_batch(s, &o, raw, NULL, stream, N, all);
	static const int sizes[] = {1, 7, 64};
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		int B = sizes[k], same = 1;
		/* windows at every place of a batch: batches starting at odd offsets */
		for (int b0 = 3; b0 + B <= N && b0 < 700; b0 += B + 5) {
			fcvae_score_batch(s, &o, raw + (size_t)b0 * W, NULL, stream + b0, B, part);
			same &= !memcmp(part, all + b0, sizeof *part * B);
		}
		CHECK(same, "scores in batches of %d = in one batch of %d, bit for bit", B, N);
	}
	for (int k = 0; k < N_ISA; k++) {
		if (fcvae_kernels_use(isas[k]))
			continue;
		fcvae_scorer *s1 = fcvae_scorer_new(m, 64);
		fcvae_score_batch(s1, &o, raw + 100 * W, NULL, stream + 100, 64, part);
		CHECK(!memcmp(part, all + 100, sizeof *part * 64), "scores with the %s kernels: the same bits", isas[k]);
		fcvae_scorer_free(s1);
	}
	fcvae_kernels_use(isas[0]);
	fcvae_kernels_init();

	/* fix + encode_fixed / decode_fixed = encode / decode */
	enum { B = 45 };
	float x[B * W], c[B * 64], mu[B * L], var[B * L], mu2[B * L], var2[B * L], xl[B], z[B * S * L], zc[B * S * L];
	float cs[B * S * 64], mx[B * S * W], vx[B * S * W], mx2[B * S * W], vx2[B * S * W];
	for (int i = 0; i < B * W; i++)
		x[i] = (float)fcvae_rng_normal(&r);
	for (int i = 0; i < B * S * L; i++)
		z[i] = zc[i] = (float)fcvae_rng_normal(&r);
	fcvae_infer *inf = fcvae_infer_new(m, B * S);
	fcvae_infer_condition(inf, x, B, c);
	for (int b = 0; b < B; b++) {
		xl[b] = x[b * W + W - 1];
		for (int k = 0; k < S; k++)
			memcpy(cs + (b * S + k) * C2, c + b * C2, C2 * sizeof *c);
	}
	fcvae_infer_encode(inf, x, c, B, mu, var);
	fcvae_infer_fix(inf, x, c, B);
	fcvae_infer_encode_fixed(inf, xl, B, mu2, var2);
	CHECK(!memcmp(mu, mu2, sizeof mu) && !memcmp(var, var2, sizeof var), "encode_fixed = encode, bit for bit");
	for (int last = 0; last < 2; last++) {
		fcvae_infer_decode(inf, zc, cs, B * S, last, mx, vx);
		fcvae_infer_decode_fixed(inf, z, B, S, last, mx2, vx2);
		size_t n = (size_t)B * S * (last ? 1 : W);
		CHECK(!memcmp(mx, mx2, n * sizeof *mx) && !memcmp(vx, vx2, n * sizeof *vx),
		      "decode_fixed of %d samples = decode (%s), bit for bit", S, last ? "last point" : "all points");
	}
	fcvae_infer_free(inf);
	fcvae_scorer_free(s);
	free(raw), free(stream), free(all), free(part);
	fcvae_model_free(m);
}

int main(void)
{
	fcvae_rng r;
	fcvae_rng_init(&r, 5, 0);
	check_kernel_versions(&r);
	check_kernel_accuracy();
	check_batch_invariance();
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
