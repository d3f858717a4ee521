/* Process metrics computed at scrape time from /proc/self (like
 * prometheus_client's ProcessCollector): memory, CPU, fds, threads, start
 * time. Runs on the scraping thread; no state. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "metrics/metrics_core.h"

typedef struct proc_stat {
  double utime, stime;  /* ticks */
  long threads;
  double starttime;     /* ticks after boot */
  double vsize, rss;    /* bytes, pages */
} proc_stat;

static int read_text(const char* path, char* buf, size_t cap) {
  FILE* f = fopen(path, "re");
  if (!f) return -1;
  size_t n = fread(buf, 1, cap - 1, f);
  fclose(f);
  buf[n] = '\0';
  return (int)n;
}

static int read_stat(proc_stat* ps) {
  char buf[4096];
  if (read_text("/proc/self/stat", buf, sizeof buf) <= 0) return 0;
  char* p = strrchr(buf, ')');
  if (!p) return 0;
  /* fields after ")": 3=state ... 14=utime 15=stime 20=threads 22=start 23=vsize 24=rss */
  double f[25] = {0};
  int idx = 3;
  char* save = NULL;
  for (char* tok = strtok_r(p + 1, " ", &save); tok && idx <= 24; tok = strtok_r(NULL, " ", &save)) {
    f[idx] = strtod(tok, NULL);
    idx++;
  }
  if (idx <= 24) return 0;
  ps->utime = f[14];
  ps->stime = f[15];
  ps->threads = (long)f[20];
  ps->starttime = f[22];
  ps->vsize = f[23];
  ps->rss = f[24];
  return 1;
}

static double boot_time(void) {
  char buf[16384];
  if (read_text("/proc/stat", buf, sizeof buf) <= 0) return 0;
  char* p = strstr(buf, "\nbtime ");
  return p ? strtod(p + 7, NULL) : 0;
}

static long open_fds(void) {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  long n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1; /* the directory stream itself */
}

static void gauge(gf__buf* b, const char* name, const char* help, const char* type, double v) {
  char num[48];
  gf__prom_float(num, v);
  gf__buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, type, name, num);
}

void gf__metrics_render_process(gf__buf* b) {
  proc_stat ps;
  double ticks = (double)sysconf(_SC_CLK_TCK);
  double page = (double)sysconf(_SC_PAGESIZE);
  if (read_stat(&ps) && ticks > 0) {
    gauge(b, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", ps.vsize);
    gauge(b, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
          ps.rss * page);
    gauge(b, "process_start_time_seconds",
          "Start time of the process since unix epoch in seconds.", "gauge",
          boot_time() + ps.starttime / ticks);
    gauge(b, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
          "counter", (ps.utime + ps.stime) / ticks);
    gauge(b, "process_threads", "Number of OS threads in the process.", "gauge",
          (double)ps.threads);
  }
  long fds = open_fds();
  if (fds >= 0) gauge(b, "process_open_fds", "Number of open file descriptors.", "gauge", (double)fds);
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
    gauge(b, "process_max_fds", "Maximum number of open file descriptors.", "gauge",
          rl.rlim_cur == RLIM_INFINITY ? -1.0 : (double)rl.rlim_cur);
}
