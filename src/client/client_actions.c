/* C client: typed protocol actions (CancelFlightInfo, RenewFlightEndpoint,
 * the session actions), the basic-auth Handshake, and reading a session
 * cookie from a call's response metadata. Built on gf_client_do_action /
 * gf_client_handshake; the calling thread runs everything. */
#include <stdlib.h>
#include <string.h>

#include "flight/cookie.h"
#include "gooddata_flight_server/client.h"
#include "gooddata_flight_server/handshake_auth.h"

/* Runs the action and hands back its first Result (owned by *results). */
static int run(gf_client* c, const gf_call_options* o, const char* type, int rc, uint8_t* body,
               size_t len, gf_client_bytes_list* results, gf_bytes* first, gf_error* err) {
  if (rc) return rc;
  rc = gf_client_do_action(c, o, type, body, len, results, err);
  free(body);
  if (rc) return rc;
  if (results->n == 0) {
    gf_client_bytes_list_clear(results);
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: the server returned no Result", type);
  }
  *first = results->items[0];
  return GF_OK;
}

gf_status gf_client_cancel_flight_info(gf_client* c, const gf_call_options* o,
                                       const gf_flight_info* info, gf_cancel_status* out,
                                       gf_error* err) {
  uint8_t* body = NULL;
  size_t len = 0;
  gf_client_bytes_list res = {0};
  gf_bytes first;
  int rc = gf_cancel_flight_info_request_serialize(info, &body, &len, err);
  rc = run(c, o, GF_ACTION_CANCEL_FLIGHT_INFO, rc, body, len, &res, &first, err);
  if (!rc) rc = gf_cancel_flight_info_result_parse(first, out, err);
  gf_client_bytes_list_clear(&res);
  return rc;
}

gf_status gf_client_renew_flight_endpoint(gf_client* c, const gf_call_options* o,
                                          const gf_flight_endpoint* endpoint,
                                          gf_flight_endpoint** out, gf_error* err) {
  uint8_t* body = NULL;
  size_t len = 0;
  gf_client_bytes_list res = {0};
  gf_bytes first;
  int rc = gf_renew_flight_endpoint_request_serialize(endpoint, &body, &len, err);
  rc = run(c, o, GF_ACTION_RENEW_FLIGHT_ENDPOINT, rc, body, len, &res, &first, err);
  if (!rc) rc = gf_flight_endpoint_deserialize(first.data, first.len, out, err);
  gf_client_bytes_list_clear(&res);
  return rc;
}

gf_status gf_client_set_session_options(gf_client* c, const gf_call_options* o,
                                        const gf_session_options* options,
                                        gf_set_session_result** out, gf_error* err) {
  uint8_t* body = NULL;
  size_t len = 0;
  gf_client_bytes_list res = {0};
  gf_bytes first;
  int rc = gf_session_options_serialize(options, &body, &len, err);
  rc = run(c, o, GF_ACTION_SET_SESSION_OPTIONS, rc, body, len, &res, &first, err);
  if (!rc) rc = gf_set_session_result_parse(first, out, err);
  gf_client_bytes_list_clear(&res);
  return rc;
}

gf_status gf_client_get_session_options(gf_client* c, const gf_call_options* o,
                                        gf_session_options** out, gf_error* err) {
  gf_client_bytes_list res = {0};
  gf_bytes first;
  int rc = run(c, o, GF_ACTION_GET_SESSION_OPTIONS, GF_OK, NULL, 0, &res, &first, err);
  if (!rc) rc = gf_session_options_parse(first, out, err);
  gf_client_bytes_list_clear(&res);
  return rc;
}

gf_status gf_client_close_session(gf_client* c, const gf_call_options* o,
                                  gf_close_session_status* out, gf_error* err) {
  gf_client_bytes_list res = {0};
  gf_bytes first;
  int rc = run(c, o, GF_ACTION_CLOSE_SESSION, GF_OK, NULL, 0, &res, &first, err);
  if (!rc) rc = gf_close_session_result_parse(first, out, err);
  gf_client_bytes_list_clear(&res);
  return rc;
}

gf_status gf_client_authenticate_basic(gf_client* c, const gf_call_options* o, const char* username,
                                       const char* password, gf_bytes* token, gf_error* err) {
  uint8_t* body = NULL;
  size_t len = 0;
  *token = (gf_bytes){NULL, 0};
  int rc = gf_basic_auth_encode(username, password, &body, &len, err);
  if (rc) return rc;
  gf_bytes payload = {body, len};
  gf_client_bytes_list res = {0};
  rc = gf_client_handshake(c, o, &payload, 1, &res, err);
  free(body);
  if (!rc && res.n == 0) rc = gf_error_set(err, GF_UNAUTHENTICATED, "Handshake: no token returned");
  if (!rc) {
    *token = res.items[0];
    res.items[0].data = NULL; /* moved to the caller */
  }
  gf_client_bytes_list_clear(&res);
  return rc;
}

bool gf_rpc_status_cookie(const gf_rpc_status* st, const char* name, char** value) {
  int found = 0;
  *value = NULL;
  for (int pass = 0; pass < 2; pass++) {
    size_t n = pass ? gf_rpc_status_trailer_count(st) : gf_rpc_status_header_count(st);
    for (size_t i = 0; i < n; i++) {
      const char* key;
      gf_bytes v;
      int rc = pass ? gf_rpc_status_trailer_at(st, i, &key, &v) : gf_rpc_status_header_at(st, i, &key, &v);
      char* got = NULL;
      if (rc || strcmp(key, "set-cookie") != 0 || !gf__set_cookie_parse(v, name, &got)) continue;
      free(*value);
      *value = got;
      found = got != NULL;
    }
  }
  return found;
}
