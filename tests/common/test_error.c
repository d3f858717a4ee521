/* Tests for src/common: gf_error helpers and status names. */
#include "gooddata_flight_server/common.h"

#include <errno.h>
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
  CHECK_EQ_STR(gf_status_name(5), "invalid_status"); /* an errno value (EIO) is not a status */
  CHECK_EQ_STR(gf_status_name(GF_END_OF_STREAM + 1), "invalid_status");
}

TEST(statuses_do_not_overlap_errno) {
  /* errno values on Linux stay below 256; every non-OK status is above. */
  const gf_status all[] = {GF_UNKNOWN,       GF_INTERNAL,        GF_INVALID_ARGUMENT,
                           GF_TIMED_OUT,     GF_NOT_FOUND,       GF_ALREADY_EXISTS,
                           GF_CANCELLED,     GF_UNAUTHENTICATED, GF_UNAUTHORIZED,
                           GF_UNIMPLEMENTED, GF_UNAVAILABLE,     GF_RESOURCE_EXHAUSTED,
                           GF_NO_MEMORY,     GF_IO_ERROR,        GF_END_OF_STREAM};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
    CHECK(all[i] > 255);
    CHECK(strcmp(gf_status_name(all[i]), "invalid_status") != 0);
  }
}

TEST(errno_mapping_both_ways) {
  CHECK_EQ_INT(gf_status_from_errno(0), GF_OK);
  CHECK_EQ_INT(gf_status_from_errno(ENOMEM), GF_NO_MEMORY);
  CHECK_EQ_INT(gf_status_from_errno(EINVAL), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_status_from_errno(EIO), GF_IO_ERROR);
  CHECK_EQ_INT(gf_status_from_errno(ECANCELED), GF_CANCELLED);
  CHECK_EQ_INT(gf_status_from_errno(EXDEV), GF_UNKNOWN);
  CHECK_EQ_INT(gf_status_from_errno(GF_NOT_FOUND), GF_NOT_FOUND); /* already a status */
  CHECK_EQ_INT(gf_status_to_errno(GF_OK), 0);
  CHECK_EQ_INT(gf_status_to_errno(GF_NO_MEMORY), ENOMEM);
  CHECK_EQ_INT(gf_status_to_errno(GF_IO_ERROR), EIO);
  CHECK_EQ_INT(gf_status_to_errno(GF_INTERNAL), EINVAL);
  CHECK_EQ_INT(gf_status_from_errno(gf_status_to_errno(GF_CANCELLED)), GF_CANCELLED);
}

int main(void) {
  RUN(error_set_formats_and_returns_code);
  RUN(error_prefix_adds_context);
  RUN(error_truncates_long_messages);
  RUN(status_names);
  RUN(statuses_do_not_overlap_errno);
  RUN(errno_mapping_both_ways);
  TEST_MAIN_END();
}
