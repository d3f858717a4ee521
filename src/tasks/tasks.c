/* The task executor (the seed's ThreadTaskExecutor): registry of tasks by id,
 * FIFO run queue served by up to `threads` workers (started on demand: a
 * submit that finds no idle worker starts one, so an idle server holds no
 * task threads), completion (classification,
 * metrics, logs, spans), waiting, cancellation, TTL eviction (collector thread, 1 s
 * tick) and asynchronous closing of evicted results (`close_threads`
 * workers), orderly stop. Threads: any caller, task workers, close workers,
 * the collector. One mutex (ex->mu) guards the registry and queues. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/instance.h"
#include "gooddata_flight_server/log.h"
#include "tasks/tasks_internal.h"

typedef struct task_metrics {
  gf_metric *queue, *close_queue, *wait, *duration, *e2e, *error, *cancelled, *completed;
  gf_metric *do_get_unknown, *result_bytes, *result_rejected;
} task_metrics;

struct gf_task_executor {
  gf__instance* inst; /* every executor thread's current instance: the creator's */
  pthread_mutex_t mu;
  pthread_cond_t work_cv, close_cv, tick_cv;
  gf_task_result** buckets;
  size_t n_buckets, n_entries;
  gf_task_result *q_head, *q_tail;
  gf_task_result *ttl_head, *ttl_tail;
  gf_task_result *close_head, *close_tail;
  int64_t queue_size;
  int stopped, workers_exit, closers_exit, collector_exit;
  int ttl_sec;
  int64_t result_max;       /* task_result_max_bytes */
  atomic_llong result_held; /* bytes of finished data results not yet closed */
  pthread_t* workers;
  int n_workers, max_workers;
  int idle;   /* workers waiting for work and not yet claimed by a submit */
  int tokens; /* wake-ups handed to claimed idle workers */
  pthread_t* closers;
  int n_closers;
  pthread_t collector;
  int collector_started;
  task_metrics m;
  gf_logger* log;
  gf_logger* rc_log;
};

double gf_task_monotonic_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct timespec deadline_after(double seconds) {
  double t = gf_task_monotonic_now() + seconds;
  struct timespec ts;
  ts.tv_sec = (time_t)t;
  ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
  if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
  return ts;
}

/* A caller blocked in wait_for_result on one task: completion wakes only the
 * callers of that task (a shared condvar woke every waiter on every
 * completion). Lives on the waiter's stack; linked under ex->mu. */
typedef struct gf__task_waiter {
  pthread_cond_t cv;
  struct gf__task_waiter* next;
} gf__task_waiter;

static void wake_waiters(gf_task_result* r) {
  for (gf__task_waiter* w = r->waiters; w != NULL; w = w->next) pthread_cond_signal(&w->cv);
}

static void unlink_waiter(gf_task_result* r, gf__task_waiter* w) {
  for (gf__task_waiter** p = &r->waiters; *p != NULL; p = &(*p)->next) {
    if (*p == w) {
      *p = w->next;
      return;
    }
  }
}

/* ---- registry (ex->mu held) --------------------------------------------------------- */

static size_t hash_id(const char* s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return (size_t)h;
}

static gf_task_result** map_slot(gf_task_executor* ex, const char* id) {
  gf_task_result** p = &ex->buckets[hash_id(id) & (ex->n_buckets - 1)];
  while (*p != NULL && strcmp((*p)->id, id) != 0) p = &(*p)->map_next;
  return p;
}

static gf_task_result* map_get(gf_task_executor* ex, const char* id) { return *map_slot(ex, id); }

static void map_grow(gf_task_executor* ex) {
  size_t nb = ex->n_buckets * 2;
  gf_task_result** b = calloc(nb, sizeof(*b));
  if (b == NULL) return; /* keep the longer chains */
  for (size_t i = 0; i < ex->n_buckets; i++) {
    for (gf_task_result* r = ex->buckets[i]; r != NULL;) {
      gf_task_result* next = r->map_next;
      size_t k = hash_id(r->id) & (nb - 1);
      r->map_next = b[k];
      b[k] = r;
      r = next;
    }
  }
  free(ex->buckets);
  ex->buckets = b;
  ex->n_buckets = nb;
}

static void map_remove(gf_task_executor* ex, gf_task_result* r) {
  gf_task_result** p = map_slot(ex, r->id);
  if (*p != r) return;
  *p = r->map_next;
  r->map_next = NULL;
  r->in_map = 0;
  ex->n_entries--;
}

static void ttl_remove(gf_task_executor* ex, gf_task_result* r) {
  if (!r->in_ttl) return;
  if (r->ttl_prev) r->ttl_prev->ttl_next = r->ttl_next;
  else ex->ttl_head = r->ttl_next;
  if (r->ttl_next) r->ttl_next->ttl_prev = r->ttl_prev;
  else ex->ttl_tail = r->ttl_prev;
  r->ttl_prev = r->ttl_next = NULL;
  r->in_ttl = 0;
}

