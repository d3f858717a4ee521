/* RecordBatch metadata + body -> C Data arrays. Buffers point into the
 * received body when aligned (copied otherwise, or decompressed); every
 * FieldNode and Buffer is checked against the body and the type's layout
 * before use. Runs on the decoding thread; results are independent of it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/bits.h"
#include "ipc/ipc_internal.h"

static const uint64_t zero_block[8] __attribute__((aligned(64)));

typedef struct dctx {
  const gf__decode_in* in;
  gf__fbr* r;
  const uint8_t* body;
  int64_t body_len;
  gf__fbv nodes, bufs, var;
  uint32_t ni, bi, vi;
  int codec;
  gf__keep* keep;
  gf_error* err;
} dctx;

static const char* nm(const struct ArrowSchema* s) { return s->name ? s->name : ""; }

static int next_node(dctx* c, const struct ArrowSchema* s, int64_t* len, int64_t* nulls) {
  if (c->ni >= c->nodes.n)
    return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                        "%s.nodes: ran out of field nodes at field '%s' (%u nodes)", c->in->what,
                        nm(s), c->nodes.n);
  const uint8_t* p = c->r->buf + c->nodes.pos + 16 * (size_t)c->ni;
  *len = (int64_t)gf__fb_load(p, 8);
  *nulls = (int64_t)gf__fb_load(p + 8, 8);
  /* null_count -1 means "unknown" (apache-arrow JS writes it for Null
   * columns); validity() derives the count from the bitmap. */
  if (*len < 0 || *nulls < -1 || *nulls > *len)
    return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                        "%s.nodes[%u] (field '%s'): bad length %lld / null_count %lld",
                        c->in->what, c->ni, nm(s), (long long)*len, (long long)*nulls);
  c->ni++;
  return GF_OK;
}

static int buf_err(dctx* c, uint32_t i, const char* role, const struct ArrowSchema* s,
                   const char* why) {
  return gf_error_set(c->err, GF_INVALID_ARGUMENT, "%s.buffers[%u] (%s of field '%s') %s",
                      c->in->what, i, role, nm(s), why);
}

static void* alloc_keep(dctx* c, size_t n) {
  void* p = aligned_alloc(64, (n + 63) / 64 * 64 + 64);
  if (p == NULL) return NULL;
  if (gf__keep_add_alloc(c->keep, p)) return NULL;
  return p;
}

/* Byte-swap kinds for big-endian bodies: > 0 reverses each element of that
 * many bytes (integers, floats, decimals, offsets); the others are layouts
 * made of several little fields. */
#define SW_NONE 0
#define SW_DAY_TIME (-1)  /* int32 days, int32 ms */
#define SW_MDN (-2)       /* int32 months, int32 days, int64 nanos */
#define SW_VIEW (-3)      /* int32 length, then inline bytes or prefix, int32 index, int32 offset */

