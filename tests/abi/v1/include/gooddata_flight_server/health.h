/* Health monitor (the seed's ServerHealthMonitor): modules report OK/NOT_OK;
 * readiness = the server finished start-up and accepts calls; liveness = no
 * module is NOT_OK. Served over HTTP (/ready, /live) when health_check_host
 * is set. Thread-safe. */
#ifndef GOODDATA_FLIGHT_SERVER_HEALTH_H
#define GOODDATA_FLIGHT_SERVER_HEALTH_H

#include "gooddata_flight_server/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_health gf_health;

typedef enum gf_module_status { GF_MODULE_OK = 0, GF_MODULE_NOT_OK = 1 } gf_module_status;

/* Sets the status of a named module (name copied). */
GF_API gf_status gf_health_set_module_status(gf_health* health, const char* module, gf_module_status status);
/* True if every module is OK and the "server" module (set at the end of
 * start-up) is present. */
GF_API bool gf_health_is_ready(gf_health* health);
/* True if no module is NOT_OK. */
GF_API bool gf_health_is_alive(gf_health* health);

#ifdef __cplusplus
}
#endif

#endif
