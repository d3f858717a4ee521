/* The `flexconnect` methods provider: ListFlights (one FlightInfo per
 * function), GetFlightInfo in basic and polling mode (x-quiver-pollable,
 * c:/r: descriptors, POLL with RetryInfo, deadline from submit), DoGet with
 * the {"task_id":...} ticket, and the factory that reads [flexconnect] and
 * loads the functions. Factory on the main thread; callbacks on RPC workers. */
#include <stdlib.h>
#include <string.h>

#include "flexconnect/fc_internal.h"

#define MSG_NO_COMMAND \
  "Incorrect FlexConnect function invocation. Flight descriptor must contain command with the invocation payload."

static int bad_argument(gf_call* call, const char* fmt, const char* arg) {
  return gf_call_error_code(call, GF_UNKNOWN, GF_EC_BAD_ARGUMENT, fmt, arg);
}

static int list_flights(void* state, gf_call* call, gf_bytes criteria, gf_flight_list* out) {
  gf__fc_service* svc = state;
  (void)criteria;
  for (size_t i = 0; i < svc->reg.n; i++) {
    const gf__fc_fn* f = svc->reg.fns[i];
    gf_flight_info* info = gf_flight_list_add(out);
    gf_error err = {0};
    if (info == NULL) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
    gf_descriptor d = {.type = GF_DESCRIPTOR_CMD, .cmd = {(const uint8_t*)f->list_cmd, f->list_cmd_len}};
    if (gf_flight_info_set_schema(info, &f->schema, &err) != GF_OK ||
        gf_flight_info_set_descriptor(info, &d) != GF_OK)
      return gf_call_error(call, GF_INTERNAL, "cannot describe function '%s': %s", f->name, err.message);
  }
  return GF_OK;
}