static void rev(uint8_t* p, int w) {
  for (int i = 0, j = w - 1; i < j; i++, j--) {
    uint8_t t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
}

static void swap_buffer(uint8_t* d, int64_t len, int kind) {
  if (kind > 1) {
    for (int64_t i = 0; i + kind <= len; i += kind) rev(d + i, kind);
  } else if (kind == SW_DAY_TIME) {
    for (int64_t i = 0; i + 4 <= len; i += 4) rev(d + i, 4);
  } else if (kind == SW_MDN) {
    for (int64_t i = 0; i + 16 <= len; i += 16) {
      rev(d + i, 4);
      rev(d + i + 4, 4);
      rev(d + i + 8, 8);
    }
  } else if (kind == SW_VIEW) {
    for (int64_t i = 0; i + 16 <= len; i += 16) {
      int32_t l;
      rev(d + i, 4);
      memcpy(&l, d + i, 4);
      if (l <= 12) continue;
      rev(d + i + 8, 4);
      rev(d + i + 12, 4);
    }
  }
}

/* The swap kind of a fixed-width value type. */
static int value_swap(const gf_type* t) {
  switch (t->id) {
    case GF_TYPE_FIXED_SIZE_BINARY: return SW_NONE;
    case GF_TYPE_INTERVAL_DAY_TIME: return SW_DAY_TIME;
    case GF_TYPE_INTERVAL_MONTH_DAY_NANO: return SW_MDN;
    default: return t->byte_width > 1 ? t->byte_width : SW_NONE;
  }
}

/* Next buffer (data and size); copied when misaligned for `align`, and
 * copied + byte-swapped (kind `sw`) when the body is big-endian. */
static int next_buf_sw(dctx* c, const struct ArrowSchema* s, const char* role, size_t align,
                       int sw, const uint8_t** data, int64_t* size, uint32_t* index);
static int next_buf(dctx* c, const struct ArrowSchema* s, const char* role, size_t align,
                    const uint8_t** data, int64_t* size, uint32_t* index) {
  return next_buf_sw(c, s, role, align, SW_NONE, data, size, index);
}

static int next_buf_sw(dctx* c, const struct ArrowSchema* s, const char* role, size_t align,
                       int sw, const uint8_t** data, int64_t* size, uint32_t* index) {
  uint32_t i = c->bi;
  if (i >= c->bufs.n)
    return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                        "%s.buffers: ran out of buffers at %s of field '%s' (%u buffers)",
                        c->in->what, role, nm(s), c->bufs.n);
  c->bi++;
  if (index) *index = i;
  const uint8_t* p = c->r->buf + c->bufs.pos + 16 * (size_t)i;
  int64_t off = (int64_t)gf__fb_load(p, 8), len = (int64_t)gf__fb_load(p + 8, 8);
  if (off < 0 || len < 0) return buf_err(c, i, role, s, "has a negative offset or length");
  if (off > c->body_len || len > c->body_len - off)
    return buf_err(c, i, role, s, "out of body bounds");
  const uint8_t* d = c->body + off;
  if (c->codec >= 0 && len > 0) {
    if (len < 8) return buf_err(c, i, role, s, "too short for the compression length prefix");
    int64_t ulen = (int64_t)gf__fb_load(d, 8);
    if (ulen == -1) {
      d += 8;
      len -= 8;
    } else {
      if (ulen < 0 || ulen > c->in->opt->max_decompressed_bytes)
        return buf_err(c, i, role, s, "declares an invalid or too large decompressed size");
      uint8_t* dst = alloc_keep(c, (size_t)ulen);
      if (dst == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory decompressing");
      int rc = gf__decompress(c->codec, d + 8, (size_t)(len - 8), dst, ulen, c->err);
      if (rc) return gf_error_prefix(c->err, "%s.buffers[%u] (%s of field '%s')", c->in->what, i, role, nm(s));
      d = dst;
      len = ulen;
    }
  }
  if (len == 0) {
    d = (const uint8_t*)zero_block;
  } else if (c->in->big_endian && sw != SW_NONE) {
    uint8_t* cp = alloc_keep(c, (size_t)len);
    if (cp == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory swapping buffer");
    memcpy(cp, d, (size_t)len);
    swap_buffer(cp, len, sw);
    d = cp;
  } else if (((uintptr_t)d % align) != 0) {
    uint8_t* cp = alloc_keep(c, (size_t)len);
    if (cp == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory copying buffer");
    memcpy(cp, d, (size_t)len);
    d = cp;
  }
  *data = d;
  *size = len;
  return GF_OK;
}

static int need(dctx* c, uint32_t i, const char* role, const struct ArrowSchema* s, int64_t size,
                int64_t n, int64_t width_num, int64_t width_den) {
  /* size >= ceil(n * num / den) */
  int64_t req;
  if (width_den == 8) req = n / 8 + (n % 8 != 0);
  else {
    if (width_num && n > INT64_MAX / width_num) return buf_err(c, i, role, s, "length overflows");
    req = n * width_num;
  }
  if (size < req) {
    char why[96];
    snprintf(why, sizeof(why), "too short: %lld bytes, need %lld", (long long)size, (long long)req);
    return buf_err(c, i, role, s, why);
  }
  return GF_OK;
}

static int validity(dctx* c, const struct ArrowSchema* s, struct ArrowArray* a, int64_t len,
                    int64_t nulls) {
  const uint8_t* d;
  int64_t size;
  uint32_t i;
  int rc = next_buf(c, s, "validity", 1, &d, &size, &i);
  if (rc) return rc;
  if (nulls == 0 || (nulls < 0 && size == 0)) {
    a->buffers[0] = NULL;
    a->null_count = 0;
    return GF_OK;
  }
  if ((rc = need(c, i, "validity", s, size, len, 1, 8))) return rc;
  a->buffers[0] = d;
  if (nulls < 0) a->null_count = len - gf__bit_count(d, 0, len);
  return GF_OK;
}

static int fixed_sw(dctx* c, const struct ArrowSchema* s, struct ArrowArray* a, int bi,
                    const char* role, int64_t len, int64_t width, int sw) {
  const uint8_t* d;
  int64_t size;
  uint32_t i;
  size_t al = width >= 8 ? 8 : width >= 4 ? 4 : width >= 2 ? 2 : 1;
  int rc = next_buf_sw(c, s, role, al, sw, &d, &size, &i);
  if (rc) return rc;
  if ((rc = need(c, i, role, s, size, len, width, width ? 1 : 8))) return rc;
  a->buffers[bi] = d;
  return GF_OK;
}

/* Integer-like buffers (offsets, sizes, indices): swapped by their width. */
static int fixed(dctx* c, const struct ArrowSchema* s, struct ArrowArray* a, int bi,
                 const char* role, int64_t len, int64_t width) {
  return fixed_sw(c, s, a, bi, role, len, width, width > 1 ? (int)width : SW_NONE);
}

static int64_t ld(const uint8_t* p, int64_t i, int w) {
  if (w == 4) return ((const int32_t*)(const void*)p)[i];
  return ((const int64_t*)(const void*)p)[i];
}

/* Offsets buffer; checks monotonic, first >= 0; *last receives the end. */
static int offsets(dctx* c, const struct ArrowSchema* s, struct ArrowArray* a, int64_t len, int w,
                   int64_t* last) {
  const uint8_t* d;
  int64_t size;
  uint32_t i;
  int rc = next_buf_sw(c, s, "offsets", (size_t)w, w, &d, &size, &i);
  if (rc) return rc;
  a->buffers[1] = d;
  *last = 0;
  if (len == 0 && size == 0) return GF_OK; /* zero_block */
  if ((rc = need(c, i, "offsets", s, size, len + 1, w, 1))) return rc;
  int64_t prev = ld(d, 0, w);
  if (prev < 0) return buf_err(c, i, "offsets", s, "starts negative");
  for (int64_t k = 1; k <= len; k++) {
    int64_t v = ld(d, k, w);
    if (v < prev) return buf_err(c, i, "offsets", s, "not monotonic");
    prev = v;
  }
  *last = prev;
  return GF_OK;
}

static int decode_field(dctx* c, const struct ArrowSchema* s, struct ArrowArray* a, int depth);

static int decode_children(dctx* c, const struct ArrowSchema* s, struct ArrowArray* a,
                           int depth) {
  for (int64_t i = 0; i < s->n_children; i++) {
    int rc = decode_field(c, s->children[i], a->children[i], depth + 1);
    if (rc) return rc;
  }
  return GF_OK;
}

static int decode_views(dctx* c, const struct ArrowSchema* s, struct ArrowArray* a, int64_t len,
                        int64_t nulls, int depth) {
  (void)depth;
  if (c->vi >= c->var.n)
    return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                        "%s.variadicBufferCounts: missing entry for field '%s'", c->in->what, nm(s));
  int64_t nv = (int64_t)gf__fb_load(c->r->buf + c->var.pos + 8 * (size_t)c->vi, 8);
  c->vi++;
  if (nv < 0 || nv > (int64_t)(c->bufs.n - c->bi))
    return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                        "%s.variadicBufferCounts (field '%s'): %lld exceeds the remaining buffers",
                        c->in->what, nm(s), (long long)nv);
  int rc = gf__node_init(a, c->keep, 3 + nv, 0, 0);
  if (rc) return gf_error_set(c->err, rc, "out of memory");
  a->length = len;
  a->null_count = nulls;
  if ((rc = validity(c, s, a, len, nulls)) || (rc = fixed_sw(c, s, a, 1, "views", len, 16, SW_VIEW)))
    return rc;
  int64_t* sizes = alloc_keep(c, (size_t)(nv + 1) * 8);
  if (sizes == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory");
  for (int64_t k = 0; k < nv; k++) {
    const uint8_t* d;
    if ((rc = next_buf(c, s, "variadic data", 1, &d, &sizes[k], NULL))) return rc;
    a->buffers[2 + k] = d;
  }
  a->buffers[2 + nv] = sizes;
  const uint8_t* views = a->buffers[1];
  for (int64_t k = 0; k < len; k++) {
    int32_t vl, bidx, voff;
    memcpy(&vl, views + 16 * k, 4);
    if (vl < 0) return buf_err(c, c->bi, "views", s, "has a negative length");
    if (vl <= 12) continue;
    memcpy(&bidx, views + 16 * k + 8, 4);
    memcpy(&voff, views + 16 * k + 12, 4);
    if (bidx < 0 || bidx >= nv || voff < 0 || (int64_t)voff + vl > sizes[bidx])
      return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                          "%s: views of field '%s' reference data outside the variadic buffers",
                          c->in->what, nm(s));
  }
  return GF_OK;
}

static int decode_field(dctx* c, const struct ArrowSchema* s, struct ArrowArray* a, int depth) {
  gf_type t;
  int64_t len = 0, nulls = 0, last = 0;
  int rc;
  if (depth > c->in->opt->max_nesting_depth)
    return gf_error_set(c->err, GF_INVALID_ARGUMENT, "%s: nesting too deep", c->in->what);
  if ((rc = gf_type_parse(s->format, &t, c->err))) return rc;
  if ((rc = next_node(c, s, &len, &nulls))) return rc;
  if (s->dictionary) {
    if ((rc = gf__node_init(a, c->keep, 2, 0, 1))) return gf_error_set(c->err, rc, "out of memory");
    a->length = len;
    a->null_count = nulls;
    if ((rc = validity(c, s, a, len, nulls)) ||
        (rc = fixed(c, s, a, 1, "indices", len, t.byte_width)))
      return rc;
    int64_t dlen;
    if ((rc = c->in->lookup(c->in->lookup_ctx, s, a->null_count == len, a->dictionary, &dlen,
                            c->err)))
      return rc;
    const uint8_t* bm = a->buffers[0];
    for (int64_t k = 0; k < len; k++) {
      int64_t v;
      switch (t.byte_width) {
        case 1: v = t.id == GF_TYPE_INT8 ? (int64_t)((const int8_t*)a->buffers[1])[k] : (int64_t)((const uint8_t*)a->buffers[1])[k]; break;
        case 2: v = t.id == GF_TYPE_INT16 ? (int64_t)((const int16_t*)a->buffers[1])[k] : (int64_t)((const uint16_t*)a->buffers[1])[k]; break;
        case 4: v = t.id == GF_TYPE_INT32 ? (int64_t)((const int32_t*)a->buffers[1])[k] : (int64_t)((const uint32_t*)a->buffers[1])[k]; break;
        default: v = ((const int64_t*)a->buffers[1])[k]; break;
      }
      if ((bm == NULL || (bm[k >> 3] >> (k & 7)) & 1) && (v < 0 || v >= dlen))
        return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                            "%s: field '%s' index %lld at row %lld outside dictionary (length %lld)",
                            c->in->what, nm(s), (long long)v, (long long)k, (long long)dlen);
    }
    return GF_OK;
  }
  if (t.id == GF_TYPE_BINARY_VIEW || t.id == GF_TYPE_STRING_VIEW)
    return decode_views(c, s, a, len, nulls, depth);
  int nb = gf_type_n_buffers(t.id);
  if ((rc = gf__node_init(a, c->keep, nb, s->n_children, 0)))
    return gf_error_set(c->err, rc, "out of memory");
  a->length = len;
  a->null_count = nulls;
  switch (t.id) {
    case GF_TYPE_NA: a->null_count = len; return GF_OK;
    case GF_TYPE_SPARSE_UNION:
    case GF_TYPE_DENSE_UNION:
      a->null_count = 0;
      if (c->in->version < GF__MD_V5) {
        const uint8_t* d;
        int64_t sz;
        if ((rc = next_buf(c, s, "validity", 1, &d, &sz, NULL))) return rc;
        if (nulls > 0) return gf_error_set(c->err, GF_INVALID_ARGUMENT, "%s: union field '%s' has nulls", c->in->what, nm(s));
      }
      if ((rc = fixed(c, s, a, 0, "type_ids", len, 1))) return rc;
      if (t.id == GF_TYPE_DENSE_UNION && (rc = fixed(c, s, a, 1, "union offsets", len, 4)))
        return rc;
      return decode_children(c, s, a, depth);
    case GF_TYPE_RUN_END_ENCODED: a->null_count = 0; return decode_children(c, s, a, depth);
    default: break;
  }
  if ((rc = validity(c, s, a, len, nulls))) return rc;
  switch (t.id) {
    case GF_TYPE_BOOL: return fixed_sw(c, s, a, 1, "values", len, 0, SW_NONE);
    case GF_TYPE_BINARY:
    case GF_TYPE_STRING:
    case GF_TYPE_LARGE_BINARY:
    case GF_TYPE_LARGE_STRING: {
      int w = (t.id == GF_TYPE_BINARY || t.id == GF_TYPE_STRING) ? 4 : 8;
      if ((rc = offsets(c, s, a, len, w, &last))) return rc;
      const uint8_t* d;
      int64_t size;
      uint32_t i;
      if ((rc = next_buf(c, s, "data", 1, &d, &size, &i))) return rc;
      if (last > size) return buf_err(c, i, "data", s, "shorter than the last offset");
      a->buffers[2] = d;
      return GF_OK;
    }
    case GF_TYPE_LIST:
    case GF_TYPE_MAP:
    case GF_TYPE_LARGE_LIST:
      if ((rc = offsets(c, s, a, len, t.id == GF_TYPE_LARGE_LIST ? 8 : 4, &last))) return rc;
      if ((rc = decode_children(c, s, a, depth))) return rc;
      if (last > a->children[0]->length)
        return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                            "%s: offsets of field '%s' exceed its child length", c->in->what, nm(s));
      return GF_OK;
    case GF_TYPE_LIST_VIEW:
    case GF_TYPE_LARGE_LIST_VIEW: {
      int w = t.id == GF_TYPE_LIST_VIEW ? 4 : 8;
      if ((rc = fixed(c, s, a, 1, "offsets", len, w)) || (rc = fixed(c, s, a, 2, "sizes", len, w)))
        return rc;
      if ((rc = decode_children(c, s, a, depth))) return rc;
      int64_t clen = a->children[0]->length;
      for (int64_t k = 0; k < len; k++) {
        int64_t o = ld(a->buffers[1], k, w), z = ld(a->buffers[2], k, w);
        if (o < 0 || z < 0 || o > clen || z > clen - o)
          return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                              "%s: list view of field '%s' out of child bounds at row %lld",
                              c->in->what, nm(s), (long long)k);
      }
      return GF_OK;
    }
    case GF_TYPE_FIXED_SIZE_LIST:
      if ((rc = decode_children(c, s, a, depth))) return rc;
      if (t.list_size > 0 && a->children[0]->length / t.list_size < len)
        return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                            "%s: child of fixed-size list '%s' too short", c->in->what, nm(s));
      return GF_OK;
    case GF_TYPE_STRUCT:
      if ((rc = decode_children(c, s, a, depth))) return rc;
      for (int64_t k = 0; k < s->n_children; k++)
        if (a->children[k]->length < len)
          return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                              "%s: child %lld of struct '%s' shorter than the struct", c->in->what,
                              (long long)k, nm(s));
      return GF_OK;
    default:
      if (t.byte_width <= 0)
        return gf_error_set(c->err, GF_INVALID_ARGUMENT, "%s: field '%s': unsupported type '%s'",
                            c->in->what, nm(s), s->format);
      return fixed_sw(c, s, a, 1, "values", len, t.byte_width, value_swap(&t));
  }
}