static void ttl_append(gf_task_executor* ex, gf_task_result* r) {
  r->ttl_prev = ex->ttl_tail;
  r->ttl_next = NULL;
  if (ex->ttl_tail) ex->ttl_tail->ttl_next = r;
  else ex->ttl_head = r;
  ex->ttl_tail = r;
  r->in_ttl = 1;
}

/* Moves one reference of r to the close queue. */
static void push_close(gf_task_executor* ex, gf_task_result* r) {
  r->close_next = NULL;
  if (ex->close_tail) ex->close_tail->close_next = r;
  else ex->close_head = r;
  ex->close_tail = r;
  if (r->kind == GF_TASK_RESULT_DATA && ex->m.close_queue) gf_metric_inc(ex->m.close_queue, NULL, 1);
  pthread_cond_signal(&ex->close_cv);
}

/* Evicts a finished result: out of the registry, closed asynchronously. */
static void evict_locked(gf_task_executor* ex, gf_task_result* r) {
  map_remove(ex, r);
  ttl_remove(ex, r);
  GF_LOG(ex->rc_log, GF_LOG_DEBUG, "result_evicted", GF_STR("task_id", r->id));
  push_close(ex, r); /* the registry's reference */
}

/* Inserts r (taking its initial reference); a same-id entry is replaced. */
static void map_put(gf_task_executor* ex, gf_task_result* r) {
  gf_task_result* old = map_get(ex, r->id);
  if (old != NULL) {
    if (old->state == GF__TASK_DONE) {
      evict_locked(ex, old);
    } else {
      map_remove(ex, old);
      gf_task_result_unref(old); /* its worker holds another reference */
    }
  }
  if (ex->n_entries >= ex->n_buckets) map_grow(ex);
  gf_task_result** p = &ex->buckets[hash_id(r->id) & (ex->n_buckets - 1)];
  r->map_next = *p;
  *p = r;
  r->in_map = 1;
  ex->n_entries++;
}

static void queue_push(gf_task_executor* ex, gf_task_result* r) {
  r->q_next = NULL;
  if (ex->q_tail) ex->q_tail->q_next = r;
  else ex->q_head = r;
  ex->q_tail = r;
}

static int queue_remove(gf_task_executor* ex, gf_task_result* r) {
  gf_task_result* prev = NULL;
  for (gf_task_result* q = ex->q_head; q != NULL; prev = q, q = q->q_next) {
    if (q != r) continue;
    if (prev) prev->q_next = q->q_next;
    else ex->q_head = q->q_next;
    if (ex->q_tail == q) ex->q_tail = prev;
    q->q_next = NULL;
    return 1;
  }
  return 0;
}

static void set_queue_gauge(gf_task_executor* ex) {
  if (ex->m.queue) gf_metric_set(ex->m.queue, NULL, (double)ex->queue_size);
}

/* ---- completion ------------------------------------------------------------------------- */

static void log_error(gf_task_executor* ex, gf_task_result* r, const gf_task_error* e) {
  char code[48];
  gf_error_code_name(e->info.code, code, sizeof(code));
  if (!e->client_error && ex->m.error) gf_metric_inc(ex->m.error, NULL, 1);
  GF_LOG(ex->log, e->client_error ? GF_LOG_INFO : GF_LOG_ERROR, "task_failed",
         GF_STR("task_id", r->id), GF_STR("code", code),
         GF_STR("msg", e->info.msg ? e->info.msg : ""),
         GF_STR("detail", e->info.detail ? e->info.detail : ""),
         GF_BOOL("client_error", e->client_error));
}

static void log_completion(gf_task_executor* ex, gf_task_result* r) {
  if (ex->m.completed) gf_metric_inc(ex->m.completed, NULL, 1);
  if (r->kind == GF_TASK_RESULT_ERROR) {
    log_error(ex, r, &r->outcome.error);
  } else if (r->kind == GF_TASK_RESULT_CANCELLED) {
    if (ex->m.cancelled) gf_metric_inc(ex->m.cancelled, NULL, 1);
    GF_LOG(ex->log, GF_LOG_INFO, "task_cancelled", GF_STR("task_id", r->id));
  } else {
    double waited = r->started > 0 ? r->started - r->created : -1;
    double run = r->started > 0 ? r->completed - r->started : -1;
    GF_LOG(ex->log, GF_LOG_INFO, "task_finished", GF_STR("task_id", r->id),
           GF_DBL("run_waited_duration", waited), GF_DBL("run_duration", run),
           GF_DBL("duration", r->completed - r->created));
  }
}

/* ---- spans (tracing.h; no-ops when tracing is off) ------------------------------------ */

#define TASK_ID_ATTR "gooddata_flight_server.task_id"

/* task_execution (child of the submitter's current span) > task_run_submit. */
static void span_submit(gf_task_result* r) {
  r->span = gf_span_start("task_execution", GF_SPAN_INTERNAL);
  if (r->span == NULL) return;
  gf_span_set_str(r->span, TASK_ID_ATTR, r->id);
  gf_span* sub = gf_span_start_child("task_run_submit", GF_SPAN_INTERNAL, r->span);
  gf_span_set_str(sub, TASK_ID_ATTR, r->id);
  gf_span_end(sub);
}

