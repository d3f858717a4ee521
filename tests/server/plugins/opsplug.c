/* Test plugin "opsplug" for the operations tests (tests/node/ops_*.test.mjs):
 * DoAction "health" (body "<module>=ok|not_ok") sets a health module status;
 * "task" (body "<ms>") submits a task that sleeps <ms> and returns an empty
 * flight list, waits for it and returns its id; "log" logs event
 * "opsplug_log" from the callback (so the line carries the RPC's trace ids);
 * "fail" (body "<n>") fails with an ErrorInfo whose msg is <n> four-byte
 * characters; "fail_long" (body "<n>") fails INVALID_ARGUMENT with a plain
 * message of <n> two-byte characters. DoGet ticket "slow:<batches>:<ms>"
 * streams batches of 1000 int64 rows, sleeping <ms> before each. The factory
 * sleeps OPSPLUG_FACTORY_DELAY_MS (env) first. Worker threads; no shared
 * state besides the server context. Built as <build>/tests/plugins/libopsplug.so. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/errors.h"
#include "gooddata_flight_server/health.h"
#include "gooddata_flight_server/log.h"
#include "gooddata_flight_server/server.h"
#include "gooddata_flight_server/tasks.h"

#define ROWS 1000

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static long body_long(const gf_action* a, long dflt) {
  char buf[32];
  if (a->body.len == 0 || a->body.len >= sizeof(buf)) return dflt;
  memcpy(buf, a->body.data, a->body.len);
  buf[a->body.len] = '\0';
  return strtol(buf, NULL, 10);
}

/* ---- Arrow data: {v: int64} ---------------------------------------------------------- */

static int make_schema(struct ArrowSchema* out) {
  if (gf_schema_init(out, "+s", "", 0, NULL)) return GF_NO_MEMORY;
  if (gf_schema_allocate_children(out, 1, NULL) || gf_schema_init(out->children[0], "l", "v", 0, NULL)) {
    out->release(out);
    return GF_NO_MEMORY;
  }
  return GF_OK;
}

/* One batch of ROWS values seq*ROWS .. seq*ROWS+ROWS-1 (the builder resets
 * on finish, so one builder serves the whole stream). */
static int make_batch(gf_builder* b, long seq, struct ArrowArray* out) {
  int rc = GF_OK;
  for (int64_t i = 0; rc == GF_OK && i < ROWS; i++) {
    rc = gf_builder_append_int(gf_builder_child(b, 0), seq * ROWS + i);
    if (rc == GF_OK) rc = gf_builder_append_struct_end(b);
  }
  return rc == GF_OK ? gf_builder_finish(b, out, NULL) : rc;
}

typedef struct slow_stream {
  long total, next, delay_ms;
  gf_builder* builder;
} slow_stream;

static int stream_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  (void)s;
  return make_schema(out) == GF_OK ? 0 : 12;
}

static int stream_next(struct ArrowArrayStream* s, struct ArrowArray* out) {
  slow_stream* st = s->private_data;
  if (st->next >= st->total) {
    memset(out, 0, sizeof(*out));
    return 0;
  }
  sleep_ms(st->delay_ms);
  /* Logged from get_next for the last batch of a long stream (pulled by a
   * later refill on some worker, not the one that started the call): it
   * must still carry the DoGet's trace ids. */
  if (st->total >= 20 && st->next == st->total - 1) GF_LOG(gf_logger_get("opsplug"), GF_LOG_INFO, "opsplug_last_batch");
  if (make_batch(st->builder, st->next, out) != GF_OK) return 12;
  st->next++;
  return 0;
}

static const char* stream_error(struct ArrowArrayStream* s) {
  (void)s;
  return "out of memory";
}

static void stream_release(struct ArrowArrayStream* s) {
  slow_stream* st = s->private_data;
  gf_builder_free(st->builder);
  free(st);
  s->release = NULL;
}

static int do_get(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  (void)state;
  char buf[64];
  long n = 1, ms = 0;
  if (ticket.len < sizeof(buf)) {
    memcpy(buf, ticket.data, ticket.len);
    buf[ticket.len] = '\0';
    if (sscanf(buf, "slow:%ld:%ld", &n, &ms) != 2) n = 1, ms = 0;
  }
  if (n < 0 || n > 100000 || ms < 0 || ms > 10000)
    return gf_call_error(call, GF_INVALID_ARGUMENT, "bad ticket '%s'", buf);
  slow_stream* st = calloc(1, sizeof(*st));
  struct ArrowSchema schema = {0};
  int rc = st ? make_schema(&schema) : GF_NO_MEMORY;
  if (rc == GF_OK) {
    *st = (slow_stream){n, 0, ms, NULL};
    rc = gf_builder_create(&schema, &st->builder, NULL);
    schema.release(&schema);
  }
  if (rc != GF_OK) {
    free(st);
    return GF_NO_MEMORY;
  }
  out->stream = (struct ArrowArrayStream){.get_schema = stream_schema, .get_next = stream_next,
                                          .get_last_error = stream_error,
                                          .release = stream_release, .private_data = st};
  return GF_OK;
}

