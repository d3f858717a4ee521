/* libFuzzer target: the JSON parser, ErrorInfo and RetryInfo decoding on
 * arbitrary bytes; a parsed ErrorInfo must serialise and parse back to the
 * same JSON (round-trip stability). Single-threaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "gooddata_flight_server/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gf__json* v = NULL;
  if (gf__json_parse((const char*)data, size, 32, &v, NULL) == GF_OK) gf__json_free(v);
  gf_error_info info;
  if (gf_error_info_from_json(data, size, &info, NULL) == GF_OK) {
    char* a = NULL;
    size_t an = 0;
    if (gf_error_info_to_json(&info, &a, &an, NULL) == GF_OK) {
      gf_error_info again;
      if (gf_error_info_from_json(a, an, &again, NULL) != GF_OK) abort();
      char* b = NULL;
      size_t bn = 0;
      if (gf_error_info_to_json(&again, &b, &bn, NULL) != GF_OK) abort();
      if (an != bn || memcmp(a, b, an) != 0) abort();
      free(b);
      gf_error_info_clear(&again);
      free(a);
    }
    gf_error_info_clear(&info);
  }
  gf_retry_info_parsed p;
  if (gf_retry_info_from_json(data, size, &p, NULL) == GF_OK) gf_retry_info_parsed_clear(&p);
  return 0;
}
