/* gooddata-flight: one Arrow value as text or JSON, for every Arrow type
 * (nested, dictionary-encoded, run-end encoded and view types included),
 * read straight from the C Data buffers; shortest round-trip floats; type
 * names for schema output. Main thread. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct col {
  const struct ArrowSchema* s;
  const struct ArrowArray* a;
  gf_type t;
  int64_t n_children;
  col** children;
  col* dict;
  int8_t type_to_child[128];
};

col* col_new(const struct ArrowSchema* s, const struct ArrowArray* a, gf_error* err) {
  col* c = calloc(1, sizeof(*c));
  if (!c) {
    gf_error_set(err, GF_NO_MEMORY, "out of memory");
    return NULL;
  }
  c->s = s;
  c->a = a;
  if (gf_type_parse(s->format, &c->t, err)) goto fail;
  if (s->n_children != a->n_children) {
    gf_error_set(err, GF_INVALID_ARGUMENT, "field '%s': %lld children in the schema, %lld in the array",
                 s->name ? s->name : "", (long long)s->n_children, (long long)a->n_children);
    goto fail;
  }
  c->n_children = s->n_children;
  if (c->n_children) {
    c->children = calloc((size_t)c->n_children, sizeof(col*));
    if (!c->children) goto oom;
    for (int64_t i = 0; i < c->n_children; i++)
      if (!(c->children[i] = col_new(s->children[i], a->children[i], err))) goto fail;
  }
  if (s->dictionary) {
    if (!a->dictionary) {
      gf_error_set(err, GF_INVALID_ARGUMENT, "field '%s': dictionary missing", s->name ? s->name : "");
      goto fail;
    }
    if (!(c->dict = col_new(s->dictionary, a->dictionary, err))) goto fail;
  }
  memset(c->type_to_child, -1, sizeof(c->type_to_child));
  if (c->t.id == GF_TYPE_SPARSE_UNION || c->t.id == GF_TYPE_DENSE_UNION)
    for (int32_t i = 0; i < c->t.n_union_type_ids && i < c->n_children; i++)
      if (c->t.union_type_ids[i] >= 0) c->type_to_child[c->t.union_type_ids[i]] = (int8_t)i;
  return c;
oom:
  gf_error_set(err, GF_NO_MEMORY, "out of memory");
fail:
  col_free(c);
  return NULL;
}

void col_free(col* c) {
  if (!c) return;
  for (int64_t i = 0; i < c->n_children && c->children; i++) col_free(c->children[i]);
  free(c->children);
  col_free(c->dict);
  free(c);
}

bool col_is_numeric(const col* c) {
  if (c->dict) return false;
  switch (c->t.id) {
    case GF_TYPE_INT8: case GF_TYPE_UINT8: case GF_TYPE_INT16: case GF_TYPE_UINT16:
    case GF_TYPE_INT32: case GF_TYPE_UINT32: case GF_TYPE_INT64: case GF_TYPE_UINT64:
    case GF_TYPE_HALF_FLOAT: case GF_TYPE_FLOAT: case GF_TYPE_DOUBLE:
    case GF_TYPE_DECIMAL32: case GF_TYPE_DECIMAL64: case GF_TYPE_DECIMAL128: case GF_TYPE_DECIMAL256:
      return true;
    default:
      return false;
  }
}

/* ---- numbers --------------------------------------------------------------------- */

static bool special(double v, sbuf* b) {
  if (isnan(v)) sb_puts(b, "NaN");
  else if (isinf(v)) sb_puts(b, v < 0 ? "-Infinity" : "Infinity");
  else return false;
  return true;
}

void fmt_double(double v, sbuf* b) {
  if (special(v, b)) return;
  char buf[40];
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof(buf), "%.*g", p, v);
    if (strtod(buf, NULL) == v) break;
  }
  sb_puts(b, buf);
}

