/* Handshake-based authentication for data services: the Flight "basic auth"
 * handshake (HandshakeRequest.payload = BasicAuth{username, password}) checked
 * by a service callback, answered with a random bearer token, and that token
 * honoured on later calls in the `auth-token-bin` header (what Arrow Flight
 * clients send after Handshake). Tokens expire after a TTL and their number
 * is capped. All functions are thread-safe. */
#ifndef GOODDATA_FLIGHT_SERVER_HANDSHAKE_AUTH_H
#define GOODDATA_FLIGHT_SERVER_HANDSHAKE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/flight.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_basic_auth gf_basic_auth;

typedef struct gf_basic_auth_options {
  uint32_t struct_size; /* sizeof(gf_basic_auth_options) */
  /* Checks the credentials (NUL-terminated; a missing field is ""). GF_OK
   * accepts: set *identity to a malloc()'d peer identity (freed by the
   * library; NULL means the username). Any other status rejects the
   * handshake (GF_UNAUTHENTICATED: wrong credentials). Required. */
  gf_status (*check)(void* user, const char* username, const char* password, char** identity,
               gf_error* err);
  void* user;
  int64_t token_ttl_sec; /* <= 0: 3600 */
  size_t max_tokens;     /* 0: 100000; a full table rejects new handshakes (RESOURCE_EXHAUSTED) */
} gf_basic_auth_options;

#define GF_BASIC_AUTH_TOKEN_HEADER "auth-token-bin"

GF_API GF_WARN_UNUSED gf_status gf_basic_auth_create(const gf_basic_auth_options* options, gf_basic_auth** out,
                                                     gf_error* err);
GF_API void gf_basic_auth_free(gf_basic_auth* a);

/* Serves a Handshake call (use it as the body of the methods `handshake`
 * callback): reads one HandshakeRequest, checks its BasicAuth payload, sends
 * one HandshakeResponse whose payload is the new token, then drains the
 * client's remaining messages. Returns the status for the call
 * (GF_UNAUTHENTICATED "Invalid credentials" when check rejects). */
GF_API gf_status gf_basic_auth_handshake(gf_basic_auth* a, gf_call* call, gf_handshake* stream);

/* Checks the call's auth-token-bin header (use it in the methods
 * `authenticate` hook). GF_OK sets the call identity (gf_call_identity);
 * otherwise returns GF_UNAUTHENTICATED with the call error set
 * ("No auth token" / "Invalid token"). */
GF_API gf_status gf_basic_auth_authenticate(gf_basic_auth* a, gf_call* call);

/* Forgets a token (logout). Returns true when it was known. */
GF_API bool gf_basic_auth_revoke(gf_basic_auth* a, const void* token, size_t len);

/* BasicAuth{username, password} protobuf (the Handshake payload a client
 * sends). *out freed with free(). */
GF_API gf_status gf_basic_auth_encode(const char* username, const char* password, uint8_t** out, size_t* len,
                                      gf_error* err);

#ifdef __cplusplus
}
#endif

#endif
