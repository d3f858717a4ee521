/* The Arrow Flight integration-scenario plugin (the 11 non-SQL scenarios of
 * Arrow's integration suite), written only with the public plugin API: the
 * factory reads `[integration] scenario` and the methods route each call to
 * that scenario's code (scenario_*.c). Worker threads. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "integration.h"

static const char* const NAMES[SC_COUNT] = {
    "auth:basic_proto",
    "middleware",
    "ordered",
    "expiration_time:do_get",
    "expiration_time:list_actions",
    "expiration_time:cancel_flight_info",
    "expiration_time:renew_flight_endpoint",
    "location:reuse_connection",
    "session_options",
    "poll_flight_info",
    "app_metadata_flight_info_endpoint",
};

/* ---- helpers ---------------------------------------------------------------------------------- */

int64_t integ_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int integ_number_schema(struct ArrowSchema* out, const char* format, int empty, gf_error* err) {
  int rc = gf_schema_init(out, "+s", "", 0, err);
  if (!rc && !empty) rc = gf_schema_allocate_children(out, 1, err);
  if (!rc && !empty) rc = gf_schema_init(out->children[0], format, "number", 0, err);
  if (rc && out->release) out->release(out);
  return rc;
}

int integ_set_number_schema(gf_flight_info* info, const char* format, int empty, gf_error* err) {
  struct ArrowSchema s = {0};
  int rc = integ_number_schema(&s, format, empty, err);
  if (!rc) rc = gf_flight_info_set_schema(info, &s, err);
  if (s.release) s.release(&s);
  return rc;
}

int integ_numbers_source(const char* format, const int64_t* values, size_t n, gf_data_source* out,
                         gf_error* err) {
  struct ArrowSchema schema = {0};
  struct ArrowArray batch = {0};
  gf_builder* b = NULL;
  gf_table* t = NULL;
  int rc = integ_number_schema(&schema, format, 0, err);
  if (!rc) rc = gf_builder_create(&schema, &b, err);
  for (size_t i = 0; !rc && i < n; i++) {
    rc = gf_builder_append_int(gf_builder_child(b, 0), values[i]);
    if (!rc) rc = gf_builder_append_struct_end(b);
    if (rc) gf_error_set(err, rc, "%s", gf_builder_last_error(b));
  }
  if (!rc) rc = gf_builder_finish(b, &batch, err);
  if (!rc) rc = gf_table_create(&schema, &t, err);
  if (!rc) rc = gf_table_append(t, &batch, NULL, 0, err);
  if (!rc) rc = gf_table_export_stream(t, &out->stream, err);
  if (t) gf_table_unref(t);
  if (batch.release) batch.release(&batch);
  gf_builder_free(b);
  if (schema.release) schema.release(&schema);
  return rc;
}

int integ_is_cmd(const gf_descriptor* d, const char* cmd) {
  size_t n = strlen(cmd);
  return d && d->type == GF_DESCRIPTOR_CMD && d->cmd.len == n && (n == 0 || memcmp(d->cmd.data, cmd, n) == 0);
}

/* ---- methods ---------------------------------------------------------------------------------- */

static int is_expiration(const integ* s) {
  return s->sc >= SC_EXPIRATION_DO_GET && s->sc <= SC_EXPIRATION_RENEW;
}

static gf_status authenticate(void* state, gf_call* call) {
  integ* s = state;
  if (s->sc == SC_MIDDLEWARE) {
    gf_bytes v;
    if (gf_call_header(call, "x-middleware", &v)) gf_call_add_header(call, "x-middleware", v.data, v.len);
    return GF_OK;
  }
  if (s->sc == SC_AUTH_BASIC_PROTO) return gf_basic_auth_authenticate(s->auth, call);
  return GF_OK;
}

static gf_status handshake(void* state, gf_call* call, gf_handshake* stream) {
  integ* s = state;
  if (s->sc != SC_AUTH_BASIC_PROTO)
    return gf_call_error(call, GF_UNIMPLEMENTED, "scenario %s has no handshake", NAMES[s->sc]);
  return gf_basic_auth_handshake(s->auth, call, stream);
}

