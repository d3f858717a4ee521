/* Growable text buffer and JSON escaping shared by logging, metrics and
 * tracing (log_buf.h). No global state; safe from any thread. */
#include "server/log_buf.h"

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

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char* s, size_t n) {
  unsigned c = s[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  return len;
}

void gf__buf_json_strn(gf__buf* b, const char* str, size_t n) {
  const unsigned char* s = (const unsigned char*)str;
  gf__buf_putc(b, '"');
  size_t i = 0, run = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t l = c >= 0x20 && c != '"' && c != '\\' ? utf8_seq(s + i, n - i) : 0;
    if (l) {
      i += l;
      run += l;
      continue;
    }
    gf__buf_putn(b, (const char*)s + i - run, run);
    run = 0;
    switch (c) {
      case '"': gf__buf_puts(b, "\\\""); break;
      case '\\': gf__buf_puts(b, "\\\\"); break;
      case '\n': gf__buf_puts(b, "\\n"); break;
      case '\r': gf__buf_puts(b, "\\r"); break;
      case '\t': gf__buf_puts(b, "\\t"); break;
      default:
        if (c < 0x20) gf__buf_printf(b, "\\u%04x", c);
        else gf__buf_puts(b, "\xEF\xBF\xBD"); /* U+FFFD for a bad byte */
    }
    i++;
  }
  gf__buf_putn(b, (const char*)s + i - run, run);
  gf__buf_putc(b, '"');
}

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
