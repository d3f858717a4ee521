/* C Flight client: the calls whose request is one message (or a few, for
 * Handshake) and whose responses are collected whole: Handshake, ListFlights,
 * GetFlightInfo, PollFlightInfo, GetSchema, DoAction, ListActions. Protobuf
 * via protoc-c. Application threads. */
#include <stdlib.h>
#include <string.h>

#include "Flight.pb-c.h"
#include "client/client_internal.h"
#include "flight/descriptor.h"
#include "gooddata_flight_server/ipc.h"

typedef Arrow__Flight__Protocol__FlightDescriptor PbDescriptor;

/* Caps on what one response may make us keep (never trust the server). */
#define GF__CLIENT_MAX_ITEMS 10000000u

static int push_bytes(gf_client_bytes_list* l, const uint8_t* data, size_t len, gf_error* err) {
  if (l->n >= GF__CLIENT_MAX_ITEMS) return gf_error_set(err, GF_RESOURCE_EXHAUSTED, "too many results");
  gf_bytes* items = realloc(l->items, (l->n + 1) * sizeof(gf_bytes));
  if (!items) return gf_error_set(err, GF_NO_MEMORY, "results: out of memory");
  l->items = items;
  uint8_t* copy = malloc(len + 1);
  if (!copy) return gf_error_set(err, GF_NO_MEMORY, "results: out of memory");
  if (len) memcpy(copy, data, len);
  copy[len] = 0;
  l->items[l->n++] = (gf_bytes){copy, len};
  return GF_OK;
}

/* Sends a descriptor as the only request message. */
static int send_descriptor(gf__ccall* call, const gf_descriptor* d, gf_error* err) {
  if (!d) return gf_error_set(err, GF_INVALID_ARGUMENT, "descriptor: NULL");
  PbDescriptor pb;
  if (gf__descriptor_to_pb(d, &pb)) return gf_error_set(err, GF_NO_MEMORY, "descriptor: out of memory");
  int rc = gf__client_send_pb(call, &pb.base, 1, err);
  free(pb.path);
  return rc;
}

/* Starts a call with one request message and receives exactly one response. */
static int unary(gf_client* c, const gf_call_options* o, int method,
                 const gf_descriptor* d, gf__ccall** call, uint8_t** resp, size_t* resp_len,
                 gf_error* err) {
  int rc = gf__client_start(c, o, method, call, err);
  if (rc) return rc;
  rc = send_descriptor(*call, d, err);
  if (rc == GF_OK) rc = gf__client_recv_flat(*call, resp, resp_len, err);
  if (rc == GF_END_OF_STREAM)
    rc = gf_error_set(err, GF_INTERNAL, "%s: server sent no response message",
                      gf__method_name(method));
  return rc;
}

/* Receives response messages until the server ends the stream, handing each
 * to `on_msg` (which must not keep `data`). Returns GF_END_OF_STREAM at the
 * normal end, else the first error. */
typedef int (*msg_fn)(void* out, const uint8_t* data, size_t len, gf_error* err);

static int recv_each(gf__ccall* call, int rc, msg_fn on_msg, void* out, gf_error* err) {
  while (rc == GF_OK) {
    uint8_t* data;
    size_t len;
    rc = gf__client_recv_flat(call, &data, &len, err);
    if (rc) break;
    rc = on_msg(out, data, len, err);
    free(data);
  }
  return rc;
}

/* ---- Handshake ------------------------------------------------------------------- */

static int on_handshake_response(void* out, const uint8_t* data, size_t len, gf_error* err) {
  Arrow__Flight__Protocol__HandshakeResponse* r =
      arrow__flight__protocol__handshake_response__unpack(NULL, len, data);
  if (!r) return gf_error_set(err, GF_INTERNAL, "HandshakeResponse: malformed protobuf");
  int rc = push_bytes(out, r->payload.data, r->payload.len, err);
  arrow__flight__protocol__handshake_response__free_unpacked(r, NULL);
  return rc;
}

gf_status gf_client_handshake(gf_client* c, const gf_call_options* o, const gf_bytes* payloads,
                              size_t n, gf_client_bytes_list* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  gf__ccall* call = NULL;
  int rc = gf__client_start(c, o, GF__M_HANDSHAKE, &call, err);
  if (rc) return rc;
  for (size_t i = 0; i < n && rc == GF_OK; i++) {
    Arrow__Flight__Protocol__HandshakeRequest req = ARROW__FLIGHT__PROTOCOL__HANDSHAKE_REQUEST__INIT;
    req.payload.data = (uint8_t*)payloads[i].data;
    req.payload.len = payloads[i].len;
    rc = gf__client_send_pb(call, &req.base, i + 1 == n, err);
  }
  if (rc == GF_OK && n == 0) rc = gf__ccall_close_send(call, err);
  rc = recv_each(call, rc, on_handshake_response, out, err);
  rc = gf__client_end(o, call, rc, err);
  if (rc) gf_client_bytes_list_clear(out);
  return rc;
}

