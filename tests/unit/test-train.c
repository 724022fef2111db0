/* test-train.c — the training loop's parts against hand-worked numbers
 * (Adam, cosine schedule, scaler, data set), the augmentation's shares and
 * masks, and a tiny training run: validation loss falls, same seed → same bytes;
 * one parameter that is not finite is caught. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaler.h"
#include "train.h"
#include "unit.h"
#include "util.h"

static void test_adam(void)
{
	/* Worked by hand (PyTorch's formulas): step 1 moves each parameter by
	 * lr·sign(g); step 2 with m = 0.9·m + 0.1·g, v = 0.999·v + 0.001·g²,
	 * p -= lr/(1-0.9²) · m / (sqrt(v)/sqrt(1-0.999²) + eps). */
	float p[2] = {1.0f, -2.0f}, m[2] = {0}, v[2] = {0};
	const float g1[2] = {0.5f, -3.0f}, g2[2] = {-0.25f, 1.0f};
	fcvae_adam_step(p, g1, m, v, 2, 0.1, 0.9, 0.999, 1e-8, 1);
	const double want1[2] = {0.9, -1.9}, m1[2] = {0.05, -0.3}, v1[2] = {0.00025, 0.009};
	CHECK_CLOSE(p, want1, 2, 1e-6, "Adam step 1: parameters");
	CHECK_CLOSE(m, m1, 2, 1e-6, "Adam step 1: first moment");
	CHECK_CLOSE(v, v1, 2, 1e-6, "Adam step 1: second moment");
	fcvae_adam_step(p, g2, m, v, 2, 0.1, 0.9, 0.999, 1e-8, 2);
	const double want2[2] = {0.8733663, -1.8599781}, v2[2] = {0.00031225, 0.009991};
	CHECK_CLOSE(p, want2, 2, 1e-6, "Adam step 2: parameters");
	CHECK_CLOSE(v, v2, 2, 1e-6, "Adam step 2: second moment");
}

static void test_cosine(void)
{
	/* PyTorch CosineAnnealingLR, T_max 10: half way lr/2, zero at 10, back at 20 */
	const int ep[] = {0, 1, 5, 10, 15, 20};
	const double want[] = {5e-4, 4.877641290737884e-4, 2.5e-4, 0, 2.5e-4, 5e-4};
	int ok = 1;
	for (int i = 0; i < 6; i++)
		ok &= fabs(fcvae_cosine_lr(5e-4, 0, 10, ep[i]) - want[i]) < 1e-12;
	CHECK(ok, "cosine annealing at epochs 0, 1, 5, 10, 15, 20");
	CHECK(fabs(fcvae_cosine_lr(1.0, 0.2, 4, 2) - 0.6) < 1e-12, "cosine annealing with eta_min");
}

