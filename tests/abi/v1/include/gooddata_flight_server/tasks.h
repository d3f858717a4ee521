/* Long-running tasks (the seed's Task / TaskExecutor / TaskResult API): a
 * service submits work to the server's task executor (fixed pool of
 * `task_threads` workers, FIFO queue), gets a task id, waits for the result,
 * cancels, and serves data results from DoGet with gf_do_get_task_result.
 * Finished results are kept `task_result_ttl_sec` seconds, then closed on the
 * `task_close_threads` close workers. All functions are thread-safe; `run`
 * callbacks execute on task worker threads. See docs/tasks.md. */
#ifndef GOODDATA_FLIGHT_SERVER_TASKS_H
#define GOODDATA_FLIGHT_SERVER_TASKS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/arrow_abi.h"
#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/errors.h"
#include "gooddata_flight_server/flight.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_task_executor gf_task_executor;
typedef struct gf_task gf_task;                 /* a running task (handed to run) */
typedef struct gf_task_outcome gf_task_outcome; /* where run puts its result */
typedef struct gf_task_result gf_task_result;   /* TaskExecutionResult (ref-counted) */

#define GF_TASK_ID_MAX 128 /* longest caller-given id; generated ids are 32 hex chars */

/* A failed task (the seed's TaskError): the Flight error class to raise
 * (GF_UNKNOWN = FlightServerError, GF_INTERNAL, GF_TIMED_OUT, ...), the
 * ErrorInfo, and whether it is the client's fault (logged at info level and
 * not counted in gdfs_task_error). */
typedef struct gf_task_error {
  int flight_status;
  gf_error_info info;
  int client_error;
} gf_task_error;

/* What to run. Everything is copied or taken over by submit. */
typedef struct gf_task_spec {
  /* sizeof(gf_task_spec): required; submit refuses (GF_INVALID_ARGUMENT) a
   * size below GF_TASK_SPEC_V1_SIZE or above the library's own, and reads
   * fields past a smaller (older) size as 0. */
  uint32_t struct_size;
  /* Required. Runs on a task worker. Outcomes:
   *  - GF_OK with a result set on `out` (data / flights)  -> success;
   *  - an error set with gf_task_outcome_set_error (any return value except
   *    GF_CANCELLED)                                     -> that TaskError, kept as is;
   *  - GF_CANCELLED (e.g. from gf_task_check_cancelled)   -> cancelled;
   *  - GF_INVALID_ARGUMENT                                 -> FlightServerError BAD_ARGUMENT, msg = err;
   *  - any other status                                    -> FlightServerError COMMAND_FAILED
   *    "There was an error while running task: <err message>". */
  gf_status (*run)(gf_task* task, void* user, gf_task_outcome* out, gf_error* err);
  /* Optional: called once, on the first successful cancel, with the task's
   * cancel lock held (must not block). */
  void (*on_cancel)(void* user);
  /* Optional: may rewrite a failure before it is stored (e.g. set client_error). */
  void (*on_error)(void* user, gf_task_error* error);
  /* Optional: called once when the executor is done with `user` (after run,
   * or when the task is dropped from the queue). */
  void (*release)(void* user);
  void* user;
  const void* cmd;         /* raw command bytes, copied (bounced back in results) */
  size_t cmd_len;
  const char* task_id;     /* NULL = generate 32 random lower-case hex chars */
  int non_cancellable;     /* 1 = cancel() returns 0 while it runs */
} gf_task_spec;

/* struct_size of gf_task_spec in the first release (0.1). */
#define GF_TASK_SPEC_V1_SIZE (offsetof(gf_task_spec, non_cancellable) + sizeof(int))

/* Submits a task; task_id_out (may be NULL) receives the id. Fails only when
 * the executor is stopped (GF_UNAVAILABLE), on a bad caller id
 * (GF_INVALID_ARGUMENT) or out of memory. A duplicate id replaces the
 * registry entry of the earlier task. */