/* ---- ListFlights / GetFlightInfo / PollFlightInfo --------------------------------------- */

static int on_flight_info(void* list, const uint8_t* data, size_t len, gf_error* err) {
  gf_client_flight_list* out = list;
  gf_flight_info* info = NULL;
  int rc = out->n >= GF__CLIENT_MAX_ITEMS
               ? gf_error_set(err, GF_RESOURCE_EXHAUSTED, "ListFlights: too many flights")
               : gf_flight_info_deserialize(data, len, &info, err);
  if (rc) return rc;
  gf_flight_info** items = realloc(out->items, (out->n + 1) * sizeof(*items));
  if (!items) {
    gf_flight_info_free(info);
    return gf_error_set(err, GF_NO_MEMORY, "ListFlights: out of memory");
  }
  out->items = items;
  out->items[out->n++] = info;
  return GF_OK;
}

gf_status gf_client_list_flights(gf_client* c, const gf_call_options* o, const void* criteria,
                                 size_t criteria_len, gf_client_flight_list* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  gf__ccall* call = NULL;
  int rc = gf__client_start(c, o, GF__M_LIST_FLIGHTS, &call, err);
  if (rc) return rc;
  Arrow__Flight__Protocol__Criteria req = ARROW__FLIGHT__PROTOCOL__CRITERIA__INIT;
  req.expression.data = (uint8_t*)criteria;
  req.expression.len = criteria ? criteria_len : 0;
  rc = gf__client_send_pb(call, &req.base, 1, err);
  rc = recv_each(call, rc, on_flight_info, out, err);
  rc = gf__client_end(o, call, rc, err);
  if (rc) gf_client_flight_list_clear(out);
  return rc;
}

gf_status gf_client_get_flight_info(gf_client* c, const gf_call_options* o, const gf_descriptor* d,
                                    gf_flight_info** out, gf_error* err) {
  *out = NULL;
  gf__ccall* call = NULL;
  uint8_t* data = NULL;
  size_t len = 0;
  int rc = unary(c, o, GF__M_GET_FLIGHT_INFO, d, &call, &data, &len, err);
  if (rc == GF_OK) rc = gf_flight_info_deserialize(data, len, out, err);
  free(data);
  rc = gf__client_end(o, call, rc, err);
  if (rc && *out) {
    gf_flight_info_free(*out);
    *out = NULL;
  }
  return rc;
}

void gf_client_poll_info_clear(gf_client_poll_info* p) {
  if (!p) return;
  gf_flight_info_free(p->info);
  gf__descriptor_free(p->descriptor);
  memset(p, 0, sizeof(*p));
}

static int poll_from_pb(const Arrow__Flight__Protocol__PollInfo* pb, gf_client_poll_info* out,
                        gf_error* err) {
  if (pb->info) {
    size_t len = protobuf_c_message_get_packed_size(&pb->info->base);
    uint8_t* buf = malloc(len ? len : 1);
    if (!buf) return gf_error_set(err, GF_NO_MEMORY, "PollInfo: out of memory");
    protobuf_c_message_pack(&pb->info->base, buf);
    int rc = gf_flight_info_deserialize(buf, len, &out->info, err);
    free(buf);
    if (rc) return rc;
  }
  if (pb->flight_descriptor) {
    out->descriptor = gf__descriptor_from_pb(pb->flight_descriptor);
    if (!out->descriptor) return gf_error_set(err, GF_NO_MEMORY, "PollInfo: out of memory");
  }
  if (pb->_progress_case == ARROW__FLIGHT__PROTOCOL__POLL_INFO___PROGRESS_PROGRESS) {
    out->has_progress = 1;
    out->progress = pb->progress;
  }
  if (pb->expiration_time) {
    out->has_expiration = 1;
    out->expiration_seconds = pb->expiration_time->seconds;
    out->expiration_nanos = pb->expiration_time->nanos;
  }
  return GF_OK;
}

gf_status gf_client_poll_flight_info(gf_client* c, const gf_call_options* o, const gf_descriptor* d,
                                     gf_client_poll_info* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  gf__ccall* call = NULL;
  uint8_t* data = NULL;
  size_t len = 0;
  int rc = unary(c, o, GF__M_POLL_FLIGHT_INFO, d, &call, &data, &len, err);
  if (rc == GF_OK) {
    Arrow__Flight__Protocol__PollInfo* pb = arrow__flight__protocol__poll_info__unpack(NULL, len, data);
    if (!pb) rc = gf_error_set(err, GF_INTERNAL, "PollInfo: malformed protobuf");
    else rc = poll_from_pb(pb, out, err);
    if (pb) arrow__flight__protocol__poll_info__free_unpacked(pb, NULL);
  }
  free(data);
  rc = gf__client_end(o, call, rc, err);
  if (rc) gf_client_poll_info_clear(out);
  return rc;
}

