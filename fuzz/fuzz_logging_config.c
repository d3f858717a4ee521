/* libFuzzer target: the --logging-config INI parser (gf__log_parse_ini) on
 * arbitrary bytes; must never crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log/log_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  /* The parser takes a length; copy so reads past `size` are caught. */
  char* text = malloc(size ? size : 1);
  if (!text) return 0;
  if (size) memcpy(text, data, size);
  gf__log_level_rule* rules = NULL;
  size_t n = 0;
  gf_error err;
  if (gf__log_parse_ini(text, size, "fuzz.ini", &rules, &n, &err) == GF_OK) {
    for (size_t i = 0; i < n; i++)
      if (!rules[i].name || rules[i].level < 0) abort();
    gf__log_rules_free(rules, n);
  } else if (err.message[0] == '\0') {
    abort(); /* errors must say what is wrong */
  }
  free(text);
  return 0;
}
