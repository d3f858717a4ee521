/* Builder appends for every type: values, nulls, list/struct element ends,
 * union slots and runs. Amortised O(1), no per-value allocation. One thread
 * at a time per builder tree. */
#include <math.h>
#include <stdlib.h>

#include "arrow/bits.h"
#include "arrow/builder.h"

#define OOM(b) gf__builder_fail((b), GF_NO_MEMORY, "out of memory")

/* Makes `buf` hold at least `bits` bits; new bytes are zero. */
static int bits_extend(gf__abuf* buf, int64_t bits) {
  int64_t need = (bits + 7) >> 3;
  if (need <= buf->size) return GF_OK;
  if (gf__abuf_reserve(buf, need - buf->size) != GF_OK) return GF_NO_MEMORY;
  memset(buf->data + buf->size, 0, (size_t)(need - buf->size));
  buf->size = need;
  return GF_OK;
}

static int mark_valid(gf_builder* b, int64_t n) {
  if (b->has_bitmap) {
    if (bits_extend(&b->validity, b->length + n) != GF_OK) return OOM(b);
    for (int64_t i = 0; i < n; i++) gf__bit_set_to(b->validity.data, b->length + i, 1);
  }
  b->length += n;
  return GF_OK;
}

static int mark_null(gf_builder* b, int64_t n) {
  if (bits_extend(&b->validity, b->length + n) != GF_OK) return OOM(b);
  if (!b->has_bitmap) { /* first null: everything before was valid */
    memset(b->validity.data, 0xff, (size_t)(b->length >> 3));
    for (int64_t i = b->length & ~(int64_t)7; i < b->length; i++) gf__bit_set_to(b->validity.data, i, 1);
    b->has_bitmap = 1;
  }
  b->length += n;
  b->null_count += n;
  return GF_OK;
}

static int put_fixed(gf_builder* b, const void* p, int width) {
  if (gf__abuf_append(&b->b1, p, width) != GF_OK) return OOM(b);
  return mark_valid(b, 1);
}

static int64_t last_offset(const gf_builder* b, int w) {
  if (b->b1.size == 0) return 0;
  return gf__load_offset(b->b1.data + b->b1.size - w, w == 8, 0);
}

static int push_offset(gf_builder* b, int64_t v) {
  int w = gf__builder_offsets_width(b->t.id);
  if (w == 4 && v > INT32_MAX)
    return gf__builder_fail(b, GF_RESOURCE_EXHAUSTED, "offset %lld exceeds int32 (use the large_ type)", (long long)v);
  if (b->b1.size == 0 && gf__abuf_append_zeros(&b->b1, w) != GF_OK) return OOM(b);
  int32_t v32 = (int32_t)v;
  if (gf__abuf_append(&b->b1, w == 4 ? (const void*)&v32 : (const void*)&v, w) != GF_OK) return OOM(b);
  return GF_OK;
}

static int is_signed_fixed(gf_type_id id) {
  switch (id) {
    case GF_TYPE_INT8: case GF_TYPE_INT16: case GF_TYPE_INT32: case GF_TYPE_INT64:
    case GF_TYPE_DATE32: case GF_TYPE_DATE64: case GF_TYPE_TIME32: case GF_TYPE_TIME64:
    case GF_TYPE_TIMESTAMP: case GF_TYPE_DURATION: case GF_TYPE_INTERVAL_MONTHS:
      return 1;
    default:
      return 0;
  }
}

static int is_unsigned_int(gf_type_id id) {
  return id == GF_TYPE_UINT8 || id == GF_TYPE_UINT16 || id == GF_TYPE_UINT32 || id == GF_TYPE_UINT64;
}

static int put_int_width(gf_builder* b, int64_t v, int w) {
  int8_t i8 = (int8_t)v;
  int16_t i16 = (int16_t)v;
  int32_t i32 = (int32_t)v;
  const void* p = w == 1 ? (const void*)&i8 : w == 2 ? (const void*)&i16 : w == 4 ? (const void*)&i32 : (const void*)&v;
  return put_fixed(b, p, w);
}

gf_status gf_builder_append_double(gf_builder* b, double v);
gf_status gf_builder_append_bool(gf_builder* b, int v);