void fmt_float(float v, sbuf* b) {
  if (special(v, b)) return;
  char buf[40];
  for (int p = 1; p <= 9; p++) {
    snprintf(buf, sizeof(buf), "%.*g", p, (double)v);
    if (strtof(buf, NULL) == v) break;
  }
  sb_puts(b, buf);
}

static float half_to_float(uint16_t h) {
  int sign = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  float v;
  if (e == 0) v = ldexpf((float)m, -24);
  else if (e == 31) v = m ? NAN : INFINITY;
  else v = ldexpf((float)(m | 0x400), e - 25);
  return sign ? -v : v;
}

/* Nearest half (ties to even) of a float; used to check a candidate text. */
static uint16_t float_to_half(float f) {
  uint16_t sign = signbit(f) ? 0x8000 : 0;
  float a = fabsf(f);
  if (isnan(f)) return sign | 0x7e00;
  if (a >= 65520.0f) return sign | 0x7c00;
  if (a < ldexpf(1, -14)) return sign | (uint16_t)lrintf(a * ldexpf(1, 24)); /* subnormal */
  int e;
  float m = frexpf(a, &e); /* a = m * 2^e, m in [0.5, 1) */
  long q = lrintf(m * 2048.0f); /* 11 significant bits */
  if (q == 2048) {
    q = 1024;
    e++;
  }
  if (e - 1 + 15 >= 31) return sign | 0x7c00;
  return sign | (uint16_t)(((e - 1 + 15) << 10) | (q & 0x3ff));
}

void fmt_half(uint16_t h, sbuf* b) {
  float v = half_to_float(h);
  if (special(v, b)) return;
  char buf[40];
  for (int p = 1; p <= 9; p++) {
    snprintf(buf, sizeof(buf), "%.*g", p, (double)v);
    if (float_to_half(strtof(buf, NULL)) == h) break;
  }
  sb_puts(b, buf);
}

/* Little-endian two's complement integer of `n` bytes as decimal text, with
 * `scale` digits after the point. */
static void fmt_decimal(const uint8_t* p, int n, int scale, sbuf* b) {
  uint32_t w[8] = {0};
  int nw = n / 4;
  memcpy(w, p, (size_t)n);
  bool neg = (p[n - 1] & 0x80) != 0;
  if (neg) { /* negate */
    uint64_t carry = 1;
    for (int i = 0; i < nw; i++) {
      uint64_t v = (uint64_t)(uint32_t)~w[i] + carry;
      w[i] = (uint32_t)v;
      carry = v >> 32;
    }
  }
  char digits[100];
  if (scale > 90 || scale < -90) scale = 0;
  int nd = 0;
  for (;;) {
    bool zero = true;
    uint64_t rem = 0;
    for (int i = nw - 1; i >= 0; i--) {
      uint64_t cur = (rem << 32) | w[i];
      w[i] = (uint32_t)(cur / 10);
      rem = cur % 10;
      if (w[i]) zero = false;
    }
    digits[nd++] = (char)('0' + rem);
    if (zero) break;
  }
  while (nd <= scale) digits[nd++] = '0';
  if (neg) sb_putc(b, '-');
  for (int i = nd - 1; i >= 0; i--) {
    sb_putc(b, digits[i]);
    if (i == scale && scale > 0) sb_putc(b, '.');
  }
  if (scale < 0)
    for (int i = 0; i < -scale; i++) sb_putc(b, '0');
}