static void span_complete(gf_task_result* r) {
  gf_span* s = r->span;
  if (s == NULL) return;
  r->span = NULL;
  if (r->kind == GF_TASK_RESULT_ERROR) {
    const gf_task_error* e = &r->outcome.error;
    char code[48], text[80];
    gf_error_code_name(e->info.code, code, sizeof(code));
    snprintf(text, sizeof(text), "%s (%d)", code, (int)e->info.code);
    gf_span_set_str(s, "gooddata_flight_server.task_error.code", text);
    gf_span_set_str(s, "gooddata_flight_server.task_error.msg", e->info.msg ? e->info.msg : "");
    gf_span_set_str(s, "gooddata_flight_server.task_error.detail", e->info.detail ? e->info.detail : "");
    gf_span_set_error(s, e->info.msg ? e->info.msg : "task failed");
  } else {
    if (r->kind == GF_TASK_RESULT_CANCELLED) gf_span_set_bool(s, "gooddata_flight_server.task_cancelled", 1);
    gf_span_set_ok(s);
  }
  gf_span_end(s);
}

/* Stores the outcome (moved), publishes the result, wakes waiters. */
static void complete(gf_task_executor* ex, gf_task_result* r, gf_task_result_kind kind,
                     gf_task_outcome* out) {
  r->kind = kind;
  r->outcome = *out;
  memset(out, 0, sizeof(*out));
  span_complete(r);
  r->completed = gf_task_monotonic_now();
  if (ex->m.e2e) gf_metric_observe(ex->m.e2e, NULL, r->completed - r->created);
  log_completion(ex, r);
  pthread_mutex_lock(&ex->mu);
  r->state = GF__TASK_DONE;
  r->done = 1;
  r->added = gf_task_monotonic_now();
  if (r->in_map) {
    ttl_append(ex, r);
  } else {
    gf_task_result_ref(r);
    push_close(ex, r);
  }
  if (--ex->queue_size < 0) {
    GF_LOG(ex->log, GF_LOG_WARNING, "queue_size_corrupt", GF_INT("queue_size", ex->queue_size));
    ex->queue_size = 0;
  }
  set_queue_gauge(ex);
  wake_waiters(r);
  pthread_mutex_unlock(&ex->mu);
}

static void release_user(gf_task_result* r) {
  if (r->user_released) return;
  pthread_mutex_lock(&r->cancel_mu); /* no on_cancel from now on */
  r->user_gone = 1;
  pthread_mutex_unlock(&r->cancel_mu);
  r->user_released = 1;
  if (r->spec.release != NULL) r->spec.release(r->spec.user);
}

static void complete_cancelled(gf_task_executor* ex, gf_task_result* r) {
  gf_task_outcome none = {0};
  release_user(r);
  complete(ex, r, GF_TASK_RESULT_CANCELLED, &none);
}

/* Turns a failed run into a TaskError (the seed's exception classification). */
static void failure_outcome(gf_task_result* r, int rc, const gf_error* err, gf_task_outcome* out) {
  gf_error_info info = {0};
  gf__task_outcome_clear(out);
  if (rc == GF_INVALID_ARGUMENT) {
    gf_error_info_init(&info, GF_EC_BAD_ARGUMENT, "%s", err->message);
  } else {
    if (rc == GF_OK)
      gf_error_info_init(&info, GF_EC_COMMAND_FAILED,
                         "There was an error while running task: task '%s' returned no result.",
                         r->id);
    else if (err->message[0] != '\0')
      gf_error_info_init(&info, GF_EC_COMMAND_FAILED, "There was an error while running task: %s",
                         err->message);
    else
      gf_error_info_init(&info, GF_EC_COMMAND_FAILED, "There was an error while running task.");
    char detail[GF_TASK_ID_MAX + 96];
    snprintf(detail, sizeof(detail), "task '%s' failed with status %s", r->id,
             gf_status_name(rc == GF_OK ? GF_INTERNAL : rc));
    gf_error_info_set_detail(&info, detail);
  }
  gf_task_outcome_set_error(out, GF_UNKNOWN, &info, 0);
  gf_error_info_clear(&info);
}

static gf_task_result_kind classify(gf_task_result* r, int rc, const gf_error* err,
                                    gf_task_outcome* out) {
  if (rc == GF_CANCELLED) {
    gf__task_outcome_clear(out);
    return GF_TASK_RESULT_CANCELLED;
  }
  if (out->kind != GF_TASK_RESULT_ERROR &&
      !(rc == GF_OK && (out->kind == GF_TASK_RESULT_DATA || out->kind == GF_TASK_RESULT_FLIGHTS)))
    failure_outcome(r, rc, err, out);
  if (out->kind == GF_TASK_RESULT_ERROR && r->spec.on_error != NULL)
    r->spec.on_error(r->spec.user, &out->error);
  return (gf_task_result_kind)out->kind;
}

/* ---- retained result bytes (task_result_max_bytes) ------------------------------------ */

