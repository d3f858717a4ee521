/* C client against the real server running the `store` example: DoPut with
 * per-batch acks, GetFlightInfo, DoGet (reader and ArrowArrayStream),
 * ListFlights, GetSchema, ListActions, DoAction drop, NOT_FOUND details
 * (x-arrow-status, message), a DoPut half-closed before any batch, a DoGet
 * cancelled by freeing the reader, UNIMPLEMENTED for methods the example
 * leaves NULL. Skips (passes nothing) when the binaries are not built. */
#include "client/client_data.h"
#include "client/client_harness.h"
#include "test.h"

static test_server srv;
static gf_client* cl;

static gf_descriptor path_desc(const char** p) {
  gf_descriptor d;
  memset(&d, 0, sizeof(d));
  d.type = GF_DESCRIPTOR_PATH;
  d.n_path = 1;
  d.path = p;
  return d;
}

/* DoPut `nb` batches of `rows` rows under `name`, checking every ack. */
static int put_dataset(const char* name, int nb, int64_t rows) {
  const char* p[1] = {name};
  gf_descriptor d = path_desc(p);
  struct ArrowSchema s;
  if (td_schema(&s)) return -1;
  gf_put_stream* ps = NULL;
  gf_error err = {0};
  int rc = gf_client_do_put(cl, NULL, &d, &s, &ps, &err);
  for (int b = 0; rc == GF_OK && b < nb; b++) {
    struct ArrowArray a;
    if (td_batch(&s, b * rows, rows, &a)) rc = -1;
    char md[16];
    int ml = snprintf(md, sizeof(md), "%d", b);
    if (rc == GF_OK) rc = gf_put_stream_write(ps, &a, md, (size_t)ml, &err);
    gf_bytes ack;
    if (rc == GF_OK) rc = gf_put_stream_read(ps, &ack, &err);
    if (rc == GF_OK && (ack.len != (size_t)ml || memcmp(ack.data, md, (size_t)ml) != 0)) rc = -2;
  }
  if (rc == GF_OK) rc = gf_put_stream_finish(ps, &err);
  if (rc) fprintf(stderr, "put_dataset(%s): rc=%d %s\n", name, rc, err.message);
  gf_put_stream_free(ps);
  s.release(&s);
  return rc;
}

TEST(do_put_get_flight_info_do_get) {
  CHECK_EQ_INT(put_dataset("alpha", 5, 100), 0);
  const char* p[1] = {"alpha"};
  gf_descriptor d = path_desc(p);
  gf_flight_info* info = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_get_flight_info(cl, NULL, &d, &info, &err), GF_OK);
  CHECK_EQ_INT(gf_flight_info_total_records(info), 500);
  CHECK_EQ_INT(gf_flight_info_endpoint_count(info), 1);
  struct ArrowSchema fs, es;
  CHECK_EQ_INT(gf_flight_info_schema(info, &fs, &err), GF_OK);
  CHECK_EQ_INT(td_schema(&es), 0);
  int eq = gf_schema_equals(&fs, &es);
  fs.release(&fs);
  es.release(&es);
  CHECK(eq);
  const gf_flight_endpoint* ep = gf_flight_info_endpoint(info, 0);
  gf_bytes ticket = gf_flight_endpoint_ticket(ep);
  CHECK(ticket.len > 0);
  gf_flight_reader* r = NULL;
  CHECK_EQ_INT(gf_client_do_get(cl, NULL, ticket.data, ticket.len, &r, &err), GF_OK);
  gf_flight_info_free(info);
  struct ArrowSchema rs;
  CHECK_EQ_INT(gf_flight_reader_schema(r, &rs, &err), GF_OK);
  CHECK_EQ_INT((int)rs.n_children, 3);
  rs.release(&rs);
  int64_t off = 0;
  int n = 0, rc;
  struct ArrowArray a;
  gf_bytes md;
  while ((rc = gf_flight_reader_next(r, &a, &md, &err)) == GF_OK) {
    if (!a.release) continue;
    int ok = td_check(&a, off) == 0;
    char want[16];
    int wl = snprintf(want, sizeof(want), "%d", n);
    int md_ok = md.len == (size_t)wl && memcmp(md.data, want, (size_t)wl) == 0;
    off += a.length;
    a.release(&a);
    n++;
    if (!ok || !md_ok) break;
    (void)md_ok;
  }
  gf_flight_reader_free(r);
  CHECK_MSG(rc == GF_END_OF_STREAM, "rc=%d %s", rc, err.message);
  CHECK_EQ_INT(off, 500);
  CHECK_EQ_INT(n, 5);
}

