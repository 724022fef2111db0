/* kernels.c — vectorised inference kernels with run-time choice of the
 * instruction set, and their plain C versions (see kernels.h). */
#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* GCC in ISO C mode never contracts */
#endif

/* tanh: Eigen's rational approximation on [-c, c] (beyond it tanh rounds to ±1) */
#define TANH_CLAMP 7.90531110763549805f
#define TANH_TINY 0.0004f
#define TANH_A1 4.89352455891786e-03f
#define TANH_A3 6.37261928875436e-04f
#define TANH_A5 1.48572235717979e-05f
#define TANH_A7 5.12229709037114e-08f
#define TANH_A9 -8.60467152213735e-11f
#define TANH_A11 2.00018790482477e-13f
#define TANH_A13 -2.76076847742355e-16f
#define TANH_B0 4.89352518554385e-03f
#define TANH_B2 2.26843463243900e-03f
#define TANH_B4 1.18534705686654e-04f
#define TANH_B6 1.19825839466702e-06f

/* exp (Cephes expf): 2^n·e^r, r = x - n·ln2 in two parts, |r| <= ln2/2 */
#define EXP_LIMIT 103.0f          /* e^-103 is below the smallest subnormal's double */
#define LOG2E 1.44269504088896341f
#define ROUND_MAGIC 12582912.0f   /* 1.5·2^23: adding it rounds to an integer */
#define LN2_HI 0.693359375f
#define LN2_LO -2.12194440e-4f
#define EXP_P0 1.9875691500e-4f
#define EXP_P1 1.3981999507e-3f
#define EXP_P2 8.3334519073e-3f
#define EXP_P3 4.1665795894e-2f
#define EXP_P4 1.6666665459e-1f
#define EXP_P5 5.0000001201e-1f

/* log1p(e) = 2·atanh(s) = 2s·(1 + s²/3 + s⁴/5 + …), s = e/(2+e) <= 1/3 */
#define LOG1P_C1 (1.0f / 3)
#define LOG1P_C2 (1.0f / 5)
#define LOG1P_C3 (1.0f / 7)
#define LOG1P_C4 (1.0f / 9)
#define LOG1P_C5 (1.0f / 11)
#define LOG1P_C6 (1.0f / 13)
#define LOG1P_C7 (1.0f / 15)

/* sin and cos on [-π/4, π/4]: Taylor series, the first term left out below 2e-9 */
#define SIN_C3 (-1.0f / 6)
#define SIN_C5 (1.0f / 120)
#define SIN_C7 (-1.0f / 5040)
#define SIN_C9 (1.0f / 362880)
#define COS_C2 (-1.0f / 2)
#define COS_C4 (1.0f / 24)
#define COS_C6 (-1.0f / 720)
#define COS_C8 (1.0f / 40320)
#define COS_C10 (-1.0f / 3628800)

/* ---- plain C: the reference every vector version must equal bit for bit ---- */

static void linear_acc_ref(float *out, int ldo, const float *init, int ldn, const float *inp, int ldi,
                           const float *wt, int ldw, int B, int C, int OC)
{
	for (int b = 0; b < B; b++)
		for (int o = 0; o < OC; o++) {
			float acc = init[(size_t)b * ldn + o];
			for (int i = 0; i < C; i++) {
				float p = inp[(size_t)b * ldi + i] * wt[(size_t)i * ldw + o];
				acc += p;
			}
			out[(size_t)b * ldo + o] = acc;
		}
}

static float tanh1(float a)
{
	float x = a > TANH_CLAMP ? TANH_CLAMP : a;
	x = x < -TANH_CLAMP ? -TANH_CLAMP : x;
	float x2 = x * x;
	float p = x2 * TANH_A13 + TANH_A11;
	p = p * x2 + TANH_A9;
	p = p * x2 + TANH_A7;
	p = p * x2 + TANH_A5;
	p = p * x2 + TANH_A3;
	p = p * x2 + TANH_A1;
	p = p * x;
	float q = x2 * TANH_B6 + TANH_B4;
	q = q * x2 + TANH_B2;
	q = q * x2 + TANH_B0;
	return (a < 0 ? -a : a) < TANH_TINY ? a : p / q;
}

static void tanh_ref(float *x, int n)
{
	for (int i = 0; i < n; i++)
		x[i] = tanh1(x[i]);
}

