/* Scale test: many concurrently open DoGet streams with slow readers against
 * the real server (perf example). Every stream reads its first batch and
 * then waits while all the others are opened; meanwhile the server must stay
 * within a bounded thread count (<= 64, whatever the stream count) and a
 * bounded memory growth derived from what one stream may hold (one
 * in-flight message, one prepared batch, the plugin's batch and gRPC's
 * per-stream state). Then every stream is drained and checked: exact row
 * counts and a checksum of every value against the perf example's
 * deterministic data. Streams are multiplexed over several HTTP/2
 * connections (<= 400 streams each, under max_concurrent_streams = 1000).
 * GF_SCALE_STREAMS overrides the count (default 10000; 2000 under ASan,
 * whose per-call overhead would not fit the ~60 s budget on 2 cores).
 * Main thread only. */
#include <stdint.h>
#include <sys/resource.h>

#include "client/client_harness.h"
#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/ipc.h"
#include "support/proc_status.h"
#include "test.h"



#define ROWS_PER_BATCH 64
#define BATCHES 16
#define ROWS_PER_STREAM (ROWS_PER_BATCH * BATCHES)
#define STREAMS_PER_CONN 400
#define MAX_THREADS 64
/* Per-stream server budget: gRPC call + HTTP/2 stream state and buffers,
 * one in-flight FlightData message (~2.3 KiB here), the prepared queue
 * (<= 8 small messages, ~19 KiB), the perf plugin's own batch (2 KiB) and
 * allocator slack; measured ~40 KiB per stream. Under ASan (redzones and a
 * 256 MiB free quarantine) the budget is larger. */
#if defined(__SANITIZE_ADDRESS__)
#define GF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GF_ASAN 1
#endif
#endif
#ifdef GF_ASAN
#define DEFAULT_STREAMS 2000
#define PER_STREAM_BUDGET_KIB 128
#define FIXED_SLACK_MIB 320
#else
#define DEFAULT_STREAMS 10000
#define PER_STREAM_BUDGET_KIB 64
#define FIXED_SLACK_MIB 64
#endif

static test_server g_srv;
static int64_t g_expect[4][ROWS_PER_BATCH];

/* The perf example's data: one xorshift sequence over the 4 columns. */
static void expected_columns(void) {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int c = 0; c < 4; c++)
    for (int r = 0; r < ROWS_PER_BATCH; r++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      g_expect[c][r] = (int64_t)(x >> 1);
    }
}