TEST(do_get_as_arrow_stream) {
  const char* p[1] = {"alpha"};
  gf_descriptor d = path_desc(p);
  gf_flight_info* info = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_get_flight_info(cl, NULL, &d, &info, &err), GF_OK);
  gf_bytes t = gf_flight_endpoint_ticket(gf_flight_info_endpoint(info, 0));
  gf_flight_reader* r = NULL;
  int rc = gf_client_do_get(cl, NULL, t.data, t.len, &r, &err);
  gf_flight_info_free(info);
  CHECK_EQ_INT(rc, GF_OK);
  struct ArrowArrayStream st;
  CHECK_EQ_INT(gf_flight_reader_to_stream(r, &st, &err), GF_OK);
  struct ArrowSchema s;
  CHECK_EQ_INT(st.get_schema(&st, &s), 0);
  s.release(&s);
  int64_t rows = 0;
  int bad = 0;
  for (;;) {
    struct ArrowArray a;
    if (st.get_next(&st, &a) != 0) {
      bad = 1;
      break;
    }
    if (!a.release) break;
    if (td_check(&a, rows)) bad = 1;
    rows += a.length;
    a.release(&a);
  }
  st.release(&st);
  CHECK(!bad);
  CHECK_EQ_INT(rows, 500);
}

TEST(list_flights_get_schema_list_actions) {
  CHECK_EQ_INT(put_dataset("beta", 1, 10), 0);
  gf_client_flight_list fl;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_list_flights(cl, NULL, NULL, 0, &fl, &err), GF_OK);
  int seen_alpha = 0, seen_beta = 0;
  for (size_t i = 0; i < fl.n; i++) {
    const gf_descriptor* fd = gf_flight_info_descriptor(fl.items[i]);
    if (fd && fd->n_path == 1 && strcmp(fd->path[0], "alpha") == 0) seen_alpha = 1;
    if (fd && fd->n_path == 1 && strcmp(fd->path[0], "beta") == 0)
      seen_beta = gf_flight_info_total_records(fl.items[i]) == 10;
  }
  gf_client_flight_list_clear(&fl);
  CHECK(seen_alpha && seen_beta);
  const char* p[1] = {"beta"};
  gf_descriptor d = path_desc(p);
  struct ArrowSchema s, e;
  CHECK_EQ_INT(gf_client_get_schema(cl, NULL, &d, &s, &err), GF_OK);
  CHECK_EQ_INT(td_schema(&e), 0);
  int eq = gf_schema_equals(&s, &e);
  s.release(&s);
  e.release(&e);
  CHECK(eq);
  gf_client_action_types at;
  CHECK_EQ_INT(gf_client_list_actions(cl, NULL, &at, &err), GF_OK);
  int drop = 0;
  for (size_t i = 0; i < at.n; i++) drop |= strcmp(at.items[i].type, "drop") == 0;
  gf_client_action_types_clear(&at);
  CHECK(drop);
}

TEST(drop_then_not_found_with_details) {
  gf_error err = {0};
  gf_client_bytes_list res;
  CHECK_EQ_INT(gf_client_do_action(cl, NULL, "drop", "beta", 4, &res, &err), GF_OK);
  gf_client_bytes_list_clear(&res);
  const char* p[1] = {"beta"};
  gf_descriptor d = path_desc(p);
  gf_rpc_status* st = gf_rpc_status_create();
  gf_call_options o = {sizeof(o), NULL, 0, 5000, st};
  gf_flight_info* info = NULL;
  int rc = gf_client_get_flight_info(cl, &o, &d, &info, &err);
  CHECK_EQ_INT(rc, GF_NOT_FOUND);
  CHECK(info == NULL);
  CHECK(strstr(err.message, "beta") != NULL);
  CHECK_EQ_INT(gf_rpc_status_grpc_code(st), 5);
  CHECK_EQ_INT(gf_rpc_status_arrow_code(st), 2);
  CHECK_EQ_INT(gf_rpc_status_extra_info(st).len, 0);
  gf_bytes v;
  CHECK(gf_rpc_status_trailer(st, "x-arrow-status-message-bin", &v) == 1);
  CHECK(v.len > 0);
  gf_rpc_status_free(st);
}

TEST(put_half_closed_before_any_batch) {
  const char* p[1] = {"empty"};
  gf_descriptor d = path_desc(p);
  struct ArrowSchema s;
  CHECK_EQ_INT(td_schema(&s), 0);
  gf_put_stream* ps = NULL;
  gf_error err = {0};
  int rc = gf_client_do_put(cl, NULL, &d, &s, &ps, &err);
  s.release(&s);
  CHECK_EQ_INT(rc, GF_OK);
  CHECK_EQ_INT(gf_put_stream_done_writing(ps, &err), GF_OK);
  struct ArrowArray a;
  memset(&a, 0, sizeof(a));
  rc = gf_put_stream_finish(ps, &err);
  gf_put_stream_free(ps);
  CHECK_MSG(rc == GF_OK, "%s", err.message);
  gf_flight_info* info = NULL;
  CHECK_EQ_INT(gf_client_get_flight_info(cl, NULL, &d, &info, &err), GF_OK);
  CHECK_EQ_INT(gf_flight_info_total_records(info), 0);
  gf_bytes t = gf_flight_endpoint_ticket(gf_flight_info_endpoint(info, 0));
  gf_flight_reader* r = NULL;
  rc = gf_client_do_get(cl, NULL, t.data, t.len, &r, &err);
  gf_flight_info_free(info);
  CHECK_EQ_INT(rc, GF_OK);
  struct ArrowSchema rs;
  rc = gf_flight_reader_schema(r, &rs, &err);
  if (rc == GF_OK) rs.release(&rs);
  gf_bytes md;
  int rc2 = rc == GF_OK ? gf_flight_reader_next(r, &a, &md, &err) : rc;
  gf_flight_reader_free(r);
  CHECK_EQ_INT(rc, GF_OK);
  CHECK_EQ_INT(rc2, GF_END_OF_STREAM);
}

