/* Internal: token authentication run by the server before any plugin
 * callback — token extraction from the call headers (the authorization
 * Bearer header or a configured raw-token header), the built-in
 * EnumeratedTokenVerification, and loading a strategy library (the ABI in
 * include/gooddata_flight_server/auth.h). Created and freed on the main
 * thread; gf__auth_verify runs concurrently on worker threads. */
#ifndef GF__AUTH_H
#define GF__AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/auth.h"
#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/flight.h"
#include "config/server_config.h"

typedef struct gf__auth gf__auth;

/* Longest token accepted (bytes after stripping); longer ones are invalid. */
#define GF__AUTH_MAX_TOKEN 65536

/* Builds the authenticator from the validated config (authentication_method,
 * token_header_name, token_verification, enumerated tokens). `ctx` is handed
 * to a strategy's create(); may be NULL. Errors name the setting. */
int gf__auth_create(const gf__server_config* cfg, gf_server_context* ctx, gf__auth** out,
                    gf_error* err);
/* Runs before any plugin code; on failure returns GF_UNAUTHENTICATED or
 * GF_UNAUTHORIZED (or a strategy's own code) with the message in err. On
 * success *identity (malloc'd, may be NULL; caller frees with free()) and
 * *data (strategy data, may be NULL; release with gf__auth_release_data) are
 * set. With authentication_method = none it returns GF_OK at once. */
int gf__auth_verify(gf__auth* a, const gf_call* call, char** identity, void** data, gf_error* err);
/* Releases strategy data returned by gf__auth_verify (no-op for NULL). */
void gf__auth_release_data(gf__auth* a, void* data);
/* 1 when authentication_method = token. */
int gf__auth_enabled(const gf__auth* a);
void gf__auth_free(gf__auth* a);

/* ---- pure pieces (unit-tested and fuzzed on their own) ------------------ */

/* A read-only list of request headers (lower-case keys). */
typedef int (*gf__auth_header_at_fn)(const void* src, size_t index, const char** key,
                                     gf_bytes* value);
typedef struct gf__auth_headers {
  const void* src;
  size_t n;
  gf__auth_header_at_fn at;
} gf__auth_headers;

/* Extracts the token: header_name NULL = "authorization" with "Bearer ",
 * else the named header (case-insensitive), whole value. *token points into
 * the header value (stripped of surrounding whitespace). GF_UNAUTHENTICATED
 * with the seed's messages when missing, duplicated or without "Bearer ". */
int gf__auth_extract_token(const char* header_name, const gf__auth_headers* headers,
                           gf_bytes* token, gf_error* err);
/* Python str.strip() for ASCII whitespace. */
gf_bytes gf__auth_strip(gf_bytes b);
/* Extraction + verification + logging, on any header list (call may be NULL;
 * method/peer are only logged, may be NULL). gf__auth_verify wraps this. */
int gf__auth_verify_headers(gf__auth* a, const gf_call* call, const gf__auth_headers* headers,
                            const char* method, const char* peer, char** identity, void** data,
                            gf_error* err);
/* Constant-time equality of two 32-byte digests (no early exit). */
int gf__auth_digest_equal(const uint8_t a[32], const uint8_t b[32]);
/* Validates a strategy table returned by a library (size, ABI, callbacks). */
int gf__auth_check_strategy(const gf_token_strategy* s, const char* path, gf_error* err);

/* Built-in EnumeratedTokenVerification (auth_enumerated.c). */
extern const gf_token_strategy gf__enumerated_strategy;
int gf__enumerated_create(char* const* tokens, size_t n, void** state, gf_error* err);

#endif
