/* test-layout.c — parameter layout and config checks, and the counter-based RNG. */
#include <string.h>

#include "model.h"
#include "rng.h"
#include "unit.h"

int main(void)
{
	fcvae_config c;
	fcvae_layout l;
	char err[256];

	fcvae_config_default(&c);
	CHECK(fcvae_config_check(&c, err, sizeof err) == 0, "seed config is valid");
	fcvae_layout_build(&l, &c);
	/* the original's seed models hold 282336 bytes of F32 data */
	CHECK(l.total * 4 == 282336, "seed layout has %zu floats", l.total);
	CHECK(l.n == 40, "seed layout has %d tensors", l.n);
	CHECK(!strcmp(l.t[0].name, "encoder.0.0.weight") && l.t[0].shape[0] == 64 && l.t[0].shape[1] == 56,
	      "first tensor is encoder.0.0.weight [64, 56]");
	const fcvae_tensor *t = fcvae_layout_find(&l, "atten.0.pos_ffn.w_1.weight");
	CHECK(t && t->ndim == 3 && t->shape[0] == 128 && t->shape[1] == 64 && t->shape[2] == 1,
	      "pos_ffn.w_1 is a 1x1 conv [128, 64, 1]");
	t = fcvae_layout_find(&l, "decoder.1.0.weight");
	CHECK(t && t->shape[0] == 24 && t->shape[1] == 64, "last decoder layer maps hidden to W");
	CHECK(fcvae_config_n_sub(&c) == 5, "seed config has 5 sub-windows");

	c.kernel = 9;
	CHECK(fcvae_config_check(&c, err, sizeof err) != 0 && strstr(err, "kernel"), "odd kernel rejected: %s", err);
	fcvae_config_default(&c);
	c.window = 23;
	CHECK(fcvae_config_check(&c, err, sizeof err) != 0 && strstr(err, "window"), "odd window rejected: %s", err);
	fcvae_config_default(&c);
	c.kernel = 24;
	CHECK(fcvae_config_check(&c, err, sizeof err) != 0, "kernel = window rejected: %s", err);
	fcvae_config_default(&c);
	c.stride = 0;
	CHECK(fcvae_config_check(&c, err, sizeof err) != 0, "stride 0 rejected: %s", err);

	/* other_config of the vectors: hidden (48, 40) */
	c.window = 32, c.latent = 4, c.cond = 8, c.d_model = 32, c.d_inner = 64, c.n_head = 2;
	c.kernel = 12, c.stride = 4, c.n_hidden = 2, c.hidden[0] = 48, c.hidden[1] = 40;
	fcvae_layout_build(&l, &c);
	t = fcvae_layout_find(&l, "decoder_input.weight");
	CHECK(t && t->shape[0] == 40 && t->shape[1] == 20, "decoder_input [40, 20]");
	t = fcvae_layout_find(&l, "decoder.0.0.weight");
	CHECK(t && t->shape[0] == 48 && t->shape[1] == 40, "decoder.0.0 [48, 40]");

	/* RNG: same (seed, stream) gives the same numbers; another stream differs */
	fcvae_rng a, b, d;
	fcvae_rng_init(&a, 42, 7);
	fcvae_rng_init(&b, 42, 7);
	fcvae_rng_init(&d, 42, 8);
	int same = 1, differ = 0;
	double sum = 0, sum2 = 0;
	for (int i = 0; i < 100000; i++) {
		double x = fcvae_rng_normal(&a);
		same &= x == fcvae_rng_normal(&b);
		differ |= x != fcvae_rng_normal(&d);
		sum += x;
		sum2 += x * x;
	}
	CHECK(same, "same seed and stream repeat");
	CHECK(differ, "another stream differs");
	CHECK(fabs(sum / 1e5) < 0.02 && fabs(sum2 / 1e5 - 1) < 0.02, "normal mean %.4f var %.4f", sum / 1e5, sum2 / 1e5);
	return unit_done();
}
