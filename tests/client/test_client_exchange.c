/* DoExchange through the C client against the real server running the test
 * echo plugin (tests/client/plugins/echo.c, built as
 * <build>/tests/plugins/libecho.so): lock-step echo of batches with
 * interleaved metadata-only messages, full duplex with a writer thread and a
 * reader thread, and an early half-close; Handshake payload echo,
 * PollFlightInfo (running / done), request and response headers, trailers,
 * and an error with extra_info read through gf_rpc_status. Also checks
 * DoExchange on the store example (no do_exchange) is UNIMPLEMENTED. Skips
 * the echo part when the plugin is not built. */
#include <pthread.h>

#include "client/client_data.h"
#include "client/client_harness.h"
#include "test.h"

static test_server srv;
static gf_client* cl;

static gf_descriptor cmd(const char* s) {
  gf_descriptor d;
  memset(&d, 0, sizeof(d));
  d.type = GF_DESCRIPTOR_CMD;
  d.cmd = (gf_bytes){(const uint8_t*)s, strlen(s)};
  return d;
}

static int md_is(gf_bytes md, const char* s) {
  return md.len == strlen(s) && (md.len == 0 || memcmp(md.data, s, md.len) == 0);
}

TEST(lockstep_echo_with_metadata_only_messages) {
  gf_descriptor d = cmd("echo");
  gf_exchange* x = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_do_exchange(cl, NULL, &d, &x, &err), GF_OK);
  gf_flight_reader* r = gf_exchange_reader(x);
  struct ArrowSchema s;
  CHECK_EQ_INT(td_schema(&s), 0);
  int rc = gf_exchange_begin(x, &s, &err);
  int bad = rc != GF_OK;
  for (int i = 0; i < 6 && !bad; i++) {
    char md[16];
    snprintf(md, sizeof(md), "m%d", i);
    struct ArrowArray a, got;
    gf_bytes gmd;
    if (i % 2 == 1) { /* metadata-only */
      bad = gf_exchange_write_metadata(x, md, strlen(md), &err) ||
            gf_flight_reader_next(r, &got, &gmd, &err) || got.release != NULL || !md_is(gmd, md);
      continue;
    }
    bad = td_batch(&s, i * 10, 10, &a) || gf_exchange_write(x, &a, md, strlen(md), &err) ||
          gf_flight_reader_next(r, &got, &gmd, &err) || got.release == NULL;
    if (!bad) {
      bad = td_check(&got, i * 10) != 0 || !md_is(gmd, md);
      got.release(&got);
    }
  }
  s.release(&s);
  if (bad) fprintf(stderr, "  exchange failed: %s\n", err.message);
  CHECK(!bad);
  struct ArrowSchema rs;
  CHECK_EQ_INT(gf_flight_reader_schema(r, &rs, &err), GF_OK);
  CHECK_EQ_INT((int)rs.n_children, 3);
  rs.release(&rs);
  CHECK_EQ_INT(gf_exchange_finish(x, &err), GF_OK);
  gf_exchange_free(x);
}

typedef struct writer_job {
  gf_exchange* x;
  int n;
  int rc;
} writer_job;

static void* writer_thread(void* p) {
  writer_job* j = p;
  struct ArrowSchema s;
  gf_error err = {0};
  j->rc = td_schema(&s) ? -1 : gf_exchange_begin(j->x, &s, &err);
  for (int i = 0; i < j->n && j->rc == GF_OK; i++) {
    struct ArrowArray a;
    char md[16];
    snprintf(md, sizeof(md), "%d", i);
    j->rc = td_batch(&s, (int64_t)i * 100, 100, &a) ? -1 : gf_exchange_write(j->x, &a, md, strlen(md), &err);
    if (j->rc == GF_OK && i % 10 == 0) j->rc = gf_exchange_write_metadata(j->x, "tick", 4, &err);
  }
  if (j->rc == GF_OK) j->rc = gf_exchange_done_writing(j->x, &err);
  if (s.release) s.release(&s);
  return NULL;
}

