/* json.h — a fast JSON reader (one NDJSON line or a small document into a
 * flat tree) and writer helpers (escaped strings, shortest numbers) on a
 * growable byte buffer.
 *
 * Why our own reader rather than jansson: every filter must pass unknown
 * fields through byte for byte, so each value and member name keeps a
 * pointer to its exact source text (jansson re-serialises, changing number
 * spelling, escapes and spacing); values live in one reused array per
 * parser, so the hot path allocates nothing per record (jansson mallocs
 * every value and hashes every object); and the reader is a single pass
 * over the line, several times faster than building jansson objects we
 * would mostly not look at.
 *
 * Reading:
 *     fcvae_json_parser p;
 *     fcvae_json_parser_init(&p);
 *     const fcvae_json *root = fcvae_json_parse(&p, line, len);
 *     if (!root) fcvae_warn("input line %zu: %s", lineno, p.err);
 *     const fcvae_json *v = fcvae_json_get(root, "value");
 *     if (v && v->type == FCVAE_JSON_NUMBER && isfinite(v->num)) ...
 *     for (const fcvae_json *m = fcvae_json_first(root); m; m = fcvae_json_next(m))
 *         printf("%s = %.*s\n", m->key, (int)m->len, m->src);
 *     fcvae_json_parser_free(&p);
 * All nodes and decoded strings stay valid until the next parse with the
 * same parser (or its free); the source text must outlive them too, since
 * src points into it.
 *
 * The input must be valid UTF-8 inside strings (invalid bytes are an error,
 * never a crash); outside strings only JSON's ASCII grammar is accepted.
 * Escapes are decoded to UTF-8, \uD83D\uDE00 pairs included; a lone
 * surrogate decodes to U+FFFD (its source text is kept as it was). */
#ifndef FCVAE_JSON_H
#define FCVAE_JSON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum fcvae_json_type {
	FCVAE_JSON_NULL,
	FCVAE_JSON_FALSE,
	FCVAE_JSON_TRUE,
	FCVAE_JSON_NUMBER,
	FCVAE_JSON_STRING,
	FCVAE_JSON_ARRAY,
	FCVAE_JSON_OBJECT,
};

/* flags */
#define FCVAE_JSON_INTEGER 1u  /* number written without fraction or exponent */
#define FCVAE_JSON_LAST    2u  /* last element or member of its container */

/* One value. Nodes of a document sit in one array in document order: a
 * container's first child is the next node, and a node's next sibling is
 * `size` nodes further (use fcvae_json_first/next rather than doing it). */
typedef struct fcvae_json {
	const char *src;   /* exact source text of the value (not NUL-terminated) */
	size_t len;
	const char *key;   /* decoded member name (NUL-terminated), NULL outside objects */
	size_t keylen;
	const char *keysrc; /* the member name as written, quotes included (NULL outside
	                     * objects): names pass through byte for byte as values do */
	const char *str;   /* STRING: decoded text, NUL-terminated (may hold \0 itself) */
	size_t slen;
	double num;        /* NUMBER: value; ±inf when out of range (1e400), so check isfinite() */
	uint32_t size;     /* nodes in this subtree, itself included */
	uint32_t n;        /* ARRAY/OBJECT: number of elements or members */
	uint32_t keysrclen; /* 32 bits keep a node at 80 bytes: at 88 GCC clears
	                     * each new one with rep stos, and parsing takes twice as long */
	uint8_t type;      /* enum fcvae_json_type */
	uint8_t flags;
} fcvae_json;

typedef struct {
	fcvae_json *v;     /* node arena, reused between parses */
	size_t nv, cap;
	char *s;           /* decoded-string arena, sized to the input before parsing */
	size_t scap, slen;
	int max_depth;     /* nesting limit, FCVAE_JSON_MAX_DEPTH unless changed after init */
	size_t max_values; /* values a parse may hold at most (0: no limit, the default):
	                    * a node is 80 bytes, 40 times the "0," that makes it */
	int allow_nan;     /* also read NaN, Infinity, -Infinity as numbers (what Python's
	                    * json.dumps writes for them); off by default */
	size_t col;        /* after an error: 1-based byte column where it was found */
	char err[128];     /* after an error: e.g. "expected ':' at column 17" */
} fcvae_json_parser;

#define FCVAE_JSON_MAX_DEPTH 256

void fcvae_json_parser_init(fcvae_json_parser *p);
void fcvae_json_parser_free(fcvae_json_parser *p);

/* Parse exactly one JSON value in text[0..len) (surrounding whitespace
 * allowed, anything else after it is an error). Works for one NDJSON line
 * (pass it without or with its newline) and for a whole small document.
 * Returns the root or NULL with p->err and p->col set. */
const fcvae_json *fcvae_json_parse(fcvae_json_parser *p, const char *text, size_t len);

/* As fcvae_json_parse, but only the root is kept (its type, src and len;
 * n is 0, its children gone): whether a text we keep but do not read is JSON,
 * in memory that grows with its nesting, not its size. */
