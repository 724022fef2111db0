/* kernels-body.h — one vector width's kernels, included by kernels.c once per
 * instruction set with VW (floats per vector), SFX (name suffix) and ISA
 * (its target string) defined. GCC's vector extensions keep the arithmetic
 * the plain C version's, lane by lane. */

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define VF CAT(vf, SFX)
#define VI CAT(vi, SFX)
/* every function here is compiled for ISA (a target attribute, which GCC and
 * clang both take, where a target pragma is GCC's alone) */
#define KERNEL static __attribute__((target(ISA)))
#define INLINE static inline __attribute__((always_inline, target(ISA)))

typedef float VF __attribute__((vector_size(VW * 4), aligned(4), may_alias));
typedef int VI __attribute__((vector_size(VW * 4), aligned(4), may_alias));
#define SPLAT(c) ((VF){0} + (c))

/* A tile of R rows × NV vectors (NVB: as many as the registers hold) of outputs, kept in registers over all C inputs. */
#define TILE(NAME, R, NV)                                                                              \
	INLINE void CAT(NAME, SFX)(                                                                 \
		float *out, int ldo, const float *init, int ldn, const float *inp, int ldi,           \
		const float *wt, int ldw, int C)                                                     \
	{                                                                                           \
		VF acc[R][NV];                                                                      \
		_Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                 \
		_Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                                \
			acc[r][v] = *(const VF *)(init + (size_t)r * ldn + v * VW);                 \
		for (int i = 0; i < C; i++) {                                                       \
			VF w[NV];                                                                   \
			_Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                        \
				w[v] = *(const VF *)(wt + (size_t)i * ldw + v * VW);                \
			_Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {                       \
				float x = inp[(size_t)r * ldi + i];                                 \
				_Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                \
					acc[r][v] += x * w[v];                                      \
			}                                                                           \
		}                                                                                   \
		_Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                 \
		_Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                                \
			*(VF *)(out + (size_t)r * ldo + v * VW) = acc[r][v];                        \
	}

TILE(tile_4xn, 4, NVB)
TILE(tile_4x1, 4, 1)
TILE(tile_1xn, 1, NVB)
TILE(tile_1x1, 1, 1)

KERNEL void CAT(linear_acc, SFX)(float *out, int ldo, const float *init, int ldn, const float *inp, int ldi,
                                 const float *wt, int ldw, int B, int C, int OC)
{
	int b = 0;
	for (; b + 4 <= B; b += 4) {
		float *o = out + (size_t)b * ldo;
		const float *n0 = init + (size_t)b * ldn;
		const float *x = inp + (size_t)b * ldi;
		int j = 0;
		for (; j + NVB * VW <= OC; j += NVB * VW)
			CAT(tile_4xn, SFX)(o + j, ldo, n0 + j, ldn, x, ldi, wt + j, ldw, C);
		for (; j < OC; j += VW)
			CAT(tile_4x1, SFX)(o + j, ldo, n0 + j, ldn, x, ldi, wt + j, ldw, C);
	}
	for (; b < B; b++) {
		float *o = out + (size_t)b * ldo;
		const float *n0 = init + (size_t)b * ldn;
		const float *x = inp + (size_t)b * ldi;
		int j = 0;
		for (; j + NVB * VW <= OC; j += NVB * VW)
			CAT(tile_1xn, SFX)(o + j, ldo, n0 + j, ldn, x, ldi, wt + j, ldw, C);
		for (; j < OC; j += VW)
			CAT(tile_1x1, SFX)(o + j, ldo, n0 + j, ldn, x, ldi, wt + j, ldw, C);
	}
}

/* Bitwise select: m ? a : b, m all ones or zeros per lane. */
INLINE VF CAT(sel, SFX)(VI m, VF a, VF b)
{
	return (VF)((m & (VI)a) | (~m & (VI)b));
}

INLINE VF CAT(vtanh, SFX)(VF a)
{
	VF x = CAT(sel, SFX)(a > TANH_CLAMP, SPLAT(TANH_CLAMP), a);
	x = CAT(sel, SFX)(x < -TANH_CLAMP, SPLAT(-TANH_CLAMP), x);
	VF x2 = x * x;
	VF p = x2 * TANH_A13 + TANH_A11;
	p = p * x2 + TANH_A9;
	p = p * x2 + TANH_A7;
	p = p * x2 + TANH_A5;
	p = p * x2 + TANH_A3;
	p = p * x2 + TANH_A1;
	p = p * x;
	VF q = x2 * TANH_B6 + TANH_B4;
	q = q * x2 + TANH_B2;
	q = q * x2 + TANH_B0;
	VF y = p / q;
	VF ax = (VF)((VI)a & 0x7fffffff);
	return CAT(sel, SFX)(ax < TANH_TINY, a, y);
}

