/* Per-method handlers (worker threads): decode the request, call the plugin,
 * encode and send the response. Streams of list results are sent one
 * message at a time, each send completion scheduling the next on a worker;
 * the last message goes with the status. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "Flight.pb-c.h"
#include "rpc/call.h"
#include "rpc/data_stream.h"
#include "flight/descriptor.h"
#include "rpc/dispatch.h"
#include "flight/info.h"
#include "flight/method.h"
#include "log/log_internal.h"
#include "gooddata_flight_server/log.h"
#include "gooddata_flight_server/ipc.h"

/* ---- helpers -------------------------------------------------------------------------- */

static void finish_err(gf_call* c, int code, const char* msg) {
  gf__call_set_error(c, code, msg, NULL, 0);
  gf__call_finish(c, NULL, code);
}

static void finish_unimplemented(gf_call* c) {
  char msg[128];
  snprintf(msg, sizeof(msg), "%s is not implemented.", gf__method_name(c->method));
  finish_err(c, GF_UNIMPLEMENTED, msg);
}

/* Finishes with the plugin's status (GF_OK without a message means OK). */
static void finish_rc(gf_call* c, gf__obuf* last, int rc) { gf__call_finish(c, last, rc); }

static ProtobufCMessage* unpack_request(gf_call* c, const ProtobufCMessageDescriptor* desc) {
  uint8_t* data = NULL;
  size_t len = 0;
  if (c->request && gf__ibuf_flatten(c->request, &data, &len)) return NULL;
  ProtobufCMessage* m = protobuf_c_message_unpack(desc, NULL, len, data);
  free(data);
  gf__call_count_received(c, len);
  return m;
}

static void bad_request(gf_call* c, const char* what) {
  char msg[160];
  snprintf(msg, sizeof(msg), "Invalid %s request: malformed %s", gf__method_name(c->method), what);
  finish_err(c, GF_INVALID_ARGUMENT, msg);
}

static gf__obuf* obuf_owned(uint8_t* data, size_t len) {
  gf__obuf* b = gf__obuf_new();
  if (!b) {
    free(data);
    return NULL;
  }
  if (gf__obuf_add_owned(b, data, len)) {
    gf__obuf_free(b);
    return NULL;
  }
  return b;
}

static gf_descriptor* request_descriptor(gf_call* c) {
  ProtobufCMessage* m = unpack_request(c, &arrow__flight__protocol__flight_descriptor__descriptor);
  if (!m) return NULL;
  gf_descriptor* d = gf__descriptor_from_pb((Arrow__Flight__Protocol__FlightDescriptor*)m);
  protobuf_c_message_free_unpacked(m, NULL);
  return d;
}

/* ---- message list streaming ------------------------------------------------------------- */

typedef struct msg_stream {
  gf__obuf** msgs;
  size_t n, i;
} msg_stream;

static void stream_next(gf_call* c);

static void stream_sent(gf_call* c, int ok) {
  if (!ok) {
    msg_stream* s = c->stream;
    gf__obuf_array_free(s->msgs, s->n);
    free(s);
    c->stream = NULL;
    gf__call_finish(c, NULL, GF_CANCELLED);
    return;
  }
  stream_next(c);
}

static void stream_next(gf_call* c) {
  msg_stream* s = c->stream;
  if (s->i + 1 >= s->n) {
    gf__obuf* last = s->n ? s->msgs[s->i] : NULL;
    if (s->n) s->msgs[s->i++] = NULL;
    gf__obuf_array_free(s->msgs, s->n);
    free(s);
    c->stream = NULL;
    gf__call_finish(c, last, GF_OK);
    return;
  }
  gf__obuf* m = s->msgs[s->i];
  s->msgs[s->i++] = NULL;
  if (gf__call_send_async(c, m, stream_sent)) stream_sent(c, 0);
}

/* Takes ownership of msgs. */
static void stream_msgs(gf_call* c, gf__obuf** msgs, size_t n) {
  msg_stream* s = calloc(1, sizeof(*s));
  if (!s) {
    gf__obuf_array_free(msgs, n);
    finish_err(c, GF_NO_MEMORY, "out of memory");
    return;
  }
  s->msgs = msgs;
  s->n = n;
  c->stream = s;
  stream_next(c);
}