static void set_bytes_gauge(gf_task_executor* ex) {
  if (ex->m.result_bytes) gf_metric_set(ex->m.result_bytes, NULL, (double)atomic_load(&ex->result_held));
}

void gf__task_executor_set_result_limit(gf_task_executor* ex, int64_t max_bytes) {
  ex->result_max = max_bytes > 0 ? max_bytes : INT64_MAX;
}

void gf__task_executor_uncharge(gf_task_executor* ex, int64_t bytes) {
  atomic_fetch_sub(&ex->result_held, bytes);
  set_bytes_gauge(ex);
}

/* Counts `bytes` in the retained total; 0 (nothing counted) when it would
 * pass the limit. *held receives the total seen. */
static int charge(gf_task_executor* ex, int64_t bytes, long long* held) {
  *held = atomic_load(&ex->result_held);
  do {
    if (bytes > ex->result_max - *held) return 0;
  } while (!atomic_compare_exchange_weak(&ex->result_held, held, *held + bytes));
  set_bytes_gauge(ex);
  return 1;
}

/* A data result is kept only while the retained total stays within
 * task_result_max_bytes; otherwise its data is closed now and the task
 * fails with FlightUnavailableError, code BACKPRESSURE (retry later). */
static gf_task_result_kind admit(gf_task_executor* ex, gf_task_result* r, gf_task_result_kind kind,
                                 gf_task_outcome* out) {
  long long held = 0;
  int64_t bytes = out->bytes;
  if (kind != GF_TASK_RESULT_DATA || bytes <= 0) return kind;
  if (charge(ex, bytes, &held)) {
    r->owner = ex;
    atomic_store(&r->charged, bytes);
    return kind;
  }
  gf__task_outcome_clear(out);
  gf_error_info info = {0};
  gf_error_info_init(&info, GF_EC_BACKPRESSURE,
                     "The task result of %lld bytes was dropped: retained task results would "
                     "exceed task_result_max_bytes (%lld bytes; %lld held). Retry later.",
                     (long long)bytes, (long long)ex->result_max, held);
  char detail[GF_TASK_ID_MAX + 64];
  snprintf(detail, sizeof(detail), "task '%s': result over the retained-results limit", r->id);
  gf_error_info_set_detail(&info, detail);
  gf_task_outcome_set_error(out, GF_UNAVAILABLE, &info, 0);
  gf_error_info_clear(&info);
  if (ex->m.result_rejected) gf_metric_inc(ex->m.result_rejected, NULL, 1);
  return GF_TASK_RESULT_ERROR;
}

static void run_task(gf_task_executor* ex, gf_task_result* r) {
  double waited = r->started - r->created;
  gf_span* span = r->span ? gf_span_start_child("task_run", GF_SPAN_INTERNAL, r->span) : NULL;
  gf_span_set_str(span, TASK_ID_ATTR, r->id);
  gf_span* prev = gf_span_enter(span);
  GF_LOG(ex->log, GF_LOG_INFO, "task_run", GF_STR("task_id", r->id), GF_DBL("waited", waited));
  if (ex->m.wait) gf_metric_observe(ex->m.wait, NULL, waited);
  gf_task_outcome out = {0};
  gf_error err = {0};
  int rc = r->spec.run((gf_task*)r, r->spec.user, &out, &err);
  if (ex->m.duration) gf_metric_observe(ex->m.duration, NULL, gf_task_monotonic_now() - r->started);
  gf_task_result_kind kind = admit(ex, r, classify(r, rc, &err, &out), &out);
  if (kind == GF_TASK_RESULT_ERROR) gf_span_set_error(span, out.error.info.msg ? out.error.info.msg : "task failed");
  else gf_span_set_ok(span);
  gf_span_end(span);
  gf_span_exit(prev);
  release_user(r);
  complete(ex, r, kind, &out);
}

/* Waits until a submit claims this worker (or stop). ex->mu held. */
static void wait_for_claim(gf_task_executor* ex) {
  ex->idle++;
  while (!ex->tokens && !ex->workers_exit) pthread_cond_wait(&ex->work_cv, &ex->mu);
  if (ex->tokens) ex->tokens--; /* the claimer took us off `idle` */
  else ex->idle--;
}

static void* worker_main(void* arg) {
  gf_task_executor* ex = arg;
  pthread_setname_np(pthread_self(), "gf-task");
  pthread_mutex_lock(&ex->mu);
  for (;;) {
    if (ex->q_head == NULL && !ex->workers_exit) wait_for_claim(ex);
    if (ex->q_head == NULL && !ex->workers_exit) continue;
    if (ex->q_head == NULL) break;
    gf_task_result* r = ex->q_head;
    queue_remove(ex, r);
    r->state = GF__TASK_RUNNING;
    r->started = gf_task_monotonic_now();
    pthread_mutex_unlock(&ex->mu);
    run_task(ex, r);
    gf_task_result_unref(r); /* the queue's reference */
    pthread_mutex_lock(&ex->mu);
  }
  pthread_mutex_unlock(&ex->mu);
  return NULL;
}

