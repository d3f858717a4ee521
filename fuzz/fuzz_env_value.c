/* libFuzzer target: environment variable handling. The input is split at
 * the first NUL into a variable name suffix and a value; the value is parsed
 * like GOODDATA_FLIGHT_* values and the whole entry applied to settings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65536) return 0;
  char* text = malloc(size + 1);
  if (text == NULL) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  gf__toml_value* v = NULL;
  if (gf__settings_parse_env_value(text, "env FUZZ", &v) == GF_OK) gf__toml_free(v);
  /* "NAME=VALUE" form through the loader (name part up to the first '='). */
  size_t plen = strlen(GF__ENV_PREFIX);
  char* entry = malloc(plen + strlen(text) + 1);
  if (entry != NULL) {
    memcpy(entry, GF__ENV_PREFIX, plen);
    strcpy(entry + plen, text);
    /* fixed host names: no DNS look-up per input */
    char* envp[] = {"GOODDATA_FLIGHT_SERVER__ADVERTISE_HOST=h",
                    "GOODDATA_FLIGHT_SERVER__OTEL_SERVICE_INSTANCE_ID=h", entry, NULL};
    gf_settings* s = NULL;
    gf_error err;
    if (gf__settings_load(NULL, 0, envp, &s, &err) == GF_OK) {
      gf__server_config cfg;
      if (gf__server_config_load(s, &cfg, &err) == GF_OK) gf__server_config_free(&cfg);
      gf__settings_free(s);
    }
    free(entry);
  }
  free(text);
  return 0;
}
