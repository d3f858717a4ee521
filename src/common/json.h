/* Internal: JSON. Whole documents are libjansson values, parsed and dumped
 * by the two wrappers below with the house's flags (compact, insertion order,
 * any top-level value); plus the streaming string escaper behind the log,
 * metrics and trace text buffer (common/buf.h). Pure functions, any thread. */
#ifndef GF__COMMON_JSON_H
#define GF__COMMON_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "gooddata_flight_server/common.h"

/* Parses exactly one JSON value from text[0..len) (valid UTF-8, surrounding
 * whitespace allowed, "\u0000" allowed in strings). NULL on failure, with err
 * naming the byte offset (GF_INVALID_ARGUMENT) or GF_NO_MEMORY. */
json_t* gf__json_load(const char* text, size_t len, gf_error* err);
/* A JSON string of s[0..n) with each invalid UTF-8 byte replaced by U+FFFD;
 * json_null() for NULL s; NULL when out of memory. */
json_t* gf__json_text(const char* s, size_t n);
/* Compact text of v (no spaces, keys in insertion order, non-ASCII kept as
 * UTF-8), malloc'd and NUL-terminated, *len its length (may be NULL); NULL
 * when out of memory. */
char* gf__json_dump(const json_t* v, size_t* len);

/* Writes s[0..n) as a JSON string literal (quotes included) through
 * put(ctx, bytes, len): '"', '\\' and control characters escaped (\n, \t,
 * ..., \u00XX), valid UTF-8 copied unchanged, invalid bytes replaced by
 * U+FFFD. */
typedef void (*gf__json_put_fn)(void* ctx, const char* s, size_t n);
void gf__json_escape_to(gf__json_put_fn put, void* ctx, const char* s, size_t n);

#endif
