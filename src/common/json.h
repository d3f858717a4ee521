/* Small JSON support for our own wire formats (ErrorInfo, RetryInfo, command
 * payloads): a compact writer (no spaces; strings escaped per JSON but
 * non-ASCII UTF-8 written as is, like orjson) and a bounded-depth DOM parser.
 * Plus UTF-8 code-point helpers. Objects are used by one thread at a time. */
#ifndef GF__COMMON_JSON_H
#define GF__COMMON_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"

/* ---- writer --------------------------------------------------------------- */

#define GF__JSON_MAX_DEPTH 64

typedef struct gf__json_writer {
  char* buf;
  size_t len, cap;
  int oom;                              /* an allocation failed: finish reports it */
  int depth;
  uint8_t has_items[GF__JSON_MAX_DEPTH]; /* per open container: an item was written */
  int after_key;                        /* the next value follows a key */
} gf__json_writer;

void gf__jw_init(gf__json_writer* w);
void gf__jw_begin_object(gf__json_writer* w);
void gf__jw_end_object(gf__json_writer* w);
void gf__jw_begin_array(gf__json_writer* w);
void gf__jw_end_array(gf__json_writer* w);
void gf__jw_key(gf__json_writer* w, const char* key);
void gf__jw_string(gf__json_writer* w, const char* s);        /* NULL writes null */
void gf__jw_string_n(gf__json_writer* w, const char* s, size_t n);
void gf__jw_int(gf__json_writer* w, int64_t v);
void gf__jw_bool(gf__json_writer* w, int v);
void gf__jw_null(gf__json_writer* w);
void gf__jw_raw(gf__json_writer* w, const char* json, size_t n); /* already valid JSON */
/* Hands the NUL-terminated text to the caller (free with free()) and resets
 * the writer; GF_NO_MEMORY if any append failed (nothing is returned then). */
int gf__jw_finish(gf__json_writer* w, char** out, size_t* len);
void gf__jw_free(gf__json_writer* w);

/* Appends s[0..n) as a JSON string literal (quotes included) to the writer's
 * buffer: '"', '\\' and control characters escaped (\n, \t, ..., \u00XX),
 * valid UTF-8 copied unchanged, invalid bytes replaced by U+FFFD. */
void gf__jw_escape(gf__json_writer* w, const char* s, size_t n);

/* The escaping above for any output (also used by the log/metrics/trace
 * text buffer, log/log_buf.h): put(ctx, bytes, len) receives the pieces. */
typedef void (*gf__json_put_fn)(void* ctx, const char* s, size_t n);
void gf__json_escape_to(gf__json_put_fn put, void* ctx, const char* s, size_t n);

/* ---- parser --------------------------------------------------------------- */

typedef enum gf__json_type {
  GF__JSON_NULL = 0,
  GF__JSON_BOOL,
  GF__JSON_NUMBER,
  GF__JSON_STRING,
  GF__JSON_ARRAY,
  GF__JSON_OBJECT
} gf__json_type;

typedef struct gf__json gf__json;
struct gf__json {
  gf__json_type type;
  int boolean;       /* BOOL */
  double number;     /* NUMBER */
  int is_int;        /* NUMBER: written without fraction/exponent and fits int64 */
  int64_t integer;   /* NUMBER when is_int */
  char* str;         /* STRING: decoded UTF-8, NUL-terminated (may contain NULs) */
  size_t str_len;
  size_t n;          /* ARRAY / OBJECT: number of items */
  gf__json* items;   /* ARRAY / OBJECT: values */
  char** keys;       /* OBJECT: decoded keys, NUL-terminated */
  size_t* key_lens;
};

/* Parses exactly one JSON value (surrounding whitespace allowed). Input must
 * be valid UTF-8. max_depth <= 0 means 64. Errors name the byte offset. */
int gf__json_parse(const char* text, size_t len, int max_depth, gf__json** out, gf_error* err);
void gf__json_free(gf__json* v);
/* Object member by key (last one wins on duplicates, like Python); NULL if absent. */
const gf__json* gf__json_get(const gf__json* obj, const char* key);

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t gf__utf8_seq_len(const unsigned char* s, size_t avail);
/* Number of code points in s[0..n) (each invalid byte counts as one). */
size_t gf__utf8_count(const char* s, size_t n);
/* Byte length of the first max_cp code points of s[0..n). */
size_t gf__utf8_prefix(const char* s, size_t n, size_t max_cp);

#endif
