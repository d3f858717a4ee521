/* Loading a token verification strategy library named by the
 * `token_verification` setting: dlopen, look up the versioned entry point,
 * validate the table. Runs once on the main thread at start-up. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/auth_strategy.h"

int gf__auth_check_strategy(const gf_token_strategy* s, const char* path, gf_error* err) {
  if (s == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "token_verification: '%s': %s() returned NULL", path,
                        GF_TOKEN_STRATEGY_SYMBOL);
  if (s->abi_version != GF_TOKEN_STRATEGY_ABI_VERSION)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "token_verification: '%s' has token strategy ABI version %u, this server "
                        "supports %u",
                        path, (unsigned)s->abi_version, (unsigned)GF_TOKEN_STRATEGY_ABI_VERSION);
  size_t min_size = offsetof(gf_token_strategy, verify) + sizeof(s->verify);
  if (s->struct_size < min_size)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "token_verification: '%s' declares struct_size %u, at least %zu is needed",
                        path, (unsigned)s->struct_size, min_size);
  if (s->create == NULL || s->verify == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "token_verification: '%s' does not provide the create and verify callbacks",
                        path);
  return GF_OK;
}

/* "name" -> "libname.so"; paths and *.so names are used as given. */
static void library_name(const char* spec, char* buf, size_t cap) {
  size_t n = strlen(spec);
  int is_file = strchr(spec, '/') != NULL || (n > 3 && strcmp(spec + n - 3, ".so") == 0) ||
                strstr(spec, ".so.") != NULL;
  if (is_file)
    snprintf(buf, cap, "%s", spec);
  else
    snprintf(buf, cap, "lib%s.so", spec);
}

int gf__auth_strategy_load(const char* spec, gf__loaded_strategy* out, gf_error* err) {
  char name[4096];
  library_name(spec, name, sizeof(name));
  memset(out, 0, sizeof(*out));
  dlerror();
  void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    const char* e = dlerror();
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "token_verification: cannot load the token verification strategy library "
                        "'%s': %s",
                        name, e ? e : "unknown error");
  }
  gf_token_strategy_entry entry;
  void* sym = dlsym(h, GF_TOKEN_STRATEGY_SYMBOL);
  if (sym == NULL) {
    dlclose(h);
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "token_verification: the library '%s' does not export '%s' (the token "
                        "verification strategy entry point)",
                        name, GF_TOKEN_STRATEGY_SYMBOL);
  }
  memcpy(&entry, &sym, sizeof(entry));
  const gf_token_strategy* s = entry();
  int rc = gf__auth_check_strategy(s, name, err);
  if (rc != GF_OK) {
    dlclose(h);
    return rc;
  }
  size_t n = s->struct_size < sizeof(out->table) ? s->struct_size : sizeof(out->table);
  memcpy(&out->table, s, n);
  out->handle = h;
  return GF_OK;
}

void gf__auth_strategy_unload(gf__loaded_strategy* s) {
  if (s->handle != NULL) dlclose(s->handle);
  s->handle = NULL;
}
