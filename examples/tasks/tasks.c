/* Example plugin "tasks": long-running tasks with the server's task executor.
 * GetFlightInfo(CMD) submits a task that generates {id: int64, value: utf8}
 * rows after a delay and returns a FlightInfo whose ticket is the task id;
 * DoGet serves the result with gf_do_get_task_result; DoAction "cancel"
 * (body = task id) cancels. Command: JSON such as
 *   {"rows":100,"delay_ms":50,"fail":true,"long":true,"single_use":true,"wait":true}
 * ("long": 60 s; "wait": GetFlightInfo waits for the task while the call
 * lives, and cancels the task when the client cancels or its deadline passes).
 * Callbacks run on RPC worker threads, task bodies on task threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/errors.h"
#include "gooddata_flight_server/server.h"
#include "gooddata_flight_server/tasks.h"

#define MAX_ROWS 10000000
#define MAX_DELAY_MS 60000
#define BATCH_ROWS 1000

typedef struct service {
  gf_task_executor* ex;
  char* location;
} service;

typedef struct command {
  long rows, delay_ms;
  int fail, is_long, single_use, wait;
} command;

/* ---- command parsing (tiny: "key":number / "key":true) --------------------------- */

static const char* find_key(const char* text, const char* key) {
  char pat[32];
  snprintf(pat, sizeof(pat), "\"%s\"", key);
  const char* p = strstr(text, pat);
  if (p == NULL) return NULL;
  p += strlen(pat);
  while (*p == ' ' || *p == ':') p++;
  return p;
}

static int get_long(const char* text, const char* key, long dflt, long max, long* out) {
  const char* p = find_key(text, key);
  *out = dflt;
  if (p == NULL) return 1;
  char* end = NULL;
  long v = strtol(p, &end, 10);
  if (end == p || v < 0 || v > max) return 0;
  *out = v;
  return 1;
}

static int get_bool(const char* text, const char* key) {
  const char* p = find_key(text, key);
  return p != NULL && strncmp(p, "true", 4) == 0;
}

static int parse_command(gf_bytes cmd, command* c, char* why, size_t why_size) {
  char text[4096];
  if (cmd.len >= sizeof(text)) {
    snprintf(why, why_size, "command is %zu bytes; at most %zu allowed", cmd.len, sizeof(text) - 1);
    return 0;
  }
  if (cmd.len) memcpy(text, cmd.data, cmd.len);
  text[cmd.len] = '\0';
  if (!get_long(text, "rows", 10, MAX_ROWS, &c->rows)) {
    snprintf(why, why_size, "'rows' must be an integer in 0..%d", MAX_ROWS);
    return 0;
  }
  if (!get_long(text, "delay_ms", 0, MAX_DELAY_MS, &c->delay_ms)) {
    snprintf(why, why_size, "'delay_ms' must be an integer in 0..%d", MAX_DELAY_MS);
    return 0;
  }
  c->fail = get_bool(text, "fail");
  c->is_long = get_bool(text, "long");
  c->single_use = get_bool(text, "single_use");
  c->wait = get_bool(text, "wait");
  return 1;
}

/* ---- data generation ----------------------------------------------------------- */

static gf_status make_schema(struct ArrowSchema* s, gf_error* err) {
  int rc = gf_schema_init(s, "+s", "", 0, err);
  if (!rc) rc = gf_schema_allocate_children(s, 2, err);
  if (!rc) rc = gf_schema_init(s->children[0], "l", "id", 0, err);
  if (!rc) rc = gf_schema_init(s->children[1], "u", "value", ARROW_FLAG_NULLABLE, err);
  return rc;
}

static gf_status append_batch(gf_table* t, gf_builder* b, long from, long to, gf_error* err) {
  char value[32];
  for (long i = from; i < to; i++) {
    snprintf(value, sizeof(value), "row-%ld", i);
    int rc = gf_builder_append_int(gf_builder_child(b, 0), i);
    if (!rc) rc = gf_builder_append_string(gf_builder_child(b, 1), value);
    if (!rc) rc = gf_builder_append_struct_end(b);
    if (rc) return gf_error_set(err, rc, "%s", gf_builder_last_error(b));
  }
  struct ArrowArray batch;
  int rc = gf_builder_finish(b, &batch, err);
  return rc ? rc : gf_table_append(t, &batch, NULL, 0, err);
}

