/* Sample token verification strategy library (see docs/security.md): accepts
 * tokens that start with "test_token" and reports the rest of the token as
 * the caller's identity; tokens that start with "deny_" are treated as valid
 * but not allowed (PERMISSION_DENIED). Per-call data is a malloc'd copy of
 * the identity, released through release_data. create runs once on the main
 * thread; verify runs concurrently on worker threads (it only reads state). */
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/auth.h"

#define PREFIX "test_token"
#define DENY_PREFIX "deny_"

typedef struct sample_state {
  size_t prefix_len;
} sample_state;

static gf_status sample_create(gf_server_context* ctx, void** state, gf_error* err) {
  (void)ctx;
  sample_state* s = calloc(1, sizeof(*s));
  if (s == NULL) return gf_error_set(err, GF_NO_MEMORY, "auth_strategy: out of memory");
  s->prefix_len = strlen(PREFIX);
  *state = s;
  return GF_OK;
}

static char* dup_n(const char* s, size_t n) {
  char* d = malloc(n + 1);
  if (d == NULL) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static gf_status sample_verify(void* state, const gf_call* call, const char* token, size_t len,
                               char** identity, void** data, gf_error* err) {
  (void)call;
  const sample_state* s = state;
  if (len >= strlen(DENY_PREFIX) && memcmp(token, DENY_PREFIX, strlen(DENY_PREFIX)) == 0)
    return gf_error_set(err, GF_UNAUTHORIZED, "This token is not allowed to use the service.");
  if (len < s->prefix_len || memcmp(token, PREFIX, s->prefix_len) != 0)
    return gf_error_set(err, GF_UNAUTHENTICATED, "Authentication token is not valid.");
  *identity = dup_n(token + s->prefix_len, len - s->prefix_len);
  *data = dup_n(token + s->prefix_len, len - s->prefix_len);
  if (*identity == NULL || *data == NULL) {
    free(*identity);
    free(*data);
    *identity = NULL;
    *data = NULL;
    return gf_error_set(err, GF_NO_MEMORY, "auth_strategy: out of memory");
  }
  return GF_OK;
}

static void sample_release_data(void* state, void* data) {
  (void)state;
  free(data);
}

static void sample_release(void* state) { free(state); }

static const gf_token_strategy sample_strategy = {
    .struct_size = sizeof(gf_token_strategy),
    .abi_version = GF_TOKEN_STRATEGY_ABI_VERSION,
    .create = sample_create,
    .verify = sample_verify,
    .release_data = sample_release_data,
    .release = sample_release,
};

GF_DECLARE_TOKEN_STRATEGY(sample_strategy)
