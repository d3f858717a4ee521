/* The [flexconnect] settings section (config_flexconnect.c): read and
 * validated from merged settings. Main thread. */
#ifndef GF__SERVER_CONFIG_FLEXCONNECT_H
#define GF__SERVER_CONFIG_FLEXCONNECT_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/config.h"

typedef struct gf__fc_settings {
  char** functions;
  size_t n_functions;
  int64_t call_deadline_ms;     /* default 180000 */
  int64_t polling_interval_ms;  /* default 2000 */
} gf__fc_settings;

int gf__fc_settings_load(const gf_settings* s, gf__fc_settings* out, gf_error* err);
void gf__fc_settings_free(gf__fc_settings* s);

#endif
