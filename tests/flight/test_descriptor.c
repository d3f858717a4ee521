/* Public descriptor (de)serialisation (gf_descriptor_deserialize /
 * gf_descriptor_free in flight.h): PATH and CMD round trips through
 * gf_descriptor_serialize, malformed bytes and bad arguments, and RetryInfo
 * descriptors decoded through it. Single-threaded. */
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/errors.h"
#include "gooddata_flight_server/flight.h"
#include "test.h"

static gf_descriptor* round_trip(const gf_descriptor* d) {
  uint8_t* bytes = NULL;
  size_t len = 0;
  gf_descriptor* out = NULL;
  if (gf_descriptor_serialize(d, &bytes, &len, NULL) != GF_OK) return NULL;
  int rc = gf_descriptor_deserialize(bytes, len, &out, NULL);
  free(bytes);
  return rc == GF_OK ? out : NULL;
}

TEST(path_round_trip) {
  const char* path[] = {"a", "b\xC3\xA9", ""};
  gf_descriptor d = {.type = GF_DESCRIPTOR_PATH, .path = path, .n_path = 3};
  gf_descriptor* r = round_trip(&d);
  CHECK(r != NULL);
  if (!r) return;
  CHECK_EQ_INT(r->type, GF_DESCRIPTOR_PATH);
  CHECK_EQ_INT(r->n_path, 3);
  CHECK_EQ_STR(r->path[0], "a");
  CHECK_EQ_STR(r->path[1], "b\xC3\xA9");
  CHECK_EQ_STR(r->path[2], "");
  CHECK_EQ_INT(r->cmd.len, 0);
  gf_descriptor_free(r);
}

TEST(cmd_round_trip_with_nul_bytes) {
  const uint8_t cmd[] = {'q', 0, 1, 0xFF};
  gf_descriptor d = {.type = GF_DESCRIPTOR_CMD, .cmd = {cmd, sizeof(cmd)}};
  gf_descriptor* r = round_trip(&d);
  CHECK(r != NULL);
  if (!r) return;
  CHECK_EQ_INT(r->type, GF_DESCRIPTOR_CMD);
  CHECK_EQ_INT(r->cmd.len, sizeof(cmd));
  CHECK(memcmp(r->cmd.data, cmd, sizeof(cmd)) == 0);
  CHECK_EQ_INT(r->n_path, 0);
  gf_descriptor_free(r);
}

TEST(malformed_and_bad_arguments) {
  const uint8_t bad[] = {0x12, 0x7F, 'x'}; /* cmd length 127 with 1 byte left */
  gf_descriptor* out = (gf_descriptor*)1;
  gf_error err = {0};
  CHECK_EQ_INT(gf_descriptor_deserialize(bad, sizeof(bad), &out, &err), GF_INVALID_ARGUMENT);
  CHECK(out == NULL);
  CHECK(strstr(err.message, "FlightDescriptor") != NULL);
  CHECK_EQ_INT(gf_descriptor_deserialize(bad, 1, NULL, NULL), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_descriptor_deserialize(NULL, 3, &out, NULL), GF_INVALID_ARGUMENT);
  /* Empty input is a valid (default) descriptor. */
  CHECK_EQ_INT(gf_descriptor_deserialize(NULL, 0, &out, NULL), GF_OK);
  CHECK(out != NULL && out->n_path == 0 && out->cmd.len == 0);
  gf_descriptor_free(out);
  gf_descriptor_free(NULL);
}

TEST(retry_info_descriptors) {
  const uint8_t cmd[] = "again";
  gf_descriptor d = {.type = GF_DESCRIPTOR_CMD, .cmd = {cmd, 5}};
  gf_retry_info ri = {0};
  ri.retry_descriptor = &d;
  char* json = NULL;
  size_t len = 0;
  CHECK_EQ_INT(gf_retry_info_to_json(&ri, &json, &len, NULL), GF_OK);
  gf_retry_info_parsed p;
  CHECK_EQ_INT(gf_retry_info_from_json(json, len, &p, NULL), GF_OK);
  CHECK(p.retry_descriptor != NULL && p.retry_descriptor->cmd.len == 5 &&
        memcmp(p.retry_descriptor->cmd.data, "again", 5) == 0);
  CHECK(p.cancel_descriptor == NULL);
  gf_retry_info_parsed_clear(&p);
  free(json);
}

int main(void) {
  RUN(path_round_trip);
  RUN(cmd_round_trip_with_nul_bytes);
  RUN(malformed_and_bad_arguments);
  RUN(retry_info_descriptors);
  TEST_MAIN_END();
}
