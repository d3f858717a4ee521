/* The ABI line of the built shared library, read with binutils: `nm -D
 * --defined-only` lists only public gf_ symbols (no gf__ internals, no
 * protobuf-c generated arrow__flight__protocol__* code), the SONAME carries
 * GF_VERSION_MAJOR, gf_version() matches the headers, and every function
 * declared in include/ is marked GF_API and exported (a declaration without
 * it would be hidden, and plugins calling it would fail to load). The
 * library is found next to this binary's build tree ($B/tests/abi/ ->
 * $B/lib/); include/ relative to the working directory (the repository root,
 * where tests/run.sh runs every test). */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gooddata_flight_server/common.h"
#include "test.h"

static char lib_path[PATH_MAX];

static int find_lib(void) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return -1;
  exe[n] = 0;
  char* slash = strrchr(exe, '/');
  if (!slash) return -1;
  *slash = 0;
  snprintf(lib_path, sizeof(lib_path), "%s/../../lib/libgooddata_flight_server.so", exe);
  return access(lib_path, R_OK);
}

#define MAX_SYMS 4096
static char* exported[MAX_SYMS];
static int n_exported;

static int is_exported(const char* name) {
  for (int i = 0; i < n_exported; i++)
    if (strcmp(exported[i], name) == 0) return 1;
  return 0;
}

TEST(only_public_symbols_exported) {
  CHECK(find_lib() == 0);
  char cmd[PATH_MAX + 64];
  snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s'", lib_path);
  FILE* p = popen(cmd, "r");
  CHECK(p != NULL);
  char line[512];
  int total = 0, bad = 0, seen_version = 0, seen_create = 0;
  while (fgets(line, sizeof(line), p)) {
    char addr[64], type[8], name[400];
    if (sscanf(line, "%63s %7s %399s", addr, type, name) != 3) continue;
    total++;
    if (n_exported < MAX_SYMS) exported[n_exported++] = strdup(name);
    if (strncmp(name, "gf_", 3) != 0 || strncmp(name, "gf__", 4) == 0) {
      if (bad++ < 10) fprintf(stderr, "  exported but not public: %s\n", name);
    }
    if (strcmp(name, "gf_version") == 0) seen_version = 1;
    if (strcmp(name, "gf_server_create") == 0) seen_create = 1;
  }
  CHECK_EQ_INT(pclose(p), 0);
  CHECK_EQ_INT(bad, 0);
  CHECK(total > 300); /* the whole public API, not an empty listing */
  CHECK(seen_version && seen_create);
}

/* A top-level line declaring a function named gf_*: returns the name's
 * start (and sets *len), else NULL. */
static const char* declared_function(const char* line, size_t* len) {
  if (!isalpha((unsigned char)line[0]) || strncmp(line, "typedef", 7) == 0 ||
      strncmp(line, "static", 6) == 0 || strncmp(line, "extern \"C\"", 10) == 0)
    return NULL;
  const char* paren = strchr(line, '(');
  if (paren == NULL) return NULL;
  const char* end = paren;
  while (end > line && end[-1] == ' ') end--;
  const char* start = end;
  while (start > line && (isalnum((unsigned char)start[-1]) || start[-1] == '_')) start--;
  if (end - start < 4 || strncmp(start, "gf_", 3) != 0) return NULL;
  *len = (size_t)(end - start);
  return start;
}

static int check_header(const char* path, int* n_decls) {
  FILE* f = fopen(path, "r");
  if (f == NULL) return -1;
  char line[1024];
  int bad = 0, lineno = 0;
  while (fgets(line, sizeof(line), f)) {
    lineno++;
    size_t len = 0;
    const char* name = declared_function(line, &len);
    if (name == NULL) continue;
    char sym[256];
    snprintf(sym, sizeof(sym), "%.*s", (int)len, name);
    (*n_decls)++;
    if (strncmp(line, "GF_API ", 7) != 0 || !is_exported(sym)) {
      if (bad++ < 10) fprintf(stderr, "  %s:%d: %s not marked GF_API or not exported\n", path, lineno, sym);
    }
  }
  fclose(f);
  return bad;
}

TEST(every_declared_function_is_exported) {
  CHECK(n_exported > 0); /* filled by only_public_symbols_exported */
  const char* dir = "include/gooddata_flight_server";
  DIR* d = opendir(dir);
  CHECK(d != NULL);
  struct dirent* e;
  int bad = 0, n_decls = 0, n_headers = 0;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 3 || strcmp(e->d_name + n - 2, ".h") != 0) continue;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    int b = check_header(path, &n_decls);
    if (b < 0) bad++;
    else bad += b;
    n_headers++;
  }
  closedir(d);
  CHECK_EQ_INT(bad, 0);
  CHECK(n_headers > 10 && n_decls > 300);
}

TEST(soname_carries_the_major_version) {
  CHECK(find_lib() == 0);
  char cmd[PATH_MAX + 64];
  snprintf(cmd, sizeof(cmd), "readelf -d '%s'", lib_path);
  FILE* p = popen(cmd, "r");
  CHECK(p != NULL);
  char line[512], want[96];
  snprintf(want, sizeof(want), "[libgooddata_flight_server.so.%d]", GF_VERSION_MAJOR);
  int found = 0;
  while (fgets(line, sizeof(line), p))
    if (strstr(line, "(SONAME)") && strstr(line, want)) found = 1;
  CHECK_EQ_INT(pclose(p), 0);
  CHECK(found);
}

TEST(runtime_version_matches_headers) {
  CHECK_EQ_INT(gf_version(), GF_VERSION_HEX);
  CHECK_EQ_STR(gf_version_string(), GF_VERSION_STRING);
  char v[32];
  snprintf(v, sizeof(v), "%d.%d.%d", GF_VERSION_MAJOR, GF_VERSION_MINOR, GF_VERSION_PATCH);
  CHECK_EQ_STR(v, GF_VERSION_STRING);
}

int main(void) {
  RUN(only_public_symbols_exported);
  RUN(every_declared_function_is_exported);
  RUN(soname_carries_the_major_version);
  RUN(runtime_version_matches_headers);
  TEST_MAIN_END();
}