/* 2.3.3: the answer for a finished task. */
static int answer(gf__fc_service* svc, gf_call* call, gf_task_result* r, gf_flight_info* out) {
  const char* id = gf_task_result_task_id(r);
  const gf_task_error* e = gf_task_result_error(r);
  if (e != NULL) return gf_call_error_info(call, e->flight_status, &e->info);
  if (gf_task_result_is_cancelled(r))
    return gf_call_error_code(call, GF_UNKNOWN, GF_EC_COMMAND_CANCELLED,
                              "FlexConnect function invocation was cancelled. Invocation task was: '%s'.", id);
  struct ArrowSchema schema = {0};
  gf_error err = {0};
  int rc = gf_task_result_schema(r, &schema, &err);
  if (!rc) rc = gf_flight_info_set_schema(out, &schema, &err);
  if (schema.release) schema.release(&schema);
  if (rc) return gf_call_error_code(call, GF_INTERNAL, GF_EC_INTERNAL_ERROR, "%s", err.message);
  gf_descriptor d = {.type = GF_DESCRIPTOR_CMD, .cmd = gf_task_result_cmd(r)};
  size_t tlen = 0;
  char* ticket = gf__fc_ticket_json(id, &tlen);
  gf_flight_endpoint* ep = ticket ? gf_flight_info_add_endpoint(out, ticket, tlen) : NULL;
  free(ticket);
  if (ep == NULL || gf_flight_endpoint_add_location(ep, svc->location) != GF_OK ||
      gf_flight_info_set_descriptor(out, &d) != GF_OK)
    return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

static int timed_out(gf__fc_service* svc, gf_call* call, const char* id) {
  gf_task_executor_cancel(svc->ex, id);
  return gf_call_error_code(call, GF_TIMED_OUT, GF_EC_TIMEOUT,
                            "GetFlightInfo timed out while waiting for task %s.", id);
}

#define WAIT_SLICE_MS 250 /* how often a waiting GetFlightInfo notices its client left */

/* Waits up to ms for the task, in slices, giving up early when the caller
 * cancelled its call (the invocation keeps running, as upstream). */
static int wait_sliced(gf__fc_service* svc, gf_call* call, const char* id, int64_t ms,
                       gf_task_result** r) {
  for (;;) {
    int64_t slice = ms < WAIT_SLICE_MS ? ms : WAIT_SLICE_MS;
    int rc = gf_task_executor_wait_for_result(svc->ex, id, slice, r);
    ms -= slice;
    if (rc != GF_TIMED_OUT || ms <= 0) return rc;
    if (gf_call_is_cancelled(call)) return GF_CANCELLED;
  }
}

static int wait_answer(gf__fc_service* svc, gf_call* call, const char* id, int64_t ms,
                       gf_flight_info* out, int* still_running) {
  gf_task_result* r = NULL;
  int rc = wait_sliced(svc, call, id, ms, &r);
  *still_running = rc == GF_TIMED_OUT;
  if (rc == GF_TIMED_OUT) return rc;
  if (rc == GF_CANCELLED) return gf_call_error(call, GF_CANCELLED, "The client cancelled the call.");
  if (rc != GF_OK) return bad_argument(call, "Task with id '%s' does not exist.", id);
  rc = answer(svc, call, r, out);
  gf_task_result_unref(r);
  return rc;
}

static int poll_error(gf_call* call, const char* id) {
  size_t n = strlen(id);
  char* buf = malloc(2 * (n + 2));
  if (buf == NULL) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  memcpy(buf, "r:", 2);
  memcpy(buf + 2, id, n);
  memcpy(buf + n + 2, "c:", 2);
  memcpy(buf + n + 4, id, n);
  gf_descriptor retry = {.type = GF_DESCRIPTOR_CMD, .cmd = {(const uint8_t*)buf, n + 2}};
  gf_descriptor cancel = {.type = GF_DESCRIPTOR_CMD, .cmd = {(const uint8_t*)buf + n + 2, n + 2}};
  gf_retry_info ri = {NULL, &retry, &cancel};
  int rc = gf_call_error_poll(call, &ri);
  free(buf);
  return rc;
}

/* 2.3.2: one poll iteration; the deadline is checked only after the wait. */
static int poll_iteration(gf__fc_service* svc, gf_call* call, const char* id, gf_flight_info* out) {
  int running = 0;
  int rc = wait_answer(svc, call, id, svc->cfg.polling_interval_ms, out, &running);
  if (!running) return rc;
  double submitted = 0;
  if (!gf_task_executor_submitted_timestamp(svc->ex, id, &submitted)) { /* finished meanwhile */
    rc = wait_answer(svc, call, id, 0, out, &running);
    return running ? poll_error(call, id) : rc;
  }
  if ((gf_task_monotonic_now() - submitted) * 1000.0 > (double)svc->cfg.call_deadline_ms)
    return timed_out(svc, call, id);
  return poll_error(call, id);
}

/* Parses the command and submits the invocation; GF_OK with the task id. */
static int submit(gf__fc_service* svc, gf_call* call, gf_bytes raw, char id[GF_TASK_ID_MAX + 1]) {
  gf__fc_command cmd;
  gf_error err = {0};
  if (gf__fc_parse_command(raw.data, raw.len, &cmd, &err) != GF_OK) {
    if (err.code == GF_NO_MEMORY) return gf_call_error(call, GF_NO_MEMORY, "%s", err.message);
    return bad_argument(call, "%s", err.message);
  }
  const gf__fc_fn* fn = gf__fc_registry_find(&svc->reg, cmd.function_name);
  if (fn == NULL) {
    int rc = bad_argument(call, "Unsupported FlexConnect function '%s'.", cmd.function_name);
    gf__fc_command_free(&cmd);
    return rc;
  }
  int rc = gf__fc_submit(svc, call, fn, &cmd, raw, id, &err);
  gf__fc_command_free(&cmd);
  if (rc == GF_UNAVAILABLE)
    return gf_call_error_code(call, GF_UNAVAILABLE, GF_EC_SHUTTING_DOWN, "Server is shutting down.");
  if (rc != GF_OK) return gf_call_error_code(call, GF_INTERNAL, GF_EC_INTERNAL_ERROR, "%s", err.message);
  return GF_OK;
}

/* Task id after a c:/r: prefix; NULL (no such task) when it cannot be one. */
static char* prefixed_id(gf_bytes cmd) {
  size_t n = cmd.len - 2;
  if (n > GF_TASK_ID_MAX || memchr(cmd.data + 2, 0, n) != NULL) return NULL;
  char* id = malloc(n + 1);
  if (id == NULL) return NULL;
  memcpy(id, cmd.data + 2, n);
  id[n] = 0;
  return id;
}

static int polling_mode(gf__fc_service* svc, gf_call* call, gf_bytes cmd, gf_flight_info* out) {
  if (cmd.len == 0) return bad_argument(call, "%s", MSG_NO_COMMAND);
  int is_cancel = cmd.len >= 2 && memcmp(cmd.data, "c:", 2) == 0;
  int is_retry = cmd.len >= 2 && memcmp(cmd.data, "r:", 2) == 0;
  if (is_cancel || is_retry) {
    char* id = prefixed_id(cmd);
    int rc;
    if (is_cancel) {
      int accepted = id == NULL || gf_task_executor_cancel(svc->ex, id); /* unknown id: accepted */
      rc = accepted ? gf_call_error_code(call, GF_CANCELLED, GF_EC_COMMAND_CANCELLED,
                                         "FlexConnect function invocation was cancelled.")
                    : gf_call_error_code(call, GF_CANCELLED, GF_EC_COMMAND_CANCEL_NOT_POSSIBLE,
                                         "FlexConnect function invocation could not be cancelled.");
    } else if (id == NULL) {
      char shown[GF_TASK_ID_MAX + 1];
      size_t n = cmd.len - 2 < GF_TASK_ID_MAX ? cmd.len - 2 : GF_TASK_ID_MAX;
      memcpy(shown, cmd.data + 2, n);
      shown[n] = 0;
      rc = bad_argument(call, "Task with id '%s' does not exist.", shown);
    } else {
      rc = poll_iteration(svc, call, id, out);
    }
    free(id);
    return rc;
  }
  char id[GF_TASK_ID_MAX + 1];
  int rc = submit(svc, call, cmd, id);
  return rc ? rc : poll_iteration(svc, call, id, out);
}

static int basic_mode(gf__fc_service* svc, gf_call* call, gf_bytes cmd, gf_flight_info* out) {
  char id[GF_TASK_ID_MAX + 1];
  int rc = submit(svc, call, cmd, id);
  if (rc) return rc;
  int running = 0;
  rc = wait_answer(svc, call, id, svc->cfg.call_deadline_ms, out, &running);
  return running ? timed_out(svc, call, id) : rc;
}

static int get_flight_info(void* state, gf_call* call, const gf_descriptor* d, gf_flight_info* out) {
  gf__fc_service* svc = state;
  gf_bytes cmd = {NULL, 0};
  if (d != NULL && d->type == GF_DESCRIPTOR_CMD) cmd = d->cmd;
  gf_bytes ignored;
  if (gf_call_header(call, "x-quiver-pollable", &ignored)) return polling_mode(svc, call, cmd, out);
  return basic_mode(svc, call, cmd, out);
}

static int do_get(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  gf__fc_service* svc = state;
  char* id = NULL;
  gf_error err = {0};
  if (gf__fc_parse_ticket(ticket.data, ticket.len, &id, &err) != GF_OK) {
    if (err.code == GF_NO_MEMORY) return gf_call_error(call, GF_NO_MEMORY, "%s", err.message);
    return bad_argument(call, "%s", err.message);
  }
  int rc = gf_do_get_task_result(call, svc->ex, id, out);
  free(id);
  return rc;
}

static void release(void* state) {
  gf__fc_service* svc = state;
  gf__fc_registry_free(&svc->reg);
  gf__fc_settings_free(&svc->cfg);
  free(svc->location);
  free(svc);
}

static int init_observability(gf__fc_service* svc, gf_server_context* ctx) {
  static const char* const fn_outcome[] = {"function", "outcome"};
  static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                  0.5, 1, 2.5, 5, 10, 30, 60, 180};
  gf_metrics* m = gf_context_metrics(ctx);
  svc->log = gf_context_logger(ctx, "gooddata_flight_server.flexconnect");
  if (m == NULL) return GF_OK;
  svc->m_invocations = gf_metrics_counter(m, "gdfs_flexconnect_invocations_total",
                                          "FlexConnect function invocations that ended, by function and outcome.",
                                          fn_outcome, 2);
  svc->m_duration = gf_metrics_histogram(m, "gdfs_flexconnect_invocation_duration_seconds",
                                         "FlexConnect invocation duration from submit to end, by function and outcome.",
                                         fn_outcome, 2, bounds, sizeof(bounds) / sizeof(bounds[0]));
  return GF_OK;
}