static gf__obuf** alloc_msgs(size_t n) { return calloc(n ? n : 1, sizeof(gf__obuf*)); }

/* ---- unary-ish methods ------------------------------------------------------------------ */

static void send_info(gf_call* c, int rc, gf_flight_info* info) {
  if (rc) {
    finish_rc(c, NULL, rc);
    return;
  }
  gf_error err = {0};
  uint8_t* data = NULL;
  size_t len = 0;
  rc = gf_flight_info_serialize(info, &data, &len, &err);
  if (rc) {
    finish_err(c, rc, err.message);
    return;
  }
  finish_rc(c, obuf_owned(data, len), GF_OK);
}

static void handle_get_flight_info(gf_call* c, const gf_methods* m) {
  if (!m->get_flight_info) { finish_unimplemented(c); return; }
  gf_descriptor* d = request_descriptor(c);
  if (!d) { bad_request(c, "FlightDescriptor"); return; }
  gf_flight_info* info = gf_flight_info_create();
  int rc = info ? m->get_flight_info(m->state, c, d, info) : GF_NO_MEMORY;
  send_info(c, rc, info);
  gf_flight_info_free(info);
  gf__descriptor_free(d);
}

static void handle_poll_flight_info(gf_call* c, const gf_methods* m) {
  if (!m->poll_flight_info) { finish_err(c, GF_UNIMPLEMENTED, "NYI"); return; }
  gf_descriptor* d = request_descriptor(c);
  if (!d) { bad_request(c, "FlightDescriptor"); return; }
  gf_poll_info* p = gf__poll_info_new();
  int rc = p ? m->poll_flight_info(m->state, c, d, p) : GF_NO_MEMORY;
  gf__descriptor_free(d);
  if (rc) {
    gf__poll_info_free(p);
    { finish_rc(c, NULL, rc); return; }
  }
  gf_error err = {0};
  uint8_t* data = NULL;
  size_t len = 0;
  rc = gf__poll_info_serialize(p, &data, &len, &err);
  gf__poll_info_free(p);
  if (rc) { finish_err(c, rc, err.message); return; }
  finish_rc(c, obuf_owned(data, len), GF_OK);
}

static void handle_get_schema(gf_call* c, const gf_methods* m) {
  if (!m->get_schema) { finish_unimplemented(c); return; }
  gf_descriptor* d = request_descriptor(c);
  if (!d) { bad_request(c, "FlightDescriptor"); return; }
  struct ArrowSchema schema;
  memset(&schema, 0, sizeof(schema));
  int rc = m->get_schema(m->state, c, d, &schema);
  gf__descriptor_free(d);
  if (rc) {
    if (schema.release) schema.release(&schema);
    { finish_rc(c, NULL, rc); return; }
  }
  if (!schema.release) { finish_err(c, GF_INTERNAL, "get_schema returned no schema"); return; }
  gf_error err = {0};
  uint8_t* bytes = NULL;
  size_t blen = 0;
  rc = gf_ipc_serialize_schema(&schema, &bytes, &blen, &err);
  schema.release(&schema);
  if (rc) { finish_err(c, rc, err.message); return; }
  uint8_t* data = NULL;
  size_t len = 0;
  rc = gf__schema_result_serialize(bytes, blen, &data, &len);
  free(bytes);
  if (rc) { finish_err(c, rc, "out of memory"); return; }
  finish_rc(c, obuf_owned(data, len), GF_OK);
}

/* ---- list methods ------------------------------------------------------------------------ */

/* Packs element i of a plugin's output list into one response message
 * (*data malloc'd). */
typedef int (*pack_fn)(void* list, size_t i, uint8_t** data, size_t* len);

/* Streams the n elements of `list` (each packed by `pack`) and the status, or
 * finishes with `rc` when the plugin callback or the packing failed. */
