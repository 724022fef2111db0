/* layers.c — forward/backward pairs of the model's layers (see layers.h). */
#include "layers.h"

#include <math.h>

#include <string.h>

#include "gemm.h"
#include "kernels.h"

/* float: the vectorised activations of kernels.h (libm's tanhf is a fifth
 * of training's time); double, for the gradient check: libm */
#ifdef FCVAE_REAL_DOUBLE
#define gemm fcvae_dgemm
#define EXP exp
#else
#define gemm fcvae_sgemm
#define EXP expf
#endif

void fcvae_linear_forward(fcvae_real *out, const fcvae_real *inp, const fcvae_real *weight,
                          const fcvae_real *bias, int B, int C, int OC)
{
	if (bias)
		for (int b = 0; b < B; b++)
			for (int o = 0; o < OC; o++)
				out[(size_t)b * OC + o] = bias[o];
	gemm(0, 1, B, OC, C, 1, inp, C, weight, C, bias ? 1 : 0, out, OC);
}

void fcvae_linear_backward(fcvae_real *dinp, fcvae_real *dweight, fcvae_real *dbias,
                           const fcvae_real *dout, const fcvae_real *inp, const fcvae_real *weight,
                           int B, int C, int OC)
{
	if (dinp)
		gemm(0, 0, B, C, OC, 1, dout, OC, weight, C, 1, dinp, C);
	gemm(1, 0, OC, C, B, 1, dout, OC, inp, C, 1, dweight, C);
	if (dbias)
		for (int b = 0; b < B; b++)
			for (int o = 0; o < OC; o++)
				dbias[o] += dout[(size_t)b * OC + o];
}

void fcvae_tanh_forward(fcvae_real *out, const fcvae_real *inp, int n)
{
#ifdef FCVAE_REAL_DOUBLE
	for (int i = 0; i < n; i++)
		out[i] = tanh(inp[i]);
#else
	if (out != inp)
		memcpy(out, inp, (size_t)n * sizeof *out);
	fcvae_tanh_inplace(out, n);
#endif
}

void fcvae_tanh_backward(fcvae_real *dinp, const fcvae_real *dout, const fcvae_real *out, int n)
{
	for (int i = 0; i < n; i++)
		dinp[i] += dout[i] * (1 - out[i] * out[i]);
}

void fcvae_softplus_forward(fcvae_real *out, const fcvae_real *inp, int n)
{
#ifdef FCVAE_REAL_DOUBLE
	for (int i = 0; i < n; i++)
		out[i] = inp[i] > 20 ? inp[i] : log1p(exp(inp[i]));
#else
	if (out != inp)
		memcpy(out, inp, (size_t)n * sizeof *out);
	fcvae_softplus_inplace(out, n);
#endif
}

void fcvae_softplus_backward(fcvae_real *dinp, const fcvae_real *dout, const fcvae_real *inp, int n)
{
	/* d softplus / dx = sigmoid(x); PyTorch's is exactly 1 above the threshold */
	for (int i = 0; i < n; i++)
		dinp[i] += dout[i] * (inp[i] > 20 ? 1 : 1 / (1 + EXP(-inp[i])));
}

void fcvae_relu_forward(fcvae_real *out, const fcvae_real *inp, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = inp[i] > 0 ? inp[i] : 0;
}

void fcvae_relu_backward(fcvae_real *dinp, const fcvae_real *dout, const fcvae_real *out, int n)
{
	for (int i = 0; i < n; i++)
		if (out[i] > 0)
			dinp[i] += dout[i];
}

void fcvae_layernorm_forward(fcvae_real *out, fcvae_real *mean, fcvae_real *rstd,
                             const fcvae_real *inp, const fcvae_real *weight, const fcvae_real *bias,
                             int B, int C)
{
	for (int b = 0; b < B; b++) {
		const fcvae_real *x = inp + (size_t)b * C;
		fcvae_real *y = out + (size_t)b * C;
		double m = 0, v = 0;
		for (int i = 0; i < C; i++)
			m += x[i];
		m /= C;
		for (int i = 0; i < C; i++)
			v += (x[i] - m) * (x[i] - m);
		double s = 1 / sqrt(v / C + 1e-5); /* biased variance, as PyTorch */
		for (int i = 0; i < C; i++)
			y[i] = (fcvae_real)((x[i] - m) * s) * weight[i] + bias[i];
		if (mean)
			mean[b] = m;
		if (rstd)
			rstd[b] = s;
	}
}