gf_status gf_flexconnect_factory(gf_server_context* ctx, gf_methods* out, gf_error* err) {
  gf__fc_service* svc = calloc(1, sizeof(*svc));
  if (svc == NULL) return gf_error_set(err, GF_NO_MEMORY, "FlexConnect: out of memory");
  int rc = gf__fc_settings_load(gf_context_settings(ctx), &svc->cfg, err);
  svc->ex = gf_context_task_executor(ctx);
  svc->location = strdup(gf_context_location(ctx));
  if (!rc && (svc->ex == NULL || svc->location == NULL))
    rc = gf_error_set(err, GF_INTERNAL, "FlexConnect: no task executor or location in the server context");
  if (!rc) rc = init_observability(svc, ctx);
  if (!rc) rc = gf__fc_registry_load(&svc->reg, (const char* const*)svc->cfg.functions,
                                     svc->cfg.n_functions, ctx, err);
  if (rc) {
    release(svc);
    return rc;
  }
  GF_LOG(svc->log, GF_LOG_INFO, "flexconnect_functions_loaded", GF_INT("count", svc->reg.n),
         GF_INT("call_deadline_ms", svc->cfg.call_deadline_ms),
         GF_INT("polling_interval_ms", svc->cfg.polling_interval_ms));
  if (svc->reg.n == 0) GF_LOG(svc->log, GF_LOG_WARNING, "flexconnect_no_functions");
  out->struct_size = sizeof(*out);
  out->abi_version = GF_PLUGIN_ABI_VERSION;
  out->state = svc;
  out->release = release;
  out->list_flights = list_flights;
  out->get_flight_info = get_flight_info;
  out->do_get = do_get;
  return GF_OK;
}
