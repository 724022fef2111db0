/* fft.c — batched short real FFTs over FFTW3 (float), and a reference DFT. */
#include "fft.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "util.h"

struct fcvae_rfft {
	fftwf_plan plan;
	fftwf_complex *scratch; /* rows × (n/2+1), FFTW's interleaved output */
	int n, rows;
};

static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

fcvae_rfft *fcvae_rfft_new(int n, int rows, int idist)
{
	fcvae_rfft *f = fcvae_xcalloc(1, sizeof *f);
	int nc = n / 2 + 1;
	f->n = n;
	f->rows = rows;
	f->scratch = fftwf_malloc(sizeof(fftwf_complex) * (size_t)rows * nc);
	float *in = fftwf_malloc(sizeof(float) * ((size_t)(rows - 1) * idist + n));
	if (!f->scratch || !in)
		fcvae_die(FCVAE_EXIT_FAIL, "out of memory");
	/* ESTIMATE: planning must be cheap and deterministic (no timing runs);
	 * UNALIGNED: exec takes rows at any offset into a window batch. */
	pthread_mutex_lock(&planner_lock);
	f->plan = fftwf_plan_many_dft_r2c(1, &n, rows, in, NULL, 1, idist, f->scratch, NULL, 1, nc,
	                                  FFTW_ESTIMATE | FFTW_UNALIGNED | FFTW_PRESERVE_INPUT);
	pthread_mutex_unlock(&planner_lock);
	fftwf_free(in);
	if (!f->plan)
		fcvae_die(FCVAE_EXIT_FAIL, "cannot plan an FFT of %d rows of %d", rows, n);
	return f;
}

void fcvae_rfft_free(fcvae_rfft *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&planner_lock);
	fftwf_destroy_plan(f->plan);
	pthread_mutex_unlock(&planner_lock);
	fftwf_free(f->scratch);
	free(f);
}

void fcvae_rfft_exec(fcvae_rfft *f, float *out, const float *in)
{
	int nc = f->n / 2 + 1;
	/* the input is only read (FFTW_PRESERVE_INPUT) */
	fftwf_execute_dft_r2c(f->plan, (float *)in, f->scratch);
	for (int r = 0; r < f->rows; r++) {
		const fftwf_complex *s = f->scratch + (size_t)r * nc;
		float *o = out + (size_t)r * 2 * nc;
		for (int j = 0; j < nc; j++) {
			o[j] = s[j][0];
			o[nc + j] = s[j][1];
		}
	}
}

void fcvae_rfft_ref(double *out, const double *in, int n, int rows, int idist)
{
	int nc = n / 2 + 1;
	for (int r = 0; r < rows; r++) {
		const double *x = in + (size_t)r * idist;
		double *o = out + (size_t)r * 2 * nc;
		for (int j = 0; j < nc; j++) {
			double re = 0, im = 0;
			for (int t = 0; t < n; t++) {
				/* reduce j·t mod n first: keeps the angle small and exact */
				double a = -2 * M_PI * (double)((long)j * t % n) / n;
				re += x[t] * cos(a);
				im += x[t] * sin(a);
			}
			o[j] = re;
			o[nc + j] = im;
		}
	}
}