static void test_scaler(void)
{
	const double v[] = {2, 4, 4, 4, 5, 5, 7, 9}; /* mean 5, population std 2 */
	double mean = 0, std = 0;
	CHECK(fcvae_scaler_fit(v, 8, &mean, &std) == 0 && mean == 5 && std == 2, "scaler: mean 5, std 2");
	const double k[] = {3, 3, 3};
	CHECK(fcvae_scaler_fit(k, 3, &mean, &std) == 0 && mean == 3 && std == 0, "scaler: constant gives std 0");
	const double tenth[] = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};
	CHECK(fcvae_scaler_fit(tenth, 7, &mean, &std) == 0 && mean == 0.1 && std == 0,
	      "scaler: every value 0.1 is constant too (std %g)", std);
	const double near[] = {0.3, 0.1 + 0.2, 0.3};
	CHECK(fcvae_scaler_fit(near, 3, &mean, &std) == 0 && std == 0, "scaler: values apart by rounding are constant");
	const double big[] = {1e9, 1e9 + 1};
	CHECK(fcvae_scaler_fit(big, 2, &mean, &std) == 0 && std == 0.5, "scaler: 1e9 and 1e9+1 are not constant");
	CHECK(fcvae_scaler_fit(v, 0, &mean, &std) == -1, "scaler: no points is an error");
	/* deviations whose squares underflow are still a spread */
	const double tiny[] = {0, 1e-300, 2e-300};
	CHECK(fcvae_scaler_fit(tiny, 3, &mean, &std) == 0 && fabs(std / (sqrt(2.0 / 3) * 1e-300) - 1) < 1e-12,
	      "scaler: 0, 1e-300, 2e-300 have std 8.2e-301");
	/* one below the normal doubles is too small, but not constant */
	const double sub[] = {0, 1e-310, 2e-310}, least[] = {0, 5e-324};
	CHECK(fcvae_scaler_fit(sub, 3, &mean, &std) == 1 && std > 0 && std < DBL_MIN, "scaler: a subnormal std is too small");
	CHECK(fcvae_scaler_fit(least, 2, &mean, &std) == 1 && std > 0, "scaler: a std that rounds to 0 is too small, not 0");
	/* scaled or not, an ordinary spread's std is the same bits */
	const double small[] = {0.25, 0.5, 0.125, 0.375, 0.3};
	double ss = 0, mu = (0.25 + 0.5 + 0.125 + 0.375 + 0.3) / 5;
	for (int i = 0; i < 5; i++)
		ss += (small[i] - mu) * (small[i] - mu);
	CHECK(fcvae_scaler_fit(small, 5, &mean, &std) == 0 && std == sqrt(ss / 5), "scaler: scaling changes no bit");

	fcvae_dataset d;
	fcvae_dataset_init(&d, 4);
	const double raw[4] = {7, NAN, 1005, 3};
	const unsigned char miss[4] = {0, 1, 0, 0}, lab[4] = {0, 0, 0, 1};
	fcvae_dataset_add(&d, raw, miss, lab, 5, 2, 40);
	const double wx[4] = {1, 0, 40, -1}, wm[4] = {1, 0, 1, 0};
	CHECK(d.n == 1, "data set: one window");
	CHECK_CLOSE(d.x, wx, 4, 0, "data set: standardised, missing 0, clipped at 40, label kept");
	CHECK_CLOSE(d.mask, wm, 4, 0, "data set: mask 0 on missing and labelled points");
	fcvae_dataset_free(&d);
}

/* Rows from distinct values: row r point i is r + i/100, all observed. */
static void fill(float *x, float *m, int B, int W)
{
	for (int r = 0; r < B; r++)
		for (int i = 0; i < W; i++) {
			x[r * W + i] = r + i / 100.0f;
			m[r * W + i] = 1;
		}
}

/* Clone k of rows made by fill: its masked points one run, from *at, *len
 * long, each shifted by ±(1..19)/2 from its source row; every other point
 * as the source's and unmasked (the last point too). */
static int masked_run(const float *x, const float *m, int W, int k, int *at, int *len)
{
	int src = (int)floorf(x[k * W + W - 1]), ok = m[k * W + W - 1] == 1;
	*at = -1;
	*len = 0;
	for (int i = 0; i < W; i++) {
		float d = x[k * W + i] - x[src * W + i];
		if (m[k * W + i] == 0) {
			int h = (int)lroundf(2 * fabsf(d));
			ok &= h >= 1 && h <= 19 && (*at < 0 || *at + *len == i);
			if (*at < 0)
				*at = i;
			(*len)++;
		} else {
			ok &= d == 0;
		}
	}
	return ok;
}