int gf__decode_batch(const gf__decode_in* in, const struct ArrowSchema* schema, int as_batch,
                     struct ArrowArray* out, gf__keep** keep_out, gf_error* err) {
  dctx c;
  memset(&c, 0, sizeof(c));
  c.in = in;
  c.r = in->batch->r;
  c.err = err;
  c.codec = -1;
  c.body = gf__body_data(in->body);
  c.body_len = in->body_len;
  memset(out, 0, sizeof(*out));
  int64_t length;
  gf__fbt comp;
  int rc;
  if ((rc = gf__fbt_i64(in->batch, 0, 0, &length, "RecordBatch.length", err)) ||
      (rc = gf__fbt_vector(in->batch, 1, 16, &c.nodes, "RecordBatch.nodes", err)) ||
      (rc = gf__fbt_vector(in->batch, 2, 16, &c.bufs, "RecordBatch.buffers", err)) ||
      (rc = gf__fbt_table(in->batch, 3, &comp, "RecordBatch.compression", err)) ||
      (rc = gf__fbt_vector(in->batch, 4, 8, &c.var, "RecordBatch.variadicBufferCounts", err)))
    return rc;
  if (length < 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s.length: negative", in->what);
  if (comp.present) {
    uint8_t codec, method;
    if ((rc = gf__fbt_u8(&comp, 0, 0, &codec, "BodyCompression.codec", err)) ||
        (rc = gf__fbt_u8(&comp, 1, 0, &method, "BodyCompression.method", err)))
      return rc;
    if (codec > 1 || method != 0)
      return gf_error_set(err, GF_INVALID_ARGUMENT,
                          "%s.compression: unsupported codec %d / method %d", in->what, codec, method);
    c.codec = codec;
  }
  c.keep = gf__keep_new(in->body);
  if (c.keep == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  if (as_batch) {
    rc = gf__node_init(out, c.keep, 1, schema->n_children, 0);
    if (rc == GF_OK) {
      out->length = length;
      rc = decode_children(&c, schema, out, 0);
      for (int64_t k = 0; rc == GF_OK && k < schema->n_children; k++)
        if (out->children[k]->length != length)
          rc = gf_error_set(err, GF_INVALID_ARGUMENT,
                            "%s: column %lld ('%s') has length %lld, batch length %lld", in->what,
                            (long long)k, nm(schema->children[k]),
                            (long long)out->children[k]->length, (long long)length);
    } else {
      rc = gf_error_set(err, rc, "out of memory");
    }
  } else {
    rc = decode_field(&c, schema, out, 0);
    if (rc == GF_OK && out->length != length)
      rc = gf_error_set(err, GF_INVALID_ARGUMENT, "%s: length %lld differs from its node (%lld)",
                        in->what, (long long)length, (long long)out->length);
  }
  if (rc == GF_OK) {
    int flags = GF_VALIDATE_FULL | (in->opt->validate_utf8 ? GF_VALIDATE_UTF8 : 0);
    rc = gf_array_validate(out, schema, flags, err);
    if (rc) gf_error_prefix(err, "%s", in->what);
  }
  if (rc) {
    if (out->release) out->release(out);
    memset(out, 0, sizeof(*out));
  } else if (keep_out) {
    gf__keep_ref(c.keep);
    *keep_out = c.keep;
  }
  gf__keep_unref(c.keep);
  return rc;
}
