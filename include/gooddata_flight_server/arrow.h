/* Arrow C Data Interface helpers: format-string parsing into type
 * descriptions, validation of arrays against schemas, schema/metadata
 * helpers, array builders for every type, and a small table (schema + record
 * batches) exportable as an ArrowArrayStream. Pure functions or objects owned
 * by the caller; no global state; any thread. */
#ifndef GOODDATA_FLIGHT_SERVER_ARROW_H
#define GOODDATA_FLIGHT_SERVER_ARROW_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/arrow_abi.h"
#include "gooddata_flight_server/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Types                                                                     */

typedef enum gf_type_id {
  GF_TYPE_NA = 0,
  GF_TYPE_BOOL,
  GF_TYPE_INT8,
  GF_TYPE_UINT8,
  GF_TYPE_INT16,
  GF_TYPE_UINT16,
  GF_TYPE_INT32,
  GF_TYPE_UINT32,
  GF_TYPE_INT64,
  GF_TYPE_UINT64,
  GF_TYPE_HALF_FLOAT,
  GF_TYPE_FLOAT,
  GF_TYPE_DOUBLE,
  GF_TYPE_BINARY,
  GF_TYPE_LARGE_BINARY,
  GF_TYPE_BINARY_VIEW,
  GF_TYPE_STRING,
  GF_TYPE_LARGE_STRING,
  GF_TYPE_STRING_VIEW,
  GF_TYPE_FIXED_SIZE_BINARY,
  GF_TYPE_DECIMAL32,
  GF_TYPE_DECIMAL64,
  GF_TYPE_DECIMAL128,
  GF_TYPE_DECIMAL256,
  GF_TYPE_DATE32,
  GF_TYPE_DATE64,
  GF_TYPE_TIME32,
  GF_TYPE_TIME64,
  GF_TYPE_TIMESTAMP,
  GF_TYPE_DURATION,
  GF_TYPE_INTERVAL_MONTHS,
  GF_TYPE_INTERVAL_DAY_TIME,
  GF_TYPE_INTERVAL_MONTH_DAY_NANO,
  GF_TYPE_LIST,
  GF_TYPE_LARGE_LIST,
  GF_TYPE_LIST_VIEW,
  GF_TYPE_LARGE_LIST_VIEW,
  GF_TYPE_FIXED_SIZE_LIST,
  GF_TYPE_STRUCT,
  GF_TYPE_MAP,
  GF_TYPE_SPARSE_UNION,
  GF_TYPE_DENSE_UNION,
  GF_TYPE_RUN_END_ENCODED,
  GF_TYPE__COUNT
} gf_type_id;

typedef enum gf_time_unit {
  GF_TIME_UNIT_SECOND = 0,
  GF_TIME_UNIT_MILLI = 1,
  GF_TIME_UNIT_MICRO = 2,
  GF_TIME_UNIT_NANO = 3
} gf_time_unit;

#define GF_MAX_UNION_TYPE_IDS 128

/* One node of a type, parsed from an ArrowSchema format string. For a
 * dictionary-encoded field the format is the index type; the value type is
 * schema->dictionary (see gf_type_view.dictionary). */
typedef struct gf_type {
  gf_type_id id;
  /* Fixed-width value size in bytes (int/float/decimal/temporal/interval,
   * fixed_size_binary width); 0 for bool (bit-packed) and non-fixed types. */
  int32_t byte_width;
  int32_t list_size;          /* FIXED_SIZE_LIST */
  int32_t decimal_precision;  /* DECIMAL* */
  int32_t decimal_scale;
  int32_t decimal_bit_width;  /* 32, 64, 128, 256 */
  gf_time_unit unit;          /* TIME32/64, TIMESTAMP, DURATION */
  const char* timezone;       /* TIMESTAMP: points into the format string; */
  size_t timezone_len;        /* 0 length = naive (no timezone) */
  int32_t n_union_type_ids;   /* unions: type ids listed in the format */
  int8_t union_type_ids[GF_MAX_UNION_TYPE_IDS];
} gf_type;

/* Parses one format string (no recursion into children). */
int gf_type_parse(const char* format, gf_type* out, gf_error* err);
/* Canonical short name ("int32", "timestamp", "dense_union", ...). */
const char* gf_type_id_name(gf_type_id id);
/* Number of buffers in the C Data Interface for this type (views: the
 * variadic count is not included, add n_variadic + 1). */
int gf_type_n_buffers(gf_type_id id);

/* ======================================================================== */
/* Custom metadata (the C Data Interface binary encoding)                    */

typedef struct gf_metadata_entry {
  gf_bytes key;
  gf_bytes value;
} gf_metadata_entry;

/* Number of entries in an encoded metadata blob (NULL = 0). The blob must
 * have been validated (gf_metadata_validate) if it comes from untrusted code. */
int32_t gf_metadata_count(const char* metadata);
/* Iterates: *pos starts at 0; returns 1 and fills `entry` while entries remain. */
int gf_metadata_next(const char* metadata, size_t* pos, gf_metadata_entry* entry);
/* Looks up a key; returns 1 and fills value if present. */
int gf_metadata_get(const char* metadata, const char* key, gf_bytes* value);
/* Encodes entries into a malloc'd blob (free with free()); *out = NULL when n == 0. */
int gf_metadata_encode(const gf_metadata_entry* entries, size_t n, char** out, gf_error* err);
/* Size in bytes of an encoded metadata blob. */
size_t gf_metadata_size(const char* metadata);

/* ======================================================================== */
/* Schemas                                                                   */

/* Deep copy (the copy owns everything and has its own release). */
int gf_schema_deep_copy(const struct ArrowSchema* src, struct ArrowSchema* dst, gf_error* err);

/* Schema construction helpers. gf_schema_init makes a node that owns its
 * strings and children; children are allocated by gf_schema_allocate_children
 * and then initialised one by one. */
int gf_schema_init(struct ArrowSchema* schema, const char* format, const char* name, int64_t flags,
                   gf_error* err);
int gf_schema_set_name(struct ArrowSchema* schema, const char* name);
int gf_schema_set_format(struct ArrowSchema* schema, const char* format);
int gf_schema_set_metadata(struct ArrowSchema* schema, const char* metadata); /* copies blob */
int gf_schema_allocate_children(struct ArrowSchema* schema, int64_t n, gf_error* err);
int gf_schema_allocate_dictionary(struct ArrowSchema* schema, gf_error* err);

/* Structural equality (formats, names, flags, metadata, children, dictionaries). */
int gf_schema_equals(const struct ArrowSchema* a, const struct ArrowSchema* b);

/* ======================================================================== */
/* Validation                                                                 */

#define GF_VALIDATE_DEFAULT 0 /* buffer counts, sizes, child lengths, null counts */
#define GF_VALIDATE_FULL 1    /* + offsets monotonic/in bounds, union ids, run ends */
#define GF_VALIDATE_UTF8 2    /* + UTF-8 of string types */

/* Validates `array` against `schema`. On failure the message names the
 * field path (e.g. "col2.item") and the buffer. */
int gf_array_validate(const struct ArrowArray* array, const struct ArrowSchema* schema, int flags,
                      gf_error* err);
/* Exact null count (computes it when array->null_count is -1). */
int64_t gf_array_null_count(const struct ArrowArray* array, const struct ArrowSchema* schema);

/* Moves src into dst (bitwise) and marks src released. */
void gf_array_move(struct ArrowArray* src, struct ArrowArray* dst);
void gf_schema_move(struct ArrowSchema* src, struct ArrowSchema* dst);

#ifdef __cplusplus
}
#endif

#endif
