/* fuzz-model.c — fuzz target: the model loader (safetensors.c, SPEC §9). A
 * model it accepts must hold a config that checks and finite parameters. */
#include <math.h>
#include <stdlib.h>

#include "fuzz.h"
#include "model.h"
#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	fcvae_model *m = fcvae_model_load(fuzz_file(data, size), err, sizeof err);
	if (m) {
		char why[160];
		if (fcvae_config_check(&m->cfg, why, sizeof why) != 0 || !(m->std > 0) || !isfinite(m->mean))
			abort();
		fcvae_model_free(m);
	}
	return 0;
}
