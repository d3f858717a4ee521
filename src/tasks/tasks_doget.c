/* DoGet for task results (the seed's do_get_task_result): waits for the task
 * while the call lives, raises the seed's errors, or hands the result's data
 * to the server as a gf_data_source; the call's end releases the read lock
 * and closes single-use results. Failures are logged at most once per second
 * per kind (client-caused at info, server-side at error level) with the
 * number of lines suppressed in between; DoGets for unknown task ids are
 * counted in gdfs_task_do_get_unknown. Runs on RPC worker threads
 * (finalizers too). */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log/log_internal.h"
#include "gooddata_flight_server/log.h"
#include "tasks/tasks_internal.h"

typedef struct doget_end {
  gf_task_result* r;
  int acquired;
} doget_end;

#define WAIT_STEP_MS 50
#define LOG_EVERY_MS 1000

/* Lets one line through per LOG_EVERY_MS and counts the ones held back. */
typedef struct log_limiter {
  _Atomic int64_t last_ms;
  atomic_llong dropped;
} log_limiter;

static log_limiter client_failures, server_failures;

static int64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* true when this line may be written; *suppressed: lines dropped since the last one. */
static bool limiter_pass(log_limiter* l, long long* suppressed) {
  int64_t now = monotonic_ms(), last = atomic_load(&l->last_ms);
  if ((last == 0 || now - last >= LOG_EVERY_MS) &&
      atomic_compare_exchange_strong(&l->last_ms, &last, now == 0 ? 1 : now)) {
    *suppressed = atomic_exchange(&l->dropped, 0);
    return true;
  }
  atomic_fetch_add(&l->dropped, 1);
  return false;
}

static gf_logger* logger(void) {
  static _Atomic(gf_logger*) slot;
  return gf__logger_cached(&slot, "gooddata_flight_server.rpc");
}

/* Finalizer: releases the read lock, closes single-use results, drops the ref. */
static void on_call_end(void* user, int status) {
  (void)status;
  doget_end* e = user;
  if (e->acquired) {
    gf_task_result_release_data(e->r);
    if (gf_task_result_is_single_use(e->r)) gf_task_result_close_data(e->r);
  }
  gf_task_result_unref(e->r);
  free(e);
}

static int raise_code(const gf__doget_io* io, int status, int32_t code, const char* msg) {
  gf_error_info info = {0};
  info.code = code;
  gf_error_info_set_msg(&info, msg);
  io->raise(io->ctx, status, &info);
  gf_error_info_clear(&info);
  return status;
}

/* Steps 2-5: a result that cannot be served. Returns GF_OK when it can. */
static int check_result(const gf__doget_io* io, const char* task_id, gf_task_result* r) {
  char msg[GF_TASK_ID_MAX + 200];
  if (r == NULL) {
    snprintf(msg, sizeof(msg),
             "Unable to serve data for task '%s'. The task result is not present.", task_id);
    return raise_code(io, GF_UNKNOWN, GF_EC_INVALID_TICKET, msg);
  }
  const gf_task_error* e = gf_task_result_error(r);
  if (e != NULL) {
    io->raise(io->ctx, e->flight_status, &e->info);
    return e->flight_status == GF_OK ? GF_UNKNOWN : e->flight_status;
  }
  if (gf_task_result_is_cancelled(r)) {
    snprintf(msg, sizeof(msg),
             "FlexConnect function invocation was cancelled. Invocation task was: '%s'.", task_id);
    return raise_code(io, GF_UNKNOWN, GF_EC_COMMAND_CANCELLED, msg);
  }
  if (gf_task_result_get_kind(r) != GF_TASK_RESULT_DATA) {
    snprintf(msg, sizeof(msg),
             "An internal error has occurred while attempting read result for '%s'.While the "
             "result exists, it is of an unexpected type: ListFlightsTaskResult ",
             task_id);
    return raise_code(io, GF_INTERNAL, GF_EC_INTERNAL_ERROR, msg);
  }
  return GF_OK;
}