/* ---- time ---------------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && ((a < 0) != (b < 0))); }

static void civil(int64_t days, sbuf* b) {
  int64_t z = days + 719468;
  int64_t era = floor_div(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  sb_printf(b, y >= 0 && y <= 9999 ? "%04" PRId64 "-%02" PRId64 "-%02" PRId64 : "%+" PRId64 "-%02" PRId64 "-%02" PRId64, y, m, d);
}

static const int64_t unit_per_s[] = {1, 1000, 1000000, 1000000000};
static const int unit_digits[] = {0, 3, 6, 9};
static const char* const unit_suffix[] = {"s", "ms", "us", "ns"};

static void clock_time(int64_t v, gf_time_unit u, sbuf* b) {
  int64_t per = unit_per_s[u];
  int64_t secs = floor_div(v, per), frac = v - secs * per;
  int64_t day_s = secs - floor_div(secs, 86400) * 86400;
  sb_printf(b, "%02d:%02d:%02d", (int)(day_s / 3600), (int)(day_s / 60 % 60), (int)(day_s % 60));
  if (unit_digits[u]) sb_printf(b, ".%0*" PRId64, unit_digits[u], frac);
}

static void timestamp(int64_t v, const gf_type* t, sbuf* b) {
  int64_t secs = floor_div(v, unit_per_s[t->unit]);
  civil(floor_div(secs, 86400), b);
  sb_putc(b, 'T');
  clock_time(v, t->unit, b);
  if (t->timezone_len) sb_putc(b, 'Z');
}

/* ---- buffers -------------------------------------------------------------------------- */

static bool bit(const void* buf, int64_t i) { return (((const uint8_t*)buf)[i >> 3] >> (i & 7)) & 1; }

static int64_t int_at(const void* buf, int32_t width, int64_t i) {
  switch (width) {
    case 1: return ((const int8_t*)buf)[i];
    case 2: return ((const int16_t*)buf)[i];
    case 4: return ((const int32_t*)buf)[i];
    default: return ((const int64_t*)buf)[i];
  }
}

static bool valid(const col* c, int64_t j) {
  switch (c->t.id) {
    case GF_TYPE_NA: return false;
    case GF_TYPE_SPARSE_UNION: case GF_TYPE_DENSE_UNION: case GF_TYPE_RUN_END_ENCODED: return true;
    default: break;
  }
  if (c->a->null_count == 0 || !c->a->buffers[0]) return true;
  return bit(c->a->buffers[0], j);
}

static void bytes_value(const uint8_t* p, int64_t n, bool str, int json, sbuf* b) {
  static const char hex[] = "0123456789abcdef";
  if (str) {
    if (json) sb_json_string(b, p, (size_t)n);
    else sb_put(b, p, (size_t)n);
    return;
  }
  if (json) sb_putc(b, '"');
  for (int64_t i = 0; i < n; i++) {
    sb_putc(b, hex[p[i] >> 4]);
    sb_putc(b, hex[p[i] & 15]);
  }
  if (json) sb_putc(b, '"');
}

static void view_value(const col* c, int64_t j, bool str, int json, sbuf* b) {
  const uint8_t* v = (const uint8_t*)c->a->buffers[1] + j * 16;
  int32_t len, idx, off;
  memcpy(&len, v, 4);
  if (len <= 12) return bytes_value(v + 4, len, str, json, b);
  memcpy(&idx, v + 8, 4);
  memcpy(&off, v + 12, 4);
  bytes_value((const uint8_t*)c->a->buffers[2 + idx] + off, len, str, json, b);
}

static void render_at(const col* c, int64_t i, int json, sbuf* b, bool* is_null);

/* Child values k0..k1-1 as a JSON array. */
static void list_items(const col* child, int64_t k0, int64_t k1, sbuf* b) {
  sb_putc(b, '[');
  for (int64_t k = k0; k < k1; k++) {
    if (k > k0) sb_putc(b, ',');
    render_at(child, k, 1, b, NULL);
  }
  sb_putc(b, ']');
}