static gf_status get_flight_info(void* state, gf_call* call, const gf_descriptor* d,
                                 gf_flight_info* out) {
  integ* s = state;
  if (is_expiration(s)) return sc_exp_get_flight_info(s, call, d, out);
  return sc_basic_get_flight_info(s, call, d, out);
}

static gf_status poll_flight_info(void* state, gf_call* call, const gf_descriptor* d,
                                  gf_poll_info* out) {
  return sc_basic_poll(state, call, d, out);
}

static gf_status do_get(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  integ* s = state;
  if (is_expiration(s)) return sc_exp_do_get(s, call, ticket, out);
  return sc_basic_do_get(s, call, ticket, out);
}

static gf_status do_action(void* state, gf_call* call, const gf_action* a, gf_result_list* out) {
  integ* s = state;
  if (is_expiration(s)) return sc_exp_do_action(s, call, a, out);
  if (s->sc == SC_SESSION_OPTIONS) return sc_session_do_action(s, call, a, out);
  if (s->sc == SC_AUTH_BASIC_PROTO) {
    const char* who = gf_call_identity(call);
    return gf_result_list_add(out, who ? who : "", who ? strlen(who) : 0);
  }
  return gf_call_error(call, GF_INVALID_ARGUMENT, "Unknown action: %s", a->type);
}

static gf_status list_actions(void* state, gf_call* call, gf_action_type_list* out) {
  integ* s = state;
  if (is_expiration(s)) return sc_exp_list_actions(s, call, out);
  if (s->sc == SC_SESSION_OPTIONS) {
    int rc = gf_action_type_list_add(out, GF_ACTION_SET_SESSION_OPTIONS, "Set session options.");
    if (!rc) rc = gf_action_type_list_add(out, GF_ACTION_GET_SESSION_OPTIONS, "Get session options.");
    if (!rc) rc = gf_action_type_list_add(out, GF_ACTION_CLOSE_SESSION, "Close the session.");
    return rc;
  }
  return GF_OK;
}

static void release(void* state) {
  integ* s = state;
  gf_basic_auth_free(s->auth);
  gf_session_store_free(s->sessions);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

static gf_status parse_scenario(const char* name, scenario* out, gf_error* err) {
  for (int i = 0; i < SC_COUNT; i++)
    if (strcmp(name, NAMES[i]) == 0) {
      *out = (scenario)i;
      return GF_OK;
    }
  char list[600] = "";
  for (int i = 0; i < SC_COUNT; i++) {
    strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
    strncat(list, NAMES[i], sizeof(list) - strlen(list) - 1);
  }
  return gf_error_set(err, GF_INVALID_ARGUMENT,
                      "integration.scenario: unknown scenario '%.100s' (known: %s; env "
                      "GOODDATA_FLIGHT_INTEGRATION__SCENARIO)",
                      name, list);
}

static gf_status factory(gf_server_context* ctx, gf_methods* out, gf_error* err) {
  const char* name = NULL;
  int rc = gf_settings_get_string(gf_context_settings(ctx), "integration.scenario", "", &name, err);
  if (rc) return rc;
  scenario sc = SC_COUNT;
  if ((rc = parse_scenario(name, &sc, err))) return rc;
  integ* s = calloc(1, sizeof(*s));
  if (!s) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  s->ctx = ctx;
  s->sc = sc;
  pthread_mutex_init(&s->mu, NULL);
  if (sc == SC_AUTH_BASIC_PROTO) rc = sc_auth_create(s, err);
  if (sc == SC_SESSION_OPTIONS) rc = sc_session_create(s, err);
  if (rc) {
    release(s);
    return rc;
  }
  GF_LOG(gf_context_logger(ctx, "integration"), GF_LOG_INFO, "integration_scenario",
         GF_STR("scenario", NAMES[sc]));
  out->struct_size = sizeof(*out);
  out->abi_version = GF_PLUGIN_ABI_VERSION;
  out->state = s;
  out->release = release;
  out->authenticate = authenticate;
  out->handshake = handshake;
  out->get_flight_info = get_flight_info;
  out->poll_flight_info = poll_flight_info;
  out->do_get = do_get;
  out->do_action = do_action;
  out->list_actions = list_actions;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
