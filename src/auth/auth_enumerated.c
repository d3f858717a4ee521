/* Built-in EnumeratedTokenVerification: the tokens from
 * `[enumerated_tokens] tokens` are kept only as SHA-256 digests; a presented
 * token is hashed once and compared against every digest in constant time
 * (no early exit), so timing depends neither on which token matched nor on
 * the configured tokens' lengths. Created on the main thread; verify is
 * read-only and runs on any worker thread. */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"

typedef struct enumerated {
  size_t n;
  uint8_t (*digests)[SHA256_DIGEST_LENGTH];
} enumerated;

int gf__auth_digest_equal(const uint8_t a[32], const uint8_t b[32]) {
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < 32; i++) diff |= (uint8_t)(a[i] ^ b[i]);
  return diff == 0;
}

int gf__enumerated_create(char* const* tokens, size_t n, void** state, gf_error* err) {
  if (tokens == NULL || n == 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "EnumeratedTokenVerification needs a non-empty list of tokens in "
                        "setting 'tokens' of section [enumerated_tokens] (or env "
                        "GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS='[\"...\"]')");
  enumerated* e = calloc(1, sizeof(*e));
  if (e != NULL) e->digests = calloc(n, sizeof(*e->digests));
  if (e == NULL || e->digests == NULL) {
    free(e);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory creating EnumeratedTokenVerification");
  }
  for (size_t i = 0; i < n; i++) {
    const char* t = tokens[i] ? tokens[i] : "";
    SHA256((const unsigned char*)t, strlen(t), e->digests[i]);
  }
  e->n = n;
  *state = e;
  return GF_OK;
}

static int enumerated_create(gf_server_context* ctx, void** state, gf_error* err) {
  (void)ctx;
  (void)state;
  return gf_error_set(err, GF_INTERNAL, "EnumeratedTokenVerification is created from the config");
}

static int enumerated_verify(void* state, const gf_call* call, const char* token,
                             size_t token_len, char** identity, void** data, gf_error* err) {
  (void)call;
  (void)identity;
  (void)data;
  const enumerated* e = state;
  uint8_t d[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char*)token, token_len, d);
  int match = 0;
  for (size_t i = 0; i < e->n; i++) match |= gf__auth_digest_equal(d, e->digests[i]);
  if (match) return GF_OK;
  return gf_error_set(err, GF_UNAUTHENTICATED, "Authentication token is not valid.");
}

static void enumerated_release(void* state) {
  enumerated* e = state;
  if (e == NULL) return;
  free(e->digests);
  free(e);
}

const gf_token_strategy gf__enumerated_strategy = {
    .struct_size = sizeof(gf_token_strategy),
    .abi_version = GF_TOKEN_STRATEGY_ABI_VERSION,
    .create = enumerated_create,
    .verify = enumerated_verify,
    .release_data = NULL,
    .release = enumerated_release,
};
