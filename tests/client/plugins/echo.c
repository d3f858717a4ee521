/* Test plugin "echo" (tests/client/test_client_exchange.c): DoExchange echoes
 * every incoming message at once — record batches with their app_metadata
 * (the schema is sent before the first echoed batch), metadata-only messages
 * as metadata-only. Handshake echoes payloads;
 * PollFlightInfo reports a running query (descriptor CMD "done", progress
 * 0.5, expiration) unless the command is "done"; DoAction "headers" returns
 * the x-test request header and sets response header x-h and trailer x-t-bin,
 * "fail" fails with UNAUTHORIZED and extra_info. Other methods are NULL.
 * Worker threads; no shared state. Built as <build>/tests/plugins/libecho.so. */
#include <string.h>

#include "gooddata_flight_server/server.h"

static int handshake(void* state, gf_call* call, gf_handshake* h) {
  (void)state;
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

static int poll_flight_info(void* state, gf_call* call, const gf_descriptor* d, gf_poll_info* out) {
  (void)state;
  (void)call;
  gf_flight_info* info = gf_poll_info_info(out);
  gf_flight_info_set_descriptor(info, d);
  gf_flight_info_set_total_records(info, 42);
  gf_flight_info_add_endpoint(info, "t", 1);
  int done = d->type == GF_DESCRIPTOR_CMD && d->cmd.len == 4 && memcmp(d->cmd.data, "done", 4) == 0;
  if (done) {
    gf_poll_info_set_progress(out, 1.0);
    return GF_OK;
  }
  gf_descriptor next = {GF_DESCRIPTOR_CMD, {(const uint8_t*)"done", 4}, 0, NULL};
  gf_poll_info_set_descriptor(out, &next);
  gf_poll_info_set_progress(out, 0.5);
  gf_poll_info_set_expiration(out, 2000000000, 7);
  return GF_OK;
}

static int do_action(void* state, gf_call* call, const gf_action* a, gf_result_list* out) {
  (void)state;
  if (strcmp(a->type, "fail") == 0)
    return gf_call_error_extra(call, GF_UNAUTHORIZED, "xyz\0", 4, "denied: %s", "no");
  if (strcmp(a->type, "headers") != 0) return gf_call_error(call, GF_INVALID_ARGUMENT, "unknown action");
  gf_bytes v = {NULL, 0};
  gf_call_header(call, "x-test", &v);
  gf_call_add_header(call, "x-h", "hv", 2);
  gf_call_add_trailer(call, "x-t-bin", "\x01\x00\xff", 3);
  return gf_result_list_add(out, v.data, v.len);
}

static int do_exchange(void* state, gf_call* call, const gf_descriptor* d, gf_data_reader* in,
                       gf_data_writer* out) {
  (void)state;
  (void)d;
  gf_error err;
  int begun = 0;
  for (;;) {
    struct ArrowArray batch;
    gf_bytes md;
    int rc = gf_data_reader_next(in, &batch, &md, &err);
    if (rc == GF_END_OF_STREAM) return GF_OK;
    if (rc) return gf_call_error(call, rc, "%s", err.message);
    if (!batch.release) {
      if (gf_data_writer_write_metadata(out, md.data, md.len, &err))
        return gf_call_error(call, GF_CANCELLED, "%s", err.message);
      continue;
    }
    if (!begun) {
      struct ArrowSchema schema;
      rc = gf_data_reader_schema(in, &schema, &err);
      if (rc == GF_OK) {
        rc = gf_data_writer_begin(out, &schema, &err);
        schema.release(&schema);
      }
      if (rc) {
        batch.release(&batch);
        return gf_call_error(call, rc, "%s", err.message);
      }
      begun = 1;
    }
    if (gf_data_writer_write(out, &batch, md.data, md.len, &err))
      return gf_call_error(call, GF_CANCELLED, "%s", err.message);
  }
}

static int factory(gf_server_context* ctx, gf_methods* out, gf_error* err) {
  (void)ctx;
  (void)err;
  out->struct_size = sizeof(*out);
  out->abi_version = GF_PLUGIN_ABI_VERSION;
  out->do_exchange = do_exchange;
  out->handshake = handshake;
  out->poll_flight_info = poll_flight_info;
  out->do_action = do_action;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