static void test_augment(void)
{
	enum { B = 64, W = 24 };
	fcvae_train_opts o;
	fcvae_train_opts_default(&o);
	CHECK(fcvae_augment_extra(&o, B) == 3 + 6, "augmentation adds 5%% + 10%% of 64 = 3 + 6 rows");
	float x[(B + 9) * W], m[(B + 9) * W];
	fcvae_rng r;
	fcvae_rng_init(&r, 7, 1);

	/* structure, without missing points */
	o.miss_rate = 0;
	int ok_point = 1, ok_seg = 1, starts[W] = {0}, shifts[40] = {0};
	for (int rep = 0; rep < 300; rep++) {
		fill(x, m, B, W);
		int n = fcvae_augment(&o, &r, x, m, B, W, 0);
		ok_point &= n == B + 9;
		for (int k = B; k < B + 3; k++) {
			int src = (int)floorf(x[k * W]);
			for (int i = 0; i < W - 1; i++)
				ok_point &= x[k * W + i] == x[src * W + i] && m[k * W + i] == 1;
			double d = (double)x[k * W + W - 1] - x[src * W + W - 1];
			int h = (int)lround(2 * d); /* ±1..±19 */
			ok_point &= fabs(2 * d - h) < 1e-3 && abs(h) >= 1 && abs(h) <= 19 && m[k * W + W - 1] == 0;
			shifts[h + 20] = 1;
		}
		for (int k = B + 3; k < B + 9; k++) {
			int src = (int)floorf(x[k * W]), start = 0;
			while (start < W && x[k * W + start] == x[src * W + start])
				start++;
			/* segment start in [min(6, W/4), max(a+1, W-6)) = [6, 18) */
			ok_seg &= start >= 6 && start < 18;
			int other = (int)floorf(x[k * W + start]);
			ok_seg &= other != src;
			for (int i = 0; i < W; i++) {
				float want = i < start ? x[src * W + i] : x[other * W + i];
				ok_seg &= x[k * W + i] == want && m[k * W + i] == (i < start ? 1 : 0);
			}
			if (start < W)
				starts[start] = 1;
		}
		for (int k = 0; k < B * W; k++)
			ok_point &= m[k] == 1; /* the originals untouched */
	}
	CHECK(ok_point, "point anomalies: clones with the last point shifted by ±(1..19)/2, masked");
	int all_starts = 1, all_shifts = 1;
	for (int s = 6; s < 18; s++)
		all_starts &= starts[s];
	for (int h = 1; h <= 19; h++)
		all_shifts &= shifts[20 + h] && shifts[20 - h];
	CHECK(ok_seg, "segment swaps: another window's tail from a start in [6, 18), masked");
	CHECK(all_starts && all_shifts, "every start 6..17 and every shift ±1..±19 half-steps occurs");

	/* history anomalies: 1-3 points before the last shifted and masked */
	fcvae_train_opts_default(&o);
	o.point_rate = o.seg_rate = o.miss_rate = 0;
	o.hist_rate = 0.3;
	CHECK(fcvae_augment_extra(&o, B) == 19, "history anomalies add 30%% of 64 = 19 rows");
	int ok_hist = 1, lens[4] = {0}, first = W, last = 0;
	float *hx = malloc(sizeof(float) * (B + 19) * W), *hm = malloc(sizeof(float) * (B + 19) * W);
	for (int rep = 0; rep < 100; rep++) {
		fill(hx, hm, B, W);
		int n = fcvae_augment(&o, &r, hx, hm, B, W, 0);
		ok_hist &= n == B + 19;
		for (int k = B; k < n; k++) {
			int at, len;
			ok_hist &= masked_run(hx, hm, W, k, &at, &len) && len >= 1 && len <= 3 && at + len <= W - 1;
			if (len >= 1 && len <= 3)
				lens[len] = 1;
			first = at < first ? at : first;
			last = at + len - 1 > last ? at + len - 1 : last;
		}
	}
	CHECK(ok_hist, "history anomalies: a run of 1-3 masked points shifted by ±(1..19)/2, the last point kept");
	CHECK(lens[1] && lens[2] && lens[3] && first == 0 && last == W - 2,
	      "history anomalies of every length, from the first point to the one before the last");

	/* recent anomalies: the same, each ending just before the last point */
	o.hist_rate = 0;
	o.recent_rate = 0.3;
	CHECK(fcvae_augment_extra(&o, B) == 19, "recent anomalies add 30%% of 64 = 19 rows");
	int ok_recent = 1, rlens[4] = {0};
	for (int rep = 0; rep < 100; rep++) {
		fill(hx, hm, B, W);
		int n = fcvae_augment(&o, &r, hx, hm, B, W, 0);
		ok_recent &= n == B + 19;
		for (int k = B; k < n; k++) {
			int at, len;
			ok_recent &= masked_run(hx, hm, W, k, &at, &len) && len >= 1 && len <= 3 && at + len == W - 1;
			if (len >= 1 && len <= 3)
				rlens[len] = 1;
		}
	}
	CHECK(ok_recent && rlens[1] && rlens[2] && rlens[3],
	      "recent anomalies: 1-3 masked points shifted by ±(1..19)/2 just before the last point, kept");
	free(hx);
	free(hm);

	/* phase jumps: from a start in the second half on, the window repeats
	 * itself 1-4 points late, all points normal, the last never the start */
	fcvae_train_opts_default(&o);
	o.point_rate = o.seg_rate = o.miss_rate = 0;
	o.jump_rate = 0.3;
	CHECK(fcvae_augment_extra(&o, B) == 19, "phase jumps add 30%% of 64 = 19 rows");
	int ok_jump = 1, jstarts[W] = {0}, lags[5] = {0};
	float *jx = malloc(sizeof(float) * (B + 19) * W), *jm = malloc(sizeof(float) * (B + 19) * W);
	for (int rep = 0; rep < 100; rep++) {
		fill(jx, jm, B, W);
		int n = fcvae_augment(&o, &r, jx, jm, B, W, 0);
		ok_jump &= n == B + 19;
		for (int k = B; k < n; k++) {
			int src = (int)floorf(jx[k * W]), start = 0;
			while (start < W && jx[k * W + start] == jx[src * W + start])
				start++;
			int lag = start < W ? (int)lroundf(100 * (jx[src * W + start] - jx[k * W + start])) : 0;
			ok_jump &= start >= W / 2 && start <= W - 2 && lag >= 1 && lag <= 4;
			for (int i = 0; i < W; i++)
				ok_jump &= jx[k * W + i] == jx[src * W + (i < start ? i : i - lag)] && jm[k * W + i] == 1;
			if (ok_jump) {
				jstarts[start] = 1;
				lags[lag] = 1;
			}
		}
	}
	int all_jumps = lags[1] && lags[2] && lags[3] && lags[4];
	for (int i = W / 2; i <= W - 2; i++)
		all_jumps &= jstarts[i];
	CHECK(ok_jump, "phase jumps: the tail from a start in [12, 22] repeats the window 1-4 points late, unmasked");
	CHECK(all_jumps, "every start 12..22 and every lag 1..4 occurs");
	free(jx);
	free(jm);

	/* level shifts: from a start in the second half on (the last point
	 * alone included), the unmasked points scale about zero by one factor
	 * in [1 - S, 1 + S]; masked points keep their value; all stay normal */
	fcvae_train_opts_default(&o);
	o.point_rate = o.seg_rate = o.miss_rate = 0;
	o.level_rate = 0.3;
	o.level_size = 0.2;
	CHECK(fcvae_augment_extra(&o, B) == 19, "level shifts add 30%% of 64 = 19 rows");
	const float zero = -2;
	int ok_level = 1, lstarts[W] = {0}, up = 0, down = 0;
	float *lx = malloc(sizeof(float) * (B + 19) * W), *lm = malloc(sizeof(float) * (B + 19) * W);
	for (int rep = 0; rep < 100; rep++) {
		fill(lx, lm, B, W);
		int n = fcvae_augment(&o, &r, lx, lm, B, W, zero);
		ok_level &= n == B + 19;
		for (int k = B; k < n; k++) {
			int src = (int)floorf(lx[k * W]), start = 0;
			while (start < W && lx[k * W + start] == lx[src * W + start])
				start++;
			ok_level &= start >= W / 2 && start < W;
			if (start >= W)
				continue;
			double f = (lx[k * W + start] - zero) / (lx[src * W + start] - zero);
			ok_level &= f >= 1 - 0.2 - 1e-6 && f <= 1 + 0.2 + 1e-6;
			for (int i = 0; i < W; i++) {
				double want = i < start ? lx[src * W + i] : zero + (lx[src * W + i] - zero) * f;
				ok_level &= fabs(lx[k * W + i] - want) < 1e-4 && lm[k * W + i] == 1;
			}
			if (ok_level) {
				lstarts[start] = 1;
				up += f > 1.1;
				down += f < 0.9;
			}
		}
	}
	int all_levels = up > 0 && down > 0;
	for (int i = W / 2; i < W; i++)
		all_levels &= lstarts[i];
	CHECK(ok_level, "level shifts: the tail from a start in [12, 23] scaled about zero by one factor in [0.8, 1.2], unmasked");
	CHECK(all_levels, "every start 12..23 occurs, levels both up (%d) and down (%d) by more than 10%%", up, down);
	fill(lx, lm, B, W);
	for (int i = 0; i < B * W; i++)
		lm[i] = 0;
	int ln = fcvae_augment(&o, &r, lx, lm, B, W, zero), kept = 1;
	for (int k = B; k < ln; k++)
		kept &= floorf(lx[k * W]) == lx[k * W] && !memcmp(lx + k * W, lx + (int)lx[k * W] * W, W * sizeof *lx);
	CHECK(ln == B + 19 && kept, "level shifts leave masked points as they were");
	free(lx);
	free(lm);

	/* missing points: 1% of all points of the augmented batch, zeroed and masked */
	fcvae_train_opts_default(&o);
	long zeroed = 0, drawn = 0;
	int ok_miss = 1;
	for (int rep = 0; rep < 200; rep++) {
		fill(x, m, B, W);
		int n = fcvae_augment(&o, &r, x, m, B, W, 0);
		drawn += (long)(0.01 * n * W);
		for (int k = 0; k < B * W; k++)
			if (m[k] == 0) {
				ok_miss &= x[k] == 0;
				zeroed++;
			}
	}
	/* the first B rows only get missing points: about 64/73 of the draws */
	double share = (double)zeroed / drawn;
	CHECK(ok_miss, "missing points are zeroed where masked");
	CHECK(share > 0.80 && share < 0.93, "missing points: %.3f of the drawn land in the original rows (64/73 = 0.877)",
	      share);

	fcvae_train_opts_default(&o);
	o.point_rate = o.seg_rate = 0;
	enum { BB = 500, WW = 100 };
	float *bx = malloc(sizeof(float) * BB * WW), *bm = malloc(sizeof(float) * BB * WW);
	fill(bx, bm, BB, WW);
	int n = fcvae_augment(&o, &r, bx, bm, BB, WW, 0);
	long masked = 0;
	for (int k = 0; k < BB * WW; k++)
		masked += bm[k] == 0;
	CHECK(n == BB && masked <= 500 && masked >= 480,
	      "missing points: %ld of 50000 masked (500 drawn with replacement)", masked);
	free(bx);
	free(bm);
}

