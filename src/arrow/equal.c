/* Logical equality of two value ranges of arrays of the same type (every
 * type): validity must match, valid values must be equal; bytes under null
 * slots, trailing bits and offset bases are ignored. Pure; any thread. */
#include <string.h>

#include "arrow/bits.h"
#include "arrow/concat.h"

static int valid(const struct ArrowArray* a, int64_t phys) {
  return a->n_buffers == 0 || a->buffers[0] == NULL || a->null_count == 0 ||
         gf__bit_get(a->buffers[0], phys);
}

static int has_validity(gf_type_id id) {
  return id != GF_TYPE_NA && id != GF_TYPE_SPARSE_UNION && id != GF_TYPE_DENSE_UNION &&
         id != GF_TYPE_RUN_END_ENCODED;
}

/* Bytes of element `phys` of a binary-like or view array. */
static const uint8_t* var_elem(const struct ArrowArray* a, gf_type_id id, int64_t phys,
                               int64_t* n) {
  if (id == GF_TYPE_BINARY_VIEW || id == GF_TYPE_STRING_VIEW) {
    const uint8_t* v = (const uint8_t*)a->buffers[1] + 16 * phys;
    int32_t l, bi, off;
    memcpy(&l, v, 4);
    *n = l;
    if (l <= 12) return v + 4;
    memcpy(&bi, v + 8, 4);
    memcpy(&off, v + 12, 4);
    return (const uint8_t*)a->buffers[2 + bi] + off;
  }
  int large = id == GF_TYPE_LARGE_BINARY || id == GF_TYPE_LARGE_STRING;
  int64_t o0 = gf__load_offset(a->buffers[1], large, phys);
  *n = gf__load_offset(a->buffers[1], large, phys + 1) - o0;
  return (const uint8_t*)a->buffers[2] + o0;
}

static int child_index(const gf_type* t, int8_t id) {
  if (t->n_union_type_ids == 0) return id;
  for (int k = 0; k < t->n_union_type_ids; k++)
    if (t->union_type_ids[k] == id) return k;
  return -1;
}

