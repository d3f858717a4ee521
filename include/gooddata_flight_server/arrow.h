/* Arrow C Data Interface helpers: format-string parsing into type
 * descriptions, validation of arrays against schemas, schema/metadata
 * helpers, array builders for every type, and a small table (schema + record
 * batches) exportable as an ArrowArrayStream. Pure functions or objects owned
 * by the caller; no global state; any thread. */
#ifndef GOODDATA_FLIGHT_SERVER_ARROW_H
#define GOODDATA_FLIGHT_SERVER_ARROW_H

#include <stddef.h>
#include <stdbool.h>
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
GF_API GF_WARN_UNUSED gf_status gf_type_parse(const char* format, gf_type* out, gf_error* err);
/* Canonical short name ("int32", "timestamp", "dense_union", ...). */
GF_API const char* gf_type_id_name(gf_type_id id);
/* Number of buffers in the C Data Interface for this type (views: the
 * variadic count is not included, add n_variadic + 1). */
GF_API int gf_type_n_buffers(gf_type_id id);

/* ======================================================================== */
/* Custom metadata (the C Data Interface binary encoding)                    */

typedef struct gf_metadata_entry {
  gf_bytes key;
  gf_bytes value;
} gf_metadata_entry;

/* Number of entries in an encoded metadata blob (NULL = 0). The blob must
 * have been validated (gf_metadata_validate) if it comes from untrusted code. */
GF_API int32_t gf_metadata_count(const char* metadata);
/* Iterates: *pos starts at 0; returns true and fills `entry` while entries remain. */
GF_API bool gf_metadata_next(const char* metadata, size_t* pos, gf_metadata_entry* entry);
/* Looks up a key; returns true and fills value if present. */
GF_API bool gf_metadata_get(const char* metadata, const char* key, gf_bytes* value);
/* Encodes entries into a malloc'd blob (free with free()); *out = NULL when n == 0. */
GF_API gf_status gf_metadata_encode(const gf_metadata_entry* entries, size_t n, char** out, gf_error* err);
/* Size in bytes of an encoded metadata blob. */
GF_API size_t gf_metadata_size(const char* metadata);

/* ======================================================================== */
/* Schemas                                                                   */

/* Deep copy (the copy owns everything and has its own release). */
GF_API gf_status gf_schema_deep_copy(const struct ArrowSchema* src, struct ArrowSchema* dst, gf_error* err);

/* Schema construction helpers. gf_schema_init makes a node that owns its
 * strings and children; children are allocated by gf_schema_allocate_children
 * and then initialised one by one. */
GF_API gf_status gf_schema_init(struct ArrowSchema* schema, const char* format, const char* name, int64_t flags,
                                gf_error* err);
GF_API gf_status gf_schema_set_name(struct ArrowSchema* schema, const char* name);
GF_API gf_status gf_schema_set_format(struct ArrowSchema* schema, const char* format);
GF_API gf_status gf_schema_set_metadata(struct ArrowSchema* schema, const char* metadata); /* copies blob */
GF_API gf_status gf_schema_allocate_children(struct ArrowSchema* schema, int64_t n, gf_error* err);
GF_API gf_status gf_schema_allocate_dictionary(struct ArrowSchema* schema, gf_error* err);

/* Structural equality (formats, names, flags, metadata, children, dictionaries). */
GF_API bool gf_schema_equals(const struct ArrowSchema* a, const struct ArrowSchema* b);

/* ======================================================================== */
/* Validation                                                                 */

#define GF_VALIDATE_DEFAULT 0 /* buffer counts, sizes, child lengths, null counts */
#define GF_VALIDATE_FULL 1    /* + offsets monotonic/in bounds, union ids, run ends */
#define GF_VALIDATE_UTF8 2    /* + UTF-8 of string types */

/* Validates `array` against `schema`. On failure the message names the
 * field path (e.g. "col2.item") and the buffer. */
GF_API gf_status gf_array_validate(const struct ArrowArray* array, const struct ArrowSchema* schema, int flags,
                                   gf_error* err);
/* Exact null count (computes it when array->null_count is -1). */
GF_API int64_t gf_array_null_count(const struct ArrowArray* array, const struct ArrowSchema* schema);
/* Bytes of the buffers the array describes (validity, values, offsets, data,
 * view data, type ids), children and dictionary included; a structural
 * estimate of the memory it holds (shared buffers are counted each time). */
