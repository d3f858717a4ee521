/* Internal: task executor lifecycle (used by the server) and the shared
 * layout of task records/outcomes (tasks.c executor, tasks_result.c results,
 * tasks_doget.c DoGet). A record is one submitted task and, once done, its
 * TaskExecutionResult. Threads: callers, task workers, close workers, the
 * TTL collector. */
#ifndef GF__SERVER_TASKS_INTERNAL_H
#define GF__SERVER_TASKS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "gooddata_flight_server/metrics.h"
#include "gooddata_flight_server/tasks.h"
#include "gooddata_flight_server/tracing.h"

int gf__task_executor_create(int threads, int close_threads, int ttl_sec, gf_metrics* metrics,
                             gf_task_executor** out, gf_error* err);
/* Orderly shutdown: drops queued tasks (cancelled results), optionally
 * cancels running ones, joins the workers, then closes every result. Later
 * submits fail with GF_UNAVAILABLE. Idempotent. */
void gf__task_executor_stop(gf_task_executor* ex, int cancel_running);
/* Stops (cancelling running tasks) if needed and frees. */
void gf__task_executor_free(gf_task_executor* ex);

typedef enum { GF__TASK_QUEUED = 0, GF__TASK_RUNNING, GF__TASK_DONE } gf__task_state;

enum { GF__OUTCOME_NONE = 0 };

struct gf_task_outcome {
  int kind;                  /* GF__OUTCOME_NONE or a gf_task_result_kind */
  gf_task_data data;         /* DATA */
  gf_flight_info** flights;  /* FLIGHTS */
  size_t n_flights;
  gf_task_error error;       /* ERROR */
  int64_t bytes;             /* DATA: bytes held, counted against task_result_max_bytes */
};

/* Frees whatever the outcome holds (closes unclaimed data) and zeroes it. */
void gf__task_outcome_clear(gf_task_outcome* o);

/* The seed's reader-preferring RW lock + single-use claim flag. */
typedef struct gf__data_guard {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int readers, closing, closed, claimed;
} gf__data_guard;

struct gf_task_result {
  atomic_int refs;
  char id[GF_TASK_ID_MAX + 1];
  uint8_t* cmd;
  size_t cmd_len;
  gf_task_spec spec;          /* callbacks + user; cmd/task_id not used */
  /* guarded by the executor lock */
  gf__task_state state;
  int done, in_map, in_ttl, user_released;
  struct gf_task_result *q_next, *map_next, *ttl_prev, *ttl_next, *close_next;
  struct gf__task_waiter* waiters; /* callers blocked in wait_for_result (ex->mu) */
  double created, started, completed, added; /* monotonic seconds */
  /* guarded by cancel_mu */
  pthread_mutex_t cancel_mu;
  int cancelled, non_cancellable, on_cancel_called, user_gone;
  /* written once before done = 1, read-only afterwards */
  gf_task_result_kind kind;
  gf_task_outcome outcome;
  gf__data_guard guard;
  /* bytes of this result counted in its executor's retained total; given
   * back (once) when the data is closed */
  gf_task_executor* owner;
  atomic_llong charged;
  /* task_execution span (tracing.h; NULL when tracing is off): started by
   * submit under the caller's current span, ended by completion */
  gf_span* span;
};

#define GF__TASK_REC(t) ((gf_task_result*)(t))

gf_task_result* gf__task_result_new(void);
/* Sets the cancel flag (and runs on_cancel the first time); 0 if non-cancellable. */
int gf__task_cancel_flag(gf_task_result* r);

/* DoGet core, independent of gf_call so it can be unit-tested: `raise`
 * records an error like gf_call_error_info, `on_end` registers a finalizer
 * like gf_call_on_end, `cancelled` (NULL: never) tells whether the call has
 * ended, like gf_call_is_cancelled. */
typedef struct gf__doget_io {
  void* ctx;
  int (*raise)(void* ctx, int flight_status, const gf_error_info* info);
  int (*on_end)(void* ctx, gf_call_end_fn fn, void* user);
  int (*cancelled)(void* ctx);
} gf__doget_io;
/* Bounds the bytes held by finished data results (INT64_MAX until set). */
void gf__task_executor_set_result_limit(gf_task_executor* ex, int64_t max_bytes);
/* Gives back bytes counted for a result whose data was closed. */
void gf__task_executor_uncharge(gf_task_executor* ex, int64_t bytes);
/* Counts a DoGet for an unknown or expired task id (gdfs_task_do_get_unknown). */
void gf__task_executor_count_unknown_get(gf_task_executor* ex);
int gf__do_get_task_result(const gf__doget_io* io, gf_task_executor* ex, const char* task_id,
                           gf_data_source* out);

#endif