void fcvae_layernorm_backward(fcvae_real *dinp, fcvae_real *dweight, fcvae_real *dbias,
                              const fcvae_real *dout, const fcvae_real *inp, const fcvae_real *weight,
                              const fcvae_real *mean, const fcvae_real *rstd, int B, int C)
{
	for (int b = 0; b < B; b++) {
		const fcvae_real *x = inp + (size_t)b * C, *dy = dout + (size_t)b * C;
		fcvae_real *dx = dinp + (size_t)b * C;
		double dmean = 0, dnorm_norm = 0;
		for (int i = 0; i < C; i++) {
			double norm = (x[i] - mean[b]) * rstd[b];
			double dnorm = dy[i] * weight[i];
			dmean += dnorm;
			dnorm_norm += dnorm * norm;
		}
		dmean /= C;
		dnorm_norm /= C;
		for (int i = 0; i < C; i++) {
			double norm = (x[i] - mean[b]) * rstd[b];
			double dnorm = dy[i] * weight[i];
			dbias[i] += dy[i];
			dweight[i] += norm * dy[i];
			dx[i] += (dnorm - dmean - norm * dnorm_norm) * rstd[b];
		}
	}
}

void fcvae_attention_forward(fcvae_real *out, fcvae_real *att, const fcvae_real *q, const fcvae_real *k,
                             const fcvae_real *v, const fcvae_real *drop, int B, int T, int NH, int HD)
{
	int hs = HD / NH;
	double scale = 1 / sqrt(hs);
	for (int b = 0; b < B; b++)
		for (int h = 0; h < NH; h++) {
			const fcvae_real *qh = q + (size_t)b * HD + h * hs;
			fcvae_real *p = att + ((size_t)b * NH + h) * T;
			double max = -INFINITY, sum = 0;
			for (int t = 0; t < T; t++) {
				const fcvae_real *kh = k + ((size_t)b * T + t) * HD + h * hs;
				double s = 0;
				for (int i = 0; i < hs; i++)
					s += qh[i] * kh[i];
				p[t] = s * scale;
				if (p[t] > max)
					max = p[t];
			}
			for (int t = 0; t < T; t++) {
				p[t] = exp(p[t] - max);
				sum += p[t];
			}
			for (int t = 0; t < T; t++)
				p[t] /= sum;
			fcvae_real *o = out + (size_t)b * HD + h * hs;
			for (int i = 0; i < hs; i++)
				o[i] = 0;
			for (int t = 0; t < T; t++) {
				fcvae_real w = drop ? p[t] * drop[((size_t)b * NH + h) * T + t] : p[t];
				const fcvae_real *vh = v + ((size_t)b * T + t) * HD + h * hs;
				for (int i = 0; i < hs; i++)
					o[i] += w * vh[i];
			}
		}
}

void fcvae_attention_backward(fcvae_real *dq, fcvae_real *dk, fcvae_real *dv, const fcvae_real *dout,
                              const fcvae_real *att, const fcvae_real *drop, const fcvae_real *q,
                              const fcvae_real *k, const fcvae_real *v, int B, int T, int NH, int HD)
{
	int hs = HD / NH;
	double scale = 1 / sqrt(hs);
	for (int b = 0; b < B; b++)
		for (int h = 0; h < NH; h++) {
			size_t a0 = ((size_t)b * NH + h) * T;
			const fcvae_real *p = att + a0, *dof = dout + (size_t)b * HD + h * hs;
			const fcvae_real *qh = q + (size_t)b * HD + h * hs;
			/* dp_t = d out / d p_t (through the dropout); the softmax's
			 * backward needs Σ p·dp first, so dp is formed twice */
			double pdp = 0;
			for (int t = 0; t < T; t++) {
				const fcvae_real *vh = v + ((size_t)b * T + t) * HD + h * hs;
				fcvae_real *dvh = dv + ((size_t)b * T + t) * HD + h * hs;
				fcvae_real m = drop ? drop[a0 + t] : 1;
				double dw = 0;
				for (int i = 0; i < hs; i++) {
					dvh[i] += p[t] * m * dof[i];
					dw += dof[i] * vh[i];
				}
				pdp += p[t] * dw * m;
			}
			for (int t = 0; t < T; t++) {
				const fcvae_real *vh = v + ((size_t)b * T + t) * HD + h * hs;
				const fcvae_real *kh = k + ((size_t)b * T + t) * HD + h * hs;
				fcvae_real *dkh = dk + ((size_t)b * T + t) * HD + h * hs;
				fcvae_real *dqh = dq + (size_t)b * HD + h * hs;
				double dw = 0;
				for (int i = 0; i < hs; i++)
					dw += dof[i] * vh[i];
				double ds = p[t] * (dw * (drop ? drop[a0 + t] : 1) - pdp) * scale;
				for (int i = 0; i < hs; i++) {
					dqh[i] += ds * kh[i];
					dkh[i] += ds * qh[i];
				}
			}
		}
}

void fcvae_dropout_mask(fcvae_real *mask, int n, float p, fcvae_rng *rng)
{
	fcvae_real keep = 1 / (1 - (fcvae_real)p);
	for (int i = 0; i < n; i++)
		mask[i] = fcvae_rng_uniform(rng) < p ? 0 : keep;
}
