/* Internal to the TOML reader (toml_parse.c, toml_scalar.c): parser state,
 * byte buffer, and the scalar readers. Same threading as toml.h. */
#ifndef GF__TOML_PARSE_INTERNAL_H
#define GF__TOML_PARSE_INTERNAL_H

#include <stddef.h>

#include "common/buf.h"
#include "common/utf8.h"
#include "config/toml.h"

typedef struct gf__tp {
  const char* s;
  size_t len, pos;
  int line;
  size_t line_start;
  const char* name; /* file name, or the fixed source of a single value */
  int fixed_src;
  int no_src; /* single value without a source */
  char* srcbuf;
  size_t srcbuf_cap;
  gf_error* err;
  int failed;
  int depth;
  gf__toml_value* root;
  gf__toml_value* cur;
} gf__tp;

/* Byte at pos+k, or -1 past the end. */
#define AT(p, k) ((p)->pos + (k) < (p)->len ? (int)(unsigned char)(p)->s[(p)->pos + (k)] : -1)


int gf__tp_err(gf__tp* p, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
const char* gf__tp_src(gf__tp* p);
int gf__tp_eat_newline(gf__tp* p);
void gf__tp_skip_ws(gf__tp* p);
int gf__tp_value(gf__tp* p, gf__toml_value** out);

/* Single-line strings (used for keys too); pos is at the opening quote. */
int gf__tp_basic_string(gf__tp* p, gf__buf* out);
int gf__tp_literal_string(gf__tp* p, gf__buf* out);
/* Any string value (single or multi-line). */
int gf__tp_string_value(gf__tp* p, gf__toml_value** out);
/* Booleans, numbers, dates and times. */
int gf__tp_scalar(gf__tp* p, gf__toml_value** out);

#endif
