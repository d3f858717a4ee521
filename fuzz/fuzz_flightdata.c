/* libFuzzer target: the FlightData decoder, the body-offset probe the
 * transport uses to align received bodies, and the data reader on arbitrary
 * bytes. Input: a sequence of messages, each a 2-byte little-endian length
 * followed by that many bytes; every message is decoded from two segments
 * (split point from its first byte) and the sequence is read through
 * gf_data_reader (schema, batches, metadata-only messages), like a DoPut.
 * Single-threaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/data_stream.h"
#include "flight/flightdata.h"

typedef struct src {
  const uint8_t* p;
  size_t left;
} src;

static int next_msg(void* user, gf__ibuf** out, gf_error* err) {
  src* s = user;
  if (s->left < 2) return GF_END_OF_STREAM;
  size_t len = (size_t)s->p[0] | ((size_t)s->p[1] << 8);
  s->p += 2;
  s->left -= 2;
  if (len > s->left) len = s->left;
  size_t cut = len ? s->p[0] % (len + 1) : 0;
  gf_bytes segs[2] = {{s->p, cut}, {s->p + cut, len - cut}};
  *out = gf__ibuf_from_segments(segs, 2);
  s->p += len;
  s->left -= len;
  return *out ? GF_OK : gf_error_set(err, GF_NO_MEMORY, "oom");
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  /* body offset: within the input, and the same when only the bytes up to it are seen */
  size_t off = 0, off2 = 0;
  if (gf__flight_data_body_offset(data, size, &off) == 1 &&
      (off > size || gf__flight_data_body_offset(data, off, &off2) != 1 || off2 != off))
    __builtin_trap();
  /* single message */
  gf__flight_data fd;
  if (gf__flight_data_decode_bytes(data, size, &fd, NULL) == GF_OK) gf__flight_data_clear(&fd);
  /* a stream of messages through the reader */
  src s = {data, size};
  gf_data_reader* r = gf__data_reader_new(next_msg, &s, NULL);
  if (!r) return 0;
  struct ArrowSchema schema;
  gf_error err;
  if (gf_data_reader_schema(r, &schema, &err) == GF_OK) schema.release(&schema);
  for (int i = 0; i < 64; i++) {
    struct ArrowArray batch;
    gf_bytes md;
    if (gf_data_reader_next(r, &batch, &md, &err) != GF_OK) break;
    if (batch.release) batch.release(&batch);
  }
  gf__data_reader_free(r);
  return 0;
}
