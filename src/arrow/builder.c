/* Builder trees: creation from a schema, accessors, reset, and finishing
 * into an ArrowArray that owns its 64-byte aligned buffers. One thread at a
 * time per builder tree. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "arrow/builder.h"

#define MAX_BUILDER_DEPTH 64

int gf__builder_fail(gf_builder* b, int code, const char* fmt, ...) {
  char msg[GF__BUILDER_ERROR_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  const char* name = b->schema->name && b->schema->name[0] ? b->schema->name : "(unnamed)";
  snprintf(b->root->last_error, sizeof(b->root->last_error), "field '%s' (%s): %s", name,
           gf_type_id_name(b->t.id), msg);
  return code;
}

int gf__builder_offsets_width(gf_type_id id) {
  switch (id) {
    case GF_TYPE_BINARY: case GF_TYPE_STRING: case GF_TYPE_LIST: case GF_TYPE_MAP:
      return 4;
    case GF_TYPE_LARGE_BINARY: case GF_TYPE_LARGE_STRING: case GF_TYPE_LARGE_LIST:
      return 8;
    default:
      return 0;
  }
}

static void node_free(gf_builder* b);

static int check_shape(gf_builder* b, gf_error* err) {
  const struct ArrowSchema* s = b->schema;
  const char* name = s->name ? s->name : "";
  int64_t want = -1;
  switch (b->t.id) {
    case GF_TYPE_LIST: case GF_TYPE_LARGE_LIST: case GF_TYPE_LIST_VIEW:
    case GF_TYPE_LARGE_LIST_VIEW: case GF_TYPE_FIXED_SIZE_LIST: case GF_TYPE_MAP:
      want = 1; break;
    case GF_TYPE_RUN_END_ENCODED: want = 2; break;
    case GF_TYPE_SPARSE_UNION: case GF_TYPE_DENSE_UNION: want = b->t.n_union_type_ids; break;
    case GF_TYPE_STRUCT: break;
    default: want = 0;
  }
  if (s->n_children < 0 || (want >= 0 && s->n_children != want) || (s->n_children > 0 && !s->children))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "builder: field '%s' (%s) has %lld children",
                        name, gf_type_id_name(b->t.id), (long long)s->n_children);
  if (b->t.id == GF_TYPE_MAP && (strcmp(s->children[0]->format, "+s") != 0 || s->children[0]->n_children != 2))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "builder: map field '%s' needs a struct child with 2 children", name);
  if (s->dictionary && (b->t.id < GF_TYPE_INT8 || b->t.id > GF_TYPE_UINT64))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "builder: dictionary field '%s' needs an integer index type", name);
  return GF_OK;
}

static int node_create(gf_builder* root, gf_builder* b, const struct ArrowSchema* s, int depth,
                       gf_error* err) {
  b->root = root;
  b->schema = s;
  memset(b->child_of, -1, sizeof(b->child_of));
  if (depth > MAX_BUILDER_DEPTH) return gf_error_set(err, GF_INVALID_ARGUMENT, "builder: schema nested too deep");
  int rc = gf_type_parse(s->format, &b->t, err);
  if (rc == GF_OK) rc = check_shape(b, err);
  if (rc != GF_OK) return rc;
  for (int32_t k = 0; k < b->t.n_union_type_ids; k++) b->child_of[b->t.union_type_ids[k]] = (int8_t)k;
  if (b->t.id == GF_TYPE_RUN_END_ENCODED) {
    gf_type rt;
    if (gf_type_parse(s->children[0]->format, &rt, NULL) != GF_OK ||
        (rt.id != GF_TYPE_INT16 && rt.id != GF_TYPE_INT32 && rt.id != GF_TYPE_INT64))
      return gf_error_set(err, GF_INVALID_ARGUMENT, "builder: run_ends of '%s' must be int16/32/64",
                          s->name ? s->name : "");
  }
  if (s->n_children > 0) {
    b->children = calloc((size_t)s->n_children, sizeof(*b->children));
    if (b->children == NULL) return gf_error_set(err, GF_NO_MEMORY, "builder: out of memory");
  }
  for (int64_t i = 0; i < s->n_children; i++) {
    if ((b->children[i] = calloc(1, sizeof(gf_builder))) == NULL)
      return gf_error_set(err, GF_NO_MEMORY, "builder: out of memory");
    b->n_children = i + 1;
    if ((rc = node_create(root, b->children[i], s->children[i], depth + 1, err)) != GF_OK) return rc;
  }
  if (s->dictionary) {
    if ((b->dict = calloc(1, sizeof(gf_builder))) == NULL)
      return gf_error_set(err, GF_NO_MEMORY, "builder: out of memory");
    return node_create(root, b->dict, s->dictionary, depth + 1, err);
  }
  return GF_OK;
}

gf_status gf_builder_create(const struct ArrowSchema* schema, gf_builder** out, gf_error* err) {
  if (out == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "builder: out is NULL");
  *out = NULL;
  gf_builder* b = calloc(1, sizeof(*b));
  if (b == NULL) return gf_error_set(err, GF_NO_MEMORY, "builder: out of memory");
  int rc = gf_schema_deep_copy(schema, &b->schema_copy, err);
  if (rc != GF_OK) {
    free(b);
    return rc;
  }
  rc = node_create(b, b, &b->schema_copy, 0, err);
  if (rc != GF_OK) {
    gf_builder_free(b);
    return rc;
  }
  *out = b;
  return GF_OK;
}

static void node_clear(gf_builder* b) {
  gf__abuf_free(&b->validity);
  gf__abuf_free(&b->b1);
  gf__abuf_free(&b->b2);
  for (int64_t i = 0; i < b->n_vdata; i++) gf__abuf_free(&b->vdata[i]);
  b->n_vdata = 0;
  b->length = b->null_count = b->mark = 0;
  b->has_bitmap = 0;
}

static void node_free(gf_builder* b) {
  if (b == NULL) return;
  node_clear(b);
  free(b->vdata);
  for (int64_t i = 0; i < b->n_children; i++) {
    node_free(b->children[i]);
    free(b->children[i]);
  }
  free(b->children);
  node_free(b->dict);
  free(b->dict);
}

void gf_builder_free(gf_builder* b) {
  if (b == NULL || b->root != b) return;
  node_free(b);
  if (b->schema_copy.release) b->schema_copy.release(&b->schema_copy);
  free(b);
}

static void node_reset(gf_builder* b) {
  node_clear(b);
  for (int64_t i = 0; i < b->n_children; i++) node_reset(b->children[i]);
  if (b->dict) node_reset(b->dict);
}

void gf_builder_reset(gf_builder* b) {
  if (b != NULL) node_reset(b);
}

gf_builder* gf_builder_child(gf_builder* b, int64_t i) {
  return (b && i >= 0 && i < b->n_children) ? b->children[i] : NULL;
}
gf_builder* gf_builder_dictionary(gf_builder* b) { return b ? b->dict : NULL; }
const struct ArrowSchema* gf_builder_schema(const gf_builder* b) { return b ? b->schema : NULL; }
const gf_type* gf_builder_type(const gf_builder* b) { return b ? &b->t : NULL; }
int64_t gf_builder_length(const gf_builder* b) { return b ? b->length : 0; }
const char* gf_builder_last_error(const gf_builder* b) { return b ? b->root->last_error : ""; }

/* ---- finishing ----------------------------------------------------------- */

