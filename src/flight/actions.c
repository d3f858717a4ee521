/* Typed helpers for the CancelFlightInfo and RenewFlightEndpoint actions:
 * their request/result protobuf forms and FlightEndpoint (de)serialisation,
 * so services and clients never hand-encode protobuf. Pure functions, any
 * thread. */
#include <stdlib.h>
#include <string.h>

#include "Flight.pb-c.h"
#include "flight/info.h"

static int wrap1(const uint8_t* inner, size_t n, uint8_t** out, size_t* len, gf_error* err) {
  /* Field 1, length-delimited, always emitted (an empty message is still present). */
  uint8_t* p = malloc(n + 11);
  if (!p) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  size_t k = 0;
  p[k++] = 0x0A;
  size_t v = n;
  do {
    p[k++] = (uint8_t)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
    v >>= 7;
  } while (v);
  if (n) memcpy(p + k, inner, n);
  *out = p;
  *len = k + n;
  return GF_OK;
}

gf_status gf_flight_endpoint_serialize(const gf_flight_endpoint* ep, uint8_t** out, size_t* len,
                                       gf_error* err) {
  return gf__flight_endpoint_serialize(ep, out, len, err);
}

gf_status gf_flight_endpoint_deserialize(const void* data, size_t len, gf_flight_endpoint** out,
                                         gf_error* err) {
  Arrow__Flight__Protocol__FlightEndpoint* pb =
      arrow__flight__protocol__flight_endpoint__unpack(NULL, len, data);
  if (!pb) return gf_error_set(err, GF_INVALID_ARGUMENT, "FlightEndpoint: malformed protobuf");
  int rc = gf__flight_endpoint_from_pb(pb, out);
  arrow__flight__protocol__flight_endpoint__free_unpacked(pb, NULL);
  return rc ? gf_error_set(err, rc, "FlightEndpoint: out of memory") : GF_OK;
}

gf_status gf_cancel_flight_info_request_parse(gf_bytes body, gf_flight_info** out, gf_error* err) {
  Arrow__Flight__Protocol__CancelFlightInfoRequest* pb =
      arrow__flight__protocol__cancel_flight_info_request__unpack(NULL, body.len, body.data);
  if (!pb)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "CancelFlightInfoRequest: malformed protobuf");
  int rc = pb->info ? gf__flight_info_from_pb(pb->info, out) : GF_INVALID_ARGUMENT;
  arrow__flight__protocol__cancel_flight_info_request__free_unpacked(pb, NULL);
  if (rc == GF_INVALID_ARGUMENT)
    return gf_error_set(err, rc, "CancelFlightInfoRequest: the info field is missing");
  return rc ? gf_error_set(err, rc, "CancelFlightInfoRequest: out of memory") : GF_OK;
}

gf_status gf_cancel_flight_info_request_serialize(const gf_flight_info* info, uint8_t** out,
                                                  size_t* len, gf_error* err) {
  uint8_t* inner;
  size_t n;
  int rc = gf_flight_info_serialize(info, &inner, &n, err);
  if (rc) return rc;
  rc = wrap1(inner, n, out, len, err);
  free(inner);
  return rc;
}

gf_status gf_cancel_flight_info_result_serialize(gf_cancel_status status, uint8_t** out,
                                                 size_t* len, gf_error* err) {
  Arrow__Flight__Protocol__CancelFlightInfoResult r;
  arrow__flight__protocol__cancel_flight_info_result__init(&r);
  r.status = (Arrow__Flight__Protocol__CancelStatus)status;
  size_t n = arrow__flight__protocol__cancel_flight_info_result__get_packed_size(&r);
  uint8_t* p = malloc(n ? n : 1);
  if (!p) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  arrow__flight__protocol__cancel_flight_info_result__pack(&r, p);
  *out = p;
  *len = n;
  return GF_OK;
}

gf_status gf_cancel_flight_info_result_parse(gf_bytes body, gf_cancel_status* out, gf_error* err) {
  Arrow__Flight__Protocol__CancelFlightInfoResult* pb =
      arrow__flight__protocol__cancel_flight_info_result__unpack(NULL, body.len, body.data);
  if (!pb)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "CancelFlightInfoResult: malformed protobuf");
  *out = (gf_cancel_status)pb->status;
  arrow__flight__protocol__cancel_flight_info_result__free_unpacked(pb, NULL);
  return GF_OK;
}

gf_status gf_renew_flight_endpoint_request_parse(gf_bytes body, gf_flight_endpoint** out,
                                                 gf_error* err) {
  Arrow__Flight__Protocol__RenewFlightEndpointRequest* pb =
      arrow__flight__protocol__renew_flight_endpoint_request__unpack(NULL, body.len, body.data);
  if (!pb)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "RenewFlightEndpointRequest: malformed protobuf");
  int rc = pb->endpoint ? gf__flight_endpoint_from_pb(pb->endpoint, out) : GF_INVALID_ARGUMENT;
  arrow__flight__protocol__renew_flight_endpoint_request__free_unpacked(pb, NULL);
  if (rc == GF_INVALID_ARGUMENT)
    return gf_error_set(err, rc, "RenewFlightEndpointRequest: the endpoint field is missing");
  return rc ? gf_error_set(err, rc, "RenewFlightEndpointRequest: out of memory") : GF_OK;
}

gf_status gf_renew_flight_endpoint_request_serialize(const gf_flight_endpoint* ep, uint8_t** out,
                                                     size_t* len, gf_error* err) {
  uint8_t* inner;
  size_t n;
  int rc = gf__flight_endpoint_serialize(ep, &inner, &n, err);
  if (rc) return rc;
  rc = wrap1(inner, n, out, len, err);
  free(inner);
  return rc;
}

static int add_owned(gf_result_list* list, int rc, uint8_t* p, size_t n) {
  if (rc) return rc;
  rc = gf_result_list_add(list, p, n);
  free(p);
  return rc;
}

gf_status gf_result_list_add_cancel_status(gf_result_list* list, gf_cancel_status status) {
  uint8_t* p = NULL;
  size_t n = 0;
  int rc = gf_cancel_flight_info_result_serialize(status, &p, &n, NULL);
  return add_owned(list, rc, p, n);
}

gf_status gf_result_list_add_endpoint(gf_result_list* list, const gf_flight_endpoint* ep) {
  uint8_t* p = NULL;
  size_t n = 0;
  int rc = gf_flight_endpoint_serialize(ep, &p, &n, NULL);
  return add_owned(list, rc, p, n);
}
