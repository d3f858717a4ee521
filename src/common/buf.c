/* The growable text buffer and its JSON appenders, shared by logging,
 * metrics, tracing and the TOML reader (buf.h). No global state; safe from
 * any thread. */
#include "common/buf.h"

#include "common/json.h"
#include "gooddata_flight_server/common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GF__BUF_DEFAULT_MAX ((size_t)64 << 20)

void gf__buf_init(gf__buf* b) {
  b->p = b->inl;
  b->len = 0;
  b->cap = sizeof b->inl;
  b->max = 0;
  b->oom = 0;
  b->inl[0] = '\0';
}

void gf__buf_free(gf__buf* b) {
  if (b->p != b->inl) free(b->p);
  gf__buf_init(b);
}

static int buf_reserve(gf__buf* b, size_t extra) {
  size_t max = b->max ? b->max : GF__BUF_DEFAULT_MAX;
  if (b->oom) return 0;
  if (extra > max || b->len + extra > max) {
    b->oom = 1;
    return 0;
  }
  if (b->len + extra + 1 <= b->cap) return 1;
  size_t cap = b->cap * 2;
  while (cap < b->len + extra + 1) cap *= 2;
  char* np = b->p == b->inl ? malloc(cap) : realloc(b->p, cap);
  if (!np) {
    b->oom = 1;
    return 0;
  }
  if (b->p == b->inl) memcpy(np, b->inl, b->len + 1);
  b->p = np;
  b->cap = cap;
  return 1;
}

void gf__buf_putn(gf__buf* b, const char* s, size_t n) {
  if (!buf_reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void gf__buf_puts(gf__buf* b, const char* s) { gf__buf_putn(b, s, strlen(s)); }

void gf__buf_putc(gf__buf* b, char c) { gf__buf_putn(b, &c, 1); }

int gf__buf_add(gf__buf* b, const char* s, size_t n) {
  gf__buf_putn(b, s, n);
  return b->oom ? GF_NO_MEMORY : GF_OK;
}

int gf__buf_addc(gf__buf* b, char c) { return gf__buf_add(b, &c, 1); }

void gf__buf_printf(gf__buf* b, const char* fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof tmp) {
    gf__buf_putn(b, tmp, (size_t)n);
    return;
  }
  if (!buf_reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

static void buf_put(void* ctx, const char* s, size_t n) { gf__buf_putn(ctx, s, n); }

void gf__buf_json_strn(gf__buf* b, const char* s, size_t n) { gf__json_escape_to(buf_put, b, s, n); }

void gf__buf_json_str(gf__buf* b, const char* s) {
  if (!s) {
    gf__buf_puts(b, "null");
    return;
  }
  gf__buf_json_strn(b, s, strlen(s));
}

void gf__fmt_double(char out[32], double v) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(out, 32, "%.*g", prec, v);
    if (strtod(out, NULL) == v) return;
  }
}

void gf__buf_json_double(gf__buf* b, double v) {
  if (!isfinite(v)) {
    gf__buf_puts(b, "null");
    return;
  }
  char tmp[32];
  gf__fmt_double(tmp, v);
  gf__buf_puts(b, tmp);
}

char* gf__buf_detach(gf__buf* b, size_t* len) {
  char* out = malloc(b->len + 1);
  if (out) {
    memcpy(out, b->p, b->len + 1);
    if (len) *len = b->len;
  }
  gf__buf_free(b);
  return out;
}
