/* Task records and results: reference counting, accessors, the outcome
 * setters used inside run(), and data results (the seed's
 * FlightDataTaskResult: reader-preferring lock, single-use claim, close
 * exactly once) with table and live-stream implementations. Any thread. */
#include <stdlib.h>
#include <string.h>

#include "tasks/tasks_internal.h"

static const char consumed_msg[] = "Result data was already consumed or closed.";

gf_task_result* gf__task_result_new(void) {
  gf_task_result* r = calloc(1, sizeof(*r));
  if (r == NULL) return NULL;
  atomic_init(&r->refs, 1);
  pthread_mutex_init(&r->cancel_mu, NULL);
  pthread_mutex_init(&r->guard.mu, NULL);
  pthread_cond_init(&r->guard.cv, NULL);
  return r;
}

void gf_task_result_ref(gf_task_result* r) { atomic_fetch_add(&r->refs, 1); }

/* Gives the result's bytes back to its executor's retained total (once). */
static void uncharge(gf_task_result* r) {
  long long bytes = atomic_exchange(&r->charged, 0);
  if (bytes > 0 && r->owner != NULL) gf__task_executor_uncharge(r->owner, bytes);
}

void gf_task_result_unref(gf_task_result* r) {
  if (r == NULL || atomic_fetch_sub(&r->refs, 1) != 1) return;
  if (!r->user_released && r->spec.release != NULL) r->spec.release(r->spec.user);
  gf_span_end(r->span); /* only when the task never completed */
  gf__task_outcome_clear(&r->outcome);
  uncharge(r);
  free(r->cmd);
  pthread_mutex_destroy(&r->cancel_mu);
  pthread_mutex_destroy(&r->guard.mu);
  pthread_cond_destroy(&r->guard.cv);
  free(r);
}

/* ---- outcome ------------------------------------------------------------------ */

void gf__task_outcome_clear(gf_task_outcome* o) {
  if (o->kind == GF_TASK_RESULT_DATA && o->data.close != NULL) o->data.close(o->data.user);
  if (o->kind == GF_TASK_RESULT_FLIGHTS) {
    for (size_t i = 0; i < o->n_flights; i++) gf_flight_info_free(o->flights[i]);
    free(o->flights);
  }
  if (o->kind == GF_TASK_RESULT_ERROR) gf_error_info_clear(&o->error.info);
  memset(o, 0, sizeof(*o));
}

gf_status gf_task_outcome_set_data(gf_task_outcome* out, const gf_task_data* caller_data) {
  gf__task_outcome_clear(out);
  /* A size outside the known range says nothing about where the fields are:
   * nothing is called. */
  if (caller_data->struct_size < GF_TASK_DATA_V1_SIZE || caller_data->struct_size > sizeof(gf_task_data))
    return GF_INVALID_ARGUMENT;
  gf_task_data data; /* fields past an older caller's struct_size read as 0 */
  memset(&data, 0, sizeof(data));
  memcpy(&data, caller_data, caller_data->struct_size);
  if (data.get_schema == NULL || data.open == NULL) {
    if (data.close != NULL) data.close(data.user);
    return GF_INVALID_ARGUMENT;
  }
  out->kind = GF_TASK_RESULT_DATA;
  out->data = data;
  out->data.struct_size = sizeof(gf_task_data);
  return GF_OK;
}

gf_status gf_task_outcome_set_flights(gf_task_outcome* out, gf_flight_info* const* infos,
                                      size_t n) {
  gf__task_outcome_clear(out);
  gf_flight_info** copy = malloc((n ? n : 1) * sizeof(*copy));
  if (copy == NULL) {
    for (size_t i = 0; i < n; i++) gf_flight_info_free(infos[i]);
    return GF_NO_MEMORY;
  }
  if (n) memcpy(copy, infos, n * sizeof(*copy));
  out->kind = GF_TASK_RESULT_FLIGHTS;
  out->flights = copy;
  out->n_flights = n;
  return GF_OK;
}

gf_status gf_task_outcome_set_error(gf_task_outcome* out, int flight_status,
                                    const gf_error_info* info, int client_error) {
  gf__task_outcome_clear(out);
  out->kind = GF_TASK_RESULT_ERROR;
  out->error.flight_status = flight_status == GF_OK ? GF_UNKNOWN : flight_status;
  out->error.client_error = client_error;
  if (info != NULL && gf_error_info_copy(&out->error.info, info) != GF_OK) return GF_NO_MEMORY;
  return GF_OK;
}

/* ---- table data (repeatable) ------------------------------------------------------ */

typedef struct table_data {
  gf_table* table;
  void (*on_close)(void*);
  void* on_close_user;
} table_data;

