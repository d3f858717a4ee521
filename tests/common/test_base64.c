/* Base64 encode/decode: RFC 4648 vectors, round trips, strict rejection. */
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "test.h"

static const char* vec_in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char* vec_out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

TEST(rfc4648_vectors) {
  for (size_t i = 0; i < 7; i++) {
    char* enc = NULL;
    size_t n = 0;
    CHECK_EQ_INT(gf__base64_encode(vec_in[i], strlen(vec_in[i]), &enc, &n), GF_OK);
    CHECK_EQ_STR(enc, vec_out[i]);
    CHECK_EQ_INT(n, strlen(vec_out[i]));
    uint8_t* dec = NULL;
    size_t dn = 0;
    CHECK_EQ_INT(gf__base64_decode(enc, n, &dec, &dn, NULL), GF_OK);
    CHECK_EQ_INT(dn, strlen(vec_in[i]));
    CHECK(memcmp(dec, vec_in[i], dn) == 0);
    free(enc);
    free(dec);
  }
}

TEST(binary_round_trip) {
  uint8_t data[300];
  for (int i = 0; i < 300; i++) data[i] = (uint8_t)(i * 7 + 3);
  for (size_t len = 0; len <= 300; len += 37) {
    char* enc = NULL;
    size_t n = 0;
    CHECK_EQ_INT(gf__base64_encode(data, len, &enc, &n), GF_OK);
    CHECK_EQ_INT(n, gf__base64_encoded_len(len));
    uint8_t* dec = NULL;
    size_t dn = 0;
    CHECK_EQ_INT(gf__base64_decode(enc, n, &dec, &dn, NULL), GF_OK);
    CHECK_EQ_INT(dn, len);
    CHECK(len == 0 || memcmp(dec, data, len) == 0);
    free(enc);
    free(dec);
  }
  /* all byte values incl. '+' and '/' */
  char* enc = NULL;
  uint8_t ff[3] = {0xfb, 0xff, 0xbf};
  CHECK_EQ_INT(gf__base64_encode(ff, 3, &enc, NULL), GF_OK);
  CHECK_EQ_STR(enc, "+/+/");
  free(enc);
}

TEST(rejects_bad_input) {
  const char* bad[] = {"Zg=", "Zg", "Z===", "Zm9v!A==", "Zg==Zg==", "=Zg=", "Zm 9"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    uint8_t* dec = NULL;
    size_t dn = 0;
    gf_error err = {0};
    CHECK_MSG(gf__base64_decode(bad[i], strlen(bad[i]), &dec, &dn, &err) == GF_INVALID_ARGUMENT,
              "accepted '%s'", bad[i]);
    CHECK(strstr(err.message, "base64") != NULL);
    CHECK(dec == NULL);
  }
}

int main(void) {
  RUN(rfc4648_vectors);
  RUN(binary_round_trip);
  RUN(rejects_bad_input);
  TEST_MAIN_END();
}
