/* gemm.h — matrix products for the model's layers: OpenBLAS (float and
 * double) and a plain C reference kernel the tests compare it with.
 *
 * All matrices are row-major. C = alpha·op(A)·op(B) + beta·C with op(A)
 * (M, K), op(B) (K, N) and C (M, N); ta/tb nonzero mean "use the transpose". */
#ifndef FCVAE_GEMM_H
#define FCVAE_GEMM_H

void fcvae_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc);
/* Double precision, for the finite-difference gradient check. */
void fcvae_dgemm(int ta, int tb, int M, int N, int K, double alpha, const double *A, int lda,
                 const double *B, int ldb, double beta, double *C, int ldc);
/* Same contract as fcvae_sgemm, naive loops with double accumulation. */
void fcvae_sgemm_ref(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc);

/* out (B, OC) = inp (B, C) · weightᵀ + bias (bias may be NULL), each row on
 * its own in a fixed order: a row's result is the same bits whatever B and
 * the other rows are. BLAS does not promise that (its tile-edge kernels
 * round differently), and scoring needs it: a window must score the same
 * alone or in any batch (SPEC §3). */
void fcvae_linear_rows(float *out, const float *inp, const float *weight, const float *bias, int B,
                       int C, int OC);
/* The same with double accumulation: slower, for layers whose rounding the
 * next ones amplify (the condition's attention and layer norms). */
void fcvae_linear_rows_precise(float *out, const float *inp, const float *weight, const float *bias,
                               int B, int C, int OC);

#endif