static void map_items(const col* entries, int64_t k0, int64_t k1, sbuf* b) {
  const col* keys = entries->children[0];
  const col* vals = entries->children[1];
  int64_t base = entries->a->offset;
  sb_putc(b, '{');
  sbuf key = {0};
  for (int64_t k = k0; k < k1; k++) {
    if (k > k0) sb_putc(b, ',');
    key.len = 0;
    bool knull = false;
    render_at(keys, base + k, 0, &key, &knull);
    if (knull) sb_puts(b, "null");
    else if (keys->t.id == GF_TYPE_STRING || keys->t.id == GF_TYPE_LARGE_STRING || keys->t.id == GF_TYPE_STRING_VIEW)
      render_at(keys, base + k, 1, b, NULL);
    else sb_json_string(b, key.data ? key.data : "", key.len);
    sb_putc(b, ':');
    render_at(vals, base + k, 1, b, NULL);
  }
  sb_free(&key);
  sb_putc(b, '}');
}

static int64_t ree_physical(const col* c, int64_t j) {
  const col* re = c->children[0];
  const void* ends = re->a->buffers[1];
  int64_t lo = 0, hi = re->a->length - 1;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (int_at(ends, re->t.byte_width, re->a->offset + mid) > j) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

static void temporal_json(int json, sbuf* b, size_t start) {
  if (!json) return;
  /* wrap the text written since `start` in quotes */
  sbuf tmp = {0};
  sb_put(&tmp, b->data + start, b->len - start);
  b->len = start;
  sb_json_string(b, tmp.data, tmp.len);
  sb_free(&tmp);
}

static void render_at(const col* c, int64_t i, int json, sbuf* b, bool* is_null) {
  const struct ArrowArray* a = c->a;
  int64_t j = a->offset + i;
  if (is_null) *is_null = false;
  if (!valid(c, j)) {
    if (is_null) *is_null = true;
    if (json) sb_puts(b, "null");
    return;
  }
  const void* v = a->n_buffers > 1 ? a->buffers[1] : NULL;
  size_t start = b->len;
  if (c->dict) {
    int64_t k = c->t.id == GF_TYPE_UINT64 ? (int64_t)((const uint64_t*)v)[j] : int_at(v, c->t.byte_width, j);
    if (c->t.id == GF_TYPE_UINT8) k = ((const uint8_t*)v)[j];
    if (c->t.id == GF_TYPE_UINT16) k = ((const uint16_t*)v)[j];
    if (c->t.id == GF_TYPE_UINT32) k = ((const uint32_t*)v)[j];
    render_at(c->dict, k, json, b, is_null);
    return;
  }
  switch (c->t.id) {
    case GF_TYPE_NA: break;
    case GF_TYPE_BOOL: sb_puts(b, bit(v, j) ? "true" : "false"); break;
    case GF_TYPE_INT8: case GF_TYPE_INT16: case GF_TYPE_INT32: case GF_TYPE_INT64:
      sb_printf(b, "%" PRId64, int_at(v, c->t.byte_width, j));
      break;
    case GF_TYPE_UINT8: sb_printf(b, "%u", ((const uint8_t*)v)[j]); break;
    case GF_TYPE_UINT16: sb_printf(b, "%u", ((const uint16_t*)v)[j]); break;
    case GF_TYPE_UINT32: sb_printf(b, "%" PRIu32, ((const uint32_t*)v)[j]); break;
    case GF_TYPE_UINT64: sb_printf(b, "%" PRIu64, ((const uint64_t*)v)[j]); break;
    case GF_TYPE_HALF_FLOAT: case GF_TYPE_FLOAT: case GF_TYPE_DOUBLE: {
      double d = c->t.id == GF_TYPE_DOUBLE ? ((const double*)v)[j] : c->t.id == GF_TYPE_FLOAT ? ((const float*)v)[j] : 0;
      if (c->t.id == GF_TYPE_HALF_FLOAT) fmt_half(((const uint16_t*)v)[j], b);
      else if (c->t.id == GF_TYPE_FLOAT) fmt_float(((const float*)v)[j], b);
      else fmt_double(d, b);
      double chk = c->t.id == GF_TYPE_HALF_FLOAT ? half_to_float(((const uint16_t*)v)[j]) : c->t.id == GF_TYPE_FLOAT ? ((const float*)v)[j] : d;
      if (json && !isfinite(chk)) temporal_json(json, b, start);
      break;
    }
    case GF_TYPE_STRING: case GF_TYPE_BINARY: {
      const int32_t* o = v;
      bytes_value((const uint8_t*)a->buffers[2] + o[j], o[j + 1] - o[j], c->t.id == GF_TYPE_STRING, json, b);
      break;
    }
    case GF_TYPE_LARGE_STRING: case GF_TYPE_LARGE_BINARY: {
      const int64_t* o = v;
      bytes_value((const uint8_t*)a->buffers[2] + o[j], o[j + 1] - o[j], c->t.id == GF_TYPE_LARGE_STRING, json, b);
      break;
    }
    case GF_TYPE_STRING_VIEW: case GF_TYPE_BINARY_VIEW:
      view_value(c, j, c->t.id == GF_TYPE_STRING_VIEW, json, b);
      break;
    case GF_TYPE_FIXED_SIZE_BINARY:
      bytes_value((const uint8_t*)v + j * c->t.byte_width, c->t.byte_width, false, json, b);
      break;
    case GF_TYPE_DECIMAL32: case GF_TYPE_DECIMAL64: case GF_TYPE_DECIMAL128: case GF_TYPE_DECIMAL256: {
      int w = c->t.decimal_bit_width / 8;
      fmt_decimal((const uint8_t*)v + j * w, w, c->t.decimal_scale, b);
      temporal_json(json, b, start);
      break;
    }
    case GF_TYPE_DATE32: civil(((const int32_t*)v)[j], b); temporal_json(json, b, start); break;
    case GF_TYPE_DATE64: civil(floor_div(((const int64_t*)v)[j], 86400000), b); temporal_json(json, b, start); break;
    case GF_TYPE_TIME32: clock_time(((const int32_t*)v)[j], c->t.unit, b); temporal_json(json, b, start); break;
    case GF_TYPE_TIME64: clock_time(((const int64_t*)v)[j], c->t.unit, b); temporal_json(json, b, start); break;
    case GF_TYPE_TIMESTAMP: timestamp(((const int64_t*)v)[j], &c->t, b); temporal_json(json, b, start); break;
    case GF_TYPE_DURATION:
      sb_printf(b, "%" PRId64 "%s", ((const int64_t*)v)[j], unit_suffix[c->t.unit]);
      temporal_json(json, b, start);
      break;
    case GF_TYPE_INTERVAL_MONTHS: sb_printf(b, "%" PRId32 "M", ((const int32_t*)v)[j]); temporal_json(json, b, start); break;
    case GF_TYPE_INTERVAL_DAY_TIME: {
      const int32_t* p = (const int32_t*)v + 2 * j;
      sb_printf(b, "%" PRId32 "d%" PRId32 "ms", p[0], p[1]);
      temporal_json(json, b, start);
      break;
    }
    case GF_TYPE_INTERVAL_MONTH_DAY_NANO: {
      const uint8_t* p = (const uint8_t*)v + 16 * j;
      int32_t m, d;
      int64_t ns;
      memcpy(&m, p, 4);
      memcpy(&d, p + 4, 4);
      memcpy(&ns, p + 8, 8);
      sb_printf(b, "%" PRId32 "M%" PRId32 "d%" PRId64 "ns", m, d, ns);
      temporal_json(json, b, start);
      break;
    }
    case GF_TYPE_LIST: case GF_TYPE_MAP: {
      const int32_t* o = v;
      if (c->t.id == GF_TYPE_MAP) map_items(c->children[0], o[j], o[j + 1], b);
      else list_items(c->children[0], o[j], o[j + 1], b);
      break;
    }
    case GF_TYPE_LARGE_LIST: list_items(c->children[0], ((const int64_t*)v)[j], ((const int64_t*)v)[j + 1], b); break;
    case GF_TYPE_LIST_VIEW: {
      int32_t o = ((const int32_t*)v)[j], n = ((const int32_t*)a->buffers[2])[j];
      list_items(c->children[0], o, (int64_t)o + n, b);
      break;
    }
    case GF_TYPE_LARGE_LIST_VIEW: {
      int64_t o = ((const int64_t*)v)[j], n = ((const int64_t*)a->buffers[2])[j];
      list_items(c->children[0], o, o + n, b);
      break;
    }
    case GF_TYPE_FIXED_SIZE_LIST:
      list_items(c->children[0], j * c->t.list_size, (j + 1) * c->t.list_size, b);
      break;
    case GF_TYPE_STRUCT:
      sb_putc(b, '{');
      for (int64_t k = 0; k < c->n_children; k++) {
        if (k) sb_putc(b, ',');
        const char* name = c->children[k]->s->name ? c->children[k]->s->name : "";
        sb_json_string(b, name, strlen(name));
        sb_putc(b, ':');
        render_at(c->children[k], j, 1, b, NULL);
      }
      sb_putc(b, '}');
      break;
    case GF_TYPE_SPARSE_UNION: case GF_TYPE_DENSE_UNION: {
      int8_t tid = ((const int8_t*)a->buffers[0])[j];
      int ci = tid >= 0 ? c->type_to_child[tid] : -1;
      if (ci < 0) {
        sb_puts(b, "null");
        break;
      }
      int64_t k = c->t.id == GF_TYPE_SPARSE_UNION ? j : ((const int32_t*)v)[j];
      render_at(c->children[ci], k, json, b, is_null);
      break;
    }
    case GF_TYPE_RUN_END_ENCODED:
      render_at(c->children[1], ree_physical(c, j), json, b, is_null);
      break;
    default:
      sb_puts(b, json ? "null" : "?");
      break;
  }
}

void col_render(const col* c, int64_t i, int json, sbuf* out, bool* is_null) {
  render_at(c, i, json, out, is_null);
}

/* ---- type names ------------------------------------------------------------------------- */

void type_text(const struct ArrowSchema* s, sbuf* b) {
  gf_type t;
  if (gf_type_parse(s->format, &t, NULL)) {
    sb_printf(b, "?(%s)", s->format);
    return;
  }
  if (s->dictionary) {
    sb_puts(b, "dictionary<values: ");
    type_text(s->dictionary, b);
    sb_printf(b, ", indices: %s>", gf_type_id_name(t.id));
    return;
  }
  sb_puts(b, gf_type_id_name(t.id));
  switch (t.id) {
    case GF_TYPE_DECIMAL32: case GF_TYPE_DECIMAL64: case GF_TYPE_DECIMAL128: case GF_TYPE_DECIMAL256:
      sb_printf(b, "(%d, %d)", t.decimal_precision, t.decimal_scale);
      return;
    case GF_TYPE_FIXED_SIZE_BINARY: sb_printf(b, "(%d)", t.byte_width); return;
    case GF_TYPE_TIME32: case GF_TYPE_TIME64: case GF_TYPE_DURATION:
      sb_printf(b, "[%s]", unit_suffix[t.unit]);
      return;
    case GF_TYPE_TIMESTAMP:
      sb_printf(b, "[%s", unit_suffix[t.unit]);
      if (t.timezone_len) sb_printf(b, ", tz=%.*s", (int)t.timezone_len, t.timezone);
      sb_putc(b, ']');
      return;
    case GF_TYPE_FIXED_SIZE_LIST: sb_printf(b, "[%d]", t.list_size); break;
    default: break;
  }
  if (s->n_children == 0) return;
  sb_putc(b, '<');
  for (int64_t i = 0; i < s->n_children; i++) {
    const struct ArrowSchema* ch = s->children[i];
    if (i) sb_puts(b, ", ");
    sb_printf(b, "%s: ", ch->name ? ch->name : "");
    type_text(ch, b);
    if (!(ch->flags & ARROW_FLAG_NULLABLE)) sb_puts(b, " not null");
  }
  sb_putc(b, '>');
}
