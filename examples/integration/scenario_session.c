/* The session_options scenario: the Set/Get/CloseSession actions served by
 * the public cookie session store, with the scenario's validation rules (the
 * name "lol_invalid" and the string value "lol_invalid" are rejected).
 * Worker threads; the store does its own locking. */
#include <string.h>

#include "integration.h"

int sc_session_create(integ* s, gf_error* err) {
  gf_session_store_options o = {.struct_size = sizeof(o)};
  return gf_session_store_create(&o, &s->sessions, err);
}

static gf_session_option_error validate(void* user, const char* name,
                                        const gf_session_options* req, size_t i) {
  (void)user;
  if (strcmp(name, "lol_invalid") == 0) return GF_SESSION_OPTION_ERROR_INVALID_NAME;
  if (gf_session_options_type(req, i) == GF_SESSION_VALUE_STRING &&
      strcmp(gf_session_options_string(req, i), "lol_invalid") == 0)
    return GF_SESSION_OPTION_ERROR_INVALID_VALUE;
  return GF_SESSION_OPTION_ERROR_UNSPECIFIED;
}

int sc_session_do_action(integ* s, gf_call* call, const gf_action* a, gf_result_list* out) {
  int rc = gf_session_store_do_action(s->sessions, call, a, validate, s, out);
  if (rc == GF_NOT_FOUND)
    return gf_call_error(call, GF_INVALID_ARGUMENT, "Unknown action: %.200s", a->type);
  return rc;
}
