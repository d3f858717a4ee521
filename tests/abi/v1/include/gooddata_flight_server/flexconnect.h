/* FlexConnect functions in C: the ABI a function library implements for the
 * built-in `flexconnect` methods provider (GoodData FlexConnect, wire
 * compatible with the Python gooddata-flexconnect), the typed read-only view
 * of `parameters.executionContext`, and the data-source-messages helper.
 *
 * A library exports one versioned entry (use GF_FC_DECLARE_LIBRARY) that
 * returns its functions. `on_load` runs once on the main thread at start-up,
 * `call` on a task worker thread (server.task_threads), `cancel` on an RPC
 * worker thread concurrently with `call`. See docs/flexconnect.md. */
#ifndef GOODDATA_FLIGHT_SERVER_FLEXCONNECT_H
#define GOODDATA_FLIGHT_SERVER_FLEXCONNECT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/arrow_abi.h"
#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/errors.h"
#include "gooddata_flight_server/flight.h"
#include "gooddata_flight_server/tasks.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- execution context (parameters.executionContext), read-only ------------ */

typedef enum gf_fc_execution_type {
  GF_FC_EXECUTION_UNKNOWN = 0,
  GF_FC_EXECUTION_REPORT = 1,
  GF_FC_EXECUTION_LABEL_ELEMENTS = 2
} gf_fc_execution_type;

typedef enum gf_fc_week_start {
  GF_FC_WEEK_START_UNSET = 0,
  GF_FC_WEEK_START_SUNDAY = 1, /* any case: "sunday", "SUNDAY" */
  GF_FC_WEEK_START_MONDAY = 2,
  GF_FC_WEEK_START_OTHER = 3   /* present but neither; raw text in week_start */
} gf_fc_week_start;

/* Strings are NUL-terminated UTF-8, NULL when absent or JSON null. */
typedef struct gf_fc_attribute {
  const char* attribute_identifier;
  const char* attribute_title;
  const char* label_identifier;
  const char* label_title;
  const char* date_granularity; /* e.g. "MONTH"; NULL when absent/null (open-ended enum) */
  const char* sort_column;      /* sorting.sortColumn, NULL when no sorting */
  const char* sort_direction;   /* "ASC" / "DESC" */
} gf_fc_attribute;

typedef enum gf_fc_filter_type {
  GF_FC_FILTER_UNKNOWN = 0,
  GF_FC_FILTER_POSITIVE_ATTRIBUTE = 1,
  GF_FC_FILTER_NEGATIVE_ATTRIBUTE = 2,
  GF_FC_FILTER_MATCH_ATTRIBUTE = 3,
  GF_FC_FILTER_RELATIVE_DATE = 4,
  GF_FC_FILTER_ABSOLUTE_DATE = 5
} gf_fc_filter_type;

typedef struct gf_fc_filter {
  gf_fc_filter_type type;
  const char* filter_type;      /* the raw "filterType" */
  /* positive / negative / match attribute filters */
  const char* label_identifier;
  const char* const* values;    /* n_values entries; an entry is NULL for JSON null */
  size_t n_values;
  const char* match_type;       /* CONTAINS | STARTS_WITH | ENDS_WITH */
  const char* literal;
  int negate;                   /* default 0 */
  int case_sensitive;           /* default 0 */
  /* date filters */
  const char* dataset_identifier;
  const char* granularity;      /* relative */
  int64_t from, to;             /* relative: period offsets */
  const char* from_text;        /* absolute: "2024-01-01" / "2024-01-01 10:00" */
  const char* to_text;
} gf_fc_filter;

typedef enum gf_fc_initiator_type {
  GF_FC_INITIATOR_NONE = 0, /* no executionInitiator */
  GF_FC_INITIATOR_DISPLAY = 1,
  GF_FC_INITIATOR_ADHOC_EXPORT = 2,
  GF_FC_INITIATOR_AUTOMATION = 3,
  GF_FC_INITIATOR_ALERT = 4
} gf_fc_initiator_type;

typedef struct gf_fc_initiator {
  gf_fc_initiator_type type;
  const char* type_text;
  const char* dashboard_id;
  const char* visualization_id;
  const char* widget_id;
  const char* export_type;   /* adhocExport */
  const char* automation_id; /* automation */
} gf_fc_initiator;