/* ---- GetSchema ------------------------------------------------------------------------ */

gf_status gf_client_get_schema(gf_client* c, const gf_call_options* o, const gf_descriptor* d,
                               struct ArrowSchema* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  gf__ccall* call = NULL;
  uint8_t* data = NULL;
  size_t len = 0;
  int rc = unary(c, o, GF__M_GET_SCHEMA, d, &call, &data, &len, err);
  if (rc == GF_OK) {
    Arrow__Flight__Protocol__SchemaResult* pb =
        arrow__flight__protocol__schema_result__unpack(NULL, len, data);
    if (!pb) rc = gf_error_set(err, GF_INTERNAL, "SchemaResult: malformed protobuf");
    else rc = gf_ipc_deserialize_schema(pb->schema.data, pb->schema.len, out, err);
    if (pb) arrow__flight__protocol__schema_result__free_unpacked(pb, NULL);
  }
  free(data);
  rc = gf__client_end(o, call, rc, err);
  if (rc && out->release) out->release(out);
  return rc;
}

/* ---- DoAction / ListActions -------------------------------------------------------------- */

static int on_result(void* out, const uint8_t* data, size_t len, gf_error* err) {
  Arrow__Flight__Protocol__Result* r = arrow__flight__protocol__result__unpack(NULL, len, data);
  if (!r) return gf_error_set(err, GF_INTERNAL, "Result: malformed protobuf");
  int rc = push_bytes(out, r->body.data, r->body.len, err);
  arrow__flight__protocol__result__free_unpacked(r, NULL);
  return rc;
}

gf_status gf_client_do_action(gf_client* c, const gf_call_options* o, const char* type,
                              const void* body, size_t body_len, gf_client_bytes_list* out,
                              gf_error* err) {
  memset(out, 0, sizeof(*out));
  if (!type) return gf_error_set(err, GF_INVALID_ARGUMENT, "action type: NULL");
  gf__ccall* call = NULL;
  int rc = gf__client_start(c, o, GF__M_DO_ACTION, &call, err);
  if (rc) return rc;
  Arrow__Flight__Protocol__Action req = ARROW__FLIGHT__PROTOCOL__ACTION__INIT;
  req.type = (char*)type;
  req.body.data = (uint8_t*)body;
  req.body.len = body ? body_len : 0;
  rc = gf__client_send_pb(call, &req.base, 1, err);
  rc = recv_each(call, rc, on_result, out, err);
  rc = gf__client_end(o, call, rc, err);
  if (rc) gf_client_bytes_list_clear(out);
  return rc;
}

static int push_action_type(gf_client_action_types* l, const char* t, const char* d,
                            gf_error* err) {
  if (l->n >= GF__CLIENT_MAX_ITEMS) return gf_error_set(err, GF_RESOURCE_EXHAUSTED, "too many action types");
  gf_client_action_type* items = realloc(l->items, (l->n + 1) * sizeof(*items));
  if (!items) return gf_error_set(err, GF_NO_MEMORY, "action types: out of memory");
  l->items = items;
  items[l->n].type = strdup(t ? t : "");
  items[l->n].description = strdup(d ? d : "");
  l->n++;
  if (!items[l->n - 1].type || !items[l->n - 1].description)
    return gf_error_set(err, GF_NO_MEMORY, "action types: out of memory");
  return GF_OK;
}

static int on_action_type(void* out, const uint8_t* data, size_t len, gf_error* err) {
  Arrow__Flight__Protocol__ActionType* r = arrow__flight__protocol__action_type__unpack(NULL, len, data);
  if (!r) return gf_error_set(err, GF_INTERNAL, "ActionType: malformed protobuf");
  int rc = push_action_type(out, r->type, r->description, err);
  arrow__flight__protocol__action_type__free_unpacked(r, NULL);
  return rc;
}

gf_status gf_client_list_actions(gf_client* c, const gf_call_options* o,
                                 gf_client_action_types* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  gf__ccall* call = NULL;
  int rc = gf__client_start(c, o, GF__M_LIST_ACTIONS, &call, err);
  if (rc) return rc;
  Arrow__Flight__Protocol__Empty req = ARROW__FLIGHT__PROTOCOL__EMPTY__INIT;
  rc = gf__client_send_pb(call, &req.base, 1, err);
  rc = recv_each(call, rc, on_action_type, out, err);
  rc = gf__client_end(o, call, rc, err);
  if (rc) gf_client_action_types_clear(out);
  return rc;
}
