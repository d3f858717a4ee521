/* libFuzzer target: the HTTP request-head parser (gf__http_parse_head) on
 * arbitrary bytes, with the server's 8 KiB limit and a limit taken from the
 * input. The input is copied to an exact-size heap buffer so ASan catches
 * any read past it; accepted heads must point inside the buffer and be
 * consistent. Single-threaded. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin/http_parse.h"

static void check(const char* buf, size_t len, size_t max) {
  gf__http_head h;
  gf__http_parse_rc rc = gf__http_parse_head(buf, len, max, &h);
  if (rc == GF__HTTP_HEAD_OK) {
    if (h.head_len == 0 || h.head_len > len || h.head_len > max) abort();
    if (h.method < buf || h.method_len == 0 || h.method + h.method_len > buf + h.head_len) abort();
    if (h.target < h.method + h.method_len || h.target_len == 0 ||
        h.target + h.target_len > buf + h.head_len)
      abort();
    if (h.version_minor < 0 || h.version_minor > 9) abort();
    if (buf[h.head_len - 1] != '\n') abort();
    /* a complete head parses the same with trailing bytes cut off */
    gf__http_head h2;
    if (gf__http_parse_head(buf, h.head_len, max, &h2) != GF__HTTP_HEAD_OK ||
        h2.head_len != h.head_len)
      abort();
  } else if (rc == GF__HTTP_HEAD_INCOMPLETE) {
    if (len >= max) abort();
  } else if (gf__http_parse_status(rc) == 0) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char* buf = malloc(size ? size : 1);
  if (!buf) return 0;
  if (size) memcpy(buf, data, size);
  check(buf, size, 8192);
  check(buf, size, size ? (size_t)data[0] % (size + 1) : 0);
  for (size_t cut = 1; cut <= 4 && cut <= size; cut++) check(buf, size - cut, 8192);
  free(buf);
  return 0;
}
