/* ErrorCode names/flags, ErrorInfo JSON (golden strings, truncation by code
 * points, parsing), raising per Flight error class, RetryInfo and POLL. */
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/grpc_status.h"
#include "common/json.h"
#include "rpc/errors.h"
#include "transport/client_call.h"
#include "common/utf8.h"
#include "rpc/fake_call.h"
#include "gooddata_flight_server/errors.h"
#include "gooddata_flight_server/log.h"
#include "test.h"

TEST(code_values) {
  CHECK_EQ_INT(GF_EC_POLL, 0x10065);
  CHECK_EQ_INT(GF_EC_POLL, 65637);
  CHECK_EQ_INT(GF_EC_BACKPRESSURE, 196710);
  CHECK_EQ_INT(GF_EC_INTERNAL_ERROR, 131572);
  CHECK_EQ_INT(GF_EC_NOT_READY, 197109);
  CHECK_EQ_INT(GF_EC_SHUTTING_DOWN, 131574);
  CHECK_EQ_INT(GF_EC_NOT_IMPLEMENTED, 503);
  CHECK_EQ_INT(GF_EC_TIMEOUT, 100);
  CHECK_EQ_INT(GF_EC_COMMAND_RESULT_CONSUMED, 8);
}

TEST(code_names) {
  static const struct { int32_t code; const char* name; } cases[] = {
      {0, "unknown (0)"}, {1, "bad_argument (1)"}, {2, "bad_request (2)"},
      {3, "unsupported_service (3)"}, {4, "invalid_ticket (4)"}, {5, "command_failed (5)"},
      {6, "command_cancelled (6)"}, {7, "command_cancel_not_possible (7)"},
      {8, "command_result_consumed (8)"}, {100, "timeout (100)"}, {GF_EC_POLL, "poll (101)"},
      {GF_EC_BACKPRESSURE, "backpressure (102)"}, {GF_EC_INTERNAL_ERROR, "internal_error (500)"},
      {GF_EC_NOT_READY, "not_ready (501)"}, {GF_EC_SHUTTING_DOWN, "shutting_down (502)"},
      {503, "not_implemented (503)"}, {1000, "custom (1000)"}, {0x30000 | 1500, "custom (1500)"},
      {666, "unknown (666)"}, {-3, "unknown (-3)"}};
  char buf[64];
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    CHECK_EQ_STR(gf_error_code_name(cases[i].code, buf, sizeof(buf)), cases[i].name);
  char tiny[5];
  CHECK_EQ_STR(gf_error_code_name(GF_EC_POLL, tiny, sizeof(tiny)), "poll");
}

TEST(retry_flags) {
  CHECK(gf_error_code_is_retry_here(GF_EC_POLL) && !gf_error_code_is_retry_other(GF_EC_POLL));
  CHECK(!gf_error_code_is_retry_any(GF_EC_POLL) && gf_error_code_is_retryable(GF_EC_POLL));
  CHECK(gf_error_code_is_retry_here(GF_EC_NOT_READY) && gf_error_code_is_retry_other(GF_EC_NOT_READY));
  CHECK(gf_error_code_is_retry_any(GF_EC_BACKPRESSURE));
  CHECK(!gf_error_code_is_retry_here(GF_EC_SHUTTING_DOWN) && gf_error_code_is_retry_other(GF_EC_SHUTTING_DOWN));
  CHECK(!gf_error_code_is_retryable(GF_EC_BAD_ARGUMENT) && !gf_error_code_is_retryable(GF_EC_TIMEOUT));
}

static char* to_json(const gf_error_info* info) {
  char* s = NULL;
  size_t n = 0;
  if (gf_error_info_to_json(info, &s, &n, NULL) != GF_OK) return NULL;
  if (strlen(s) != n) { free(s); return NULL; }
  return s;
}