/* A small config and noisy sine windows: enough to see learning in a blink. */
static void make_data(fcvae_dataset *d, int n, int W, uint64_t seed, int offset, double noise)
{
	fcvae_rng r;
	fcvae_rng_init(&r, seed, 99);
	double *raw = malloc(sizeof(double) * W);
	fcvae_dataset_init(d, W);
	for (int k = 0; k < n; k++) {
		for (int i = 0; i < W; i++)
			raw[i] = sin(2 * M_PI * (k + offset + i) / 8.0) + noise * fcvae_rng_normal(&r);
		fcvae_dataset_add(d, raw, NULL, NULL, 0, 1, 40);
	}
	free(raw);
}

static fcvae_model *train_small(const fcvae_dataset *tr, const fcvae_dataset *va, uint64_t seed, int patience,
                                double *before, fcvae_train_result *res)
{
	fcvae_config c;
	fcvae_config_default(&c);
	c.window = 8;
	c.latent = 2;
	c.cond = 4;
	c.d_model = 8;
	c.d_inner = 8;
	c.n_head = 2;
	c.kernel = 4;
	c.stride = 2;
	c.n_hidden = 1;
	c.hidden[0] = 16;
	fcvae_model *m = fcvae_model_new(&c);
	fcvae_model_init_params(m, seed);
	fcvae_train_opts o;
	fcvae_train_opts_default(&o);
	o.seed = seed;
	o.epochs = 12;
	o.batch = 32;
	o.lr = 5e-3;
	o.kl_warmup = 4;
	o.patience = patience;
	if (before)
		*before = fcvae_dataset_loss(m, va, seed, 64);
	fcvae_train(m, tr, va, &o, NULL, NULL, res);
	return m;
}

