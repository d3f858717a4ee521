/* gf_descriptor objects owned in one allocation, and their protobuf
 * conversion (protoc-c FlightDescriptor). Any thread. */
#ifndef GF__FLIGHT_DESCRIPTOR_H
#define GF__FLIGHT_DESCRIPTOR_H

#include <stddef.h>
#include <stdint.h>

#include "Flight.pb-c.h"
#include "gooddata_flight_server/flight.h"

/* Deep copy into a single malloc'd block (free with gf__descriptor_free). */
gf_descriptor* gf__descriptor_copy(const gf_descriptor* d);
gf_descriptor* gf__descriptor_from_pb(const Arrow__Flight__Protocol__FlightDescriptor* pb);
/* Parses serialised FlightDescriptor bytes. */
int gf__descriptor_decode(const uint8_t* data, size_t len, gf_descriptor** out, gf_error* err);
void gf__descriptor_free(gf_descriptor* d);
/* Fills a protobuf view that borrows from `d` (path array malloc'd: free
 * pb->path with free()). */
int gf__descriptor_to_pb(const gf_descriptor* d, Arrow__Flight__Protocol__FlightDescriptor* pb);

#endif
