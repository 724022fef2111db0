/* fft.h — real FFTs of many short rows (the condition's global and local
 * frequency features, SPEC §2) through FFTW3 single precision, and a plain
 * DFT reference.
 *
 * Only data (the window x) goes through the FFT, never a parameter, so no
 * backward is needed: parameter gradients stop at the FFT's output.
 *
 * Thread safety: FFTW's planner is not thread-safe, so plans are made and
 * destroyed under a process-wide lock; executing a plan on new arrays is.
 * A fcvae_rfft owns its output scratch: use one per thread. */
#ifndef FCVAE_FFT_H
#define FCVAE_FFT_H

typedef struct fcvae_rfft fcvae_rfft;

/* Plans the rfft of `rows` rows of length n (any n >= 1), row r starting at
 * in + r*idist (rows may overlap: idist < n cuts sliding sub-windows). */
fcvae_rfft *fcvae_rfft_new(int n, int rows, int idist);
void fcvae_rfft_free(fcvae_rfft *f);
/* out is (rows, 2*(n/2+1)): each row's n/2+1 real parts, then its imaginary
 * parts, the order the original concatenates them in. No allocation. */
void fcvae_rfft_exec(fcvae_rfft *f, float *out, const float *in);
/* The same in double by the DFT's definition, O(n²). */
void fcvae_rfft_ref(double *out, const double *in, int n, int rows, int idist);

#endif
