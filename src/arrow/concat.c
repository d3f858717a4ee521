/* Concatenation of arrays of one type (every type: flat, views, lists,
 * list views, fixed-size lists, structs, unions, run-end encoded,
 * dictionary-encoded, nested) into a new array that owns malloc'd copies of
 * all its buffers. Used for delta dictionaries. Pure; any thread. */
#include <stdlib.h>
#include <string.h>

#include "arrow/bits.h"
#include "arrow/concat.h"

/* A logical slice of an input: positions [off, off+len) of a (a->offset applied). */
typedef struct rng {
  const struct ArrowArray* a;
  int64_t off, len;
} rng;

typedef struct node {
  int64_t n_buffers, n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* kids;
  struct ArrowArray* dict;
} node;

static void node_release(struct ArrowArray* a) {
  node* p = a->private_data;
  for (int64_t i = 0; i < p->n_buffers; i++) free((void*)p->buffers[i]);
  for (int64_t i = 0; i < p->n_children; i++)
    if (p->kids[i].release) p->kids[i].release(&p->kids[i]);
  if (p->dict && p->dict->release) p->dict->release(p->dict);
  free(p->dict);
  free(p->kids);
  free(p->children);
  free(p->buffers);
  free(p);
  a->release = NULL;
}

static int node_init(struct ArrowArray* a, int64_t nb, int64_t nc, int with_dict) {
  memset(a, 0, sizeof(*a));
  node* p = calloc(1, sizeof(*p));
  if (p == NULL) return GF_NO_MEMORY;
  p->buffers = calloc((size_t)nb + 1, sizeof(void*));
  p->children = calloc((size_t)nc + 1, sizeof(void*));
  p->kids = calloc((size_t)nc + 1, sizeof(struct ArrowArray));
  p->dict = with_dict ? calloc(1, sizeof(struct ArrowArray)) : NULL;
  if (!p->buffers || !p->children || !p->kids || (with_dict && !p->dict)) {
    free(p->buffers);
    free(p->children);
    free(p->kids);
    free(p->dict);
    free(p);
    return GF_NO_MEMORY;
  }
  p->n_buffers = nb;
  p->n_children = nc;
  for (int64_t i = 0; i < nc; i++) p->children[i] = &p->kids[i];
  a->n_buffers = nb;
  a->n_children = nc;
  a->buffers = p->buffers;
  a->children = nc ? p->children : NULL;
  a->dictionary = p->dict;
  a->private_data = p;
  a->release = node_release;
  return GF_OK;
}

/* Allocates buffer i of out (zeroed, 8 bytes of slack). */
static void* buf(struct ArrowArray* out, int64_t i, int64_t size) {
  void* m = calloc(1, (size_t)size + 8);
  ((node*)out->private_data)->buffers[i] = m;
  return m;
}

static int64_t physical(const rng* r) { return r->a->offset + r->off; }

static void copy_bits(uint8_t* dst, int64_t doff, const uint8_t* src, int64_t soff, int64_t n) {
  for (int64_t i = 0; i < n; i++) gf__bit_set_to(dst, doff + i, src == NULL || gf__bit_get(src, soff + i));
}

static int concat_ranges(const rng* rs, size_t n, const struct ArrowSchema* s,
                         struct ArrowArray* out, gf_error* err);

static int oom(gf_error* err) {
  return gf_error_set(err, GF_NO_MEMORY, "out of memory concatenating arrays");
}

static int validity(const rng* rs, size_t n, struct ArrowArray* out, int64_t total,
                    gf_error* err) {
  int64_t nulls = 0;
  for (size_t i = 0; i < n; i++)
    if (rs[i].a->buffers[0] && rs[i].a->null_count != 0)
      nulls += rs[i].len - gf__bit_count(rs[i].a->buffers[0], physical(&rs[i]), rs[i].len);
  out->null_count = nulls;
  if (nulls == 0) return GF_OK;
  uint8_t* bm = buf(out, 0, (total + 7) / 8);
  if (bm == NULL) return oom(err);
  int64_t at = 0;
  for (size_t i = 0; i < n; i++) {
    const void* src = rs[i].a->null_count != 0 ? rs[i].a->buffers[0] : NULL;
    copy_bits(bm, at, src, physical(&rs[i]), rs[i].len);
    at += rs[i].len;
  }
  return GF_OK;
}