TEST(json_golden) {
  gf_error_info info;
  CHECK_EQ_INT(gf_error_info_init(&info, GF_EC_NOT_READY, "Try again later."), GF_OK);
  char* s = to_json(&info);
  CHECK_EQ_STR(s, "{\"msg\":\"Try again later.\",\"detail\":null,\"code\":197109,\"body\":null}");
  free(s);
  gf_error_info_set_detail(&info, "line1\n\"q\" \xc4\x8d");
  gf_error_info_set_body(&info, "hello", 5);
  info.code = GF_EC_COMMAND_FAILED;
  s = to_json(&info);
  CHECK_EQ_STR(s, "{\"msg\":\"Try again later.\",\"detail\":\"line1\\n\\\"q\\\" \xc4\x8d\",\"code\":5,"
                  "\"body\":\"aGVsbG8=\"}");
  free(s);
  gf_error_info_set_body(&info, "", 0); /* empty body -> null */
  gf_error_info_set_msg(&info, NULL);
  gf_error_info_set_detail(&info, NULL);
  s = to_json(&info);
  CHECK_EQ_STR(s, "{\"msg\":null,\"detail\":null,\"code\":5,\"body\":null}");
  free(s);
  gf_error_info_clear(&info);
}

static char* repeat(const char* unit, size_t n) {
  size_t u = strlen(unit);
  char* s = malloc(u * n + 1);
  for (size_t i = 0; i < n; i++) memcpy(s + i * u, unit, u);
  s[u * n] = '\0';
  return s;
}

TEST(truncation_counts_code_points) {
  gf_error_info info = {0};
  char* exact = repeat("\xc3\xa9", 256); /* 256 x é = 512 bytes: no truncation */
  gf_error_info_set_msg(&info, exact);
  CHECK_EQ_STR(info.msg, exact);
  char* long_msg = repeat("\xc3\xa9", 300);
  gf_error_info_set_msg(&info, long_msg);
  size_t len = strlen(info.msg); /* exactly 256 + 12 code points */
  CHECK_EQ_INT(gf__utf8_prefix(info.msg, len, 256 + 12), len);
  CHECK(gf__utf8_prefix(info.msg, len, 256 + 11) < len);
  CHECK(strncmp(info.msg, exact, 512) == 0);
  CHECK_EQ_STR(info.msg + 512, " [truncated]");
  char* emoji = repeat("\xf0\x9f\x98\x80", 600);
  gf_error_info_set_detail(&info, emoji);
  CHECK_EQ_INT(strlen(info.detail), 512 * 4 + 12);
  CHECK_EQ_STR(info.detail + 2048, " [truncated]");
  /* members set directly are truncated when serialised */
  gf_error_info direct = {0};
  direct.msg = long_msg;
  char* s = to_json(&direct);
  gf_error_info back;
  CHECK_EQ_INT(gf_error_info_from_json(s, strlen(s), &back, NULL), GF_OK);
  CHECK_EQ_STR(back.msg, info.msg);
  gf_error_info_clear(&back);
  free(s);
  free(exact);
  free(long_msg);
  free(emoji);
  gf_error_info_clear(&info);
}

TEST(from_json) {
  const char* j = "{\"msg\":\"m\xc3\xa9\",\"detail\":\"d\",\"code\":65637,\"body\":\"AAEC/w==\"}";
  gf_error_info info;
  CHECK_EQ_INT(gf_error_info_from_json(j, strlen(j), &info, NULL), GF_OK);
  CHECK_EQ_STR(info.msg, "m\xc3\xa9");
  CHECK_EQ_STR(info.detail, "d");
  CHECK_EQ_INT(info.code, GF_EC_POLL);
  CHECK_EQ_INT(info.body_len, 4);
  CHECK(info.body[0] == 0 && info.body[3] == 0xff);
  char* s = to_json(&info);
  CHECK_EQ_STR(s, j);
  free(s);
  gf_error_info_clear(&info);
  CHECK_EQ_INT(gf_error_info_from_json("{}", 2, &info, NULL), GF_OK); /* missing keys */
  CHECK(info.msg == NULL && info.detail == NULL && info.code == 0 && info.body == NULL);
  const char* bad[] = {"[1]", "{\"msg\":1}", "{\"code\":\"x\"}", "{\"body\":\"@@\"}", "nope",
                       "{\"code\":1.5}"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    gf_error err = {0};
    CHECK_EQ_INT(gf_error_info_from_json(bad[i], strlen(bad[i]), &info, &err), GF_INVALID_ARGUMENT);
    CHECK(strncmp(err.message, "Unable to parser ErrorInfo from binary representation: '",
                  strlen("Unable to parser ErrorInfo from binary representation: '")) == 0);
    CHECK(strcmp(err.message + strlen(err.message) - 2, "'.") == 0);
  }
}

