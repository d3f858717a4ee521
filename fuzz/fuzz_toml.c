/* libFuzzer target: the TOML document reader on arbitrary bytes; a document
 * that parses is also merged into a clone of itself and printed as settings
 * (exercises merge, clone, lookup and rendering). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/settings.h"
#include "config/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gf__toml_value* v = NULL;
  gf_error err;
  if (gf__toml_parse((const char*)data, size, "fuzz.toml", &v, &err) != GF_OK) return 0;
  gf__toml_value* c = gf__toml_clone(v);
  if (c != NULL) gf__toml_merge(v, c);
  gf_settings s = {.root = v};
  FILE* null = fopen("/dev/null", "w");
  if (null != NULL) {
    gf__config_print(&s, null);
    fclose(null);
  }
  gf__toml_free(v);
  return 0;
}