/* ---- close workers and the TTL collector ----------------------------------------------- */

static void* closer_main(void* arg) {
  gf_task_executor* ex = arg;
  pthread_setname_np(pthread_self(), "gf-task-close");
  pthread_mutex_lock(&ex->mu);
  for (;;) {
    while (ex->close_head == NULL && !ex->closers_exit) pthread_cond_wait(&ex->close_cv, &ex->mu);
    gf_task_result* r = ex->close_head;
    if (r == NULL) break;
    ex->close_head = r->close_next;
    if (ex->close_head == NULL) ex->close_tail = NULL;
    pthread_mutex_unlock(&ex->mu);
    if (r->kind == GF_TASK_RESULT_DATA && ex->m.close_queue) gf_metric_inc(ex->m.close_queue, NULL, -1);
    gf_task_result_close_data(r);
    gf_task_result_unref(r);
    pthread_mutex_lock(&ex->mu);
  }
  pthread_mutex_unlock(&ex->mu);
  return NULL;
}

static void* collector_main(void* arg) {
  gf_task_executor* ex = arg;
  pthread_setname_np(pthread_self(), "gf-task-ttl");
  pthread_mutex_lock(&ex->mu);
  while (!ex->collector_exit) {
    struct timespec t = deadline_after(1.0);
    pthread_cond_timedwait(&ex->tick_cv, &ex->mu, &t);
    double now = gf_task_monotonic_now();
    while (ex->ttl_head != NULL && ex->ttl_head->added + ex->ttl_sec <= now)
      evict_locked(ex, ex->ttl_head);
  }
  pthread_mutex_unlock(&ex->mu);
  return NULL;
}

/* ---- public API ------------------------------------------------------------------------- */

static int make_id(char* out, gf_error* err) {
  static const char hex[] = "0123456789abcdef";
  unsigned char b[16];
  size_t got = 0;
  while (got < sizeof(b)) {
    ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return gf_error_set(err, GF_INTERNAL, "task id: getrandom failed: %s", strerror(errno));
    got += (size_t)n;
  }
  for (size_t i = 0; i < sizeof(b); i++) {
    out[2 * i] = hex[b[i] >> 4];
    out[2 * i + 1] = hex[b[i] & 15];
  }
  out[32] = '\0';
  return GF_OK;
}

static int set_id(gf_task_result* r, const char* given, gf_error* err) {
  if (given == NULL) return make_id(r->id, err);
  size_t n = strlen(given);
  if (n == 0 || n > GF_TASK_ID_MAX)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "task_id: length %zu is not in 1..%d", n,
                        GF_TASK_ID_MAX);
  for (size_t i = 0; i < n; i++) {
    if ((unsigned char)given[i] < 0x20 || given[i] == 0x7f)
      return gf_error_set(err, GF_INVALID_ARGUMENT, "task_id: control character at offset %zu", i);
  }
  memcpy(r->id, given, n + 1);
  return GF_OK;
}

static gf_task_result* new_record(const gf_task_spec* spec, gf_error* err) {
  gf_task_result* r = gf__task_result_new();
  if (r == NULL) {
    gf_error_set(err, GF_NO_MEMORY, "task: out of memory");
    return NULL;
  }
  r->spec = *spec;
  r->spec.cmd = NULL;
  r->spec.task_id = NULL;
  r->non_cancellable = spec->non_cancellable;
  r->cmd = malloc(spec->cmd_len ? spec->cmd_len : 1);
  int rc = r->cmd ? set_id(r, spec->task_id, err) : gf_error_set(err, GF_NO_MEMORY, "task: out of memory");
  if (rc != GF_OK) {
    r->user_released = 1; /* the caller keeps ownership when submit fails */
    gf_task_result_unref(r);
    return NULL;
  }
  if (spec->cmd_len) memcpy(r->cmd, spec->cmd, spec->cmd_len);
  r->cmd_len = spec->cmd_len;
  return r;
}

/* A task was queued (ex->mu held): claim an idle worker, else start one
 * while below task_threads, else a running worker takes it when done. */
static int start_worker(gf_task_executor* ex) {
  if (gf__thread_create_in(&ex->workers[ex->n_workers], worker_main, ex, ex->inst) != 0) return -1;
  ex->n_workers++;
  return 0;
}

static void wake_or_start_worker(gf_task_executor* ex) {
  if (ex->idle > 0) {
    ex->idle--;
    ex->tokens++;
    pthread_cond_signal(&ex->work_cv);
    return;
  }
  /* A failure here leaves the task to the running workers (there is one). */
  if (ex->n_workers < ex->max_workers && !ex->workers_exit) start_worker(ex);
}