TEST(cancelled_do_get_leaves_server_healthy) {
  CHECK_EQ_INT(put_dataset("big", 40, 5000), 0);
  const char* p[1] = {"big"};
  gf_descriptor d = path_desc(p);
  gf_flight_info* info = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_get_flight_info(cl, NULL, &d, &info, &err), GF_OK);
  gf_bytes t = gf_flight_endpoint_ticket(gf_flight_info_endpoint(info, 0));
  for (int i = 0; i < 5; i++) {
    gf_flight_reader* r = NULL;
    CHECK_EQ_INT(gf_client_do_get(cl, NULL, t.data, t.len, &r, &err), GF_OK);
    struct ArrowArray a;
    gf_bytes md;
    CHECK_EQ_INT(gf_flight_reader_next(r, &a, &md, &err), GF_OK);
    if (a.release) a.release(&a);
    gf_flight_reader_free(r); /* cancels mid-stream */
  }
  gf_flight_info_free(info);
  gf_client_action_types at;
  CHECK_EQ_INT(gf_client_list_actions(cl, NULL, &at, &err), GF_OK);
  gf_client_action_types_clear(&at);
}

TEST(short_deadline_on_do_get) {
  const char* p[1] = {"big"};
  gf_descriptor d = path_desc(p);
  gf_flight_info* info = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_get_flight_info(cl, NULL, &d, &info, &err), GF_OK);
  gf_bytes t = gf_flight_endpoint_ticket(gf_flight_info_endpoint(info, 0));
  gf_call_options o = {sizeof(o), NULL, 0, 150, NULL};
  gf_flight_reader* r = NULL;
  int rc = gf_client_do_get(cl, &o, t.data, t.len, &r, &err);
  gf_flight_info_free(info);
  CHECK_EQ_INT(rc, GF_OK);
  struct ArrowArray a;
  gf_bytes md;
  int n = 0;
  while ((rc = gf_flight_reader_next(r, &a, &md, &err)) == GF_OK) {
    if (a.release) a.release(&a);
    if (n++ == 0) test_sleep_ms(400); /* slow consumer: the deadline passes */
  }
  gf_flight_reader_free(r);
  CHECK_MSG(rc == GF_TIMED_OUT, "rc=%d %s", rc, err.message);
}

TEST(unimplemented_methods) {
  gf_error err = {0};
  gf_client_bytes_list hs;
  gf_bytes pl = {(const uint8_t*)"hi", 2};
  gf_rpc_status* st = gf_rpc_status_create();
  gf_call_options o = {sizeof(o), NULL, 0, 5000, st};
  int rc = gf_client_handshake(cl, &o, &pl, 1, &hs, &err);
  CHECK_EQ_INT(rc, GF_UNIMPLEMENTED);
  CHECK_EQ_INT(gf_rpc_status_grpc_code(st), 12);
  gf_rpc_status_free(st);
  const char* p[1] = {"alpha"};
  gf_descriptor d = path_desc(p);
  gf_client_poll_info pi;
  CHECK_EQ_INT(gf_client_poll_flight_info(cl, NULL, &d, &pi, &err), GF_UNIMPLEMENTED);
}

int main(void) {
  test_watchdog(120);
  if (!test_have_server("store")) {
    fprintf(stderr, "skipping: server binary or libstore.so not built\n");
    TEST_MAIN_END();
  }
  if (test_server_start(&srv, "store", NULL) != 0) {
    fprintf(stderr, "cannot start the server\n");
    return 1;
  }
  gf_error err = {0};
  gf_client_options co = {0};
  co.default_deadline_ms = 20000;
  if (gf_client_create(srv.uri, &co, &cl, &err)) return 1;
  RUN(do_put_get_flight_info_do_get);
  RUN(do_get_as_arrow_stream);
  RUN(list_flights_get_schema_list_actions);
  RUN(drop_then_not_found_with_details);
  RUN(put_half_closed_before_any_batch);
  RUN(cancelled_do_get_leaves_server_healthy);
  RUN(short_deadline_on_do_get);
  RUN(unimplemented_methods);
  gf_client_free(cl);
  int rc = test_server_stop(&srv);
  if (rc != 0) gf_test_failed++;
  TEST_MAIN_END();
}