static int table_schema(void* user, struct ArrowSchema* out, gf_error* err) {
  return gf_schema_deep_copy(gf_table_schema(((table_data*)user)->table), out, err);
}

static int table_open(void* user, struct ArrowArrayStream* out, gf_error* err) {
  return gf_table_export_stream(((table_data*)user)->table, out, err);
}

static void table_close(void* user) {
  table_data* t = user;
  if (t->on_close != NULL) t->on_close(t->on_close_user);
  gf_table_unref(t->table);
  free(t);
}

gf_status gf_task_outcome_set_table(gf_task_outcome* out, gf_table* table, void (*on_close)(void*),
                                    void* on_close_user) {
  table_data* t = malloc(sizeof(*t));
  if (t == NULL) {
    gf__task_outcome_clear(out);
    if (on_close != NULL) on_close(on_close_user);
    return GF_NO_MEMORY;
  }
  gf_table_ref(table);
  *t = (table_data){table, on_close, on_close_user};
  gf_task_data d = {sizeof(gf_task_data), 0, t, table_schema, table_open, table_close};
  int rc = gf_task_outcome_set_data(out, &d);
  if (rc == GF_OK) out->bytes = gf_table_byte_size(table);
  return rc;
}

gf_status gf_task_outcome_set_byte_size(gf_task_outcome* out, int64_t bytes) {
  if (out->kind != GF_TASK_RESULT_DATA || bytes < 0) return GF_INVALID_ARGUMENT;
  out->bytes = bytes;
  return GF_OK;
}

/* ---- live stream data (single use) --------------------------------------------------- */

typedef struct stream_data {
  struct ArrowArrayStream stream;
  struct ArrowSchema schema;
  void (*on_close)(void*);
  void* on_close_user;
} stream_data;

static int stream_schema(void* user, struct ArrowSchema* out, gf_error* err) {
  return gf_schema_deep_copy(&((stream_data*)user)->schema, out, err);
}

static int stream_open(void* user, struct ArrowArrayStream* out, gf_error* err) {
  stream_data* s = user;
  if (s->stream.release == NULL)
    return gf_error_set(err, GF_UNKNOWN, "%s", consumed_msg);
  *out = s->stream;
  s->stream.release = NULL;
  return GF_OK;
}

static void stream_close(void* user) {
  stream_data* s = user;
  if (s->stream.release != NULL) s->stream.release(&s->stream);
  if (s->schema.release != NULL) s->schema.release(&s->schema);
  if (s->on_close != NULL) s->on_close(s->on_close_user);
  free(s);
}

gf_status gf_task_outcome_set_stream(gf_task_outcome* out, struct ArrowArrayStream* stream,
                                     void (*on_close)(void*), void* on_close_user, gf_error* err) {
  stream_data* s = calloc(1, sizeof(*s));
  if (s == NULL) {
    gf__task_outcome_clear(out);
    if (stream->release != NULL) stream->release(stream);
    if (on_close != NULL) on_close(on_close_user);
    return gf_error_set(err, GF_NO_MEMORY, "task result: out of memory");
  }
  s->stream = *stream;
  stream->release = NULL;
  s->on_close = on_close;
  s->on_close_user = on_close_user;
  int rc = s->stream.get_schema(&s->stream, &s->schema);
  if (rc != 0) {
    const char* why = s->stream.get_last_error ? s->stream.get_last_error(&s->stream) : NULL;
    gf_error_set(err, GF_INVALID_ARGUMENT, "task result: the stream's get_schema failed (%d): %s",
                 rc, why ? why : "no message");
    s->schema.release = NULL;
    gf__task_outcome_clear(out);
    stream_close(s);
    return GF_INVALID_ARGUMENT;
  }
  gf_task_data d = {sizeof(gf_task_data), 1, s, stream_schema, stream_open, stream_close};
  return gf_task_outcome_set_data(out, &d);
}

/* ---- the data guard ------------------------------------------------------------------ */

/* Takes a read lock; claim = 1 marks a single-use result consumed. 0 on failure. */
static int guard_enter(gf_task_result* r, int claim) {
  gf__data_guard* g = &r->guard;
  int ok = 0;
  pthread_mutex_lock(&g->mu);
  if (!g->closed && !g->closing && !(claim && r->outcome.data.single_use && g->claimed)) {
    g->readers++;
    if (claim) g->claimed = 1;
    ok = 1;
  }
  pthread_mutex_unlock(&g->mu);
  return ok;
}

static void guard_leave(gf_task_result* r) {
  pthread_mutex_lock(&r->guard.mu);
  if (--r->guard.readers == 0) pthread_cond_broadcast(&r->guard.cv);
  pthread_mutex_unlock(&r->guard.mu);
}

