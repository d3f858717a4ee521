/* The four expiration_time:* scenarios: three endpoints (no expiration,
 * +5 s, +6 s) reset by every GetFlightInfo, DoGet rules (cancelled, expired,
 * read-once), and the CancelFlightInfo / RenewFlightEndpoint actions through
 * the typed helpers. Worker threads; state guarded by integ.mu. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integration.h"

#define NS 1000000000LL

static void set_expiration(gf_flight_endpoint* ep, int64_t ns) {
  gf_flight_endpoint_set_expiration(ep, ns / NS, (int32_t)(ns % NS));
}

int sc_exp_get_flight_info(integ* s, gf_call* call, const gf_descriptor* d, gf_flight_info* out) {
  static const char* const tickets[N_EXP_ENDPOINTS] = {"0: No expiration time", "1: 5 seconds",
                                                       "2: 6 seconds"};
  gf_error err = {0};
  int rc = integ_set_number_schema(out, "I", 0, &err);
  if (rc) return gf_call_error(call, rc, "%s", err.message);
  if (gf_flight_info_set_descriptor(out, d)) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  int64_t now = integ_now_ns();
  pthread_mutex_lock(&s->mu);
  for (int i = 0; i < N_EXP_ENDPOINTS; i++) {
    s->exp[i] = (exp_endpoint){.has_expiration = i > 0, .expires_ns = now + (4 + i) * NS};
    gf_flight_endpoint* ep = gf_flight_info_add_endpoint(out, tickets[i], strlen(tickets[i]));
    if (!ep) rc = GF_NO_MEMORY;
    else if (i > 0) set_expiration(ep, s->exp[i].expires_ns);
  }
  pthread_mutex_unlock(&s->mu);
  return rc ? gf_call_error(call, rc, "out of memory") : GF_OK;
}

/* Endpoint index from "<index>: ...": the index, -1 without one, -2 out of range. */
static int parse_index(gf_bytes t) {
  size_t i = 0;
  long v = 0;
  while (i < t.len && i < 9 && t.data[i] >= '0' && t.data[i] <= '9') v = v * 10 + (t.data[i++] - '0');
  if (i == 0 || i >= t.len || t.data[i] != ':') return -1;
  return v < N_EXP_ENDPOINTS ? (int)v : -2;
}

/* parse_index, with NOT_FOUND set on the call when the ticket is bad. */
static int ticket_index(gf_call* call, gf_bytes t) {
  int i = parse_index(t);
  if (i < 0)
    gf_call_error(call, GF_NOT_FOUND, "Invalid flight: %s: %.*s", i == -1 ? "no index" : "out of index",
                  (int)(t.len > 200 ? 200 : t.len), (const char*)t.data);
  return i;
}

int sc_exp_do_get(integ* s, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  int i = ticket_index(call, ticket);
  if (i < 0) return GF_NOT_FOUND;
  const char* why = NULL;
  int64_t now = integ_now_ns();
  pthread_mutex_lock(&s->mu);
  exp_endpoint* e = &s->exp[i];
  if (e->cancelled) why = "canceled";
  else if (e->has_expiration && e->expires_ns < now) why = "expired";
  else if (!e->has_expiration && e->gets > 0) why = "can't read multiple times";
  else e->gets++;
  pthread_mutex_unlock(&s->mu);
  if (why)
    return gf_call_error(call, GF_NOT_FOUND, "Invalid flight: %s: %.*s", why,
                         (int)(ticket.len > 200 ? 200 : ticket.len), (const char*)ticket.data);
  gf_error err = {0};
  int64_t v = i;
  int rc = integ_numbers_source("I", &v, 1, out, &err);
  return rc ? gf_call_error(call, rc, "%s", err.message) : GF_OK;
}