static int fixed_values(const rng* rs, size_t n, struct ArrowArray* out, int64_t total, int w,
                        gf_error* err) {
  uint8_t* v = buf(out, 1, total * w);
  if (v == NULL) return oom(err);
  for (size_t i = 0; i < n; i++) {
    memcpy(v, (const uint8_t*)rs[i].a->buffers[1] + physical(&rs[i]) * w, (size_t)(rs[i].len * w));
    v += rs[i].len * w;
  }
  return GF_OK;
}

static void store_off(void* b, int large, int64_t i, int64_t v) {
  if (large) memcpy((uint8_t*)b + 8 * i, &v, 8);
  else {
    int32_t x = (int32_t)v;
    memcpy((uint8_t*)b + 4 * i, &x, 4);
  }
}

/* Rebased offsets into buffer 1; *child (if set) receives the child slices. */
static int offsets(const rng* rs, size_t n, struct ArrowArray* out, int64_t total, int large,
                   int64_t* data_len, rng* child, gf_error* err) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t p = physical(&rs[i]);
    sum += gf__load_offset(rs[i].a->buffers[1], large, p + rs[i].len) -
           gf__load_offset(rs[i].a->buffers[1], large, p);
  }
  if (!large && sum > INT32_MAX)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "concatenation exceeds 32-bit offsets (%lld)",
                        (long long)sum);
  void* o = buf(out, 1, (total + 1) * (large ? 8 : 4));
  if (o == NULL) return oom(err);
  int64_t at = 0, base = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t p = physical(&rs[i]);
    int64_t o0 = gf__load_offset(rs[i].a->buffers[1], large, p);
    for (int64_t k = 0; k <= rs[i].len; k++)
      store_off(o, large, at + k, gf__load_offset(rs[i].a->buffers[1], large, p + k) - o0 + base);
    int64_t l = gf__load_offset(rs[i].a->buffers[1], large, p + rs[i].len) - o0;
    if (child) child[i] = (rng){rs[i].a->n_children ? rs[i].a->children[0] : NULL, o0, l};
    at += rs[i].len;
    base += l;
  }
  *data_len = sum;
  return GF_OK;
}

static int binary(const rng* rs, size_t n, struct ArrowArray* out, int64_t total, int large,
                  gf_error* err) {
  int64_t dl;
  int rc = offsets(rs, n, out, total, large, &dl, NULL, err);
  if (rc) return rc;
  uint8_t* d = buf(out, 2, dl);
  if (d == NULL) return oom(err);
  for (size_t i = 0; i < n; i++) {
    int64_t p = physical(&rs[i]);
    int64_t o0 = gf__load_offset(rs[i].a->buffers[1], large, p);
    int64_t o1 = gf__load_offset(rs[i].a->buffers[1], large, p + rs[i].len);
    if (o1 > o0) memcpy(d, (const uint8_t*)rs[i].a->buffers[2] + o0, (size_t)(o1 - o0));
    d += o1 - o0;
  }
  return GF_OK;
}

/* Binary/string views: views copied, every input's variadic buffers copied after each other. */
static int views(const rng* rs, size_t n, const struct ArrowSchema* s, struct ArrowArray* out,
                 int64_t total, gf_error* err) {
  int64_t nv = 0;
  for (size_t i = 0; i < n; i++) nv += rs[i].a->n_buffers - 3;
  if (nv > INT32_MAX) return gf_error_set(err, GF_INVALID_ARGUMENT, "too many variadic buffers");
  if (node_init(out, 3 + nv, 0, 0)) return oom(err);
  out->length = total;
  int rc = validity(rs, n, out, total, err);
  if (rc) return rc;
  uint8_t* v = buf(out, 1, total * 16);
  int64_t* sizes = buf(out, 2 + nv, nv * 8);
  if (v == NULL || sizes == NULL) return oom(err);
  int64_t vb = 0;
  for (size_t i = 0; i < n; i++) {
    const struct ArrowArray* a = rs[i].a;
    int64_t an = a->n_buffers - 3;
    const int64_t* asz = a->buffers[a->n_buffers - 1];
    for (int64_t k = 0; k < an; k++) {
      int64_t z;
      memcpy(&z, (const uint8_t*)asz + 8 * k, 8);
      uint8_t* d = buf(out, 2 + vb + k, z);
      if (d == NULL) return oom(err);
      if (z) memcpy(d, a->buffers[2 + k], (size_t)z);
      sizes[vb + k] = z;
    }
    memcpy(v, (const uint8_t*)a->buffers[1] + 16 * physical(&rs[i]), (size_t)(16 * rs[i].len));
    for (int64_t k = 0; k < rs[i].len; k++, v += 16) {
      int32_t l, bi;
      memcpy(&l, v, 4);
      if (l <= 12) continue;
      memcpy(&bi, v + 8, 4);
      bi += (int32_t)vb;
      memcpy(v + 8, &bi, 4);
    }
    vb += an;
  }
  (void)s;
  return GF_OK;
}

