/* Test and bench helper: one field of /proc/<pid>/status ("VmRSS" and
 * "VmHWM" in KiB, "Threads"), or -1 when the process or field is missing.
 * Any thread. */
#ifndef GF_TEST_PROC_STATUS_H
#define GF_TEST_PROC_STATUS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static inline long gf_test_proc_status(pid_t pid, const char* key) {
  char p[64], line[256];
  snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
  FILE* f = fopen(p, "r");
  if (!f) return -1;
  long v = -1;
  size_t kl = strlen(key);
  while (fgets(line, sizeof(line), f))
    if (strncmp(line, key, kl) == 0 && line[kl] == ':') v = strtol(line + kl + 1, NULL, 10);
  fclose(f);
  return v;
}

#endif
