/* Integration scenarios without shared mutable state: auth:basic_proto
 * (credentials check), middleware (GetFlightInfo outcome; the header echo is
 * in the authenticate hook), ordered, location:reuse_connection,
 * poll_flight_info and app_metadata_flight_info_endpoint. Worker threads. */
#include <stdlib.h>
#include <string.h>

#include "integration.h"

/* ---- auth:basic_proto ---- */

static int check_credentials(void* user, const char* username, const char* password,
                             char** identity, gf_error* err) {
  (void)user;
  if (strcmp(username, "arrow") != 0 || strcmp(password, "flight") != 0)
    return gf_error_set(err, GF_UNAUTHENTICATED, "Invalid token");
  *identity = strdup(username);
  return *identity ? GF_OK : gf_error_set(err, GF_NO_MEMORY, "out of memory");
}

int sc_auth_create(integ* s, gf_error* err) {
  gf_basic_auth_options o = {.struct_size = sizeof(o), .check = check_credentials, .user = s};
  return gf_basic_auth_create(&o, &s->auth, err);
}

/* ---- GetFlightInfo ---- */

static gf_status fail(gf_call* call, int rc, const gf_error* err) {
  return gf_call_error(call, rc, "%s", err->message);
}

static gf_status middleware_info(gf_call* call, const gf_descriptor* d, gf_flight_info* out) {
  gf_error err = {0};
  if (!integ_is_cmd(d, "success")) return gf_call_error(call, GF_UNKNOWN, "Unknown");
  int rc = integ_set_number_schema(out, "", 1, &err);
  if (rc) return fail(call, rc, &err);
  gf_flight_endpoint* ep = gf_flight_info_add_endpoint(out, "foo", 3);
  if (!ep || gf_flight_endpoint_add_location(ep, "grpc+tcp://localhost:10010"))
    return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

static gf_status ordered_info(gf_call* call, const gf_descriptor* d, gf_flight_info* out) {
  gf_error err = {0};
  int ordered = integ_is_cmd(d, "ordered");
  int rc = integ_set_number_schema(out, "i", 0, &err);
  if (rc) return fail(call, rc, &err);
  gf_flight_info_set_ordered(out, ordered);
  const char* tickets = ordered ? "123" : "132";
  for (int i = 0; i < 3; i++)
    if (!gf_flight_info_add_endpoint(out, tickets + i, 1))
      return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

static gf_status reuse_info(gf_call* call, gf_flight_info* out) {
  gf_error err = {0};
  int rc = integ_set_number_schema(out, "", 1, &err);
  if (rc) return fail(call, rc, &err);
  gf_flight_endpoint* ep = gf_flight_info_add_endpoint(out, "reuse", 5);
  if (!ep || gf_flight_endpoint_add_location(ep, "arrow-flight-reuse-connection://?"))
    return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

static gf_status app_metadata_info(gf_call* call, const gf_descriptor* d, gf_flight_info* out) {
  gf_error err = {0};
  if (d->type != GF_DESCRIPTOR_CMD)
    return gf_call_error(call, GF_INVALID_ARGUMENT, "request descriptor should be of type CMD");
  int rc = integ_set_number_schema(out, "I", 0, &err);
  if (rc) return fail(call, rc, &err);
  gf_flight_endpoint* ep = gf_flight_info_add_endpoint(out, "", 0);
  if (!ep || gf_flight_info_set_app_metadata(out, d->cmd.data, d->cmd.len) ||
      gf_flight_endpoint_set_app_metadata(ep, d->cmd.data, d->cmd.len))
    return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

int sc_basic_get_flight_info(integ* s, gf_call* call, const gf_descriptor* d, gf_flight_info* out) {
  int rc;
  if (gf_flight_info_set_descriptor(out, d)) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  switch (s->sc) {
    case SC_MIDDLEWARE: rc = middleware_info(call, d, out); break;
    case SC_ORDERED: rc = ordered_info(call, d, out); break;
    case SC_REUSE_CONNECTION: rc = reuse_info(call, out); break;
    case SC_APP_METADATA: rc = app_metadata_info(call, d, out); break;
    default: rc = gf_call_error(call, GF_UNIMPLEMENTED, "GetFlightInfo is not part of this scenario");
  }
  return rc;
}

/* ---- DoGet (ordered) ---- */

int sc_basic_do_get(integ* s, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  static const int64_t values[3][3] = {{1, 2, 3}, {10, 20, 30}, {100, 200, 300}};
  if (s->sc != SC_ORDERED || ticket.len != 1 || ticket.data[0] < '1' || ticket.data[0] > '3')
    return gf_call_error(call, GF_NOT_FOUND, "Could not find flight: %.*s",
                         (int)(ticket.len > 200 ? 200 : ticket.len), (const char*)ticket.data);
  gf_error err = {0};
  int rc = integ_numbers_source("i", values[ticket.data[0] - '1'], 3, out, &err);
  return rc ? fail(call, rc, &err) : GF_OK;
}

/* ---- PollFlightInfo ---- */

int sc_basic_poll(integ* s, gf_call* call, const gf_descriptor* d, gf_poll_info* out) {
  if (s->sc != SC_POLL_FLIGHT_INFO)
    return gf_call_error(call, GF_UNIMPLEMENTED, "PollFlightInfo is not part of this scenario");
  gf_error err = {0};
  gf_flight_info* info = gf_poll_info_info(out);
  int rc = integ_set_number_schema(info, "I", 0, &err);
  if (rc) return fail(call, rc, &err);
  if (gf_flight_info_set_descriptor(info, d) ||
      !gf_flight_info_add_endpoint(info, "long-running query", 18))
    return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  if (integ_is_cmd(d, "poll")) {
    gf_poll_info_set_progress(out, 1.0);
    return GF_OK;
  }
  gf_descriptor again = {.type = GF_DESCRIPTOR_CMD, .cmd = {(const uint8_t*)"poll", 4}};
  if (gf_poll_info_set_descriptor(out, &again)) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  gf_poll_info_set_progress(out, 0.1);
  int64_t exp = integ_now_ns() + 10 * (int64_t)1000000000;
  gf_poll_info_set_expiration(out, exp / 1000000000, (int32_t)(exp % 1000000000));
  return GF_OK;
}
