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

/* Eight partial sums per output (lanes the compiler vectorises, no
 * reassociation needed), four rows sharing each weight load; acc is the
 * accumulator type. A short last block repeats its first row, so every row
 * goes through the same arithmetic. */
#define LINEAR_ROWS(name, acc)                                                                   \
	void name(float *out, const float *inp, const float *weight, const float *bias, int B, int C, \
	          int OC)                                                                             \
	{                                                                                             \
		enum { V = 8 };                                                                       \
		for (int b = 0; b < B; b += 4) {                                                      \
			int nb = B - b < 4 ? B - b : 4;                                               \
			const float *x[4];                                                            \
			for (int r = 0; r < 4; r++)                                                   \
				x[r] = inp + (size_t)(b + (r < nb ? r : 0)) * C;                      \
			for (int o = 0; o < OC; o++) {                                                \
				const float *w = weight + (size_t)o * C;                              \
				acc a[4][V] = {{0}};                                                  \
				int k = 0;                                                            \
				for (; k + V <= C; k += V)                                            \
					for (int r = 0; r < 4; r++)                                   \
						for (int j = 0; j < V; j++)                           \
							a[r][j] += (acc)x[r][k + j] * w[k + j];       \
				for (int j = 0; k < C; k++, j++)                                      \
					for (int r = 0; r < 4; r++)                                   \
						a[r][j] += (acc)x[r][k] * w[k];                       \
				for (int r = 0; r < nb; r++) {                                        \
					acc s = ((a[r][0] + a[r][4]) + (a[r][1] + a[r][5])) +         \
					        ((a[r][2] + a[r][6]) + (a[r][3] + a[r][7]));          \
					out[(size_t)(b + r) * OC + o] = (float)(s + (bias ? (acc)bias[o] : 0)); \
				}                                                                     \
			}                                                                             \
		}                                                                                     \
	}

LINEAR_ROWS(fcvae_linear_rows, float)
LINEAR_ROWS(fcvae_linear_rows_precise, double)
