/* Loading a methods plugin (.so) with dlopen (public API in server.h) and
 * validating the methods table its factory returns. Main thread. */
#ifndef GF__SERVER_PLUGIN_H
#define GF__SERVER_PLUGIN_H

#include "gooddata_flight_server/flight.h"
#include "gooddata_flight_server/server.h"

/* dlopen of a library spec (a path, or a name resolved as lib<name>.so
 * through the loader path, then ../examples, ../lib and the executable's
 * directory). Fills path (what was tried last) and errbuf (dlerror text). */
void* gf__plugin_dlopen(const char* spec, char* path, size_t plen, char* errbuf, size_t errlen);
/* Checks a methods table returned by a factory (struct_size between
 * GF_METHODS_V1_SIZE and sizeof(gf_methods), abi_version) and zeroes the
 * fields past its struct_size. */
int gf__methods_validate(gf_methods* m, gf_error* err);

#endif