static int child_concat(rng* cr, size_t n, const struct ArrowSchema* cs, struct ArrowArray* out,
                        gf_error* err) {
  return concat_ranges(cr, n, cs, out, err);
}

static int list_views(const rng* rs, size_t n, const struct ArrowSchema* s, struct ArrowArray* out,
                      int64_t total, int large, rng* cr, gf_error* err) {
  int w = large ? 8 : 4;
  void* o = buf(out, 1, total * w);
  void* z = buf(out, 2, total * w);
  if (o == NULL || z == NULL) return oom(err);
  int64_t at = 0, base = 0;
  for (size_t i = 0; i < n; i++) {
    const struct ArrowArray* a = rs[i].a;
    int64_t p = physical(&rs[i]);
    for (int64_t k = 0; k < rs[i].len; k++) {
      store_off(o, large, at + k, gf__load_offset(a->buffers[1], large, p + k) + base);
      store_off(z, large, at + k, gf__load_offset(a->buffers[2], large, p + k));
    }
    cr[i] = (rng){a->children[0], 0, a->children[0]->length};
    at += rs[i].len;
    base += a->children[0]->length;
  }
  if (!large && base > INT32_MAX)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "concatenation exceeds 32-bit list view offsets");
  return child_concat(cr, n, s->children[0], out->children[0], err);
}

static int union_child(const gf_type* t, int8_t id) {
  if (t->n_union_type_ids == 0) return id;
  for (int k = 0; k < t->n_union_type_ids; k++)
    if (t->union_type_ids[k] == id) return k;
  return -1;
}

static int unions(const rng* rs, size_t n, const struct ArrowSchema* s, const gf_type* t,
                  struct ArrowArray* out, int64_t total, rng* cr, gf_error* err) {
  int8_t* ids = buf(out, 0, total);
  if (ids == NULL) return oom(err);
  int64_t at = 0;
  for (size_t i = 0; i < n; i++) {
    memcpy(ids + at, (const int8_t*)rs[i].a->buffers[0] + physical(&rs[i]), (size_t)rs[i].len);
    at += rs[i].len;
  }
  int dense = t->id == GF_TYPE_DENSE_UNION;
  int32_t* offs = dense ? buf(out, 1, total * 4) : NULL;
  if (dense && offs == NULL) return oom(err);
  if (dense) {
    at = 0;
    int64_t base[GF_MAX_UNION_TYPE_IDS] = {0};
    for (size_t i = 0; i < n; i++) {
      int64_t p = physical(&rs[i]);
      for (int64_t k = 0; k < rs[i].len; k++) {
        int c = union_child(t, ids[at + k]);
        int64_t v = gf__load_int(rs[i].a->buffers[1], 4, p + k) + (c >= 0 ? base[c] : 0);
        if (v > INT32_MAX)
          return gf_error_set(err, GF_INVALID_ARGUMENT, "concatenation exceeds 32-bit union offsets");
        offs[at + k] = (int32_t)v;
      }
      for (int64_t c = 0; c < s->n_children && c < GF_MAX_UNION_TYPE_IDS; c++)
        base[c] += rs[i].a->children[c]->length;
      at += rs[i].len;
    }
  }
  for (int64_t c = 0; c < s->n_children; c++) {
    for (size_t i = 0; i < n; i++)
      cr[i] = dense ? (rng){rs[i].a->children[c], 0, rs[i].a->children[c]->length}
                    : (rng){rs[i].a->children[c], physical(&rs[i]), rs[i].len};
    int rc = child_concat(cr, n, s->children[c], out->children[c], err);
    if (rc) return rc;
  }
  return GF_OK;
}