static gf_status generate(gf_task* task, long rows, gf_table** out, gf_error* err) {
  struct ArrowSchema schema = {0};
  gf_builder* b = NULL;
  int rc = make_schema(&schema, err);
  if (!rc) rc = gf_table_create(&schema, out, err);
  if (!rc) rc = gf_builder_create(&schema, &b, err);
  for (long from = 0; !rc && from < rows; from += BATCH_ROWS) {
    rc = gf_task_check_cancelled(task);
    if (!rc) rc = append_batch(*out, b, from, from + BATCH_ROWS < rows ? from + BATCH_ROWS : rows, err);
  }
  gf_builder_free(b);
  if (schema.release) schema.release(&schema);
  if (rc && *out) {
    gf_table_unref(*out);
    *out = NULL;
  }
  return rc;
}

/* Sleeps in 10 ms steps; GF_CANCELLED as soon as the task is cancelled. */
static int sleep_cancellable(gf_task* task, long ms) {
  for (long waited = 0; waited < ms; waited += 10) {
    if (gf_task_is_cancelled(task)) return GF_CANCELLED;
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return gf_task_check_cancelled(task);
}

static gf_status task_run(gf_task* task, void* user, gf_task_outcome* out, gf_error* err) {
  command* c = user;
  int rc = sleep_cancellable(task, c->is_long ? MAX_DELAY_MS : c->delay_ms);
  if (rc) return rc;
  if (c->fail) return gf_error_set(err, GF_IO_ERROR, "requested failure after %ld ms", c->delay_ms);
  gf_table* t = NULL;
  if ((rc = generate(task, c->rows, &t, err)) != GF_OK) return rc;
  if (c->single_use) {
    struct ArrowArrayStream s;
    rc = gf_table_export_stream(t, &s, err);
    if (!rc) rc = gf_task_outcome_set_stream(out, &s, NULL, NULL, err);
    /* the stream holds the table: count it against task_result_max_bytes */
    if (!rc) rc = gf_task_outcome_set_byte_size(out, gf_table_byte_size(t));
  } else {
    rc = gf_task_outcome_set_table(out, t, NULL, NULL);
  }
  gf_table_unref(t);
  return rc;
}

/* ---- Flight methods ----------------------------------------------------------------- */

/* Epoch milliseconds (gf_call_deadline_ms uses the same clock). */
static int64_t epoch_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for the task in 50 ms steps while the call lives: when the client
 * cancels, its deadline passes or the connection breaks, the task is
 * cancelled too and the worker thread is free again at once. */
static gf_status wait_while_call_lives(gf_call* call, gf_task_executor* ex, const char* id,
                                       gf_task_result** r) {
  for (;;) {
    int rc = gf_task_executor_wait_for_result(ex, id, 50, r);
    if (rc != GF_TIMED_OUT) return rc;
    if (gf_call_is_cancelled(call) || epoch_ms() >= gf_call_deadline_ms(call)) {
      gf_task_executor_cancel(ex, id);
      return GF_CANCELLED;
    }
  }
}

static gf_status check_finished(gf_call* call, gf_task_executor* ex, const char* id) {
  gf_task_result* r = NULL;
  int wrc = wait_while_call_lives(call, ex, id, &r);
  if (wrc == GF_CANCELLED)
    return gf_call_error_code(call, GF_CANCELLED, GF_EC_COMMAND_CANCELLED,
                              "The call ended before task '%s' finished; the task was cancelled.", id);
  if (wrc != GF_OK)
    return gf_call_error_code(call, GF_UNKNOWN, GF_EC_INVALID_TICKET, "Task '%s' is gone.", id);
  int rc = GF_OK;
  const gf_task_error* e = gf_task_result_error(r);
  if (e != NULL) rc = gf_call_error_info(call, e->flight_status, &e->info);
  else if (gf_task_result_is_cancelled(r))
    rc = gf_call_error_code(call, GF_UNKNOWN, GF_EC_COMMAND_CANCELLED,
                            "Service call was cancelled. Invocation task was: '%s'.", id);
  gf_task_result_unref(r);
  return rc;
}

static gf_status get_flight_info(void* state, gf_call* call, const gf_descriptor* d,
                                 gf_flight_info* out) {
  service* svc = state;
  if (d->type != GF_DESCRIPTOR_CMD) return gf_error_info_bad_argument(call, "Only CMD descriptors are supported.");
  command* c = calloc(1, sizeof(*c));
  char why[128];
  if (c == NULL) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  if (!parse_command(d->cmd, c, why, sizeof(why))) {
    free(c);
    return gf_error_info_bad_argument(call, why);
  }
  int wait = c->wait;
  gf_task_spec spec = {.struct_size = sizeof(gf_task_spec), .run = task_run, .release = free, .user = c, .cmd = d->cmd.data, .cmd_len = d->cmd.len};
  char id[GF_TASK_ID_MAX + 1];
  gf_error err = {0};
  if (gf_task_executor_submit(svc->ex, &spec, id, &err) != GF_OK) {
    free(c);
    return gf_call_error_code(call, GF_UNAVAILABLE, GF_EC_SHUTTING_DOWN, "%s", err.message);
  }
  int rc = wait ? check_finished(call, svc->ex, id) : GF_OK;
  if (rc != GF_OK) return rc;
  struct ArrowSchema schema = {0};
  rc = make_schema(&schema, &err);
  if (!rc) rc = gf_flight_info_set_schema(out, &schema, &err);
  if (schema.release) schema.release(&schema);
  if (rc) return gf_call_error(call, rc, "%s", err.message);
  gf_flight_info_set_descriptor(out, d);
  gf_flight_endpoint* ep = gf_flight_info_add_endpoint(out, id, strlen(id));
  if (ep == NULL || gf_flight_endpoint_add_location(ep, svc->location) != GF_OK)
    return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

static void ticket_id(gf_bytes b, char* id) {
  size_t n = b.len < GF_TASK_ID_MAX ? b.len : GF_TASK_ID_MAX;
  if (n) memcpy(id, b.data, n);
  id[n] = '\0';
}

static gf_status do_get(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  char id[GF_TASK_ID_MAX + 1];
  ticket_id(ticket, id);
  return gf_do_get_task_result(call, ((service*)state)->ex, id, out);
}

static gf_status do_action(void* state, gf_call* call, const gf_action* action,
                           gf_result_list* out) {
  if (strcmp(action->type, "cancel") != 0)
    return gf_call_error(call, GF_INVALID_ARGUMENT, "unknown action '%s'", action->type);
  char id[GF_TASK_ID_MAX + 1];
  ticket_id(action->body, id);
  int cancelled = gf_task_executor_cancel(((service*)state)->ex, id);
  if (!cancelled)
    return gf_call_error_code(call, GF_UNKNOWN, GF_EC_COMMAND_CANCEL_NOT_POSSIBLE,
                              "Task '%s' cannot be cancelled.", id);
  return gf_result_list_add(out, "true", 4);
}

static gf_status list_actions(void* state, gf_call* call, gf_action_type_list* out) {
  (void)state;
  (void)call;
  return gf_action_type_list_add(out, "cancel", "Cancels a task; body = task id (the ticket).");
}

static void release(void* state) {
  service* svc = state;
  free(svc->location);
  free(svc);
}

static gf_status factory(gf_server_context* ctx, gf_methods* out, gf_error* err) {
  service* svc = calloc(1, sizeof(*svc));
  if (svc == NULL) return gf_error_set(err, GF_NO_MEMORY, "tasks example: out of memory");
  svc->ex = gf_context_task_executor(ctx);
  svc->location = strdup(gf_context_location(ctx));
  if (svc->ex == NULL || svc->location == NULL) {
    release(svc);
    return gf_error_set(err, GF_INTERNAL, "tasks example: no task executor in the server context");
  }
  out->struct_size = sizeof(*out);
  out->abi_version = GF_PLUGIN_ABI_VERSION;
  out->state = svc;
  out->release = release;
  out->get_flight_info = get_flight_info;
  out->do_get = do_get;
  out->do_action = do_action;
  out->list_actions = list_actions;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
