/* Plugin loading (dlopen/dlsym) and methods-table validation. Main thread. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/server_plugin.h"

struct gf_plugin {
  void* handle;
  gf_methods_factory factory;
  char path[PATH_MAX];
};

static void* try_open(const char* path, char* errbuf, size_t errlen) {
  void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h && errbuf[0] == 0) {
    const char* e = dlerror();
    snprintf(errbuf, errlen, "%s", e ? e : "unknown dlopen error");
  }
  return h;
}

static int exe_dir(char* out, size_t len) {
  ssize_t n = readlink("/proc/self/exe", out, len - 1);
  if (n <= 0) return -1;
  out[n] = 0;
  char* slash = strrchr(out, '/');
  if (!slash) return -1;
  *slash = 0;
  return 0;
}

void* gf__plugin_dlopen(const char* spec, char* path, size_t plen, char* errbuf, size_t errlen) {
  if (strchr(spec, '/') || strstr(spec, ".so")) {
    snprintf(path, plen, "%s", spec);
    return try_open(spec, errbuf, errlen);
  }
  snprintf(path, plen, "lib%s.so", spec);
  void* h = try_open(path, errbuf, errlen);
  char dir[PATH_MAX];
  if (!h && exe_dir(dir, sizeof(dir)) == 0) {
    const char* subdirs[] = {"../examples", "../lib", "."};
    for (size_t i = 0; i < 3 && !h; i++) {
      snprintf(path, plen, "%s/%s/lib%s.so", dir, subdirs[i], spec);
      if (access(path, F_OK) == 0) {
        errbuf[0] = 0;
        h = try_open(path, errbuf, errlen);
      }
    }
    if (!h) snprintf(path, plen, "lib%s.so", spec);
  }
  return h;
}

gf_status gf_plugin_load(const char* spec, gf_plugin** out, gf_error* err) {
  if (!spec || !*spec) return gf_error_set(err, GF_INVALID_ARGUMENT, "no methods provider given (use --methods-provider <path|name>)");
  gf_plugin* p = calloc(1, sizeof(*p));
  if (!p) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  char errbuf[512] = {0};
  p->handle = gf__plugin_dlopen(spec, p->path, sizeof(p->path), errbuf, sizeof(errbuf));
  if (!p->handle) {
    free(p);
    return gf_error_set(err, GF_NOT_FOUND, "Flight methods library '%s' not found: %s", spec, errbuf);
  }
  dlerror();
  const uint32_t* abi = dlsym(p->handle, GF_PLUGIN_ABI_SYMBOL);
  void* fn = dlsym(p->handle, GF_PLUGIN_FACTORY_SYMBOL);
  int rc = GF_OK;
  if (!abi || !fn)
    rc = gf_error_set(err, GF_NOT_FOUND,
                      "No flight methods factory found in the library %s (missing symbol %s). Make sure "
                      "one source file of the library uses GF_DECLARE_PLUGIN(factory).",
                      p->path, !abi ? GF_PLUGIN_ABI_SYMBOL : GF_PLUGIN_FACTORY_SYMBOL);
  else if (*abi != GF_PLUGIN_ABI_VERSION)
    rc = gf_error_set(err, GF_INVALID_ARGUMENT,
                      "The flight methods library %s was built for plugin ABI version %u, but this "
                      "server supports ABI version %u. Rebuild it against this server's headers.",
                      p->path, (unsigned)*abi, (unsigned)GF_PLUGIN_ABI_VERSION);
  if (rc) {
    dlclose(p->handle);
    free(p);
    return rc;
  }
  *(void**)&p->factory = fn;
  *out = p;
  return GF_OK;
}

gf_methods_factory gf_plugin_factory(const gf_plugin* p) { return p->factory; }

void gf_plugin_unload(gf_plugin* p) {
  if (!p) return;
  if (!getenv("GF_NO_DLCLOSE")) dlclose(p->handle);
  free(p);
}

int gf__methods_validate(gf_methods* m, gf_error* err) {
  if (m->struct_size < GF_METHODS_V1_SIZE || m->struct_size > sizeof(gf_methods) ||
      m->abi_version != GF_PLUGIN_ABI_VERSION)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "The provided methods factory returned an invalid methods table (struct_size %u, "
                        "expected %zu..%zu; abi_version %u, expected %u). Make sure the factory sets "
                        "struct_size = sizeof(gf_methods) and abi_version = GF_PLUGIN_ABI_VERSION.",
                        (unsigned)m->struct_size, (size_t)GF_METHODS_V1_SIZE, sizeof(gf_methods),
                        (unsigned)m->abi_version,
                        (unsigned)GF_PLUGIN_ABI_VERSION);
  /* A plugin built against an older, shorter table does not know the fields
   * past its struct_size: they read as NULL (methods answer UNIMPLEMENTED,
   * hooks do not run), whatever the factory left there. */
  memset((char*)m + m->struct_size, 0, sizeof(gf_methods) - m->struct_size);
  return GF_OK;
}
