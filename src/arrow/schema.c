/* ArrowSchema helpers: nodes that own their strings, children and
 * dictionary (one release frees the whole tree), deep copy, structural
 * equality and moves. Pure functions on caller-owned structs, any thread. */
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"

#define MAX_SCHEMA_DEPTH 256

static void schema_release(struct ArrowSchema* s) {
  if (s == NULL || s->release == NULL) return;
  free((char*)s->format);
  free((char*)s->name);
  free((char*)s->metadata);
  for (int64_t i = 0; i < s->n_children; i++) {
    struct ArrowSchema* c = s->children ? s->children[i] : NULL;
    if (c == NULL) continue;
    if (c->release) c->release(c);
    free(c);
  }
  free(s->children);
  if (s->dictionary) {
    if (s->dictionary->release) s->dictionary->release(s->dictionary);
    free(s->dictionary);
  }
  s->release = NULL;
}

static char* dup_or_null(const char* s) { return s ? strdup(s) : NULL; }

gf_status gf_schema_init(struct ArrowSchema* schema, const char* format, const char* name,
                         int64_t flags, gf_error* err) {
  if (schema == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "gf_schema_init: schema is NULL");
  memset(schema, 0, sizeof(*schema));
  schema->flags = flags;
  schema->release = schema_release;
  schema->format = dup_or_null(format);
  schema->name = dup_or_null(name);
  if ((format && !schema->format) || (name && !schema->name)) {
    schema_release(schema);
    return gf_error_set(err, GF_NO_MEMORY, "gf_schema_init: out of memory");
  }
  return GF_OK;
}

static int replace_str(const char** slot, const char* s) {
  char* c = NULL;
  if (s != NULL && (c = strdup(s)) == NULL) return GF_NO_MEMORY;
  free((char*)*slot);
  *slot = c;
  return GF_OK;
}

gf_status gf_schema_set_name(struct ArrowSchema* schema, const char* name) {
  if (schema == NULL || schema->release != schema_release) return GF_INVALID_ARGUMENT;
  return replace_str(&schema->name, name);
}

gf_status gf_schema_set_format(struct ArrowSchema* schema, const char* format) {
  if (schema == NULL || schema->release != schema_release) return GF_INVALID_ARGUMENT;
  return replace_str(&schema->format, format);
}

gf_status gf_schema_set_metadata(struct ArrowSchema* schema, const char* metadata) {
  if (schema == NULL || schema->release != schema_release) return GF_INVALID_ARGUMENT;
  char* c = NULL;
  if (metadata != NULL && gf_metadata_count(metadata) > 0) {
    size_t n = gf_metadata_size(metadata);
    if ((c = malloc(n)) == NULL) return GF_NO_MEMORY;
    memcpy(c, metadata, n);
  }
  free((char*)schema->metadata);
  schema->metadata = c;
  return GF_OK;
}

gf_status gf_schema_allocate_children(struct ArrowSchema* schema, int64_t n, gf_error* err) {
  if (schema == NULL || schema->release != schema_release)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "allocate_children: schema not made by gf_schema_init");
  if (schema->children != NULL || schema->n_children != 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "allocate_children: children already allocated");
  if (n < 0 || n > 1000000)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "allocate_children: bad child count %lld", (long long)n);
  if (n == 0) return GF_OK;
  schema->children = calloc((size_t)n, sizeof(*schema->children));
  if (schema->children == NULL) return gf_error_set(err, GF_NO_MEMORY, "allocate_children: out of memory");
  for (int64_t i = 0; i < n; i++) {
    schema->children[i] = calloc(1, sizeof(struct ArrowSchema));
    if (schema->children[i] == NULL) {
      schema->n_children = i;
      return gf_error_set(err, GF_NO_MEMORY, "allocate_children: out of memory");
    }
  }
  schema->n_children = n;
  return GF_OK;
}

