/* gemm.h — matrix products for the model's layers: OpenBLAS (float and
 * double) and a plain C reference kernel the tests compare it with.
 *
 * All matrices are row-major. C = alpha·op(A)·op(B) + beta·C with op(A)
 * (M, K), op(B) (K, N) and C (M, N); ta/tb nonzero mean "use the transpose". */
#ifndef FCVAE_GEMM_H
#define FCVAE_GEMM_H

/* Fixes OpenBLAS's kernel set, so that training gives the same bytes on
 * every x86-64 with AVX2: OpenBLAS picks its kernels by CPU, and they round
 * differently (an AVX-512 machine's change a trained model). Haswell's,
 * unless OPENBLAS_CORETYPE chose others; nothing on a CPU without AVX2 or
 * an OpenBLAS built for one CPU. Call it before any product and any thread:
 * it replaces the kernel table OpenBLAS chose when it was loaded. */
void fcvae_blas_pin(void);

void fcvae_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc);
/* Double precision, for the finite-difference gradient check. */
void fcvae_dgemm(int ta, int tb, int M, int N, int K, double alpha, const double *A, int lda,
                 const double *B, int ldb, double beta, double *C, int ldc);
/* Same contract as fcvae_sgemm, naive loops with double accumulation. */
void fcvae_sgemm_ref(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc);

#endif