static void test_training(void)
{
	fcvae_dataset tr, va;
	make_data(&tr, 256, 8, 1, 0, 0.1);
	make_data(&va, 64, 8, 2, 3, 0.1);
	double before;
	fcvae_train_result r1, r2, r3;
	fcvae_model *a = train_small(&tr, &va, 5, 5, &before, &r1);
	double after = fcvae_dataset_loss(a, &va, 5, 32); /* batched as in training */
	CHECK(isfinite(before) && after < before - 0.5, "tiny run: validation loss %.4f -> %.4f", before, after);
	CHECK(r1.best_epoch >= 0 && fabs(after - r1.best_val_loss) < 1e-9,
	      "the best epoch's parameters are kept (best %d, %.6f)", r1.best_epoch, r1.best_val_loss);
	fcvae_model *b = train_small(&tr, &va, 5, 5, NULL, &r2);
	CHECK(!memcmp(a->params, b->params, a->layout.total * sizeof(float)) && r1.epochs_run == r2.epochs_run,
	      "same seed, same parameters bit for bit");
	fcvae_model *c = train_small(&tr, &va, 6, 5, NULL, &r3);
	CHECK(memcmp(a->params, c->params, a->layout.total * sizeof(float)) != 0, "another seed, other parameters");
	/* one parameter that is not finite, anywhere, makes a model no one takes */
	size_t P = a->layout.total, mid = P / 2;
	CHECK(fcvae_params_finite(a), "a trained model's parameters are finite");
	float kept = a->params[mid];
	a->params[mid] = NAN;
	CHECK(!fcvae_params_finite(a), "one NaN parameter (%zu of %zu): not finite", mid, P);
	a->params[mid] = kept;
	a->params[P - 1] = -INFINITY;
	CHECK(!fcvae_params_finite(a), "the last parameter infinite: not finite");
	free(r1.train_loss);
	free(r1.val_loss);
	free(r2.train_loss);
	free(r2.val_loss);
	free(r3.train_loss);
	free(r3.val_loss);
	fcvae_model_free(a);
	fcvae_model_free(b);
	fcvae_model_free(c);
	fcvae_dataset_free(&tr);
	fcvae_dataset_free(&va);
}

