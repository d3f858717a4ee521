/* Validation of ArrowArray trees against their ArrowSchema: buffer counts
 * and presence, null counts, child lengths (default), offsets, union ids,
 * run ends, dictionary indices, view bounds (FULL) and UTF-8 (UTF8). Errors
 * name the field path ("col2.item") and the buffer. Pure, any thread. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arrow/bits.h"
#include "arrow/internal.h"

#define MAX_DEPTH 200
#define PATH_MAX_LEN 200

typedef struct vnode {
  const struct ArrowArray* a;
  const struct ArrowSchema* s;
  gf_type t;
  const struct vnode* parent; /* NULL at the root */
  int64_t index;              /* child index in the parent; -1: the parent's dictionary */
  int flags;
  gf_error* err;
} vnode;

/* The field path of a node ("col2.item", "[1].values", "tags.dictionary"),
 * built only when an error names it. */
static void node_path(const vnode* n, char* out, size_t cap) {
  if (n->parent == NULL) {
    snprintf(out, cap, "%s", n->s && n->s->name && n->s->name[0] ? n->s->name : "(root)");
    return;
  }
  char up[PATH_MAX_LEN];
  node_path(n->parent, up, sizeof(up));
  if (n->index < 0) {
    snprintf(out, cap, "%s.dictionary", up);
    return;
  }
  char idx[32];
  snprintf(idx, sizeof(idx), "[%lld]", (long long)n->index);
  const char* nm = n->s && n->s->name && n->s->name[0] ? n->s->name : idx;
  if (up[0] == 0 || strcmp(up, "(root)") == 0) snprintf(out, cap, "%s", nm);
  else snprintf(out, cap, "%s.%s", up, nm);
}

