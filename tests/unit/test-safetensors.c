/* test-safetensors.c — the model file: round trip, the layout a Python
 * safetensors reader expects, the seed models, and rejection of bad files. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "model.h"
#include "safetensors.h"
#include "scaler.h"
#include "unit.h"
#include "util.h"
#include "vectors.h"

static char dir[] = "/tmp/fcvae-test-st.XXXXXX";

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	*len = (size_t)ftell(fp);
	rewind(fp);
	unsigned char *p = malloc(*len + 1);
	if (fread(p, 1, *len, fp) != *len) {
		free(p);
		p = NULL;
	}
	fclose(fp);
	return p;
}

static void spit(const char *path, const void *p, size_t len)
{
	FILE *fp = fopen(path, "wb");
	fwrite(p, 1, len, fp);
	fclose(fp);
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Replace the first occurrence of old in the header by new (same length). */
static int patch(unsigned char *file, const char *old, const char *new)
{
	size_t hlen = (size_t)le64(file), n = strlen(old);
	for (size_t i = 8; i + n <= 8 + hlen; i++)
		if (!memcmp(file + i, old, n)) {
			memcpy(file + i, new, n);
			return 1;
		}
	return 0;
}

/* file with the first old in its header replaced by new, of any length:
 * the header padded again and its length set; into *b. */
static void edit_header(fcvae_buf *b, const unsigned char *file, size_t len, const char *old, const char *new)
{
	size_t hlen = (size_t)le64(file);
	const char *h = (const char *)file + 8, *at = memmem(h, hlen, old, strlen(old));
	fcvae_buf_clear(b);
	fcvae_buf_add(b, "12345678", 8);
	if (!at) { /* the test names a text that is not there: a broken test */
		printf("Bail out! \"%s\" is not in the header\n", old);
		exit(1);
	}
	size_t end = hlen;
	while (end > 0 && h[end - 1] == ' ')
		end--;
	fcvae_buf_add(b, h, (size_t)(at - h));
	fcvae_buf_adds(b, new);
	fcvae_buf_add(b, at + strlen(old), end - (size_t)(at - h) - strlen(old));
	while (b->len % 8)
		fcvae_buf_addc(b, ' ');
	for (int i = 0; i < 8; i++)
		b->p[i] = (char)((uint64_t)(b->len - 8) >> (8 * i));
	fcvae_buf_add(b, file + 8 + hlen, len - 8 - hlen);
}

