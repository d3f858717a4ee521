/* Internal: the FlexConnect provider's pieces — the invocation command and
 * ticket parsers (pure, fuzzed), the function registry loaded from
 * [flexconnect] functions, the settings, and the service state shared by the
 * Flight callbacks (RPC workers) and the invocation tasks (task workers). */
#ifndef GF__FLEXCONNECT_INTERNAL_H
#define GF__FLEXCONNECT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/config.h"
#include "gooddata_flight_server/flexconnect.h"
#include "gooddata_flight_server/log.h"
#include "gooddata_flight_server/metrics.h"
#include "gooddata_flight_server/server.h"
#include "config/config_flexconnect.h"

/* ---- command / ticket (fc_command.c) ------------------------------------------ */

typedef struct gf__fc_command {
  char* function_name;
  char* parameters_json;   /* compact; "{}" when absent or null */
  size_t parameters_len;
  char** columns;          /* parameters.columns string items, NULL when absent */
  size_t n_columns;
  char* exec_ctx_json;     /* parameters.executionContext (compact) or NULL */
} gf__fc_command;

/* GF_OK, or GF_INVALID_ARGUMENT with err->message = the exact BAD_ARGUMENT text. */
int gf__fc_parse_command(const void* data, size_t len, gf__fc_command* out, gf_error* err);
void gf__fc_command_free(gf__fc_command* c);
/* {"task_id":"..."} -> *task_id (malloc'd). GF_INVALID_ARGUMENT with the text. */
int gf__fc_parse_ticket(const void* data, size_t len, char** task_id, gf_error* err);
/* {"task_id":"<id>"} (malloc'd). */
char* gf__fc_ticket_json(const char* task_id, size_t* len);
/* {"functionName":"<name>","metadata":<metadata_json or null>} (malloc'd). */
char* gf__fc_list_command(const char* name, const char* metadata_json, size_t* len);
/* Compact re-serialisation of a JSON text; NULL if it is not valid JSON. */
char* gf__fc_json_compact(const char* text);

/* ---- registry (fc_registry.c) ----------------------------------------------------- */

typedef struct gf__fc_fn {
  gf_fc_function def;       /* the library's struct, zero-extended to our size */
  char* name;
  char* library;            /* path it came from */
  void* state;              /* from on_load */
  int loaded;               /* on_load succeeded: unload runs at shutdown */
  struct ArrowSchema schema;/* declared schema (owned copy) */
  char* list_cmd;           /* ListFlights descriptor command */
  size_t list_cmd_len;
} gf__fc_fn;

typedef struct gf__fc_registry {
  gf__fc_fn** fns;
  size_t n;
  void** libs;
  size_t n_libs;
} gf__fc_registry;

/* Loads every library of `specs` in order, checks each function, calls its
 * on_load. One-line errors (exit 1 at start-up). */
int gf__fc_registry_load(gf__fc_registry* reg, const char* const* specs, size_t n,
                         gf_server_context* ctx, gf_error* err);
const gf__fc_fn* gf__fc_registry_find(const gf__fc_registry* reg, const char* name);
void gf__fc_registry_free(gf__fc_registry* reg);

/* ---- service and invocations (fc_methods.c, fc_invoke.c) ---------------------------- */

typedef struct gf__fc_service {
  gf__fc_registry reg;
  gf__fc_settings cfg;
  gf_task_executor* ex;
  char* location;
  gf_logger* log;
  gf_metric* m_invocations;  /* gdfs_flexconnect_invocations_total{function,outcome} */
  gf_metric* m_duration;     /* gdfs_flexconnect_invocation_duration_seconds{function} */
} gf__fc_service;

/* Submits an invocation of fn (on an RPC worker). *task_id receives the id. */
int gf__fc_submit(gf__fc_service* svc, gf_call* call, const gf__fc_fn* fn, gf__fc_command* cmd,
                  gf_bytes raw_cmd, char task_id[GF_TASK_ID_MAX + 1], gf_error* err);

#endif
