/* gemm.c — row-major GEMM through OpenBLAS's cblas, and a reference kernel. */
#include "gemm.h"

#include <cblas.h>

static enum CBLAS_TRANSPOSE tr(int t)
{
	return t ? CblasTrans : CblasNoTrans;
}

void fcvae_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc)
{
	cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void fcvae_dgemm(int ta, int tb, int M, int N, int K, double alpha, const double *A, int lda,
                 const double *B, int ldb, double beta, double *C, int ldc)
{
	cblas_dgemm(CblasRowMajor, tr(ta), tr(tb), M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void fcvae_sgemm_ref(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc)
{
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double s = 0;
			for (int p = 0; p < K; p++) {
				double a = ta ? A[(size_t)p * lda + i] : A[(size_t)i * lda + p];
				double b = tb ? B[(size_t)j * ldb + p] : B[(size_t)p * ldb + j];
				s += a * b;
			}
			float *c = &C[(size_t)i * ldc + j];
			/* beta 0 overwrites, as BLAS does, so C may hold garbage */
			*c = (float)(alpha * s + (beta == 0 ? 0 : (double)beta * *c));
		}
}