TEST(from_extra_info_placeholder) {
  gf_error_info info;
  CHECK_EQ_INT(gf_error_info_from_extra_info(NULL, 0, "arrow_msg", &info), GF_OK);
  CHECK_EQ_INT(info.code, 0);
  CHECK_EQ_STR(info.msg, "Call failed with error that does not contain ErrorInfo. The error "
                         "message was: arrow_msg");
  gf_error_info_clear(&info);
  const char* j = "{\"msg\":\"x\",\"detail\":null,\"code\":4,\"body\":null}";
  CHECK_EQ_INT(gf_error_info_from_extra_info(j, strlen(j), "ignored", &info), GF_OK);
  CHECK_EQ_INT(info.code, 4);
  gf_error_info_clear(&info);
}

TEST(raise_per_flight_class) {
  const int classes[] = {GF_UNKNOWN, GF_TIMED_OUT, GF_INTERNAL, GF_CANCELLED,
                         GF_UNAVAILABLE, GF_UNAUTHENTICATED, GF_UNAUTHORIZED};
  for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
    gf_call call;
    fake_call_init(&call);
    gf_error_info info;
    gf_error_info_init(&info, GF_EC_INVALID_TICKET, "Bad ticket %d.", (int)i);
    CHECK_EQ_INT(gf_call_error_info(&call, classes[i], &info), classes[i]);
    CHECK_EQ_INT(call.err_code, classes[i]);
    char expect_msg[32], expect_json[128];
    snprintf(expect_msg, sizeof(expect_msg), "Bad ticket %d.", (int)i);
    snprintf(expect_json, sizeof(expect_json),
             "{\"msg\":\"Bad ticket %d.\",\"detail\":null,\"code\":4,\"body\":null}", (int)i);
    CHECK_EQ_STR(call.err_msg, expect_msg);
    CHECK_EQ_STR(fake_call_extra(&call), expect_json);
    gf_error_info_clear(&info);
    fake_call_free(&call);
  }
}

TEST(raise_helpers) {
  gf_call call;
  fake_call_init(&call);
  CHECK_EQ_INT(gf_error_info_bad_argument(&call, "column 'x' unknown"), GF_UNKNOWN);
  CHECK_EQ_STR(fake_call_extra(&call),
               "{\"msg\":\"column 'x' unknown\",\"detail\":null,\"code\":1,\"body\":null}");
  fake_call_free(&call);
  fake_call_init(&call);
  CHECK_EQ_INT(gf_call_error_code(&call, GF_UNAVAILABLE, GF_EC_SHUTTING_DOWN, "Server is %s.",
                                  "shutting down"),
               GF_UNAVAILABLE);
  CHECK_EQ_STR(call.err_msg, "Server is shutting down.");
  CHECK_EQ_STR(fake_call_extra(&call),
               "{\"msg\":\"Server is shutting down.\",\"detail\":null,\"code\":131574,\"body\":null}");
  fake_call_free(&call);
  fake_call_init(&call);
  gf_error_info none = {0};
  CHECK_EQ_INT(gf_call_error_info(&call, GF_OK, &none), GF_UNKNOWN);
  fake_call_free(&call);
}

static gf_descriptor cmd_descriptor(const char* cmd) {
  gf_descriptor d = {GF_DESCRIPTOR_CMD, {(const uint8_t*)cmd, strlen(cmd)}, 0, NULL};
  return d;
}

