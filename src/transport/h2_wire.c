/* gRPC-over-HTTP/2 header encodings for the nghttp2 server transport:
 * base64 for -bin metadata, percent-encoding of grpc-message, grpc-timeout
 * parsing and formatting, and header lists. Pure functions; any thread. */
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "gooddata_flight_server/common.h"
#include "transport/h2_wire.h"

static const char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t gf__h2_b64_encode(const uint8_t* in, size_t n, char* out) {
  size_t o = 0, i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = k_b64[v >> 18];
    out[o++] = k_b64[(v >> 12) & 63];
    out[o++] = k_b64[(v >> 6) & 63];
    out[o++] = k_b64[v & 63];
  }
  if (i < n) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
    out[o++] = k_b64[v >> 18];
    out[o++] = k_b64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? k_b64[(v >> 6) & 63] : '=';
    out[o++] = '=';
  }
  out[o] = 0;
  return o;
}

static int b64_val(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

int gf__h2_b64_decode(const char* in, size_t n, uint8_t* out, size_t* out_len) {
  while (n && in[n - 1] == '=') n--;
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b64_val(in[i]);
    if (v < 0) return -1;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  *out_len = o;
  return 0;
}

char* gf__h2_pct_encode(const char* s) {
  size_t n = strlen(s);
  char* out = malloc(n * 3 + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c <= 0x7e && c != '%') {
      out[o++] = (char)c;
    } else {
      static const char hex[] = "0123456789ABCDEF";
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = 0;
  return out;
}

int64_t gf__h2_parse_timeout(const char* v, size_t n) {
  if (n < 2 || n > 9) return -1;
  int64_t x = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    if (v[i] < '0' || v[i] > '9') return -1;
    x = x * 10 + (v[i] - '0');
  }
  switch (v[n - 1]) {
    case 'H': return x * 3600000;
    case 'M': return x * 60000;
    case 'S': return x * 1000;
    case 'm': return x;
    case 'u': return (x + 999) / 1000;
    case 'n': return (x + 999999) / 1000000;
    default: return -1;
  }
}

int gf__h2_hdrs_push(h2_hdrs* h, const char* name, size_t nlen, const char* value, size_t vlen) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 4;
    h2_hdr* v = realloc(h->v, cap * sizeof(*v));
    if (!v) return GF_NO_MEMORY;
    h->v = v;
    h->cap = cap;
  }
  char* nm = malloc(nlen + 1);
  char* vl = malloc(vlen + 1);
  if (!nm || !vl) {
    free(nm);
    free(vl);
    return GF_NO_MEMORY;
  }
  memcpy(nm, name, nlen);
  nm[nlen] = 0;
  if (vlen) memcpy(vl, value, vlen);
  vl[vlen] = 0;
  h->v[h->n++] = (h2_hdr){nm, vl, nlen, vlen};
  return GF_OK;
}

void gf__h2_hdrs_free(h2_hdrs* h) {
  for (size_t i = 0; i < h->n; i++) {
    free(h->v[i].name);
    free(h->v[i].value);
  }
  free(h->v);
  memset(h, 0, sizeof(*h));
}

static int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char* gf__h2_pct_decode(const char* s, size_t n) {
  char* out = malloc(n + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int hi = s[i] == '%' && i + 2 < n ? hex_val(s[i + 1]) : -1;
    int lo = hi >= 0 ? hex_val(s[i + 2]) : -1;
    if (lo >= 0) {
      out[o++] = (char)(hi << 4 | lo);
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = 0;
  return out;
}

void gf__h2_format_timeout(int64_t ms, char out[12]) {
  if (ms < 1) ms = 1;
  if (ms <= 99999999) snprintf(out, 12, "%lldm", (long long)ms);
  else if (ms / 1000 <= 99999999) snprintf(out, 12, "%lldS", (long long)((ms + 999) / 1000));
  else
    snprintf(out, 12, "%lldH",
             (long long)((ms / 3600000 + 1) > 99999999 ? 99999999 : ms / 3600000 + 1));
}
