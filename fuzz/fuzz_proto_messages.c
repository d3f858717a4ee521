/* libFuzzer target: every protobuf message the server parses from a
 * request (Criteria, FlightDescriptor, Ticket, Action, HandshakeRequest,
 * Empty, CancelFlightInfoRequest, RenewFlightEndpointRequest) and every one
 * the client parses from a response (FlightInfo, PollInfo, Location,
 * Result, PutResult, ActionType, SchemaResult, HandshakeResponse,
 * FlightEndpoint), through protoc-c and our converters (descriptor, FlightInfo,
 * PollInfo, schema bytes). The first input byte picks the message (mod 17),
 * the rest is the serialised message. Seeds: fuzz/corpus/proto_messages/
 * (written by fuzz/gen_proto_seeds.py). Single-threaded. */
#include <stdint.h>
#include <stdlib.h>

#include "Flight.pb-c.h"
#include "flight/descriptor.h"
#include "flight/info.h"
#include "gooddata_flight_server/ipc.h"


static void schema_bytes(const uint8_t* p, size_t n) {
  struct ArrowSchema s;
  if (gf_ipc_deserialize_schema(p, n, &s, NULL) == GF_OK) s.release(&s);
}

static void flight_info(const uint8_t* p, size_t n) {
  gf_flight_info* info = NULL;
  if (gf_flight_info_deserialize(p, n, &info, NULL) != GF_OK) return;
  struct ArrowSchema s;
  if (gf_flight_info_schema(info, &s, NULL) == GF_OK) s.release(&s);
  (void)gf_flight_info_descriptor(info);
  for (size_t i = 0; i < gf_flight_info_endpoint_count(info); i++)
    (void)gf_flight_info_endpoint(info, i);
  gf_flight_info_free(info);
}

static void descriptor(const uint8_t* p, size_t n) {
  gf_descriptor* d = NULL;
  if (gf__descriptor_decode(p, n, &d, NULL) == GF_OK) {
    gf_descriptor* c = gf__descriptor_copy(d);
    gf__descriptor_free(c);
    gf__descriptor_free(d);
  }
}

#define PB(type, fn) \
  do { \
    Arrow__Flight__Protocol__##type* m = arrow__flight__protocol__##fn##__unpack(NULL, n, p); \
    if (m) arrow__flight__protocol__##fn##__free_unpacked(m, NULL); \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t* p = data + 1;
  size_t n = size - 1;
  switch (data[0] % 17) {
    case 0: PB(Criteria, criteria); break;
    case 1: PB(FlightDescriptor, flight_descriptor); descriptor(p, n); break;
    case 2: PB(Ticket, ticket); break;
    case 3: {
      Arrow__Flight__Protocol__Action* a = arrow__flight__protocol__action__unpack(NULL, n, p);
      if (a) arrow__flight__protocol__action__free_unpacked(a, NULL);
      break;
    }
    case 4: PB(HandshakeRequest, handshake_request); break;
    case 5: PB(Empty, empty); break;
    case 6: PB(FlightInfo, flight_info); flight_info(p, n); break;
    case 7: {
      PB(PollInfo, poll_info);
      gf_poll_info* pi = NULL;
      if (gf__poll_info_deserialize(p, n, &pi, NULL) == GF_OK) {
        double prog;
        int64_t sec;
        int32_t ns;
        (void)gf__poll_info_descriptor(pi);
        (void)gf__poll_info_progress(pi, &prog);
        (void)gf__poll_info_expiration(pi, &sec, &ns);
        gf__poll_info_free(pi);
      }
      break;
    }
    case 8: PB(Location, location); break;
    case 9: PB(Result, result); break;
    case 10: PB(PutResult, put_result); break;
    case 11: PB(ActionType, action_type); break;
    case 12: {
      Arrow__Flight__Protocol__SchemaResult* r = arrow__flight__protocol__schema_result__unpack(NULL, n, p);
      if (r) {
        schema_bytes(r->schema.data, r->schema.len);
        arrow__flight__protocol__schema_result__free_unpacked(r, NULL);
      }
      break;
    }
    case 13: PB(HandshakeResponse, handshake_response); break;
    case 14: PB(FlightEndpoint, flight_endpoint); break;
    case 15: PB(CancelFlightInfoRequest, cancel_flight_info_request); break;
    default: PB(RenewFlightEndpointRequest, renew_flight_endpoint_request); break;
  }
  return 0;
}