TEST(retry_info_round_trip) {
  static const char* const path[] = {"a", "b\xc3\xa9"};
  gf_descriptor retry = cmd_descriptor("{\"retry\":1}");
  gf_descriptor cancel = {GF_DESCRIPTOR_PATH, {NULL, 0}, 2, path};
  gf_flight_info* fi = gf_flight_info_create();
  gf_flight_info_set_descriptor(fi, &retry);
  gf_flight_info_set_total_records(fi, 42);
  gf_flight_info_add_endpoint(fi, "tick", 4);
  gf_retry_info ri = {fi, &retry, &cancel};
  char* json = NULL;
  size_t n = 0;
  CHECK_EQ_INT(gf_retry_info_to_json(&ri, &json, &n, NULL), GF_OK);
  CHECK(strncmp(json, "{\"flight_info\":\"", 16) == 0);
  CHECK(strstr(json, "\",\"retry_descriptor\":\"") != NULL);
  gf_retry_info_parsed p;
  CHECK_EQ_INT(gf_retry_info_from_json(json, n, &p, NULL), GF_OK);
  CHECK(p.flight_info != NULL && gf_flight_info_total_records(p.flight_info) == 42);
  CHECK_EQ_INT(gf_flight_info_endpoint_count(p.flight_info), 1);
  CHECK(p.retry_descriptor && p.retry_descriptor->type == GF_DESCRIPTOR_CMD);
  CHECK(p.retry_descriptor->cmd.len == retry.cmd.len &&
        memcmp(p.retry_descriptor->cmd.data, retry.cmd.data, retry.cmd.len) == 0);
  CHECK(p.cancel_descriptor && p.cancel_descriptor->type == GF_DESCRIPTOR_PATH);
  CHECK(p.cancel_descriptor->n_path == 2);
  CHECK_EQ_STR(p.cancel_descriptor->path[1], "b\xc3\xa9");
  gf_retry_info_parsed_clear(&p);
  free(json);
  gf_flight_info_free(fi);

  gf_retry_info empty = {0};
  CHECK_EQ_INT(gf_retry_info_to_json(&empty, &json, &n, NULL), GF_OK);
  CHECK_EQ_STR(json, "{\"flight_info\":null,\"retry_descriptor\":null,\"cancel_descriptor\":null}");
  CHECK_EQ_INT(gf_retry_info_from_json(json, n, &p, NULL), GF_OK);
  CHECK(p.flight_info == NULL && p.retry_descriptor == NULL && p.cancel_descriptor == NULL);
  free(json);
  gf_error err = {0};
  CHECK_EQ_INT(gf_retry_info_from_json("{\"retry_descriptor\":\"!!\"}", 24, &p, &err),
               GF_INVALID_ARGUMENT);
  CHECK(strncmp(err.message, "Unable to decode retry info from binary representation: ", 56) == 0);
}

TEST(poll_error) {
  gf_call call;
  fake_call_init(&call);
  gf_descriptor retry = cmd_descriptor("again");
  gf_retry_info ri = {NULL, &retry, NULL};
  CHECK_EQ_INT(gf_call_error_poll(&call, &ri), GF_TIMED_OUT);
  CHECK_EQ_INT(call.err_code, GF_TIMED_OUT);
  CHECK_EQ_STR(call.err_msg, "Work in progress. Retry.");
  gf_error_info info;
  CHECK_EQ_INT(gf_error_info_from_json(call.err_extra, call.err_extra_len, &info, NULL), GF_OK);
  CHECK_EQ_INT(info.code, GF_EC_POLL);
  CHECK_EQ_STR(info.msg, "Work in progress. Retry.");
  CHECK(info.detail == NULL && info.body != NULL);
  gf_retry_info_parsed p;
  CHECK_EQ_INT(gf_retry_info_from_json(info.body, info.body_len, &p, NULL), GF_OK);
  CHECK(p.flight_info == NULL && p.cancel_descriptor == NULL);
  CHECK(p.retry_descriptor && p.retry_descriptor->cmd.len == 5);
  gf_retry_info_parsed_clear(&p);
  gf_error_info_clear(&info);
  fake_call_free(&call);
}

/* The client transport's reading of a gRPC code and the server's ErrorInfo
 * for gate errors both follow the one map (common/grpc_status.h). */
TEST(one_grpc_status_map) {
  for (int g = -1; g <= GF__GRPC_CODES; g++)
    CHECK_MSG(gf__grpc_code_to_status(g) == gf__status_from_grpc(g), "gRPC %d", g);
  char* json = gf__error_info_json("Try again later.", GF__ERRCODE_NOT_READY);
  CHECK_EQ_STR(json, "{\"msg\":\"Try again later.\",\"detail\":null,\"code\":197109,\"body\":null}");
  free(json);
}

int main(void) {
  /* Pull in the logging module first: the flight archive (linked after the
   * server archive) logs through it. */
  (void)gf_logger_get("test_errors");
  RUN(one_grpc_status_map);
  RUN(code_values);
  RUN(code_names);
  RUN(retry_flags);
  RUN(json_golden);
  RUN(truncation_counts_code_points);
  RUN(from_json);
  RUN(from_extra_info_placeholder);
  RUN(raise_per_flight_class);
  RUN(raise_helpers);
  RUN(retry_info_round_trip);
  RUN(poll_error);
  TEST_MAIN_END();
}