TEST(full_duplex_writer_and_reader_threads) {
  gf_descriptor d = cmd("echo");
  gf_exchange* x = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_do_exchange(cl, NULL, &d, &x, &err), GF_OK);
  writer_job j = {x, 200, 0};
  pthread_t th;
  CHECK(pthread_create(&th, NULL, writer_thread, &j) == 0);
  gf_flight_reader* r = gf_exchange_reader(x);
  int batches = 0, ticks = 0, bad = 0, rc;
  struct ArrowArray a;
  gf_bytes md;
  while ((rc = gf_flight_reader_next(r, &a, &md, &err)) == GF_OK) {
    if (!a.release) {
      ticks += md_is(md, "tick");
      continue;
    }
    char want[16];
    snprintf(want, sizeof(want), "%d", batches);
    if (td_check(&a, (int64_t)batches * 100) || !md_is(md, want)) bad = 1;
    batches++;
    a.release(&a);
  }
  pthread_join(th, NULL);
  gf_exchange_free(x);
  CHECK_EQ_INT(j.rc, GF_OK);
  CHECK_MSG(rc == GF_END_OF_STREAM, "rc=%d %s", rc, err.message);
  CHECK(!bad);
  CHECK_EQ_INT(batches, 200);
  CHECK_EQ_INT(ticks, 20);
}

TEST(half_close_without_data_ends_cleanly) {
  gf_descriptor d = cmd("echo");
  gf_exchange* x = NULL;
  gf_error err = {0};
  gf_rpc_status* st = gf_rpc_status_create();
  gf_call_options o = {sizeof(o), NULL, 0, 5000, st};
  CHECK_EQ_INT(gf_client_do_exchange(cl, &o, &d, &x, &err), GF_OK);
  CHECK_EQ_INT(gf_exchange_done_writing(x, &err), GF_OK);
  struct ArrowArray a;
  gf_bytes md;
  int rc = gf_flight_reader_next(gf_exchange_reader(x), &a, &md, &err);
  gf_exchange_free(x);
  CHECK_EQ_INT(rc, GF_END_OF_STREAM);
  CHECK_EQ_INT(gf_rpc_status_code(st), GF_OK);
  CHECK_EQ_INT(gf_rpc_status_grpc_code(st), 0);
  gf_rpc_status_free(st);
}

TEST(exchange_freed_mid_stream_cancels) {
  for (int i = 0; i < 3; i++) {
    gf_descriptor d = cmd("echo");
    gf_exchange* x = NULL;
    gf_error err = {0};
    CHECK_EQ_INT(gf_client_do_exchange(cl, NULL, &d, &x, &err), GF_OK);
    struct ArrowSchema s;
    struct ArrowArray a;
    CHECK_EQ_INT(td_schema(&s), 0);
    CHECK_EQ_INT(gf_exchange_begin(x, &s, &err), GF_OK);
    CHECK_EQ_INT(td_batch(&s, 0, 10, &a), 0);
    s.release(&s);
    CHECK_EQ_INT(gf_exchange_write(x, &a, NULL, 0, &err), GF_OK);
    gf_exchange_free(x); /* no close: cancels */
  }
  gf_client_action_types at;
  gf_error err = {0};
  /* the server is still fine: an unimplemented method answers at once */
  CHECK_EQ_INT(gf_client_list_actions(cl, NULL, &at, &err), GF_UNIMPLEMENTED);
}

TEST(handshake_echoes_payloads) {
  gf_bytes p[3] = {{(const uint8_t*)"a", 1}, {(const uint8_t*)"", 0}, {(const uint8_t*)"xyz", 3}};
  gf_client_bytes_list out;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_handshake(cl, NULL, p, 3, &out, &err), GF_OK);
  int ok = out.n == 3 && out.items[0].len == 1 && out.items[1].len == 0 && out.items[2].len == 3 &&
           memcmp(out.items[2].data, "xyz", 3) == 0;
  gf_client_bytes_list_clear(&out);
  CHECK(ok);
  CHECK_EQ_INT(gf_client_handshake(cl, NULL, NULL, 0, &out, &err), GF_OK);
  CHECK_EQ_INT(out.n, 0);
  gf_client_bytes_list_clear(&out);
}

TEST(poll_flight_info_running_then_done) {
  gf_descriptor d = cmd("query");
  gf_client_poll_info pi;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_poll_flight_info(cl, NULL, &d, &pi, &err), GF_OK);
  int running = pi.info && gf_flight_info_total_records(pi.info) == 42 && pi.descriptor &&
                pi.descriptor->type == GF_DESCRIPTOR_CMD && pi.descriptor->cmd.len == 4 &&
                pi.has_progress && pi.progress == 0.5 && pi.has_expiration &&
                pi.expiration_seconds == 2000000000 && pi.expiration_nanos == 7;
  gf_descriptor next = *pi.descriptor;
  gf_client_poll_info pi2;
  int rc = gf_client_poll_flight_info(cl, NULL, &next, &pi2, &err);
  gf_client_poll_info_clear(&pi);
  CHECK(running);
  CHECK_EQ_INT(rc, GF_OK);
  int done = pi2.info && pi2.descriptor == NULL && pi2.has_progress && pi2.progress == 1.0 &&
             !pi2.has_expiration && gf_flight_info_endpoint_count(pi2.info) == 1;
  gf_client_poll_info_clear(&pi2);
  CHECK(done);
}

