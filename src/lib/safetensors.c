/* safetensors.c — reading and writing the model file (safetensors with fcvae metadata). */
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "scaler.h"
#include "util.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the model file stores little-endian floats; this host is not little-endian"
#endif

/* The largest header fcvae-train writes is its loss histories: 1e6 epochs
 * (its --epochs limit), a train and a validation loss each, at most 14
 * bytes ("-1.23457e-100,"): 28 MB. Everything else is a few KB (a seed
 * model's header is 8 KB). A header is read whole, so more is refused
 * before any is read. */
#define MAX_HEADER_MIB 32
#define MAX_HEADER ((size_t)MAX_HEADER_MIB << 20)
/* Values the header's JSON may hold: FCVAE_MAX_TENSORS entries of 9
 * (dtype, shape of up to 3, two offsets) and 7 of metadata make 728. A
 * value is an 80-byte node, 40 times the "0," of junk that makes it: a
 * 50 MB header of junk took 2 GB; now it is refused at this count. */
#define MAX_HEADER_VALUES 4096
/* Values config, scaler or threshold may hold: config has 10 members and
 * up to FCVAE_MAX_HIDDEN sizes. "training" is free-form and holds the
 * histories: it is checked without keeping its values (fcvae_json_parse_root). */
#define MAX_META_VALUES 256

