/* libFuzzer target: the parsers of the typed protocol actions and sessions —
 * SetSessionOptionsRequest/GetSessionOptionsResult (read back every value and
 * re-serialise), SetSessionOptionsResult, CloseSessionResult,
 * CancelFlightInfoRequest/Result, RenewFlightEndpointRequest, FlightEndpoint,
 * and the `cookie:` / `set-cookie:` header parsers. The first input byte
 * picks the parser (mod 9), the rest is its input. Single-threaded. */
#include <stdint.h>
#include <stdlib.h>

#include "flight/cookie.h"
#include "gooddata_flight_server/session.h"

static void session_options(gf_bytes b) {
  gf_session_options* o = NULL;
  if (gf_session_options_parse(b, &o, NULL) != GF_OK) return;
  for (size_t i = 0; i < gf_session_options_count(o); i++) {
    (void)gf_session_options_name(o, i);
    (void)gf_session_options_string(o, i);
    (void)gf_session_options_int64(o, i);
    (void)gf_session_options_double(o, i);
    for (size_t j = 0; j < gf_session_options_list_len(o, i); j++)
      (void)gf_session_options_list_at(o, i, j);
  }
  uint8_t* p = NULL;
  size_t n = 0;
  if (gf_session_options_serialize(o, &p, &n, NULL) == GF_OK) free(p);
  gf_session_options* c = gf_session_options_copy(o);
  gf_session_options_free(c);
  gf_session_options_free(o);
}

static void endpoint_done(gf_flight_endpoint* ep) {
  uint8_t* p = NULL;
  size_t n = 0;
  if (gf_flight_endpoint_serialize(ep, &p, &n, NULL) == GF_OK) free(p);
  gf_flight_endpoint_free(ep);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  gf_bytes b = {data + 1, size - 1};
  switch (data[0] % 9) {
    case 0: session_options(b); break;
    case 1: {
      gf_set_session_result* r = NULL;
      if (gf_set_session_result_parse(b, &r, NULL) == GF_OK) gf_set_session_result_free(r);
      break;
    }
    case 2: {
      gf_close_session_status s;
      (void)gf_close_session_result_parse(b, &s, NULL);
      gf_cancel_status c;
      (void)gf_cancel_flight_info_result_parse(b, &c, NULL);
      break;
    }
    case 3: {
      gf_flight_info* info = NULL;
      if (gf_cancel_flight_info_request_parse(b, &info, NULL) == GF_OK) gf_flight_info_free(info);
      break;
    }
    case 4: {
      gf_flight_endpoint* ep = NULL;
      if (gf_renew_flight_endpoint_request_parse(b, &ep, NULL) == GF_OK) endpoint_done(ep);
      break;
    }
    case 5: {
      gf_flight_endpoint* ep = NULL;
      if (gf_flight_endpoint_deserialize(b.data, b.len, &ep, NULL) == GF_OK) endpoint_done(ep);
      break;
    }
    case 6: {
      char out[34];
      (void)gf__cookie_find(b, "arrow_flight_session_id", out, sizeof(out));
      break;
    }
    case 7: {
      char* v = NULL;
      (void)gf__set_cookie_parse(b, "arrow_flight_session_id", &v);
      free(v);
      break;
    }
    default: {
      char out[8];
      (void)gf__cookie_find(b, "a", out, sizeof(out));
      break;
    }
  }
  return 0;
}
