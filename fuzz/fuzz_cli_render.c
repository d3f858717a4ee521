/* libFuzzer target: the terminal client's text renderers (cli/client:
 * table, CSV, JSON lines over every Arrow type) on record batches decoded
 * from an arbitrary Arrow IPC stream, as `gooddata-flight get` would receive
 * them. Output goes to /dev/null; batches that fail validation must give an
 * error, never a bad read. Single-threaded. */
#include <stdint.h>
#include <stdio.h>

#include "../cli/client/output.c"
#include "../cli/client/render.c"
#include "../cli/client/sbuf.c"
#include "gooddata_flight_server/ipc.h"

void progress_clear(progress* p) { (void)p; }

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FILE* sink;
  if (!sink) sink = fopen("/dev/null", "w");
  static const out_format formats[] = {FMT_CSV, FMT_JSONL, FMT_TABLE};
  for (size_t i = 0; i < 3; i++) {
    struct ArrowArrayStream st;
    if (gf_ipc_read_stream_buffer(data, size, NULL, &st, NULL) != GF_OK) return 0;
    out_opts o = {formats[i], 20, 80};
    progress p = {0};
    gf_error err;
    write_stream(sink, &st, &o, &p, &err);
    if (st.release) st.release(&st);
  }
  return 0;
}
