/* gRPC-over-HTTP/2 header encodings shared by the server and the client
 * transports (h2_wire.c): header lists, base64 for -bin metadata,
 * percent-encoding of grpc-message, grpc-timeout. Pure functions; any
 * thread. */
#ifndef GF__TRANSPORT_H2_WIRE_H
#define GF__TRANSPORT_H2_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* An encoded header (response headers, trailers). */
typedef struct h2_hdr {
  char* name;
  char* value;
  size_t nlen, vlen;
} h2_hdr;

typedef struct h2_hdrs {
  h2_hdr* v;
  size_t n, cap;
} h2_hdrs;

size_t gf__h2_b64_encode(const uint8_t* in, size_t n, char* out); /* out: 4*ceil(n/3)+1 */
/* Decodes padded or unpadded base64; -1 on a bad character. */
int gf__h2_b64_decode(const char* in, size_t n, uint8_t* out, size_t* out_len);
/* Percent-encodes a grpc-message; returns a malloc'd string. */
char* gf__h2_pct_encode(const char* s);
/* grpc-timeout ("100m", "5S", ...) to milliseconds; -1 if malformed. */
int64_t gf__h2_parse_timeout(const char* v, size_t n);
int gf__h2_hdrs_push(h2_hdrs* h, const char* name, size_t nlen, const char* value, size_t vlen);
void gf__h2_hdrs_free(h2_hdrs* h);

/* Decodes a percent-encoded grpc-message; returns a malloc'd string. */
char* gf__h2_pct_decode(const char* s, size_t n);
/* Milliseconds (> 0) as a grpc-timeout value ("250m", "90S"); out: 12 bytes. */
void gf__h2_format_timeout(int64_t ms, char out[12]);

#endif