static void stream_list(gf_call* c, int rc, void* list, size_t n, pack_fn pack) {
  gf__obuf** msgs = rc ? NULL : alloc_msgs(n);
  if (!rc && !msgs) rc = GF_NO_MEMORY;
  for (size_t i = 0; !rc && i < n; i++) {
    uint8_t* data = NULL;
    size_t len = 0;
    rc = pack(list, i, &data, &len);
    if (!rc && !(msgs[i] = obuf_owned(data, len))) rc = GF_NO_MEMORY;
  }
  if (rc) {
    gf__obuf_array_free(msgs, n);
    finish_rc(c, NULL, rc);
    return;
  }
  stream_msgs(c, msgs, n);
}

static int pack_flight_info(void* list, size_t i, uint8_t** data, size_t* len) {
  return gf_flight_info_serialize(gf__flight_list_at(list, i), data, len, NULL);
}

static int pack_result(void* list, size_t i, uint8_t** data, size_t* len) {
  gf_bytes b = gf__result_list_at(list, i);
  return gf__pb_bytes_field1(b.data, b.len, data, len) ? GF_NO_MEMORY : GF_OK;
}

static int pack_action_type(void* list, size_t i, uint8_t** data, size_t* len) {
  Arrow__Flight__Protocol__ActionType at;
  arrow__flight__protocol__action_type__init(&at);
  const char *type, *desc;
  gf__action_type_list_at(list, i, &type, &desc);
  at.type = (char*)type;
  at.description = (char*)desc;
  *len = arrow__flight__protocol__action_type__get_packed_size(&at);
  if (!(*data = malloc(*len ? *len : 1))) return GF_NO_MEMORY;
  arrow__flight__protocol__action_type__pack(&at, *data);
  return GF_OK;
}

static void handle_list_flights(gf_call* c, const gf_methods* m) {
  if (!m->list_flights) { finish_unimplemented(c); return; }
  Arrow__Flight__Protocol__Criteria* cr =
      (Arrow__Flight__Protocol__Criteria*)unpack_request(c, &arrow__flight__protocol__criteria__descriptor);
  if (!cr) { bad_request(c, "Criteria"); return; }
  gf_flight_list* list = gf__flight_list_new();
  int rc = list ? m->list_flights(m->state, c, (gf_bytes){cr->expression.data, cr->expression.len}, list) : GF_NO_MEMORY;
  protobuf_c_message_free_unpacked(&cr->base, NULL);
  stream_list(c, rc, list, rc ? 0 : gf__flight_list_count(list), pack_flight_info);
  gf__flight_list_free(list);
}

static void handle_do_action(gf_call* c, const gf_methods* m) {
  if (!m->do_action) { finish_unimplemented(c); return; }
  Arrow__Flight__Protocol__Action* a =
      (Arrow__Flight__Protocol__Action*)unpack_request(c, &arrow__flight__protocol__action__descriptor);
  if (!a) { bad_request(c, "Action"); return; }
  gf_result_list* list = gf__result_list_new();
  gf_action action = {a->type ? a->type : "", {a->body.data, a->body.len}};
  int rc = list ? m->do_action(m->state, c, &action, list) : GF_NO_MEMORY;
  protobuf_c_message_free_unpacked(&a->base, NULL);
  stream_list(c, rc, list, rc ? 0 : gf__result_list_count(list), pack_result);
  gf__result_list_free(list);
}

static void handle_list_actions(gf_call* c, const gf_methods* m) {
  if (!m->list_actions) { finish_unimplemented(c); return; }
  /* The request is an Empty message: counted, not parsed. */
  gf__call_count_received(c, c->request ? gf__ibuf_length(c->request) : 0);
  gf_action_type_list* list = gf__action_type_list_new();
  int rc = list ? m->list_actions(m->state, c, list) : GF_NO_MEMORY;
  stream_list(c, rc, list, rc ? 0 : gf__action_type_list_count(list), pack_action_type);
  gf__action_type_list_free(list);
}

/* ---- DoGet -------------------------------------------------------------------------------- */