/* Physical index in the values child of run-end encoded `a` for logical slot phys. */
static int64_t ree_index(const struct ArrowArray* a, int width, int64_t phys) {
  const struct ArrowArray* re = a->children[0];
  int64_t lo = 0, hi = re->length - 1;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (gf__load_int(re->buffers[1], width, re->offset + mid) > phys) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

static int elem_eq(const struct ArrowArray* x, int64_t px, const struct ArrowArray* y, int64_t py,
                   const struct ArrowSchema* s, const gf_type* t, int by_index);
static int range_eq(const struct ArrowArray* x, int64_t xoff, const struct ArrowArray* y,
                    int64_t yoff, int64_t len, const struct ArrowSchema* s, int by_index);

/* Compares one element of a nested type (both valid). */
static int nested_eq(const struct ArrowArray* x, int64_t px, const struct ArrowArray* y,
                     int64_t py, const struct ArrowSchema* s, const gf_type* t, int by_index) {
  switch (t->id) {
    case GF_TYPE_LIST:
    case GF_TYPE_MAP:
    case GF_TYPE_LARGE_LIST: {
      int large = t->id == GF_TYPE_LARGE_LIST;
      int64_t xo = gf__load_offset(x->buffers[1], large, px);
      int64_t yo = gf__load_offset(y->buffers[1], large, py);
      int64_t xn = gf__load_offset(x->buffers[1], large, px + 1) - xo;
      int64_t yn = gf__load_offset(y->buffers[1], large, py + 1) - yo;
      return xn == yn && range_eq(x->children[0], xo, y->children[0], yo, xn, s->children[0], by_index);
    }
    case GF_TYPE_LIST_VIEW:
    case GF_TYPE_LARGE_LIST_VIEW: {
      int large = t->id == GF_TYPE_LARGE_LIST_VIEW;
      int64_t xn = gf__load_offset(x->buffers[2], large, px);
      int64_t yn = gf__load_offset(y->buffers[2], large, py);
      return xn == yn && range_eq(x->children[0], gf__load_offset(x->buffers[1], large, px),
                                               y->children[0], gf__load_offset(y->buffers[1], large, py),
                                               xn, s->children[0], by_index);
    }
    case GF_TYPE_FIXED_SIZE_LIST:
      return range_eq(x->children[0], px * t->list_size, y->children[0],
                                   py * t->list_size, t->list_size, s->children[0], by_index);
    case GF_TYPE_STRUCT:
      for (int64_t k = 0; k < s->n_children; k++)
        if (!range_eq(x->children[k], px, y->children[k], py, 1, s->children[k], by_index))
          return 0;
      return 1;
    case GF_TYPE_SPARSE_UNION:
    case GF_TYPE_DENSE_UNION: {
      int8_t ix = ((const int8_t*)x->buffers[0])[px], iy = ((const int8_t*)y->buffers[0])[py];
      int k = child_index(t, ix);
      if (ix != iy || k < 0 || k >= s->n_children) return 0;
      int64_t cx = px, cy = py;
      if (t->id == GF_TYPE_DENSE_UNION) {
        cx = gf__load_int(x->buffers[1], 4, px);
        cy = gf__load_int(y->buffers[1], 4, py);
      }
      return range_eq(x->children[k], cx, y->children[k], cy, 1, s->children[k], by_index);
    }
    case GF_TYPE_RUN_END_ENCODED: {
      gf_type rt;
      if (gf_type_parse(s->children[0]->format, &rt, NULL)) return 0;
      int64_t ix = ree_index(x, rt.byte_width, px), iy = ree_index(y, rt.byte_width, py);
      return range_eq(x->children[1], ix, y->children[1], iy, 1, s->children[1], by_index);
    }
    default: return 0;
  }
}

static int elem_eq(const struct ArrowArray* x, int64_t px, const struct ArrowArray* y, int64_t py,
                   const struct ArrowSchema* s, const gf_type* t, int by_index) {
  if (has_validity(t->id)) {
    int vx = valid(x, px), vy = valid(y, py);
    if (vx != vy) return 0;
    if (!vx) return 1;
  }
  if (s->dictionary) {
    int64_t ix = gf__load_int(x->buffers[1], t->byte_width, px);
    int64_t iy = gf__load_int(y->buffers[1], t->byte_width, py);
    if (by_index || x->dictionary == y->dictionary) return ix == iy;
    return range_eq(x->dictionary, ix, y->dictionary, iy, 1, s->dictionary, by_index);
  }
  switch (t->id) {
    case GF_TYPE_NA: return 1;
    case GF_TYPE_BOOL:
      return gf__bit_get(x->buffers[1], px) == gf__bit_get(y->buffers[1], py);
    case GF_TYPE_BINARY:
    case GF_TYPE_STRING:
    case GF_TYPE_LARGE_BINARY:
    case GF_TYPE_LARGE_STRING:
    case GF_TYPE_BINARY_VIEW:
    case GF_TYPE_STRING_VIEW: {
      int64_t nx, ny;
      const uint8_t* dx = var_elem(x, t->id, px, &nx);
      const uint8_t* dy = var_elem(y, t->id, py, &ny);
      return nx == ny && (nx == 0 || memcmp(dx, dy, (size_t)nx) == 0);
    }
    default:
      if (t->byte_width > 0)
        return memcmp((const uint8_t*)x->buffers[1] + (size_t)t->byte_width * (size_t)px,
                      (const uint8_t*)y->buffers[1] + (size_t)t->byte_width * (size_t)py,
                      (size_t)t->byte_width) == 0;
      return nested_eq(x, px, y, py, s, t, by_index);
  }
}

static int range_eq(const struct ArrowArray* x, int64_t xoff, const struct ArrowArray* y,
                    int64_t yoff, int64_t len, const struct ArrowSchema* s, int by_index) {
  gf_type t;
  if (gf_type_parse(s->format, &t, NULL)) return 0;
  int64_t px = x->offset + xoff, py = y->offset + yoff;
  if (x == y && px == py) return 1;
  int no_nulls = (x->null_count == 0 || x->buffers == NULL || x->n_buffers == 0 || x->buffers[0] == NULL) &&
                 (y->null_count == 0 || y->n_buffers == 0 || y->buffers[0] == NULL);
  /* Fast path: flat fixed-width values without nulls. */
  if (!s->dictionary && t.byte_width > 0 && no_nulls && has_validity(t.id))
    return len == 0 ||
           memcmp((const uint8_t*)x->buffers[1] + (size_t)t.byte_width * (size_t)px,
                  (const uint8_t*)y->buffers[1] + (size_t)t.byte_width * (size_t)py,
                  (size_t)t.byte_width * (size_t)len) == 0;
  for (int64_t i = 0; i < len; i++)
    if (!elem_eq(x, px + i, y, py + i, s, &t, by_index)) return 0;
  return 1;
}

int gf__array_range_equal(const struct ArrowArray* x, int64_t xoff, const struct ArrowArray* y,
                          int64_t yoff, int64_t len, const struct ArrowSchema* s) {
  return range_eq(x, xoff, y, yoff, len, s, 0);
}

int gf__array_range_equal_indices(const struct ArrowArray* x, int64_t xoff,
                                  const struct ArrowArray* y, int64_t yoff, int64_t len,
                                  const struct ArrowSchema* s) {
  return range_eq(x, xoff, y, yoff, len, s, 1);
}