#ifndef __SANITIZE_ADDRESS__ /* ASan's shadow memory needs the address space */
/* Bytes of address space the process holds now. */
static size_t vm_size(void)
{
	unsigned long pages = 0;
	FILE *fp = fopen("/proc/self/statm", "r");
	if (fp) {
		if (fscanf(fp, "%lu", &pages) != 1)
			pages = 0;
		fclose(fp);
	}
	return pages * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

/* fcvae_model_load(path) in mb MB of address space beyond what the process
 * holds (not under ASan, whose shadow memory needs the address space). */
static fcvae_model *load_within(const char *path, char *err, size_t errlen, size_t mb)
{
#ifndef __SANITIZE_ADDRESS__
	struct rlimit old, lim;
	getrlimit(RLIMIT_AS, &old);
	lim = old;
	lim.rlim_cur = vm_size() + (mb << 20);
	setrlimit(RLIMIT_AS, &lim);
#else
	(void)mb;
#endif
	fcvae_model *m = fcvae_model_load(path, err, errlen);
#ifndef __SANITIZE_ADDRESS__
	setrlimit(RLIMIT_AS, &old);
#endif
	return m;
}

/* Writing data as a file must make the loader fail naming the file and why. */
static void reject(const char *what, const void *data, size_t len, const char *why)
{
	char path[256], err[512] = "";
	snprintf(path, sizeof path, "%s/bad.safetensors", dir);
	spit(path, data, len);
	fcvae_model *m = fcvae_model_load(path, err, sizeof err);
	CHECK(!m && strstr(err, path) && strstr(err, why), "%s rejected: %s", what, err);
	fcvae_model_free(m);
}

/* What a Python reader (json + struct, or safetensors) relies on, checked
 * against the vectors' own tensors rather than our layout. */
static void check_layout(const char *path, const fcvae_json *cs, const char *what)
{
	size_t len;
	unsigned char *file = slurp(path, &len);
	uint64_t hlen = le64(file);
	CHECK(hlen + 8 <= len && (hlen + 8) % 8 == 0, "%s: header length %llu, data 8-byte aligned", what,
	      (unsigned long long)hlen);
	CHECK(file[8] == '{', "%s: header starts with '{'", what);
	size_t end = hlen;
	while (end > 0 && file[8 + end - 1] == ' ')
		end--;
	CHECK(file[8 + end - 1] == '}' && hlen - end < 8, "%s: header padded with %zu spaces", what, hlen - end);

	fcvae_json_doc h;
	char err[256];
	int ok = fcvae_json_doc_parse(&h, (const char *)file + 8, hlen, err, sizeof err) == 0;
	CHECK(ok, "%s: header is JSON %s", what, ok ? "" : err);
	if (!ok) {
		free(file);
		return;
	}
	const fcvae_json *meta = fcvae_json_get(h.root, "__metadata__");
	static const char *const keys[] = {"format", "version", "config", "scaler", "threshold", "training"};
	int strings = meta && meta->n == 6;
	for (int i = 0; i < 6; i++) {
		const fcvae_json *v = fcvae_json_get(meta, keys[i]);
		strings &= v && v->type == FCVAE_JSON_STRING;
	}
	CHECK(strings, "%s: __metadata__ has the six keys, all strings", what);
	const fcvae_json *fmt = fcvae_json_get(meta, "format");
	CHECK(fmt && !strcmp(fmt->str, "fcvae"), "%s: format fcvae", what);

	/* every tensor of the vectors, F32, its shape, offsets tiling the data */
	const fcvae_json *params = fcvae_json_get(cs, "params");
	size_t at = 0, datalen = len - 8 - hlen;
	int n = 0, dtype_ok = 1, shape_ok = 1, offs_ok = 1, data_ok = 1;
	for (const fcvae_json *p = fcvae_json_first(params); p; p = fcvae_json_next(p), n++) {
		const fcvae_json *e = fcvae_json_get(h.root, fcvae_json_get(p, "name")->str);
		if (!e) {
			shape_ok = 0;
			continue;
		}
		const fcvae_json *dt = fcvae_json_get(e, "dtype");
		dtype_ok &= dt && !strcmp(dt->str, "F32");
		const fcvae_json *want = fcvae_json_get(p, "shape"), *got = fcvae_json_get(e, "shape");
		shape_ok &= got && got->n == want->n;
		for (size_t i = 0; shape_ok && i < want->n; i++)
			shape_ok &= fcvae_json_at(got, i)->num == fcvae_json_at(want, i)->num;
		const fcvae_json *off = fcvae_json_get(e, "data_offsets");
		size_t b = (size_t)fcvae_json_at(off, 0)->num, en = (size_t)fcvae_json_at(off, 1)->num;
		size_t nv;
		double *v = vec_doubles(fcvae_json_get(p, "data"), &nv);
		offs_ok &= b == at && en == b + 4 * nv && en <= datalen;
		for (size_t i = 0; offs_ok && i < nv; i++) {
			float f = (float)v[i], g;
			memcpy(&g, file + 8 + hlen + b + 4 * i, 4);
			data_ok &= !memcmp(&f, &g, 4);
		}
		free(v);
		at = en;
	}
	CHECK(n > 0 && h.root->n == (uint32_t)n + 1, "%s: %d tensors and __metadata__, nothing else", what, n);
	CHECK(dtype_ok, "%s: every dtype F32", what);
	CHECK(shape_ok, "%s: every shape as the vectors'", what);
	CHECK(offs_ok && at == datalen, "%s: data_offsets contiguous in order, covering all %zu data bytes", what, datalen);
	CHECK(data_ok, "%s: data is the vectors' parameters as little-endian F32", what);
	fcvae_json_doc_free(&h);
	free(file);
}

static void round_trip(const fcvae_json *cs, int with_threshold)
{
	const char *name = fcvae_json_get(cs, "name")->str;
	char path[256], err[512] = "";
	snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
	fcvae_model *m = vec_model(cs);
	if (!CHECK(m != NULL, "%s: vectors' parameters fit the layout", name))
		return;
	m->mean = 1632.758845899471;
	m->std = 980.5461869277427;
	m->has_threshold = with_threshold;
	m->threshold = -0.2975213015079498;
	free(m->training);
	m->training = fcvae_xstrdup("{\"epochs\": 3, \"note\": \"caf\xc3\xa9 \\\"quoted\\\"\"}");
	CHECK(fcvae_model_save(m, path) == 0, "%s: saved", name);
	fcvae_model *r = fcvae_model_load(path, err, sizeof err);
	if (!CHECK(r != NULL, "%s: loads back %s", name, err)) {
		fcvae_model_free(m);
		return;
	}
	CHECK(r->layout.total == m->layout.total &&
	      !memcmp(r->params, m->params, m->layout.total * sizeof(float)),
	      "%s: %zu parameters round-trip bit for bit", name, m->layout.total);
	CHECK(!memcmp(&r->cfg, &m->cfg, sizeof r->cfg), "%s: config round-trips", name);
	CHECK(r->mean == m->mean && r->std == m->std && r->clip == FCVAE_CLIP_X,
	      "%s: scaler round-trips exactly, clip %g", name, r->clip);
	CHECK(r->has_threshold == with_threshold && (!with_threshold || r->threshold == m->threshold),
	      "%s: threshold %s round-trips", name, with_threshold ? "-0.2975213015079498" : "null");
	CHECK(!strcmp(r->training, m->training), "%s: training text round-trips", name);
	CHECK(r->path && !strcmp(r->path, path), "%s: model knows its file", name);
	check_layout(path, cs, name);
	fcvae_model_free(r);
	fcvae_model_free(m);
}

/* The scaler's header text of a saved model, as it stands in the file. */
static int header_has(const char *path, const char *text)
{
	size_t len;
	unsigned char *f = slurp(path, &len);
	int has = f && memmem(f + 8, (size_t)le64(f), text, strlen(text)) != NULL;
	free(f);
	return has;
}

/* A clip other than the default, and a transform other than none, are
 * stored and read back; the defaults are not written at all, so such files
 * keep their old bytes. */
static void scaler_round_trip(const fcvae_json *cs)
{
	char path[256], err[512] = "";
	snprintf(path, sizeof path, "%s/scaler.safetensors", dir);
	fcvae_model *m = vec_model(cs);
	CHECK(m->clip == FCVAE_CLIP_X && m->transform == FCVAE_TRANSFORM_NONE,
	      "a new model clips at %g and has no transform", m->clip);
	fcvae_model_save(m, path);
	CHECK(header_has(path, "\\\"std\\\":1}\""), "the defaults: the scaler has no \"clip\" and no \"transform\"");
	static const double clips[] = {2.5, 0.1};
	for (int i = 0; i < 2; i++) {
		m->clip = clips[i];
		fcvae_model_save(m, path);
		if (i == 0)
			CHECK(header_has(path, "\\\"std\\\":1,\\\"clip\\\":2.5}\""), "clip 2.5 is in the scaler");
		fcvae_model *r = fcvae_model_load(path, err, sizeof err);
		CHECK(r && r->clip == clips[i], "clip %g loads back exactly %s", clips[i], err);
		fcvae_model_free(r);
	}
	m->clip = FCVAE_CLIP_X;
	m->transform = FCVAE_TRANSFORM_SQRT;
	fcvae_model_save(m, path);
	CHECK(header_has(path, "\\\"std\\\":1,\\\"transform\\\":\\\"sqrt\\\"}\""), "sqrt is in the scaler");
	fcvae_model *r = fcvae_model_load(path, err, sizeof err);
	CHECK(r && r->transform == FCVAE_TRANSFORM_SQRT, "sqrt loads back %s", err);
	fcvae_model_free(r);
	fcvae_model_free(m);
}

static void seed_models(void)
{
	static const char *const names[] = {"Accel_CMP", "Accel_nopin", "Star_CMP", "Star_nopin"};
	for (int i = 0; i < 4; i++) {
		char path[256], out[256], err[512] = "";
		snprintf(path, sizeof path, "tests/data/seed_models/%s.safetensors", names[i]);
		fcvae_model *m = fcvae_model_load(path, err, sizeof err);
		if (!CHECK(m != NULL, "seed model %s loads %s", names[i], err))
			continue;
		CHECK(m->cfg.window == 24 && m->has_threshold && m->std > 0, "%s: window 24, threshold %g, std %g",
		      names[i], m->threshold, m->std);
		CHECK(m->clip == FCVAE_CLIP_X, "%s: no clip in the file: clip %g", names[i], m->clip);
		/* saving it again gives the same tensor data, byte for byte */
		snprintf(out, sizeof out, "%s/%s.safetensors", dir, names[i]);
		fcvae_model_save(m, out);
		size_t la, lb;
		unsigned char *a = slurp(path, &la), *b = slurp(out, &lb);
		size_t da = la - 8 - (size_t)le64(a), db = lb - 8 - (size_t)le64(b);
		CHECK(da == db && !memcmp(a + la - da, b + lb - db, da), "%s: re-saved data identical (%zu bytes)",
		      names[i], da);
		free(a);
		free(b);
		fcvae_model_free(m);
	}
}

/* m saved at path, with its text old patched to each of the n bads (of
 * old's length) in turn, must be rejected for why. */
static void reject_patched(const fcvae_model *m, const char *path, const char *old,
                           const char *const *bads, int n, const char *why)
{
	size_t len;
	fcvae_model_save(m, path);
	unsigned char *good = slurp(path, &len), *f = fcvae_xmalloc(len);
	for (int i = 0; i < n; i++) {
		char what[64];
		memcpy(f, good, len);
		CHECK(patch(f, old, bads[i]), "%s patched to %s", old, bads[i]);
		snprintf(what, sizeof what, "%s as %s", old, bads[i]);
		reject(what, f, len, why);
	}
	free(f);
	free(good);
}

static void bad_files(const fcvae_json *cs)
{
	char path[256], err[512] = "";
	snprintf(path, sizeof path, "%s/good.safetensors", dir);
	fcvae_model *m = vec_model(cs);
	fcvae_model_save(m, path);
	size_t len;
	unsigned char *good = slurp(path, &len), *f = malloc(len);
	size_t hlen = (size_t)le64(good);

	char nopath[256];
	snprintf(nopath, sizeof nopath, "%s/none.safetensors", dir);
	fcvae_model *none = fcvae_model_load(nopath, err, sizeof err);
	CHECK(!none && strstr(err, nopath) && strstr(err, "No such file"), "a file that does not exist: %s", err);
	reject("an empty file", good, 0, "too short");
	reject("a file cut inside the header", good, 8 + hlen / 2, "header length");
	reject("a file cut inside the data", good, len - 100, "outside the data");
	memcpy(f, good, len);
	f[7] = 0x40;
	reject("a huge header length", f, len, "header length");

	memcpy(f, good, len);
	f[8 + hlen / 3] = '\x01';
	reject("a corrupted header", f, len, "not valid JSON");
	memcpy(f, good, len);
	patch(f, "\"shape\":[64,56]", "\"shape\":[56,64]");
	reject("a wrong shape", f, len, "shape [56,64] does not match the config's [64, 56]");
	memcpy(f, good, len);
	patch(f, "\"F32\"", "\"F16\"");
	reject("a wrong dtype", f, len, "dtype \"F16\", expected \"F32\"");
	memcpy(f, good, len);
	patch(f, "[14336,14592]", "[14080,14336]");
	reject("overlapping offsets", f, len, "overlapping");
	memcpy(f, good, len);
	patch(f, "\"fc_mu.weight\"", "\"fc_mX.weight\"");
	reject("an unknown tensor", f, len, "\"fc_mX.weight\" is not part of");
	memcpy(f, good, len);
	patch(f, "\"fcvae\"", "\"fcvaf\"");
	reject("another format", f, len, "format");
	memcpy(f, good, len);
	float nan = NAN;
	memcpy(f + 8 + hlen + 4 * 1000, &nan, 4);
	reject("a NaN parameter", f, len, "non-finite");
	memcpy(f, good, len);
	float inf = INFINITY;
	memcpy(f + len - 4, &inf, 4);
	reject("an infinite parameter", f, len, "non-finite");
	unsigned char *g = malloc(len + 4);
	memcpy(g, good, len);
	memset(g + len, 0, 4);
	reject("trailing bytes", g, len + 4, "the data holds");
	free(g);

	/* strings holding a NUL are not the names they begin with: each was
	 * compared with strcmp, and "fcvae\u0000junk" taken as "fcvae" */
	static const struct {
		const char *old, *new, *why;
	} nuls[] = {
		{"\"format\":\"fcvae\"", "\"format\":\"fcvae\\u0000junk\"", "\"format\" is not \"fcvae\""},
		{"\"version\":\"1\"", "\"version\":\"1\\u0000.7\"", "\"version\" is not \"1\""},
		{"\"dtype\":\"F32\"", "\"dtype\":\"F32\\u0000junk\"", "dtype \"F32\\u0000junk\", expected \"F32\""},
		{"{\"__metadata__\":", "{\"__metadata__\\u0000x\":{},\"__metadata__\":",
		 "tensor \"__metadata__\\u0000x\" is not part of"},
	};
	fcvae_buf e = {0};
	for (size_t i = 0; i < sizeof nuls / sizeof *nuls; i++) {
		edit_header(&e, good, len, nuls[i].old, nuls[i].new);
		reject(nuls[i].new, e.p, e.len, nuls[i].why);
	}

	/* metadata that is well-formed JSON but not a usable model */
	m->std = 0;
	fcvae_model_save(m, path);
	free(good);
	good = slurp(path, &len);
	reject("a zero std", good, len, "std");
	m->std = 1;
	/* a clip that is not a finite positive number: 12345 patched in place */
	m->clip = 12345;
	static const char *const badclip[] = {"0.000", "-2.00", "1e999", "null ", "\\\"2\\\""};
	reject_patched(m, path, "12345", badclip, 5, "scaler \"clip\" is not a finite positive number");
	/* nor one beyond FCVAE_CLIP_X_MAX, where a likelihood may overflow */
	static const char *const farclip[] = {"2e+06", "1e+30", "1e300"};
	reject_patched(m, path, "12345", farclip, 3, "is beyond 1e+06 standard deviations");
	m->clip = FCVAE_CLIP_X;
	/* a transform that is not none or sqrt, or not a string */
	m->transform = FCVAE_TRANSFORM_SQRT;
	static const char *const badtf[] = {"\\\"log1\\\"", "12345678", "\\\"\\\"    ", "null    "};
	reject_patched(m, path, "\\\"sqrt\\\"", badtf, 4, "scaler \"transform\" is not \"none\" or \"sqrt\"");
	fcvae_model_save(m, path);
	free(good);
	good = slurp(path, &len);
	edit_header(&e, good, len, "\\\"sqrt\\\"", "\\\"sqrt\\\\u0000x\\\"");
	reject("transform \"sqrt\\u0000x\"", e.p, e.len, "scaler \"transform\" is not \"none\" or \"sqrt\"");
	fcvae_buf_free(&e);
	m->transform = FCVAE_TRANSFORM_NONE;
	m->cfg.kernel = 9; /* odd: the FFT sizes assume even */
	fcvae_model_save(m, path);
	free(good);
	good = slurp(path, &len);
	reject("an odd kernel in the config", good, len, "kernel 9 must be even");

	/* a missing tensor: drop the last one from the header and the data */
	m->cfg.kernel = 8;
	fcvae_model_save(m, path);
	free(good);
	good = slurp(path, &len);
	hlen = (size_t)le64(good);
	const fcvae_tensor *last = &m->layout.t[m->layout.n - 1];
	fcvae_buf b = {0};
	char *cut = memmem(good + 8, hlen, ",\"emb_global.0.bias\"", 20);
	fcvae_buf_add(&b, "12345678", 8);
	fcvae_buf_add(&b, good + 8, (size_t)(cut - (char *)good - 8));
	fcvae_buf_addc(&b, '}');
	while (b.len % 8)
		fcvae_buf_addc(&b, ' ');
	for (int i = 0; i < 8; i++)
		b.p[i] = (char)((uint64_t)(b.len - 8) >> (8 * i));
	fcvae_buf_add(&b, good + 8 + hlen, len - 8 - hlen - last->size * sizeof(float));
	reject("a missing tensor", b.p, b.len, "tensor \"emb_global.0.bias\" is missing");
	fcvae_buf_free(&b);

	fcvae_model_free(m);
	free(good);
	free(f);
}

/* The loader reads the header, then only the data its tensors need: a file
 * far larger than that, or not a regular file, costs neither memory nor a
 * wait (a 3 GB sparse file was read whole: "out of memory", no file named;
 * a FIFO waited for a writer). */
/* A header is refused for what it claims before it is read, and its JSON
 * for the values it holds before they are all built: a 50 MB header of
 * junk took 2 GB and 10 s. The largest header fcvae-train writes (1e6
 * epochs of train and validation losses) still loads. */
static void big_headers(const fcvae_json *cs)
{
	char path[256], err[512] = "";
	snprintf(path, sizeof path, "%s/hdr.safetensors", dir);

	/* a header of 33 MiB inside a file of 40 MiB (sparse) */
	unsigned char len[8] = {0, 0, 0x10, 0x02};
	spit(path, len, 8);
	CHECK(truncate(path, (off_t)40 << 20) == 0, "a sparse file of 40 MiB");
	fcvae_model *m = load_within(path, err, sizeof err, 16);
	CHECK(!m && strstr(err, path) && strstr(err, "header length 34603008 exceeds the 32 MiB limit"),
	      "a header of 33 MiB in a file of 40 MiB, in 16 MB: %s", err);
	fcvae_model_free(m);

	/* the largest legitimate header: 2e6 losses of 13 bytes in "training" */
	m = vec_model(cs);
	fcvae_buf b = {0};
	fcvae_buf_adds(&b, "{\"train_loss\":[");
	for (int i = 0; i < 2000000; i++) {
		fcvae_buf_adds(&b, i ? ",-1.23457e-100" : "-1.23457e-100");
		if (i == 999999)
			fcvae_buf_adds(&b, "],\"val_loss\":[-1.23457e-100");
	}
	fcvae_buf_adds(&b, "]}");
	free(m->training);
	m->training = b.p;
	fcvae_model_save(m, path);
	size_t flen;
	unsigned char *file = slurp(path, &flen);
	fcvae_model *r = load_within(path, err, sizeof err, 256);
	CHECK(r && le64(file) > 27000000 && r->training && !strcmp(r->training, m->training),
	      "a header of %zu MB (1e6 epochs' losses) loads in 256 MB %s", (size_t)le64(file) >> 20, err);
	fcvae_model_free(r);
	free(file);

	/* junk JSON values in the header and in its config: refused at a count */
	free(m->training);
	m->training = fcvae_xstrdup("{}");
	fcvae_model_save(m, path);
	file = slurp(path, &flen);
	fcvae_buf junk = {0}, e = {0};
	fcvae_buf_adds(&junk, "{\"junk\":[0");
	for (int i = 0; i < 4000000; i++)
		fcvae_buf_adds(&junk, ",0");
	fcvae_buf_adds(&junk, "],\"__metadata__\":");
	edit_header(&e, file, flen, "{\"__metadata__\":", junk.p);
	spit(path, e.p, e.len);
	r = load_within(path, err, sizeof err, 64);
	CHECK(!r && strstr(err, path) && strstr(err, "header is not valid JSON: more than 4096 values"),
	      "a header of 4e6 junk values (8 MB), in 64 MB: %s", err);
	fcvae_model_free(r);
	fcvae_buf_clear(&junk);
	fcvae_buf_adds(&junk, "\"config\":\"{\\\"junk\\\":[0");
	for (int i = 0; i < 1000; i++)
		fcvae_buf_adds(&junk, ",0");
	fcvae_buf_adds(&junk, "],");
	edit_header(&e, file, flen, "\"config\":\"{", junk.p);
	reject("a config of 1000 junk values", e.p, e.len, "metadata \"config\" is not JSON: more than 256 values");
	fcvae_buf_free(&junk);
	fcvae_buf_free(&e);
	free(file);
	fcvae_model_free(m);
	unlink(path);
}

static void not_models(const fcvae_json *cs)
{
	char path[256], err[512] = "", want[128];
	snprintf(path, sizeof path, "%s/big.safetensors", dir);
	fcvae_model *m = vec_model(cs);
	fcvae_model_save(m, path);
	fcvae_model_free(m);
	size_t len;
	unsigned char *good = slurp(path, &len);
	size_t hlen = (size_t)le64(good), big = (size_t)3 << 30;
	free(good);
	CHECK(truncate(path, (off_t)big) == 0, "a sparse file of 3 GB");
	snprintf(want, sizeof want, "the data holds %zu bytes, the tensors %zu", big - 8 - hlen, len - 8 - hlen);
	m = load_within(path, err, sizeof err, 512);
	CHECK(!m && strstr(err, path) && strstr(err, want), "a sparse 3 GB model file, in 512 MB: %s", err);
	fcvae_model_free(m);
	unlink(path);

	snprintf(path, sizeof path, "%s/fifo.safetensors", dir);
	CHECK(mkfifo(path, 0600) == 0, "a FIFO");
	alarm(10); /* the test fails rather than hangs */
	m = fcvae_model_load(path, err, sizeof err);
	alarm(0);
	CHECK(!m && strstr(err, path) && strstr(err, "not a regular file"), "a FIFO, no writer: %s", err);
	fcvae_model_free(m);
	const char *others[] = {"/dev/zero", dir};
	for (int i = 0; i < 2; i++) {
		m = fcvae_model_load(others[i], err, sizeof err);
		CHECK(!m && strstr(err, others[i]) && strstr(err, "not a regular file"), "%s: %s", others[i], err);
		fcvae_model_free(m);
	}
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	fcvae_json_doc d;
	vec_load(&d);
	round_trip(vec_case(&d, 0), 1);
	round_trip(vec_case(&d, 1), 0);
	scaler_round_trip(vec_case(&d, 0));
	seed_models();
	bad_files(vec_case(&d, 0));
	big_headers(vec_case(&d, 0));
	not_models(vec_case(&d, 0));
	fcvae_json_doc_free(&d);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return unit_done();
}