gf_status gf_builder_append_int(gf_builder* b, int64_t v) {
  int w = b->t.byte_width;
  gf_type_id id = b->t.id;
  if (is_signed_fixed(id)) {
    int64_t lo = w == 8 ? INT64_MIN : -((int64_t)1 << (w * 8 - 1));
    int64_t hi = w == 8 ? INT64_MAX : ((int64_t)1 << (w * 8 - 1)) - 1;
    if (v < lo || v > hi) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "value %lld out of range", (long long)v);
    return put_int_width(b, v, w);
  }
  if (is_unsigned_int(id)) {
    if (v < 0) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "negative value %lld for unsigned type", (long long)v);
    return gf_builder_append_uint(b, (uint64_t)v);
  }
  switch (id) {
    case GF_TYPE_BOOL: return gf_builder_append_bool(b, v != 0);
    case GF_TYPE_HALF_FLOAT: case GF_TYPE_FLOAT: case GF_TYPE_DOUBLE:
      return gf_builder_append_double(b, (double)v);
    case GF_TYPE_DECIMAL32: case GF_TYPE_DECIMAL64: case GF_TYPE_DECIMAL128: case GF_TYPE_DECIMAL256:
      return gf_builder_append_decimal_int(b, v);
    default:
      return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_int does not apply to this type");
  }
}

gf_status gf_builder_append_uint(gf_builder* b, uint64_t v) {
  if (is_unsigned_int(b->t.id)) {
    int w = b->t.byte_width;
    if (w < 8 && v >> (w * 8)) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "value %llu out of range", (unsigned long long)v);
    return put_int_width(b, (int64_t)v, w);
  }
  if (v > INT64_MAX) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "value %llu out of range", (unsigned long long)v);
  return gf_builder_append_int(b, (int64_t)v);
}

/* IEEE binary64 -> binary16, round to nearest even. */
static uint16_t double_to_half(double d) {
  uint64_t bits;
  memcpy(&bits, &d, 8);
  uint16_t sign = (uint16_t)((bits >> 48) & 0x8000);
  int exp = (int)((bits >> 52) & 0x7ff);
  uint64_t mant = bits & ((1ull << 52) - 1);
  if (exp == 0x7ff) return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
  int e = exp - 1023 + 15;
  if (e >= 31) return sign | 0x7c00;
  uint64_t m_full = mant | (exp ? (1ull << 52) : 0);
  int shift = e >= 1 ? 42 : 42 + 1 - e;
  if (shift > 63) return sign;
  uint64_t m = (e >= 1 ? mant : m_full) >> shift;
  uint64_t rem = (e >= 1 ? mant : m_full) & ((1ull << shift) - 1);
  uint64_t half = 1ull << (shift - 1);
  if (rem > half || (rem == half && (m & 1))) m++;
  uint32_t r = e >= 1 ? (((uint32_t)e << 10) + (uint32_t)m) : (uint32_t)m;
  if (r >= 0x7c00) r = 0x7c00;
  return (uint16_t)(sign | r);
}

gf_status gf_builder_append_double(gf_builder* b, double v) {
  switch (b->t.id) {
    case GF_TYPE_HALF_FLOAT: {
      uint16_t h = double_to_half(v);
      return put_fixed(b, &h, 2);
    }
    case GF_TYPE_FLOAT: {
      float f = (float)v;
      return put_fixed(b, &f, 4);
    }
    case GF_TYPE_DOUBLE:
      return put_fixed(b, &v, 8);
    default:
      if (b->t.id != GF_TYPE_BOOL && b->t.id <= GF_TYPE_UINT64 && b->t.id >= GF_TYPE_INT8) {
        if (v != floor(v) || !(v >= -9.2233720368547758e18 && v < 9.2233720368547758e18))
          return gf__builder_fail(b, GF_INVALID_ARGUMENT, "value %g is not an integer in range", v);
        return gf_builder_append_int(b, (int64_t)v);
      }
      return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_double does not apply to this type");
  }
}

gf_status gf_builder_append_bool(gf_builder* b, int v) {
  if (b->t.id != GF_TYPE_BOOL) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_bool does not apply to this type");
  if (bits_extend(&b->b1, b->length + 1) != GF_OK) return OOM(b);
  if (v) gf__bit_set_to(b->b1.data, b->length, 1);
  return mark_valid(b, 1);
}

