/* train.c — the CM-ELBO training loop: data set, augmentation, Adam, cosine
 * schedule, KL warm-up, element-wise clipping, early stopping (SPEC §4). */
#include "train.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "util.h"

/* Philox streams: one per purpose (and epoch), so changing one use of
 * randomness leaves the others' numbers alone. */
#define STREAM_EPOCH 0x65706f6300000000ull   /* "epoc": shuffle, augmentation, noise */
#define STREAM_DROP 0x64726f7000000000ull    /* "drop": dropout masks */
#define STREAM_VAL 0x76616c6964ull           /* "valid": fixed validation noise */

void fcvae_dataset_init(fcvae_dataset *d, int W)
{
	memset(d, 0, sizeof *d);
	d->W = W;
}

void fcvae_dataset_add(fcvae_dataset *d, const double *raw, const unsigned char *missing,
                       const unsigned char *anomalous, double mean, double std, double clip)
{
	int W = d->W;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->x = fcvae_xrealloc(d->x, (size_t)d->cap * W * sizeof *d->x);
		d->mask = fcvae_xrealloc(d->mask, (size_t)d->cap * W * sizeof *d->mask);
	}
	float *x = d->x + (size_t)d->n * W, *mk = d->mask + (size_t)d->n * W;
	for (int i = 0; i < W; i++) {
		int miss = (missing && missing[i]) || !isfinite(raw[i]);
		mk[i] = miss || (anomalous && anomalous[i]) ? 0.0f : 1.0f;
		/* a missing point is 0 after standardising, as in scoring; a
		 * labelled anomaly keeps its value: the model sees it, the loss
		 * does not count it */
		double v = miss ? 0 : (raw[i] - mean) / std;
		x[i] = (float)(v > clip ? clip : v < -clip ? -clip : v);
	}
	d->n++;
}

void fcvae_dataset_free(fcvae_dataset *d)
{
	free(d->x);
	free(d->mask);
	memset(d, 0, sizeof *d);
}

void fcvae_train_opts_default(fcvae_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->epochs = 75;
	o->batch = 64;
	o->lr = 5e-4;
	o->beta1 = 0.9;
	o->beta2 = 0.999;
	o->adam_eps = 1e-8;
	o->t_max = 10;
	o->eta_min = 0;
	o->kl_warmup = 35;
	o->clip = 2;
	o->cond_dropout = 0.05f;
	o->attn_dropout = 0.1f;
	o->patience = 5;
	o->point_rate = 0.05;
	o->seg_rate = 0.10;
	o->miss_rate = 0.01;
	o->level_size = 0.3;
	o->seed = 42;
}

double fcvae_cosine_lr(double lr, double eta_min, int t_max, int epoch)
{
	if (t_max <= 0)
		return lr;
	return eta_min + (lr - eta_min) * (1 + cos(M_PI * epoch / t_max)) / 2;
}

void fcvae_adam_step(float *p, const float *g, float *m, float *v, size_t n, double lr, double beta1,
                     double beta2, double eps, long t)
{
	double bc1 = 1 - pow(beta1, (double)t), bc2 = sqrt(1 - pow(beta2, (double)t));
	/* vectorised (a tenth of training's time in a plain loop), same bits */
	fcvae_adam_update(p, g, m, v, n, beta1, beta2, lr / bc1, bc2, eps);
}

static int count(double rate, int B)
{
	return rate > 0 ? (int)(rate * B) : 0;
}

int fcvae_augment_extra(const fcvae_train_opts *o, int B)
{
	return count(o->point_rate, B) + (B >= 2 ? count(o->seg_rate, B) : 0) + count(o->hist_rate, B) +
	       count(o->recent_rate, B) + count(o->jump_rate, B) + count(o->level_rate, B);
}

/* Row `to` of x and mask made a copy of row `from`: each clone starts so. */
static void clone_row(float *x, float *mask, int W, int to, int from)
{
	memcpy(x + (size_t)to * W, x + (size_t)from * W, (size_t)W * sizeof *x);
	memcpy(mask + (size_t)to * W, mask + (size_t)from * W, (size_t)W * sizeof *mask);
}