KERNEL void CAT(tanh, SFX)(float *x, int n)
{
	int i = 0;
	for (; i + VW <= n; i += VW)
		*(VF *)(x + i) = CAT(vtanh, SFX)(*(const VF *)(x + i));
	if (i < n) { /* the tail through a full vector, so it gets the same bits */
		VF t = {0};
		memcpy(&t, x + i, (size_t)(n - i) * sizeof(float));
		t = CAT(vtanh, SFX)(t);
		memcpy(x + i, &t, (size_t)(n - i) * sizeof(float));
	}
}

INLINE VF CAT(vsoftplus, SFX)(VF a)
{
	/* e = exp(-|a|) in (0, 1]: 2^n·p(r), n in two halves so that tiny
	 * results come out subnormal rather than zero */
	VF ax = (VF)((VI)a & 0x7fffffff);
	VF nx = CAT(sel, SFX)(ax > EXP_LIMIT, SPLAT(-EXP_LIMIT), -ax);
	VF t = nx * LOG2E + ROUND_MAGIC;
	VI n = (VI)t - (VI)SPLAT(ROUND_MAGIC);
	VF fn = t - ROUND_MAGIC;
	VF r = nx - fn * LN2_HI;
	r = r - fn * LN2_LO;
	VF p = r * EXP_P0 + EXP_P1;
	p = p * r + EXP_P2;
	p = p * r + EXP_P3;
	p = p * r + EXP_P4;
	p = p * r + EXP_P5;
	p = p * (r * r) + r;
	p = p + 1.0f;
	VI n1 = n >> 1, n2 = n - n1;
	VF e = p * (VF)((n1 + 127) << 23);
	e = e * (VF)((n2 + 127) << 23);
	/* log1p(e) = 2·atanh(s), s = e / (2 + e) in (0, 1/3] */
	VF s = e / (e + 2.0f);
	VF s2 = s * s;
	VF l = s2 * LOG1P_C7 + LOG1P_C6;
	l = l * s2 + LOG1P_C5;
	l = l * s2 + LOG1P_C4;
	l = l * s2 + LOG1P_C3;
	l = l * s2 + LOG1P_C2;
	l = l * s2 + LOG1P_C1;
	l = l * s2 + 1.0f;
	l = (s + s) * l;
	VF pos = (VF)((VI)a & ~(a < 0)); /* max(a, 0) */
	return pos + l;
}

KERNEL void CAT(softplus, SFX)(float *x, int n)
{
	int i = 0;
	for (; i + VW <= n; i += VW)
		*(VF *)(x + i) = CAT(vsoftplus, SFX)(*(const VF *)(x + i));
	if (i < n) {
		VF t = {0};
		memcpy(&t, x + i, (size_t)(n - i) * sizeof(float));
		t = CAT(vsoftplus, SFX)(t);
		memcpy(x + i, &t, (size_t)(n - i) * sizeof(float));
	}
}

/* log(u) for u in (0, 1]: u = m·2^e, m in [√½, √2), log m = 2·atanh((m-1)/(m+1)) */
INLINE VF CAT(vlog, SFX)(VF u)
{
	VI bits = (VI)u;
	VI e = ((bits >> 23) & 0xff) - 127;
	VF m = (VF)((bits & 0x7fffff) | 0x3f800000); /* [1, 2) */
	VI big = m > 1.41421356f;
	m = CAT(sel, SFX)(big, m * 0.5f, m);
	e = e + (big & 1);
	VF s = (m - 1.0f) / (m + 1.0f);
	VF s2 = s * s;
	VF l = s2 * LOG1P_C4 + LOG1P_C3;
	l = l * s2 + LOG1P_C2;
	l = l * s2 + LOG1P_C1;
	l = l * s2 + 1.0f;
	l = (s + s) * l;
	VF fe = __builtin_convertvector(e, VF);
	return fe * LN2_HI + (fe * LN2_LO + l);
}

/* Box–Muller: n pairs of 32-bit words (u1 = u[0..n-1], u2 = u[n..2n-1]) to
 * n normals r·cos θ in out[0..n-1] and n normals r·sin θ in out[n..2n-1] */