GF_API gf_status gf_task_executor_submit(gf_task_executor* ex, const gf_task_spec* spec,
                                         char task_id_out[GF_TASK_ID_MAX + 1], gf_error* err);

/* Waits for the task to finish. timeout_ms < 0 waits forever. GF_OK: *out is a
 * new reference (gf_task_result_unref); GF_TIMED_OUT: still running after
 * timeout_ms; GF_NOT_FOUND: unknown, expired, or evicted id. */
GF_API gf_status gf_task_executor_wait_for_result(gf_task_executor* ex, const char* task_id, int64_t timeout_ms,
                                                  gf_task_result** out);

/* Cancels a task. Finished: evicts the result (closed asynchronously),
 * returns true. Queued: the task never runs, its result is "cancelled",
 * returns true. Running: sets the cancel flag and calls on_cancel once,
 * returns true, or false if the task is non-cancellable. Unknown id: returns
 * true (the seed's cancel() does the same). */
GF_API bool gf_task_executor_cancel(gf_task_executor* ex, const char* task_id);

/* Removes a finished result and closes it asynchronously; false if none. */
GF_API bool gf_task_executor_close_result(gf_task_executor* ex, const char* task_id);

/* Monotonic (CLOCK_MONOTONIC) submit time in seconds while the task is queued
 * or running: returns true and sets *seconds; false once finished or unknown. */
GF_API bool gf_task_executor_submitted_timestamp(gf_task_executor* ex, const char* task_id,
                                                 double* seconds);
/* Current CLOCK_MONOTONIC time in seconds (to compare with the above). */
GF_API double gf_task_monotonic_now(void);

/* ---- inside run() ----------------------------------------------------------- */

GF_API const char* gf_task_id(const gf_task* task);
GF_API gf_bytes gf_task_cmd(const gf_task* task);
GF_API bool gf_task_is_cancelled(const gf_task* task);
/* GF_CANCELLED if the task was cancelled, else GF_OK. */
GF_API gf_status gf_task_check_cancelled(const gf_task* task);
/* GF_CANCELLED if already cancelled; else marks the task non-cancellable
 * (later cancels return 0) and returns GF_OK. */
GF_API gf_status gf_task_switch_non_cancellable(gf_task* task);

/* Generic data result (the seed's FlightDataTaskResult). */
typedef struct gf_task_data {
  /* sizeof(gf_task_data): required, checked like gf_task_spec.struct_size. */
  uint32_t struct_size;
  int single_use;  /* 1: exactly one reader may open it */
  void* user;
  /* Required: the schema (caller releases). */
  gf_status (*get_schema)(void* user, struct ArrowSchema* out, gf_error* err);
  /* Required: a stream over the data. Called once per reader (at most once
   * when single_use); the stream may outlive the data's close (hold refs). */
  gf_status (*open)(void* user, struct ArrowArrayStream* out, gf_error* err);
  /* Optional: called exactly once, when the result is closed (TTL eviction,
   * cancel, close_result, end of a single-use read, shutdown) or discarded. */
  void (*close)(void* user);
} gf_task_data;

/* struct_size of gf_task_data in the first release (0.1). */
#define GF_TASK_DATA_V1_SIZE (offsetof(gf_task_data, close) + sizeof(void (*)(void*)))

/* Each set_* replaces what was set before; the outcome takes ownership even
 * on error. on_close (optional) runs once when the result is closed.
 * set_data: GF_INVALID_ARGUMENT when get_schema or open is NULL (close runs),
 * or when data->struct_size is outside GF_TASK_DATA_V1_SIZE..sizeof(gf_task_data)
 * (then nothing is called: the fields cannot be located). */
GF_API gf_status gf_task_outcome_set_data(gf_task_outcome* out, const gf_task_data* data);
/* Repeatable reads of a table (takes a new reference). */
GF_API gf_status gf_task_outcome_set_table(gf_task_outcome* out, gf_table* table, void (*on_close)(void*),
                                           void* on_close_user);