int fcvae_augment(const fcvae_train_opts *o, fcvae_rng *r, float *x, float *mask, int B, int W, float zero)
{
	int n = B;
	/* point anomalies: the last point pushed by ±(1..19)/2 standard deviations */
	for (int k = count(o->point_rate, B); k > 0; k--, n++) {
		clone_row(x, mask, W, n, (int)fcvae_rng_below(r, B));
		double shift = (1 + (double)fcvae_rng_below(r, 19)) / 2;
		if (fcvae_rng_below(r, 2))
			shift = -shift;
		x[(size_t)n * W + W - 1] += (float)shift;
		mask[(size_t)n * W + W - 1] = 0;
	}
	/* segment swaps: the tail from a random start taken from another window */
	if (B >= 2) {
		int a = W / 4 < 6 ? W / 4 : 6;
		int hi = W - 6 > a + 1 ? W - 6 : a + 1;
		for (int k = count(o->seg_rate, B); k > 0; k--, n++) {
			int src = (int)fcvae_rng_below(r, B);
			int other = (int)fcvae_rng_below(r, B - 1);
			other += other >= src;
			int start = a + (int)fcvae_rng_below(r, hi - a);
			float *xd = x + (size_t)n * W, *md = mask + (size_t)n * W;
			clone_row(x, mask, W, n, src);
			memcpy(xd + start, x + (size_t)other * W + start, (size_t)(W - start) * sizeof *x);
			for (int i = start; i < W; i++)
				md[i] = 0;
		}
	}
	/* history anomalies (not the paper's): a short spike or dip before the
	 * last point, masked, so the model learns to predict the normal points
	 * after an anomaly rather than be thrown off by it; recent ones end just
	 * before the last point, as a spike's earlier hours do when its later
	 * hours are scored */
	int recent = count(o->recent_rate, B); /* the last ones */
	for (int k = count(o->hist_rate, B) + recent; k > 0; k--, n++) {
		int src = (int)fcvae_rng_below(r, B);
		int len = 1 + (int)fcvae_rng_below(r, 3);
		if (len > W - 1)
			len = W - 1;
		int start = k <= recent ? W - 1 - len : (int)fcvae_rng_below(r, (uint64_t)(W - len));
		double shift = (1 + (double)fcvae_rng_below(r, 19)) / 2;
		if (fcvae_rng_below(r, 2))
			shift = -shift;
		clone_row(x, mask, W, n, src);
		for (int i = start; i < start + len; i++) {
			x[(size_t)n * W + i] += (float)shift;
			mask[(size_t)n * W + i] = 0;
		}
	}
	/* phase jumps (not the paper's): from a point in the second half on, the
	 * window repeats itself 1-4 points late, as a series does when its cycle
	 * returns to its usual phase; normal, so the model learns to follow the
	 * cycle as the latest points show it. The last point is never the jump. */
	for (int k = W >= 8 ? count(o->jump_rate, B) : 0; k > 0; k--, n++) {
		int src = (int)fcvae_rng_below(r, B);
		int lag = 1 + (int)fcvae_rng_below(r, 4);
		int start = W / 2 + (int)fcvae_rng_below(r, (uint64_t)(W - 1 - W / 2));
		float *xd = x + (size_t)n * W, *md = mask + (size_t)n * W;
		const float *xs = x + (size_t)src * W, *ms = mask + (size_t)src * W;
		clone_row(x, mask, W, n, src);
		for (int i = start; i < W; i++) {
			xd[i] = xs[i - lag];
			md[i] = ms[i - lag];
		}
	}
	/* level shifts (not the paper's): from a point in the second half on
	 * (the last point alone included), the series runs at another level,
	 * as when a new day's level sets in at midnight; normal, so the model
	 * expects such a change of level at the last point and follows it after */
	for (int k = count(o->level_rate, B); k > 0; k--, n++) {
		int src = (int)fcvae_rng_below(r, B);
		int start = W / 2 + (int)fcvae_rng_below(r, (uint64_t)(W - W / 2));
		double f = 1 + o->level_size * (2 * fcvae_rng_uniform(r) - 1);
		float *xd = x + (size_t)n * W, *md = mask + (size_t)n * W;
		clone_row(x, mask, W, n, src);
		for (int i = start; i < W; i++)
			if (md[i] != 0)
				xd[i] = (float)(zero + (xd[i] - zero) * f);
	}
	/* missing points: drawn with replacement over every row, as the paper's code */
	long miss = o->miss_rate > 0 ? (long)(o->miss_rate * n * W) : 0;
	for (long k = 0; k < miss; k++) {
		size_t i = (size_t)fcvae_rng_below(r, (uint64_t)n * W);
		x[i] = 0;
		mask[i] = 0;
	}
	return n;
}