static int put_binary(gf_builder* b, const void* p, size_t len) {
  if (len > (size_t)INT64_MAX / 2) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "value too long");
  int rc = push_offset(b, b->b2.size + (int64_t)len);
  if (rc != GF_OK) return rc;
  if (gf__abuf_append(&b->b2, p, (int64_t)len) != GF_OK) {
    b->b1.size -= gf__builder_offsets_width(b->t.id);
    return OOM(b);
  }
  return mark_valid(b, 1);
}

static int new_view_buffer(gf_builder* b) {
  if (b->n_vdata == b->cap_vdata) {
    int64_t cap = b->cap_vdata ? b->cap_vdata * 2 : 4;
    gf__abuf* nv = realloc(b->vdata, (size_t)cap * sizeof(gf__abuf));
    if (nv == NULL) return GF_NO_MEMORY;
    b->vdata = nv;
    b->cap_vdata = cap;
  }
  memset(&b->vdata[b->n_vdata++], 0, sizeof(gf__abuf));
  return GF_OK;
}

static int put_view(gf_builder* b, const void* p, size_t len) {
  if (len > INT32_MAX) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "view value longer than 2 GiB");
  uint8_t v[16] = {0};
  int32_t l = (int32_t)len;
  memcpy(v, &l, 4);
  if (len <= 12) {
    if (len) memcpy(v + 4, p, len);
  } else {
    if (b->n_vdata == 0 || b->vdata[b->n_vdata - 1].size > INT32_MAX - (int64_t)len) {
      if (new_view_buffer(b) != GF_OK) return OOM(b);
    }
    gf__abuf* d = &b->vdata[b->n_vdata - 1];
    int32_t idx = (int32_t)(b->n_vdata - 1), off = (int32_t)d->size;
    if (gf__abuf_append(d, p, (int64_t)len) != GF_OK) return OOM(b);
    memcpy(v + 4, p, 4);
    memcpy(v + 8, &idx, 4);
    memcpy(v + 12, &off, 4);
  }
  return put_fixed(b, v, 16);
}

gf_status gf_builder_append_bytes(gf_builder* b, const void* data, size_t len) {
  gf_type_id id = b->t.id;
  if (len > 0 && data == NULL) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "data is NULL");
  if ((id == GF_TYPE_STRING || id == GF_TYPE_LARGE_STRING || id == GF_TYPE_STRING_VIEW) &&
      !gf__utf8_valid((const uint8_t*)data, len, NULL))
    return gf__builder_fail(b, GF_INVALID_ARGUMENT, "value is not valid UTF-8");
  switch (id) {
    case GF_TYPE_BINARY: case GF_TYPE_LARGE_BINARY: case GF_TYPE_STRING: case GF_TYPE_LARGE_STRING:
      return put_binary(b, data, len);
    case GF_TYPE_BINARY_VIEW: case GF_TYPE_STRING_VIEW:
      return put_view(b, data, len);
    case GF_TYPE_FIXED_SIZE_BINARY: case GF_TYPE_DECIMAL32: case GF_TYPE_DECIMAL64:
    case GF_TYPE_DECIMAL128: case GF_TYPE_DECIMAL256:
      if (len != (size_t)b->t.byte_width)
        return gf__builder_fail(b, GF_INVALID_ARGUMENT, "value has %zu bytes, type needs %d", len, b->t.byte_width);
      if (b->t.byte_width == 0) return mark_valid(b, 1);
      return put_fixed(b, data, b->t.byte_width);
    default:
      return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_bytes does not apply to this type");
  }
}

gf_status gf_builder_append_string(gf_builder* b, const char* s) {
  if (s == NULL) return gf_builder_append_null(b, 1);
  return gf_builder_append_bytes(b, s, strlen(s));
}