gf_status gf_task_executor_submit(gf_task_executor* ex, const gf_task_spec* caller_spec,
                                  char task_id_out[GF_TASK_ID_MAX + 1], gf_error* err) {
  if (caller_spec == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "task spec is required");
  if (caller_spec->struct_size < GF_TASK_SPEC_V1_SIZE || caller_spec->struct_size > sizeof(gf_task_spec))
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "task spec: struct_size is %u, expected %zu..%zu (set it to sizeof(gf_task_spec))",
                        (unsigned)caller_spec->struct_size, (size_t)GF_TASK_SPEC_V1_SIZE,
                        sizeof(gf_task_spec));
  gf_task_spec full; /* fields past an older caller's struct_size read as 0 */
  memset(&full, 0, sizeof(full));
  memcpy(&full, caller_spec, caller_spec->struct_size);
  const gf_task_spec* spec = &full;
  if (spec->run == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "task spec: 'run' is required");
  if (spec->cmd == NULL && spec->cmd_len > 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "task spec: 'cmd' is NULL but cmd_len is %zu",
                        spec->cmd_len);
  gf_task_result* r = new_record(spec, err);
  if (r == NULL) return err ? err->code : GF_NO_MEMORY;
  r->created = gf_task_monotonic_now();
  span_submit(r);
  pthread_mutex_lock(&ex->mu);
  if (ex->stopped) {
    pthread_mutex_unlock(&ex->mu);
    r->user_released = 1;
    gf_task_result_unref(r);
    return gf_error_set(err, GF_UNAVAILABLE, "task executor is stopped");
  }
  /* The first task thread starts before anything is queued, so a failure to
   * start it fails this submit instead of leaving the task queued forever. */
  int first = ex->n_workers == 0;
  if (first && start_worker(ex) != 0) {
    pthread_mutex_unlock(&ex->mu);
    GF_LOG(ex->log, GF_LOG_ERROR, "task_thread_start_failed", GF_INT("task_threads", ex->max_workers));
    r->user_released = 1;
    gf_task_result_unref(r);
    return gf_error_set(err, GF_UNAVAILABLE, "task executor: cannot start a task thread");
  }
  if (task_id_out != NULL) memcpy(task_id_out, r->id, strlen(r->id) + 1);
  ex->queue_size++;
  map_put(ex, r);            /* the registry's reference */
  gf_task_result_ref(r);     /* the queue's reference */
  queue_push(ex, r);
  set_queue_gauge(ex);
  if (!first) wake_or_start_worker(ex); /* a just-started worker finds the task queued */
  pthread_mutex_unlock(&ex->mu);
  return GF_OK;
}

/* Blocks until r is done or timeout_ms passes (< 0: no limit). ex->mu held;
 * returns 1 on timeout. */
static int wait_done_locked(gf_task_result* r, int64_t timeout_ms, pthread_mutex_t* mu) {
  gf__task_waiter w;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&w.cv, &attr);
  pthread_condattr_destroy(&attr);
  w.next = r->waiters;
  r->waiters = &w;
  struct timespec deadline = deadline_after(timeout_ms > 0 ? (double)timeout_ms / 1000.0 : 0);
  int timed_out = 0;
  while (!r->done && !timed_out) {
    if (timeout_ms < 0) pthread_cond_wait(&w.cv, mu);
    else timed_out = pthread_cond_timedwait(&w.cv, mu, &deadline) == ETIMEDOUT && !r->done;
  }
  unlink_waiter(r, &w);
  pthread_cond_destroy(&w.cv);
  return timed_out;
}

gf_status gf_task_executor_wait_for_result(gf_task_executor* ex, const char* task_id,
                                           int64_t timeout_ms, gf_task_result** out) {
  *out = NULL;
  pthread_mutex_lock(&ex->mu);
  gf_task_result* r = map_get(ex, task_id);
  if (r == NULL) {
    pthread_mutex_unlock(&ex->mu);
    return GF_NOT_FOUND;
  }
  gf_task_result_ref(r);
  int timed_out = r->done ? 0 : wait_done_locked(r, timeout_ms, &ex->mu);
  pthread_mutex_unlock(&ex->mu);
  if (timed_out) {
    gf_task_result_unref(r);
    return GF_TIMED_OUT;
  }
  *out = r;
  return GF_OK;
}

bool gf_task_executor_cancel(gf_task_executor* ex, const char* task_id) {
  pthread_mutex_lock(&ex->mu);
  gf_task_result* r = map_get(ex, task_id);
  if (r == NULL) {
    pthread_mutex_unlock(&ex->mu);
    return 1;
  }
  if (r->state == GF__TASK_DONE) {
    evict_locked(ex, r);
    pthread_mutex_unlock(&ex->mu);
    return 1;
  }
  if (r->state == GF__TASK_QUEUED && queue_remove(ex, r)) {
    r->state = GF__TASK_RUNNING; /* owned by this thread now */
    pthread_mutex_unlock(&ex->mu);
    complete_cancelled(ex, r);
    gf_task_result_unref(r); /* the queue's reference */
    return 1;
  }
  gf_task_result_ref(r);
  pthread_mutex_unlock(&ex->mu);
  int rc = gf__task_cancel_flag(r);
  gf_task_result_unref(r);
  return rc;
}