static void out_release(struct ArrowArray* a) {
  if (a == NULL || a->release == NULL) return;
  for (int64_t i = 0; a->buffers && i < a->n_buffers; i++) free((void*)a->buffers[i]);
  free(a->buffers);
  for (int64_t i = 0; i < a->n_children; i++) {
    if (a->children[i]->release) a->children[i]->release(a->children[i]);
    free(a->children[i]);
  }
  free(a->children);
  if (a->dictionary) {
    if (a->dictionary->release) a->dictionary->release(a->dictionary);
    free(a->dictionary);
  }
  a->release = NULL;
}

static int ensure_first_offset(gf_builder* b) {
  int w = gf__builder_offsets_width(b->t.id);
  if (w == 0 || b->b1.size > 0) return GF_OK;
  return gf__abuf_append_zeros(&b->b1, w);
}

static int fill_view_buffers(gf_builder* b, struct ArrowArray* a) {
  int64_t nv = b->n_vdata;
  int64_t* sizes = NULL;
  if (nv > 0 && (sizes = gf__aligned_alloc(nv * 8)) == NULL) return GF_NO_MEMORY;
  for (int64_t i = 0; i < nv; i++) {
    sizes[i] = b->vdata[i].size;
    a->buffers[2 + i] = gf__abuf_take(&b->vdata[i]);
  }
  a->buffers[2 + nv] = sizes;
  return GF_OK;
}

