/* Loading a methods plugin (.so) with dlopen (public API in server.h) and
 * validating the methods table its factory returns. Main thread. */
#ifndef GF__SERVER_PLUGIN_H
#define GF__SERVER_PLUGIN_H

#include "gooddata_flight_server/flight.h"
#include "gooddata_flight_server/server.h"

/* Checks a methods table returned by a factory (struct_size between
 * GF_METHODS_V1_SIZE and sizeof(gf_methods), abi_version) and zeroes the
 * fields past its struct_size. */
int gf__methods_validate(gf_methods* m, gf_error* err);

#endif
