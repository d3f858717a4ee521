/* The token verification strategy plugin ABI: a shared library named by the
 * `token_verification` setting exports one versioned entry point returning a
 * table of callbacks. The server calls `create` once at start-up on the main
 * thread, `verify` for every Flight RPC before any methods callback (from
 * several worker threads at once: it must be thread-safe with respect to
 * `state`), `release_data` when a call that carried strategy data has ended,
 * and `release` once at shutdown after the last call. */
#ifndef GOODDATA_FLIGHT_SERVER_AUTH_H
#define GOODDATA_FLIGHT_SERVER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/flight.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GF_TOKEN_STRATEGY_ABI_VERSION 1u
/* Name of the exported entry point (a gf_token_strategy_entry). */
#define GF_TOKEN_STRATEGY_SYMBOL "gf_token_strategy_v1"

typedef struct gf_token_strategy {
  uint32_t struct_size; /* sizeof(gf_token_strategy) as compiled by the library */
  uint32_t abi_version; /* GF_TOKEN_STRATEGY_ABI_VERSION */

  /* Called once at start-up. `ctx` gives access to the settings
   * (gf_context_settings) and loggers; it may be NULL in unit tests. Sets
   * *state (may stay NULL). A non-GF_OK return (with `err` set) aborts the
   * server start. Required. */
  gf_status (*create)(gf_server_context* ctx, void** state, gf_error* err);

  /* Verifies `token` (token_len bytes, also NUL-terminated, already stripped
   * of surrounding whitespace and of the "Bearer " prefix). `call` gives the
   * method, peer and headers; it may be NULL in unit tests.
   * Returns:
   *   GF_OK               accepted; optionally sets *identity to a malloc()'d
   *                       NUL-terminated string (the server frees it with
   *                       free()) and *data to strategy data that plugins read
   *                       with gf_call_auth_data();
   *   GF_UNAUTHENTICATED  token not valid (client gets UNAUTHENTICATED);
   *   GF_UNAUTHORIZED     valid token, not allowed (PERMISSION_DENIED);
   *   anything else       propagated to the client unchanged.
   * Put a message in `err` with gf_error_set(); never echo the token there.
   * Required; must be thread-safe. */
  gf_status (*verify)(void* state, const gf_call* call, const char* token, size_t token_len,
                char** identity, void** data, gf_error* err);

  /* Frees `data` returned by verify once the call has ended. Optional (NULL
   * when verify never returns data, or the data is owned by `state`). */
  void (*release_data)(void* state, void* data);

  /* Called once at shutdown. Optional. */
  void (*release)(void* state);
} gf_token_strategy;

/* The entry point: returns a pointer to a table with static storage duration. */
typedef const gf_token_strategy* (*gf_token_strategy_entry)(void);

/* Put `GF_DECLARE_TOKEN_STRATEGY(my_table)` in one source file of the library,
 * where `my_table` is a `static const gf_token_strategy`. */
#define GF_DECLARE_TOKEN_STRATEGY(table)                       \
  GF_API const gf_token_strategy* gf_token_strategy_v1(void); \
  GF_API const gf_token_strategy* gf_token_strategy_v1(void) { return &(table); }

#ifdef __cplusplus
}
#endif

#endif