static float pow2i(int n) /* 2^n for -126 <= n <= 127 */
{
	unsigned u = (unsigned)(n + 127) << 23;
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static float softplus1(float a)
{
	float ax = a < 0 ? -a : a;
	float nx = ax > EXP_LIMIT ? -EXP_LIMIT : -ax;
	float t = nx * LOG2E + ROUND_MAGIC;
	float fn = t - ROUND_MAGIC;
	int n = (int)fn;
	float r = nx - fn * LN2_HI;
	r = r - fn * LN2_LO;
	float p = r * EXP_P0 + EXP_P1;
	p = p * r + EXP_P2;
	p = p * r + EXP_P3;
	p = p * r + EXP_P4;
	p = p * r + EXP_P5;
	p = p * (r * r) + r;
	p = p + 1.0f;
	int n1 = n >> 1, n2 = n - n1;
	float e = p * pow2i(n1);
	e = e * pow2i(n2);
	float s = e / (e + 2.0f);
	float s2 = s * s;
	float l = s2 * LOG1P_C7 + LOG1P_C6;
	l = l * s2 + LOG1P_C5;
	l = l * s2 + LOG1P_C4;
	l = l * s2 + LOG1P_C3;
	l = l * s2 + LOG1P_C2;
	l = l * s2 + LOG1P_C1;
	l = l * s2 + 1.0f;
	l = (s + s) * l;
	return (a < 0 ? 0 : a) + l;
}

static void softplus_ref(float *x, int n)
{
	for (int i = 0; i < n; i++)
		x[i] = softplus1(x[i]);
}

static float log1(float u)
{
	uint32_t bits;
	memcpy(&bits, &u, 4);
	int e = (int)((bits >> 23) & 0xff) - 127;
	uint32_t mb = (bits & 0x7fffff) | 0x3f800000;
	float m;
	memcpy(&m, &mb, 4);
	if (m > 1.41421356f) {
		m = m * 0.5f;
		e = e + 1;
	}
	float s = (m - 1.0f) / (m + 1.0f);
	float s2 = s * s;
	float l = s2 * LOG1P_C4 + LOG1P_C3;
	l = l * s2 + LOG1P_C2;
	l = l * s2 + LOG1P_C1;
	l = l * s2 + 1.0f;
	l = (s + s) * l;
	float fe = (float)e;
	return fe * LN2_HI + (fe * LN2_LO + l);
}

static void box_muller_ref(float *out, const uint32_t *u, int n)
{
	for (int i = 0; i < n; i++) {
		float u1 = ((float)((u[i] >> 8) & 0xffffff) + 1.0f) * 0x1p-24f;
		float q4 = (float)((u[n + i] >> 8) & 0xffffff) * 0x1p-22f;
		float r = sqrtf(-2.0f * log1(u1));
		float qf = (q4 + ROUND_MAGIC) - ROUND_MAGIC;
		int q = (int)qf & 3;
		float f = (q4 - qf) * 1.57079632679489662f;
		float f2 = f * f;
		float sn = f2 * SIN_C9 + SIN_C7;
		sn = sn * f2 + SIN_C5;
		sn = sn * f2 + SIN_C3;
		sn = (sn * f2) * f + f;
		float cs = f2 * COS_C10 + COS_C8;
		cs = cs * f2 + COS_C6;
		cs = cs * f2 + COS_C4;
		cs = cs * f2 + COS_C2;
		cs = cs * f2 + 1.0f;
		float c = q & 1 ? sn : cs, s = q & 1 ? cs : sn;
		c = q == 1 || q == 2 ? -c : c;
		s = q == 2 || q == 3 ? -s : s;
		out[i] = r * c;
		out[n + i] = r * s;
	}
}

static void adam_ref(float *p, const float *g, float *m, float *v, size_t n, double beta1, double beta2,
                     double step, double bc2, double eps)
{
	for (size_t i = 0; i < n; i++) {
		double mi = beta1 * m[i] + (1 - beta1) * g[i];
		double vi = beta2 * v[i] + (1 - beta2) * (double)g[i] * g[i];
		m[i] = (float)mi;
		v[i] = (float)vi;
		p[i] = (float)(p[i] - step * mi / (sqrt(vi) / bc2 + eps));
	}
}

/* ---- vector versions ---- */

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86 1
#include <immintrin.h>
#define ISA "sse2"
#define VW 4
#define NVB 2
#define VSQRT(x) ((VF)_mm_sqrt_ps((__m128)(x)))
#define VSQRTD(x) ((VD)_mm_sqrt_pd((__m128d)(x)))
#define SFX sse2
#include "kernels-body.h"

#define ISA "avx2"
#define VW 8
#define NVB 2
#define VSQRT(x) ((VF)_mm256_sqrt_ps((__m256)(x)))
#define VSQRTD(x) ((VD)_mm256_sqrt_pd((__m256d)(x)))
#define SFX avx2
#include "kernels-body.h"

#define ISA "avx512f"
#define VW 16
#define NVB 4
#define VSQRT(x) ((VF)_mm512_sqrt_ps((__m512)(x)))
#define VSQRTD(x) ((VD)_mm512_sqrt_pd((__m512d)(x)))
#define SFX avx512
#include "kernels-body.h"
#endif

typedef struct {
	const char *name;
	void (*linear_acc)(float *, int, const float *, int, const float *, int, const float *, int, int, int,
	                   int);
	void (*tanh)(float *, int);
	void (*softplus)(float *, int);
	void (*box_muller)(float *, const uint32_t *, int);
	void (*adam)(float *, const float *, float *, float *, size_t, double, double, double, double, double);
} isa;

static const isa isas[] = {
#ifdef HAVE_X86
	{"avx512", linear_acc_avx512, tanh_avx512, softplus_avx512, box_muller_avx512, adam_avx512},
	{"avx2", linear_acc_avx2, tanh_avx2, softplus_avx2, box_muller_avx2, adam_avx2},
	{"sse2", linear_acc_sse2, tanh_sse2, softplus_sse2, box_muller_sse2, adam_sse2},
#endif
	{"ref", linear_acc_ref, tanh_ref, softplus_ref, box_muller_ref, adam_ref},
};

static const isa *current;

static int supported(const char *name)
{
#ifdef HAVE_X86
	__builtin_cpu_init();
	if (!strcmp(name, "avx512"))
		return __builtin_cpu_supports("avx512f");
	if (!strcmp(name, "avx2"))
		return __builtin_cpu_supports("avx2");
#endif
	return 1;
}

int fcvae_kernels_use(const char *name)
{
	for (size_t i = 0; i < sizeof isas / sizeof *isas; i++)
		if (!strcmp(isas[i].name, name)) {
			if (!supported(name))
				return -1;
			current = &isas[i];
			return 0;
		}
	return -1;
}

void fcvae_kernels_init(void)
{
	if (current)
		return;
	if (!getenv("OPENBLAS_NUM_THREADS"))
		openblas_set_num_threads(1);
	const char *want = getenv("FCVAE_ISA");
	if (want && *want && fcvae_kernels_use(want) == 0)
		return;
	for (size_t i = 0; i < sizeof isas / sizeof *isas; i++)
		if (fcvae_kernels_use(isas[i].name) == 0)
			return;
}

const char *fcvae_kernels_isa(void)
{
	fcvae_kernels_init();
	return current->name;
}

void fcvae_linear_acc(float *out, int ldo, const float *init, int ldn, const float *inp, int ldi,
                      const float *wt, int ldw, int B, int C, int OC)
{
	if (!current)
		fcvae_kernels_init();
	current->linear_acc(out, ldo, init, ldn, inp, ldi, wt, ldw, B, C, OC);
}

void fcvae_tanh_inplace(float *x, int n)
{
	if (!current)
		fcvae_kernels_init();
	current->tanh(x, n);
}

void fcvae_softplus_inplace(float *x, int n)
{
	if (!current)
		fcvae_kernels_init();
	current->softplus(x, n);
}

void fcvae_box_muller(float *out, const uint32_t *u, int n)
{
	if (!current)
		fcvae_kernels_init();
	current->box_muller(out, u, n);
}

void fcvae_adam_update(float *p, const float *g, float *m, float *v, size_t n, double beta1, double beta2,
                       double step, double bc2, double eps)
{
	if (!current)
		fcvae_kernels_init();
	current->adam(p, g, m, v, n, beta1, beta2, step, bc2, eps);
}
