/* Loading a methods plugin (.so) with dlopen: by path, or by name as
 * lib<name>.so through the loader path and the examples directory next to
 * the executable. Main thread. */
#ifndef GF__SERVER_PLUGIN_H
#define GF__SERVER_PLUGIN_H

#include "gooddata_flight_server/flight.h"

typedef struct gf__plugin gf__plugin;

/* dlopen of a library spec (a path, or a name resolved as lib<name>.so
 * through the loader path, then ../examples, ../lib and the executable's
 * directory). Fills path (what was tried last) and errbuf (dlerror text). */
void* gf__plugin_dlopen(const char* spec, char* path, size_t plen, char* errbuf, size_t errlen);
/* One-line errors: library not found (with dlerror()), missing entry point,
 * ABI version mismatch. */
int gf__plugin_load(const char* spec, gf__plugin** out, gf_error* err);
gf_methods_factory gf__plugin_factory(const gf__plugin* p);
const char* gf__plugin_path(const gf__plugin* p);
/* dlclose (call after the server that used the factory was destroyed). */
void gf__plugin_unload(gf__plugin* p);
/* Checks a methods table returned by a factory (struct_size, abi_version). */
int gf__methods_validate(const gf_methods* m, gf_error* err);

#endif