static void handle_do_get(gf_call* c, const gf_methods* m) {
  if (!m->do_get) { finish_unimplemented(c); return; }
  Arrow__Flight__Protocol__Ticket* t =
      (Arrow__Flight__Protocol__Ticket*)unpack_request(c, &arrow__flight__protocol__ticket__descriptor);
  if (!t) { bad_request(c, "Ticket"); return; }
  gf_data_source src;
  memset(&src, 0, sizeof(src));
  src.struct_size = sizeof(src);
  int rc = m->do_get(m->state, c, (gf_bytes){t->ticket.data, t->ticket.len}, &src);
  protobuf_c_message_free_unpacked(&t->base, NULL);
  bool bad_size = src.struct_size < GF_DATA_SOURCE_V1_SIZE || src.struct_size > sizeof(src);
  if (rc || !src.stream.release || bad_size) {
    if (src.stream.release) src.stream.release(&src.stream);
    if (src.release_user) src.release_user(src.user);
    if (!rc && bad_size) {
      char msg[160];
      snprintf(msg, sizeof(msg), "do_get returned gf_data_source.struct_size %u, expected %zu..%zu",
               (unsigned)src.struct_size, (size_t)GF_DATA_SOURCE_V1_SIZE, sizeof(src));
      finish_err(c, GF_INTERNAL, msg);
      return;
    }
    if (!rc) { finish_err(c, GF_INTERNAL, "do_get returned no stream"); return; }
    { finish_rc(c, NULL, rc); return; }
  }
  gf__doget_start(c, &src);
}

/* ---- streaming input: DoPut, DoExchange, Handshake ----------------------------------------- */

/* The reader's error for a cancelled call: the idle timeout's own message,
 * else a plain cancellation (client cancel, deadline, broken connection). */
static int cancelled_error(gf_call* c, gf_error* err) {
  pthread_mutex_lock(&c->mu);
  int rc = c->err_code == GF_TIMED_OUT ? gf_error_set(err, GF_TIMED_OUT, "%s", c->err_msg)
                                       : gf_error_set(err, GF_CANCELLED, "the call was cancelled before the client ended its stream");
  pthread_mutex_unlock(&c->mu);
  return rc;
}

/* The reader moved past its current message (or ended): its bytes leave
 * the server-wide budget. */
static void release_held(gf_call* c) {
  if (c->recv_held) atomic_fetch_sub(&c->d->recv_held, c->recv_held);
  c->recv_held = 0;
}

/* Charges a received message to server.max_receive_buffer_bytes until the
 * reader asks for the next one; fails when the budget would be exceeded. */
static int charge_held(gf_call* c, gf__ibuf** msg, gf_error* err) {
  int64_t budget = c->d->o.max_receive_buffer_bytes;
  int64_t n = (int64_t)gf__ibuf_length(*msg);
  int64_t total = atomic_fetch_add(&c->d->recv_held, n) + n;
  if (budget <= 0 || total <= budget) {
    c->recv_held = n;
    return GF_OK;
  }
  atomic_fetch_sub(&c->d->recv_held, n);
  gf__ibuf_free(*msg);
  *msg = NULL;
  static _Atomic(gf_logger*) slot;
  GF_LOG(gf__logger_cached(&slot, "gooddata_flight_server.rpc"), GF_LOG_WARNING, "receive_budget_exceeded",
         GF_STR("method", c->method_path), GF_STR("peer", c->peer), GF_INT("message_bytes", n),
         GF_INT("held_bytes", total - n), GF_INT("max_receive_buffer_bytes", budget));
  return gf_error_set(err, GF_RESOURCE_EXHAUSTED,
                      "FlightData message of %lld bytes: the server already holds %lld bytes of upload messages "
                      "and server.max_receive_buffer_bytes is %lld; retry later",
                      (long long)n, (long long)(total - n), (long long)budget);
}

static int call_source(void* src, gf__ibuf** out, gf_error* err) {
  gf_call* c = src;
  release_held(c);
  int rc = gf__call_recv_blocking(c, out);
  if (rc == GF_CANCELLED) return cancelled_error(c, err);
  int64_t limit = c->d->o.max_put_inflight_bytes;
  if (rc == GF_OK && limit > 0 && (int64_t)gf__ibuf_length(*out) > limit) {
    size_t n = gf__ibuf_length(*out);
    gf__ibuf_free(*out);
    *out = NULL;
    return gf_error_set(err, GF_RESOURCE_EXHAUSTED,
                        "FlightData message of %zu bytes exceeds server.max_put_inflight_bytes (%lld)", n,
                        (long long)limit);
  }
  return rc == GF_OK ? charge_held(c, out, err) : rc;
}

