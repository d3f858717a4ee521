/* Internal to the C Flight client (src/client/client*.c): the client object,
 * call start with merged headers and deadline, final-status capture into a
 * gf_rpc_status, and protobuf message send/receive helpers. Application
 * threads only. */
#ifndef GF__FLIGHT_CLIENT_INTERNAL_H
#define GF__FLIGHT_CLIENT_INTERNAL_H

#include <protobuf-c/protobuf-c.h>

#include "gooddata_flight_server/client.h"
#include "flight/method.h"
#include "transport/client_call.h"

struct gf_client {
  gf__cchannel* channel;
  gf__cheader* headers; /* default headers (owned copies) */
  size_t n_headers;
  int64_t default_deadline_ms;
};

/* Starts a call on `method` (enum gf__method, flight/method.h) with the
 * client's and the call's headers and the effective deadline. */
int gf__client_start(gf_client* c, const gf_call_options* o, int method,
                     gf__ccall** out, gf_error* err);
/* Copies the call's final status/metadata into o->status (if any). */
void gf__client_record_status(const gf_call_options* o, gf__ccall* call, int code,
                              const gf_error* err);
/* Packs a protobuf message and sends it (last = 1 half-closes). */
int gf__client_send_pb(gf__ccall* call, const ProtobufCMessage* msg, int last, gf_error* err);
/* Receives one message flattened into *data (free()): GF_OK,
 * GF_END_OF_STREAM or an error. */
int gf__client_recv_flat(gf__ccall* call, uint8_t** data, size_t* len, gf_error* err);
/* Common end: on GF_OK/END waits for the status; records it; frees call. */
int gf__client_end(const gf_call_options* o, gf__ccall* call, int rc, gf_error* err);

#endif
