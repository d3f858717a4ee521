/* Helpers for the IPC tests and the interop tool: a deterministic JSON
 * rendering of any array value (used to compare round trips and printed by
 * `test_ipc_interop read`), schema/batch construction for every type via the
 * arrow builders, and encode/decode plumbing. Header-only (static). */
#ifndef GF_IPC_TEST_UTIL_H
#define GF_IPC_TEST_UTIL_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/ipc.h"

/* ---- string buffer ------------------------------------------------------- */

typedef struct sbuf {
  char* p;
  size_t n, cap;
} sbuf;

static inline void sb_put(sbuf* b, const char* s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 256;
    while (nc < b->n + n + 1) nc *= 2;
    b->p = realloc(b->p, nc);
    if (b->p == NULL) abort();
    b->cap = nc;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

static inline int sb_eq(const sbuf* a, const sbuf* b) {
  return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

static inline void sb_printf(sbuf* b, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void sb_printf(sbuf* b, const char* fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  sb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static inline void sb_str(sbuf* b, const uint8_t* s, size_t n) {
  sb_put(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned c = s[i];
    if (c == '"' || c == '\\') sb_printf(b, "\\%c", c);
    else if (c < 0x20) sb_printf(b, "\\u%04x", c);
    else sb_put(b, (const char*)&s[i], 1);
  }
  sb_put(b, "\"", 1);
}

static inline void sb_hex(sbuf* b, const uint8_t* s, size_t n) {
  sb_put(b, "\"hex:", 5);
  for (size_t i = 0; i < n; i++) sb_printf(b, "%02x", s[i]);
  sb_put(b, "\"", 1);
}

/* ---- rendering ----------------------------------------------------------- */

static inline int64_t tu_ld(const void* p, int64_t i, int w) {
  const uint8_t* q = (const uint8_t*)p + i * w;
  switch (w) {
    case 1: { int8_t v; memcpy(&v, q, 1); return v; }
    case 2: { int16_t v; memcpy(&v, q, 2); return v; }
    case 4: { int32_t v; memcpy(&v, q, 4); return v; }
    default: { int64_t v; memcpy(&v, q, 8); return v; }
  }
}

static inline int tu_bit(const void* bm, int64_t i) {
  return bm == NULL || ((((const uint8_t*)bm)[i >> 3] >> (i & 7)) & 1);
}

static inline void render(sbuf* b, const struct ArrowArray* a, const struct ArrowSchema* s, int64_t i);

static inline void render_dec(sbuf* b, const uint8_t* p, int bits) {
  if (bits <= 128) {
    unsigned __int128 uv = 0;
    int n = bits / 8;
    for (int k = n - 1; k >= 0; k--) uv = (uv << 8) | p[k];
    if (bits < 128 && (p[n - 1] & 0x80)) uv |= ~(unsigned __int128)0 << bits; /* sign extend */
    __int128 v = (__int128)uv;
    char tmp[64];
    int pos = 63;
    tmp[pos] = 0;
    int neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-v) : (unsigned __int128)v;
    do {
      tmp[--pos] = (char)('0' + (int)(u % 10));
      u /= 10;
    } while (u);
    if (neg) tmp[--pos] = '-';
    sb_printf(b, "\"%s\"", tmp + pos);
  } else {
    sb_hex(b, p, 32);
  }
}

static inline void render(sbuf* b, const struct ArrowArray* a, const struct ArrowSchema* s, int64_t i) {
  gf_type t;
  if (gf_type_parse(s->format, &t, NULL) != GF_OK) abort();
  int64_t j = a->offset + i;
  int has_validity = !(t.id == GF_TYPE_NA || t.id == GF_TYPE_SPARSE_UNION ||
                       t.id == GF_TYPE_DENSE_UNION || t.id == GF_TYPE_RUN_END_ENCODED);
  if (t.id == GF_TYPE_NA || (has_validity && a->null_count != 0 && !tu_bit(a->buffers[0], j))) {
    sb_put(b, "null", 4);
    return;
  }
  if (s->dictionary) {
    int64_t k = tu_ld(a->buffers[1], j, t.byte_width);
    if (t.id == GF_TYPE_UINT8) k = ((const uint8_t*)a->buffers[1])[j];
    render(b, a->dictionary, s->dictionary, k);
    return;
  }
  const uint8_t* v1 = a->n_buffers > 1 ? a->buffers[1] : NULL;
  switch (t.id) {
    case GF_TYPE_BOOL: sb_printf(b, "%s", tu_bit(v1, j) ? "true" : "false"); return;
    case GF_TYPE_INT8: case GF_TYPE_INT16: case GF_TYPE_INT32: case GF_TYPE_DATE32:
    case GF_TYPE_TIME32: case GF_TYPE_INTERVAL_MONTHS:
      sb_printf(b, "%" PRId64, tu_ld(v1, j, t.byte_width));
      return;
    case GF_TYPE_UINT8: sb_printf(b, "%u", v1[j]); return;
    case GF_TYPE_UINT16: sb_printf(b, "%u", (unsigned)(uint16_t)tu_ld(v1, j, 2)); return;
    case GF_TYPE_UINT32: sb_printf(b, "%u", (unsigned)(uint32_t)tu_ld(v1, j, 4)); return;
    case GF_TYPE_UINT64: sb_printf(b, "\"%" PRIu64 "\"", (uint64_t)tu_ld(v1, j, 8)); return;
    case GF_TYPE_INT64: case GF_TYPE_DATE64: case GF_TYPE_TIME64: case GF_TYPE_TIMESTAMP:
    case GF_TYPE_DURATION:
      sb_printf(b, "\"%" PRId64 "\"", tu_ld(v1, j, 8));
      return;
    case GF_TYPE_HALF_FLOAT: sb_printf(b, "\"f16:%04x\"", (unsigned)(uint16_t)tu_ld(v1, j, 2)); return;
    case GF_TYPE_FLOAT: { float f; memcpy(&f, v1 + 4 * j, 4); sb_printf(b, "%.9g", (double)f); return; }
    case GF_TYPE_DOUBLE: { double d; memcpy(&d, v1 + 8 * j, 8); sb_printf(b, "%.17g", d); return; }
    case GF_TYPE_INTERVAL_DAY_TIME:
      sb_printf(b, "[%d,%d]", (int)tu_ld(v1, 2 * j, 4), (int)tu_ld(v1, 2 * j + 1, 4));
      return;
    case GF_TYPE_INTERVAL_MONTH_DAY_NANO:
      sb_printf(b, "[%d,%d,\"%" PRId64 "\"]", (int)tu_ld(v1 + 16 * j, 0, 4),
                (int)tu_ld(v1 + 16 * j, 1, 4), tu_ld(v1 + 16 * j + 8, 0, 8));
      return;
    case GF_TYPE_DECIMAL32: case GF_TYPE_DECIMAL64: case GF_TYPE_DECIMAL128:
    case GF_TYPE_DECIMAL256:
      render_dec(b, v1 + (int64_t)t.byte_width * j, t.decimal_bit_width);
      return;
    case GF_TYPE_FIXED_SIZE_BINARY: sb_hex(b, v1 + (int64_t)t.byte_width * j, (size_t)t.byte_width); return;
    case GF_TYPE_BINARY: case GF_TYPE_STRING: case GF_TYPE_LARGE_BINARY: case GF_TYPE_LARGE_STRING: {
      int w = (t.id == GF_TYPE_BINARY || t.id == GF_TYPE_STRING) ? 4 : 8;
      int64_t o0 = tu_ld(v1, j, w), o1 = tu_ld(v1, j + 1, w);
      const uint8_t* d = (const uint8_t*)a->buffers[2] + o0;
      if (t.id == GF_TYPE_STRING || t.id == GF_TYPE_LARGE_STRING) sb_str(b, d, (size_t)(o1 - o0));
      else sb_hex(b, d, (size_t)(o1 - o0));
      return;
    }
    case GF_TYPE_BINARY_VIEW: case GF_TYPE_STRING_VIEW: {
      const uint8_t* view = v1 + 16 * j;
      int32_t len = (int32_t)tu_ld(view, 0, 4);
      const uint8_t* d = view + 4;
      if (len > 12) d = (const uint8_t*)a->buffers[2 + tu_ld(view + 8, 0, 4)] + tu_ld(view + 12, 0, 4);
      if (t.id == GF_TYPE_STRING_VIEW) sb_str(b, d, (size_t)len);
      else sb_hex(b, d, (size_t)len);
      return;
    }
    case GF_TYPE_LIST: case GF_TYPE_LARGE_LIST: case GF_TYPE_MAP: case GF_TYPE_LIST_VIEW:
    case GF_TYPE_LARGE_LIST_VIEW: case GF_TYPE_FIXED_SIZE_LIST: {
      int64_t start, n;
      int w = (t.id == GF_TYPE_LARGE_LIST || t.id == GF_TYPE_LARGE_LIST_VIEW) ? 8 : 4;
      if (t.id == GF_TYPE_FIXED_SIZE_LIST) {
        start = j * t.list_size;
        n = t.list_size;
      } else if (t.id == GF_TYPE_LIST_VIEW || t.id == GF_TYPE_LARGE_LIST_VIEW) {
        start = tu_ld(v1, j, w);
        n = tu_ld(a->buffers[2], j, w);
      } else {
        start = tu_ld(v1, j, w);
        n = tu_ld(v1, j + 1, w) - start;
      }
      sb_put(b, "[", 1);
      for (int64_t k = 0; k < n; k++) {
        if (k) sb_put(b, ",", 1);
        render(b, a->children[0], s->children[0], start + k);
      }
      sb_put(b, "]", 1);
      return;
    }
    case GF_TYPE_STRUCT:
      sb_put(b, "{", 1);
      for (int64_t k = 0; k < s->n_children; k++) {
        if (k) sb_put(b, ",", 1);
        const char* nm = s->children[k]->name ? s->children[k]->name : "";
        sb_str(b, (const uint8_t*)nm, strlen(nm));
        sb_put(b, ":", 1);
        render(b, a->children[k], s->children[k], j);
      }
      sb_put(b, "}", 1);
      return;
    case GF_TYPE_SPARSE_UNION: case GF_TYPE_DENSE_UNION: {
      int8_t id = ((const int8_t*)a->buffers[0])[j];
      int c = 0;
      while (c < t.n_union_type_ids && t.union_type_ids[c] != id) c++;
      int64_t ci = t.id == GF_TYPE_DENSE_UNION ? tu_ld(v1, j, 4) : j;
      render(b, a->children[c], s->children[c], ci);
      return;
    }
    case GF_TYPE_RUN_END_ENCODED: {
      const struct ArrowArray* re = a->children[0];
      int w = s->children[0]->format[0] == 's' ? 2 : s->children[0]->format[0] == 'i' ? 4 : 8;
      int64_t k = 0;
      while (k < re->length && tu_ld(re->buffers[1], re->offset + k, w) <= j) k++;
      render(b, a->children[1], s->children[1], k);
      return;
    }
    default: sb_printf(b, "\"?%s\"", s->format); return;
  }
}

/* One JSON line per row: {"col": value, ...}. Appends to b. */
static inline void render_batch(sbuf* b, const struct ArrowArray* batch, const struct ArrowSchema* s) {
  for (int64_t i = 0; i < batch->length; i++) {
    sb_put(b, "{", 1);
    for (int64_t c = 0; c < s->n_children; c++) {
      if (c) sb_put(b, ",", 1);
      const char* nm = s->children[c]->name ? s->children[c]->name : "";
      sb_str(b, (const uint8_t*)nm, strlen(nm));
      sb_put(b, ":", 1);
      render(b, batch->children[c], s->children[c], batch->offset + i);
    }
    sb_put(b, "}\n", 2);
  }
}

/* ---- building test data ---------------------------------------------------- */

static inline int fill(gf_builder* b, int64_t i, int allow_null);

static inline int fill_value(gf_builder* b, const gf_type* t, int64_t i) {
  gf_builder* c;
  int rc = 0;
  char tmp[64];
  switch (t->id) {
    case GF_TYPE_NA: return gf_builder_append_null(b, 1);
    case GF_TYPE_BOOL: return gf_builder_append_bool(b, (int)(i % 3 == 1));
    case GF_TYPE_INT8: case GF_TYPE_INT16: case GF_TYPE_INT32: case GF_TYPE_INT64:
      return gf_builder_append_int(b, (i * 7) % 100 - 20);
    case GF_TYPE_UINT8: case GF_TYPE_UINT16: case GF_TYPE_UINT32: case GF_TYPE_UINT64:
      return gf_builder_append_uint(b, (uint64_t)((i * 9 + 1) % 200));
    case GF_TYPE_HALF_FLOAT: case GF_TYPE_FLOAT: case GF_TYPE_DOUBLE:
      return gf_builder_append_double(b, (double)i * 1.5 - 3.0);
    case GF_TYPE_BINARY: case GF_TYPE_STRING: case GF_TYPE_LARGE_BINARY: case GF_TYPE_LARGE_STRING:
    case GF_TYPE_BINARY_VIEW: case GF_TYPE_STRING_VIEW:
      snprintf(tmp, sizeof(tmp), i % 2 ? "value-%lld-with-a-long-tail" : "v%lld", (long long)i);
      return gf_builder_append_string(b, tmp);
    case GF_TYPE_FIXED_SIZE_BINARY:
      for (int k = 0; k < t->byte_width && k < 64; k++) tmp[k] = (char)('a' + (i + k) % 26);
      return gf_builder_append_bytes(b, tmp, (size_t)t->byte_width);
    case GF_TYPE_DECIMAL32: case GF_TYPE_DECIMAL64: case GF_TYPE_DECIMAL128: case GF_TYPE_DECIMAL256:
      return gf_builder_append_decimal_int(b, i * 12345 - 50000);
    case GF_TYPE_DATE32: case GF_TYPE_DATE64: case GF_TYPE_TIME32: case GF_TYPE_TIME64:
    case GF_TYPE_TIMESTAMP: case GF_TYPE_DURATION: case GF_TYPE_INTERVAL_MONTHS:
      return gf_builder_append_int(b, t->id == GF_TYPE_DATE64 ? i * 86400000 : i * 1000 + 1);
    case GF_TYPE_INTERVAL_DAY_TIME: return gf_builder_append_interval_day_time(b, (int32_t)i, (int32_t)i * 10);
    case GF_TYPE_INTERVAL_MONTH_DAY_NANO:
      return gf_builder_append_interval_mdn(b, (int32_t)i, (int32_t)i + 1, i * 1000);
    case GF_TYPE_LIST: case GF_TYPE_LARGE_LIST: case GF_TYPE_LIST_VIEW: case GF_TYPE_LARGE_LIST_VIEW:
      c = gf_builder_child(b, 0);
      for (int64_t k = 0; k < i % 3 && rc == 0; k++) rc = fill(c, i * 3 + k, 1);
      return rc ? rc : gf_builder_append_list_end(b);
    case GF_TYPE_FIXED_SIZE_LIST:
      c = gf_builder_child(b, 0);
      for (int64_t k = 0; k < t->list_size && rc == 0; k++) rc = fill(c, i * 3 + k, 1);
      return rc ? rc : gf_builder_append_list_end(b);
    case GF_TYPE_MAP: {
      c = gf_builder_child(b, 0);
      for (int64_t k = 0; k < i % 3 && rc == 0; k++) {
        rc = fill(gf_builder_child(c, 0), i * 3 + k, 0);
        if (rc == 0) rc = fill(gf_builder_child(c, 1), i * 3 + k, 1);
        if (rc == 0) rc = gf_builder_append_struct_end(c);
      }
      return rc ? rc : gf_builder_append_list_end(b);
    }
    case GF_TYPE_STRUCT: {
      const struct ArrowSchema* s = gf_builder_schema(b);
      for (int64_t k = 0; k < s->n_children && rc == 0; k++) rc = fill(gf_builder_child(b, k), i + k, 1);
      return rc ? rc : gf_builder_append_struct_end(b);
    }
    case GF_TYPE_SPARSE_UNION: case GF_TYPE_DENSE_UNION: {
      int k = (int)(i % t->n_union_type_ids);
      rc = gf_builder_append_union(b, t->union_type_ids[k]);
      return rc ? rc : fill(gf_builder_child(b, k), i, 1);
    }
    case GF_TYPE_RUN_END_ENCODED:
      rc = fill(gf_builder_child(b, 1), i / 2, 1);
      return rc ? rc : gf_builder_append_run(b, 1);
    default: return GF_INVALID_ARGUMENT;
  }
}

static inline int fill(gf_builder* b, int64_t i, int allow_null) {
  const gf_type* t = gf_builder_type(b);
  const struct ArrowSchema* s = gf_builder_schema(b);
  if (allow_null && i % 5 == 3 && t->id != GF_TYPE_SPARSE_UNION && t->id != GF_TYPE_DENSE_UNION &&
      t->id != GF_TYPE_RUN_END_ENCODED)
    return gf_builder_append_null(b, 1);
  if (s->dictionary) return gf_builder_append_int(b, i % 4);
  return fill_value(b, t, i);
}

/* Fills a dictionary builder tree (recursively) with 4 values. */
static inline int fill_dicts(gf_builder* b) {
  if (b == NULL) return 0;
  gf_builder* d = gf_builder_dictionary(b);
  int rc = 0;
  if (d) {
    rc = fill_dicts(d);
    for (int64_t k = 0; k < 4 && rc == 0; k++) rc = fill(d, k + 1, 0);
    return rc;
  }
  const struct ArrowSchema* s = gf_builder_schema(b);
  for (int64_t k = 0; k < s->n_children && rc == 0; k++) rc = fill_dicts(gf_builder_child(b, k));
  return rc;
}

/* Builds `rows` rows of a batch for schema s. */
static inline int build_batch(const struct ArrowSchema* s, int64_t rows, struct ArrowArray* out) {
  gf_builder* b;
  gf_error err;
  if (gf_builder_create(s, &b, &err)) {
    fprintf(stderr, "builder: %s\n", err.message);
    return 1;
  }
  int rc = 0;
  for (int64_t c = 0; c < s->n_children && rc == 0; c++) rc = fill_dicts(gf_builder_child(b, c));
  for (int64_t i = 0; i < rows && rc == 0; i++) {
    for (int64_t c = 0; c < s->n_children && rc == 0; c++) rc = fill(gf_builder_child(b, c), i, 1);
    if (rc == 0) rc = gf_builder_append_struct_end(b);
  }
  if (rc) fprintf(stderr, "fill: %s\n", gf_builder_last_error(b));
  if (rc == 0 && gf_builder_finish(b, out, &err)) {
    fprintf(stderr, "finish: %s\n", err.message);
    rc = 1;
  }
  gf_builder_free(b);
  return rc;
}

/* Schema builder from a compact spec: "name:format" with children given by
 * a callback; most tests use mk_col. */
static inline struct ArrowSchema** mk(struct ArrowSchema* s, const char* fmt, const char* name, int n,
                               int64_t flags) {
  if (gf_schema_init(s, fmt, name, flags, NULL) != GF_OK) abort();
  if (n > 0 && gf_schema_allocate_children(s, n, NULL) != GF_OK) abort();
  return s->children;
}

/* Makes a column schema for a type family name; returns 0 if unknown. */
static inline int mk_col(struct ArrowSchema* c, const char* fam) {
  const int64_t N = ARROW_FLAG_NULLABLE;
  struct ArrowSchema** ch;
  if (strcmp(fam, "list") == 0 || strcmp(fam, "large_list") == 0 || strcmp(fam, "list_view") == 0 ||
      strcmp(fam, "large_list_view") == 0 || strcmp(fam, "fixed_size_list") == 0) {
    const char* f = fam[0] == 'l' && fam[1] == 'i' && fam[4] == 0 ? "+l"
                    : strcmp(fam, "large_list") == 0   ? "+L"
                    : strcmp(fam, "list_view") == 0    ? "+vl"
                    : strcmp(fam, "large_list_view") == 0 ? "+vL" : "+w:2";
    ch = mk(c, f, fam, 1, N);
    mk(ch[0], "i", "item", 0, N);
  } else if (strcmp(fam, "struct") == 0) {
    ch = mk(c, "+s", fam, 2, N);
    mk(ch[0], "i", "a", 0, N);
    mk(ch[1], "u", "b", 0, N);
  } else if (strcmp(fam, "map") == 0) {
    ch = mk(c, "+m", fam, 1, N);
    struct ArrowSchema** e = mk(ch[0], "+s", "entries", 2, 0);
    mk(e[0], "u", "key", 0, 0);
    mk(e[1], "l", "value", 0, N);
  } else if (strcmp(fam, "sparse_union") == 0 || strcmp(fam, "dense_union") == 0) {
    ch = mk(c, fam[0] == 's' ? "+us:3,7" : "+ud:3,7", fam, 2, 0);
    mk(ch[0], "i", "i", 0, N);
    mk(ch[1], "u", "s", 0, N);
  } else if (strcmp(fam, "ree") == 0) {
    ch = mk(c, "+r", fam, 2, 0);
    mk(ch[0], "i", "run_ends", 0, 0);
    mk(ch[1], "u", "values", 0, N);
  } else if (strcmp(fam, "dictionary") == 0) {
    mk(c, "i", fam, 0, N);
    if (gf_schema_allocate_dictionary(c, NULL)) abort();
    mk(c->dictionary, "u", "", 0, 0);
  } else if (strcmp(fam, "nested_dictionary") == 0) {
    /* dictionary<int8, list<dictionary<int16, utf8>>> */
    mk(c, "c", fam, 0, N);
    if (gf_schema_allocate_dictionary(c, NULL)) abort();
    ch = mk(c->dictionary, "+l", "", 1, 0);
    mk(ch[0], "s", "item", 0, N);
    if (gf_schema_allocate_dictionary(ch[0], NULL)) abort();
    mk(ch[0]->dictionary, "u", "", 0, 0);
  } else if (strcmp(fam, "extension") == 0) {
    gf_metadata_entry e[2] = {{{(const uint8_t*)"ARROW:extension:name", 20}, {(const uint8_t*)"my.uuid", 7}},
                              {{(const uint8_t*)"ARROW:extension:metadata", 24}, {(const uint8_t*)"{}", 2}}};
    char* md;
    mk(c, "w:16", fam, 0, N);
    if (gf_metadata_encode(e, 2, &md, NULL)) abort();
    gf_schema_set_metadata(c, md);
    free(md);
  } else {
    static const char* simple[][2] = {
        {"null", "n"}, {"bool", "b"}, {"int8", "c"}, {"uint8", "C"}, {"int16", "s"},
        {"uint16", "S"}, {"int32", "i"}, {"uint32", "I"}, {"int64", "l"}, {"uint64", "L"},
        {"float16", "e"}, {"float32", "f"}, {"float64", "g"}, {"binary", "z"},
        {"large_binary", "Z"}, {"binary_view", "vz"}, {"utf8", "u"}, {"large_utf8", "U"},
        {"utf8_view", "vu"}, {"fixed_size_binary", "w:5"}, {"decimal32", "d:7,2,32"},
        {"decimal64", "d:15,3,64"}, {"decimal128", "d:20,4"}, {"decimal256", "d:40,5,256"},
        {"date32", "tdD"}, {"date64", "tdm"}, {"time32", "ttm"}, {"time64", "ttu"},
        {"timestamp", "tsu:UTC"}, {"timestamp_naive", "tsn:"}, {"duration", "tDs"},
        {"interval_months", "tiM"}, {"interval_day_time", "tiD"}, {"interval_mdn", "tin"}};
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
      if (strcmp(fam, simple[i][0]) == 0) {
        mk(c, simple[i][1], fam, 0, strcmp(fam, "null") == 0 ? N : N);
        return 1;
      }
    return 0;
  }
  return 1;
}

__attribute__((unused)) static const char* const ALL_FAMILIES[] = {
    "null", "bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
    "float16", "float32", "float64", "binary", "large_binary", "binary_view", "utf8",
    "large_utf8", "utf8_view", "fixed_size_binary", "decimal32", "decimal64", "decimal128",
    "decimal256", "date32", "date64", "time32", "time64", "timestamp", "timestamp_naive",
    "duration", "interval_months", "interval_day_time", "interval_mdn", "list", "large_list",
    "list_view", "large_list_view", "fixed_size_list", "struct", "map", "sparse_union",
    "dense_union", "ree", "dictionary", "nested_dictionary", "extension"};
#define N_FAMILIES (sizeof(ALL_FAMILIES) / sizeof(ALL_FAMILIES[0]))

/* A +s schema with one column of family fam (plus schema metadata). */
static inline void mk_schema(struct ArrowSchema* s, const char* fam) {
  struct ArrowSchema** ch = mk(s, "+s", "", 1, 0);
  if (!mk_col(ch[0], fam)) abort();
}

#endif
