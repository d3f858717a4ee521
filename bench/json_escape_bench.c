/* Log-line JSON cost: the log writer's streaming escaper (common/buf.c
 * through common/json.c) against libjansson building the same line as a
 * json_t and dumping it compact. Prints ns per line for each; single thread.
 * Usage: json_escape_bench [lines] (default 500000). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json.h"

typedef struct line_buf { char buf[4096]; size_t len; } line_buf;

static void put(void* ctx, const char* s, size_t n) {
  line_buf* b = ctx;
  memcpy(b->buf + b->len, s, n);
  b->len += n;
}

static const char* k_keys[] = {"event", "timestamp", "level", "logger", "peer", "method", "message"};
static const char* k_vals[] = {"rpc_finished", "2026-12-06T05:20:55.173820Z", "info",
                               "gooddata_flight_server.rpc", "ipv4:127.0.0.1:53124",
                               "/arrow.flight.protocol.FlightService/DoGet",
                               "served 12 batches (\"orders\"), 1.2 MB in 3.4 ms\tok \xc3\xa9"};
#define N_FIELDS (sizeof(k_keys) / sizeof(k_keys[0]))

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static size_t escaper_line(line_buf* b) {
  b->len = 0;
  put(b, "{", 1);
  for (size_t f = 0; f < N_FIELDS; f++) {
    if (f) put(b, ",", 1);
    gf__json_escape_to(put, b, k_keys[f], strlen(k_keys[f]));
    put(b, ":", 1);
    gf__json_escape_to(put, b, k_vals[f], strlen(k_vals[f]));
  }
  put(b, ",\"rows\":", 8);
  put(b, "123456", 6);
  put(b, "}\n", 2);
  return b->len;
}

static size_t jansson_line(line_buf* b) {
  json_t* o = json_object();
  for (size_t f = 0; f < N_FIELDS; f++) json_object_set_new(o, k_keys[f], json_string(k_vals[f]));
  json_object_set_new(o, "rows", json_integer(123456));
  size_t n = json_dumpb(o, b->buf, sizeof(b->buf) - 1, JSON_COMPACT | JSON_PRESERVE_ORDER);
  b->buf[n] = '\n';
  b->len = n + 1;
  json_decref(o);
  return n + 1;
}

int main(int argc, char** argv) {
  long lines = argc > 1 ? atol(argv[1]) : 500000;
  static line_buf a, j;
  escaper_line(&a);
  jansson_line(&j);
  if (a.len != j.len || memcmp(a.buf, j.buf, a.len) != 0) {
    fprintf(stderr, "the two lines differ:\n%.*s%.*s", (int)a.len, a.buf, (int)j.len, j.buf);
    return 1;
  }
  size_t sink = 0;
  for (int round = 0; round < 3; round++) {
    double t0 = now_ns();
    for (long i = 0; i < lines; i++) sink += escaper_line(&a);
    double t1 = now_ns();
    for (long i = 0; i < lines; i++) sink += jansson_line(&j);
    double t2 = now_ns();
    printf("round %d: escaper %.0f ns/line, jansson %.0f ns/line (%.1fx)\n", round,
           (t1 - t0) / lines, (t2 - t1) / lines, (t2 - t1) / (t1 - t0));
  }
  return sink == 0;
}