static int fail(char *err, size_t n, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t n, const char *path, const char *fmt, ...)
{
	if (err && n) {
		int k = snprintf(err, n, "%s: ", path);
		if (k >= 0 && (size_t)k < n) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + k, n - k, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

/* n bytes at off, all of them: a file that ends sooner changed while read. */
static int read_at(int fd, void *buf, size_t n, size_t off, const char *path, char *err, size_t errlen)
{
	for (size_t done = 0; done < n;) {
		ssize_t got = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return fail(err, errlen, path, "read error: %s", strerror(errno));
		if (got == 0)
			return fail(err, errlen, path, "ends at byte %zu while read (changed meanwhile?)", off + done);
		done += (size_t)got;
	}
	return 0;
}

/* A whole non-negative integer no larger than max, or -1. */
static long long json_int(const fcvae_json *v, long long max)
{
	if (!v || v->type != FCVAE_JSON_NUMBER || !(v->flags & FCVAE_JSON_INTEGER) || v->num < 0 ||
	    v->num > (double)max)
		return -1;
	return (long long)v->num;
}

/* The JSON object text of a metadata string parsed with p (valid until
 * its next parse), its root alone when root_only; NULL and why. */
static const fcvae_json *meta_object(fcvae_json_parser *p, int root_only, const fcvae_json *meta, const char *key,
                                     const char *path, char *err, size_t errlen)
{
	const fcvae_json *v = fcvae_json_get(meta, key), *root;
	if (!v)
		return fail(err, errlen, path, "metadata has no \"%s\"", key), NULL;
	if (v->type != FCVAE_JSON_STRING)
		return fail(err, errlen, path, "metadata \"%s\" is not a string", key), NULL;
	root = root_only ? fcvae_json_parse_root(p, v->str, v->slen) : fcvae_json_parse(p, v->str, v->slen);
	if (!root)
		return fail(err, errlen, path, "metadata \"%s\" is not JSON: %s", key, p->err), NULL;
	if (root->type != FCVAE_JSON_OBJECT)
		return fail(err, errlen, path, "metadata \"%s\" is not a JSON object", key), NULL;
	return root;
}

static int parse_config(fcvae_config *c, const fcvae_json *o, const char *path, char *err, size_t errlen)
{
	static const char *const names[] = {"window", "latent_dim", "condition_emb_dim", "d_model",
	                                    "d_inner", "n_head", "kernel_size", "stride"};
	int *fields[] = {&c->window, &c->latent, &c->cond, &c->d_model,
	                 &c->d_inner, &c->n_head, &c->kernel, &c->stride};
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		long long v = json_int(fcvae_json_get(o, names[i]), 1 << 30);
		if (v < 0)
			return fail(err, errlen, path, "config \"%s\" is missing or not a whole number", names[i]);
		*fields[i] = (int)v;
	}
	const fcvae_json *h = fcvae_json_get(o, "hidden_dims");
	if (!h || h->type != FCVAE_JSON_ARRAY || h->n < 1 || h->n > FCVAE_MAX_HIDDEN)
		return fail(err, errlen, path, "config \"hidden_dims\" must be an array of 1 to %d sizes",
		            FCVAE_MAX_HIDDEN);
	for (const fcvae_json *e = fcvae_json_first(h); e; e = fcvae_json_next(e)) {
		long long v = json_int(e, 1 << 30);
		if (v < 0)
			return fail(err, errlen, path, "config \"hidden_dims\" holds a value that is not a whole number");
		c->hidden[c->n_hidden++] = (int)v;
	}
	const fcvae_json *d = fcvae_json_get(o, "dropout_rate");
	if (!d || d->type != FCVAE_JSON_NUMBER)
		return fail(err, errlen, path, "config \"dropout_rate\" is missing or not a number");
	c->dropout = (float)d->num;
	char why[160];
	if (fcvae_config_check(c, why, sizeof why) < 0)
		return fail(err, errlen, path, "config: %s", why);
	return 0;
}

/* Metadata into m's config (before the model exists) and the rest after,
 * its JSON texts parsed with mp. */
static int parse_metadata(fcvae_json_parser *mp, const fcvae_json *meta, fcvae_config *cfg, int *transform,
                          double *mean, double *std, double *clip, int *has_thr, double *thr, char **training,
                          const char *path, char *err, size_t errlen)
{
	if (!meta)
		return fail(err, errlen, path, "header has no \"__metadata__\": not an fcvae model");
	if (meta->type != FCVAE_JSON_OBJECT)
		return fail(err, errlen, path, "\"__metadata__\" is not an object");
	/* strings compared whole: "fcvae\u0000junk" is not "fcvae" */
	if (!fcvae_json_str_is(fcvae_json_get(meta, "format"), "fcvae"))
		return fail(err, errlen, path, "metadata \"format\" is not \"fcvae\"");
	if (!fcvae_json_str_is(fcvae_json_get(meta, "version"), "1"))
		return fail(err, errlen, path, "metadata \"version\" is not \"1\" (unsupported model file version)");

	mp->max_values = MAX_META_VALUES;
	const fcvae_json *o = meta_object(mp, 0, meta, "config", path, err, errlen);
	if (!o || parse_config(cfg, o, path, err, errlen) < 0)
		return -1;

	if (!(o = meta_object(mp, 0, meta, "scaler", path, err, errlen)))
		return -1;
	const fcvae_json *mv = fcvae_json_get(o, "mean"), *sv = fcvae_json_get(o, "std");
	/* "clip" is absent from the files of the original system and of
	 * fcvae-train at the default: those were trained at ±FCVAE_CLIP_X */
	const fcvae_json *cv = fcvae_json_get(o, "clip");
	/* "transform" likewise: absent means none */
	const fcvae_json *tv = fcvae_json_get(o, "transform");
	int tf = tv && tv->type == FCVAE_JSON_STRING ? fcvae_transform_parse(tv->str, tv->slen) : FCVAE_TRANSFORM_NONE;
	if (!mv || mv->type != FCVAE_JSON_NUMBER || !isfinite(mv->num))
		return fail(err, errlen, path, "scaler \"mean\" is missing or not a finite number");
	if (!sv || sv->type != FCVAE_JSON_NUMBER || !isfinite(sv->num) || !(sv->num > 0))
		return fail(err, errlen, path, "scaler \"std\" is missing or not a positive number");
	if (cv && (cv->type != FCVAE_JSON_NUMBER || !isfinite(cv->num) || !(cv->num > 0)))
		return fail(err, errlen, path, "scaler \"clip\" is not a finite positive number");
	if (cv && cv->num > FCVAE_CLIP_X_MAX)
		return fail(err, errlen, path, "scaler \"clip\" %g is beyond %g standard deviations", cv->num,
		            FCVAE_CLIP_X_MAX);
	if (tv && (tv->type != FCVAE_JSON_STRING || tf < 0))
		return fail(err, errlen, path, "scaler \"transform\" is not \"none\" or \"sqrt\"");
	*transform = tf;
	*mean = mv->num;
	*std = sv->num;
	*clip = cv ? cv->num : FCVAE_CLIP_X;

	const fcvae_json *t = fcvae_json_get(meta, "threshold");
	if (!t || t->type != FCVAE_JSON_STRING)
		return fail(err, errlen, path, "metadata \"threshold\" is missing or not a string");
	if (!(o = fcvae_json_parse(mp, t->str, t->slen)))
		return fail(err, errlen, path, "metadata \"threshold\" is not JSON: %s", mp->err);
	if (o->type == FCVAE_JSON_NULL)
		*has_thr = 0;
	else if (o->type == FCVAE_JSON_NUMBER && isfinite(o->num)) {
		*has_thr = 1;
		*thr = o->num;
	} else
		return fail(err, errlen, path, "metadata \"threshold\" is neither a finite number nor null");

	mp->max_values = 0;
	if (!meta_object(mp, 1, meta, "training", path, err, errlen))
		return -1;
	const fcvae_json *tr = fcvae_json_get(meta, "training");
	*training = fcvae_xmalloc(tr->slen + 1);
	memcpy(*training, tr->str, tr->slen + 1);
	return 0;
}

/* Check one header entry against the tensor the config says it must be. */
static int check_tensor(const fcvae_json *e, const fcvae_tensor *t, size_t datalen, size_t *begin,
                        const char *path, char *err, size_t errlen)
{
	if (e->type != FCVAE_JSON_OBJECT)
		return fail(err, errlen, path, "tensor \"%s\": entry is not an object", t->name);
	const fcvae_json *dt = fcvae_json_get(e, "dtype");
	if (!dt || dt->type != FCVAE_JSON_STRING)
		return fail(err, errlen, path, "tensor \"%s\": no dtype", t->name);
	if (!fcvae_json_str_is(dt, "F32")) {
		fcvae_buf shown = {0};
		fcvae_json_add_string(&shown, dt->str, dt->slen < 64 ? dt->slen : 64);
		fail(err, errlen, path, "tensor \"%s\": dtype %s, expected \"F32\"", t->name, shown.p);
		fcvae_buf_free(&shown);
		return -1;
	}
	const fcvae_json *sh = fcvae_json_get(e, "shape");
	if (!sh || sh->type != FCVAE_JSON_ARRAY)
		return fail(err, errlen, path, "tensor \"%s\": no shape", t->name);
	int ok = (int)sh->n == t->ndim;
	for (int i = 0; ok && i < t->ndim; i++)
		ok = json_int(fcvae_json_at(sh, i), 1 << 30) == t->shape[i];
	if (!ok) {
		char want[48];
		if (t->ndim == 1)
			snprintf(want, sizeof want, "[%d]", t->shape[0]);
		else if (t->ndim == 2)
			snprintf(want, sizeof want, "[%d, %d]", t->shape[0], t->shape[1]);
		else
			snprintf(want, sizeof want, "[%d, %d, %d]", t->shape[0], t->shape[1], t->shape[2]);
		return fail(err, errlen, path, "tensor \"%s\": shape %.*s does not match the config's %s",
		            t->name, (int)(sh->len < 64 ? sh->len : 64), sh->src, want);
	}
	const fcvae_json *off = fcvae_json_get(e, "data_offsets");
	long long b = -1, en = -1;
	if (off && off->type == FCVAE_JSON_ARRAY && off->n == 2) {
		b = json_int(fcvae_json_at(off, 0), (long long)datalen);
		en = json_int(fcvae_json_at(off, 1), (long long)datalen);
	}
	if (b < 0 || en < b)
		return fail(err, errlen, path, "tensor \"%s\": data_offsets missing or outside the data (%zu bytes)",
		            t->name, datalen);
	if ((size_t)(en - b) != t->size * sizeof(float))
		return fail(err, errlen, path, "tensor \"%s\": data_offsets span %lld bytes, its shape needs %zu",
		            t->name, en - b, t->size * sizeof(float));
	*begin = (size_t)b;
	return 0;
}

typedef struct {
	size_t begin, end;
	int tensor;
} span;

static int by_begin(const void *a, const void *b)
{
	const span *x = a, *y = b;
	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* The model in fd, a file of flen bytes: its header is read and checked
 * first, then only the data its tensors need, so that junk appended, a
 * sparse file of gigabytes or a wrong header costs no memory. */
static fcvae_model *load(int fd, size_t flen, const char *path, char *err, size_t errlen)
{
	if (flen < 8) {
		fail(err, errlen, path, "%zu bytes: too short for a model file", flen);
		return NULL;
	}
	unsigned char len[8];
	if (read_at(fd, len, 8, 0, path, err, errlen) < 0)
		return NULL;
	uint64_t hlen = 0;
	for (int i = 7; i >= 0; i--)
		hlen = hlen << 8 | len[i];
	if (hlen > flen - 8) {
		fail(err, errlen, path, "header length %llu is beyond the end of the file (%zu bytes): truncated or not a model file",
		     (unsigned long long)hlen, flen);
		return NULL;
	}
	if (hlen > MAX_HEADER) {
		fail(err, errlen, path, "header length %llu exceeds the %d MiB limit: not a model file",
		     (unsigned long long)hlen, MAX_HEADER_MIB);
		return NULL;
	}
	size_t datalen = flen - 8 - hlen;

	fcvae_json_parser p, mp;
	fcvae_json_parser_init(&p);
	fcvae_json_parser_init(&mp);
	p.max_values = MAX_HEADER_VALUES;
	fcvae_model *m = NULL;
	char *training = NULL, *htext = fcvae_xmalloc(hlen + 1);
	unsigned char *data = NULL;
	span *spans = NULL;
	if (read_at(fd, htext, hlen, 8, path, err, errlen) < 0)
		goto out;
	const fcvae_json *root = fcvae_json_parse(&p, htext, hlen);
	if (!root) {
		fail(err, errlen, path, "header is not valid JSON: %s", p.err);
		goto out;
	}
	if (root->type != FCVAE_JSON_OBJECT) {
		fail(err, errlen, path, "header is not a JSON object");
		goto out;
	}

	fcvae_config cfg;
	double mean = 0, std = 1, clip = FCVAE_CLIP_X, thr = 0;
	int has_thr = 0, transform = FCVAE_TRANSFORM_NONE;
	if (parse_metadata(&mp, fcvae_json_get(root, "__metadata__"), &cfg, &transform, &mean, &std, &clip, &has_thr,
	                   &thr, &training, path, err, errlen) < 0)
		goto out;

	fcvae_layout lay;
	fcvae_layout_build(&lay, &cfg);
	spans = fcvae_xcalloc(lay.n, sizeof *spans);
	int found = 0;
	for (const fcvae_json *e = fcvae_json_first(root); e; e = fcvae_json_next(e)) {
		if (fcvae_json_key_is(e, "__metadata__"))
			continue;
		const fcvae_tensor *t = strlen(e->key) == e->keylen ? fcvae_layout_find(&lay, e->key) : NULL;
		if (!t) {
			/* as a JSON string: a name may hold "\u0000" */
			fcvae_buf shown = {0};
			fcvae_json_add_string(&shown, e->key, e->keylen < 200 ? e->keylen : 200);
			fail(err, errlen, path, "tensor %s is not part of a model with this config", shown.p);
			fcvae_buf_free(&shown);
			goto out;
		}
		int ti = (int)(t - lay.t);
		if (spans[ti].end) {
			fail(err, errlen, path, "tensor \"%s\" appears twice", e->key);
			goto out;
		}
		if (check_tensor(e, t, datalen, &spans[ti].begin, path, err, errlen) < 0)
			goto out;
		spans[ti].end = spans[ti].begin + t->size * sizeof(float);
		spans[ti].tensor = ti;
		found++;
	}
	if (found < lay.n) {
		for (int i = 0; i < lay.n; i++)
			if (!spans[i].end) {
				fail(err, errlen, path, "tensor \"%s\" is missing", lay.t[i].name);
				goto out;
			}
	}
	/* Python's safetensors insists the tensors tile the data exactly: no
	 * gaps, no overlaps, nothing left over. */
	qsort(spans, lay.n, sizeof *spans, by_begin);
	size_t at = 0;
	for (int i = 0; i < lay.n; i++) {
		if (spans[i].begin != at) {
			fail(err, errlen, path, "tensor \"%s\" starts at byte %zu of the data, expected %zu (%s)",
			     lay.t[spans[i].tensor].name, spans[i].begin, at,
			     spans[i].begin < at ? "overlapping tensors" : "a gap between tensors");
			goto out;
		}
		at = spans[i].end;
	}
	if (at != datalen) {
		fail(err, errlen, path, "%zu bytes, %zu expected: the data holds %zu bytes, the tensors %zu", flen,
		     8 + (size_t)hlen + at, datalen, at);
		goto out;
	}
	data = fcvae_xmalloc(datalen + 1);
	if (read_at(fd, data, datalen, 8 + hlen, path, err, errlen) < 0)
		goto out;

	m = fcvae_model_new(&cfg);
	for (int i = 0; i < lay.n; i++) {
		const fcvae_tensor *t = &lay.t[spans[i].tensor];
		float *dst = m->params + t->offset;
		memcpy(dst, data + spans[i].begin, t->size * sizeof(float));
		for (size_t j = 0; j < t->size; j++)
			if (!isfinite(dst[j])) {
				fail(err, errlen, path, "tensor \"%s\" holds a non-finite value at index %zu", t->name, j);
				fcvae_model_free(m);
				m = NULL;
				goto out;
			}
	}
	m->mean = mean;
	m->std = std;
	m->clip = clip;
	m->transform = transform;
	m->has_threshold = has_thr;
	m->threshold = thr;
	free(m->training);
	m->training = training;
	training = NULL;
	m->path = fcvae_xstrdup(path);
out:
	free(data);
	free(spans);
	free(training);
	free(htext);
	fcvae_json_parser_free(&p);
	fcvae_json_parser_free(&mp);
	return m;
}

fcvae_model *fcvae_model_load(const char *path, char *err, size_t errlen)
{
	/* non-blocking: a FIFO must not wait here for a writer, only be refused */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fail(err, errlen, path, "%s", strerror(errno));
		return NULL;
	}
	struct stat st;
	fcvae_model *m = NULL;
	if (fstat(fd, &st) != 0)
		fail(err, errlen, path, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		fail(err, errlen, path, "not a regular file");
	else
		m = load(fd, (size_t)st.st_size, path, err, errlen);
	close(fd);
	return m;
}

/* A metadata value: the JSON text in b, written as a JSON string. */
static void meta_entry(fcvae_buf *h, const char *key, const fcvae_buf *b)
{
	fcvae_json_add_key(h, key);
	fcvae_json_add_string(h, b->p, b->len);
	fcvae_buf_addc(h, ',');
}

static void build_header(fcvae_buf *h, const fcvae_model *m)
{
	const fcvae_config *c = &m->cfg;
	fcvae_buf b = {0};

	fcvae_buf_adds(h, "{\"__metadata__\":{\"format\":\"fcvae\",\"version\":\"1\",");
	fcvae_buf_printf(&b,
	                 "{\"window\":%d,\"latent_dim\":%d,\"condition_emb_dim\":%d,\"d_model\":%d,"
	                 "\"d_inner\":%d,\"n_head\":%d,\"kernel_size\":%d,\"stride\":%d,\"hidden_dims\":[",
	                 c->window, c->latent, c->cond, c->d_model, c->d_inner, c->n_head, c->kernel, c->stride);
	for (int i = 0; i < c->n_hidden; i++)
		fcvae_buf_printf(&b, "%s%d", i ? "," : "", c->hidden[i]);
	fcvae_buf_adds(&b, "],\"dropout_rate\":");
	fcvae_json_add_float(&b, c->dropout);
	fcvae_buf_addc(&b, '}');
	meta_entry(h, "config", &b);

	fcvae_buf_clear(&b);
	fcvae_buf_adds(&b, "{\"mean\":");
	fcvae_json_add_number(&b, m->mean);
	fcvae_buf_adds(&b, ",\"std\":");
	fcvae_json_add_number(&b, m->std);
	/* only when not the default, so that files trained at the default
	 * keep the bytes they had before models named their clip */
	if (m->clip != FCVAE_CLIP_X) {
		fcvae_buf_adds(&b, ",\"clip\":");
		fcvae_json_add_number(&b, m->clip);
	}
	if (m->transform != FCVAE_TRANSFORM_NONE) {
		fcvae_buf_adds(&b, ",\"transform\":");
		fcvae_json_add_cstring(&b, fcvae_transform_name(m->transform));
	}
	fcvae_buf_addc(&b, '}');
	meta_entry(h, "scaler", &b);

	fcvae_buf_clear(&b);
	if (m->has_threshold)
		fcvae_json_add_number(&b, m->threshold);
	else
		fcvae_buf_adds(&b, "null");
	meta_entry(h, "threshold", &b);

	fcvae_json_add_key(h, "training");
	fcvae_json_add_cstring(h, m->training ? m->training : "{}");
	fcvae_buf_addc(h, '}');
	fcvae_buf_free(&b);

	const fcvae_layout *l = &m->layout;
	for (int i = 0; i < l->n; i++) {
		const fcvae_tensor *t = &l->t[i];
		fcvae_buf_addc(h, ',');
		fcvae_json_add_key(h, t->name);
		fcvae_buf_adds(h, "{\"dtype\":\"F32\",\"shape\":[");
		for (int d = 0; d < t->ndim; d++)
			fcvae_buf_printf(h, "%s%d", d ? "," : "", t->shape[d]);
		fcvae_buf_printf(h, "],\"data_offsets\":[%zu,%zu]}", t->offset * sizeof(float),
		                 (t->offset + t->size) * sizeof(float));
	}
	fcvae_buf_addc(h, '}');
	/* the data then starts 8-byte aligned, as Python's safetensors pads it */
	while (h->len % 8)
		fcvae_buf_addc(h, ' ');
}

int fcvae_model_save(const fcvae_model *m, const char *path)
{
	fcvae_buf h = {0};
	build_header(&h, m);
	unsigned char len[8];
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)h.len >> (8 * i));

	fcvae_atomic a;
	if (fcvae_atomic_open(&a, path) < 0) {
		fcvae_buf_free(&h);
		return -1;
	}
	/* the layout is contiguous in tensor order, so the data is params as is */
	fwrite(len, 1, 8, a.fp);
	fcvae_buf_write(&h, a.fp);
	fwrite(m->params, sizeof(float), m->layout.total, a.fp);
	fcvae_buf_free(&h);
	return fcvae_atomic_commit(&a);
}
