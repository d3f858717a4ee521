/* The FlexConnect function registry: loads the libraries named in
 * [flexconnect] functions (dlopen, like --methods-provider), checks their
 * ABI and every function (name, duplicates, schema, call), runs on_load and
 * keeps the functions in list order. Loaded on the main thread at start-up;
 * read-only (any thread) afterwards. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flexconnect/fc_internal.h"
#include "server/server_plugin.h"

#define FN_MIN_SIZE (offsetof(gf_fc_function, cancel) + sizeof(void*))
#define LIB_MIN_SIZE (offsetof(gf_fc_library, n_functions) + sizeof(size_t))

static int push(void*** arr, size_t* n, void* item) {
  void** grown = realloc(*arr, (*n + 1) * sizeof(void*));
  if (grown == NULL) return GF_NO_MEMORY;
  grown[(*n)++] = item;
  *arr = grown;
  return GF_OK;
}

static void fn_free(gf__fc_fn* f) {
  if (f == NULL) return;
  if (f->loaded && f->def.unload) f->def.unload(f->state);
  if (f->schema.release) f->schema.release(&f->schema);
  free(f->name);
  free(f->library);
  free(f->list_cmd);
  free(f);
}

static const gf_fc_library* open_library(gf__fc_registry* reg, const char* spec, char* path,
                                         size_t plen, gf_error* err) {
  char errbuf[512] = {0};
  void* h = gf__plugin_dlopen(spec, path, plen, errbuf, sizeof(errbuf));
  if (h == NULL) {
    gf_error_set(err, GF_NOT_FOUND, "FlexConnect functions library '%s' not found: %s", spec, errbuf);
    return NULL;
  }
  if (push(&reg->libs, &reg->n_libs, h) != GF_OK) {
    dlclose(h);
    gf_error_set(err, GF_NO_MEMORY, "out of memory");
    return NULL;
  }
  const uint32_t* abi = dlsym(h, GF_FC_ABI_SYMBOL);
  void* entry = dlsym(h, GF_FC_ENTRY_SYMBOL);
  if (abi == NULL || entry == NULL) {
    gf_error_set(err, GF_NOT_FOUND,
                 "No FlexConnect functions found in the library %s (missing symbol %s). Make sure one "
                 "source file of the library uses GF_FC_DECLARE_LIBRARY(...).",
                 path, abi == NULL ? GF_FC_ABI_SYMBOL : GF_FC_ENTRY_SYMBOL);
    return NULL;
  }
  if (*abi != GF_FC_ABI_VERSION) {
    gf_error_set(err, GF_INVALID_ARGUMENT,
                 "The FlexConnect functions library %s was built for FlexConnect ABI version %u, but "
                 "this server supports version %u. Rebuild it against this server's headers.",
                 path, (unsigned)*abi, (unsigned)GF_FC_ABI_VERSION);
    return NULL;
  }
  const gf_fc_library* (*get)(void);
  *(void**)&get = entry;
  const gf_fc_library* lib = get();
  if (lib == NULL || lib->struct_size < LIB_MIN_SIZE || lib->abi_version != GF_FC_ABI_VERSION ||
      (lib->n_functions > 0 && lib->functions == NULL)) {
    gf_error_set(err, GF_INVALID_ARGUMENT,
                 "The FlexConnect functions library %s returned an invalid library descriptor "
                 "(struct_size or abi_version wrong).", path);
    return NULL;
  }
  return lib;
}

static int check_schema(gf__fc_fn* f, gf_error* err) {
  gf_error e = {0};
  if (f->def.schema == NULL || f->def.schema(f->def.user, &f->schema, &e) != GF_OK ||
      f->schema.release == NULL || f->schema.format == NULL || strcmp(f->schema.format, "+s") != 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "FlexConnect function '%s' implemented in library %s does not specify schema.%s%s",
                        f->name, f->library, e.message[0] ? " " : "", e.message);
  return GF_OK;
}

static int check_function(const gf__fc_registry* reg, const gf_fc_function* def, const char* path,
                          gf__fc_fn* f, gf_error* err) {
  if (def == NULL || def->struct_size < FN_MIN_SIZE)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "FlexConnect function implemented in library %s has an invalid descriptor "
                        "(struct_size %u).", path, def ? (unsigned)def->struct_size : 0u);
  memcpy(&f->def, def, def->struct_size < sizeof(f->def) ? def->struct_size : sizeof(f->def));
  if ((f->library = strdup(path)) == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  if (def->name == NULL || def->name[0] == '\0')
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "FlexConnect function implemented in library %s does not specify name or "
                        "specifies an empty name.", path);
  const gf__fc_fn* other = gf__fc_registry_find(reg, def->name);
  if (other != NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "FlexConnect function implemented in library %s specifies same name as already "
                        "registered fun from library %s.", path, other->library);
  if ((f->name = strdup(def->name)) == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  int rc = check_schema(f, err);
  if (rc) return rc;
  if (def->call == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "FlexConnect function '%s' implemented in library %s does not specify call.",
                        f->name, path);
  f->list_cmd = gf__fc_list_command(f->name, def->metadata_json, &f->list_cmd_len);
  if (f->list_cmd == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "FlexConnect function '%s' implemented in library %s has metadata that is not "
                        "valid JSON.", f->name, path);
  return GF_OK;
}

static int load_one(gf__fc_registry* reg, const gf_fc_function* def, const char* path,
                    gf_server_context* ctx, gf_error* err) {
  gf__fc_fn* f = calloc(1, sizeof(*f));
  if (f == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  int rc = check_function(reg, def, path, f, err);
  f->state = f->def.user;
  if (!rc && f->def.on_load) {
    gf_error e = {0};
    if (f->def.on_load(f->def.user, ctx, &f->state, &e) != GF_OK)
      rc = gf_error_set(err, GF_INVALID_ARGUMENT, "FlexConnect function '%s' failed to load: %s",
                        f->name, e.message[0] ? e.message : "on_load returned an error");
  }
  if (!rc) f->loaded = 1;
  if (!rc && push((void***)&reg->fns, &reg->n, f) != GF_OK) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
  if (rc) fn_free(f);
  return rc;
}

int gf__fc_registry_load(gf__fc_registry* reg, const char* const* specs, size_t n,
                         gf_server_context* ctx, gf_error* err) {
  memset(reg, 0, sizeof(*reg));
  for (size_t i = 0; i < n; i++) {
    char path[PATH_MAX];
    const gf_fc_library* lib = open_library(reg, specs[i], path, sizeof(path), err);
    if (lib == NULL) return err->code ? err->code : GF_INVALID_ARGUMENT;
    for (size_t j = 0; j < lib->n_functions; j++) {
      int rc = load_one(reg, lib->functions[j], path, ctx, err);
      if (rc) return rc;
    }
  }
  return GF_OK;
}

const gf__fc_fn* gf__fc_registry_find(const gf__fc_registry* reg, const char* name) {
  for (size_t i = 0; i < reg->n; i++)
    if (strcmp(reg->fns[i]->name, name) == 0) return reg->fns[i];
  return NULL;
}

void gf__fc_registry_free(gf__fc_registry* reg) {
  for (size_t i = 0; i < reg->n; i++) fn_free(reg->fns[i]);
  free(reg->fns);
  if (!getenv("GF_NO_DLCLOSE"))
    for (size_t i = 0; i < reg->n_libs; i++) dlclose(reg->libs[i]);
  free(reg->libs);
  memset(reg, 0, sizeof(*reg));
}