static int fail(const vnode* n, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int fail(const vnode* n, const char* fmt, ...) {
  if (n->err == NULL) return GF_INVALID_ARGUMENT;
  char msg[GF_ERROR_MESSAGE_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  char path[PATH_MAX_LEN];
  node_path(n, path, sizeof(path));
  return gf_error_set(n->err, GF_INVALID_ARGUMENT, "field '%s' (%s): %s", path,
                      gf_type_id_name(n->t.id), msg);
}

static int has_validity(gf_type_id id) {
  return id != GF_TYPE_NA && id != GF_TYPE_SPARSE_UNION && id != GF_TYPE_DENSE_UNION &&
         id != GF_TYPE_RUN_END_ENCODED;
}

static int is_view(gf_type_id id) { return id == GF_TYPE_BINARY_VIEW || id == GF_TYPE_STRING_VIEW; }

static int is_valid_slot(const vnode* n, int64_t i) {
  const uint8_t* v = n->a->buffers[0];
  return v == NULL || gf__bit_get(v, n->a->offset + i);
}

static int expected_children(const gf_type* t) {
  switch (t->id) {
    case GF_TYPE_LIST: case GF_TYPE_LARGE_LIST: case GF_TYPE_LIST_VIEW:
    case GF_TYPE_LARGE_LIST_VIEW: case GF_TYPE_FIXED_SIZE_LIST: case GF_TYPE_MAP:
      return 1;
    case GF_TYPE_RUN_END_ENCODED: return 2;
    case GF_TYPE_STRUCT: return -1; /* any */
    case GF_TYPE_SPARSE_UNION: case GF_TYPE_DENSE_UNION: return t->n_union_type_ids;
    default: return 0;
  }
}

static int check_structure(vnode* n) {
  const struct ArrowArray* a = n->a;
  const struct ArrowSchema* s = n->s;
  if (a->length < 0) return fail(n, "negative length %lld", (long long)a->length);
  if (a->offset < 0) return fail(n, "negative offset %lld", (long long)a->offset);
  if (a->length > INT64_MAX / 2 - a->offset) return fail(n, "offset + length overflows");
  if (a->null_count < -1 || a->null_count > a->length)
    return fail(n, "null_count %lld outside [-1, length %lld]", (long long)a->null_count,
                (long long)a->length);
  int nb = gf_type_n_buffers(n->t.id);
  if (is_view(n->t.id)) {
    if (a->n_buffers < 3)
      return fail(n, "expected at least 3 buffers (validity, views, sizes), got %lld",
                  (long long)a->n_buffers);
  } else if (a->n_buffers != nb) {
    return fail(n, "expected %d buffers, got %lld", nb, (long long)a->n_buffers);
  }
  if (a->n_buffers > 0 && a->buffers == NULL) return fail(n, "buffers array is NULL");
  int nc = expected_children(&n->t);
  if (s->n_children < 0 || (nc >= 0 && s->n_children != nc))
    return fail(n, "schema has %lld children, type needs %d", (long long)s->n_children, nc);
  if (a->n_children != s->n_children)
    return fail(n, "array has %lld children, schema has %lld", (long long)a->n_children,
                (long long)s->n_children);
  if (a->n_children > 0 && (a->children == NULL || s->children == NULL))
    return fail(n, "children array is NULL");
  for (int64_t i = 0; i < a->n_children; i++) {
    if (a->children[i] == NULL || s->children[i] == NULL) return fail(n, "child %lld is NULL", (long long)i);
  }
  if ((s->dictionary == NULL) != (a->dictionary == NULL))
    return fail(n, "dictionary present in %s only", s->dictionary ? "schema" : "array");
  if (s->dictionary != NULL && (n->t.id < GF_TYPE_INT8 || n->t.id > GF_TYPE_UINT64))
    return fail(n, "dictionary index type must be an integer");
  return GF_OK;
}

static int check_validity(vnode* n) {
  const struct ArrowArray* a = n->a;
  if (!has_validity(n->t.id)) {
    if (n->t.id == GF_TYPE_RUN_END_ENCODED && a->null_count > 0)
      return fail(n, "null_count must be 0 for run-end encoded arrays");
    return GF_OK;
  }
  const uint8_t* v = a->buffers[0];
  if (n->t.id == GF_TYPE_NA || a->length == 0) return GF_OK;
  if (v == NULL) {
    if (a->null_count > 0)
      return fail(n, "validity buffer is NULL but null_count is %lld", (long long)a->null_count);
    return GF_OK;
  }
  if (a->null_count >= 0) {
    int64_t nulls = a->length - gf__bit_count(v, a->offset, a->length);
    if (nulls != a->null_count)
      return fail(n, "null_count %lld does not match validity buffer (%lld nulls)",
                  (long long)a->null_count, (long long)nulls);
  }
  return GF_OK;
}

static int need_buffer(vnode* n, int idx, const char* what, int needed) {
  if (needed && n->a->buffers[idx] == NULL) return fail(n, "%s is NULL", what);
  return GF_OK;
}

static int check_fixed(vnode* n) {
  int64_t end = n->a->offset + n->a->length;
  if (n->t.id == GF_TYPE_BOOL) return need_buffer(n, 1, "values buffer", end > 0);
  int64_t bytes;
  if (__builtin_mul_overflow(end, (int64_t)n->t.byte_width, &bytes))
    return fail(n, "values buffer size overflows");
  return need_buffer(n, 1, "values buffer", bytes > 0 && n->a->length > 0);
}

/* Offsets (lists and binary): [offset, offset+length] entries. */
static int check_offsets(vnode* n, int large, int64_t limit, const char* limit_what,
                         int64_t* first_out, int64_t* last_out) {
  const struct ArrowArray* a = n->a;
  *first_out = *last_out = 0;
  if (a->length == 0 && a->buffers[1] == NULL) return GF_OK;
  if (a->buffers[1] == NULL) return fail(n, "offsets buffer is NULL");
  int64_t first = gf__load_offset(a->buffers[1], large, a->offset);
  int64_t last = gf__load_offset(a->buffers[1], large, a->offset + a->length);
  if (first < 0) return fail(n, "offsets buffer: first offset %lld is negative", (long long)first);
  if (last < first)
    return fail(n, "offsets buffer: last offset %lld < first offset %lld", (long long)last,
                (long long)first);
  if (limit >= 0 && last > limit)
    return fail(n, "offsets buffer: offset %lld beyond %s %lld", (long long)last, limit_what,
                (long long)limit);
  if (n->flags & (GF_VALIDATE_FULL | GF_VALIDATE_UTF8)) {
    int64_t prev = first;
    for (int64_t i = 1; i <= a->length; i++) {
      int64_t o = gf__load_offset(a->buffers[1], large, a->offset + i);
      if (o < prev)
        return fail(n, "offsets buffer: not monotonic at index %lld (%lld < %lld)", (long long)i,
                    (long long)o, (long long)prev);
      prev = o;
    }
  }
  *first_out = first;
  *last_out = last;
  return GF_OK;
}

static int check_binary(vnode* n) {
  int large = n->t.id == GF_TYPE_LARGE_BINARY || n->t.id == GF_TYPE_LARGE_STRING;
  int64_t first, last;
  int rc = check_offsets(n, large, -1, NULL, &first, &last);
  if (rc != GF_OK) return rc;
  if (last > first && n->a->buffers[2] == NULL) return fail(n, "data buffer is NULL");
  int is_str = n->t.id == GF_TYPE_STRING || n->t.id == GF_TYPE_LARGE_STRING;
  if (!is_str || !(n->flags & GF_VALIDATE_UTF8) || last == first) return GF_OK;
  const uint8_t* data = n->a->buffers[2];
  for (int64_t i = 0; i < n->a->length; i++) {
    if (!is_valid_slot(n, i)) continue;
    int64_t s = gf__load_offset(n->a->buffers[1], large, n->a->offset + i);
    int64_t e = gf__load_offset(n->a->buffers[1], large, n->a->offset + i + 1);
    if (!gf__utf8_valid(data + s, (size_t)(e - s), NULL)) return fail(n, "data buffer: invalid UTF-8 in element %lld", (long long)i);
  }
  return GF_OK;
}

static int check_one_view(vnode* n, int64_t i, const uint8_t* view, int64_t nv, const int64_t* sizes) {
  int32_t len, idx, off;
  memcpy(&len, view, 4);
  if (len < 0) return fail(n, "views buffer: negative length in element %lld", (long long)i);
  const uint8_t* bytes = view + 4;
  if (len > 12) {
    memcpy(&idx, view + 8, 4);
    memcpy(&off, view + 12, 4);
    if (idx < 0 || idx >= nv)
      return fail(n, "views buffer: element %lld refers to data buffer %d of %lld", (long long)i,
                  idx, (long long)nv);
    if (off < 0 || (int64_t)off + len > sizes[idx])
      return fail(n, "views buffer: element %lld [%d, +%d) beyond data buffer %d size %lld",
                  (long long)i, off, len, idx, (long long)sizes[idx]);
    bytes = (const uint8_t*)n->a->buffers[2 + idx] + off;
    if (memcmp(bytes, view + 4, 4) != 0)
      return fail(n, "views buffer: element %lld prefix does not match data", (long long)i);
  }
  if (n->t.id == GF_TYPE_STRING_VIEW && (n->flags & GF_VALIDATE_UTF8) && !gf__utf8_valid(bytes, (size_t)len, NULL))
    return fail(n, "invalid UTF-8 in element %lld", (long long)i);
  return GF_OK;
}

static int check_views(vnode* n) {
  const struct ArrowArray* a = n->a;
  int64_t nv = a->n_buffers - 3;
  const int64_t* sizes = a->buffers[a->n_buffers - 1];
  int rc = need_buffer(n, 1, "views buffer", a->length > 0);
  if (rc != GF_OK) return rc;
  if (nv > 0 && sizes == NULL) return fail(n, "variadic sizes buffer is NULL");
  for (int64_t j = 0; j < nv; j++) {
    if (sizes[j] < 0) return fail(n, "variadic sizes buffer: negative size for data buffer %lld", (long long)j);
    if (sizes[j] > 0 && a->buffers[2 + j] == NULL) return fail(n, "data buffer %lld is NULL", (long long)j);
  }
  if (!(n->flags & (GF_VALIDATE_FULL | GF_VALIDATE_UTF8))) return GF_OK;
  const uint8_t* views = a->buffers[1];
  for (int64_t i = 0; i < a->length; i++) {
    if (!is_valid_slot(n, i)) continue;
    if ((rc = check_one_view(n, i, views + (a->offset + i) * 16, nv, sizes)) != GF_OK) return rc;
  }
  return GF_OK;
}

static int check_list_view(vnode* n) {
  const struct ArrowArray* a = n->a;
  int large = n->t.id == GF_TYPE_LARGE_LIST_VIEW;
  int rc = need_buffer(n, 1, "offsets buffer", a->length > 0);
  if (rc == GF_OK) rc = need_buffer(n, 2, "sizes buffer", a->length > 0);
  if (rc != GF_OK || !(n->flags & GF_VALIDATE_FULL)) return rc;
  int64_t child_len = a->children[0]->length;
  for (int64_t i = 0; i < a->length; i++) {
    if (!is_valid_slot(n, i)) continue;
    int64_t o = gf__load_offset(a->buffers[1], large, a->offset + i);
    int64_t sz = gf__load_offset(a->buffers[2], large, a->offset + i);
    if (o < 0 || sz < 0 || o > child_len || sz > child_len - o)
      return fail(n, "offsets/sizes buffer: element %lld [%lld, +%lld) beyond child length %lld",
                  (long long)i, (long long)o, (long long)sz, (long long)child_len);
  }
  return GF_OK;
}

static int check_union(vnode* n) {
  const struct ArrowArray* a = n->a;
  int dense = n->t.id == GF_TYPE_DENSE_UNION;
  int rc = need_buffer(n, 0, "type ids buffer", a->length > 0);
  if (rc == GF_OK && dense) rc = need_buffer(n, 1, "offsets buffer", a->length > 0);
  if (rc != GF_OK) return rc;
  int8_t child_of[128];
  memset(child_of, -1, sizeof(child_of));
  for (int32_t k = 0; k < n->t.n_union_type_ids; k++) child_of[n->t.union_type_ids[k]] = (int8_t)k;
  for (int64_t k = 0; !dense && k < a->n_children; k++) {
    if (a->children[k]->length < a->offset + a->length)
      return fail(n, "child %lld length %lld < offset + length %lld", (long long)k,
                  (long long)a->children[k]->length, (long long)(a->offset + a->length));
  }
  if (!(n->flags & GF_VALIDATE_FULL)) return GF_OK;
  const int8_t* ids = a->buffers[0];
  for (int64_t i = 0; i < a->length; i++) {
    int8_t id = ids[a->offset + i];
    if (id < 0 || child_of[id] < 0)
      return fail(n, "type ids buffer: invalid type id %d at index %lld", id, (long long)i);
    if (!dense) continue;
    int32_t off;
    memcpy(&off, (const uint8_t*)a->buffers[1] + (a->offset + i) * 4, 4);
    int64_t cl = a->children[child_of[id]]->length;
    if (off < 0 || off >= cl)
      return fail(n, "offsets buffer: offset %d at index %lld outside child length %lld", off,
                  (long long)i, (long long)cl);
  }
  return GF_OK;
}

static int check_ree(vnode* n) {
  const struct ArrowArray* a = n->a;
  const struct ArrowArray* re = a->children[0];
  gf_type rt;
  if (gf_type_parse(n->s->children[0]->format, &rt, NULL) != GF_OK ||
      (rt.id != GF_TYPE_INT16 && rt.id != GF_TYPE_INT32 && rt.id != GF_TYPE_INT64))
    return fail(n, "run_ends child must be int16, int32 or int64");
  if (a->children[1]->length < re->length)
    return fail(n, "values child length %lld < run_ends length %lld",
                (long long)a->children[1]->length, (long long)re->length);
  if (a->length == 0) return GF_OK;
  if (re->length == 0) return fail(n, "run_ends child is empty but length is %lld", (long long)a->length);
  if (re->n_buffers != 2 || re->buffers == NULL || re->buffers[1] == NULL)
    return fail(n, "run_ends child: values buffer is NULL");
  if (re->null_count > 0 || (re->null_count < 0 && re->buffers[0] != NULL &&
                             gf__bit_count(re->buffers[0], re->offset, re->length) != re->length))
    return fail(n, "run_ends child must not contain nulls");
  int w = rt.byte_width;
  int64_t last = gf__load_int(re->buffers[1], w, re->offset + re->length - 1);
  if (last < a->offset + a->length)
    return fail(n, "run_ends child: last run end %lld < offset + length %lld", (long long)last,
                (long long)(a->offset + a->length));
  if (!(n->flags & GF_VALIDATE_FULL)) return GF_OK;
  int64_t prev = 0;
  for (int64_t i = 0; i < re->length; i++) {
    int64_t v = gf__load_int(re->buffers[1], w, re->offset + i);
    if (v <= prev)
      return fail(n, "run_ends child: run ends not strictly increasing and positive at index %lld",
                  (long long)i);
    prev = v;
  }
  return GF_OK;
}

static int check_nested(vnode* n) {
  const struct ArrowArray* a = n->a;
  int64_t end = a->offset + a->length, first, last;
  switch (n->t.id) {
    case GF_TYPE_LIST:
    case GF_TYPE_MAP:
    case GF_TYPE_LARGE_LIST:
      if (n->t.id == GF_TYPE_MAP) {
        const struct ArrowSchema* e = n->s->children[0];
        if (e->format == NULL || strcmp(e->format, "+s") != 0 || e->n_children != 2)
          return fail(n, "map child must be a struct with 2 children (key, value)");
      }
      return check_offsets(n, n->t.id == GF_TYPE_LARGE_LIST, a->children[0]->length,
                           "child length", &first, &last);
    case GF_TYPE_LIST_VIEW:
    case GF_TYPE_LARGE_LIST_VIEW:
      return check_list_view(n);
    case GF_TYPE_FIXED_SIZE_LIST: {
      int64_t need;
      if (__builtin_mul_overflow(end, (int64_t)n->t.list_size, &need))
        return fail(n, "child length overflows");
      if (a->children[0]->length < need)
        return fail(n, "child length %lld < (offset + length) * list_size = %lld",
                    (long long)a->children[0]->length, (long long)need);
      return GF_OK;
    }
    case GF_TYPE_STRUCT:
      for (int64_t k = 0; k < a->n_children; k++) {
        if (a->children[k]->length < end)
          return fail(n, "child '%s' length %lld < offset + length %lld",
                      n->s->children[k]->name ? n->s->children[k]->name : "",
                      (long long)a->children[k]->length, (long long)end);
      }
      return GF_OK;
    case GF_TYPE_SPARSE_UNION:
    case GF_TYPE_DENSE_UNION:
      return check_union(n);
    case GF_TYPE_RUN_END_ENCODED:
      return check_ree(n);
    default:
      return GF_OK;
  }
}

static int check_dictionary_indices(vnode* n) {
  const struct ArrowArray* a = n->a;
  int64_t dl = a->dictionary->length;
  int w = n->t.byte_width;
  int is_unsigned = n->t.id == GF_TYPE_UINT8 || n->t.id == GF_TYPE_UINT16 ||
                    n->t.id == GF_TYPE_UINT32 || n->t.id == GF_TYPE_UINT64;
  for (int64_t i = 0; i < a->length; i++) {
    if (!is_valid_slot(n, i)) continue;
    int64_t v = gf__load_int(a->buffers[1], w, a->offset + i);
    if (is_unsigned && w < 8) v &= (int64_t)((1ull << (w * 8)) - 1);
    if (v < 0 || v >= dl)
      return fail(n, "indices buffer: index %lld at position %lld outside dictionary length %lld",
                  (long long)v, (long long)i, (long long)dl);
  }
  return GF_OK;
}

static int validate_node(const struct ArrowArray* a, const struct ArrowSchema* s,
                         const vnode* parent, int64_t index, int depth);

static int recurse(vnode* n, int depth) {
  for (int64_t k = 0; k < n->a->n_children; k++) {
    int rc = validate_node(n->a->children[k], n->s->children[k], n, k, depth + 1);
    if (rc != GF_OK) return rc;
  }
  if (n->s->dictionary == NULL) return GF_OK;
  int rc = validate_node(n->a->dictionary, n->s->dictionary, n, -1, depth + 1);
  if (rc == GF_OK && (n->flags & GF_VALIDATE_FULL)) rc = check_dictionary_indices(n);
  return rc;
}

/* Validates the node and its subtree (children first, then the dictionary). */
static int validate_tree(vnode* n, int depth) {
  if (depth > MAX_DEPTH) return fail(n, "nesting deeper than %d", MAX_DEPTH);
  if (n->s == NULL || n->s->release == NULL) return fail(n, "schema is NULL or released");
  if (n->a == NULL || n->a->release == NULL) return fail(n, "array is NULL or released");
  if (gf_type_parse(n->s->format, &n->t, NULL) != GF_OK)
    return fail(n, "invalid format string \"%.40s\"", n->s->format ? n->s->format : "(null)");
  int rc = check_structure(n);
  if (rc == GF_OK) rc = check_validity(n);
  if (rc != GF_OK) return rc;
  switch (n->t.id) {
    case GF_TYPE_NA: break;
    case GF_TYPE_BINARY: case GF_TYPE_LARGE_BINARY: case GF_TYPE_STRING:
    case GF_TYPE_LARGE_STRING: rc = check_binary(n); break;
    case GF_TYPE_BINARY_VIEW:
    case GF_TYPE_STRING_VIEW: rc = check_views(n); break;
    default:
      if (n->t.id >= GF_TYPE_LIST) rc = check_nested(n);
      else rc = check_fixed(n);
  }
  if (rc != GF_OK) return rc;
  return recurse(n, depth);
}

static int validate_node(const struct ArrowArray* a, const struct ArrowSchema* s,
                         const vnode* parent, int64_t index, int depth) {
  vnode n = {a, s, {0}, parent, index, parent->flags, parent->err};
  return validate_tree(&n, depth);
}

gf_status gf_array_validate(const struct ArrowArray* array, const struct ArrowSchema* schema,
                            int flags, gf_error* err) {
  vnode root = {array, schema, {0}, NULL, 0, flags, err};
  return validate_tree(&root, 0);
}

int64_t gf_array_null_count(const struct ArrowArray* array, const struct ArrowSchema* schema) {
  if (array == NULL) return 0;
  if (array->null_count >= 0) return array->null_count;
  gf_type t;
  if (schema != NULL && gf_type_parse(schema->format, &t, NULL) == GF_OK) {
    if (t.id == GF_TYPE_NA) return array->length;
    if (!has_validity(t.id)) return 0;
  }
  if (array->n_buffers < 1 || array->buffers == NULL || array->buffers[0] == NULL) return 0;
  return array->length - gf__bit_count(array->buffers[0], array->offset, array->length);
}
