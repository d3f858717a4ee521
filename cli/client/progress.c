/* gooddata-flight: the progress line on stderr (rows, bytes, rate, elapsed
 * time), redrawn in place at most ten times a second once a transfer has
 * lasted half a second. Main thread; the interrupt thread only clears it. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(progress* p, bool on) {
  memset(p, 0, sizeof(*p));
  p->on = on;
  p->start = now_s();
  interrupt_set_progress(p);
}

static void human_bytes(double v, char* buf, size_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    u++;
  }
  snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void progress_line(progress* p, const char* text) {
  if (!p->on) return;
  double t = now_s();
  if (t - p->start < 0.5 || (p->shown && t - p->last < 0.1)) return;
  p->last = t;
  p->shown = true;
  char line[256];
  snprintf(line, sizeof(line), "\r%s  %.1f s\033[K", text, t - p->start);
  if (write(2, line, strlen(line)) < 0) p->on = false;
}

void progress_update(progress* p, const char* label) {
  if (!p->on) return;
  double el = now_s() - p->start;
  char b[32], r[32], text[200];
  human_bytes((double)p->bytes, b, sizeof(b));
  human_bytes(el > 0 ? (double)p->bytes / el : 0, r, sizeof(r));
  snprintf(text, sizeof(text), "%s%s%lld rows, %s, %s/s", label ? label : "", label ? ": " : "",
           (long long)p->rows, b, r);
  progress_line(p, text);
}

void progress_clear(progress* p) {
  if (p->on && p->shown && write(2, "\r\033[K", 4) < 0) p->on = false;
  p->shown = false;
}

void progress_end(progress* p) {
  progress_clear(p);
  interrupt_set_progress(NULL);
}