/* --patience 0 is no early stopping: every epoch runs and the last one's
 * parameters are kept, those of a run without validation, even when an
 * earlier epoch had the lower validation loss. */
static void test_patience_zero(void)
{
	fcvae_dataset tr, va;
	make_data(&tr, 256, 8, 1, 0, 0.1);
	/* noisier than the training data: its loss turns up as the model
	 * sharpens */
	make_data(&va, 64, 8, 2, 3, 0.8);
	fcvae_train_result r, rn;
	fcvae_model *a = train_small(&tr, &va, 5, 0, NULL, &r);
	fcvae_model *b = train_small(&tr, NULL, 5, 0, NULL, &rn);
	int last = r.epochs_run - 1, lower = 0;
	for (int e = 0; e < last; e++)
		lower |= r.val_loss[e] < r.val_loss[last];
	CHECK(lower, "(an earlier epoch has a lower validation loss than the last, %.4f)", r.val_loss[last]);
	int argmin = 0;
	for (int e = 1; e <= last; e++)
		if (r.val_loss[e] < r.val_loss[argmin])
			argmin = e;
	CHECK(r.epochs_run == 12, "patience 0: all %d epochs run", r.epochs_run);
	CHECK(!memcmp(a->params, b->params, a->layout.total * sizeof(float)),
	      "patience 0: the parameters of a run without validation");
	CHECK(fabs(fcvae_dataset_loss(a, &va, 5, 32) - r.val_loss[last]) < 1e-9,
	      "patience 0: the kept parameters are the last epoch's");
	CHECK(r.best_epoch == argmin && r.best_val_loss == r.val_loss[argmin],
	      "patience 0: the best epoch reported is the lowest validation loss's (%d, lowest %d)", r.best_epoch, argmin);
	free(r.train_loss);
	free(r.val_loss);
	free(rn.train_loss);
	fcvae_model_free(a);
	fcvae_model_free(b);
	fcvae_dataset_free(&tr);
	fcvae_dataset_free(&va);
}

int main(void)
{
	test_adam();
	test_cosine();
	test_scaler();
	test_augment();
	test_training();
	test_patience_zero();
	return unit_done();
}
