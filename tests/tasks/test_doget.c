/* gf_do_get_task_result: every seed outcome (INVALID_TICKET, stored error,
 * COMMAND_CANCELLED, INTERNAL_ERROR for non-data, COMMAND_RESULT_CONSUMED)
 * with exact messages and ErrorInfo JSON, table results read repeatedly with
 * real rows, single-use results closed at call end, finalizer ordering. */
#include <fcntl.h>
#include <stdio.h>

#include "rpc/fake_call.h"
#include "log/log_internal.h"
#include "task_helpers.h"
#include "test.h"

static gf_task_executor* ex_;

static int doget(gf_call* call, const char* id, gf_data_source* src) {
  memset(src, 0, sizeof(*src));
  return gf_do_get_task_result(call, ex_, id, src);
}

static void check_error(gf_call* call, int rc, int status, int32_t code, const char* msg,
                        int* ok) {
  *ok = 0;
  if (rc != status || call->err_code != status) return;
  if (strcmp(call->err_msg, msg) != 0) {
    fprintf(stderr, "  message: %s\n", call->err_msg);
    return;
  }
  gf_error_info info;
  if (gf_error_info_from_json(call->err_extra, call->err_extra_len, &info, NULL) != GF_OK) return;
  *ok = info.code == code && info.msg && strcmp(info.msg, msg) == 0;
  gf_error_info_clear(&info);
}

TEST(unknown_ticket) {
  gf_call call;
  fake_call_init(&call);
  gf_data_source src;
  int ok = 0;
  check_error(&call, doget(&call, "no-such-task", &src), GF_UNKNOWN, GF_EC_INVALID_TICKET,
              "Unable to serve data for task 'no-such-task'. The task result is not present.", &ok);
  CHECK(ok);
  CHECK(src.stream.release == NULL);
  CHECK_EQ_INT(call.n_fins, 0);
  fake_call_free(&call);
}

static void submit_wait(behaviour b, counters* c, char* id) {
  submit_job(ex_, b, c, NULL, id, NULL);
  gf_task_result* r = NULL;
  gf_task_executor_wait_for_result(ex_, id, 5000, &r);
  gf_task_result_unref(r);
}

TEST(stored_error_every_time) {
  counters c = {0};
  char id[GF_TASK_ID_MAX + 1];
  submit_wait(B_TASK_ERROR, &c, id);
  for (int i = 0; i < 2; i++) {
    gf_call call;
    fake_call_init(&call);
    gf_data_source src;
    int ok = 0;
    check_error(&call, doget(&call, id, &src), GF_UNAVAILABLE, GF_EC_NOT_READY, "Try again later.", &ok);
    CHECK(ok);
    CHECK_EQ_STR(fake_call_extra(&call),
                 "{\"msg\":\"Try again later.\",\"detail\":null,\"code\":197109,\"body\":null}");
    fake_call_free(&call);
  }
}

TEST(cancelled) {
  counters c = {0};
  char id[GF_TASK_ID_MAX + 1];
  submit_job(ex_, B_WAIT_CANCEL, &c, NULL, id, NULL);
  WAIT_UNTIL(atomic_load(&c.runs) == 1, 2000);
  CHECK_EQ_INT(gf_task_executor_cancel(ex_, id), 1); /* running: flag set */
  gf_call call;
  fake_call_init(&call);
  gf_data_source src;
  char msg[200];
  snprintf(msg, sizeof(msg), "FlexConnect function invocation was cancelled. Invocation task was: '%s'.", id);
  int ok = 0;
  check_error(&call, doget(&call, id, &src), GF_UNKNOWN, GF_EC_COMMAND_CANCELLED, msg, &ok);
  CHECK(ok);
  fake_call_free(&call);
}

TEST(not_a_data_result) {
  counters c = {0};
  char id[GF_TASK_ID_MAX + 1];
  submit_wait(B_FLIGHTS, &c, id);
  gf_call call;
  fake_call_init(&call);
  gf_data_source src;
  char msg[300];
  snprintf(msg, sizeof(msg),
           "An internal error has occurred while attempting read result for '%s'.While the result "
           "exists, it is of an unexpected type: ListFlightsTaskResult ",
           id);
  int ok = 0;
  check_error(&call, doget(&call, id, &src), GF_INTERNAL, GF_EC_INTERNAL_ERROR, msg, &ok);
  CHECK(ok);
  fake_call_free(&call);
}

/* A task producing a real table: 3 batches of 10 int64 rows. */
static int table_run(gf_task* task, void* user, gf_task_outcome* out, gf_error* err) {
  (void)task;
  (void)user;
  struct ArrowSchema schema;
  struct ArrowArrayStream s;
  empty_stream(&s);
  s.get_schema(&s, &schema);
  s.release(&s);
  gf_table* t = NULL;
  int rc = gf_table_create(&schema, &t, err);
  gf_builder* b = NULL;
  if (rc == GF_OK) rc = gf_builder_create(&schema, &b, err);
  schema.release(&schema);
  for (int k = 0; rc == GF_OK && k < 3; k++) {
    for (int i = 0; i < 10; i++) {
      gf_builder_append_int(gf_builder_child(b, 0), k * 10 + i);
      gf_builder_append_struct_end(b);
    }
    struct ArrowArray batch;
    rc = gf_builder_finish(b, &batch, err);
    if (rc == GF_OK) rc = gf_table_append(t, &batch, NULL, 0, err);
  }
  gf_builder_free(b);
  if (rc == GF_OK) rc = gf_task_outcome_set_table(out, t, NULL, NULL);
  if (t) gf_table_unref(t);
  return rc;
}

