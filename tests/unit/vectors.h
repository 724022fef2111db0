/* vectors.h — reading the reference vectors (tests/data/fcvae_ref.json, a
 * copy of shared/vectors) into configs, models and arrays for unit tests. */
#ifndef FCVAE_VECTORS_H
#define FCVAE_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"

#define VECTORS_PATH "tests/data/fcvae_ref.json"

/* The whole file; exits the test on failure (nothing else could be checked). */
__attribute__((unused))
static void vec_load(fcvae_json_doc *d)
{
	char err[256];
	if (fcvae_json_doc_load(d, VECTORS_PATH, err, sizeof err) < 0) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
}

/* Case i ("seed_config", "other_config"), or NULL. */
__attribute__((unused))
static const fcvae_json *vec_case(const fcvae_json_doc *d, int i)
{
	return fcvae_json_at(fcvae_json_get(d->root, "cases"), (size_t)i);
}

__attribute__((unused))
static int vec_int(const fcvae_json *obj, const char *key)
{
	const fcvae_json *v = fcvae_json_get(obj, key);
	return v && v->type == FCVAE_JSON_NUMBER ? (int)v->num : -1;
}

__attribute__((unused))
static void vec_config(const fcvae_json *cs, fcvae_config *c)
{
	const fcvae_json *j = fcvae_json_get(cs, "config");
	memset(c, 0, sizeof *c);
	c->window = vec_int(j, "window");
	c->latent = vec_int(j, "latent_dim");
	c->cond = vec_int(j, "condition_emb_dim");
	c->d_model = vec_int(j, "d_model");
	c->d_inner = vec_int(j, "d_inner");
	c->n_head = vec_int(j, "n_head");
	c->kernel = vec_int(j, "kernel_size");
	c->stride = vec_int(j, "stride");
	const fcvae_json *h = fcvae_json_get(j, "hidden_dims");
	for (const fcvae_json *e = fcvae_json_first(h); e && c->n_hidden < FCVAE_MAX_HIDDEN; e = fcvae_json_next(e))
		c->hidden[c->n_hidden++] = (int)e->num;
	c->dropout = (float)fcvae_json_get(j, "dropout_rate")->num;
}

/* A flat array of numbers (nested arrays flattened in order) as doubles;
 * *n gets the count. */
__attribute__((unused))
static double *vec_doubles(const fcvae_json *a, size_t *n)
{
	size_t k = 0;
	if (!a) {
		*n = 0;
		return malloc(sizeof(double));
	}
	/* a subtree has fewer numbers than nodes */
	double *out = malloc(a->size * sizeof *out);
	for (const fcvae_json *e = a; e < a + a->size; e++)
		if (e->type == FCVAE_JSON_NUMBER)
			out[k++] = e->num;
	*n = k;
	return out;
}

__attribute__((unused))
static float *vec_floats(const fcvae_json *a, size_t *n)
{
	double *d = vec_doubles(a, n);
	float *f = malloc((*n ? *n : 1) * sizeof *f);
	for (size_t i = 0; i < *n; i++)
		f[i] = (float)d[i];
	free(d);
	return f;
}

/* The case's model: its config, its parameters rounded to float. NULL (and
 * a message) when a tensor is missing or has the wrong size. */
__attribute__((unused))
static fcvae_model *vec_model(const fcvae_json *cs)
{
	fcvae_config c;
	vec_config(cs, &c);
	fcvae_model *m = fcvae_model_new(&c);
	for (const fcvae_json *p = fcvae_json_first(fcvae_json_get(cs, "params")); p; p = fcvae_json_next(p)) {
		const fcvae_json *name = fcvae_json_get(p, "name");
		const fcvae_tensor *t = name ? fcvae_layout_find(&m->layout, name->str) : NULL;
		size_t n;
		double *d = vec_doubles(fcvae_json_get(p, "data"), &n);
		if (!t || n != t->size) {
			printf("# vectors: tensor %s does not fit the layout\n", name ? name->str : "?");
			free(d);
			fcvae_model_free(m);
			return NULL;
		}
		for (size_t i = 0; i < n; i++)
			m->params[t->offset + i] = (float)d[i];
		free(d);
	}
	return m;
}

#endif