/* Step 6-7: finalizer first, then the read lock and the stream. */
static int serve(const gf__doget_io* io, gf_task_result* r, gf_data_source* out) {
  doget_end* e = calloc(1, sizeof(*e));
  if (e == NULL) {
    gf_task_result_unref(r);
    return raise_code(io, GF_INTERNAL, GF_EC_INTERNAL_ERROR, "Out of memory while serving a task result.");
  }
  e->r = r;
  if (io->on_end(io->ctx, on_call_end, e) != GF_OK) {
    on_call_end(e, GF_INTERNAL);
    return raise_code(io, GF_INTERNAL, GF_EC_INTERNAL_ERROR,
                      "Unable to register the end-of-call handler for a task result.");
  }
  gf_error err = {0};
  int rc = gf_task_result_acquire_data(r, &out->stream, &err);
  if (rc == GF_UNKNOWN)
    return raise_code(io, GF_UNKNOWN, GF_EC_COMMAND_RESULT_CONSUMED, err.message);
  if (rc != GF_OK) return raise_code(io, GF_INTERNAL, GF_EC_INTERNAL_ERROR, err.message);
  e->acquired = 1;
  GF_LOG(logger(), GF_LOG_INFO, gf_task_result_is_single_use(r) ? "do_get_reader" : "do_get_table",
         GF_STR("task_id", gf_task_result_task_id(r)));
  return GF_OK;
}

/* Step 1: waits for the task (no time limit, as the seed) in WAIT_STEP_MS
 * steps while the call lives. GF_OK with *r set, GF_NOT_FOUND, or
 * GF_CANCELLED when the call ended first (the task keeps running). */
static int wait_result(const gf__doget_io* io, gf_task_executor* ex, const char* task_id,
                       gf_task_result** r) {
  for (;;) {
    int rc = gf_task_executor_wait_for_result(ex, task_id, io->cancelled ? WAIT_STEP_MS : -1, r);
    if (rc != GF_TIMED_OUT) return rc;
    if (io->cancelled(io->ctx)) return GF_CANCELLED;
  }
}

/* Client-caused failures (unknown ticket, cancelled, consumed, a stored
 * client error) are info lines; server-side ones are error lines. */
static bool client_caused(int rc, const gf_task_result* r) {
  const gf_task_error* e = r ? gf_task_result_error(r) : NULL;
  if (e != NULL) return e->client_error;
  return rc != GF_INTERNAL;
}

static void log_failure(const char* task_id, int rc, bool client) {
  long long suppressed = 0;
  if (!limiter_pass(client ? &client_failures : &server_failures, &suppressed)) return;
  GF_LOG(logger(), client ? GF_LOG_INFO : GF_LOG_ERROR, "do_get_failed", GF_STR("task_id", task_id),
         GF_STR("status", gf_status_name(rc)), GF_INT("suppressed", suppressed));
}

int gf__do_get_task_result(const gf__doget_io* io, gf_task_executor* ex, const char* task_id,
                           gf_data_source* out) {
  gf_task_result* r = NULL;
  int wrc = wait_result(io, ex, task_id, &r);
  if (wrc == GF_CANCELLED) {
    GF_LOG(logger(), GF_LOG_DEBUG, "do_get_abandoned", GF_STR("task_id", task_id));
    return raise_code(io, GF_CANCELLED, GF_EC_COMMAND_CANCELLED,
                      "The call ended while waiting for the task result.");
  }
  if (wrc != GF_OK) {
    r = NULL;
    gf__task_executor_count_unknown_get(ex);
  }
  int rc = check_result(io, task_id, r);
  bool client = client_caused(rc, r);
  if (rc == GF_OK) {
    rc = serve(io, r, out); /* r's reference moves to the finalizer */
    client = client_caused(rc, NULL);
  } else {
    gf_task_result_unref(r);
  }
  if (rc == GF_OK) return GF_OK;
  log_failure(task_id, rc, client);
  return rc;
}

static int call_raise(void* ctx, int flight_status, const gf_error_info* info) {
  return gf_call_error_info(ctx, flight_status, info);
}

static int call_on_end(void* ctx, gf_call_end_fn fn, void* user) {
  return gf_call_on_end(ctx, fn, user);
}

static int call_cancelled(void* ctx) { return gf_call_is_cancelled(ctx); }

gf_status gf_do_get_task_result(gf_call* call, gf_task_executor* ex, const char* task_id,
                                gf_data_source* out) {
  if (ex == NULL || task_id == NULL)
    return gf_call_error(call, GF_INTERNAL, "do_get_task_result: no task executor or task id");
  gf__doget_io io = {call, call_raise, call_on_end, call_cancelled};
  return gf__do_get_task_result(&io, ex, task_id, out);
}