static int call_sink(void* sink, gf__obuf* msg, gf_error* err) {
  int rc = gf__call_send_blocking(sink, msg);
  if (rc) gf_error_set(err, rc, "the call was cancelled");
  return rc;
}

struct gf_put_writer {
  gf_call* c;
};

gf_status gf_put_writer_write(gf_put_writer* w, const void* app_metadata, size_t len,
                              gf_error* err) {
  uint8_t* data = NULL;
  size_t n = 0;
  if (gf__pb_bytes_field1(app_metadata, len, &data, &n)) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  gf__obuf* b = obuf_owned(data, n);
  if (!b) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  return call_sink(w->c, b, err);
}

/* A first message that carries a descriptor and only empty other fields
 * (Arrow C++ and protobuf encoders that write empty bytes fields send it so
 * to open DoExchange/DoPut) is the descriptor alone: drop the empty fields so
 * the reader does not surface it as an empty metadata-only message. */
static void descriptor_only(gf__flight_data* fd) {
  if (!fd->descriptor || fd->header_len || fd->app_metadata_len || fd->body_len) return;
  gf_descriptor* d = fd->descriptor;
  fd->descriptor = NULL;
  gf__flight_data_clear(fd);
  fd->descriptor = d;
}

/* Reads and decodes the first FlightData message. */
static int read_first(gf_call* c, gf__flight_data* fd, gf_error* err) {
  gf__ibuf* msg = NULL;
  int rc = call_source(c, &msg, err);
  if (rc) return rc;
  rc = gf__flight_data_decode(msg, fd, err);
  gf__ibuf_free(msg);
  if (rc == GF_OK) descriptor_only(fd);
  return rc;
}

/* The handler failed with the reader's own status and recorded no error:
 * the reader's message names what was wrong with the client's stream. */
static void reader_error_to_call(gf_call* c, const gf_data_reader* r, int rc) {
  const char* msg = NULL;
  if (rc == GF_OK || rc == GF_END_OF_STREAM || c->err_code) return;
  if (gf__data_reader_last_error(r, &msg) == rc && msg && *msg) gf__call_set_error(c, rc, msg, NULL, 0);
}

static void handle_do_put(gf_call* c, const gf_methods* m) {
  if (!m->do_put) { finish_unimplemented(c); return; }
  gf__flight_data first;
  memset(&first, 0, sizeof(first));
  gf_error err = {0};
  int rc = read_first(c, &first, &err);
  if (rc == GF_CANCELLED) { gf__call_finish(c, NULL, GF_CANCELLED); return; }
  if (rc && rc != GF_END_OF_STREAM) { finish_err(c, rc, err.message); return; }
  if (rc == GF_END_OF_STREAM || !first.descriptor) {
    gf__flight_data_clear(&first);
    { finish_err(c, GF_INVALID_ARGUMENT, "Descriptor missing on first message"); return; }
  }
  gf_data_reader* r = gf__data_reader_new(call_source, c, &first);
  if (!r) {
    gf__flight_data_clear(&first);
    { finish_err(c, GF_NO_MEMORY, "out of memory"); return; }
  }
  gf_put_writer w = {c};
  rc = m->do_put(m->state, c, gf_data_reader_descriptor(r), r, &w);
  reader_error_to_call(c, r, rc);
  gf__data_reader_free(r);
  release_held(c);
  finish_rc(c, NULL, rc);
}

static void handle_do_exchange(gf_call* c, const gf_methods* m) {
  if (!m->do_exchange) { finish_unimplemented(c); return; }
  gf__flight_data first;
  memset(&first, 0, sizeof(first));
  gf_error err = {0};
  int rc = read_first(c, &first, &err);
  if (rc == GF_CANCELLED) { gf__call_finish(c, NULL, GF_CANCELLED); return; }
  if (rc && rc != GF_END_OF_STREAM) { finish_err(c, rc, err.message); return; }
  gf_data_reader* r = gf__data_reader_new(call_source, c, rc == GF_END_OF_STREAM ? NULL : &first);
  gf_data_writer* w = gf__data_writer_new(call_sink, c, c->d->o.max_batch_bytes, NULL);
  if (!r || !w) {
    gf__data_reader_free(r);
    gf__data_writer_free(w);
    gf__flight_data_clear(&first);
    { finish_err(c, GF_NO_MEMORY, "out of memory"); return; }
  }
  rc = m->do_exchange(m->state, c, gf_data_reader_descriptor(r), r, w);
  reader_error_to_call(c, r, rc);
  gf__data_reader_free(r);
  release_held(c);
  gf__data_writer_free(w);
  finish_rc(c, NULL, rc);
}

