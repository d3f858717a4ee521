/* Internal: HTTP cookie header parsing for the session store (`cookie:`
 * request headers) and the C client (`set-cookie:` response headers). Pure
 * functions, any thread; fuzzed by fuzz/fuzz_action_messages.c. */
#ifndef GF__FLIGHT_COOKIE_H
#define GF__FLIGHT_COOKIE_H

#include <stddef.h>

#include "gooddata_flight_server/common.h"

/* Finds cookie `name` in a `cookie: a=b; c=d` value. Returns 1 and copies the
 * value (NUL-terminated) into out, 0 when absent, -1 when present but not
 * shorter than cap. */
int gf__cookie_find(gf_bytes header, const char* name, char* out, size_t cap);

/* Parses a `set-cookie: name=value; attrs` value for `name`: 0 when it is
 * another cookie; 1 with *value malloc'd; 1 with *value NULL when the
 * cookie is expired (Max-Age <= 0) or out of memory. */
int gf__set_cookie_parse(gf_bytes header, const char* name, char** value);

#endif
