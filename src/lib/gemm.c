/* gemm.c — row-major GEMM through OpenBLAS's cblas, and a reference kernel. */
#include "gemm.h"

#include <cblas.h>
#include <stdlib.h>

/* OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded, before main;
 * these choose its kernels again. Exported by an OpenBLAS built with
 * DYNAMIC_ARCH (Debian's and most others) but not declared in cblas.h;
 * weak, so that one built for a single CPU (no choice to fix) links too. */
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));

void fcvae_blas_pin(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	const char *chosen = getenv("OPENBLAS_CORETYPE");
	__builtin_cpu_init();
	if ((chosen && *chosen) || !__builtin_cpu_supports("avx2") || !gotoblas_dynamic_init ||
	    !gotoblas_dynamic_quit)
		return;
	/* what gotoblas_dynamic_init reads; programs run from here inherit it */
	setenv("OPENBLAS_CORETYPE", "Haswell", 1);
	gotoblas_dynamic_quit();
	gotoblas_dynamic_init();
#endif
}

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
