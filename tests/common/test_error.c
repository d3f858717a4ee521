/* Tests for src/common: gf_error helpers and status names. */
#include "gooddata_flight_server/common.h"
#include "test.h"

TEST(error_set_formats_and_returns_code) {
  gf_error err;
  int rc = gf_error_set(&err, GF_INVALID_ARGUMENT, "bad %s at %d", "field", 7);
  CHECK_EQ_INT(rc, GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(err.code, GF_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "bad field at 7");
  CHECK_EQ_INT(gf_error_set(NULL, GF_IO_ERROR, "x"), GF_IO_ERROR);
}

TEST(error_prefix_adds_context) {
  gf_error err;
  gf_error_set(&err, GF_NOT_FOUND, "no such key");
  gf_error_prefix(&err, "config %s", "a.toml");
  CHECK_EQ_STR(err.message, "config a.toml: no such key");
}

TEST(error_truncates_long_messages) {
  gf_error err;
  char big[2000];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = 0;
  gf_error_set(&err, GF_INTERNAL, "%s", big);
  CHECK_EQ_INT(strlen(err.message), GF_ERROR_MESSAGE_SIZE - 1);
}

TEST(status_names) {
  CHECK_EQ_STR(gf_status_name(GF_OK), "ok");
  CHECK_EQ_STR(gf_status_name(GF_UNAUTHENTICATED), "unauthenticated");
  CHECK_EQ_STR(gf_status_name(GF_END_OF_STREAM), "end_of_stream");
  CHECK_EQ_STR(gf_status_name(999), "invalid_status");
}

int main(void) {
  RUN(error_set_formats_and_returns_code);
  RUN(error_prefix_adds_context);
  RUN(error_truncates_long_messages);
  RUN(status_names);
  TEST_MAIN_END();
}
