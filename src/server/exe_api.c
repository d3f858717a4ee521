/* Public helpers for server executables (the gooddata-flight-server command
 * and embedders): the effective-configuration printout, the settings
 * reference and malloc tuning. Main thread, before the server starts. */
#include <stdio.h>
#include <string.h>

#include "gooddata_flight_server/server.h"
#include "config/config_flexconnect.h"
#include "config/server_config.h"
#include "config/settings.h"
#include "transport/msg.h"

extern char** environ;

void gf_process_tune_malloc(void) { gf__transport_tune_malloc(); }

gf_status gf_config_print(const gf_server_options* options, FILE* out, gf_error* err) {
  gf_server_options o;
  int rc = gf__server_options_read(options, &o, err);
  if (rc) return rc;
  gf_settings* s = NULL;
  rc = gf__settings_load(o.config_files, o.n_config_files, o.envp ? o.envp : environ, &s, err);
  if (rc) return rc;
  gf__server_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  rc = gf__server_config_load(s, &cfg, err);
  gf__fc_settings fc;
  if (rc == GF_OK) {
    gf__server_config_free(&cfg);
    rc = gf__fc_settings_load(s, &fc, err);
  }
  if (rc == GF_OK) {
    gf__fc_settings_free(&fc);
    rc = gf__config_print(s, out);
    if (rc) gf_error_set(err, rc, "writing the configuration failed");
  }
  gf__settings_free(s);
  return rc;
}

gf_status gf_config_print_docs(FILE* out) { return gf__config_docs_markdown(out); }
