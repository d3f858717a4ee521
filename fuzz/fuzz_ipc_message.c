/* libFuzzer target: a sequence of IPC messages fed to one gf_ipc_decoder.
 * Input framing: repeated [u32 LE metadata length][metadata][u32 LE body
 * length][body]. Every decoded batch is released; no crash/leak allowed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/ipc.h"

static uint32_t rd32(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gf_ipc_read_options o = {sizeof(o), 1, 16, 1 << 20, 1000};
  gf_ipc_decoder* dec;
  if (gf_ipc_decoder_create(&o, &dec, NULL)) return 0;
  size_t pos = 0;
  while (size - pos >= 8) {
    uint32_t ml = rd32(data + pos);
    pos += 4;
    if (ml > size - pos) break;
    const uint8_t* md = data + pos;
    pos += ml;
    if (size - pos < 4) break;
    uint32_t bl = rd32(data + pos);
    pos += 4;
    if (bl > size - pos) bl = (uint32_t)(size - pos);
    gf_ipc_body* body = gf_ipc_body_copy(data + pos, bl);
    pos += bl;
    gf_ipc_message_type t;
    struct ArrowArray a;
    memset(&a, 0, sizeof(a));
    int rc = gf_ipc_decoder_decode(dec, md, ml, body, &t, &a, NULL);
    (void)rc; /* malformed input is expected; the status is not the point */
    gf_ipc_body_unref(body);
    if (a.release) a.release(&a);
  }
  gf_ipc_decoder_free(dec);
  return 0;
}