static int64_t drain(struct ArrowArrayStream* s, int64_t* sum) {
  int64_t rows = 0;
  *sum = 0;
  for (;;) {
    struct ArrowArray a;
    if (s->get_next(s, &a) != 0) return -1;
    if (a.release == NULL) break;
    const int64_t* v = (const int64_t*)a.children[0]->buffers[1];
    for (int64_t i = 0; i < a.length; i++) *sum += v[a.children[0]->offset + i];
    rows += a.length;
    a.release(&a);
  }
  return rows;
}

TEST(table_result_read_repeatedly) {
  gf_task_spec spec = {sizeof(gf_task_spec)};
  spec.run = table_run;
  char id[GF_TASK_ID_MAX + 1];
  CHECK_EQ_INT(gf_task_executor_submit(ex_, &spec, id, NULL), GF_OK);
  gf_call calls[2];
  gf_data_source src[2];
  for (int i = 0; i < 2; i++) { /* two concurrent readers */
    fake_call_init(&calls[i]);
    CHECK_EQ_INT(doget(&calls[i], id, &src[i]), GF_OK);
    CHECK_EQ_INT(calls[i].n_fins, 1);
  }
  for (int i = 0; i < 2; i++) {
    int64_t sum = 0;
    CHECK_EQ_INT(drain(&src[i].stream, &sum), 30);
    CHECK_EQ_INT(sum, 29 * 30 / 2);
    src[i].stream.release(&src[i].stream);
    fake_call_free(&calls[i]);
  }
  CHECK_EQ_INT(gf_task_executor_close_result(ex_, id), 1);
}

TEST(single_use_consumed_then_closed) {
  counters c = {0};
  char id[GF_TASK_ID_MAX + 1];
  submit_wait(B_SINGLE_USE, &c, id);
  gf_call first, second;
  fake_call_init(&first);
  fake_call_init(&second);
  gf_data_source s1, s2;
  CHECK_EQ_INT(doget(&first, id, &s1), GF_OK);
  CHECK(s1.stream.release != NULL);
  int ok = 0;
  check_error(&second, doget(&second, id, &s2), GF_UNKNOWN, GF_EC_COMMAND_RESULT_CONSUMED,
              "Result data was already consumed or closed.", &ok);
  CHECK(ok);
  CHECK_EQ_INT(second.n_fins, 1); /* registered before the lock was tried */
  fake_call_free(&second);
  CHECK_EQ_INT(atomic_load(&c.closes), 0);
  s1.stream.release(&s1.stream);
  fake_call_end(&first, GF_OK); /* end of the first call closes the result */
  CHECK_EQ_INT(atomic_load(&c.closes), 1);
  fake_call_free(&first);
  gf_call third;
  fake_call_init(&third);
  check_error(&third, doget(&third, id, &s2), GF_UNKNOWN, GF_EC_COMMAND_RESULT_CONSUMED,
              "Result data was already consumed or closed.", &ok);
  CHECK(ok);
  fake_call_free(&third);
}

TEST(eviction_waits_for_reader) {
  counters c = {0};
  char id[GF_TASK_ID_MAX + 1];
  submit_wait(B_DATA, &c, id);
  gf_call call;
  fake_call_init(&call);
  gf_data_source src;
  CHECK_EQ_INT(doget(&call, id, &src), GF_OK);
  CHECK_EQ_INT(gf_task_executor_cancel(ex_, id), 1); /* evicts; the close must wait */
  usleep(50000);
  CHECK_EQ_INT(atomic_load(&c.closes), 0);
  src.stream.release(&src.stream);
  fake_call_free(&call);
  WAIT_UNTIL(atomic_load(&c.closes) == 1, 2000);
  CHECK_EQ_INT(atomic_load(&c.closes), 1);
}

int main(void) {
  gf__log_options lo = {0};
  lo.fd = getenv("GF_TEST_VERBOSE") ? 2 : open("/dev/null", O_WRONLY);
  gf__log_configure(&lo, NULL);
  gf__task_executor_create(2, 1, 60, NULL, &ex_, NULL);
  RUN(unknown_ticket);
  RUN(stored_error_every_time);
  RUN(cancelled);
  RUN(not_a_data_result);
  RUN(table_result_read_repeatedly);
  RUN(single_use_consumed_then_closed);
  RUN(eviction_waits_for_reader);
  gf__task_executor_free(ex_);
  TEST_MAIN_END();
}