bool gf_task_executor_close_result(gf_task_executor* ex, const char* task_id) {
  pthread_mutex_lock(&ex->mu);
  gf_task_result* r = map_get(ex, task_id);
  int found = r != NULL && r->state == GF__TASK_DONE;
  if (found) evict_locked(ex, r);
  pthread_mutex_unlock(&ex->mu);
  return found;
}

bool gf_task_executor_submitted_timestamp(gf_task_executor* ex, const char* task_id,
                                          double* seconds) {
  pthread_mutex_lock(&ex->mu);
  gf_task_result* r = map_get(ex, task_id);
  int found = r != NULL && r->state != GF__TASK_DONE;
  if (found) *seconds = r->created;
  pthread_mutex_unlock(&ex->mu);
  return found;
}

/* ---- lifecycle ------------------------------------------------------------------------ */

static void create_metrics(task_metrics* m, gf_metrics* reg) {
  if (reg == NULL) return;
  m->queue = gf_metrics_gauge(reg, "gdfs_task_queue", "Number of tasks waiting in queue.", NULL, 0);
  m->close_queue = gf_metrics_gauge(
      reg, "gdfs_close_queue",
      "Number of task execution results waiting in the queue to be closed and cleaned up.", NULL, 0);
  m->wait = gf_metrics_summary(reg, "gdfs_task_wait",
                               "Time a task spends waiting in queue before it is executed.", NULL, 0);
  m->duration = gf_metrics_summary(reg, "gdfs_task_duration",
                                   "Duration of task run itself (does not include wait or "
                                   "prerequisite resolution duration).",
                                   NULL, 0);
  m->e2e = gf_metrics_summary(reg, "gdfs_task_e2e_duration",
                              "End-to-end duration of the task execution. Includes prerequisite "
                              "resolution duration and time spent in queue. This is the duration "
                              "as observed by the callers.",
                              NULL, 0);
  m->error = gf_metrics_counter(reg, "gdfs_task_error", "Number of failed tasks.", NULL, 0);
  m->cancelled = gf_metrics_counter(reg, "gdfs_task_cancelled", "Number of cancelled tasks.", NULL, 0);
  m->completed = gf_metrics_counter(reg, "gdfs_task_completed",
                                    "Number of completed tasks - this includes all tasks regardless "
                                    "of how their execution completed (success, failure, cancel).",
                                    NULL, 0);
  m->result_bytes = gf_metrics_gauge(
      reg, "gdfs_task_result_bytes",
      "Bytes held by finished task data results that are not closed yet (bounded by "
      "task_result_max_bytes).", NULL, 0);
  m->result_rejected = gf_metrics_counter(
      reg, "gdfs_task_result_rejected",
      "Task data results dropped because they would exceed task_result_max_bytes.", NULL, 0);
  m->do_get_unknown = gf_metrics_counter(
      reg, "gdfs_task_do_get_unknown",
      "DoGets for a task id that is unknown or whose result has expired (INVALID_TICKET).", NULL, 0);
}

void gf__task_executor_count_unknown_get(gf_task_executor* ex) {
  if (ex->m.do_get_unknown) gf_metric_inc(ex->m.do_get_unknown, NULL, 1);
}

static int init_sync(gf_task_executor* ex) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  int rc = pthread_mutex_init(&ex->mu, NULL) || pthread_cond_init(&ex->work_cv, NULL) ||
           pthread_cond_init(&ex->close_cv, NULL) ||
           pthread_cond_init(&ex->tick_cv, &attr);
  pthread_condattr_destroy(&attr);
  return rc;
}

static int start_threads(gf_task_executor* ex, int threads, int close_threads, gf_error* err) {
  ex->workers = calloc((size_t)threads, sizeof(pthread_t));
  ex->closers = calloc((size_t)close_threads, sizeof(pthread_t));
  if (ex->workers == NULL || ex->closers == NULL)
    return gf_error_set(err, GF_NO_MEMORY, "task executor: out of memory");
  ex->max_workers = threads; /* task threads start on demand (wake_or_start_worker) */
  for (; ex->n_closers < close_threads; ex->n_closers++) {
    if (gf__thread_create_in(&ex->closers[ex->n_closers], closer_main, ex, ex->inst) != 0)
      return gf_error_set(err, GF_INTERNAL, "task executor: cannot start close thread %d",
                          ex->n_closers);
  }
  if (gf__thread_create_in(&ex->collector, collector_main, ex, ex->inst) != 0)
    return gf_error_set(err, GF_INTERNAL, "task executor: cannot start the result collector");
  ex->collector_started = 1;
  return GF_OK;
}