static gf_status cancel(integ* s, gf_call* call, const gf_action* a, gf_result_list* out) {
  gf_error err = {0};
  gf_flight_info* info = NULL;
  int rc = gf_cancel_flight_info_request_parse(a->body, &info, &err);
  if (rc) return gf_call_error(call, rc, "%s", err.message);
  gf_cancel_status st = GF_CANCEL_STATUS_UNSPECIFIED;
  for (size_t k = 0; k < gf_flight_info_endpoint_count(info); k++) {
    int v = parse_index(gf_flight_endpoint_ticket(gf_flight_info_endpoint(info, k)));
    pthread_mutex_lock(&s->mu);
    if (v < 0 || s->exp[v].cancelled) {
      st = GF_CANCEL_STATUS_NOT_CANCELLABLE;
    } else {
      s->exp[v].cancelled = 1;
      if (st == GF_CANCEL_STATUS_UNSPECIFIED) st = GF_CANCEL_STATUS_CANCELLED;
    }
    pthread_mutex_unlock(&s->mu);
  }
  gf_flight_info_free(info);
  return gf_result_list_add_cancel_status(out, st);
}

static gf_status renew(integ* s, gf_call* call, const gf_action* a, gf_result_list* out) {
  static const char suffix[] = ": renewed (+ 10 seconds)";
  gf_error err = {0};
  gf_flight_endpoint* ep = NULL;
  int rc = gf_renew_flight_endpoint_request_parse(a->body, &ep, &err);
  if (rc) return gf_call_error(call, rc, "%s", err.message);
  gf_bytes t = gf_flight_endpoint_ticket(ep);
  int i = ticket_index(call, t);
  if (i < 0) {
    gf_flight_endpoint_free(ep);
    return GF_NOT_FOUND;
  }
  int64_t exp = integ_now_ns() + 10 * NS;
  pthread_mutex_lock(&s->mu);
  int cancelled = s->exp[i].cancelled;
  if (!cancelled) {
    s->exp[i].has_expiration = 1;
    s->exp[i].expires_ns = exp;
  }
  pthread_mutex_unlock(&s->mu);
  if (cancelled) {
    rc = gf_call_error(call, GF_INVALID_ARGUMENT, "Invalid flight: canceled: %.*s",
                       (int)(t.len > 200 ? 200 : t.len), (const char*)t.data);
  } else {
    uint8_t* nt = malloc(t.len + sizeof(suffix));
    rc = nt ? GF_OK : GF_NO_MEMORY;
    if (!rc) {
      memcpy(nt, t.data, t.len);
      memcpy(nt + t.len, suffix, sizeof(suffix) - 1);
      rc = gf_flight_endpoint_set_ticket(ep, nt, t.len + sizeof(suffix) - 1);
      free(nt);
    }
    if (!rc) {
      set_expiration(ep, exp);
      rc = gf_result_list_add_endpoint(out, ep);
    }
    if (rc) rc = gf_call_error(call, rc, "out of memory");
  }
  gf_flight_endpoint_free(ep);
  return rc;
}

int sc_exp_do_action(integ* s, gf_call* call, const gf_action* a, gf_result_list* out) {
  if (strcmp(a->type, GF_ACTION_CANCEL_FLIGHT_INFO) == 0) return cancel(s, call, a, out);
  if (strcmp(a->type, GF_ACTION_RENEW_FLIGHT_ENDPOINT) == 0) return renew(s, call, a, out);
  return gf_call_error(call, GF_INVALID_ARGUMENT, "Unknown action: %.200s", a->type);
}

int sc_exp_list_actions(integ* s, gf_call* call, gf_action_type_list* out) {
  (void)s;
  (void)call;
  int rc = gf_action_type_list_add(out, GF_ACTION_CANCEL_FLIGHT_INFO,
                                   "Explicitly cancel a running FlightInfo.\n"
                                   "Request Message: CancelFlightInfoRequest\n"
                                   "Response Message: CancelFlightInfoResult");
  if (!rc)
    rc = gf_action_type_list_add(out, GF_ACTION_RENEW_FLIGHT_ENDPOINT,
                                 "Extend expiration time of the given FlightEndpoint.\n"
                                 "Request Message: RenewFlightEndpointRequest\n"
                                 "Response Message: Renewed FlightEndpoint");
  return rc;
}
