/* Test plugin "poll_sim" for the gooddata-flight `call --poll` tests: speaks
 * the FlexConnect polling protocol (header x-quiver-pollable; commands
 * {"functionName":..}, "r:<polls left>", "c:<id>") with POLL errors whose
 * RetryInfo carries retry and cancel descriptors. Function "PollTwice"
 * answers POLL twice, "Forever" never finishes, any other name answers at
 * once; without the header every call answers at once. Each poll waits
 * 200 ms. DoGet returns col1 int64 [1,2,3]; DoAction "cancels" returns how
 * many cancel descriptors arrived. Worker threads; the counter is atomic. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/errors.h"
#include "gooddata_flight_server/server.h"

static atomic_int cancels;
static gf_server_context* the_ctx;

static int schema(struct ArrowSchema* s) {
  return gf_schema_init(s, "+s", "", 0, NULL) || gf_schema_allocate_children(s, 1, NULL) ||
         gf_schema_init(s->children[0], "l", "col1", ARROW_FLAG_NULLABLE, NULL);
}

static int answer(gf_call* call, const gf_descriptor* d, gf_flight_info* out) {
  struct ArrowSchema s = {0};
  int rc = schema(&s) || gf_flight_info_set_schema(out, &s, NULL);
  if (s.release) s.release(&s);
  gf_flight_info_set_descriptor(out, d);
  gf_flight_endpoint* ep = gf_flight_info_add_endpoint(out, "t", 1);
  if (rc || !ep || gf_flight_endpoint_add_location(ep, gf_context_location(the_ctx)))
    return gf_call_error(call, GF_INTERNAL, "cannot build the FlightInfo");
  return GF_OK;
}

static int poll_error(gf_call* call, long left) {
  char r[32];
  snprintf(r, sizeof(r), "r:%ld", left);
  gf_descriptor retry = {GF_DESCRIPTOR_CMD, {(const uint8_t*)r, strlen(r)}, 0, NULL};
  gf_descriptor cancel = {GF_DESCRIPTOR_CMD, {(const uint8_t*)"c:task", 6}, 0, NULL};
  gf_retry_info ri = {NULL, &retry, &cancel};
  return gf_call_error_poll(call, &ri);
}

static int get_flight_info(void* state, gf_call* call, const gf_descriptor* d, gf_flight_info* out) {
  (void)state;
  gf_bytes h;
  if (d->type != GF_DESCRIPTOR_CMD) return gf_error_info_bad_argument(call, "CMD descriptors only");
  if (!gf_call_header(call, "x-quiver-pollable", &h)) return answer(call, d, out);
  const char* cmd = (const char*)d->cmd.data;
  size_t n = d->cmd.len;
  if (n >= 2 && memcmp(cmd, "c:", 2) == 0) {
    atomic_fetch_add(&cancels, 1);
    return gf_call_error_code(call, GF_CANCELLED, GF_EC_COMMAND_CANCELLED, "FlexConnect function invocation was cancelled.");
  }
  struct timespec ts = {0, 200 * 1000000L};
  nanosleep(&ts, NULL);
  long left = 0;
  if (n >= 2 && memcmp(cmd, "r:", 2) == 0) {
    char num[24] = {0};
    memcpy(num, cmd + 2, n - 2 < sizeof(num) - 1 ? n - 2 : sizeof(num) - 1);
    left = atol(num);
  } else if (memmem(cmd, n, "\"PollTwice\"", 11)) {
    left = 2;
  } else if (memmem(cmd, n, "\"Forever\"", 9)) {
    left = 1000000;
  }
  return left > 0 ? poll_error(call, left - 1) : answer(call, d, out);
}

static int do_get(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  (void)state;
  (void)ticket;
  struct ArrowSchema s = {0};
  gf_builder* b = NULL;
  gf_table* t = NULL;
  struct ArrowArray a;
  int rc = schema(&s) || gf_builder_create(&s, &b, NULL) || gf_table_create(&s, &t, NULL);
  for (int i = 1; i <= 3 && !rc; i++)
    rc = gf_builder_append_int(gf_builder_child(b, 0), i) || gf_builder_append_struct_end(b);
  if (!rc) rc = gf_builder_finish(b, &a, NULL) || gf_table_append(t, &a, NULL, 0, NULL) ||
                gf_table_export_stream(t, &out->stream, NULL);
  gf_builder_free(b);
  if (t) gf_table_unref(t);
  if (s.release) s.release(&s);
  return rc ? gf_call_error(call, GF_INTERNAL, "cannot build the result") : GF_OK;
}

static int do_action(void* state, gf_call* call, const gf_action* a, gf_result_list* out) {
  (void)state;
  if (strcmp(a->type, "cancels") != 0) return gf_call_error(call, GF_INVALID_ARGUMENT, "unknown action");
  char n[16];
  snprintf(n, sizeof(n), "%d", atomic_load(&cancels));
  return gf_result_list_add(out, n, strlen(n));
}

static int factory(gf_server_context* ctx, gf_methods* out, gf_error* err) {
  (void)err;
  the_ctx = ctx;
  out->struct_size = sizeof(*out);
  out->abi_version = GF_PLUGIN_ABI_VERSION;
  out->get_flight_info = get_flight_info;
  out->do_get = do_get;
  out->do_action = do_action;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
