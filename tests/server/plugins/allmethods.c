/* Test plugin "allmethods" (tests/node/rpc_method_metrics.test.mjs): answers
 * every one of the ten Flight methods. DoPut keeps the last uploaded table;
 * GetFlightInfo, PollFlightInfo, GetSchema, ListFlights describe it; DoGet
 * (any ticket) streams it; DoExchange and Handshake echo; DoAction "ping"
 * answers "pong"; ListActions lists "ping". Callbacks run on worker threads;
 * the table slot is guarded by a mutex. Built as
 * <build>/tests/plugins/liballmethods.so. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/server.h"

typedef struct state {
  pthread_mutex_t mu;
  gf_table* table; /* last DoPut (NULL before any) */
} state;

static gf_table* table_ref(state* s) {
  pthread_mutex_lock(&s->mu);
  gf_table* t = s->table;
  if (t) gf_table_ref(t);
  pthread_mutex_unlock(&s->mu);
  return t;
}

static int describe(gf_call* call, gf_table* t, const gf_descriptor* d, gf_flight_info* out) {
  gf_error err;
  if (gf_flight_info_set_schema(out, gf_table_schema(t), &err))
    return gf_call_error(call, GF_INTERNAL, "%s", err.message);
  gf_flight_info_set_descriptor(out, d);
  gf_flight_info_set_total_records(out, gf_table_num_rows(t));
  if (!gf_flight_info_add_endpoint(out, "t", 1)) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

static int with_table(void* st, gf_call* call, const gf_descriptor* d, gf_flight_info* out) {
  gf_table* t = table_ref(st);
  if (!t) return gf_call_error(call, GF_NOT_FOUND, "nothing was put yet");
  int rc = describe(call, t, d, out);
  gf_table_unref(t);
  return rc;
}

static int get_flight_info(void* st, gf_call* call, const gf_descriptor* d, gf_flight_info* out) {
  return with_table(st, call, d, out);
}

static int poll_flight_info(void* st, gf_call* call, const gf_descriptor* d, gf_poll_info* out) {
  gf_poll_info_set_progress(out, 1.0);
  return with_table(st, call, d, gf_poll_info_info(out));
}

static int get_schema(void* st, gf_call* call, const gf_descriptor* d, struct ArrowSchema* out) {
  (void)d;
  gf_table* t = table_ref(st);
  if (!t) return gf_call_error(call, GF_NOT_FOUND, "nothing was put yet");
  gf_error err;
  int rc = gf_schema_deep_copy(gf_table_schema(t), out, &err);
  gf_table_unref(t);
  return rc ? gf_call_error(call, rc, "%s", err.message) : GF_OK;
}

static int list_flights(void* st, gf_call* call, gf_bytes criteria, gf_flight_list* out) {
  (void)criteria;
  gf_table* t = table_ref(st);
  if (!t) return GF_OK;
  const char* path[1] = {"t"};
  gf_descriptor d = {GF_DESCRIPTOR_PATH, {NULL, 0}, 1, path};
  gf_flight_info* info = gf_flight_list_add(out);
  int rc = info ? describe(call, t, &d, info) : gf_call_error(call, GF_NO_MEMORY, "out of memory");
  gf_table_unref(t);
  return rc;
}

static void release_table(void* user) { gf_table_unref(user); }

static int do_get(void* st, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  (void)ticket;
  gf_table* t = table_ref(st);
  if (!t) return gf_call_error(call, GF_NOT_FOUND, "nothing was put yet");
  gf_error err;
  if (gf_table_export_stream(t, &out->stream, &err)) {
    gf_table_unref(t);
    return gf_call_error(call, GF_INTERNAL, "%s", err.message);
  }
  out->user = t;
  out->release_user = release_table;
  return GF_OK;
}

static int read_table(gf_call* call, gf_data_reader* in, gf_put_writer* ack, gf_table** out) {
  struct ArrowSchema schema;
  gf_error err;
  int rc = gf_data_reader_schema(in, &schema, &err);
  if (rc) return gf_call_error(call, rc == GF_END_OF_STREAM ? GF_INVALID_ARGUMENT : rc, "%s", err.message);
  rc = gf_table_create(&schema, out, &err);
  schema.release(&schema);
  while (rc == GF_OK) {
    struct ArrowArray batch;
    gf_bytes md;
    rc = gf_data_reader_next(in, &batch, &md, &err);
    if (rc == GF_END_OF_STREAM) return GF_OK;
    if (rc == GF_OK && batch.release) rc = gf_table_append(*out, &batch, md.data, md.len, &err);
    if (rc == GF_OK) rc = gf_put_writer_write(ack, md.data, md.len, &err);
  }
  return gf_call_error(call, rc, "%s", err.message);
}

static int do_put(void* st, gf_call* call, const gf_descriptor* d, gf_data_reader* in, gf_put_writer* ack) {
  (void)d;
  state* s = st;
  gf_table* t = NULL;
  int rc = read_table(call, in, ack, &t);
  if (rc) {
    if (t) gf_table_unref(t);
    return rc;
  }
  pthread_mutex_lock(&s->mu);
  gf_table* old = s->table;
  s->table = t;
  pthread_mutex_unlock(&s->mu);
  if (old) gf_table_unref(old);
  return GF_OK;
}

static int echo_batch(gf_call* call, gf_data_reader* in, gf_data_writer* out, int* begun,
                      struct ArrowArray* batch, gf_bytes md) {
  gf_error err;
  if (!*begun) {
    struct ArrowSchema schema;
    int rc = gf_data_reader_schema(in, &schema, &err);
    if (rc == GF_OK) {
      rc = gf_data_writer_begin(out, &schema, &err);
      schema.release(&schema);
    }
    if (rc) {
      batch->release(batch);
      return gf_call_error(call, rc, "%s", err.message);
    }
    *begun = 1;
  }
  if (gf_data_writer_write(out, batch, md.data, md.len, &err))
    return gf_call_error(call, GF_CANCELLED, "%s", err.message);
  return GF_OK;
}

static int do_exchange(void* st, gf_call* call, const gf_descriptor* d, gf_data_reader* in,
                       gf_data_writer* out) {
  (void)st;
  (void)d;
  int begun = 0;
  for (;;) {
    struct ArrowArray batch;
    gf_bytes md;
    gf_error err;
    int rc = gf_data_reader_next(in, &batch, &md, &err);
    if (rc == GF_END_OF_STREAM) return GF_OK;
    if (rc) return gf_call_error(call, rc, "%s", err.message);
    if (batch.release) rc = echo_batch(call, in, out, &begun, &batch, md);
    else if (gf_data_writer_write_metadata(out, md.data, md.len, &err))
      rc = gf_call_error(call, GF_CANCELLED, "%s", err.message);
    if (rc) return rc;
  }
}

static int handshake(void* st, gf_call* call, gf_handshake* h) {
  (void)st;
  gf_error err;
  for (;;) {
    uint64_t version;
    gf_bytes payload;
    int rc = gf_handshake_recv(h, &version, &payload, &err);
    if (rc == GF_END_OF_STREAM) return GF_OK;
    if (rc) return gf_call_error(call, rc, "%s", err.message);
    if (gf_handshake_send(h, version, payload.data, payload.len, &err))
      return gf_call_error(call, GF_CANCELLED, "%s", err.message);
  }
}

static int do_action(void* st, gf_call* call, const gf_action* a, gf_result_list* out) {
  (void)st;
  if (strcmp(a->type, "ping") != 0) return gf_call_error(call, GF_INVALID_ARGUMENT, "Unknown action '%s'", a->type);
  return gf_result_list_add(out, "pong", 4);
}

static int list_actions(void* st, gf_call* call, gf_action_type_list* out) {
  (void)st;
  (void)call;
  return gf_action_type_list_add(out, "ping", "Answers pong.");
}

static void release(void* st) {
  state* s = st;
  if (s->table) gf_table_unref(s->table);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

static int factory(gf_server_context* ctx, gf_methods* m, gf_error* err) {
  (void)ctx;
  state* s = calloc(1, sizeof(*s));
  if (!s) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  pthread_mutex_init(&s->mu, NULL);
  m->struct_size = sizeof(*m);
  m->abi_version = GF_PLUGIN_ABI_VERSION;
  m->state = s;
  m->release = release;
  m->handshake = handshake;
  m->list_flights = list_flights;
  m->get_flight_info = get_flight_info;
  m->poll_flight_info = poll_flight_info;
  m->get_schema = get_schema;
  m->do_get = do_get;
  m->do_put = do_put;
  m->do_exchange = do_exchange;
  m->do_action = do_action;
  m->list_actions = list_actions;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
