/* layers.h — the model's layers as forward/backward pairs (llm.c style):
 * outputs first, then inputs, then sizes; backward accumulates (+=) into
 * every gradient it is given, zeroing is the caller's; a NULL input
 * gradient is skipped (the input is data).
 *
 * fcvae_real is float in the library. The gradient-check test compiles
 * layers.c and elbo.c a second time with FCVAE_REAL_DOUBLE defined, so the
 * finite differences run on this same code in double. */
#ifndef FCVAE_LAYERS_H
#define FCVAE_LAYERS_H

#include "rng.h"

#ifdef FCVAE_REAL_DOUBLE
typedef double fcvae_real;
#else
typedef float fcvae_real;
#endif

/* out (B,OC) = inp (B,C) · weight (OC,C)ᵀ + bias (OC); bias may be NULL. */
void fcvae_linear_forward(fcvae_real *out, const fcvae_real *inp, const fcvae_real *weight,
                          const fcvae_real *bias, int B, int C, int OC);
void fcvae_linear_backward(fcvae_real *dinp, fcvae_real *dweight, fcvae_real *dbias,
                           const fcvae_real *dout, const fcvae_real *inp, const fcvae_real *weight,
                           int B, int C, int OC);

/* Elementwise, n values; in place is allowed (out == inp). The backwards
 * take the forward's output (tanh, relu) or input (softplus). */
void fcvae_tanh_forward(fcvae_real *out, const fcvae_real *inp, int n);
void fcvae_tanh_backward(fcvae_real *dinp, const fcvae_real *dout, const fcvae_real *out, int n);
/* PyTorch's Softplus: log(1 + e^x), and x itself above 20. */
void fcvae_softplus_forward(fcvae_real *out, const fcvae_real *inp, int n);
void fcvae_softplus_backward(fcvae_real *dinp, const fcvae_real *dout, const fcvae_real *inp, int n);
void fcvae_relu_forward(fcvae_real *out, const fcvae_real *inp, int n);
void fcvae_relu_backward(fcvae_real *dinp, const fcvae_real *dout, const fcvae_real *out, int n);

/* LayerNorm over C, eps 1e-5: out, inp (B,C); mean, rstd (B) are kept for
 * the backward and may be NULL in inference. */
void fcvae_layernorm_forward(fcvae_real *out, fcvae_real *mean, fcvae_real *rstd,
                             const fcvae_real *inp, const fcvae_real *weight, const fcvae_real *bias,
                             int B, int C);
void fcvae_layernorm_backward(fcvae_real *dinp, fcvae_real *dweight, fcvae_real *dbias,
                              const fcvae_real *dout, const fcvae_real *inp, const fcvae_real *weight,
                              const fcvae_real *mean, const fcvae_real *rstd, int B, int C);

/* Multi-head attention of one query per window (the last sub-window's: the
 * only row the condition keeps) over the window's T keys. HD = NH·hs.
 * q (B,HD), k and v (B,T,HD), out (B,HD); att (B,NH,T) receives the softmax
 * of q·kᵀ/√hs over the keys. drop (B,NH,T) is a dropout mask applied to the
 * attention weights (NULL: none). */
void fcvae_attention_forward(fcvae_real *out, fcvae_real *att, const fcvae_real *q, const fcvae_real *k,
                             const fcvae_real *v, const fcvae_real *drop, int B, int T, int NH, int HD);
void fcvae_attention_backward(fcvae_real *dq, fcvae_real *dk, fcvae_real *dv, const fcvae_real *dout,
                              const fcvae_real *att, const fcvae_real *drop, const fcvae_real *q,
                              const fcvae_real *k, const fcvae_real *v, int B, int T, int NH, int HD);

/* Inverted dropout: mask (n) gets 0 with probability p, else 1/(1-p);
 * the layer is then x·mask forward and dx·mask backward. */
void fcvae_dropout_mask(fcvae_real *mask, int n, float p, fcvae_rng *rng);

#endif
