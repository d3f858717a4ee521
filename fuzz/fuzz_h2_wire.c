/* libFuzzer target: the gRPC header encodings of the nghttp2 transports
 * (src/transport/h2_wire.c) on arbitrary bytes: grpc-timeout parsing,
 * base64 decoding of -bin metadata (and a re-encode round trip),
 * percent-encoding of grpc-message and the client's percent-decoding (of
 * the raw bytes, and a round trip). Single-threaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/h2_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)gf__h2_parse_timeout((const char*)data, size);
  uint8_t* out = malloc(size + 1);
  if (!out) return 0;
  size_t n = 0;
  if (gf__h2_b64_decode((const char*)data, size, out, &n) == 0) {
    if (n > size) abort(); /* decoding never grows */
    char* enc = malloc(n / 3 * 4 + 8);
    if (enc) {
      size_t el = gf__h2_b64_encode(out, n, enc);
      uint8_t* back = malloc(el + 1);
      size_t bn = 0;
      if (back && (gf__h2_b64_decode(enc, el, back, &bn) != 0 || bn != n || memcmp(back, out, n))) abort();
      free(back);
      free(enc);
    }
  }
  free(out);
  char* s = malloc(size + 1);
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = 0;
  char* p = gf__h2_pct_encode(s);
  if (p) {
    for (char* q = p; *q; q++)
      if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e) abort();
    char* back = gf__h2_pct_decode(p, strlen(p));
    if (back && strcmp(back, s)) abort(); /* decode(encode(s)) == s up to its first NUL */
    free(back);
    free(p);
  }
  char* d = gf__h2_pct_decode((const char*)data, size);
  if (d && strlen(d) > size) abort();
  free(d);
  free(s);
  return 0;
}
