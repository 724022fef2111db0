/* fcvae-bench — speed figures of the library as JSON (make bench): scoring
 * one window at a time and batched through the real score path, training,
 * and each fast kernel against its plain C reference, in the same run.
 * Each figure is repeated; min, median and max over the repeats are given. */
#include <cblas.h>
#include <fftw3.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fft.h"
#include "gemm.h"
#include "json.h"
#include "kernels.h"
#include "model.h"
#include "rng.h"
#include "safetensors.h"
#include "score.h"
#include "train.h"
#include "util.h"

static int repeats = 5;
static double scale = 1; /* --quick: less work per repeat */

/* CPU time of this process: the machine is shared, and wall time would
 * count other programs' turns on the core as ours. */
static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* "name": {"impl": …, "unit": …, "min": …, "median": …, "max": …} from n samples */
static void figure(const char *name, const char *impl, const char *unit, double *v, int n, int *first)
{
	qsort(v, n, sizeof *v, fcvae_cmp_double);
	double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf("%s\n    \"%s\": {\"impl\": \"%s\", \"unit\": \"%s\", \"min\": %.6g, \"median\": %.6g, "
	       "\"max\": %.6g, \"repeats\": %d}",
	       *first ? "" : ",", name, impl, unit, v[0], med, v[n - 1], n);
	*first = 0;
	fflush(stdout);
}

/* Hourly-looking raw values: a daily cycle, noise, now and then a spike. */
static void make_windows(double *raw, int N, int W, uint64_t seed)
{
	fcvae_rng r;
	fcvae_rng_init(&r, seed, 1);
	for (int b = 0; b < N; b++)
		for (int i = 0; i < W; i++)
			raw[(size_t)b * W + i] = 1800 + 1100 * sin(2 * M_PI * (b + i) / 24) + 60 * fcvae_rng_normal(&r) +
			                         (fcvae_rng_uniform(&r) < 0.01 ? 3000 : 0);
}

static void bench_scoring(const fcvae_model *m, int *first)
{
	const int W = m->cfg.window;
	const int N = (int)(4096 * scale) < 64 ? 64 : (int)(4096 * scale);
	double *raw = fcvae_xmalloc(sizeof(double) * N * W);
	uint64_t *stream = fcvae_xmalloc(sizeof(uint64_t) * N);
	fcvae_score_result *res = fcvae_xmalloc(sizeof *res * N);
	make_windows(raw, N, W, 1);
	for (int b = 0; b < N; b++)
		stream[b] = fcvae_score_stream("bench", 5, 1736121600 + 3600 * (int64_t)b);
	fcvae_score_opts o = {.iterations = 10, .samples = 16, .seed = 1};
	const int batches[] = {1, 64, 4096};
	double *v = fcvae_xmalloc(sizeof(double) * (repeats > N ? repeats : N));
	for (size_t k = 0; k < sizeof batches / sizeof *batches; k++) {
		int B = batches[k] < N ? batches[k] : N;
		fcvae_scorer *s = fcvae_scorer_new(m, B);
		int n1 = B == 1 ? N / 4 : N; /* one at a time: fewer windows per repeat */
		fcvae_score_batch(s, &o, raw, NULL, stream, B, res); /* warm up */
		for (int r = 0; r < repeats; r++) {
			double t = cpu_now();
			for (int b = 0; b + B <= n1; b += B)
				fcvae_score_batch(s, &o, raw + (size_t)b * W, NULL, stream + b, B, res + b);
			v[r] = (n1 / B * B) / (cpu_now() - t);
		}
		char name[64];
		snprintf(name, sizeof name, "score_batch%d", batches[k]);
		figure(name, fcvae_kernels_isa(), "windows/s", v, repeats, first);
		if (B == 1) {
			/* the latency of single windows, each timed on its own */
			for (int b = 0; b < n1; b++) {
				double t = cpu_now();
				fcvae_score_batch(s, &o, raw + (size_t)b * W, NULL, stream + b, 1, res + b);
				v[b] = (cpu_now() - t) * 1e6;
			}
			figure("score_one_window_latency", fcvae_kernels_isa(), "us", v, n1, first);
		}
		fcvae_scorer_free(s);
	}
	free(v), free(raw), free(stream), free(res);
}