struct gf_handshake {
  gf_call* c;
  uint8_t* payload;
};

gf_status gf_handshake_recv(gf_handshake* h, uint64_t* protocol_version, gf_bytes* payload,
                            gf_error* err) {
  gf__ibuf* msg = NULL;
  int rc = gf__call_recv_blocking(h->c, &msg);
  if (rc == GF_END_OF_STREAM) return rc;
  if (rc) return cancelled_error(h->c, err);
  uint8_t* data = NULL;
  size_t len = 0;
  rc = gf__ibuf_flatten(msg, &data, &len);
  gf__ibuf_free(msg);
  if (rc) return gf_error_set(err, rc, "out of memory");
  Arrow__Flight__Protocol__HandshakeRequest* req =
      arrow__flight__protocol__handshake_request__unpack(NULL, len, data);
  free(data);
  if (!req) return gf_error_set(err, GF_INVALID_ARGUMENT, "HandshakeRequest: malformed protobuf");
  free(h->payload);
  h->payload = malloc(req->payload.len ? req->payload.len : 1);
  if (h->payload && req->payload.len) memcpy(h->payload, req->payload.data, req->payload.len);
  if (protocol_version) *protocol_version = req->protocol_version;
  if (payload) *payload = (gf_bytes){h->payload, h->payload ? req->payload.len : 0};
  arrow__flight__protocol__handshake_request__free_unpacked(req, NULL);
  return h->payload ? GF_OK : gf_error_set(err, GF_NO_MEMORY, "out of memory");
}

gf_status gf_handshake_send(gf_handshake* h, uint64_t protocol_version, const void* payload,
                            size_t len, gf_error* err) {
  Arrow__Flight__Protocol__HandshakeResponse r;
  arrow__flight__protocol__handshake_response__init(&r);
  r.protocol_version = protocol_version;
  r.payload = (ProtobufCBinaryData){len, (uint8_t*)payload};
  size_t n = arrow__flight__protocol__handshake_response__get_packed_size(&r);
  uint8_t* data = malloc(n ? n : 1);
  if (!data) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  arrow__flight__protocol__handshake_response__pack(&r, data);
  gf__obuf* b = obuf_owned(data, n);
  if (!b) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  return call_sink(h->c, b, err);
}

static void handle_handshake(gf_call* c, const gf_methods* m) {
  if (!m->handshake)
    { finish_err(c, GF_UNIMPLEMENTED, "This service does not have an authentication mechanism enabled."); return; }
  gf_handshake h = {c, NULL};
  int rc = m->handshake(m->state, c, &h);
  free(h.payload);
  finish_rc(c, NULL, rc);
}

/* ---- entry ----------------------------------------------------------------------------------- */

void gf__handle_call(gf_call* c) {
  const gf_methods* m = c->d->methods;
  switch (c->method) {
    case GF__M_HANDSHAKE: handle_handshake(c, m); break;
    case GF__M_LIST_FLIGHTS: handle_list_flights(c, m); break;
    case GF__M_GET_FLIGHT_INFO: handle_get_flight_info(c, m); break;
    case GF__M_POLL_FLIGHT_INFO: handle_poll_flight_info(c, m); break;
    case GF__M_GET_SCHEMA: handle_get_schema(c, m); break;
    case GF__M_DO_GET: handle_do_get(c, m); break;
    case GF__M_DO_PUT: handle_do_put(c, m); break;
    case GF__M_DO_EXCHANGE: handle_do_exchange(c, m); break;
    case GF__M_DO_ACTION: handle_do_action(c, m); break;
    case GF__M_LIST_ACTIONS: handle_list_actions(c, m); break;
    default: finish_unimplemented(c); break;
  }
}
