/* Task executor: ids, concurrent submits, outcomes and failure
 * classification, waits and timeouts, cancel in every state, TTL eviction,
 * close_result, duplicate ids, stop with work in flight, metrics, and the
 * struct_size checks of gf_task_spec and gf_task_data. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include <fcntl.h>

#include "log/log_internal.h"
#include "metrics/metrics_internal.h"
#include "task_helpers.h"
#include "support/proc_status.h"
#include "test.h"

static gf_task_executor* make_ex(int threads, int ttl) {
  gf_task_executor* ex = NULL;
  if (gf__task_executor_create(threads, 2, ttl, NULL, &ex, NULL) != GF_OK) return NULL;
  return ex;
}

static gf_task_result* wait_ok(gf_task_executor* ex, const char* id) {
  gf_task_result* r = NULL;
  if (gf_task_executor_wait_for_result(ex, id, 5000, &r) != GF_OK) return NULL;
  return r;
}

TEST(create_validates) {
  gf_task_executor* ex = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__task_executor_create(0, 1, 1, NULL, &ex, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "task_threads") != NULL);
  CHECK_EQ_INT(gf__task_executor_create(1, 0, 1, NULL, &ex, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "task_close_threads") != NULL);
  CHECK_EQ_INT(gf__task_executor_create(1, 1, -1, NULL, &ex, &err), GF_INVALID_ARGUMENT);
  gf__task_executor_free(NULL);
}

/* A run whose data result declares a bad struct_size: set_data refuses it
 * without calling anything (close not run) and the task fails BAD_ARGUMENT. */
static atomic_int bad_data_rc;
static int bad_data_run(gf_task* task, void* user, gf_task_outcome* out, gf_error* err) {
  (void)task;
  gf_task_data d = {0, 0, user, data_schema, data_open, data_close};
  int rc = gf_task_outcome_set_data(out, &d);
  atomic_store(&bad_data_rc, rc);
  return gf_error_set(err, rc, "set_data refused the result");
}