gf_status gf_schema_allocate_dictionary(struct ArrowSchema* schema, gf_error* err) {
  if (schema == NULL || schema->release != schema_release)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "allocate_dictionary: schema not made by gf_schema_init");
  if (schema->dictionary != NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "allocate_dictionary: dictionary already allocated");
  schema->dictionary = calloc(1, sizeof(struct ArrowSchema));
  if (schema->dictionary == NULL) return gf_error_set(err, GF_NO_MEMORY, "allocate_dictionary: out of memory");
  return GF_OK;
}

static int copy_node(const struct ArrowSchema* src, struct ArrowSchema* dst, int depth, gf_error* err) {
  if (src == NULL || src->release == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "schema copy: source is released");
  if (depth > MAX_SCHEMA_DEPTH)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "schema copy: nesting deeper than %d", MAX_SCHEMA_DEPTH);
  if (src->format == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "schema copy: format is NULL");
  int rc = gf_schema_init(dst, src->format, src->name, src->flags, err);
  if (rc != GF_OK) return rc;
  if (gf_schema_set_metadata(dst, src->metadata) != GF_OK) goto oom;
  if (src->n_children > 0 && src->children == NULL) {
    schema_release(dst);
    return gf_error_set(err, GF_INVALID_ARGUMENT, "schema copy: children array is NULL");
  }
  if ((rc = gf_schema_allocate_children(dst, src->n_children, err)) != GF_OK) goto fail;
  for (int64_t i = 0; i < src->n_children; i++) {
    if ((rc = copy_node(src->children[i], dst->children[i], depth + 1, err)) != GF_OK) goto fail;
  }
  if (src->dictionary != NULL) {
    if ((rc = gf_schema_allocate_dictionary(dst, err)) != GF_OK) goto fail;
    if ((rc = copy_node(src->dictionary, dst->dictionary, depth + 1, err)) != GF_OK) goto fail;
  }
  return GF_OK;
oom:
  rc = gf_error_set(err, GF_NO_MEMORY, "schema copy: out of memory");
fail:
  schema_release(dst);
  return rc;
}

gf_status gf_schema_deep_copy(const struct ArrowSchema* src, struct ArrowSchema* dst,
                              gf_error* err) {
  if (dst == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "schema copy: dst is NULL");
  memset(dst, 0, sizeof(*dst));
  return copy_node(src, dst, 0, err);
}

static int str_eq(const char* a, const char* b) {
  return strcmp(a ? a : "", b ? b : "") == 0;
}

static int metadata_eq(const char* a, const char* b) {
  size_t la = gf_metadata_count(a) > 0 ? gf_metadata_size(a) : 0;
  size_t lb = gf_metadata_count(b) > 0 ? gf_metadata_size(b) : 0;
  return la == lb && (la == 0 || memcmp(a, b, la) == 0);
}

static int equals_node(const struct ArrowSchema* a, const struct ArrowSchema* b, int depth) {
  if (a == b) return 1;
  if (a == NULL || b == NULL || depth > MAX_SCHEMA_DEPTH) return 0;
  if (!str_eq(a->format, b->format) || !str_eq(a->name, b->name)) return 0;
  if (a->flags != b->flags || a->n_children != b->n_children) return 0;
  if (!metadata_eq(a->metadata, b->metadata)) return 0;
  for (int64_t i = 0; i < a->n_children; i++) {
    if (!equals_node(a->children[i], b->children[i], depth + 1)) return 0;
  }
  if ((a->dictionary == NULL) != (b->dictionary == NULL)) return 0;
  return a->dictionary == NULL || equals_node(a->dictionary, b->dictionary, depth + 1);
}

bool gf_schema_equals(const struct ArrowSchema* a, const struct ArrowSchema* b) {
  return equals_node(a, b, 0);
}

void gf_array_move(struct ArrowArray* src, struct ArrowArray* dst) {
  memcpy(dst, src, sizeof(*dst));
  src->release = NULL;
}

void gf_schema_move(struct ArrowSchema* src, struct ArrowSchema* dst) {
  memcpy(dst, src, sizeof(*dst));
  src->release = NULL;
}
