/* kernels.h — the inference's inner loops (linear layers, tanh, softplus),
 * vectorised for AVX-512, AVX2 or SSE2 as the CPU allows (chosen at run
 * time, not by -march), each with a plain C version.
 *
 * Every version computes the same bits: a linear output is summed in one
 * fixed order (input 0, 1, 2, … each product rounded, then added, no fused
 * multiply-add), and the activations are the same float operations lane by
 * lane. So a window's results depend neither on the CPU's vector width nor
 * on the batch it is in or its row in it (SPEC §3). */
#ifndef FCVAE_KERNELS_H
#define FCVAE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Rows and leading dimensions the vectorised linear kernel needs: out and
 * weight row lengths are multiples of this. */
#define FCVAE_KERNEL_PAD 16

/* Picks the widest version the CPU runs (FCVAE_ISA=ref|sse2|avx2|avx512 in
 * the environment forces one) and makes OpenBLAS single-threaded unless
 * OPENBLAS_NUM_THREADS says otherwise (small products lose to thread
 * start-up: training is 40% slower with threads on two cores). Idempotent;
 * every entry point below calls it if needed. */
void fcvae_kernels_init(void);
/* The version in use: "avx512", "avx2", "sse2" or "ref". */
const char *fcvae_kernels_isa(void);
/* Uses a version by name; -1 if this CPU cannot run it (tests, benchmarks). */
int fcvae_kernels_use(const char *isa);

/* out (B, ldo) = init (B, ldn) + inp (B, ldi) · wt (C, ldw): out[b][o] =
 * init[b][o], then += inp[b][i]·wt[i][o] for i = 0 … C-1 in order, o < OC.
 * init may be out itself (ldn = ldo: accumulate) or one row for all (ldn 0:
 * a bias). OC, ldo, ldn and ldw are multiples of FCVAE_KERNEL_PAD; ldi is
 * anything (rows may overlap). */
void fcvae_linear_acc(float *out, int ldo, const float *init, int ldn, const float *inp, int ldi,
                      const float *wt, int ldw, int B, int C, int OC);

/* In place over n floats. tanh: a rational minimax approximation (Eigen's),
 * within 2e-7 of the true value relative to max(|tanh x|, 1e-3) … see
 * test-kernels; softplus: PyTorch's log(1 + e^x) (x above 20: x itself),
 * as max(x, 0) + log1p(e^-|x|). */
void fcvae_tanh_inplace(float *x, int n);
void fcvae_softplus_inplace(float *x, int n);

/* Normals from uniform words by Box–Muller in float: u1 = u[i], u2 = u[n+i]
 * (24 bits of each) give out[i] = r·cos θ and out[n+i] = r·sin θ. */
void fcvae_box_muller(float *out, const uint32_t *u, int n);

/* Adam's step over n parameters in double (fcvae_adam_step's arithmetic):
 * m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g², p -= step·m / (√v / bc2 + eps). */
void fcvae_adam_update(float *p, const float *g, float *m, float *v, size_t n, double beta1, double beta2,
                       double step, double bc2, double eps);

#endif
