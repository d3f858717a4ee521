/* Compact JSON writer (orjson-style output: no spaces, non-ASCII kept as
 * UTF-8) and UTF-8 code-point helpers. One writer per thread. */
#include "common/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gf__jw_init(gf__json_writer* w) { memset(w, 0, sizeof(*w)); }

static int reserve(gf__json_writer* w, size_t extra) {
  if (w->oom) return 0;
  if (w->len + extra + 1 <= w->cap) return 1;
  size_t cap = w->cap ? w->cap : 64;
  while (cap < w->len + extra + 1) {
    if (cap > SIZE_MAX / 2) { w->oom = 1; return 0; }
    cap *= 2;
  }
  char* nb = realloc(w->buf, cap);
  if (nb == NULL) { w->oom = 1; return 0; }
  w->buf = nb;
  w->cap = cap;
  return 1;
}

static void put(gf__json_writer* w, const char* s, size_t n) {
  if (!reserve(w, n)) return;
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void putc_(gf__json_writer* w, char c) { put(w, &c, 1); }

/* Comma handling before a value or key. */
static void before_item(gf__json_writer* w) {
  if (w->after_key) { w->after_key = 0; return; }
  if (w->depth > 0 && w->depth <= GF__JSON_MAX_DEPTH) {
    if (w->has_items[w->depth - 1]) putc_(w, ',');
    w->has_items[w->depth - 1] = 1;
  }
}

static void open_(gf__json_writer* w, char c) {
  before_item(w);
  putc_(w, c);
  if (w->depth < GF__JSON_MAX_DEPTH) w->has_items[w->depth] = 0;
  else w->oom = 1; /* too deep for our own writer: treat as failure */
  w->depth++;
}

static void close_(gf__json_writer* w, char c) {
  if (w->depth > 0) w->depth--;
  putc_(w, c);
}

void gf__jw_begin_object(gf__json_writer* w) { open_(w, '{'); }
void gf__jw_end_object(gf__json_writer* w) { close_(w, '}'); }
void gf__jw_begin_array(gf__json_writer* w) { open_(w, '['); }
void gf__jw_end_array(gf__json_writer* w) { close_(w, ']'); }

void gf__jw_key(gf__json_writer* w, const char* key) {
  before_item(w);
  gf__jw_escape(w, key, strlen(key));
  putc_(w, ':');
  w->after_key = 1;
}

void gf__jw_string(gf__json_writer* w, const char* s) {
  if (s == NULL) { gf__jw_null(w); return; }
  gf__jw_string_n(w, s, strlen(s));
}

void gf__jw_string_n(gf__json_writer* w, const char* s, size_t n) {
  before_item(w);
  gf__jw_escape(w, s, n);
}

void gf__jw_int(gf__json_writer* w, int64_t v) {
  char tmp[32];
  int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
  before_item(w);
  put(w, tmp, (size_t)n);
}

void gf__jw_bool(gf__json_writer* w, int v) {
  before_item(w);
  if (v) put(w, "true", 4);
  else put(w, "false", 5);
}

void gf__jw_null(gf__json_writer* w) {
  before_item(w);
  put(w, "null", 4);
}

void gf__jw_raw(gf__json_writer* w, const char* json, size_t n) {
  before_item(w);
  put(w, json, n);
}

int gf__jw_finish(gf__json_writer* w, char** out, size_t* len) {
  if (!w->oom && w->buf == NULL) reserve(w, 0);
  if (w->oom) {
    gf__jw_free(w);
    return GF_NO_MEMORY;
  }
  w->buf[w->len] = '\0';
  *out = w->buf;
  if (len != NULL) *len = w->len;
  w->buf = NULL;
  gf__jw_free(w);
  return GF_OK;
}

void gf__jw_free(gf__json_writer* w) {
  free(w->buf);
  gf__jw_init(w);
}

static const char* short_escape(unsigned char c) {
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default: return NULL;
  }
}

void gf__json_escape_to(gf__json_put_fn emit, void* ctx, const char* s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char* p = (const unsigned char*)s;
  emit(ctx, "\"", 1);
  size_t i = 0, run = 0; /* run: bytes before i copied verbatim in one go */
  while (i < n) {
    unsigned char c = p[i];
    size_t k = c >= 0x20 && c != '"' && c != '\\' ? gf__utf8_seq_len(p + i, n - i) : 0;
    if (k != 0) {
      i += k;
      run += k;
      continue;
    }
    if (run) emit(ctx, s + i - run, run);
    run = 0;
    const char* e = short_escape(c);
    if (e != NULL) {
      emit(ctx, e, 2);
    } else if (c < 0x20) {
      char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      emit(ctx, u, 6);
    } else {
      emit(ctx, "\xEF\xBF\xBD", 3); /* U+FFFD for an invalid byte */
    }
    i++;
  }
  if (run) emit(ctx, s + i - run, run);
  emit(ctx, "\"", 1);
}

static void writer_put(void* ctx, const char* s, size_t n) { put(ctx, s, n); }

void gf__jw_escape(gf__json_writer* w, const char* s, size_t n) {
  gf__json_escape_to(writer_put, w, s, n);
}

size_t gf__utf8_seq_len(const unsigned char* s, size_t avail) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t k;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) { k = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { k = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { k = 4; cp = c & 0x07; }
  else return 0;
  if (avail < k) return 0;
  for (size_t j = 1; j < k; j++) {
    if ((s[j] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[j] & 0x3F);
  }
  if (k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return k;
}

size_t gf__utf8_count(const char* s, size_t n) {
  size_t i = 0, count = 0;
  while (i < n) {
    size_t k = gf__utf8_seq_len((const unsigned char*)s + i, n - i);
    i += k ? k : 1;
    count++;
  }
  return count;
}

size_t gf__utf8_prefix(const char* s, size_t n, size_t max_cp) {
  size_t i = 0, count = 0;
  while (i < n && count < max_cp) {
    size_t k = gf__utf8_seq_len((const unsigned char*)s + i, n - i);
    i += k ? k : 1;
    count++;
  }
  return i;
}