/* labelElementsExecutionRequest, typed where the shape is fixed. */
typedef struct gf_fc_label_elements {
  const char* label;
  int64_t offset;             /* -1 when absent */
  int64_t limit;              /* -1 when absent */
  int exclude_primary_label;  /* default 0 */
  const char* const* exact_filter; /* NULL entries for JSON null */
  size_t n_exact_filter;
  const char* pattern_filter;
  int complement_filter;      /* default 0 */
  const char* filter_by_label_type; /* filterBy.labelType; "REQUESTED" when absent */
  const char* depends_on_json;      /* raw compact JSON array, or NULL (both date shapes kept as sent) */
  const char* validate_by_json;     /* raw compact JSON array, or NULL */
} gf_fc_label_elements;

typedef struct gf_fc_execution_context {
  uint32_t struct_size;            /* sizeof as compiled into the server; fields only grow */
  gf_fc_execution_type execution_type;
  const char* execution_type_text; /* the raw "executionType" */
  const char* organization_id;
  const char* workspace_id;
  const char* user_id;
  const char* timestamp;           /* as sent, may be "" */
  const char* timezone;
  const char* week_start;          /* raw text */
  gf_fc_week_start week_start_kind;
  const gf_fc_attribute* attributes;
  size_t n_attributes;
  const gf_fc_filter* filters;
  size_t n_filters;
  gf_fc_initiator initiator;
  /* Raw compact JSON of the request objects (NULL when absent or null). */
  const char* report_execution_request_json;
  const char* execution_request_json; /* deprecated duplicate of the above */
  const char* label_elements_execution_request_json;
  const gf_fc_label_elements* label_elements; /* NULL unless the request object is present */
} gf_fc_execution_context;

/* Parses an executionContext JSON object. Unknown keys are ignored; a key of
 * the wrong JSON type fails with GF_INVALID_ARGUMENT naming it; like the
 * upstream parser, an unknown filterType fails with "Unsupported filter
 * definition type: <t>" and an unknown initiator type with "Unsupported
 * execution initiator type: <t>". The result is
 * one allocation graph freed by gf_fc_execution_context_free. */
GF_API GF_WARN_UNUSED gf_status gf_fc_execution_context_parse(const char* json, size_t len, gf_fc_execution_context** out,
                                                              gf_error* err);
GF_API void gf_fc_execution_context_free(gf_fc_execution_context* ctx);

/* ---- one invocation -------------------------------------------------------- */

typedef struct gf_fc_header {
  const char* name;  /* lower-case */
  gf_bytes value;    /* -bin headers decoded */
} gf_fc_header;

/* What `call` and `cancel` receive. Owned by the server; valid until `call`
 * has returned and `cancel` (if it runs) has returned. */
typedef struct gf_fc_invocation {
  uint32_t struct_size;            /* sizeof as compiled into the server; fields only grow */
  const char* function_name;
  const char* task_id;             /* 32 lower-case hex chars */
  const char* parameters_json;     /* compact JSON object ("{}" when absent/null) */
  size_t parameters_len;
  const char* const* columns;      /* parameters.columns (strings only); NULL when absent */
  size_t n_columns;
  const gf_fc_header* headers;     /* of the submitting GetFlightInfo */
  size_t n_headers;
  /* parameters.executionContext, or NULL when absent or not parseable (then
   * execution_context_error says why). */
  const gf_fc_execution_context* execution_context;
  const char* execution_context_error;
  gf_task* task;                   /* for gf_task_is_cancelled / gf_task_check_cancelled */
  void* function_state;            /* what on_load stored */
} gf_fc_invocation;

/* True once the invocation was cancelled (client cancel or deadline). */
GF_API bool gf_fc_is_cancelled(const gf_fc_invocation* inv);
/* First value of header `name` (case-insensitive): true and *value, else false. */
GF_API bool gf_fc_header_get(const gf_fc_invocation* inv, const char* name, gf_bytes* value);

/* Where `call` puts its result. Set exactly one of table / stream on GF_OK. */
typedef struct gf_fc_result {
  uint32_t struct_size;
  gf_table* table;                 /* re-readable; the server takes this reference */
  struct ArrowArrayStream stream;  /* single use; moved to the server */
  /* A function-made error: when error_set is 1 the task fails with this
   * Flight error class (GF_UNKNOWN = server error) and ErrorInfo (owned by
   * the server afterwards), whatever `call` returns. */
  int error_set;
  int error_flight_status;
  gf_error_info error;
} gf_fc_result;

