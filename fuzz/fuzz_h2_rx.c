/* libFuzzer target: gRPC message assembly on receive (src/transport/h2_rx.c),
 * shared by the server and the client transports, on arbitrary DATA bytes
 * cut into arbitrary chunks: length prefixes (compressed flag, sizes past the
 * limit), payload-offset probing with the FlightData parser, in-place
 * reads at the place gf__h2_rx_direct names. Checks that every message
 * delivered has the length its prefix declared, and that after a failure
 * nothing more is delivered. Single-threaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flight/flightdata.h"
#include "transport/h2_rx.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

typedef struct sink {
  int failed;
  size_t delivered;
} sink;

static void on_message(void* user, gf__ibuf* m, size_t wire) {
  sink* k = user;
  if (k->failed || wire != gf__ibuf_length(m) + 5) abort();
  uint8_t* flat = NULL;
  size_t n = 0;
  if (gf__ibuf_flatten(m, &flat, &n) == GF_OK) free(flat);
  k->delivered++;
  gf__ibuf_free(m);
}

static void on_fail(void* user, int code, const char* msg) {
  sink* k = user;
  if (k->failed || !msg || !*msg || code <= 0) abort();
  k->failed = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  sink k = {0};
  h2_rx r;
  memset(&r, 0, sizeof(r));
  r.max = data[0] & 1 ? 1 << 20 : (int64_t)(data[0] >> 1) * 64; /* 0: no limit */
  r.payload_offset = data[1] & 1 ? gf__flight_data_body_offset : NULL;
  r.on_message = on_message;
  r.on_fail = on_fail;
  r.user = &k;
  size_t chunk = (size_t)(data[1] >> 1) + 1;
  data += 2;
  size -= 2;
  while (size > 0 && !r.failed) {
    size_t n = chunk < size ? chunk : size;
    size_t dn = 0;
    uint8_t* dst = gf__h2_rx_direct(&r, &dn);
    if (dst && dn > 0) { /* as h2_io does: the bytes land in place, then are passed on */
      n = n < dn ? n : dn;
      memcpy(dst, data, n);
      gf__h2_rx_data(&r, dst, n);
    } else {
      gf__h2_rx_data(&r, data, n);
    }
    data += n;
    size -= n;
  }
  if (r.failed != k.failed) abort();
  (void)gf__h2_rx_partial(&r);
  gf__h2_rx_stop(&r);
  return 0;
}
