/* Internal side of FlightInfo / FlightEndpoint / PollInfo objects and the
 * output lists (ListFlights, DoAction, ListActions): construction, protobuf
 * (de)serialisation. Used by the dispatcher and by the client. Any thread;
 * one object is used by one thread at a time. */
#ifndef GF__FLIGHT_INFO_H
#define GF__FLIGHT_INFO_H

#include "Flight.pb-c.h"
#include "gooddata_flight_server/flight.h"

gf_poll_info* gf__poll_info_new(void);
void gf__poll_info_free(gf_poll_info* p);
int gf__poll_info_serialize(const gf_poll_info* p, uint8_t** out, size_t* len, gf_error* err);
int gf__poll_info_deserialize(const void* data, size_t len, gf_poll_info** out, gf_error* err);
/* Readers for the client. */
const gf_descriptor* gf__poll_info_descriptor(const gf_poll_info* p);
int gf__poll_info_progress(const gf_poll_info* p, double* progress);
int gf__poll_info_expiration(const gf_poll_info* p, int64_t* seconds, int32_t* nanos);

/* SchemaResult / FlightEndpoint wire forms. */
int gf__schema_result_serialize(const uint8_t* schema, size_t len, uint8_t** out, size_t* out_len);
int gf__flight_endpoint_serialize(const gf_flight_endpoint* ep, uint8_t** out, size_t* len, gf_error* err);

/* From protoc-c messages (deep copies); GF_NO_MEMORY on failure. */
int gf__flight_info_from_pb(const Arrow__Flight__Protocol__FlightInfo* pb, gf_flight_info** out);
int gf__flight_endpoint_from_pb(const Arrow__Flight__Protocol__FlightEndpoint* e, gf_flight_endpoint** out);

gf_flight_list* gf__flight_list_new(void);
void gf__flight_list_free(gf_flight_list* l);
size_t gf__flight_list_count(const gf_flight_list* l);
gf_flight_info* gf__flight_list_at(const gf_flight_list* l, size_t i);

gf_result_list* gf__result_list_new(void);
void gf__result_list_free(gf_result_list* l);
size_t gf__result_list_count(const gf_result_list* l);
gf_bytes gf__result_list_at(const gf_result_list* l, size_t i);

gf_action_type_list* gf__action_type_list_new(void);
void gf__action_type_list_free(gf_action_type_list* l);
size_t gf__action_type_list_count(const gf_action_type_list* l);
void gf__action_type_list_at(const gf_action_type_list* l, size_t i, const char** type, const char** description);

/* Tiny protobuf helpers for single-bytes-field messages (Ticket, Result,
 * PutResult, SchemaResult, Criteria: field 1 bytes). *out malloc'd. */
int gf__pb_bytes_field1(const void* data, size_t len, uint8_t** out, size_t* out_len);

#endif
