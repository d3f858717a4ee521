/* C client typed protocol actions against the integration example: basic-auth
 * Handshake and token use, CancelFlightInfo / RenewFlightEndpoint, the
 * session actions with the session cookie, PollFlightInfo progress and
 * expiration; plus the action-message codecs on their own (round trips and
 * malformed bytes). Skips when the binaries are not built. */
#include "client/client_harness.h"
#include "gooddata_flight_server/handshake_auth.h"
#include "test.h"

static gf_client* connect_to(test_server* s, const char* scenario) {
  char extra[200];
  snprintf(extra, sizeof(extra), "[integration]\nscenario = \"%s\"\n", scenario);
  if (test_server_start(s, "integration", extra) != 0) return NULL;
  gf_client* c = NULL;
  gf_client_options co = {0};
  co.default_deadline_ms = 20000;
  gf_error err = {0};
  return gf_client_create(s->uri, &co, &c, &err) == GF_OK ? c : NULL;
}

static gf_descriptor cmd(const char* text) {
  gf_descriptor d;
  memset(&d, 0, sizeof(d));
  d.type = GF_DESCRIPTOR_CMD;
  d.cmd = (gf_bytes){(const uint8_t*)text, strlen(text)};
  return d;
}

TEST(codecs_round_trip_and_reject_garbage) {
  gf_error err = {0};
  gf_session_options* o = gf_session_options_create();
  const char* list[] = {"a", " ", "(づ｡◕‿‿◕｡)づ"};
  CHECK_EQ_INT(gf_session_options_set_int64(o, "n", -5), GF_OK);
  CHECK_EQ_INT(gf_session_options_set_string_list(o, "l", list, 3), GF_OK);
  CHECK_EQ_INT(gf_session_options_set_unset(o, "gone"), GF_OK);
  CHECK_EQ_INT(gf_session_options_set_bool(o, "n", 1), GF_OK); /* replaces */
  uint8_t* p = NULL;
  size_t n = 0;
  CHECK_EQ_INT(gf_session_options_serialize(o, &p, &n, &err), GF_OK);
  gf_session_options* back = NULL;
  CHECK_EQ_INT(gf_session_options_parse((gf_bytes){p, n}, &back, &err), GF_OK);
  CHECK_EQ_INT((int)gf_session_options_count(back), 3);
  long i = gf_session_options_find(back, "n");
  CHECK(i >= 0 && gf_session_options_type(back, (size_t)i) == GF_SESSION_VALUE_BOOL);
  i = gf_session_options_find(back, "l");
  CHECK(i >= 0 && gf_session_options_list_len(back, (size_t)i) == 3);
  CHECK(strcmp(gf_session_options_list_at(back, (size_t)i, 2), list[2]) == 0);
  i = gf_session_options_find(back, "gone");
  CHECK(i >= 0 && gf_session_options_type(back, (size_t)i) == GF_SESSION_VALUE_UNSET);
  free(p);
  gf_session_options_free(back);
  gf_session_options_free(o);

  static const uint8_t junk[] = {0x0a, 0x7f, 0x01, 0x02};
  gf_bytes bad = {junk, sizeof(junk)};
  gf_flight_info* info = NULL;
  gf_flight_endpoint* ep = NULL;
  gf_set_session_result* r = NULL;
  CHECK_EQ_INT(gf_session_options_parse(bad, &back, &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_cancel_flight_info_request_parse(bad, &info, &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_renew_flight_endpoint_request_parse(bad, &ep, &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_set_session_result_parse(bad, &r, &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_cancel_flight_info_request_parse((gf_bytes){NULL, 0}, &info, &err),
               GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "info") != NULL);

  ep = gf_flight_endpoint_create("t", 1);
  gf_flight_endpoint_set_expiration(ep, 1700000000, 5);
  CHECK_EQ_INT(gf_flight_endpoint_add_location(ep, "arrow-flight-reuse-connection://?"), GF_OK);
  CHECK_EQ_INT(gf_renew_flight_endpoint_request_serialize(ep, &p, &n, &err), GF_OK);
  gf_flight_endpoint* ep2 = NULL;
  CHECK_EQ_INT(gf_renew_flight_endpoint_request_parse((gf_bytes){p, n}, &ep2, &err), GF_OK);
  int64_t s = 0;
  int32_t ns = 0;
  CHECK(gf_flight_endpoint_expiration(ep2, &s, &ns) && s == 1700000000 && ns == 5);
  CHECK(strcmp(gf_flight_endpoint_location(ep2, 0), "arrow-flight-reuse-connection://?") == 0);
  free(p);
  gf_flight_endpoint_free(ep);
  gf_flight_endpoint_free(ep2);
}

TEST(basic_auth_handshake_token) {
  test_server srv;
  gf_client* c = connect_to(&srv, "auth:basic_proto");
  CHECK(c != NULL);
  if (!c) return;
  gf_error err = {0};
  gf_client_bytes_list res;
  CHECK_EQ_INT(gf_client_do_action(c, NULL, "", NULL, 0, &res, &err), GF_UNAUTHENTICATED);
  gf_bytes token;
  CHECK_EQ_INT(gf_client_authenticate_basic(c, NULL, "arrow", "nope", &token, &err),
               GF_UNAUTHENTICATED);
  CHECK_EQ_INT(gf_client_authenticate_basic(c, NULL, "arrow", "flight", &token, &err), GF_OK);
  CHECK(token.len > 16);
  gf_header h = {GF_BASIC_AUTH_TOKEN_HEADER, token.data, token.len};
  gf_call_options o = {sizeof(o), &h, 1, 0, NULL};
  CHECK_EQ_INT(gf_client_do_action(c, &o, "", NULL, 0, &res, &err), GF_OK);
  CHECK(res.n == 1 && res.items[0].len == 5 && memcmp(res.items[0].data, "arrow", 5) == 0);
  gf_client_bytes_list_clear(&res);
  free((void*)token.data);
  gf_client_free(c);
  CHECK_EQ_INT(test_server_stop(&srv), 0);
}

TEST(cancel_and_renew) {
  test_server srv;
  gf_client* c = connect_to(&srv, "expiration_time:cancel_flight_info");
  CHECK(c != NULL);
  if (!c) return;
  gf_error err = {0};
  gf_descriptor d = cmd("expiration");
  gf_flight_info* info = NULL;
  CHECK_EQ_INT(gf_client_get_flight_info(c, NULL, &d, &info, &err), GF_OK);
  CHECK_EQ_INT((int)gf_flight_info_endpoint_count(info), 3);

  const gf_flight_endpoint* e1 = gf_flight_info_endpoint(info, 1);
  int64_t s0 = 0, s1 = 0;
  int32_t n0 = 0, n1 = 0;
  CHECK(gf_flight_endpoint_expiration(e1, &s0, &n0));
  gf_flight_endpoint* renewed = NULL;
  CHECK_EQ_INT(gf_client_renew_flight_endpoint(c, NULL, e1, &renewed, &err), GF_OK);
  CHECK(renewed && gf_flight_endpoint_expiration(renewed, &s1, &n1));
  CHECK(s1 > s0 || (s1 == s0 && n1 > n0));
  gf_bytes t = gf_flight_endpoint_ticket(renewed);
  CHECK(t.len > 24 && memcmp(t.data + t.len - 24, ": renewed (+ 10 seconds)", 24) == 0);
  gf_flight_endpoint_free(renewed);

  gf_cancel_status st = GF_CANCEL_STATUS_UNSPECIFIED;
  CHECK_EQ_INT(gf_client_cancel_flight_info(c, NULL, info, &st, &err), GF_OK);
  CHECK_EQ_INT(st, GF_CANCEL_STATUS_CANCELLED);
  CHECK_EQ_INT(gf_client_cancel_flight_info(c, NULL, info, &st, &err), GF_OK);
  CHECK_EQ_INT(st, GF_CANCEL_STATUS_NOT_CANCELLABLE);
  CHECK_EQ_INT(gf_client_renew_flight_endpoint(c, NULL, e1, &renewed, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "canceled") != NULL);
  gf_flight_reader* r = NULL;
  int rc = gf_client_do_get(c, NULL, gf_flight_endpoint_ticket(e1).data,
                            gf_flight_endpoint_ticket(e1).len, &r, &err);
  struct ArrowSchema schema;
  if (rc == GF_OK) rc = gf_flight_reader_schema(r, &schema, &err);
  CHECK_EQ_INT(rc, GF_NOT_FOUND);
  gf_flight_reader_free(r);
  gf_flight_info_free(info);
  gf_client_free(c);
  CHECK_EQ_INT(test_server_stop(&srv), 0);
}

TEST(session_options_with_cookie) {
  test_server srv;
  gf_client* c = connect_to(&srv, "session_options");
  CHECK(c != NULL);
  if (!c) return;
  gf_error err = {0};
  gf_session_options* o = gf_session_options_create();
  gf_session_options_set_int64(o, "foolong", 123);
  gf_session_options_set_double(o, "bardouble", 456.0);
  gf_session_options_set_string(o, "lol_invalid", "x");
  gf_session_options_set_string(o, "key_with_invalid_value", "lol_invalid");
  gf_rpc_status* st = gf_rpc_status_create();
  gf_call_options co = {sizeof(co), NULL, 0, 0, st};
  gf_set_session_result* res = NULL;
  CHECK_EQ_INT(gf_client_set_session_options(c, &co, o, &res, &err), GF_OK);
  CHECK_EQ_INT((int)gf_set_session_result_count(res), 2);
  for (size_t i = 0; i < gf_set_session_result_count(res); i++) {
    const char* nm = gf_set_session_result_name(res, i);
    CHECK_EQ_INT(gf_set_session_result_error(res, i),
                 strcmp(nm, "lol_invalid") == 0 ? GF_SESSION_OPTION_ERROR_INVALID_NAME
                                                : GF_SESSION_OPTION_ERROR_INVALID_VALUE);
  }
  gf_set_session_result_free(res);
  char* id = NULL;
  CHECK(gf_rpc_status_cookie(st, "arrow_flight_session_id", &id) == 1 && id && *id);
  char cookie[200];
  snprintf(cookie, sizeof(cookie), "arrow_flight_session_id=%s", id ? id : "");
  gf_header h = {"cookie", cookie, strlen(cookie)};
  gf_call_options with = {sizeof(with), &h, 1, 0, st};

  gf_session_options* got = NULL;
  CHECK_EQ_INT(gf_client_get_session_options(c, NULL, &got, &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_client_get_session_options(c, &with, &got, &err), GF_OK);
  CHECK_EQ_INT((int)gf_session_options_count(got), 2);
  long i = gf_session_options_find(got, "foolong");
  CHECK(i >= 0 && gf_session_options_type(got, (size_t)i) == GF_SESSION_VALUE_INT64 &&
        gf_session_options_int64(got, (size_t)i) == 123);
  i = gf_session_options_find(got, "bardouble");
  CHECK(i >= 0 && gf_session_options_double(got, (size_t)i) == 456.0);
  gf_session_options_free(got);

  gf_close_session_status cs = GF_CLOSE_SESSION_UNSPECIFIED;
  CHECK_EQ_INT(gf_client_close_session(c, &with, &cs, &err), GF_OK);
  CHECK_EQ_INT(cs, GF_CLOSE_SESSION_CLOSED);
  char* after = NULL;
  CHECK_EQ_INT(gf_rpc_status_cookie(st, "arrow_flight_session_id", &after), 0);
  CHECK_EQ_INT(gf_client_get_session_options(c, &with, &got, &err), GF_INVALID_ARGUMENT);
  free(id);
  gf_rpc_status_free(st);
  gf_session_options_free(o);
  gf_client_free(c);
  CHECK_EQ_INT(test_server_stop(&srv), 0);
}

TEST(poll_progress_and_expiration) {
  test_server srv;
  gf_client* c = connect_to(&srv, "poll_flight_info");
  CHECK(c != NULL);
  if (!c) return;
  gf_error err = {0};
  gf_descriptor d = cmd("heavy query");
  gf_client_poll_info p;
  CHECK_EQ_INT(gf_client_poll_flight_info(c, NULL, &d, &p, &err), GF_OK);
  CHECK(p.descriptor != NULL && p.has_progress && p.progress > 0.09 && p.progress < 0.11);
  CHECK(p.has_expiration && p.expiration_seconds > 1700000000);
  CHECK(p.info && gf_flight_info_descriptor(p.info) != NULL);
  gf_client_poll_info done;
  CHECK_EQ_INT(gf_client_poll_flight_info(c, NULL, p.descriptor, &done, &err), GF_OK);
  CHECK(done.descriptor == NULL && done.has_progress && done.progress == 1.0 && !done.has_expiration);
  gf_client_poll_info_clear(&p);
  gf_client_poll_info_clear(&done);
  gf_client_free(c);
  CHECK_EQ_INT(test_server_stop(&srv), 0);
}

int main(void) {
  test_watchdog(120);
  RUN(codecs_round_trip_and_reject_garbage);
  if (!test_have_server("integration")) {
    fprintf(stderr, "skipping server tests: server binary or libintegration.so not built\n");
    TEST_MAIN_END();
  }
  RUN(basic_auth_handshake_token);
  RUN(cancel_and_renew);
  RUN(session_options_with_cookie);
  RUN(poll_progress_and_expiration);
  TEST_MAIN_END();
}