TEST(struct_sizes_checked) {
  gf_task_executor* ex = make_ex(1, 60);
  counters c = {0};
  gf_task_spec spec = {0};
  spec.run = job_run;
  spec.release = job_release;
  spec.user = new_job(B_FLIGHTS, &c, NULL);
  gf_error err = {0};
  char id[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(gf_task_executor_submit(ex, &spec, id, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "struct_size is 0") != NULL);
  spec.struct_size = sizeof(spec) + 8;
  CHECK_EQ_INT(gf_task_executor_submit(ex, &spec, id, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "sizeof(gf_task_spec)") != NULL);
  CHECK_EQ_INT(atomic_load(&c.releases), 0); /* the caller keeps `user` */
  spec.struct_size = (uint32_t)GF_TASK_SPEC_V1_SIZE;
  CHECK_EQ_INT(gf_task_executor_submit(ex, &spec, id, &err), GF_OK);
  gf_task_result* r = wait_ok(ex, id);
  CHECK(r != NULL && gf_task_result_get_kind(r) == GF_TASK_RESULT_FLIGHTS);
  gf_task_result_unref(r);
  gf_task_spec bad = {sizeof(bad)};
  bad.run = bad_data_run;
  bad.user = &c;
  CHECK_EQ_INT(gf_task_executor_submit(ex, &bad, id, &err), GF_OK);
  r = wait_ok(ex, id);
  CHECK(r != NULL && gf_task_result_get_kind(r) == GF_TASK_RESULT_ERROR);
  gf_task_result_unref(r);
  CHECK_EQ_INT(atomic_load(&bad_data_rc), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(atomic_load(&c.closes), 0);
  gf__task_executor_free(ex);
  CHECK_EQ_INT(atomic_load(&c.releases), 1);
}

TEST(ids_generated_and_given) {
  gf_task_executor* ex = make_ex(2, 60);
  counters c = {0};
  char a[GF_TASK_ID_MAX + 1], b[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(submit_job(ex, B_FLIGHTS, &c, NULL, a, NULL), GF_OK);
  CHECK_EQ_INT(submit_job(ex, B_FLIGHTS, &c, NULL, b, NULL), GF_OK);
  CHECK_EQ_INT(strlen(a), 32);
  CHECK(strspn(a, "0123456789abcdef") == 32);
  CHECK(strcmp(a, b) != 0);
  gf_task_spec spec = {sizeof(gf_task_spec)};
  spec.run = job_run;
  spec.user = new_job(B_FLIGHTS, &c, NULL);
  spec.release = job_release;
  spec.task_id = "my-task";
  char id[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(gf_task_executor_submit(ex, &spec, id, NULL), GF_OK);
  CHECK_EQ_STR(id, "my-task");
  gf_task_result* r = wait_ok(ex, "my-task");
  CHECK(r != NULL);
  CHECK_EQ_STR(gf_task_result_task_id(r), "my-task");
  CHECK_EQ_INT(gf_task_result_cmd(r).len, 0);
  gf_task_result_unref(r);
  char longid[GF_TASK_ID_MAX + 2];
  memset(longid, 'x', sizeof(longid) - 1);
  longid[sizeof(longid) - 1] = '\0';
  spec.task_id = longid;
  spec.user = new_job(B_FLIGHTS, &c, NULL);
  gf_error err = {0};
  CHECK_EQ_INT(gf_task_executor_submit(ex, &spec, id, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "task_id") != NULL);
  spec.task_id = "";
  CHECK_EQ_INT(gf_task_executor_submit(ex, &spec, id, &err), GF_INVALID_ARGUMENT);
  free(spec.user); /* not taken over on failure */
  spec.run = NULL;
  CHECK_EQ_INT(gf_task_executor_submit(ex, &spec, id, &err), GF_INVALID_ARGUMENT);
  gf__task_executor_free(ex);
  CHECK_EQ_INT(atomic_load(&c.releases), 3);
}

typedef struct submitter {
  gf_task_executor* ex;
  counters* c;
  int n;
  char (*ids)[GF_TASK_ID_MAX + 1];
} submitter;

static void* submit_many(void* arg) {
  submitter* s = arg;
  for (int i = 0; i < s->n; i++) {
    if (submit_job(s->ex, i % 2 ? B_FLIGHTS : B_DATA, s->c, NULL, s->ids[i], NULL) != GF_OK)
      s->ids[i][0] = '\0';
  }
  return NULL;
}

TEST(concurrent_submits) {
  enum { THREADS = 4, PER = 1000 };
  gf_task_executor* ex = make_ex(4, 60);
  counters c = {0};
  static char ids[THREADS][PER][GF_TASK_ID_MAX + 1];
  submitter s[THREADS];
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    s[i] = (submitter){ex, &c, PER, ids[i]};
    pthread_create(&t[i], NULL, submit_many, &s[i]);
  }
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  int ok = 0;
  for (int i = 0; i < THREADS; i++) {
    for (int k = 0; k < PER; k++) {
      gf_task_result* r = NULL;
      if (gf_task_executor_wait_for_result(ex, ids[i][k], 10000, &r) == GF_OK) {
        ok += gf_task_result_get_kind(r) == (k % 2 ? GF_TASK_RESULT_FLIGHTS : GF_TASK_RESULT_DATA);
        gf_task_result_unref(r);
      }
    }
  }
  CHECK_EQ_INT(ok, THREADS * PER);
  CHECK_EQ_INT(atomic_load(&c.runs), THREADS * PER);
  CHECK_EQ_INT(atomic_load(&c.releases), THREADS * PER);
  gf__task_executor_free(ex);
  CHECK_EQ_INT(atomic_load(&c.closes), THREADS * PER / 2); /* every data result closed once */
}

static int threads_now(void) { return (int)gf_test_proc_status(getpid(), "Threads"); }

/* Task threads start on demand: none at creation, one per concurrently
 * blocked task up to task_threads, and the (task_threads+1)-th blocked task
 * waits in the queue until a thread frees up. */
TEST(task_threads_start_on_demand) {
  int base = threads_now();
  gf_task_executor* ex = make_ex(3, 60);
  CHECK(ex != NULL);
  int created = threads_now();
  CHECK_EQ_INT(created - base, 3); /* 2 close threads + the TTL collector, no task thread */
  counters c = {0};
  atomic_int gate = 0;
  char ids[4][GF_TASK_ID_MAX + 1];
  for (int i = 0; i < 4; i++) CHECK_EQ_INT(submit_job(ex, B_WAIT_CANCEL, &c, &gate, ids[i], NULL), GF_OK);
  for (int i = 0; i < 200 && atomic_load(&c.runs) < 3; i++) usleep(5000);
  usleep(20000);
  CHECK_EQ_INT(atomic_load(&c.runs), 3);          /* three run, the fourth is queued */
  CHECK_EQ_INT(threads_now() - created, 3);      /* bounded by task_threads */
  atomic_store(&gate, 1);
  for (int i = 0; i < 4; i++) {
    gf_task_result* r = wait_ok(ex, ids[i]);
    CHECK(r != NULL);
    if (r) gf_task_result_unref(r);
  }
  CHECK_EQ_INT(atomic_load(&c.runs), 4);
  CHECK_EQ_INT(threads_now() - created, 3);      /* idle threads are reused, none added */
  gf__task_executor_free(ex);
  CHECK_EQ_INT(threads_now(), base);
}

static gf_task_result* run_one(gf_task_executor* ex, behaviour b, counters* c) {
  char id[GF_TASK_ID_MAX + 1];
  if (submit_job(ex, b, c, NULL, id, NULL) != GF_OK) return NULL;
  return wait_ok(ex, id);
}

TEST(failure_classification) {
  gf_task_executor* ex = make_ex(2, 60);
  counters c = {0};
  gf_task_result* r = run_one(ex, B_FAIL_IO, &c);
  const gf_task_error* e = gf_task_result_error(r);
  CHECK(e != NULL && gf_task_result_get_kind(r) == GF_TASK_RESULT_ERROR);
  CHECK_EQ_INT(e->flight_status, GF_UNKNOWN);
  CHECK_EQ_INT(e->info.code, GF_EC_COMMAND_FAILED);
  CHECK_EQ_STR(e->info.msg, "There was an error while running task: boom");
  CHECK(e->info.detail != NULL && strstr(e->info.detail, gf_task_result_task_id(r)) != NULL);
  CHECK(!gf_task_result_is_cancelled(r) && gf_task_result_flights(r, NULL) == NULL);
  gf_task_result_unref(r);
  r = run_one(ex, B_FAIL_EMPTY, &c);
  CHECK_EQ_STR(gf_task_result_error(r)->info.msg, "There was an error while running task.");
  gf_task_result_unref(r);
  r = run_one(ex, B_FAIL_ARG, &c);
  CHECK_EQ_INT(gf_task_result_error(r)->info.code, GF_EC_BAD_ARGUMENT);
  CHECK_EQ_STR(gf_task_result_error(r)->info.msg, "bad 'rows': -1");
  CHECK(gf_task_result_error(r)->info.detail == NULL);
  gf_task_result_unref(r);
  r = run_one(ex, B_TASK_ERROR, &c);
  CHECK_EQ_INT(gf_task_result_error(r)->flight_status, GF_UNAVAILABLE);
  CHECK_EQ_INT(gf_task_result_error(r)->info.code, GF_EC_NOT_READY);
  CHECK_EQ_STR(gf_task_result_error(r)->info.msg, "Try again later.");
  gf_task_result_unref(r);
  r = run_one(ex, B_NOTHING, &c);
  CHECK_EQ_INT(gf_task_result_error(r)->info.code, GF_EC_COMMAND_FAILED);
  gf_task_result_unref(r);
  r = run_one(ex, B_FLIGHTS, &c);
  size_t n = 0;
  CHECK(gf_task_result_flights(r, &n) != NULL && n == 2);
  CHECK(gf_task_result_error(r) == NULL);
  gf_task_result_unref(r);
  gf__task_executor_free(ex);
}

static void mark_client(void* user, gf_task_error* e) {
  atomic_fetch_add(&((job*)user)->c->on_errors, 1);
  e->client_error = 1;
  e->flight_status = GF_INTERNAL;
}

TEST(on_error_hook) {
  gf_task_executor* ex = make_ex(1, 60);
  counters c = {0};
  gf_task_spec spec = {sizeof(gf_task_spec)};
  spec.run = job_run;
  spec.on_error = mark_client;
  spec.release = job_release;
  spec.user = new_job(B_FAIL_IO, &c, NULL);
  char id[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(gf_task_executor_submit(ex, &spec, id, NULL), GF_OK);
  gf_task_result* r = wait_ok(ex, id);
  CHECK(r && gf_task_result_error(r)->client_error == 1);
  CHECK_EQ_INT(gf_task_result_error(r)->flight_status, GF_INTERNAL);
  CHECK_EQ_INT(atomic_load(&c.on_errors), 1);
  gf_task_result_unref(r);
  gf__task_executor_free(ex);
}

TEST(wait_timeout_unknown_and_cancel_queued) {
  gf_task_executor* ex = make_ex(1, 60);
  counters c = {0};
  atomic_int gate = 0;
  char blocker[GF_TASK_ID_MAX + 1], queued[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(submit_job(ex, B_DATA, &c, &gate, blocker, NULL), GF_OK);
  WAIT_UNTIL(atomic_load(&c.runs) == 1, 2000); /* the blocker occupies the only worker */
  CHECK_EQ_INT(submit_job(ex, B_FLIGHTS, &c, NULL, queued, NULL), GF_OK);
  gf_task_result* r = NULL;
  CHECK_EQ_INT(gf_task_executor_wait_for_result(ex, queued, 1, &r), GF_TIMED_OUT);
  CHECK_EQ_INT(gf_task_executor_wait_for_result(ex, queued, 0, &r), GF_TIMED_OUT);
  CHECK(r == NULL);
  CHECK_EQ_INT(gf_task_executor_wait_for_result(ex, "nope", -1, &r), GF_NOT_FOUND);
  double ts = 0;
  CHECK_EQ_INT(gf_task_executor_submitted_timestamp(ex, queued, &ts), 1);
  CHECK(ts > 0 && ts <= gf_task_monotonic_now());
  CHECK_EQ_INT(gf_task_executor_cancel(ex, queued), 1);
  r = wait_ok(ex, queued);
  CHECK(r && gf_task_result_is_cancelled(r));
  CHECK_EQ_INT(gf_task_result_get_kind(r), GF_TASK_RESULT_CANCELLED);
  gf_task_result_unref(r);
  CHECK_EQ_INT(gf_task_executor_submitted_timestamp(ex, queued, &ts), 0);
  CHECK_EQ_INT(atomic_load(&c.runs), 1);     /* the queued task never ran */
  CHECK_EQ_INT(atomic_load(&c.releases), 1); /* but its user state was released */
  CHECK_EQ_INT(atomic_load(&c.cancels), 0);  /* on_cancel is for running tasks */
  atomic_store(&gate, 1);
  r = wait_ok(ex, blocker);
  CHECK(r && gf_task_result_get_kind(r) == GF_TASK_RESULT_DATA);
  gf_task_result_unref(r);
  CHECK_EQ_INT(gf_task_executor_cancel(ex, "unknown-id"), 1); /* seed behaviour */
  gf__task_executor_free(ex);
}

/* Submits b and returns the finished result's kind (-1 on timeout). */
static int finished_kind(gf_task_executor* ex, behaviour b, counters* c, char* id) {
  if (submit_job(ex, b, c, NULL, id, NULL) != GF_OK) return -1;
  gf_task_result* r = wait_ok(ex, id);
  int kind = r ? (int)gf_task_result_get_kind(r) : -1;
  gf_task_result_unref(r);
  return kind;
}

/* task_result_max_bytes: results past the limit are closed at once and fail
 * with UNAVAILABLE/BACKPRESSURE; closing a result (close_result, the end of
 * a single-use read) gives its bytes back. */
TEST(result_limit) {
  gf_task_executor* ex = make_ex(2, 60);
  gf__task_executor_set_result_limit(ex, 2500);
  counters c = {0};
  char a[GF_TASK_ID_MAX + 1], b[GF_TASK_ID_MAX + 1], x[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(finished_kind(ex, B_DATA_1K, &c, a), GF_TASK_RESULT_DATA);
  CHECK_EQ_INT(finished_kind(ex, B_DATA_1K, &c, b), GF_TASK_RESULT_DATA);
  CHECK_EQ_INT(finished_kind(ex, B_DATA_1K, &c, x), GF_TASK_RESULT_ERROR);
  CHECK_EQ_INT(atomic_load(&c.closes), 1); /* the dropped data is closed now */
  gf_task_result* r = wait_ok(ex, x);
  const gf_task_error* e = r ? gf_task_result_error(r) : NULL;
  CHECK(e != NULL && e->flight_status == GF_UNAVAILABLE && e->info.code == GF_EC_BACKPRESSURE);
  CHECK(e != NULL && strstr(e->info.msg, "task_result_max_bytes (2500 bytes; 2000 held)") != NULL);
  gf_task_result_unref(r);
  CHECK_EQ_INT(finished_kind(ex, B_FLIGHTS, &c, x), GF_TASK_RESULT_FLIGHTS); /* not data: not counted */
  CHECK_EQ_INT(gf_task_executor_close_result(ex, a), 1);
  WAIT_UNTIL(atomic_load(&c.closes) == 2, 2000);
  CHECK_EQ_INT(finished_kind(ex, B_SINGLE_USE_1K, &c, a), GF_TASK_RESULT_DATA);
  CHECK_EQ_INT(finished_kind(ex, B_DATA_1K, &c, x), GF_TASK_RESULT_ERROR);
  r = wait_ok(ex, a); /* read the single-use result as a DoGet does */
  struct ArrowArrayStream s;
  CHECK(r && gf_task_result_acquire_data(r, &s, NULL) == GF_OK);
  s.release(&s);
  gf_task_result_release_data(r);
  gf_task_result_close_data(r);
  gf_task_result_unref(r);
  CHECK_EQ_INT(finished_kind(ex, B_DATA_1K, &c, x), GF_TASK_RESULT_DATA);
  gf__task_executor_free(ex);
}

TEST(cancel_running) {
  gf_task_executor* ex = make_ex(1, 60);
  counters c = {0};
  job* j = NULL;
  char id[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(submit_job(ex, B_WAIT_CANCEL, &c, NULL, id, &j), GF_OK);
  WAIT_UNTIL(atomic_load(&c.runs) == 1, 2000);
  CHECK_EQ_INT(gf_task_executor_cancel(ex, id), 1);
  (void)gf_task_executor_cancel(ex, id); /* running or finished: no crash */
  gf_task_result* r = wait_ok(ex, id);
  CHECK(r && gf_task_result_is_cancelled(r));
  gf_task_result_unref(r);
  CHECK_EQ_INT(atomic_load(&c.cancels), 1); /* on_cancel once */
  gf__task_executor_free(ex);
}

TEST(cancel_non_cancellable) {
  gf_task_executor* ex = make_ex(1, 60);
  counters c = {0};
  atomic_int gate = 0;
  char id[GF_TASK_ID_MAX + 1];
  job* j = NULL;
  CHECK_EQ_INT(submit_job(ex, B_NON_CANCELLABLE, &c, &gate, id, &j), GF_OK);
  WAIT_UNTIL(atomic_load(&j->started) == 2, 2000); /* switched (j lives until the gate opens) */
  CHECK_EQ_INT(gf_task_executor_cancel(ex, id), 0);
  atomic_store(&gate, 1);
  gf_task_result* r = wait_ok(ex, id);
  CHECK(r && gf_task_result_get_kind(r) == GF_TASK_RESULT_FLIGHTS);
  gf_task_result_unref(r);
  CHECK_EQ_INT(atomic_load(&c.cancels), 0);
  gf__task_executor_free(ex);
}

TEST(cancel_finished_evicts_and_closes) {
  gf_task_executor* ex = make_ex(1, 60);
  counters c = {0};
  char id[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(submit_job(ex, B_DATA, &c, NULL, id, NULL), GF_OK);
  gf_task_result* r = wait_ok(ex, id);
  CHECK(r != NULL);
  gf_task_result* again = wait_ok(ex, id); /* repeatable until evicted */
  CHECK(again == r);
  gf_task_result_unref(again);
  CHECK_EQ_INT(gf_task_executor_cancel(ex, id), 1);
  CHECK_EQ_INT(gf_task_executor_wait_for_result(ex, id, 0, &again), GF_NOT_FOUND);
  WAIT_UNTIL(atomic_load(&c.closes) == 1, 2000);
  CHECK_EQ_INT(atomic_load(&c.closes), 1);
  struct ArrowArrayStream s;
  gf_error err = {0};
  CHECK_EQ_INT(gf_task_result_acquire_data(r, &s, &err), GF_UNKNOWN);
  CHECK_EQ_STR(err.message, "Result data was already consumed or closed.");
  gf_task_result_unref(r);
  gf__task_executor_free(ex);
  CHECK_EQ_INT(atomic_load(&c.closes), 1);
}

TEST(close_result) {
  gf_task_executor* ex = make_ex(1, 60);
  counters c = {0};
  char id[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(submit_job(ex, B_DATA, &c, NULL, id, NULL), GF_OK);
  gf_task_result* r = wait_ok(ex, id);
  gf_task_result_unref(r);
  CHECK_EQ_INT(gf_task_executor_close_result(ex, id), 1);
  CHECK_EQ_INT(gf_task_executor_close_result(ex, id), 0);
  CHECK_EQ_INT(gf_task_executor_close_result(ex, "nope"), 0);
  WAIT_UNTIL(atomic_load(&c.closes) == 1, 2000);
  CHECK_EQ_INT(atomic_load(&c.closes), 1);
  gf__task_executor_free(ex);
}

TEST(ttl_expiry) {
  gf_task_executor* ex = make_ex(1, 1);
  counters c = {0};
  char id[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(submit_job(ex, B_DATA, &c, NULL, id, NULL), GF_OK);
  gf_task_result* r = wait_ok(ex, id);
  CHECK(r != NULL);
  gf_task_result_unref(r);
  r = wait_ok(ex, id); /* still there right after completion */
  CHECK(r != NULL);
  gf_task_result_unref(r);
  WAIT_UNTIL(atomic_load(&c.closes) == 1, 3000); /* evicted between TTL and TTL + 1 s */
  CHECK_EQ_INT(atomic_load(&c.closes), 1);
  CHECK_EQ_INT(gf_task_executor_wait_for_result(ex, id, 0, &r), GF_NOT_FOUND);
  gf__task_executor_free(ex);
}

TEST(replayable_vs_single_use) {
  gf_task_executor* ex = make_ex(2, 60);
  counters c = {0};
  gf_task_result* rep = run_one(ex, B_DATA, &c);
  gf_task_result* one = run_one(ex, B_SINGLE_USE, &c);
  CHECK(rep && one);
  CHECK(!gf_task_result_is_single_use(rep) && gf_task_result_is_single_use(one));
  struct ArrowArrayStream s1, s2;
  gf_error err = {0};
  CHECK_EQ_INT(gf_task_result_acquire_data(rep, &s1, &err), GF_OK);
  CHECK_EQ_INT(gf_task_result_acquire_data(rep, &s2, &err), GF_OK); /* concurrent readers */
  s1.release(&s1);
  s2.release(&s2);
  gf_task_result_release_data(rep);
  gf_task_result_release_data(rep);
  CHECK_EQ_INT(gf_task_result_acquire_data(one, &s1, &err), GF_OK);
  CHECK_EQ_INT(gf_task_result_acquire_data(one, &s2, &err), GF_UNKNOWN);
  CHECK_EQ_STR(err.message, "Result data was already consumed or closed.");
  s1.release(&s1);
  gf_task_result_release_data(one);
  struct ArrowSchema schema;
  CHECK_EQ_INT(gf_task_result_schema(one, &schema, NULL), GF_OK); /* schema stays readable */
  CHECK_EQ_STR(schema.format, "l");
  schema.release(&schema);
  CHECK_EQ_INT(atomic_load(&c.opens), 3);
  gf_task_result_close_data(rep);
  gf_task_result_close_data(rep); /* exactly once */
  CHECK_EQ_INT(atomic_load(&c.closes), 1);
  CHECK_EQ_INT(gf_task_result_acquire_data(rep, &s1, &err), GF_UNKNOWN);
  CHECK_EQ_INT(gf_task_result_schema(rep, &schema, &err), GF_UNKNOWN);
  gf_task_result_unref(rep);
  gf_task_result_unref(one);
  gf__task_executor_free(ex);
  CHECK_EQ_INT(atomic_load(&c.closes), 2);
}

typedef struct closer_arg {
  gf_task_result* r;
  atomic_int done;
} closer_arg;

static void* close_thread(void* arg) {
  closer_arg* a = arg;
  gf_task_result_close_data(a->r);
  atomic_store(&a->done, 1);
  return NULL;
}

TEST(close_waits_for_readers) {
  gf_task_executor* ex = make_ex(1, 60);
  counters c = {0};
  gf_task_result* r = run_one(ex, B_DATA, &c);
  struct ArrowArrayStream s;
  CHECK_EQ_INT(gf_task_result_acquire_data(r, &s, NULL), GF_OK);
  closer_arg a = {r, 0};
  pthread_t t;
  pthread_create(&t, NULL, close_thread, &a);
  usleep(50000);
  CHECK_EQ_INT(atomic_load(&a.done), 0); /* blocked by the reader */
  struct ArrowArrayStream s2;
  CHECK_EQ_INT(gf_task_result_acquire_data(r, &s2, NULL), GF_UNKNOWN); /* closing: no new readers */
  s.release(&s);
  gf_task_result_release_data(r);
  pthread_join(t, NULL);
  CHECK_EQ_INT(atomic_load(&a.done), 1);
  CHECK_EQ_INT(atomic_load(&c.closes), 1);
  gf_task_result_unref(r);
  gf__task_executor_free(ex);
}

TEST(duplicate_id_replaces) {
  gf_task_executor* ex = make_ex(2, 60);
  counters c = {0};
  for (int i = 0; i < 2; i++) {
    gf_task_spec spec = {sizeof(gf_task_spec)};
    spec.run = job_run;
    spec.release = job_release;
    spec.user = new_job(i == 0 ? B_DATA : B_FLIGHTS, &c, NULL);
    spec.task_id = "dup";
    CHECK_EQ_INT(gf_task_executor_submit(ex, &spec, NULL, NULL), GF_OK);
    gf_task_result* r = wait_ok(ex, "dup");
    CHECK(r != NULL);
    CHECK_EQ_INT(gf_task_result_get_kind(r), i == 0 ? GF_TASK_RESULT_DATA : GF_TASK_RESULT_FLIGHTS);
    gf_task_result_unref(r);
  }
  WAIT_UNTIL(atomic_load(&c.closes) == 1, 2000); /* the replaced result was closed */
  CHECK_EQ_INT(atomic_load(&c.closes), 1);
  gf__task_executor_free(ex);
}

TEST(stop_with_work_in_flight) {
  gf_task_executor* ex = make_ex(2, 60);
  counters c = {0};
  char running[2][GF_TASK_ID_MAX + 1], queued[10][GF_TASK_ID_MAX + 1], done[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(submit_job(ex, B_DATA, &c, NULL, done, NULL), GF_OK);
  gf_task_result* fin = wait_ok(ex, done);
  for (int i = 0; i < 2; i++) CHECK_EQ_INT(submit_job(ex, B_WAIT_CANCEL, &c, NULL, running[i], NULL), GF_OK);
  WAIT_UNTIL(atomic_load(&c.runs) == 3, 2000);
  for (int i = 0; i < 10; i++) CHECK_EQ_INT(submit_job(ex, B_FLIGHTS, &c, NULL, queued[i], NULL), GF_OK);
  gf__task_executor_stop(ex, 1);
  CHECK_EQ_INT(atomic_load(&c.runs), 3);       /* queued ones never ran */
  CHECK_EQ_INT(atomic_load(&c.releases), 13);
  CHECK_EQ_INT(atomic_load(&c.cancels), 2);    /* running ones were cancelled */
  CHECK_EQ_INT(atomic_load(&c.closes), 1);     /* every result closed */
  gf_task_result* r = NULL;
  CHECK_EQ_INT(gf_task_executor_wait_for_result(ex, running[0], 0, &r), GF_NOT_FOUND);
  char id[GF_TASK_ID_MAX + 1];
  gf_error err = {0};
  job* j = new_job(B_FLIGHTS, &c, NULL);
  gf_task_spec spec = {sizeof(gf_task_spec)};
  spec.run = job_run;
  spec.user = j;
  CHECK_EQ_INT(gf_task_executor_submit(ex, &spec, id, &err), GF_UNAVAILABLE);
  free(j);
  gf__task_executor_stop(ex, 1); /* idempotent */
  gf_task_result_unref(fin);
  gf__task_executor_free(ex);
}

TEST(metrics) {
  gf_metrics* m = NULL;
  CHECK_EQ_INT(gf__metrics_create_bare(&m), GF_OK);
  gf_task_executor* ex = NULL;
  CHECK_EQ_INT(gf__task_executor_create(1, 1, 60, m, &ex, NULL), GF_OK);
  counters c = {0};
  gf_task_result* r = run_one(ex, B_DATA, &c);
  gf_task_result_unref(r);
  r = run_one(ex, B_FAIL_IO, &c);
  gf_task_result_unref(r);
  gf__task_executor_free(ex);
  char* text = NULL;
  size_t n = 0;
  CHECK_EQ_INT(gf_metrics_render(m, &text, &n), GF_OK);
  CHECK(strstr(text, "gdfs_task_completed_total 2") != NULL);
  CHECK(strstr(text, "gdfs_task_error_total 1") != NULL);
  CHECK(strstr(text, "gdfs_task_cancelled_total 0") != NULL);
  CHECK(strstr(text, "gdfs_task_wait_count 2") != NULL);
  CHECK(strstr(text, "gdfs_task_e2e_duration_count 2") != NULL);
  CHECK(strstr(text, "gdfs_task_queue 0") != NULL);
  CHECK(strstr(text, "gdfs_close_queue 0") != NULL);
  CHECK(strstr(text, "# HELP gdfs_task_error Number of failed tasks.") != NULL ||
        strstr(text, "# HELP gdfs_task_error_total Number of failed tasks.") != NULL);
  free(text);
  gf__metrics_free(m);
}

int main(void) {
  gf__log_options lo = {0};
  lo.fd = getenv("GF_TEST_VERBOSE") ? 2 : open("/dev/null", O_WRONLY);
  gf__log_configure(&lo, NULL);
  RUN(create_validates);
  RUN(ids_generated_and_given);
  RUN(struct_sizes_checked);
  RUN(concurrent_submits);
  RUN(task_threads_start_on_demand);
  RUN(failure_classification);
  RUN(on_error_hook);
  RUN(wait_timeout_unknown_and_cancel_queued);
  RUN(cancel_running);
  RUN(cancel_non_cancellable);
  RUN(result_limit);
  RUN(cancel_finished_evicts_and_closes);
  RUN(close_result);
  RUN(ttl_expiry);
  RUN(replayable_vs_single_use);
  RUN(close_waits_for_readers);
  RUN(duplicate_id_replaces);
  RUN(stop_with_work_in_flight);
  RUN(metrics);
  TEST_MAIN_END();
}