/* Single-use live stream (moved; its schema is read now). */
GF_API gf_status gf_task_outcome_set_stream(gf_task_outcome* out, struct ArrowArrayStream* stream,
                                            void (*on_close)(void*), void* on_close_user, gf_error* err);
/* ListFlights-style result: takes ownership of the infos (and of the array
 * contents, not the array itself). */
GF_API gf_status gf_task_outcome_set_flights(gf_task_outcome* out, gf_flight_info* const* infos, size_t n);
/* Declares how many bytes a data result set above holds, for the server's
 * bound on retained results (`task_result_max_bytes`). Table results are
 * measured automatically (gf_table_byte_size); streams and custom data count
 * 0 unless declared. Call after the set_* that stored the data. */
GF_API gf_status gf_task_outcome_set_byte_size(gf_task_outcome* out, int64_t bytes);
/* Returns a TaskError (info copied). */
GF_API gf_status gf_task_outcome_set_error(gf_task_outcome* out, int flight_status, const gf_error_info* info,
                                           int client_error);

/* ---- results ------------------------------------------------------------------- */

typedef enum gf_task_result_kind {
  GF_TASK_RESULT_DATA = 1,      /* FlightDataTaskResult */
  GF_TASK_RESULT_FLIGHTS = 2,   /* ListFlightsTaskResult */
  GF_TASK_RESULT_ERROR = 3,
  GF_TASK_RESULT_CANCELLED = 4
} gf_task_result_kind;

GF_API void gf_task_result_ref(gf_task_result* r);
GF_API void gf_task_result_unref(gf_task_result* r);
GF_API const char* gf_task_result_task_id(const gf_task_result* r);
GF_API gf_bytes gf_task_result_cmd(const gf_task_result* r);
GF_API gf_task_result_kind gf_task_result_get_kind(const gf_task_result* r);
GF_API const gf_task_error* gf_task_result_error(const gf_task_result* r);   /* NULL unless ERROR */
GF_API bool gf_task_result_is_cancelled(const gf_task_result* r);
GF_API bool gf_task_result_is_single_use(const gf_task_result* r);
/* FLIGHTS: borrowed array valid while the reference is held. */
GF_API gf_flight_info* const* gf_task_result_flights(const gf_task_result* r, size_t* n);
/* DATA: the schema (caller releases). */
GF_API gf_status gf_task_result_schema(gf_task_result* r, struct ArrowSchema* out, gf_error* err);
/* DATA: the seed's acquire_data(): takes a non-blocking read lock and opens a
 * stream. Fails with GF_UNKNOWN and err "Result data was already consumed or
 * closed." (code COMMAND_RESULT_CONSUMED) when closed, being closed, or a
 * single-use result already claimed. On GF_OK call gf_task_result_release_data
 * when done reading. */
GF_API GF_WARN_UNUSED gf_status gf_task_result_acquire_data(gf_task_result* r, struct ArrowArrayStream* out, gf_error* err);
GF_API void gf_task_result_release_data(gf_task_result* r);
/* Closes the data (waits for readers; once; runs close/on_close). */
GF_API void gf_task_result_close_data(gf_task_result* r);

/* ---- DoGet ------------------------------------------------------------------------ */

/* The seed's do_get_task_result: waits (no timeout) for the task and fills
 * `out` with its data, or raises on `call`: INVALID_TICKET (unknown/expired),
 * the stored task error, COMMAND_CANCELLED, INTERNAL_ERROR (not a data result),
 * COMMAND_RESULT_CONSUMED. Returns GF_OK or the raised status. */
GF_API gf_status gf_do_get_task_result(gf_call* call, gf_task_executor* ex, const char* task_id,
                                       gf_data_source* out);

#ifdef __cplusplus
}
#endif

#endif
