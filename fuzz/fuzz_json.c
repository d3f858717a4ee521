/* libFuzzer target: our JSON entry points on arbitrary bytes: the jansson
 * load wrapper, the log writer's streaming escaper (its output must parse
 * back to the UTF-8-repaired input), ErrorInfo and RetryInfo decoding; a
 * parsed ErrorInfo must serialise and parse back to the same JSON (round-trip
 * stability). Single-threaded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/utf8.h"
#include "gooddata_flight_server/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

typedef struct sink { char* buf; size_t len; } sink;

static void sink_put(void* ctx, const char* s, size_t n) {
  sink* k = ctx;
  memcpy(k->buf + k->len, s, n);
  k->len += n;
}

static void escaper_round_trip(const uint8_t* data, size_t size) {
  sink k = {malloc(6 * size + 8), 1};
  k.buf[0] = '[';
  gf__json_escape_to(sink_put, &k, (const char*)data, size);
  k.buf[k.len++] = ']';
  json_t* v = gf__json_load(k.buf, k.len, NULL);
  size_t n = 0;
  char* fixed = gf__utf8_repair((const char*)data, size, &n);
  const json_t* s = json_array_get(v, 0);
  if (!s || json_string_length(s) != n || memcmp(json_string_value(s), fixed, n) != 0) abort();
  free(fixed);
  json_decref(v);
  free(k.buf);
}

static void error_info_round_trip(const uint8_t* data, size_t size) {
  gf_error_info info;
  if (gf_error_info_from_json(data, size, &info, NULL) != GF_OK) return;
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

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  json_decref(gf__json_load((const char*)data, size, NULL));
  escaper_round_trip(data, size);
  error_info_round_trip(data, size);
  gf_retry_info_parsed p;
  if (gf_retry_info_from_json(data, size, &p, NULL) == GF_OK) gf_retry_info_parsed_clear(&p);
  return 0;
}
