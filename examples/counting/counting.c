/* Test plugin used by the security tests: implements all ten Flight methods
 * trivially and counts how often each callback ran, so tests can prove that
 * unauthenticated calls never reached plugin code. DoAction "counts" (not
 * itself counted) returns one Result with JSON {"Handshake":n,...}; DoAction
 * "whoami" returns {"identity":..,"data":..} (data read as a C string — the
 * sample auth_strategy's data). DoGet ticket "big:<n>" streams n batches of
 * 1 MiB (one int64 column); DoPut with descriptor path "slow" sleeps 20 ms per
 * message (a slow consumer). Callbacks run on server worker threads; the
 * counters are atomics. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gooddata_flight_server/flight.h"
#include "gooddata_flight_server/server.h"
#include "counting.h"

static const char* const method_names[COUNTING_N] = {
    "Handshake", "ListFlights", "GetFlightInfo", "PollFlightInfo", "GetSchema",
    "DoGet",     "DoPut",       "DoExchange",    "DoAction",       "ListActions"};

static atomic_long counts[COUNTING_N];
static atomic_long put_messages;

static void bump(int m) { atomic_fetch_add(&counts[m], 1); }

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static gf_status handshake(void* state, gf_call* call, gf_handshake* h) {
  (void)state;
  (void)call;
  bump(0);
  for (;;) {
    uint64_t version = 0;
    gf_bytes payload = {NULL, 0};
    gf_error err = {0};
    int rc = gf_handshake_recv(h, &version, &payload, &err);
    if (rc == GF_END_OF_STREAM) return GF_OK;
    if (rc != GF_OK) return rc;
    rc = gf_handshake_send(h, version, payload.data, payload.len, &err);
    if (rc != GF_OK) return rc;
  }
}

static gf_status list_flights(void* state, gf_call* call, gf_bytes criteria, gf_flight_list* out) {
  (void)state;
  (void)call;
  (void)criteria;
  (void)out;
  bump(1);
  return GF_OK;
}

static gf_status fill_info(gf_call* call, const gf_descriptor* d, gf_flight_info* info) {
  if (gf_flight_info_set_descriptor(info, d) != GF_OK) return GF_NO_MEMORY;
  gf_flight_endpoint* ep = gf_flight_info_add_endpoint(info, "big:1", 5);
  if (ep == NULL) return GF_NO_MEMORY;
  const char* loc = gf_context_location(gf_call_context(call));
  if (loc != NULL && gf_flight_endpoint_add_location(ep, loc) != GF_OK) return GF_NO_MEMORY;
  return GF_OK;
}

static gf_status get_flight_info(void* state, gf_call* call, const gf_descriptor* d,
                                 gf_flight_info* out) {
  (void)state;
  bump(2);
  return fill_info(call, d, out);
}

static gf_status poll_flight_info(void* state, gf_call* call, const gf_descriptor* d,
                                  gf_poll_info* out) {
  (void)state;
  bump(3);
  gf_poll_info_set_progress(out, 1.0);
  return fill_info(call, d, gf_poll_info_info(out));
}

static gf_status get_schema(void* state, gf_call* call, const gf_descriptor* d,
                            struct ArrowSchema* out) {
  (void)state;
  (void)call;
  (void)d;
  bump(4);
  return counting_make_schema(out);
}

static gf_status do_get(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  (void)state;
  (void)call;
  bump(5);
  long n = 1;
  if (ticket.len > 4 && ticket.len < 32 && memcmp(ticket.data, "big:", 4) == 0) {
    char buf[32];
    memcpy(buf, ticket.data + 4, ticket.len - 4);
    buf[ticket.len - 4] = '\0';
    n = strtol(buf, NULL, 10);
    if (n < 0 || n > 100000) n = 1;
  }
  return counting_make_stream(n, &out->stream);
}

static int is_slow(const gf_descriptor* d) {
  return d != NULL && d->type == GF_DESCRIPTOR_PATH && d->n_path > 0 &&
         strcmp(d->path[0], "slow") == 0;
}

static int drain(gf_data_reader* in, long delay_ms) {
  for (;;) {
    struct ArrowArray batch;
    memset(&batch, 0, sizeof(batch));
    gf_bytes meta = {NULL, 0};
    gf_error err = {0};
    int rc = gf_data_reader_next(in, &batch, &meta, &err);
    if (rc == GF_END_OF_STREAM) return GF_OK;
    if (rc != GF_OK) return rc;
    if (batch.release != NULL) batch.release(&batch);
    atomic_fetch_add(&put_messages, 1);
    if (delay_ms > 0) sleep_ms(delay_ms);
  }
}

static gf_status do_put(void* state, gf_call* call, const gf_descriptor* d, gf_data_reader* in,
                        gf_put_writer* out) {
  (void)state;
  (void)call;
  (void)out;
  bump(6);
  const gf_descriptor* rd = d ? d : gf_data_reader_descriptor(in);
  return drain(in, is_slow(rd) ? 20 : 0);
}

static gf_status do_exchange(void* state, gf_call* call, const gf_descriptor* d, gf_data_reader* in,
                             gf_data_writer* out) {
  (void)state;
  (void)call;
  (void)d;
  (void)out;
  bump(7);
  return drain(in, 0);
}

static int counts_json(gf_result_list* out) {
  char buf[1024];
  size_t off = (size_t)snprintf(buf, sizeof(buf), "{");
  for (int i = 0; i < COUNTING_N; i++)
    off += (size_t)snprintf(buf + off, sizeof(buf) - off, "\"%s\":%ld,", method_names[i],
                            atomic_load(&counts[i]));
  snprintf(buf + off, sizeof(buf) - off, "\"PutMessages\":%ld}", atomic_load(&put_messages));
  return gf_result_list_add(out, buf, strlen(buf));
}

static void json_str(char* buf, size_t cap, const char* s) {
  size_t o = 0;
  if (s == NULL) {
    snprintf(buf, cap, "null");
    return;
  }
  buf[o++] = '"';
  for (; *s && o + 8 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)c;
    } else if (c < 0x20) {
      o += (size_t)snprintf(buf + o, cap - o, "\\u%04x", c);
    } else {
      buf[o++] = (char)c;
    }
  }
  buf[o++] = '"';
  buf[o] = '\0';
}

static gf_status whoami(gf_call* call, gf_result_list* out) {
  char id[300], data[300], buf[700];
  json_str(id, sizeof(id), gf_call_identity(call));
  json_str(data, sizeof(data), (const char*)gf_call_auth_data(call));
  snprintf(buf, sizeof(buf), "{\"identity\":%s,\"data\":%s}", id, data);
  return gf_result_list_add(out, buf, strlen(buf));
}

static gf_status do_action(void* state, gf_call* call, const gf_action* a, gf_result_list* out) {
  (void)state;
  if (a->type != NULL && strcmp(a->type, "counts") == 0) return counts_json(out);
  bump(8);
  if (a->type != NULL && strcmp(a->type, "whoami") == 0) return whoami(call, out);
  return GF_OK;
}

static gf_status list_actions(void* state, gf_call* call, gf_action_type_list* out) {
  (void)state;
  (void)call;
  bump(9);
  int rc = gf_action_type_list_add(out, "counts", "JSON counts of callback invocations");
  if (rc == GF_OK) rc = gf_action_type_list_add(out, "whoami", "identity and auth data");
  return rc;
}

static gf_status factory(gf_server_context* ctx, gf_methods* m, gf_error* err) {
  (void)ctx;
  (void)err;
  m->struct_size = sizeof(*m);
  m->abi_version = GF_PLUGIN_ABI_VERSION;
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