static void bench_training(const fcvae_model *seed_model, int *first)
{
	const fcvae_config *c = &seed_model->cfg;
	const int W = c->window, N = (int)(6400 * scale) < 640 ? 640 : (int)(6400 * scale);
	double *raw = fcvae_xmalloc(sizeof(double) * N * W);
	make_windows(raw, N, W, 2);
	fcvae_dataset d;
	fcvae_dataset_init(&d, W);
	for (int b = 0; b < N; b++)
		fcvae_dataset_add(&d, raw + (size_t)b * W, NULL, NULL, 1800, 800, FCVAE_CLIP_X);
	fcvae_train_opts o;
	fcvae_train_opts_default(&o); /* batch 64, augmentation on */
	o.epochs = 1;
	double *v = fcvae_xmalloc(sizeof(double) * repeats);
	for (int r = 0; r < repeats; r++) {
		fcvae_model *m = fcvae_model_new(c);
		fcvae_model_init_params(m, 1);
		fcvae_train_result res;
		double t = cpu_now();
		fcvae_train(m, &d, NULL, &o, NULL, NULL, &res);
		v[r] = N / (cpu_now() - t);
		free(res.train_loss);
		free(res.val_loss);
		fcvae_model_free(m);
	}
	figure("train_batch64", "openblas", "windows/s", v, repeats, first);
	free(v), free(raw);
	fcvae_dataset_free(&d);
}

/* ---- kernels: each fast one and its plain C reference on the same data ---- */

typedef struct {
	float *x, *w, *wt, *out, *bias;
	fcvae_rfft *fft;
} kdata;

static kdata kd;

static void k_linear(int B, int C, int OC)
{
	fcvae_linear_acc(kd.out, OC, kd.bias, 0, kd.x, C, kd.wt, OC, B, C, OC);
}
static void k_lin1(void) { k_linear(1, 64, 64); }
static void k_lin32(void) { k_linear(32, 64, 64); }
static void k_blas(int B, int C, int OC)
{
	for (int b = 0; b < B; b++)
		memcpy(kd.out + (size_t)b * OC, kd.bias, OC * sizeof(float));
	fcvae_sgemm(0, 1, B, OC, C, 1, kd.x, C, kd.w, C, 1, kd.out, OC);
}
static void k_blas1(void) { k_blas(1, 64, 64); }
static void k_blas32(void) { k_blas(32, 64, 64); }
static void k_tanh(void) { fcvae_tanh_inplace(kd.out, 64); memcpy(kd.out, kd.x, 64 * sizeof(float)); }
static void k_tanhf(void)
{
	for (int i = 0; i < 64; i++)
		kd.out[i] = tanhf(kd.out[i]);
	memcpy(kd.out, kd.x, 64 * sizeof(float));
}
static void k_softplus(void) { fcvae_softplus_inplace(kd.out, 16); memcpy(kd.out, kd.x, 16 * sizeof(float)); }
static void k_softplusf(void)
{
	for (int i = 0; i < 16; i++)
		kd.out[i] = kd.out[i] > 20 ? kd.out[i] : log1pf(expf(kd.out[i]));
	memcpy(kd.out, kd.x, 16 * sizeof(float));
}
/* the global FFT of SPEC §2 (23 points): FFTW, and a DFT matrix product (24×23) */
static void k_fftw(void) { fcvae_rfft_exec(kd.fft, kd.out, kd.x); }
static void k_dft(void) { k_linear(1, 23, 32); }

typedef struct {
	const char *name, *fast_isa;
	void (*fast)(void), (*ref)(void);
	const char *ref_is;
} kbench;