GF_API int64_t gf_array_byte_size(const struct ArrowArray* array, const struct ArrowSchema* schema);

/* Moves src into dst (bitwise) and marks src released. */
GF_API void gf_array_move(struct ArrowArray* src, struct ArrowArray* dst);
GF_API void gf_schema_move(struct ArrowSchema* src, struct ArrowSchema* dst);

/* ======================================================================== */
/* Additions: metadata validation, shared views, builders, tables             */

/* Checks that an untrusted metadata blob of at most `avail` readable bytes is
 * well formed (non-negative count and lengths, entries within `avail`). */
GF_API gf_status gf_metadata_validate(const char* metadata, size_t avail, gf_error* err);

/* Makes `out` a zero-copy view of `src`: a new ArrowArray tree (same lengths,
 * offsets, null counts, buffer pointers; children and dictionary shared the
 * same way) whose nodes each hold one reference on `owner`: ref(owner) is
 * called once per node now, unref(owner) once per node when it is released
 * (children may be moved out and released separately). `src` is not
 * modified and must stay alive until the last unref. */
GF_API gf_status gf_array_share(const struct ArrowArray* src, void (*ref)(void* owner),
                                void (*unref)(void* owner), void* owner, struct ArrowArray* out, gf_error* err);

/* A reference-counted holder of one array (atomic counter). create moves
 * `array` in (released also on error) and returns the holder with one
 * reference; gf_array_holder_share makes shared views that each hold their
 * own references. The array is released when the last reference goes. */
typedef struct gf_array_holder gf_array_holder;
GF_API GF_WARN_UNUSED gf_status gf_array_holder_create(struct ArrowArray* array /* moved */, gf_array_holder** out,
                                                       gf_error* err);
GF_API gf_status gf_array_holder_share(gf_array_holder* h, struct ArrowArray* out, gf_error* err);
GF_API const struct ArrowArray* gf_array_holder_array(const gf_array_holder* h);
GF_API void gf_array_holder_ref(gf_array_holder* h);
GF_API void gf_array_holder_unref(gf_array_holder* h);

/* ---- Builders -------------------------------------------------------------
 * A builder tree mirrors a schema (deep-copied). Appends are amortised O(1)
 * with 64-byte aligned, geometrically growing buffers. Per type:
 *  - null, primitives, temporal, decimal: append_null / append_int /
 *    append_uint / append_double / append_bool / append_bytes (decimal raw
 *    little-endian bytes, fixed_size_binary) / append_decimal_int /
 *    append_interval_*; timestamps, dates, times, durations, interval months
 *    take append_int in their unit;
 *  - binary, string (incl. large and views): append_bytes / append_string
 *    (string types are checked for UTF-8 on append);
 *  - list, large_list, list_view, large_list_view, map, fixed_size_list:
 *    append the element's values to gf_builder_child(b, 0), then
 *    gf_builder_append_list_end(b) (one list element; fixed_size_list checks
 *    that exactly list_size values were appended). map: the child is the
 *    "entries" struct; append key and value then struct_end on it;
 *  - struct: append one value to every child, then append_struct_end(b);
 *  - unions: gf_builder_append_union(b, type_id), then append one value to
 *    the child for that type id (sparse unions get nulls in the other
 *    children automatically);
 *  - run-end encoded: append one value to gf_builder_child(b, 1) (values),
 *    then gf_builder_append_run(b, run_length); child 0 (run ends) is
 *    maintained by the builder;
 *  - dictionary-encoded: indices via append_int(b, index), dictionary values
 *    via gf_builder_dictionary(b).
 * append_null(b, n) works for every type (unions: a null in the first
 * child; REE: one run of n nulls). Append functions return a gf_status; the
 * message of the last failure is gf_builder_last_error(root or any node). */
typedef struct gf_builder gf_builder;