static size_t put_varint(uint8_t* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

/* perf.Token{1: Perf{2: 1 stream, 3: rows, 4: rows per batch}, 2: 0, 3: rows} */
static size_t make_ticket(uint8_t* out) {
  uint8_t perf[32];
  size_t pl = 0;
  perf[pl++] = 0x10;
  pl += put_varint(perf + pl, 1);
  perf[pl++] = 0x18;
  pl += put_varint(perf + pl, ROWS_PER_STREAM);
  perf[pl++] = 0x20;
  pl += put_varint(perf + pl, ROWS_PER_BATCH);
  size_t n = 0;
  out[n++] = 0x0A;
  n += put_varint(out + n, pl);
  memcpy(out + n, perf, pl);
  n += pl;
  out[n++] = 0x10;
  n += put_varint(out + n, 0);
  out[n++] = 0x18;
  n += put_varint(out + n, ROWS_PER_STREAM);
  return n;
}

/* Reads one batch; checks its values; adds to the checksum. 1 = batch,
 * 0 = end of stream, -1 = error or bad data. */
static int read_batch(gf_flight_reader* r, int64_t* rows, uint64_t* sum) {
  struct ArrowArray a;
  gf_bytes md;
  gf_error err = {0};
  for (;;) {
    int rc = gf_flight_reader_next(r, &a, &md, &err);
    if (rc == GF_END_OF_STREAM) return 0;
    if (rc) {
      fprintf(stderr, "  read: %s\n", err.message);
      return -1;
    }
    if (a.release) break;
  }
  int bad = a.n_children != 4 || a.length > ROWS_PER_BATCH;
  for (int c = 0; !bad && c < 4; c++) {
    const int64_t* v = (const int64_t*)a.children[c]->buffers[1] + a.children[c]->offset;
    for (int64_t i = 0; i < a.length; i++) {
      if (v[i] != g_expect[c][i]) bad = 1;
      *sum += (uint64_t)v[i];
    }
  }
  *rows += a.length;
  a.release(&a);
  return bad ? -1 : 1;
}

static uint64_t expected_stream_sum(void) {
  uint64_t s = 0;
  for (int c = 0; c < 4; c++)
    for (int r = 0; r < ROWS_PER_BATCH; r++) s += (uint64_t)g_expect[c][r];
  return s * BATCHES;
}

static int stream_count(void) {
  const char* e = getenv("GF_SCALE_STREAMS");
  int n = e && *e ? atoi(e) : DEFAULT_STREAMS;
  return n > 0 ? n : DEFAULT_STREAMS;
}

static void raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

typedef struct run {
  int n, conns;
  gf_client** clients;
  gf_flight_reader** readers;
  int64_t rows;
  uint64_t sum;
  long base_rss_kib, peak_rss_kib;
  int max_threads;
} run;

static void sample(run* r) {
  long th = gf_test_proc_status(g_srv.pid, "Threads");
  long rss = gf_test_proc_status(g_srv.pid, "VmRSS");
  if (th > r->max_threads) r->max_threads = (int)th;
  if (rss > r->peak_rss_kib) r->peak_rss_kib = rss;
}

/* Opens all streams, reading the first batch of each. 0 or -1. */
static int open_all(run* r, const uint8_t* ticket, size_t tlen) {
  for (int i = 0; i < r->n; i++) {
    gf_error err = {0};
    if (gf_client_do_get(r->clients[i % r->conns], NULL, ticket, tlen, &r->readers[i], &err)) {
      fprintf(stderr, "  DoGet %d: %s\n", i, err.message);
      return -1;
    }
    if (read_batch(r->readers[i], &r->rows, &r->sum) != 1) {
      fprintf(stderr, "  stream %d: bad first batch\n", i);
      return -1;
    }
    if (i % 500 == 499) sample(r);
  }
  return 0;
}

static int drain_all(run* r) {
  for (int i = 0; i < r->n; i++) {
    int rc;
    while ((rc = read_batch(r->readers[i], &r->rows, &r->sum)) == 1) {
    }
    gf_flight_reader_free(r->readers[i]);
    r->readers[i] = NULL;
    if (rc) {
      fprintf(stderr, "  stream %d: read failed\n", i);
      return -1;
    }
  }
  return 0;
}

TEST(ten_thousand_slow_streams) {
  run r;
  memset(&r, 0, sizeof(r));
  r.n = stream_count();
  r.conns = (r.n + STREAMS_PER_CONN - 1) / STREAMS_PER_CONN;
  uint8_t ticket[64];
  size_t tlen = make_ticket(ticket);
  r.clients = calloc((size_t)r.conns, sizeof(gf_client*));
  r.readers = calloc((size_t)r.n, sizeof(gf_flight_reader*));
  CHECK(r.clients && r.readers);
  gf_client_options o;
  memset(&o, 0, sizeof(o));
  o.struct_size = sizeof(o);
  o.default_deadline_ms = 120000;
  /* Small fixed receive windows: each stream's data (32 KiB) cannot fit in
   * the client's buffers, so the server really has all streams open. */
  o.disable_bdp_probe = 1;
  o.stream_lookahead_bytes = 4096;
  int ok = 1;
  for (int i = 0; i < r.conns && ok; i++)
    ok = gf_client_create(g_srv.uri, &o, &r.clients[i], NULL) == GF_OK;
  /* Warm every connection, then take the baseline. */
  for (int i = 0; i < r.conns && ok; i++) {
    gf_flight_reader* w = NULL;
    int64_t rows = 0;
    uint64_t sum = 0;
    ok = gf_client_do_get(r.clients[i], NULL, ticket, tlen, &w, NULL) == GF_OK;
    while (ok && read_batch(w, &rows, &sum) == 1) {
    }
    gf_flight_reader_free(w);
  }
  test_sleep_ms(300);
  r.base_rss_kib = gf_test_proc_status(g_srv.pid, "VmRSS");
  double t0 = (double)clock() / CLOCKS_PER_SEC;
  struct timespec w0, w1;
  clock_gettime(CLOCK_MONOTONIC, &w0);
  if (ok) ok = open_all(&r, ticket, tlen) == 0;
  test_sleep_ms(200); /* let the servers' sends back up */
  sample(&r);
  long open_rss = gf_test_proc_status(g_srv.pid, "VmRSS");
  if (ok) ok = drain_all(&r) == 0;
  clock_gettime(CLOCK_MONOTONIC, &w1);
  sample(&r);
  for (int i = 0; i < r.n; i++) gf_flight_reader_free(r.readers[i]);
  for (int i = 0; i < r.conns; i++) gf_client_free(r.clients[i]);
  free(r.readers);
  free(r.clients);
  double secs = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
  long growth = r.peak_rss_kib - r.base_rss_kib;
  long bound = (long)r.n * PER_STREAM_BUDGET_KIB + FIXED_SLACK_MIB * 1024;
  printf("scale: streams=%d connections=%d seconds=%.1f client_cpu_s=%.1f server_threads_max=%d "
         "server_rss_base_mib=%.1f open_mib=%.1f peak_mib=%.1f growth_per_stream_kib=%.1f bound_kib=%ld\n",
         r.n, r.conns, secs, (double)clock() / CLOCKS_PER_SEC - t0, r.max_threads, r.base_rss_kib / 1024.0,
         open_rss / 1024.0, r.peak_rss_kib / 1024.0, (double)growth / r.n, bound);
  CHECK(ok);
  CHECK_EQ_INT(r.rows, (int64_t)r.n * ROWS_PER_STREAM);
  CHECK(r.sum == expected_stream_sum() * (uint64_t)r.n);
  CHECK_MSG(r.max_threads > 0 && r.max_threads <= MAX_THREADS, "server threads %d", r.max_threads);
  CHECK_MSG(growth <= bound, "server RSS grew %ld KiB for %d streams (bound %ld KiB)", growth, r.n, bound);
}

int main(void) {
  test_watchdog(170);
  raise_nofile();
  expected_columns();
  if (!test_have_server("perf")) {
    printf("skipped: no server binary or perf example\n");
    TEST_MAIN_END();
  }
  if (test_server_start(&g_srv, "perf", NULL)) {
    fprintf(stderr, "cannot start the server\n");
    return 1;
  }
  RUN(ten_thousand_slow_streams);
  if (test_server_stop(&g_srv) != 0) {
    fprintf(stderr, "FAIL server exit code\n");
    gf_test_failed++;
  }
  TEST_MAIN_END();
}