static void fill_normal(fcvae_rng *r, float *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		e[i] = (float)fcvae_rng_normal(r);
}

double fcvae_dataset_loss(const fcvae_model *m, const fcvae_dataset *d, uint64_t seed, int batch)
{
	int L = m->cfg.latent;
	if (d->n == 0)
		return NAN;
	if (batch > d->n)
		batch = d->n;
	fcvae_acts *a = fcvae_acts_new(&m->cfg, batch);
	float *eps = fcvae_xmalloc((size_t)batch * L * sizeof *eps);
	fcvae_rng r;
	fcvae_rng_init(&r, seed, STREAM_VAL);
	double sum = 0;
	for (int i = 0; i < d->n; i += batch) {
		int B = d->n - i < batch ? d->n - i : batch;
		fill_normal(&r, eps, (size_t)B * L);
		sum += B * fcvae_train_forward(m, a, d->x + (size_t)i * d->W, d->mask + (size_t)i * d->W, eps, B,
		                               1.0f, NULL, NULL, NULL);
	}
	free(eps);
	fcvae_acts_free(a);
	return sum / d->n;
}

void fcvae_train(fcvae_model *m, const fcvae_dataset *train, const fcvae_dataset *val,
                 const fcvae_train_opts *o, fcvae_train_report report, void *ctx, fcvae_train_result *res)
{
	const fcvae_config *c = &m->cfg;
	int W = c->window, L = c->latent;
	size_t P = m->layout.total;
	int batch = o->batch < train->n ? o->batch : train->n;
	int rows = batch + fcvae_augment_extra(o, batch);
	int use_val = val && val->n > 0;

	/* One allocation, llm.c style: parameters, gradients, Adam's two
	 * moments and the best epoch's parameters, all in the layout's order.
	 * The parameters move to its start, so the model still owns and frees
	 * them; the rest is cut off at the end. */
	float *block = fcvae_xcalloc(5 * P, sizeof *block);
	memcpy(block, m->params, P * sizeof *block);
	free(m->params);
	m->params = block;
	fcvae_weights_bind(&m->w, c, &m->layout, m->params);
	float *grads = block + P, *mom1 = block + 2 * P, *mom2 = block + 3 * P, *best = block + 4 * P;

	fcvae_acts *acts = fcvae_acts_new(c, rows);
	float *bx = fcvae_xmalloc((size_t)rows * W * sizeof *bx);
	float *bm = fcvae_xmalloc((size_t)rows * W * sizeof *bm);
	float *eps = fcvae_xmalloc((size_t)rows * L * sizeof *eps);
	int *perm = fcvae_xmalloc((size_t)train->n * sizeof *perm);

	memset(res, 0, sizeof *res);
	res->train_loss = fcvae_xcalloc(o->epochs > 0 ? o->epochs : 1, sizeof(double));
	res->val_loss = use_val ? fcvae_xcalloc(o->epochs > 0 ? o->epochs : 1, sizeof(double)) : NULL;
	res->best_epoch = -1;
	res->best_val_loss = NAN;
	res->diverged = -1;

	float zero = (float)(-m->mean / m->std);
	double t0 = fcvae_monotonic();
	long step = 0, windows = 0;
	int since_best = 0;
	int batches = (train->n + batch - 1) / batch;
	for (int epoch = 0; epoch < o->epochs; epoch++) {
		fcvae_rng r, rd;
		fcvae_rng_init(&r, o->seed, STREAM_EPOCH | (uint64_t)epoch);
		fcvae_rng_init(&rd, o->seed, STREAM_DROP | (uint64_t)epoch);
		fcvae_dropout drop = {o->cond_dropout, o->attn_dropout, &rd};
		double lr = fcvae_cosine_lr(o->lr, o->eta_min, o->t_max, epoch);
		double klw = o->kl_warmup > 0 ? (epoch + 1.0) / o->kl_warmup : 1;
		if (klw > 1)
			klw = 1;

		for (int i = 0; i < train->n; i++)
			perm[i] = i;
		for (int i = train->n - 1; i > 0; i--) {
			int j = (int)fcvae_rng_below(&r, (uint64_t)i + 1), t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}

		double loss_sum = 0;
		long loss_n = 0;
		for (int b = 0; b < batches; b++) {
			int first = b * batch;
			int B = train->n - first < batch ? train->n - first : batch;
			for (int i = 0; i < B; i++) {
				memcpy(bx + (size_t)i * W, train->x + (size_t)perm[first + i] * W, W * sizeof *bx);
				memcpy(bm + (size_t)i * W, train->mask + (size_t)perm[first + i] * W, W * sizeof *bm);
			}
			int n = fcvae_augment(o, &r, bx, bm, B, W, zero);
			fill_normal(&r, eps, (size_t)n * L);
			memset(grads, 0, P * sizeof *grads);
			double loss = fcvae_train_forward(m, acts, bx, bm, eps, n, (float)klw, &drop, NULL, NULL);
			/* past a NaN or infinite loss every step only spreads it */
			if (!isfinite(loss)) {
				res->diverged = epoch;
				break;
			}
			fcvae_train_backward(m, acts, grads);
			if (o->clip > 0) {
				float hi = (float)o->clip;
				for (size_t k = 0; k < P; k++)
					grads[k] = grads[k] > hi ? hi : grads[k] < -hi ? -hi : grads[k];
			}
			fcvae_adam_step(m->params, grads, mom1, mom2, P, lr, o->beta1, o->beta2, o->adam_eps, ++step);
			loss_sum += loss * n;
			loss_n += n;
			windows += B;
			if (report) {
				fcvae_train_progress p = {epoch, o->epochs, b + 1, batches, lr, klw, loss_sum / loss_n,
				                          NAN, res->best_epoch, fcvae_monotonic() - t0, windows};
				if (b + 1 < batches)
					report(&p, ctx);
			}
		}

		res->epochs_run = epoch + 1;
		if (res->diverged >= 0) {
			res->train_loss[epoch] = NAN;
			break;
		}
		double train_loss = loss_sum / loss_n, val_loss = NAN;
		res->train_loss[epoch] = train_loss;
		if (use_val) {
			val_loss = fcvae_dataset_loss(m, val, o->seed, batch);
			res->val_loss[epoch] = val_loss;
			if (!isfinite(val_loss)) {
				res->diverged = epoch;
				break;
			}
			if (res->best_epoch < 0 || val_loss < res->best_val_loss) {
				res->best_epoch = epoch;
				res->best_val_loss = val_loss;
				if (o->patience > 0)
					memcpy(best, m->params, P * sizeof *best);
				since_best = 0;
			} else {
				since_best++;
			}
		} else {
			res->best_epoch = epoch;
		}
		if (report) {
			fcvae_train_progress p = {epoch, o->epochs, batches, batches, lr, klw, train_loss,
			                          val_loss, res->best_epoch, fcvae_monotonic() - t0, windows};
			report(&p, ctx);
		}
		if (use_val && o->patience > 0 && since_best >= o->patience)
			break;
	}
	/* without early stopping (patience 0) the last epoch is kept, as
	 * without validation */
	if (use_val && o->patience > 0 && res->best_epoch >= 0 && res->diverged < 0)
		memcpy(m->params, best, P * sizeof *best);
	res->seconds = fcvae_monotonic() - t0;

	m->params = fcvae_xrealloc(block, P * sizeof *block);
	fcvae_weights_bind(&m->w, c, &m->layout, m->params);
	free(perm);
	free(eps);
	free(bm);
	free(bx);
	fcvae_acts_free(acts);
}

int fcvae_params_finite(const fcvae_model *m)
{
	for (size_t i = 0; i < m->layout.total; i++)
		if (!isfinite(m->params[i]))
			return 0;
	return 1;
}

int fcvae_train_diverged(const fcvae_model *m, const fcvae_train_result *r, char *why, size_t size)
{
	if (r->diverged >= 0)
		snprintf(why, size, "training diverged at epoch %d: its %s loss is not finite", r->diverged + 1,
		         isfinite(r->train_loss[r->diverged]) ? "validation" : "training");
	else if (!fcvae_params_finite(m))
		snprintf(why, size, "training diverged: parameters not finite after epoch %d", r->epochs_run);
	else
		return 0;
	return 1;
}