gf_status gf_task_result_acquire_data(gf_task_result* r, struct ArrowArrayStream* out,
                                      gf_error* err) {
  if (r->kind != GF_TASK_RESULT_DATA)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "task '%s': the result holds no data", r->id);
  if (!guard_enter(r, 1)) return gf_error_set(err, GF_UNKNOWN, "%s", consumed_msg);
  int rc = r->outcome.data.open(r->outcome.data.user, out, err);
  if (rc != GF_OK) guard_leave(r);
  return rc;
}

void gf_task_result_release_data(gf_task_result* r) { guard_leave(r); }

void gf_task_result_close_data(gf_task_result* r) {
  if (r->kind != GF_TASK_RESULT_DATA) return;
  gf__data_guard* g = &r->guard;
  pthread_mutex_lock(&g->mu);
  if (g->closed || g->closing) {
    pthread_mutex_unlock(&g->mu);
    return;
  }
  g->closing = 1;
  while (g->readers > 0) pthread_cond_wait(&g->cv, &g->mu);
  g->closed = 1;
  pthread_mutex_unlock(&g->mu);
  void (*close)(void*) = r->outcome.data.close;
  r->outcome.data.close = NULL;
  if (close != NULL) close(r->outcome.data.user);
  uncharge(r);
}

gf_status gf_task_result_schema(gf_task_result* r, struct ArrowSchema* out, gf_error* err) {
  if (r->kind != GF_TASK_RESULT_DATA)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "task '%s': the result holds no data", r->id);
  if (!guard_enter(r, 0)) return gf_error_set(err, GF_UNKNOWN, "%s", consumed_msg);
  int rc = r->outcome.data.get_schema(r->outcome.data.user, out, err);
  guard_leave(r);
  return rc;
}

/* ---- accessors ------------------------------------------------------------------------- */

const char* gf_task_result_task_id(const gf_task_result* r) { return r->id; }
gf_bytes gf_task_result_cmd(const gf_task_result* r) { return (gf_bytes){r->cmd, r->cmd_len}; }
gf_task_result_kind gf_task_result_get_kind(const gf_task_result* r) { return r->kind; }
bool gf_task_result_is_cancelled(const gf_task_result* r) {
  return r->kind == GF_TASK_RESULT_CANCELLED;
}
bool gf_task_result_is_single_use(const gf_task_result* r) {
  return r->kind == GF_TASK_RESULT_DATA && r->outcome.data.single_use;
}
const gf_task_error* gf_task_result_error(const gf_task_result* r) {
  return r->kind == GF_TASK_RESULT_ERROR ? &r->outcome.error : NULL;
}
gf_flight_info* const* gf_task_result_flights(const gf_task_result* r, size_t* n) {
  if (r->kind != GF_TASK_RESULT_FLIGHTS) {
    if (n) *n = 0;
    return NULL;
  }
  if (n) *n = r->outcome.n_flights;
  return r->outcome.flights;
}

/* ---- inside run() ------------------------------------------------------------------------ */

const char* gf_task_id(const gf_task* task) { return GF__TASK_REC(task)->id; }
gf_bytes gf_task_cmd(const gf_task* task) { return gf_task_result_cmd(GF__TASK_REC(task)); }

bool gf_task_is_cancelled(const gf_task* task) {
  gf_task_result* r = GF__TASK_REC(task);
  pthread_mutex_lock(&r->cancel_mu);
  int c = r->cancelled;
  pthread_mutex_unlock(&r->cancel_mu);
  return c;
}

gf_status gf_task_check_cancelled(const gf_task* task) {
  return gf_task_is_cancelled(task) ? GF_CANCELLED : GF_OK;
}

gf_status gf_task_switch_non_cancellable(gf_task* task) {
  gf_task_result* r = GF__TASK_REC(task);
  pthread_mutex_lock(&r->cancel_mu);
  int rc = r->cancelled ? GF_CANCELLED : GF_OK;
  if (rc == GF_OK) r->non_cancellable = 1;
  pthread_mutex_unlock(&r->cancel_mu);
  return rc;
}

int gf__task_cancel_flag(gf_task_result* r) {
  pthread_mutex_lock(&r->cancel_mu);
  if (r->non_cancellable) {
    pthread_mutex_unlock(&r->cancel_mu);
    return 0;
  }
  r->cancelled = 1;
  if (!r->on_cancel_called && !r->user_gone) {
    r->on_cancel_called = 1;
    if (r->spec.on_cancel != NULL) r->spec.on_cancel(r->spec.user);
  }
  pthread_mutex_unlock(&r->cancel_mu);
  return 1;
}
