/* The Arrow Flight integration-scenario plugin: shared state and helpers.
 * One server process serves one scenario, chosen by `[integration] scenario`
 * (env GOODDATA_FLIGHT_INTEGRATION__SCENARIO). Callbacks run on worker
 * threads; mutable per-scenario state is guarded by `mu`. */
#ifndef INTEGRATION_H
#define INTEGRATION_H

#include <pthread.h>
#include <stdint.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/config.h"
#include "gooddata_flight_server/handshake_auth.h"
#include "gooddata_flight_server/log.h"
#include "gooddata_flight_server/server.h"
#include "gooddata_flight_server/session.h"

#define INTEG_API __attribute__((visibility("hidden")))

typedef enum scenario {
  SC_AUTH_BASIC_PROTO,
  SC_MIDDLEWARE,
  SC_ORDERED,
  SC_EXPIRATION_DO_GET,
  SC_EXPIRATION_LIST_ACTIONS,
  SC_EXPIRATION_CANCEL,
  SC_EXPIRATION_RENEW,
  SC_REUSE_CONNECTION,
  SC_SESSION_OPTIONS,
  SC_POLL_FLIGHT_INFO,
  SC_APP_METADATA,
  SC_COUNT
} scenario;

#define N_EXP_ENDPOINTS 3

typedef struct exp_endpoint {
  int has_expiration;
  int64_t expires_ns; /* Unix epoch */
  int gets;
  int cancelled;
} exp_endpoint;

typedef struct integ {
  gf_server_context* ctx;
  scenario sc;
  gf_basic_auth* auth;         /* auth:basic_proto */
  gf_session_store* sessions;  /* session_options */
  pthread_mutex_t mu;          /* guards exp */
  exp_endpoint exp[N_EXP_ENDPOINTS];
} integ;

/* ---- helpers (integration.c) ---- */
INTEG_API int64_t integ_now_ns(void);
/* {number: <format> non-nullable} ("i" int32, "I" uint32); empty = no fields. */
INTEG_API int integ_number_schema(struct ArrowSchema* out, const char* format, int empty,
                                  gf_error* err);
INTEG_API int integ_set_number_schema(gf_flight_info* info, const char* format, int empty,
                                      gf_error* err);
/* A DoGet source of one batch {number: <format>} with the given values. */
INTEG_API int integ_numbers_source(const char* format, const int64_t* values, size_t n,
                                   gf_data_source* out, gf_error* err);
INTEG_API int integ_is_cmd(const gf_descriptor* d, const char* cmd);

/* ---- scenarios ---- */
/* scenario_basic.c: auth:basic_proto, middleware, ordered, reuse, poll, app_metadata */
INTEG_API int sc_basic_get_flight_info(integ* s, gf_call* call, const gf_descriptor* d,
                                       gf_flight_info* out);
INTEG_API int sc_basic_do_get(integ* s, gf_call* call, gf_bytes ticket, gf_data_source* out);
INTEG_API int sc_basic_poll(integ* s, gf_call* call, const gf_descriptor* d, gf_poll_info* out);
INTEG_API int sc_auth_create(integ* s, gf_error* err);
/* scenario_expiration.c */
INTEG_API int sc_exp_get_flight_info(integ* s, gf_call* call, const gf_descriptor* d,
                                     gf_flight_info* out);
INTEG_API int sc_exp_do_get(integ* s, gf_call* call, gf_bytes ticket, gf_data_source* out);
INTEG_API int sc_exp_do_action(integ* s, gf_call* call, const gf_action* a, gf_result_list* out);
INTEG_API int sc_exp_list_actions(integ* s, gf_call* call, gf_action_type_list* out);
/* scenario_session.c */
INTEG_API int sc_session_create(integ* s, gf_error* err);
INTEG_API int sc_session_do_action(integ* s, gf_call* call, const gf_action* a,
                                   gf_result_list* out);

#endif