/* Run-end encoded: the runs overlapping each slice, clipped and rebased. */
static int run_end_encoded(const rng* rs, size_t n, const struct ArrowSchema* s,
                           struct ArrowArray* out, int64_t total, rng* cr, gf_error* err) {
  gf_type rt;
  int rc = gf_type_parse(s->children[0]->format, &rt, err);
  if (rc) return rc;
  int w = rt.byte_width;
  int64_t max = w == 2 ? INT16_MAX : w == 4 ? INT32_MAX : INT64_MAX;
  if (total > max)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "concatenation exceeds the run end type");
  int64_t nruns = 0;
  int64_t* first = calloc(n + 1, sizeof(int64_t));
  int64_t* count = calloc(n + 1, sizeof(int64_t));
  if (!first || !count) {
    free(first);
    free(count);
    return oom(err);
  }
  for (size_t i = 0; i < n; i++) {
    const struct ArrowArray* re = rs[i].a->children[0];
    int64_t p = physical(&rs[i]), k = 0;
    while (k < re->length && gf__load_int(re->buffers[1], w, re->offset + k) <= p) k++;
    first[i] = k;
    while (k < re->length && rs[i].len > 0) {
      k++;
      if (gf__load_int(re->buffers[1], w, re->offset + k - 1) >= p + rs[i].len) break;
    }
    count[i] = k - first[i];
    nruns += count[i];
  }
  struct ArrowArray* ends = out->children[0];
  rc = node_init(ends, 2, 0, 0);
  uint8_t* e = rc ? NULL : buf(ends, 1, nruns * w);
  if (e == NULL) rc = oom(err);
  int64_t at = 0, base = 0;
  for (size_t i = 0; rc == GF_OK && i < n; i++) {
    const struct ArrowArray* re = rs[i].a->children[0];
    int64_t p = physical(&rs[i]);
    for (int64_t k = 0; k < count[i]; k++, at++) {
      int64_t v = gf__load_int(re->buffers[1], w, re->offset + first[i] + k);
      if (v > p + rs[i].len) v = p + rs[i].len;
      v = v - p + base;
      memcpy(e + at * w, (const uint8_t*)&(int64_t){v}, (size_t)w); /* little-endian host */
    }
    cr[i] = (rng){rs[i].a->children[1], first[i], count[i]};
    base += rs[i].len;
  }
  free(first);
  free(count);
  if (rc) return rc;
  ends->length = nruns;
  return child_concat(cr, n, s->children[1], out->children[1], err);
}

/* Dictionary-encoded: indices kept when every dictionary is a prefix of the
 * last one, else dictionaries concatenated and indices shifted. */
static int dictionary(const rng* rs, size_t n, const struct ArrowSchema* s, const gf_type* t,
                      struct ArrowArray* out, int64_t total, gf_error* err) {
  int w = t->byte_width;
  int rc = fixed_values(rs, n, out, total, w, err);
  if (rc) return rc;
  const struct ArrowArray* last = rs[n - 1].a->dictionary;
  int prefix = 1;
  for (size_t i = 0; prefix && i + 1 < n; i++) {
    const struct ArrowArray* d = rs[i].a->dictionary;
    prefix = d == last || (d->length <= last->length &&
                           gf__array_range_equal(d, 0, last, 0, d->length, s->dictionary));
  }
  rng* dr = calloc(n, sizeof(rng));
  if (dr == NULL) return oom(err);
  size_t nd = 0;
  if (prefix) {
    dr[nd++] = (rng){last, 0, last->length};
  } else {
    int64_t base = 0, at = 0;
    int64_t max = w == 1 ? INT8_MAX : w == 2 ? INT16_MAX : w == 4 ? INT32_MAX : INT64_MAX;
    uint8_t* idx = (uint8_t*)out->buffers[1];
    for (size_t i = 0; i < n; i++) {
      const struct ArrowArray* d = rs[i].a->dictionary;
      if (d->length > max - base) {
        free(dr);
        return gf_error_set(err, GF_INVALID_ARGUMENT,
                            "concatenated dictionaries do not fit the index type '%s'", s->format);
      }
      for (int64_t k = 0; k < rs[i].len; k++, at++) {
        int64_t v = gf__load_int(idx, w, at) + base;
        memcpy(idx + at * w, (const uint8_t*)&(int64_t){v}, (size_t)w);
      }
      dr[nd++] = (rng){d, 0, d->length};
      base += d->length;
    }
  }
  rc = concat_ranges(dr, nd, s->dictionary, out->dictionary, err);
  free(dr);
  return rc;
}