KERNEL void CAT(box_muller, SFX)(float *out, const uint32_t *u, int n)
{
	for (int i = 0; i < n; i += VW) {
		VI a, b;
		if (i + VW <= n) {
			a = *(const VI *)(u + i);
			b = *(const VI *)(u + n + i);
		} else {
			a = b = (VI){0};
			memcpy(&a, u + i, (size_t)(n - i) * 4);
			memcpy(&b, u + n + i, (size_t)(n - i) * 4);
		}
		/* u1 in (0, 1], u2 in [0, 1): 24 bits each */
		VF u1 = (__builtin_convertvector((a >> 8) & 0xffffff, VF) + 1.0f) * 0x1p-24f;
		VF q4 = __builtin_convertvector((b >> 8) & 0xffffff, VF) * 0x1p-22f; /* 4·u2 in [0, 4) */
		VF r = VSQRT(-2.0f * CAT(vlog, SFX)(u1));
		VF qf = (q4 + ROUND_MAGIC) - ROUND_MAGIC; /* nearest quadrant, 0..4 */
		VI q = __builtin_convertvector(qf, VI) & 3;
		VF f = (q4 - qf) * 1.57079632679489662f; /* [-π/4, π/4] */
		VF f2 = f * f;
		VF sn = f2 * SIN_C9 + SIN_C7;
		sn = sn * f2 + SIN_C5;
		sn = sn * f2 + SIN_C3;
		sn = (sn * f2) * f + f;
		VF cs = f2 * COS_C10 + COS_C8;
		cs = cs * f2 + COS_C6;
		cs = cs * f2 + COS_C4;
		cs = cs * f2 + COS_C2;
		cs = cs * f2 + 1.0f;
		/* cos and sin of f + q·π/2 */
		VI swap = (q & 1) != 0;
		VF c = CAT(sel, SFX)(swap, sn, cs), sv = CAT(sel, SFX)(swap, cs, sn);
		VI cneg = (q == 1) | (q == 2), sneg = (q == 2) | (q == 3);
		c = (VF)((VI)c ^ (cneg & (int)0x80000000));
		sv = (VF)((VI)sv ^ (sneg & (int)0x80000000));
		VF oc = r * c, os = r * sv;
		if (i + VW <= n) {
			*(VF *)(out + i) = oc;
			*(VF *)(out + n + i) = os;
		} else {
			memcpy(out + i, &oc, (size_t)(n - i) * 4);
			memcpy(out + n + i, &os, (size_t)(n - i) * 4);
		}
	}
}

/* Adam's update in double, VW/2 parameters at a time, the plain C
 * version's operations in its order (see adam_ref in kernels.c) */
typedef float CAT(vfh, SFX) __attribute__((vector_size(VW * 2), aligned(4), may_alias));
typedef double CAT(vd, SFX) __attribute__((vector_size(VW * 4), aligned(8), may_alias));

KERNEL void CAT(adam, SFX)(float *p, const float *g, float *m, float *v, size_t n, double beta1, double beta2,
                          double step, double bc2, double eps)
{
	typedef CAT(vfh, SFX) VH;
	typedef CAT(vd, SFX) VD;
	enum { H = VW / 2 };
	size_t i = 0;
	for (; i + H <= n; i += H) {
		VD gd = __builtin_convertvector(*(const VH *)(g + i), VD);
		VD mi = beta1 * __builtin_convertvector(*(const VH *)(m + i), VD) + (1 - beta1) * gd;
		VD vi = beta2 * __builtin_convertvector(*(const VH *)(v + i), VD) + (1 - beta2) * gd * gd;
		*(VH *)(m + i) = __builtin_convertvector(mi, VH);
		*(VH *)(v + i) = __builtin_convertvector(vi, VH);
		VD pd = __builtin_convertvector(*(const VH *)(p + i), VD);
		*(VH *)(p + i) = __builtin_convertvector(pd - step * mi / (VSQRTD(vi) / bc2 + eps), VH);
	}
	adam_ref(p + i, g + i, m + i, v + i, n - i, beta1, beta2, step, bc2, eps);
}

#undef TILE
#undef KERNEL
#undef INLINE
#undef SPLAT
#undef VF
#undef VI
#undef CAT
#undef CAT_
/* and the includer's parameters, ready for the next width */
#undef VW
#undef NVB
#undef VSQRT
#undef VSQRTD
#undef SFX
#undef ISA
