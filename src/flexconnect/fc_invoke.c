/* One FlexConnect invocation as a task on the server's task executor: the
 * gf_fc_invocation handed to the function (parameters, columns, headers of
 * the submitting call, execution-context view), the mapping of what `call`
 * returns to the task outcome, the cancel hook, and the invocation's log
 * lines, span and metrics. Submit runs on an RPC worker; run on a task
 * worker; cancel on the RPC worker handling the cancel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "flexconnect/fc_internal.h"
#include "gooddata_flight_server/tracing.h"

typedef struct invocation {
  gf_fc_invocation pub;
  gf__fc_service* svc;
  const gf__fc_fn* fn;
  gf__fc_command cmd;
  gf_fc_header* headers;
  char** header_names;
  uint8_t** header_values;
  gf_fc_execution_context* exec_ctx;
  gf_error exec_ctx_err;
  char task_id[GF_TASK_ID_MAX + 1];
  double submitted;
  const char* outcome; /* "ok", "error", "cancelled" (never ran) */
  gf_span* span;
} invocation;

bool gf_fc_is_cancelled(const gf_fc_invocation* inv) {
  return inv != NULL && inv->task != NULL && gf_task_is_cancelled(inv->task);
}

bool gf_fc_header_get(const gf_fc_invocation* inv, const char* name, gf_bytes* value) {
  for (size_t i = 0; inv && i < inv->n_headers; i++)
    if (strcasecmp(inv->headers[i].name, name) == 0) {
      if (value) *value = inv->headers[i].value;
      return 1;
    }
  return 0;
}

gf_status gf_fc_result_set_error(gf_fc_result* out, int flight_status, int32_t code,
                                 const char* msg, const char* detail) {
  if (flight_status == GF_OK) flight_status = GF_UNKNOWN;
  gf_error_info_clear(&out->error);
  gf_error_info_init(&out->error, code, NULL);
  gf_error_info_set_msg(&out->error, msg);
  gf_error_info_set_detail(&out->error, detail);
  out->error_set = 1;
  out->error_flight_status = flight_status;
  return flight_status;
}

static void free_invocation(invocation* v) {
  for (size_t i = 0; i < v->pub.n_headers; i++) {
    free(v->header_names[i]);
    free(v->header_values[i]);
  }
  free(v->headers);
  free(v->header_names);
  free(v->header_values);
  gf_fc_execution_context_free(v->exec_ctx);
  gf__fc_command_free(&v->cmd);
  free(v);
}

static int copy_headers(invocation* v, gf_call* call) {
  size_t n = call ? gf_call_header_count(call) : 0;
  v->headers = calloc(n ? n : 1, sizeof(*v->headers));
  v->header_names = calloc(n ? n : 1, sizeof(char*));
  v->header_values = calloc(n ? n : 1, sizeof(uint8_t*));
  if (!v->headers || !v->header_names || !v->header_values) return GF_NO_MEMORY;
  for (size_t i = 0; i < n; i++) {
    const char* key = NULL;
    gf_bytes val = {0};
    if (gf_call_header_at(call, i, &key, &val) != GF_OK || key == NULL) continue;
    size_t k = v->pub.n_headers;
    v->header_names[k] = strdup(key);
    v->header_values[k] = malloc(val.len + 1);
    v->pub.n_headers++;
    if (!v->header_names[k] || !v->header_values[k]) return GF_NO_MEMORY;
    if (val.len) memcpy(v->header_values[k], val.data, val.len);
    v->header_values[k][val.len] = 0;
    v->headers[k].name = v->header_names[k];
    v->headers[k].value = (gf_bytes){v->header_values[k], val.len};
  }
  return GF_OK;
}

static void observe_end(invocation* v) {
  double secs = gf_task_monotonic_now() - v->submitted;
  const char* labels[2] = {v->fn->name, v->outcome};
  gf_metric_inc(v->svc->m_invocations, labels, 1);
  gf_metric_observe(v->svc->m_duration, labels, secs);
  GF_LOG(v->svc->log, GF_LOG_INFO, "flexconnect_invocation_finished", GF_STR("function", v->fn->name),
         GF_STR("task_id", v->task_id), GF_DBL("duration_ms", secs * 1000.0),
         GF_STR("outcome", v->outcome));
  if (v->span) {
    gf_span_set_str(v->span, "flexconnect.outcome", v->outcome);
    if (strcmp(v->outcome, "ok") == 0) gf_span_set_ok(v->span);
    else gf_span_set_error(v->span, v->outcome);
    gf_span_end(v->span);
    v->span = NULL;
  }
}

static void task_release(void* user) {
  invocation* v = user;
  observe_end(v);
  free_invocation(v);
}

static void task_cancel(void* user) {
  invocation* v = user;
  if (v->fn->def.cancel) v->fn->def.cancel(&v->pub);
}