gf_status gf_builder_append_decimal_int(gf_builder* b, int64_t v) {
  int w = b->t.byte_width;
  if (b->t.id < GF_TYPE_DECIMAL32 || b->t.id > GF_TYPE_DECIMAL256)
    return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_decimal_int does not apply to this type");
  if (w == 4 && (v < INT32_MIN || v > INT32_MAX))
    return gf__builder_fail(b, GF_INVALID_ARGUMENT, "value %lld out of range for decimal32", (long long)v);
  uint8_t buf[32];
  uint64_t u = (uint64_t)v;
  for (int i = 0; i < w; i++) buf[i] = i < 8 ? (uint8_t)(u >> (8 * i)) : (v < 0 ? 0xff : 0);
  return put_fixed(b, buf, w);
}

gf_status gf_builder_append_interval_day_time(gf_builder* b, int32_t days, int32_t ms) {
  if (b->t.id != GF_TYPE_INTERVAL_DAY_TIME)
    return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_interval_day_time does not apply to this type");
  int32_t v[2] = {days, ms};
  return put_fixed(b, v, 8);
}

gf_status gf_builder_append_interval_mdn(gf_builder* b, int32_t months, int32_t days,
                                         int64_t nanos) {
  if (b->t.id != GF_TYPE_INTERVAL_MONTH_DAY_NANO)
    return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_interval_mdn does not apply to this type");
  uint8_t v[16];
  memcpy(v, &months, 4);
  memcpy(v + 4, &days, 4);
  memcpy(v + 8, &nanos, 8);
  return put_fixed(b, v, 16);
}

gf_status gf_builder_append_list_end(gf_builder* b) {
  gf_builder* c = b->n_children ? b->children[0] : NULL;
  int rc;
  switch (b->t.id) {
    case GF_TYPE_LIST: case GF_TYPE_LARGE_LIST: case GF_TYPE_MAP:
      if ((rc = push_offset(b, c->length)) != GF_OK) return rc;
      return mark_valid(b, 1);
    case GF_TYPE_LIST_VIEW: case GF_TYPE_LARGE_LIST_VIEW: {
      int large = b->t.id == GF_TYPE_LARGE_LIST_VIEW;
      int64_t off = b->mark, size = c->length - b->mark;
      if (!large && c->length > INT32_MAX)
        return gf__builder_fail(b, GF_RESOURCE_EXHAUSTED, "child longer than int32 (use large_list_view)");
      int32_t o32 = (int32_t)off, s32 = (int32_t)size;
      if (gf__abuf_append(&b->b1, large ? (const void*)&off : (const void*)&o32, large ? 8 : 4) != GF_OK ||
          gf__abuf_append(&b->b2, large ? (const void*)&size : (const void*)&s32, large ? 8 : 4) != GF_OK)
        return OOM(b);
      b->mark = c->length;
      return mark_valid(b, 1);
    }
    case GF_TYPE_FIXED_SIZE_LIST:
      if (c->length != (b->length + 1) * (int64_t)b->t.list_size)
        return gf__builder_fail(b, GF_INVALID_ARGUMENT, "element has %lld values, list_size is %d",
                                (long long)(c->length - b->length * (int64_t)b->t.list_size), b->t.list_size);
      return mark_valid(b, 1);
    default:
      return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_list_end does not apply to this type");
  }
}

gf_status gf_builder_append_struct_end(gf_builder* b) {
  if (b->t.id != GF_TYPE_STRUCT)
    return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_struct_end does not apply to this type");
  for (int64_t i = 0; i < b->n_children; i++) {
    if (b->children[i]->length != b->length + 1)
      return gf__builder_fail(b, GF_INVALID_ARGUMENT, "child '%s' has %lld values, expected %lld",
                              b->children[i]->schema->name ? b->children[i]->schema->name : "",
                              (long long)b->children[i]->length, (long long)(b->length + 1));
  }
  return mark_valid(b, 1);
}

gf_status gf_builder_append_union(gf_builder* b, int8_t type_id) {
  int dense = b->t.id == GF_TYPE_DENSE_UNION;
  if (!dense && b->t.id != GF_TYPE_SPARSE_UNION)
    return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_union does not apply to this type");
  int k = type_id >= 0 ? b->child_of[type_id] : -1;
  if (k < 0) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "type id %d is not in the union", type_id);
  if (dense) {
    if (b->children[k]->length > INT32_MAX)
      return gf__builder_fail(b, GF_RESOURCE_EXHAUSTED, "dense union child longer than int32");
    int32_t off = (int32_t)b->children[k]->length;
    if (gf__abuf_append(&b->b2, &off, 4) != GF_OK) return OOM(b);
  } else {
    for (int64_t j = 0; j < b->n_children; j++) {
      int rc = j == k ? GF_OK : gf_builder_append_null(b->children[j], 1);
      if (rc != GF_OK) return rc;
    }
  }
  if (gf__abuf_append(&b->b1, &type_id, 1) != GF_OK) return OOM(b);
  b->length++;
  return GF_OK;
}

