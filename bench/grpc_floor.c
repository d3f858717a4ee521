/* The start-up floor of any server on Debian's gRPC C core: load libgrpc
 * (and its ~60 shared-library dependencies), grpc_init(), print VmRSS in KiB
 * and exit. startup_bench runs it beside the real server so the start-up
 * and idle-RSS figures come with the part no gRPC-core server can avoid.
 * Main thread only. */
#include <stdio.h>
#include <string.h>

#include <grpc/grpc.h>

int main(void) {
  grpc_init();
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof(line), f))
    if (strncmp(line, "VmRSS:", 6) == 0) sscanf(line + 6, "%ld", &kb);
  if (f) fclose(f);
  printf("%ld\n", kb);
  fflush(stdout);
  grpc_shutdown();
  return kb > 0 ? 0 : 1;
}