const fcvae_json *fcvae_json_parse_root(fcvae_json_parser *p, const char *text, size_t len);

/* Member of an object by decoded name (the last one if repeated), or NULL
 * (also when obj is NULL or not an object). */
const fcvae_json *fcvae_json_get(const fcvae_json *obj, const char *key);
const fcvae_json *fcvae_json_getn(const fcvae_json *obj, const char *key, size_t keylen);
/* The member's decoded name is key (strcmp would also take "key\u0000x"). */
int fcvae_json_key_is(const fcvae_json *member, const char *key);

/* v is a string whose decoded text is s, whole (strcmp would also take
 * "s\u0000x"). */
int fcvae_json_str_is(const fcvae_json *v, const char *s);

/* Children of an array or object in order; NULL after the last. */
const fcvae_json *fcvae_json_first(const fcvae_json *v);
const fcvae_json *fcvae_json_next(const fcvae_json *child);

/* Element i of an array (or member i of an object), NULL if out of range. */
const fcvae_json *fcvae_json_at(const fcvae_json *v, size_t i);

/* s[0..n) is exactly one JSON number (no blanks): 0 and *x (±inf when out
 * of range), or -1. For numbers that arrive as text (CSV fields). */
int fcvae_json_number_text(const char *s, size_t n, double *x);
/* s[0..n) is valid UTF-8 (no overlongs, surrogates or values > U+10FFFF). */
int fcvae_utf8_valid(const char *s, size_t n);

/* A parsed document that owns a copy of its text: for small documents kept
 * around (safetensors headers, configs, state files). */
typedef struct {
	char *text;
	fcvae_json_parser p;
	const fcvae_json *root;
} fcvae_json_doc;

/* Parse text[0..len) into d (copied); 0, or -1 with the reason in err. */
int fcvae_json_doc_parse(fcvae_json_doc *d, const char *text, size_t len, char *err, size_t errsize);
/* Read and parse a whole file; -1 with "PATH: reason" in err on failure. */
int fcvae_json_doc_load(fcvae_json_doc *d, const char *path, char *err, size_t errsize);
void fcvae_json_doc_free(fcvae_json_doc *d);

/* ---- writing ---- */

/* Growable output buffer; {0} is an empty buffer. p is NUL-terminated
 * after every append (when non-NULL). */
typedef struct {
	char *p;
	size_t len, cap;
} fcvae_buf;

void fcvae_buf_reserve(fcvae_buf *b, size_t extra);
void fcvae_buf_add(fcvae_buf *b, const void *s, size_t n);
void fcvae_buf_addc(fcvae_buf *b, char c);
void fcvae_buf_adds(fcvae_buf *b, const char *s);
void fcvae_buf_printf(fcvae_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fcvae_buf_clear(fcvae_buf *b);   /* len = 0, memory kept */
void fcvae_buf_free(fcvae_buf *b);
/* fwrite the whole buffer; 0, or -1 on a write error (errno set). Does not clear. */
int fcvae_buf_write(const fcvae_buf *b, FILE *fp);

/* A number written as NaN, Infinity or -Infinity (what a parser with
 * allow_nan reads; 1e999 is another matter: a number out of range). */
int fcvae_json_is_nan_literal(const fcvae_json *v);
/* A value as it was written, except that the NaN and Infinity literals a
 * parser with allow_nan reads become null: they are not JSON, and what we
 * write must be. */
void fcvae_json_add_source(fcvae_buf *b, const fcvae_json *v);
/* A JSON string literal with quotes: ", \ and control characters escaped;
 * invalid UTF-8 bytes become U+FFFD so the output is always valid JSON. */
void fcvae_json_add_string(fcvae_buf *b, const char *s, size_t n);
void fcvae_json_add_cstring(fcvae_buf *b, const char *s);
/* "name": — a member name and its colon. */
void fcvae_json_add_key(fcvae_buf *b, const char *name);
/* The shortest text that reads back as the same double (integers as
 * integers: 1234, -0); NaN and ±inf as null (JSON has no such numbers). */
void fcvae_json_add_number(fcvae_buf *b, double x);
/* Same for a value that was a float: shortest text that reads back as the
 * same float (0.1f prints 0.1, not 0.10000000149011612). */
void fcvae_json_add_float(fcvae_buf *b, float x);
/* The shortest text that reads back within tol of x, for a value known to
 * tol only (1e12 ± 0.05 is 1000000000000, not 1000000000000.0234); x's own
 * shortest text when tol is 0 or x not finite. */
void fcvae_json_add_near(fcvae_buf *b, double x, double tol);
/* Format into out (at least FCVAE_JSON_NUMBER_MAX bytes), return length. */
#define FCVAE_JSON_NUMBER_MAX 32
size_t fcvae_json_format_number(char *out, double x);
size_t fcvae_json_format_float(char *out, float x);
size_t fcvae_json_format_near(char *out, double x, double tol);

#endif
