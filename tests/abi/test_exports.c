/* The ABI line of the built shared library, read with binutils: `nm -D
 * --defined-only` lists only public gf_ symbols (no gf__ internals, no
 * protobuf-c generated arrow__flight__protocol__* code), the SONAME carries
 * GF_VERSION_MAJOR, and gf_version() matches the headers. The library is
 * found next to this binary's build tree ($B/tests/abi/ -> $B/lib/). */
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
  RUN(soname_carries_the_major_version);
  RUN(runtime_version_matches_headers);
  TEST_MAIN_END();
}
