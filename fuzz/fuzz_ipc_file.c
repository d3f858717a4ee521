/* libFuzzer target: the IPC file format reader (footer, blocks) over
 * arbitrary bytes (gf_ipc_read_file_buffer), draining every batch. */
#include <stdint.h>
#include <string.h>

#include "gooddata_flight_server/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gf_ipc_read_options o = {sizeof(o), 1, 16, 1 << 20, 1000};
  struct ArrowArrayStream st;
  if (gf_ipc_read_file_buffer(data, size, &o, &st, NULL)) return 0;
  struct ArrowArray a;
  while (st.get_next(&st, &a) == 0 && a.release) a.release(&a);
  st.release(&st);
  return 0;
}
