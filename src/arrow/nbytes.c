/* Byte size of Arrow data as the C Data Interface describes it: the buffer
 * extents reachable from an array (validity, values, offsets, data, views
 * with their variadic buffers, type ids, children, dictionary) and the sum
 * over a table's batches. Counts each array's own extents, so memory shared
 * between batches is counted once per batch. Pure, any thread. */
#include "arrow/bits.h"
#include "arrow/internal.h"

#define MAX_DEPTH 200

static int64_t bits_bytes(int64_t n) { return (n + 7) / 8; }

static int has_validity(gf_type_id id) {
  return id != GF_TYPE_NA && id != GF_TYPE_SPARSE_UNION && id != GF_TYPE_DENSE_UNION &&
         id != GF_TYPE_RUN_END_ENCODED;
}

/* Bytes of the last offset (the data length) of a binary/string array. */
static int64_t binary_data(const struct ArrowArray* a, int large) {
  if (a->length == 0 || a->n_buffers < 3 || a->buffers[1] == NULL) return 0;
  int64_t last = gf__load_offset(a->buffers[1], large, a->offset + a->length);
  return last > 0 ? last : 0;
}

static int64_t views_data(const struct ArrowArray* a) {
  int64_t total = 0;
  if (a->n_buffers < 3 || a->buffers[a->n_buffers - 1] == NULL) return 0;
  const int64_t* sizes = a->buffers[a->n_buffers - 1];
  for (int64_t j = 0; j < a->n_buffers - 3; j++) total += sizes[j] > 0 ? sizes[j] : 0;
  return total;
}

/* The node's own buffers (children and dictionary not included). */
static int64_t own_bytes(const struct ArrowArray* a, const gf_type* t) {
  int64_t end = a->offset + a->length, b = 0;
  if (has_validity(t->id) && a->n_buffers > 0 && a->buffers[0] != NULL) b += bits_bytes(end);
  switch (t->id) {
    case GF_TYPE_NA: case GF_TYPE_STRUCT: case GF_TYPE_FIXED_SIZE_LIST:
    case GF_TYPE_RUN_END_ENCODED:
      return b;
    case GF_TYPE_BOOL: return b + bits_bytes(end);
    case GF_TYPE_BINARY: case GF_TYPE_STRING:
      return b + (end + 1) * 4 + binary_data(a, 0);
    case GF_TYPE_LARGE_BINARY: case GF_TYPE_LARGE_STRING:
      return b + (end + 1) * 8 + binary_data(a, 1);
    case GF_TYPE_BINARY_VIEW: case GF_TYPE_STRING_VIEW:
      return b + end * 16 + views_data(a);
    case GF_TYPE_LIST: case GF_TYPE_MAP: return b + (end + 1) * 4;
    case GF_TYPE_LARGE_LIST: return b + (end + 1) * 8;
    case GF_TYPE_LIST_VIEW: return b + end * 8;
    case GF_TYPE_LARGE_LIST_VIEW: return b + end * 16;
    case GF_TYPE_SPARSE_UNION: return b + end;
    case GF_TYPE_DENSE_UNION: return b + end * 5;
    default: return b + end * t->byte_width;
  }
}

static int64_t node_bytes(const struct ArrowArray* a, const struct ArrowSchema* s, int depth) {
  gf_type t;
  if (a == NULL || s == NULL || a->release == NULL || depth > MAX_DEPTH ||
      gf_type_parse(s->format, &t, NULL) != GF_OK)
    return 0;
  int64_t total = own_bytes(a, &t);
  for (int64_t i = 0; i < a->n_children && i < s->n_children; i++)
    total += node_bytes(a->children[i], s->children[i], depth + 1);
  if (a->dictionary != NULL && s->dictionary != NULL)
    total += node_bytes(a->dictionary, s->dictionary, depth + 1);
  return total;
}

int64_t gf_array_byte_size(const struct ArrowArray* array, const struct ArrowSchema* schema) {
  return node_bytes(array, schema, 0);
}

int64_t gf_table_byte_size(const gf_table* t) {
  int64_t total = 0, n = gf_table_num_batches(t);
  for (int64_t i = 0; i < n; i++) total += gf_array_byte_size(gf_table_batch(t, i), gf_table_schema(t));
  return total;
}
