/* FlightData codec (hand-written, zero-copy) shared by the server and the
 * client. Encode: a small malloc'd header segment (descriptor, data_header,
 * app_metadata, the data_body tag+length) followed by the IPC body buffers as
 * zero-copy references to a gf_ipc_payload (released from any thread) and
 * static zero padding. Decode: a tolerant protobuf tag walker over the
 * segments of a received message. Any thread; no shared state. */
#ifndef GF__FLIGHT_FLIGHTDATA_H
#define GF__FLIGHT_FLIGHTDATA_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/flight.h"
#include "gooddata_flight_server/ipc.h"
#include "transport/msg.h"

/* A decoded FlightData. Everything is owned by the struct. */
typedef struct gf__flight_data {
  gf_descriptor* descriptor; /* NULL when absent; free with gf__descriptor_free */
  int has_header;
  uint8_t* header;           /* data_header copy (flatbuffer Message), or NULL */
  size_t header_len;
  int has_app_metadata;
  uint8_t* app_metadata;     /* copy, or NULL */
  size_t app_metadata_len;
  int has_body;
  gf_ipc_body* body;         /* one reference, or NULL (also when body is empty) */
  size_t body_len;
} gf__flight_data;

/* Decodes `msg`. Fields may come in any order, unknown fields are skipped,
 * a repeated field keeps the last value. Lengths larger than what is left of
 * the message are rejected (GF_INVALID_ARGUMENT naming the field). The body is
 * zero-copy when it lies inside one segment, else copied once into a 64-byte
 * aligned gf_ipc_body. */
int gf__flight_data_decode(gf__ibuf* msg, gf__flight_data* out, gf_error* err);
/* Same from one contiguous buffer (copies what it keeps). */
int gf__flight_data_decode_bytes(const uint8_t* data, size_t len, gf__flight_data* out,
                                 gf_error* err);
void gf__flight_data_clear(gf__flight_data* fd);
/* Where the data_body bytes start in a FlightData message whose first `n`
 * bytes are `p` (the first data_body field, fields walked in order): 1 with
 * *off set, 0 when more bytes are needed to tell, -1 when the message is
 * malformed or has no data_body within 64 fields. Reads only p[0..n); lets
 * the transport place a received body at an aligned address. */
int gf__flight_data_body_offset(const uint8_t* p, size_t n, size_t* off);

/* Appends one FlightData message to `out`: descriptor (NULL = absent),
 * payload (NULL = metadata-only message; a reference is taken for the
 * body segments), app_metadata (len 0 = field omitted). Schema payloads get
 * no data_body field; batch payloads always do (possibly empty). */
int gf__flight_data_encode(const gf_descriptor* descriptor, gf_ipc_payload* payload,
                           const void* app_metadata, size_t app_metadata_len, gf__obuf* out,
                           gf_error* err);

/* Protobuf varint helpers (also used by the perf example's hand encoder). */
size_t gf__varint_size(uint64_t v);
size_t gf__varint_put(uint8_t* p, uint64_t v);

#endif