/* Sets the function's own ErrorInfo on `out` (msg/detail copied; detail may be
 * NULL) and returns flight_status (never GF_OK), so `call` can return it. */
GF_API gf_status gf_fc_result_set_error(gf_fc_result* out, int flight_status, int32_t code, const char* msg,
                                        const char* detail);

/* ---- the function ----------------------------------------------------------- */

typedef struct gf_fc_function {
  uint32_t struct_size;   /* sizeof(gf_fc_function) as compiled by the library */
  const char* name;       /* required, non-empty, unique across all libraries */
  void* user;             /* passed to schema and on_load */
  /* Required: the declared result schema (a struct "+s" schema; caller releases). */
  gf_status (*schema)(void* user, struct ArrowSchema* out, gf_error* err);
  /* Optional JSON text published under "metadata" by ListFlights (NULL = null). */
  const char* metadata_json;
  /* Optional: once at start-up, main thread. *state (initially `user`) is
   * handed to call/cancel as inv->function_state. Non-GF_OK aborts start-up. */
  gf_status (*on_load)(void* user, gf_server_context* ctx, void** state, gf_error* err);
  /* Required, on a task thread. Return GF_OK with out->table or out->stream
   * set; GF_INVALID_ARGUMENT -> BAD_ARGUMENT with err's message; GF_CANCELLED
   * -> cancelled; any other status -> COMMAND_FAILED "There was an error
   * while running task: <err>"; or set out->error (gf_fc_result_set_error). */
  gf_status (*call)(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err);
  /* Optional: at most once per invocation, concurrently with call, on the
   * first accepted cancel while call runs. Must not block. */
  void (*cancel)(gf_fc_invocation* inv);
  /* Optional: once at shutdown, after the last call ended, with the state
   * on_load stored (free it here). */
  void (*unload)(void* state);
} gf_fc_function;

#define GF_FC_ABI_VERSION 1u

typedef struct gf_fc_library {
  uint32_t struct_size;   /* sizeof(gf_fc_library) */
  uint32_t abi_version;   /* GF_FC_ABI_VERSION */
  const gf_fc_function* const* functions;
  size_t n_functions;
} gf_fc_library;

#define GF_FC_ENTRY_SYMBOL "gf_flexconnect_library_v1"
#define GF_FC_ABI_SYMBOL "gf_flexconnect_abi_version"

/* Put `GF_FC_DECLARE_LIBRARY(fn_a, fn_b, ...)` (pointers to static
 * gf_fc_function) in exactly one source file of the library. */
#define GF_FC_DECLARE_LIBRARY(...)                                                          \
  GF_API extern const uint32_t gf_flexconnect_abi_version;                                  \
  GF_API const uint32_t gf_flexconnect_abi_version = GF_FC_ABI_VERSION;                     \
  GF_API const gf_fc_library* gf_flexconnect_library_v1(void);                               \
  GF_API const gf_fc_library* gf_flexconnect_library_v1(void) {                              \
    static const gf_fc_function* const gf__fc_fns[] = {__VA_ARGS__};                         \
    static const gf_fc_library gf__fc_lib = {sizeof(gf_fc_library), GF_FC_ABI_VERSION,       \
                                             gf__fc_fns, sizeof(gf__fc_fns) / sizeof(gf__fc_fns[0])}; \
    return &gf__fc_lib;                                                                      \
  }

/* ---- data source messages (schema metadata x-gdc-data-source-messages) ----- */

#define GF_FC_DATA_SOURCE_MESSAGES_KEY "x-gdc-data-source-messages"

/* Appends {"source","correlation_id","type","data"} to the JSON array stored
 * under x-gdc-data-source-messages in schema->metadata (created when absent;
 * other keys kept). data_json: JSON text or NULL (null). */
GF_API gf_status gf_fc_add_data_source_message(struct ArrowSchema* schema, const char* source,
                                               const char* correlation_id, const char* type,
                                               const char* data_json, gf_error* err);

/* ---- the methods provider ---------------------------------------------------- */

/* The `flexconnect` methods factory (what `--methods-provider flexconnect`
 * uses); embedders pass it to gf_server_create. */
GF_API gf_status gf_flexconnect_factory(gf_server_context* ctx, gf_methods* out, gf_error* err);

#ifdef __cplusplus
}
#endif

#endif
