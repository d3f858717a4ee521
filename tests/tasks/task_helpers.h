/* Test helpers for task tests: a configurable task body, a generic data
 * result that counts opens/closes, a small table with int64 rows, and a
 * bounded polling wait. */
#ifndef GF_TEST_TASK_HELPERS_H
#define GF_TEST_TASK_HELPERS_H

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/log.h"
#include "gooddata_flight_server/tasks.h"
#include "tasks/tasks_internal.h"

typedef struct counters {
  atomic_int runs, releases, cancels, opens, closes, on_errors;
} counters;

typedef enum {
  B_DATA = 0,       /* counted generic data result */
  B_SINGLE_USE,     /* same, single use */
  B_FLIGHTS,
  B_FAIL_IO,        /* return GF_IO_ERROR "boom" */
  B_FAIL_EMPTY,     /* return GF_INTERNAL without message */
  B_FAIL_ARG,       /* return GF_INVALID_ARGUMENT */
  B_TASK_ERROR,     /* set_error UNAVAILABLE / NOT_READY */
  B_NOTHING,        /* GF_OK without a result */
  B_WAIT_CANCEL,    /* loop until cancelled (or `release_gate`) */
  B_NON_CANCELLABLE, /* switch non-cancellable, wait for the gate, succeed */
  B_DATA_1K,        /* B_DATA declaring 1000 bytes */
  B_SINGLE_USE_1K   /* B_SINGLE_USE declaring 1000 bytes */
} behaviour;

typedef struct job {
  behaviour b;
  counters* c;
  atomic_int* gate; /* optional: the body waits until *gate != 0 */
  atomic_int started;
} job;

static void data_close(void* user) { atomic_fetch_add(&((counters*)user)->closes, 1); }

static int data_schema(void* user, struct ArrowSchema* out, gf_error* err) {
  (void)user;
  return gf_schema_init(out, "l", "x", 0, err);
}

/* An empty stream: schema "+s"{x:int64}, no batches. */
static int empty_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  (void)s;
  if (gf_schema_init(out, "+s", "", 0, NULL) != GF_OK) return 22;
  if (gf_schema_allocate_children(out, 1, NULL) != GF_OK) return 22;
  return gf_schema_init(out->children[0], "l", "x", 0, NULL) == GF_OK ? 0 : 22;
}
static int empty_next(struct ArrowArrayStream* s, struct ArrowArray* out) {
  (void)s;
  memset(out, 0, sizeof(*out));
  return 0;
}
static const char* empty_error(struct ArrowArrayStream* s) { (void)s; return NULL; }
static void empty_release(struct ArrowArrayStream* s) { s->release = NULL; }
static void empty_stream(struct ArrowArrayStream* s) {
  memset(s, 0, sizeof(*s));
  s->get_schema = empty_schema;
  s->get_next = empty_next;
  s->get_last_error = empty_error;
  s->release = empty_release;
}

static int data_open(void* user, struct ArrowArrayStream* out, gf_error* err) {
  (void)err;
  atomic_fetch_add(&((counters*)user)->opens, 1);
  empty_stream(out);
  return GF_OK;
}

static void wait_gate(job* j) {
  while (j->gate && !atomic_load(j->gate)) usleep(500);
}

static int job_run(gf_task* task, void* user, gf_task_outcome* out, gf_error* err) {
  job* j = user;
  atomic_fetch_add(&j->c->runs, 1);
  atomic_store(&j->started, 1);
  gf_error_info info = {0};
  switch (j->b) {
    case B_DATA:
    case B_SINGLE_USE: {
      wait_gate(j);
      gf_task_data d = {sizeof(gf_task_data), j->b == B_SINGLE_USE, j->c, data_schema, data_open, data_close};
      return gf_task_outcome_set_data(out, &d);
    }
    case B_DATA_1K:
    case B_SINGLE_USE_1K: {
      gf_task_data d = {sizeof(gf_task_data), j->b == B_SINGLE_USE_1K, j->c, data_schema, data_open, data_close};
      int rc = gf_task_outcome_set_data(out, &d);
      return rc ? rc : gf_task_outcome_set_byte_size(out, 1000);
    }
    case B_FLIGHTS: {
      gf_flight_info* fi[2] = {gf_flight_info_create(), gf_flight_info_create()};
      return gf_task_outcome_set_flights(out, fi, 2);
    }
    case B_FAIL_IO: return gf_error_set(err, GF_IO_ERROR, "boom");
    case B_FAIL_EMPTY: return GF_INTERNAL;
    case B_FAIL_ARG: return gf_error_set(err, GF_INVALID_ARGUMENT, "bad 'rows': -1");
    case B_TASK_ERROR:
      gf_error_info_init(&info, GF_EC_NOT_READY, "Try again later.");
      gf_task_outcome_set_error(out, GF_UNAVAILABLE, &info, 0);
      gf_error_info_clear(&info);
      return GF_UNAVAILABLE;
    case B_NOTHING: return GF_OK;
    case B_WAIT_CANCEL:
      while (!gf_task_is_cancelled(task) && !(j->gate && atomic_load(j->gate))) usleep(500);
      return gf_task_check_cancelled(task);
    case B_NON_CANCELLABLE:
      if (gf_task_switch_non_cancellable(task) != GF_OK) return GF_CANCELLED;
      atomic_store(&j->started, 2);
      wait_gate(j);
      if (gf_task_check_cancelled(task) != GF_OK) return GF_CANCELLED;
      return gf_task_outcome_set_flights(out, NULL, 0);
  }
  return GF_INTERNAL;
}

static void job_cancel(void* user) { atomic_fetch_add(&((job*)user)->c->cancels, 1); }
static void job_release(void* user) {
  job* j = user;
  atomic_fetch_add(&j->c->releases, 1);
  free(j);
}

static job* new_job(behaviour b, counters* c, atomic_int* gate) {
  job* j = calloc(1, sizeof(*j));
  j->b = b;
  j->c = c;
  j->gate = gate;
  return j;
}

/* Submits; returns the status. id receives the task id. */
static int submit_job(gf_task_executor* ex, behaviour b, counters* c, atomic_int* gate, char* id,
                      job** out_job) {
  job* j = new_job(b, c, gate);
  if (out_job) *out_job = j;
  gf_task_spec spec = {sizeof(gf_task_spec)};
  spec.run = job_run;
  spec.on_cancel = job_cancel;
  spec.release = job_release;
  spec.user = j;
  spec.cmd = "cmd";
  spec.cmd_len = 3;
  int rc = gf_task_executor_submit(ex, &spec, id, NULL);
  if (rc != GF_OK) free(j);
  return rc;
}

/* Polls cond (an expression) for up to ms milliseconds. */
#define WAIT_UNTIL(cond, ms)                                          \
  do {                                                                \
    for (int gf__i = 0; gf__i < (ms) && !(cond); gf__i++) usleep(1000); \
  } while (0)

#endif