TEST(headers_trailers_and_error_details) {
  gf_header h = {"x-test", "hello", 5};
  gf_rpc_status* st = gf_rpc_status_create();
  gf_call_options o = {sizeof(o), &h, 1, 5000, st};
  gf_client_bytes_list res;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_do_action(cl, &o, "headers", NULL, 0, &res, &err), GF_OK);
  int body_ok = res.n == 1 && res.items[0].len == 5 && memcmp(res.items[0].data, "hello", 5) == 0;
  gf_client_bytes_list_clear(&res);
  gf_bytes v = {NULL, 0}, t = {NULL, 0};
  int hdr = gf_rpc_status_header(st, "x-h", &v) && v.len == 2 && memcmp(v.data, "hv", 2) == 0;
  int trl = gf_rpc_status_trailer(st, "x-t-bin", &t) && t.len == 3 && t.data[2] == 0xff;
  int code = gf_rpc_status_code(st);
  CHECK(body_ok);
  CHECK(hdr);
  CHECK(trl);
  CHECK_EQ_INT(code, GF_OK);
  CHECK_EQ_INT(gf_client_do_action(cl, &o, "fail", NULL, 0, &res, &err), GF_UNAUTHORIZED);
  CHECK_EQ_STR(err.message, "denied: no");
  CHECK_EQ_INT(gf_rpc_status_code(st), GF_UNAUTHORIZED);
  CHECK_EQ_INT(gf_rpc_status_grpc_code(st), 7);
  CHECK_EQ_INT(gf_rpc_status_arrow_code(st), 5);
  gf_bytes x = gf_rpc_status_extra_info(st);
  CHECK(x.len == 4 && memcmp(x.data, "xyz\0", 4) == 0);
  CHECK_EQ_STR(gf_rpc_status_message(st), "denied: no");
  size_t n = gf_rpc_status_trailer_count(st);
  const char* k = NULL;
  CHECK(n >= 2);
  CHECK_EQ_INT(gf_rpc_status_trailer_at(st, 0, &k, &v), GF_OK);
  CHECK(k != NULL);
  CHECK(gf_rpc_status_trailer_at(st, n, &k, &v) != GF_OK);
  gf_rpc_status_free(st);
}

static void store_unimplemented(void) {
  test_server st;
  if (!test_have_server("store") || test_server_start(&st, "store", NULL) != 0) return;
  gf_client* c = NULL;
  gf_error err = {0};
  int rc = gf_client_create(st.uri, NULL, &c, &err);
  gf_exchange* x = NULL;
  gf_descriptor d = cmd("echo");
  if (rc == GF_OK) rc = gf_client_do_exchange(c, NULL, &d, &x, &err);
  if (rc == GF_OK) rc = gf_exchange_finish(x, &err);
  gf_exchange_free(x);
  gf_client_free(c);
  if (rc != GF_UNIMPLEMENTED) {
    fprintf(stderr, "FAIL store DoExchange: rc=%d %s\n", rc, err.message);
    gf_test_failed++;
  } else {
    gf_test_passed++;
  }
  if (test_server_stop(&st) != 0) gf_test_failed++;
}

int main(void) {
  test_watchdog(120);
  store_unimplemented();
  if (!test_have_server("tests/echo")) {
    fprintf(stderr, "skipping echo tests: tests/plugins/libecho.so not built\n");
    TEST_MAIN_END();
  }
  if (test_server_start(&srv, "tests/echo", NULL) != 0) return 1;
  gf_client_options co = {0};
  co.default_deadline_ms = 20000;
  if (gf_client_create(srv.uri, &co, &cl, NULL)) return 1;
  RUN(lockstep_echo_with_metadata_only_messages);
  RUN(full_duplex_writer_and_reader_threads);
  RUN(half_close_without_data_ends_cleanly);
  RUN(exchange_freed_mid_stream_cancels);
  RUN(handshake_echoes_payloads);
  RUN(poll_flight_info_running_then_done);
  RUN(headers_trailers_and_error_details);
  gf_client_free(cl);
  if (test_server_stop(&srv) != 0) gf_test_failed++;
  TEST_MAIN_END();
}
