/* Internal to the auth module: a token verification strategy loaded from a
 * shared library (auth_strategy.c). Main thread only. */
#ifndef GF__AUTH_STRATEGY_H
#define GF__AUTH_STRATEGY_H

#include "gooddata_flight_server/auth.h"

typedef struct gf__loaded_strategy {
  gf_token_strategy table; /* copied; fields the library did not declare are NULL */
  void* handle;            /* dlopen handle, NULL for built-ins */
} gf__loaded_strategy;

/* spec: a path (contains '/' or ends in .so) or a name resolved as lib<name>.so
 * through the loader path. Errors name the setting and the library. */
int gf__auth_strategy_load(const char* spec, gf__loaded_strategy* out, gf_error* err);
void gf__auth_strategy_unload(gf__loaded_strategy* s);

#endif