GF_API GF_WARN_UNUSED gf_status gf_builder_create(const struct ArrowSchema* schema, gf_builder** out, gf_error* err);
GF_API void gf_builder_free(gf_builder* b); /* only on the builder returned by create */
GF_API gf_builder* gf_builder_child(gf_builder* b, int64_t i);  /* NULL when out of range */
GF_API gf_builder* gf_builder_dictionary(gf_builder* b);        /* NULL when not dictionary */
GF_API const struct ArrowSchema* gf_builder_schema(const gf_builder* b);
GF_API const gf_type* gf_builder_type(const gf_builder* b);
GF_API int64_t gf_builder_length(const gf_builder* b);
GF_API const char* gf_builder_last_error(const gf_builder* b);

GF_API gf_status gf_builder_append_null(gf_builder* b, int64_t n);
GF_API gf_status gf_builder_append_int(gf_builder* b, int64_t v);
GF_API gf_status gf_builder_append_uint(gf_builder* b, uint64_t v);
GF_API gf_status gf_builder_append_double(gf_builder* b, double v);
GF_API gf_status gf_builder_append_bool(gf_builder* b, int v);
GF_API gf_status gf_builder_append_bytes(gf_builder* b, const void* data, size_t len);
GF_API gf_status gf_builder_append_string(gf_builder* b, const char* s);
GF_API gf_status gf_builder_append_decimal_int(gf_builder* b, int64_t unscaled);
GF_API gf_status gf_builder_append_interval_day_time(gf_builder* b, int32_t days, int32_t ms);
GF_API gf_status gf_builder_append_interval_mdn(gf_builder* b, int32_t months, int32_t days, int64_t nanos);
GF_API gf_status gf_builder_append_list_end(gf_builder* b);
GF_API gf_status gf_builder_append_struct_end(gf_builder* b);
GF_API gf_status gf_builder_append_union(gf_builder* b, int8_t type_id);
GF_API gf_status gf_builder_append_run(gf_builder* b, int64_t run_length);

/* Produces the array built so far (validated with GF_VALIDATE_FULL; its
 * release frees everything) and resets the builder tree for reuse. Call on
 * the root builder. On failure the builder is reset too. */
GF_API gf_status gf_builder_finish(gf_builder* b, struct ArrowArray* out, gf_error* err);
/* Discards everything appended so far (whole tree). */
GF_API void gf_builder_reset(gf_builder* b);

/* ---- Tables ---------------------------------------------------------------
 * A schema (a "+s" struct) plus record batches, each with optional
 * app_metadata bytes. Reference counted (atomic); all functions are
 * thread-safe; batches are immutable once appended, so borrowed batch
 * pointers stay valid while the caller holds a reference. */
typedef struct gf_table gf_table;

GF_API GF_WARN_UNUSED gf_status gf_table_create(const struct ArrowSchema* schema /* deep-copied */, gf_table** out,
                                                gf_error* err);
/* Validates the batch against the schema (GF_VALIDATE_DEFAULT) and takes it.
 * The caller's struct is released afterwards, also on error. */
GF_API gf_status gf_table_append(gf_table* t, struct ArrowArray* batch /* moved */, const void* app_metadata,
                                 size_t app_metadata_len, gf_error* err);
GF_API const struct ArrowSchema* gf_table_schema(const gf_table* t);
GF_API int64_t gf_table_num_batches(const gf_table* t);
GF_API int64_t gf_table_num_rows(const gf_table* t);
/* gf_array_byte_size summed over the batches. */
GF_API int64_t gf_table_byte_size(const gf_table* t);
GF_API const struct ArrowArray* gf_table_batch(const gf_table* t, int64_t i); /* borrowed; NULL if out of range */
GF_API gf_bytes gf_table_batch_app_metadata(const gf_table* t, int64_t i);  /* {NULL,0} when none */
GF_API void gf_table_ref(gf_table* t);
GF_API void gf_table_unref(gf_table* t);
/* Exports the table's batches (those present now) as a stream of shared
 * views; the stream and every exported batch hold table references. */
GF_API gf_status gf_table_export_stream(gf_table* t, struct ArrowArrayStream* out, gf_error* err);
/* Reads the whole stream into a new table and releases the stream (also on
 * error). */
GF_API GF_WARN_UNUSED gf_status gf_table_from_stream(struct ArrowArrayStream* in, gf_table** out, gf_error* err);

#ifdef __cplusplus
}
#endif

#endif