/* ---- actions ----------------------------------------------------------------------- */

static int action_health(gf_call* call, const gf_action* a) {
  char buf[128];
  if (a->body.len == 0 || a->body.len >= sizeof(buf))
    return gf_call_error(call, GF_INVALID_ARGUMENT, "health: body must be <module>=ok|not_ok");
  memcpy(buf, a->body.data, a->body.len);
  buf[a->body.len] = '\0';
  char* eq = strchr(buf, '=');
  if (!eq) return gf_call_error(call, GF_INVALID_ARGUMENT, "health: body must be <module>=ok|not_ok");
  *eq = '\0';
  gf_module_status st = strcmp(eq + 1, "ok") == 0 ? GF_MODULE_OK : GF_MODULE_NOT_OK;
  return gf_health_set_module_status(gf_context_health(gf_call_context(call)), buf, st);
}

static int task_run(gf_task* task, void* user, gf_task_outcome* out, gf_error* err) {
  (void)err;
  long ms = (long)(intptr_t)user;
  GF_LOG(gf_logger_get("opsplug"), GF_LOG_INFO, "opsplug_task", GF_STR("task_id", gf_task_id(task)));
  sleep_ms(ms);
  return gf_task_outcome_set_flights(out, NULL, 0);
}

static int action_task(gf_call* call, const gf_action* a, gf_result_list* out) {
  gf_task_executor* ex = gf_context_task_executor(gf_call_context(call));
  gf_task_spec spec = {sizeof(gf_task_spec)};
  spec.run = task_run;
  spec.user = (void*)(intptr_t)body_long(a, 10);
  char id[GF_TASK_ID_MAX + 1];
  gf_error err = {0};
  int rc = gf_task_executor_submit(ex, &spec, id, &err);
  if (rc) return gf_call_error(call, rc, "%s", err.message);
  gf_task_result* r = NULL;
  rc = gf_task_executor_wait_for_result(ex, id, 10000, &r);
  if (rc) return gf_call_error(call, rc, "task %s did not finish", id);
  gf_task_result_unref(r);
  return gf_result_list_add(out, id, strlen(id));
}

/* n copies of `ch` (UTF-8 bytes, len each) as a C string; NULL on bad n. */
static char* repeat(const char* ch, size_t len, long n) {
  if (n < 0 || n > 100000) return NULL;
  char* s = malloc((size_t)n * len + 1);
  if (!s) return NULL;
  for (long i = 0; i < n; i++) memcpy(s + (size_t)i * len, ch, len);
  s[(size_t)n * len] = '\0';
  return s;
}

static int action_fail(gf_call* call, const gf_action* a, int info) {
  char* msg = info ? repeat("\xF0\x9F\x98\x80", 4, body_long(a, 256))  /* U+1F600 */
                   : repeat("\xC3\xA9", 2, body_long(a, 1000));        /* U+00E9 */
  if (!msg) return gf_call_error(call, GF_INVALID_ARGUMENT, "fail: bad count");
  int rc = info ? gf_call_error_code(call, GF_UNKNOWN, GF_EC_BAD_ARGUMENT, "%s", msg)
                : gf_call_error(call, GF_INVALID_ARGUMENT, "%s", msg);
  free(msg);
  return rc;
}

static int do_action(void* state, gf_call* call, const gf_action* a, gf_result_list* out) {
  (void)state;
  const char* t = a->type ? a->type : "";
  if (strcmp(t, "health") == 0) return action_health(call, a);
  if (strcmp(t, "task") == 0) return action_task(call, a, out);
  if (strcmp(t, "fail") == 0) return action_fail(call, a, 1);
  if (strcmp(t, "fail_long") == 0) return action_fail(call, a, 0);
  if (strcmp(t, "log") == 0) {
    GF_LOG(gf_logger_get("opsplug"), GF_LOG_INFO, "opsplug_log", GF_STR("peer", gf_call_peer(call)));
    return GF_OK;
  }
  return gf_call_error(call, GF_INVALID_ARGUMENT, "unknown action '%s'", t);
}

static int list_actions(void* state, gf_call* call, gf_action_type_list* out) {
  (void)state;
  (void)call;
  static const char* const names[] = {"health", "task", "log", "fail", "fail_long"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    int rc = gf_action_type_list_add(out, names[i], "ops test action");
    if (rc) return rc;
  }
  return GF_OK;
}

static int factory(gf_server_context* ctx, gf_methods* m, gf_error* err) {
  (void)ctx;
  (void)err;
  const char* delay = getenv("OPSPLUG_FACTORY_DELAY_MS");
  if (delay && *delay) sleep_ms(strtol(delay, NULL, 10));
  m->struct_size = sizeof(*m);
  m->abi_version = GF_PLUGIN_ABI_VERSION;
  m->do_get = do_get;
  m->do_action = do_action;
  m->list_actions = list_actions;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