static void bench_kernels(int *first)
{
	fcvae_rng r;
	fcvae_rng_init(&r, 3, 3);
	size_t n = 32 * 128;
	kd.x = fcvae_xmalloc(n * sizeof(float)), kd.w = fcvae_xmalloc(n * sizeof(float));
	kd.wt = fcvae_xmalloc(n * sizeof(float)), kd.out = fcvae_xmalloc(n * sizeof(float));
	kd.bias = fcvae_xmalloc(128 * sizeof(float));
	for (size_t i = 0; i < n; i++)
		kd.x[i] = (float)fcvae_rng_normal(&r), kd.w[i] = kd.wt[i] = (float)fcvae_rng_normal(&r) / 8;
	for (int i = 0; i < 128; i++)
		kd.bias[i] = (float)fcvae_rng_normal(&r);
	memcpy(kd.out, kd.x, 64 * sizeof(float));
	kd.fft = fcvae_rfft_new(23, 1, 24);
	const char *best = fcvae_kernels_isa();
	const kbench kb[] = {
		{"linear_1x64x64", best, k_lin1, k_lin1, "ref"},
		{"linear_32x64x64", best, k_lin32, k_lin32, "ref"},
		{"linear_1x64x64_openblas", NULL, k_blas1, NULL, NULL},
		{"linear_32x64x64_openblas", NULL, k_blas32, NULL, NULL},
		{"tanh_64", best, k_tanh, k_tanhf, "libm tanhf"},
		{"softplus_16", best, k_softplus, k_softplusf, "libm log1pf(expf)"},
		{"rfft_23_dft_matrix", best, k_dft, k_fftw, "FFTW"},
	};
	double *v = fcvae_xmalloc(sizeof(double) * repeats);
	long calls = (long)(200000 * scale);
	for (size_t k = 0; k < sizeof kb / sizeof *kb; k++)
		for (int impl = 0; impl < 2; impl++) {
			void (*f)(void) = impl ? kb[k].ref : kb[k].fast;
			if (!f)
				continue;
			/* a reference named "ref" is the fast function on the plain C kernels */
			fcvae_kernels_use(impl && !strcmp(kb[k].ref_is, "ref") ? "ref" : best);
			long nc = impl && !strcmp(kb[k].ref_is, "ref") ? calls / 20 + 1 : calls;
			for (long i = 0; i < nc / 10; i++)
				f();
			for (int rep = 0; rep < repeats; rep++) {
				double t = cpu_now();
				for (long i = 0; i < nc; i++)
					f();
				v[rep] = (cpu_now() - t) / nc * 1e9;
			}
			char name[96];
			snprintf(name, sizeof name, "kernel_%s_%s", kb[k].name, impl ? "reference" : "fast");
			figure(name, impl ? kb[k].ref_is : kb[k].fast_isa ? kb[k].fast_isa : "openblas", "ns/call", v,
			       repeats, first);
		}
	fcvae_kernels_use(best);
	fcvae_rfft_free(kd.fft);
	free(kd.x), free(kd.w), free(kd.wt), free(kd.out), free(kd.bias), free(v);
}

static const char usage_text[] = "usage: fcvae-bench [-q] [-r repeats] [-m model] [-s scoring,training,kernels]\n";

/* --sections, in the order want[] holds them */
static const char *const sections_names[3] = {"kernels", "scoring", "training"};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"quick", no_argument, 0, 'q'}, {"repeats", required_argument, 0, 'r'},
		{"model", required_argument, 0, 'm'}, {"sections", required_argument, 0, 's'},
		{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *model = "tests/data/seed_models/Star_CMP.safetensors", *sections = "kernels,scoring,training";
	int ch;
	fcvae_start(argv);
	while ((ch = getopt_long(argc, argv, "qr:m:s:h", longopts, NULL)) != -1)
		switch (ch) {
		case 'q': scale = 0.1; break;
		case 'r': repeats = (int)fcvae_parse_long("--repeats", optarg, 1, 1000); break;
		case 'm': model = optarg; break;
		case 's': sections = optarg; break;
		case 'h': fcvae_usage(usage_text, FCVAE_EXIT_OK);
		default: fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
		}
	int want[3];
	if (fcvae_parse_list(sections, sections_names, 3, want) < 0)
		fcvae_die(FCVAE_EXIT_USAGE, "--sections: '%s' is not a list of kernels, scoring and training", sections);
	if (optind < argc)
		fcvae_die(FCVAE_EXIT_USAGE, "takes no operands ('%s')", argv[optind]);
	char err[512];
	fcvae_model *m = fcvae_model_load(model, err, sizeof err);
	if (!m)
		fcvae_die(FCVAE_EXIT_FAIL, "%s: %s", model, err);
	fcvae_kernels_init();
	/* the training figures are fcvae-train's, kernels and all */
	fcvae_blas_pin();
	int first = 1;
	fcvae_buf name = {0};
	fcvae_json_add_cstring(&name, model);
	printf("{\n  \"isa\": \"%s\",\n  \"openblas\": \"%s\",\n  \"fftw\": \"%s\",\n  \"timing\": \"process CPU time\",\n"
	       "  \"model\": %s,\n  \"figures\": {",
	       fcvae_kernels_isa(), openblas_get_config(), fftwf_version, name.p);
	fcvae_buf_free(&name);
	if (want[0])
		bench_kernels(&first);
	if (want[1])
		bench_scoring(m, &first);
	if (want[2])
		bench_training(m, &first);
	printf("\n  }\n}\n");
	fcvae_model_free(m);
	fcvae_close_stdout();
	return 0;
}
