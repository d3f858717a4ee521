/* libFuzzer target: the W3C traceparent parser (gf__traceparent_parse);
 * accepted input must round-trip through the formatter's field layout. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tracing/tracing_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char* text = malloc(size ? size : 1);
  if (!text) return 0;
  if (size) memcpy(text, data, size);
  uint8_t trace[16], span[8], flags = 0;
  if (gf__traceparent_parse(text, size, trace, span, &flags)) {
    char hex[33];
    gf__hex(trace, 16, hex);
    /* the trace id field must be exactly what was parsed */
    const char* p = text;
    while (*p == ' ' || *p == '\t') p++;
    if (memcmp(p + 3, hex, 32) != 0) abort();
    int zero = 1;
    for (int i = 0; i < 8; i++) zero &= span[i] == 0;
    if (zero) abort();
  }
  free(text);
  return 0;
}