static int store_result(gf_task* task, gf_fc_result* res, gf_task_outcome* out, gf_error* err) {
  if (res->table == NULL && res->stream.release == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "Unexpected type of 'data': NULL. Expected Arrow Table or RecordBatchReader.");
  int rc = gf_task_switch_non_cancellable(task); /* cancelled meanwhile: result discarded */
  if (rc != GF_OK) return rc;
  if (res->table != NULL) return gf_task_outcome_set_table(out, res->table, NULL, NULL);
  return gf_task_outcome_set_stream(out, &res->stream, NULL, NULL, err);
}

static int task_run(gf_task* task, void* user, gf_task_outcome* out, gf_error* err) {
  invocation* v = user;
  gf_span* prev = gf_span_enter(v->span);
  v->pub.task = task;
  gf_fc_result res;
  memset(&res, 0, sizeof(res));
  res.struct_size = sizeof(res);
  int rc = v->fn->def.call(&v->pub, &res, err);
  if (res.error_set) {
    gf_task_outcome_set_error(out, res.error_flight_status, &res.error,
                              (res.error.code & GF_EC_CODE_MASK) == GF_EC_BAD_ARGUMENT);
    rc = GF_UNKNOWN;
  } else if (rc == GF_OK) {
    rc = store_result(task, &res, out, err);
  }
  gf_error_info_clear(&res.error);
  if (res.table) gf_table_unref(res.table);
  if (res.stream.release) res.stream.release(&res.stream);
  v->outcome = rc == GF_OK ? "ok" : rc == GF_CANCELLED ? "cancelled" : "error";
  gf_span_exit(prev);
  return rc;
}

/* 32 random lower-case hex chars (UUID4-sized, like the executor's own ids). */
static void new_task_id(char* out) {
  static const char hex[] = "0123456789abcdef";
  uint8_t rnd[16];
  if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
    static _Atomic uint64_t fallback;
    uint64_t x = (uint64_t)(gf_task_monotonic_now() * 1e9) ^ ++fallback;
    for (size_t i = 0; i < sizeof(rnd); i++) rnd[i] = (uint8_t)(x >> ((i % 8) * 8)) ^ (uint8_t)i;
  }
  for (size_t i = 0; i < 16; i++) {
    out[2 * i] = hex[rnd[i] >> 4];
    out[2 * i + 1] = hex[rnd[i] & 15];
  }
  out[32] = 0;
}

static int prepare(invocation* v, gf_call* call) {
  v->pub.struct_size = sizeof(v->pub);
  v->pub.function_name = v->fn->name;
  v->pub.task_id = v->task_id;
  v->pub.parameters_json = v->cmd.parameters_json;
  v->pub.parameters_len = v->cmd.parameters_len;
  v->pub.columns = (const char* const*)v->cmd.columns;
  v->pub.n_columns = v->cmd.n_columns;
  v->pub.function_state = v->fn->state;
  if (v->cmd.exec_ctx_json != NULL &&
      gf_fc_execution_context_parse(v->cmd.exec_ctx_json, strlen(v->cmd.exec_ctx_json), &v->exec_ctx,
                                    &v->exec_ctx_err) != GF_OK)
    v->pub.execution_context_error = v->exec_ctx_err.message;
  v->pub.execution_context = v->exec_ctx;
  int rc = copy_headers(v, call);
  v->pub.headers = v->headers;
  return rc;
}

int gf__fc_submit(gf__fc_service* svc, gf_call* call, const gf__fc_fn* fn, gf__fc_command* cmd,
                  gf_bytes raw_cmd, char task_id[GF_TASK_ID_MAX + 1], gf_error* err) {
  invocation* v = calloc(1, sizeof(*v));
  if (v == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  v->svc = svc;
  v->fn = fn;
  v->cmd = *cmd; /* taken over */
  memset(cmd, 0, sizeof(*cmd));
  v->outcome = "cancelled";
  if (prepare(v, call) != GF_OK) {
    free_invocation(v);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  }
  new_task_id(v->task_id);
  memcpy(task_id, v->task_id, GF_TASK_ID_MAX + 1);
  v->submitted = gf_task_monotonic_now();
  v->span = gf_span_start_child("flexconnect.invocation", GF_SPAN_INTERNAL, gf_span_current());
  gf_span_set_str(v->span, "flexconnect.function", fn->name);
  gf_span_set_str(v->span, "flexconnect.task_id", v->task_id);
  GF_LOG(svc->log, GF_LOG_INFO, "flexconnect_invocation_submitted", GF_STR("function", fn->name),
         GF_STR("task_id", v->task_id));
  gf_task_spec spec = {.struct_size = sizeof(gf_task_spec), .run = task_run, .on_cancel = task_cancel, .release = task_release,
                       .user = v, .cmd = raw_cmd.data, .cmd_len = raw_cmd.len, .task_id = task_id};
  /* On success v belongs to the executor (task_release frees it); a failed
   * submit never calls release. */
  int rc = gf_task_executor_submit(svc->ex, &spec, NULL, err);
  if (rc != GF_OK) {
    v->outcome = "error";
    observe_end(v);
    free_invocation(v);
  }
  return rc;
}
