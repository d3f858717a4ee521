/* Base64 encode/decode (RFC 4648 standard alphabet, padded). Pure functions,
 * any thread. */
#include "common/base64.h"

#include <stdlib.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t gf__base64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }

size_t gf__base64_encode_to(const void* data, size_t n, char* out) {
  const uint8_t* p = data;
  size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    out[o++] = alphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)p[i] << 16;
    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = '=';
    out[o++] = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    out[o++] = '=';
  }
  out[o] = '\0';
  return o;
}

int gf__base64_encode(const void* data, size_t n, char** out, size_t* out_len) {
  if (n > (SIZE_MAX / 4) * 3 - 3) return GF_NO_MEMORY;
  char* s = malloc(gf__base64_encoded_len(n) + 1);
  if (s == NULL) return GF_NO_MEMORY;
  size_t len = gf__base64_encode_to(data, n, s);
  *out = s;
  if (out_len != NULL) *out_len = len;
  return GF_OK;
}

static int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Decodes one 4-character group; returns the number of bytes produced or -1. */
static int decode_group(const char* g, int last, uint8_t* o) {
  int pad = 0;
  if (last && g[3] == '=') pad = (g[2] == '=') ? 2 : 1;
  uint32_t v = 0;
  for (int k = 0; k < 4 - pad; k++) {
    int d = decode_char(g[k]);
    if (d < 0) return -1;
    v = v << 6 | (uint32_t)d;
  }
  v <<= 6 * pad;
  o[0] = (uint8_t)(v >> 16);
  if (pad < 2) o[1] = (uint8_t)(v >> 8);
  if (pad < 1) o[2] = (uint8_t)v;
  return 3 - pad;
}

int gf__base64_decode(const char* s, size_t len, uint8_t** out, size_t* out_len, gf_error* err) {
  if (len % 4 != 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "base64: length %zu is not a multiple of 4 (incorrect padding)", len);
  uint8_t* buf = malloc(len / 4 * 3 + 1);
  if (buf == NULL) return gf_error_set(err, GF_NO_MEMORY, "base64: out of memory");
  size_t o = 0;
  for (size_t i = 0; i < len; i += 4) {
    int n = decode_group(s + i, i + 4 == len, buf + o);
    if (n < 0) {
      free(buf);
      return gf_error_set(err, GF_INVALID_ARGUMENT,
                          "base64: invalid character in group at offset %zu", i);
    }
    o += (size_t)n;
  }
  *out = buf;
  *out_len = o;
  return GF_OK;
}