int gf__task_executor_create(int threads, int close_threads, int ttl_sec, gf_metrics* metrics,
                             gf_task_executor** out, gf_error* err) {
  if (threads < 1 || threads > 4096)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "task_threads: %d is not in 1..4096", threads);
  if (close_threads < 1 || close_threads > 4096)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "task_close_threads: %d is not in 1..4096",
                        close_threads);
  if (ttl_sec < 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "task_result_ttl_sec: %d is negative", ttl_sec);
  gf_task_executor* ex = calloc(1, sizeof(*ex));
  if (ex == NULL) return gf_error_set(err, GF_NO_MEMORY, "task executor: out of memory");
  ex->inst = gf__instance_current();
  ex->n_buckets = 64;
  ex->buckets = calloc(ex->n_buckets, sizeof(*ex->buckets));
  if (ex->buckets == NULL || init_sync(ex) != 0) {
    free(ex->buckets);
    free(ex);
    return gf_error_set(err, GF_NO_MEMORY, "task executor: out of memory");
  }
  ex->ttl_sec = ttl_sec;
  ex->result_max = INT64_MAX;
  ex->log = gf_logger_get("gooddata_flight_server.task_executor");
  ex->rc_log = gf_logger_get("gooddata_flight_server.result_container");
  create_metrics(&ex->m, metrics);
  int rc = start_threads(ex, threads, close_threads, err);
  if (rc != GF_OK) {
    gf__task_executor_free(ex);
    return rc;
  }
  *out = ex;
  return GF_OK;
}

/* Takes every queued task off the queue (ex->mu held); returns the list. */
static gf_task_result* take_queue(gf_task_executor* ex, size_t* n) {
  gf_task_result* list = ex->q_head;
  *n = 0;
  for (gf_task_result* q = list; q != NULL; q = q->q_next) {
    q->state = GF__TASK_RUNNING;
    (*n)++;
  }
  ex->q_head = ex->q_tail = NULL;
  return list;
}

/* References to the running tasks (ex->mu held); caller frees the array. */
static gf_task_result** running_tasks(gf_task_executor* ex, size_t* n) {
  *n = 0;
  gf_task_result** arr = malloc((ex->n_entries + 1) * sizeof(*arr));
  if (arr == NULL) return NULL;
  for (size_t i = 0; i < ex->n_buckets; i++) {
    for (gf_task_result* r = ex->buckets[i]; r != NULL; r = r->map_next) {
      if (r->state != GF__TASK_RUNNING) continue;
      gf_task_result_ref(r);
      arr[(*n)++] = r;
    }
  }
  return arr;
}

static void stop_workers(gf_task_executor* ex, int cancel_running) {
  size_t n_queued = 0, n_running = 0;
  pthread_mutex_lock(&ex->mu);
  gf_task_result** running = cancel_running ? running_tasks(ex, &n_running) : NULL;
  gf_task_result* queued = take_queue(ex, &n_queued);
  ex->workers_exit = 1;
  pthread_cond_broadcast(&ex->work_cv);
  pthread_mutex_unlock(&ex->mu);
  GF_LOG(ex->log, GF_LOG_INFO, "task_exec_stopping", GF_INT("pending_tasks", n_queued));
  while (queued != NULL) {
    gf_task_result* next = queued->q_next;
    queued->q_next = NULL;
    complete_cancelled(ex, queued);
    gf_task_result_unref(queued);
    queued = next;
  }
  for (size_t i = 0; i < n_running; i++) {
    gf__task_cancel_flag(running[i]);
    gf_task_result_unref(running[i]);
  }
  free(running);
  for (int i = 0; i < ex->n_workers; i++) pthread_join(ex->workers[i], NULL);
  ex->n_workers = 0;
}

void gf__task_executor_stop(gf_task_executor* ex, int cancel_running) {
  if (ex == NULL) return;
  pthread_mutex_lock(&ex->mu);
  int already = ex->stopped;
  ex->stopped = 1;
  pthread_mutex_unlock(&ex->mu);
  if (already) return;
  stop_workers(ex, cancel_running);
  pthread_mutex_lock(&ex->mu);
  ex->collector_exit = 1;
  pthread_cond_signal(&ex->tick_cv);
  pthread_mutex_unlock(&ex->mu);
  if (ex->collector_started) pthread_join(ex->collector, NULL);
  ex->collector_started = 0;
  pthread_mutex_lock(&ex->mu);
  for (size_t i = 0; i < ex->n_buckets; i++) {
    while (ex->buckets[i] != NULL) evict_locked(ex, ex->buckets[i]);
  }
  ex->closers_exit = 1;
  pthread_cond_broadcast(&ex->close_cv);
  pthread_mutex_unlock(&ex->mu);
  for (int i = 0; i < ex->n_closers; i++) pthread_join(ex->closers[i], NULL);
  ex->n_closers = 0;
  /* Without close threads (failed start), close what is left here. */
  while (ex->close_head != NULL) {
    gf_task_result* r = ex->close_head;
    ex->close_head = r->close_next;
    gf_task_result_close_data(r);
    gf_task_result_unref(r);
  }
  ex->close_tail = NULL;
}

void gf__task_executor_free(gf_task_executor* ex) {
  if (ex == NULL) return;
  gf__task_executor_stop(ex, 1);
  free(ex->workers);
  free(ex->closers);
  free(ex->buckets);
  pthread_mutex_destroy(&ex->mu);
  pthread_cond_destroy(&ex->work_cv);
  pthread_cond_destroy(&ex->close_cv);
  pthread_cond_destroy(&ex->tick_cv);
  free(ex);
}