static int build_node(gf_builder* b, struct ArrowArray* a);

static int build_children(gf_builder* b, struct ArrowArray* a) {
  if (b->n_children > 0 && (a->children = calloc((size_t)b->n_children, sizeof(*a->children))) == NULL)
    return GF_NO_MEMORY;
  for (int64_t i = 0; i < b->n_children; i++) {
    if ((a->children[i] = calloc(1, sizeof(struct ArrowArray))) == NULL) return GF_NO_MEMORY;
    a->n_children = i + 1;
    int rc = build_node(b->children[i], a->children[i]);
    if (rc != GF_OK) return rc;
  }
  if (b->dict == NULL) return GF_OK;
  if ((a->dictionary = calloc(1, sizeof(struct ArrowArray))) == NULL) return GF_NO_MEMORY;
  return build_node(b->dict, a->dictionary);
}

static int build_node(gf_builder* b, struct ArrowArray* a) {
  gf_type_id id = b->t.id;
  int64_t nb = gf_type_n_buffers(id);
  if (id == GF_TYPE_BINARY_VIEW || id == GF_TYPE_STRING_VIEW) nb += b->n_vdata + 1;
  memset(a, 0, sizeof(*a));
  a->release = out_release;
  a->length = b->length;
  a->null_count = b->null_count;
  if ((a->buffers = calloc((size_t)(nb ? nb : 1), sizeof(void*))) == NULL) return GF_NO_MEMORY;
  a->n_buffers = nb;
  if (ensure_first_offset(b) != GF_OK) return GF_NO_MEMORY;
  int first = 0;
  if (id != GF_TYPE_NA && id != GF_TYPE_RUN_END_ENCODED && id != GF_TYPE_SPARSE_UNION &&
      id != GF_TYPE_DENSE_UNION) {
    a->buffers[0] = b->null_count > 0 ? gf__abuf_take(&b->validity) : NULL;
    first = 1;
  }
  if (nb > first) a->buffers[first] = gf__abuf_take(&b->b1);
  if (id == GF_TYPE_BINARY_VIEW || id == GF_TYPE_STRING_VIEW) {
    if (fill_view_buffers(b, a) != GF_OK) return GF_NO_MEMORY;
  } else if (nb > first + 1) {
    a->buffers[first + 1] = gf__abuf_take(&b->b2);
  }
  return build_children(b, a);
}

gf_status gf_builder_finish(gf_builder* b, struct ArrowArray* out, gf_error* err) {
  if (b == NULL || out == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "builder finish: NULL argument");
  out->release = NULL;
  if (b->root != b) {
    return gf_error_set(err, GF_INVALID_ARGUMENT, "builder finish: call it on the root builder");
  }
  int rc = build_node(b, out);
  node_reset(b);
  if (rc != GF_OK) {
    out_release(out);
    return gf_error_set(err, rc, "builder finish: out of memory");
  }
  rc = gf_array_validate(out, b->schema, GF_VALIDATE_FULL, err);
  if (rc != GF_OK) {
    out_release(out);
    gf_error_prefix(err, "builder finish");
  }
  return rc;
}
