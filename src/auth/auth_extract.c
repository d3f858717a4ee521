/* Token extraction from request headers: by default
 * "authorization: Bearer <token>" or a configured header carrying the raw
 * token. Pure functions over a header list; any thread. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"

#define BEARER "Bearer "
#define BEARER_LEN 7

/* Python's str.isspace() restricted to ASCII. */
static int is_space(uint8_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

gf_bytes gf__auth_strip(gf_bytes b) {
  if (b.data == NULL) return (gf_bytes){NULL, 0};
  while (b.len > 0 && is_space(b.data[0])) {
    b.data++;
    b.len--;
  }
  while (b.len > 0 && is_space(b.data[b.len - 1])) b.len--;
  return b;
}

/* Finds the values of `key` (case-insensitive): returns how many were found
 * (stops counting at 2) and the first one in *value. */
static size_t find_header(const gf__auth_headers* h, const char* key, gf_bytes* value) {
  size_t found = 0;
  for (size_t i = 0; i < h->n && found < 2; i++) {
    const char* k = NULL;
    gf_bytes v = {NULL, 0};
    if (h->at(h->src, i, &k, &v) != 0 || k == NULL) continue;
    if (strcasecmp(k, key) != 0) continue;
    if (found == 0) *value = v;
    found++;
  }
  return found;
}

int gf__auth_extract_token(const char* header_name, const gf__auth_headers* headers,
                           gf_bytes* token, gf_error* err) {
  const char* key = header_name ? header_name : "authorization";
  gf_bytes v = {NULL, 0};
  size_t n = headers ? find_header(headers, key, &v) : 0;
  if (n > 1)
    return gf_error_set(err, GF_UNAUTHENTICATED,
                        "Authentication failed because the authentication header '%s' is "
                        "specified multiple times.",
                        header_name ? header_name : "Authorization");
  if (n == 0)
    return gf_error_set(err, GF_UNAUTHENTICATED,
                        "Authentication failed because the authentication header bearing the "
                        "token was not included on the call.");
  if (header_name == NULL) {
    if (v.data == NULL || v.len < BEARER_LEN || memcmp(v.data, BEARER, BEARER_LEN) != 0)
      return gf_error_set(err, GF_UNAUTHENTICATED,
                          "Authentication failed because the 'Authorization' header does not "
                          "start with 'Bearer '");
    v.data += BEARER_LEN;
    v.len -= BEARER_LEN;
  }
  *token = gf__auth_strip(v);
  if (token->data == NULL) token->data = (const uint8_t*)"";
  return GF_OK;
}