static int concat_ranges(const rng* rs, size_t n, const struct ArrowSchema* s,
                         struct ArrowArray* out, gf_error* err) {
  gf_type t;
  int rc = gf_type_parse(s->format, &t, err);
  if (rc) return rc;
  int64_t total = 0;
  for (size_t i = 0; i < n; i++) total += rs[i].len;
  if (t.id == GF_TYPE_BINARY_VIEW || t.id == GF_TYPE_STRING_VIEW) {
    rc = views(rs, n, s, out, total, err);
    if (rc && out->release) out->release(out);
    return rc;
  }
  if (node_init(out, gf_type_n_buffers(t.id), s->n_children, s->dictionary != NULL)) return oom(err);
  out->length = total;
  rng* cr = calloc(n + 1, sizeof(rng));
  if (cr == NULL) rc = oom(err);
  int nullable = t.id != GF_TYPE_NA && t.id != GF_TYPE_SPARSE_UNION &&
                 t.id != GF_TYPE_DENSE_UNION && t.id != GF_TYPE_RUN_END_ENCODED;
  if (rc == GF_OK && nullable) rc = validity(rs, n, out, total, err);
  if (rc == GF_OK && s->dictionary) {
    rc = dictionary(rs, n, s, &t, out, total, err);
  } else if (rc == GF_OK) {
    int64_t dl;
    switch (t.id) {
      case GF_TYPE_NA: out->null_count = total; break;
      case GF_TYPE_BOOL: {
        uint8_t* v = buf(out, 1, (total + 7) / 8);
        if (v == NULL) { rc = oom(err); break; }
        int64_t at = 0;
        for (size_t i = 0; i < n; i++, at += rs[i - 1].len)
          copy_bits(v, at, rs[i].a->buffers[1], physical(&rs[i]), rs[i].len);
        break;
      }
      case GF_TYPE_BINARY:
      case GF_TYPE_STRING: rc = binary(rs, n, out, total, 0, err); break;
      case GF_TYPE_LARGE_BINARY:
      case GF_TYPE_LARGE_STRING: rc = binary(rs, n, out, total, 1, err); break;
      case GF_TYPE_LIST:
      case GF_TYPE_MAP:
      case GF_TYPE_LARGE_LIST:
        rc = offsets(rs, n, out, total, t.id == GF_TYPE_LARGE_LIST, &dl, cr, err);
        if (rc == GF_OK) rc = child_concat(cr, n, s->children[0], out->children[0], err);
        break;
      case GF_TYPE_LIST_VIEW:
      case GF_TYPE_LARGE_LIST_VIEW:
        rc = list_views(rs, n, s, out, total, t.id == GF_TYPE_LARGE_LIST_VIEW, cr, err);
        break;
      case GF_TYPE_FIXED_SIZE_LIST:
        for (size_t i = 0; i < n; i++)
          cr[i] = (rng){rs[i].a->children[0], physical(&rs[i]) * t.list_size, rs[i].len * t.list_size};
        rc = child_concat(cr, n, s->children[0], out->children[0], err);
        break;
      case GF_TYPE_STRUCT:
        for (int64_t c = 0; rc == GF_OK && c < s->n_children; c++) {
          for (size_t i = 0; i < n; i++) cr[i] = (rng){rs[i].a->children[c], physical(&rs[i]), rs[i].len};
          rc = child_concat(cr, n, s->children[c], out->children[c], err);
        }
        break;
      case GF_TYPE_SPARSE_UNION:
      case GF_TYPE_DENSE_UNION: rc = unions(rs, n, s, &t, out, total, cr, err); break;
      case GF_TYPE_RUN_END_ENCODED: rc = run_end_encoded(rs, n, s, out, total, cr, err); break;
      default:
        if (t.byte_width <= 0) rc = gf_error_set(err, GF_UNIMPLEMENTED, "concatenate: type '%s'", s->format);
        else rc = fixed_values(rs, n, out, total, t.byte_width, err);
    }
  }
  free(cr);
  if (rc && out->release) out->release(out);
  return rc;
}

int gf__array_concat(const struct ArrowArray* const* arrays, size_t n,
                     const struct ArrowSchema* schema, struct ArrowArray* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  if (n == 0) return gf_error_set(err, GF_INVALID_ARGUMENT, "concatenate: no arrays");
  rng* rs = calloc(n, sizeof(rng));
  if (rs == NULL) return oom(err);
  for (size_t i = 0; i < n; i++) rs[i] = (rng){arrays[i], 0, arrays[i]->length};
  int rc = concat_ranges(rs, n, schema, out, err);
  free(rs);
  return rc;
}