gf_status gf_builder_append_run(gf_builder* b, int64_t run_length) {
  if (b->t.id != GF_TYPE_RUN_END_ENCODED)
    return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append_run does not apply to this type");
  gf_builder* ends = b->children[0];
  if (run_length < 1) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "run length %lld < 1", (long long)run_length);
  if (b->children[1]->length != ends->length + 1)
    return gf__builder_fail(b, GF_INVALID_ARGUMENT, "append exactly one value to the values child before append_run");
  if (run_length > INT64_MAX - b->length) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "run end overflows");
  int rc = gf_builder_append_int(ends, b->length + run_length);
  if (rc != GF_OK) return rc;
  b->length += run_length;
  return GF_OK;
}

static int null_union(gf_builder* b, int64_t n) {
  if (b->n_children == 0) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "union has no children");
  for (int64_t i = 0; i < n; i++) {
    int rc = gf_builder_append_union(b, b->t.union_type_ids[0]);
    if (rc == GF_OK) rc = gf_builder_append_null(b->children[0], 1);
    if (rc != GF_OK) return rc;
  }
  return GF_OK;
}

static int null_values(gf_builder* b, int64_t n) {
  int w = gf__builder_offsets_width(b->t.id);
  if (w) {
    int64_t last = last_offset(b, w);
    for (int64_t i = 0; i < n; i++) {
      int rc = push_offset(b, last);
      if (rc != GF_OK) return rc;
    }
    return GF_OK;
  }
  switch (b->t.id) {
    case GF_TYPE_BOOL:
      return bits_extend(&b->b1, b->length + n) == GF_OK ? GF_OK : OOM(b);
    case GF_TYPE_BINARY_VIEW: case GF_TYPE_STRING_VIEW:
      return gf__abuf_append_zeros(&b->b1, 16 * n) == GF_OK ? GF_OK : OOM(b);
    case GF_TYPE_LIST_VIEW: case GF_TYPE_LARGE_LIST_VIEW: {
      int ow = b->t.id == GF_TYPE_LARGE_LIST_VIEW ? 8 : 4;
      if (gf__abuf_append_zeros(&b->b1, ow * n) != GF_OK || gf__abuf_append_zeros(&b->b2, ow * n) != GF_OK)
        return OOM(b);
      return GF_OK;
    }
    case GF_TYPE_FIXED_SIZE_LIST:
      return gf_builder_append_null(b->children[0], n * b->t.list_size);
    case GF_TYPE_STRUCT:
      for (int64_t i = 0; i < b->n_children; i++) {
        int rc = gf_builder_append_null(b->children[i], n);
        if (rc != GF_OK) return rc;
      }
      return GF_OK;
    default:
      return gf__abuf_append_zeros(&b->b1, (int64_t)b->t.byte_width * n) == GF_OK ? GF_OK : OOM(b);
  }
}

gf_status gf_builder_append_null(gf_builder* b, int64_t n) {
  if (n < 0 || n > ((int64_t)1 << 40)) return gf__builder_fail(b, GF_INVALID_ARGUMENT, "bad null count %lld", (long long)n);
  if (n == 0) return GF_OK;
  switch (b->t.id) {
    case GF_TYPE_NA:
      b->length += n;
      b->null_count += n;
      return GF_OK;
    case GF_TYPE_SPARSE_UNION: case GF_TYPE_DENSE_UNION:
      return null_union(b, n);
    case GF_TYPE_RUN_END_ENCODED: {
      int rc = gf_builder_append_null(b->children[1], 1);
      return rc == GF_OK ? gf_builder_append_run(b, n) : rc;
    }
    default: {
      int rc = null_values(b, n);
      return rc == GF_OK ? mark_null(b, n) : rc;
    }
  }
}
