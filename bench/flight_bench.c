/* Flight benchmark with the C client against running servers: the perf
 * example (Arrow's perf protocol: GetFlightInfo(CMD perf.Perf) -> endpoints
 * with perf.Token tickets; DoGet streams 4 x int64 columns; DoPut drains;
 * DoAction "ping") and, optionally, the tasks example (task flow).
 * Sections (--only targets,tput,calls,flow,mem; default all):
 *   targets the throughput targets (DoGet 1 stream, DoPut 1 stream,
 *         DoGet 4 streams; 1 MiB batches; 2 x --bytes each) run 5 times
 *         interleaved, each with its raw-TCP reference: the medians;
 *   tput  DoGet/DoPut/DoExchange (echo) throughput for 1/2/4/8 streams x
 *         128 KiB/64 KiB/1 MiB/16 MiB batches, every cell run --reps times
 *         (default 5) interleaved (round r runs each cell once), each run
 *         beside raw loopback TCP for the same bytes and write size; prints
 *         one line of medians per cell (gbps, raw TCP, ratio_to_raw_tcp with
 *         its min/max over the runs, server and client CPU seconds per GB);
 *         per-run lines go to --runs-file; --tput-bytes per run (default
 *         --bytes; at least 4 batches per stream);
 *   calls small-call p50/p99 and calls/s (ListActions, GetFlightInfo,
 *         DoAction, one-row DoGet) at concurrency 1, 8, 64;
 *   flow  GetFlightInfo that runs a task (tasks example) + DoGet of its
 *         one-row result, flows/s at concurrency 8;
 *   flexconnect  FlexConnect invocations (--fc-uri: a `--methods-provider
 *         flexconnect` server with OneRowFun): GetFlightInfo + DoGet of a
 *         one-row function in basic and polling (x-quiver-pollable) mode at
 *         concurrency 1 and 8, beside the plain task flow of the same run;
 *   mem   server RSS: idle, after a 4 GB DoPut/DoGet cycle (+ trim), and the
 *         curve over 100 small cycles; VmHWM.
 * Usage: flight_bench <uri> [--tasks-uri U] [--fc-uri U] [--server-pid P] [--bytes N]
 *        [--calls N] [--json F] [--only LIST] [--streams 1,2,4,8]
 *        [--batches 131072,65536,1048576,16777216] [--mem-bytes N] [--methods doget,doput,doexchange]
 *        [--reps N] [--tput-bytes N] [--runs-file F]
 *        [--kinds ListActions,GetFlightInfo,DoAction,DoGet1Row] [--conc 1,8,64]
 * Threads: one per stream / per concurrent caller, each with its own client;
 * a DoExchange stream writes on its thread and reads the echo on a second.
 * bench/run.sh runs the targets and tput sections with GRPC_POLL_STRATEGY=poll
 * (each stream thread polls its own connection) and the small-call sections
 * with gRPC's default epoll1; see docs/client.md, "Throughput tuning". */
#include <dirent.h>
#include <malloc.h>
#include <sys/resource.h>
#include <math.h>
#include <unistd.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/client.h"
#include "gooddata_flight_server/ipc.h"
#include "support/proc_status.h"
#include "tcp_raw.h"

#define ROW_BYTES 32 /* 4 x int64, no nulls: the perf protocol's accounting */

static const char* g_uri;
static const char* g_tasks_uri;
static const char* g_fc_uri;
static int g_pid;
static FILE* g_json;
static int g_json_first = 1;

/* ---- perf protocol messages (hand-encoded protobuf) ---------------------------- */

static size_t put_varint(uint8_t* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

static int perf_schema(struct ArrowSchema* s) {
  static const char* names[4] = {"a", "b", "c", "d"};
  if (gf_schema_init(s, "+s", "", 0, NULL) || gf_schema_allocate_children(s, 4, NULL)) return -1;
  for (int i = 0; i < 4; i++)
    if (gf_schema_init(s->children[i], "l", names[i], ARROW_FLAG_NULLABLE, NULL)) return -1;
  return 0;
}

/* perf.Perf{1 schema, 2 stream_count, 3 records_per_stream, 4 records_per_batch}. */
static size_t perf_cmd(uint8_t* out, size_t cap, int streams, int64_t records, int32_t per_batch) {
  struct ArrowSchema s;
  uint8_t* sb = NULL;
  size_t sl = 0;
  if (perf_schema(&s) == 0) gf_ipc_serialize_schema(&s, &sb, &sl, NULL);
  if (s.release) s.release(&s);
  size_t n = 0;
  if (sl + 64 > cap) sl = 0;
  out[n++] = 0x0a;
  n += put_varint(out + n, sl);
  if (sl) memcpy(out + n, sb, sl);
  n += sl;
  free(sb);
  out[n++] = 0x10;
  n += put_varint(out + n, (uint64_t)streams);
  out[n++] = 0x18;
  n += put_varint(out + n, (uint64_t)records);
  out[n++] = 0x20;
  n += put_varint(out + n, (uint64_t)per_batch);
  return n;
}

static gf_descriptor cmd_desc(const uint8_t* cmd, size_t len) {
  gf_descriptor d;
  memset(&d, 0, sizeof(d));
  d.type = GF_DESCRIPTOR_CMD;
  d.cmd = (gf_bytes){cmd, len};
  return d;
}

/* Client defaults (BDP probing on): with the nghttp2 server, the BDP-off +
 * fixed 1 MiB window option made the client advertise 16 KiB frames and
 * held DoGet of >= 1 MiB batches to 2.8-3.1 GB/s against 4.2-4.4. */
static gf_client* connect_uri(const char* uri) {
  gf_client_options o;
  memset(&o, 0, sizeof(o));
  o.struct_size = sizeof(o);
  o.default_deadline_ms = 120000;
  gf_client* c = NULL;
  gf_error err = {0};
  if (gf_client_create(uri, &o, &c, &err)) {
    fprintf(stderr, "connect %s: %s\n", uri, err.message);
    exit(1);
  }
  return c;
}

static gf_client* connect_client(void) { return connect_uri(g_uri); }

/* ---- JSON output ------------------------------------------------------------------- */

static void json_rec(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void json_rec(const char* fmt, ...) {
  if (!g_json) return;
  fprintf(g_json, "%s\n    ", g_json_first ? "" : ",");
  g_json_first = 0;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(g_json, fmt, ap);
  va_end(ap);
}

/* ---- DoGet / DoPut / DoExchange throughput ------------------------------------------------ */

enum { M_GET, M_PUT, M_EXCHANGE, M_COUNT };
static const char* const k_method_names[M_COUNT] = {"doget", "doput", "doexchange"};

typedef struct stream_job {
  gf_client* client;
  const uint8_t* ticket;
  size_t ticket_len;
  int64_t rows; /* DoPut, DoExchange: rows to send */
  int32_t per_batch;
  gf_array_holder* batch; /* DoPut, DoExchange: the batch every write sends a view of */
  const uint8_t* cmd;
  size_t cmd_len;
  int64_t bytes; /* result: payload read (DoGet) or sent (DoPut, DoExchange) */
  int failed;
} stream_job;

/* Reads a stream to its end; adds the rows read to *rows. */
static int drain_reader(gf_flight_reader* r, int64_t* rows, gf_error* err) {
  struct ArrowArray a;
  gf_bytes md;
  int rc;
  while ((rc = gf_flight_reader_next(r, &a, &md, err)) == GF_OK) {
    if (!a.release) continue;
    *rows += a.length;
    a.release(&a);
  }
  return rc == GF_END_OF_STREAM ? GF_OK : rc;
}

static void* doget_thread(void* p) {
  stream_job* j = p;
  gf_flight_reader* r = NULL;
  gf_error err = {0};
  int64_t rows = 0;
  int rc = gf_client_do_get(j->client, NULL, j->ticket, j->ticket_len, &r, &err);
  if (rc == GF_OK) rc = drain_reader(r, &rows, &err);
  j->bytes = rows * ROW_BYTES;
  if (rc) {
    fprintf(stderr, "DoGet: %s\n", err.message);
    j->failed = 1;
  }
  gf_flight_reader_free(r);
  return NULL;
}

static int make_perf_batch(int64_t rows, struct ArrowArray* out) {
  struct ArrowSchema s;
  gf_builder* b = NULL;
  int rc = perf_schema(&s) || gf_builder_create(&s, &b, NULL);
  for (int64_t i = 0; rc == 0 && i < rows; i++) {
    for (int c = 0; c < 4 && rc == 0; c++) rc = gf_builder_append_int(gf_builder_child(b, c), i * 4 + c);
    if (rc == 0) rc = gf_builder_append_struct_end(b);
  }
  if (rc == 0) rc = gf_builder_finish(b, out, NULL);
  gf_builder_free(b);
  if (s.release) s.release(&s);
  return rc;
}

/* Writes j->rows rows as zero-copy views of one batch, through gf_put_stream_write
 * (put != NULL) or gf_exchange_write; counts the payload in j->bytes. */
static int write_batches(stream_job* j, gf_put_stream* put, gf_exchange* x, gf_error* err) {
  int rc = 0;
  for (int64_t sent = 0; rc == 0 && sent < j->rows; sent += j->per_batch) {
    struct ArrowArray view;
    rc = gf_array_holder_share(j->batch, &view, err);
    if (rc == 0)
      rc = put ? gf_put_stream_write(put, &view, NULL, 0, err)
               : gf_exchange_write(x, &view, NULL, 0, err);
    if (rc == 0) j->bytes += (int64_t)j->per_batch * ROW_BYTES;
  }
  return rc;
}

static void* doput_thread(void* p) {
  stream_job* j = p;
  struct ArrowSchema s;
  gf_put_stream* ps = NULL;
  gf_error err = {0};
  gf_descriptor d = cmd_desc(j->cmd, j->cmd_len);
  int rc = perf_schema(&s);
  if (rc == 0) rc = gf_client_do_put(j->client, NULL, &d, &s, &ps, &err);
  if (rc == 0) rc = write_batches(j, ps, NULL, &err);
  if (rc == 0) rc = gf_put_stream_finish(ps, &err);
  if (rc) {
    fprintf(stderr, "DoPut: rc=%d %s\n", rc, err.message);
    j->failed = 1;
  }
  gf_put_stream_free(ps);
  if (s.release) s.release(&s);
  return NULL;
}

typedef struct echo_read {
  gf_flight_reader* r;
  int64_t rows;
  int rc;
  gf_error err;
} echo_read;

static void* echo_reader_thread(void* p) {
  echo_read* e = p;
  e->rc = drain_reader(e->r, &e->rows, &e->err);
  return NULL;
}

/* DoExchange against the perf example's echo: this thread writes, a second
 * thread reads the echo; the run fails unless every row came back. */
static void* doexchange_thread(void* p) {
  stream_job* j = p;
  struct ArrowSchema s;
  gf_exchange* x = NULL;
  gf_error err = {0};
  echo_read e = {0};
  pthread_t rt;
  int reading = 0;
  gf_descriptor d = cmd_desc(j->cmd, j->cmd_len);
  int rc = perf_schema(&s);
  if (rc == 0) rc = gf_client_do_exchange(j->client, NULL, &d, &x, &err);
  if (rc == 0) rc = gf_exchange_begin(x, &s, &err);
  if (rc == 0) {
    e.r = gf_exchange_reader(x);
    rc = pthread_create(&rt, NULL, echo_reader_thread, &e) ? GF_INTERNAL : GF_OK;
    reading = rc == GF_OK;
  }
  if (rc == 0) rc = write_batches(j, NULL, x, &err);
  if (x) { /* half-close even after a failed write, so the echo and the reader end */
    gf_error e2 = {0};
    int rc2 = gf_exchange_done_writing(x, &e2);
    if (rc == 0 && rc2) rc = rc2, err = e2;
  }
  if (reading) pthread_join(rt, NULL);
  if (rc == 0 && e.rc) rc = e.rc, err = e.err;
  if (rc == 0 && e.rows * ROW_BYTES != j->bytes)
    rc = gf_error_set(&err, GF_INTERNAL, "echoed %lld rows of %lld", (long long)e.rows,
                      (long long)(j->bytes / ROW_BYTES));
  if (rc) {
    fprintf(stderr, "DoExchange: rc=%d %s\n", rc, err.message);
    j->failed = 1;
  }
  gf_exchange_free(x);
  if (s.release) s.release(&s);
  return NULL;
}

static int has(const char* list, const char* word) {
  if (!list) return 1;
  size_t n = strlen(word);
  for (const char* p = list; (p = strstr(p, word)); p += n)
    if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return 1;
  return 0;
}

/* ---- server process figures (/proc/<pid>) ---------------------------------------------- */

/* CPU seconds (user + system) of this client process so far. */
static double client_cpu_s(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru)) return 0;
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

static double server_cpu_s(void) {
  if (g_pid <= 0) return 0;
  char p[64], buf[1024];
  snprintf(p, sizeof(p), "/proc/%d/stat", g_pid);
  FILE* f = fopen(p, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = 0;
  char* q = strrchr(buf, ')');
  if (!q) return 0;
  unsigned long ut = 0, st = 0;
  /* fields after ") ": state(3) ... utime(14) stime(15) */
  if (sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return 0;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of the server so far, to the nanosecond: the sum of every
 * thread's on-CPU time (/proc/<pid>/task/<tid>/schedstat, first field). The
 * server's threads live as long as it does, so none is lost between two
 * readings. Falls back to server_cpu_s() (clock ticks) without schedstat. */
static double server_cpu_fine_s(void) {
  if (g_pid <= 0) return 0;
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/task", g_pid);
  DIR* d = opendir(p);
  if (!d) return server_cpu_s();
  unsigned long long ns = 0;
  int n = 0;
  for (struct dirent* e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char q[300];
    snprintf(q, sizeof(q), "/proc/%d/task/%s/schedstat", g_pid, e->d_name);
    FILE* f = fopen(q, "r");
    unsigned long long v = 0;
    if (f && fscanf(f, "%llu", &v) == 1) ns += v, n++;
    if (f) fclose(f);
  }
  closedir(d);
  return n ? (double)ns / 1e9 : server_cpu_s();
}

/* VmRSS / VmHWM in KiB, or -1. */
static long server_status_kb(const char* key) { return g_pid > 0 ? gf_test_proc_status(g_pid, key) : -1; }

static int server_threads(void) {
  long v = server_status_kb("Threads");
  return (int)v;
}

/* ---- throughput ------------------------------------------------------------------------------- */

/* Runs one DoGet, DoPut or DoExchange (method M_*) with `streams` streams of
 * `per_stream` rows; returns bytes moved (rows x 32; DoExchange: sent) and
 * sets *secs; -1 on failure. */
static int64_t run_streams(int method, int streams, int32_t per_batch, int64_t per_stream,
                           double* secs) {
  uint8_t cmd[4096];
  size_t cmd_len = perf_cmd(cmd, sizeof(cmd), streams, per_stream, per_batch);
  stream_job jobs[64];
  pthread_t th[64];
  memset(jobs, 0, sizeof(jobs));
  gf_flight_info* info = NULL;
  gf_error err = {0};
  int is_get = method == M_GET;
  static void* (*const threads[M_COUNT])(void*) = {doget_thread, doput_thread, doexchange_thread};
  if (is_get) {
    gf_client* c0 = connect_client();
    gf_descriptor d = cmd_desc(cmd, cmd_len);
    int rc = gf_client_get_flight_info(c0, NULL, &d, &info, &err);
    gf_client_free(c0);
    if (rc || gf_flight_info_endpoint_count(info) != (size_t)streams) {
      fprintf(stderr, "GetFlightInfo(perf): %s\n", err.message);
      gf_flight_info_free(info);
      return -1;
    }
  }
  /* The batch DoPut and DoExchange send is built once, before the clock
   * starts, and shared by every stream: a cell measures moving data, not
   * making it (the perf server shares its DoGet data the same way). */
  gf_array_holder* batch = NULL;
  if (!is_get) {
    struct ArrowArray a;
    if (make_perf_batch(per_batch, &a) || gf_array_holder_create(&a, &batch, &err)) {
      fprintf(stderr, "batch of %d rows: %s\n", per_batch, err.message);
      return -1;
    }
  }
  for (int i = 0; i < streams; i++) {
    jobs[i].client = connect_client();
    jobs[i].batch = batch;
    jobs[i].rows = per_stream;
    jobs[i].per_batch = per_batch;
    jobs[i].cmd = cmd;
    jobs[i].cmd_len = cmd_len;
    if (is_get) {
      gf_bytes t = gf_flight_endpoint_ticket(gf_flight_info_endpoint(info, (size_t)i));
      jobs[i].ticket = t.data;
      jobs[i].ticket_len = t.len;
    }
  }
  double t0 = tcp_raw_now();
  for (int i = 0; i < streams; i++) pthread_create(&th[i], NULL, threads[method], &jobs[i]);
  int64_t bytes = 0;
  int failed = 0;
  for (int i = 0; i < streams; i++) {
    pthread_join(th[i], NULL);
    bytes += jobs[i].bytes;
    failed |= jobs[i].failed;
    gf_client_free(jobs[i].client);
  }
  *secs = tcp_raw_now() - t0;
  gf_flight_info_free(info);
  if (batch) gf_array_holder_unref(batch);
  return failed ? -1 : bytes;
}

typedef struct tput {
  int64_t bytes;
  double dt, gbps, raw, ratio, cpu_gb, ccpu_gb;
  int failed;
} tput;

/* Raw loopback TCP for the reference, unless BENCH_RAW_TCP=0 (for
 * profiling a cell's Flight runs alone; the ratios then read 0). */
static double raw_reference(size_t write_size, int64_t total) {
  const char* e = getenv("BENCH_RAW_TCP");
  return e && strcmp(e, "0") == 0 ? 0 : tcp_raw_throughput(write_size, total);
}

/* One throughput run with raw loopback TCP for the same bytes and write
 * size right before and right after (their mean is the reference). */
static tput measure(int method, int streams, int64_t batch_bytes, int64_t total) {
  tput t = {0};
  int32_t per_batch = (int32_t)(batch_bytes / ROW_BYTES);
  if (total < batch_bytes * 4 * streams) total = batch_bytes * 4 * streams;
  int64_t per_stream = total / streams / ROW_BYTES;
  size_t ws = batch_bytes > (8 << 20) ? (size_t)(8 << 20) : (size_t)batch_bytes;
  double raw0 = raw_reference(ws, total);
  double cpu0 = server_cpu_fine_s(), ccpu0 = client_cpu_s();
  t.bytes = run_streams(method, streams, per_batch, per_stream, &t.dt);
  double cpu = server_cpu_fine_s() - cpu0, ccpu = client_cpu_s() - ccpu0;
  t.failed = t.bytes < 0;
  if (t.failed) t.bytes = 0;
  t.gbps = t.dt > 0 ? (double)t.bytes / t.dt / 1e9 : 0;
  t.raw = (raw0 + raw_reference(ws, t.bytes > 0 ? t.bytes : total)) / 2e9;
  t.ratio = t.raw > 0 ? t.gbps / t.raw : 0;
  t.cpu_gb = t.bytes > 0 ? cpu / ((double)t.bytes / 1e9) : 0;
  t.ccpu_gb = t.bytes > 0 ? ccpu / ((double)t.bytes / 1e9) : 0;
  return t;
}

static double median(double* v, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      double x = v[j];
      v[j] = v[j - 1];
      v[j - 1] = x;
    }
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the tput matrix: every cell `reps` times, interleaved ------------------------------------- */

#define MAX_REPS 64

typedef struct cell {
  int method, streams, failed;
  int64_t batch, bytes;
  double dt[MAX_REPS], g[MAX_REPS], raw[MAX_REPS], q[MAX_REPS], scpu[MAX_REPS], ccpu[MAX_REPS];
} cell;

static const char* load_avg(char* buf, size_t cap) {
  FILE* f = fopen("/proc/loadavg", "r");
  buf[0] = 0;
  if (f) {
    if (!fgets(buf, (int)cap, f)) buf[0] = 0;
    fclose(f);
  }
  char* sp = strchr(buf, ' ');
  if (sp) *sp = 0; /* the 1-minute figure */
  return buf;
}

static void run_line(FILE* f, int round, const cell* c, const tput* t) {
  if (!f) return;
  fprintf(
      f,
      "run round=%d %s streams=%d batch_bytes=%lld bytes=%lld seconds=%.3f gbps=%.3f raw_tcp_gbps=%.3f "
      "ratio_to_raw_tcp=%.2f server_cpu_s_per_gb=%.3f client_cpu_s_per_gb=%.3f%s\n",
      round, k_method_names[c->method], c->streams, (long long)c->batch, (long long)t->bytes, t->dt,
      t->gbps, t->raw, t->ratio, t->cpu_gb, t->ccpu_gb, t->failed ? " FAILED" : "");
  fflush(f);
}

/* The median line of one cell (same keys as a run line, plus runs= and the
 * ratio's range over the runs) and its JSON record. */
static void cell_line(cell* c, int reps) {
  double dt = median(c->dt, reps), g = median(c->g, reps), raw = median(c->raw, reps);
  double q = median(c->q, reps), qmin = c->q[0], qmax = c->q[reps - 1]; /* sorted by median() */
  double scpu = median(c->scpu, reps), ccpu = median(c->ccpu, reps);
  const char* m = k_method_names[c->method];
  printf(
      "%-10s streams=%d batch_bytes=%lld bytes=%lld runs=%d seconds=%.3f gbps=%.3f raw_tcp_gbps=%.3f "
      "ratio_to_raw_tcp=%.2f ratio_min=%.2f ratio_max=%.2f server_cpu_s_per_gb=%.3f client_cpu_s_per_gb=%.3f%s\n",
      m, c->streams, (long long)c->batch, (long long)c->bytes, reps, dt, g, raw, q, qmin, qmax,
      scpu, ccpu, c->failed ? " FAILED" : "");
  json_rec(
      "{\"kind\": \"%s\", \"streams\": %d, \"batch_bytes\": %lld, \"bytes\": %lld, \"runs\": %d, "
      "\"seconds\": %.4f, \"gbps\": %.4f, \"raw_tcp_gbps\": %.4f, \"ratio_to_raw_tcp\": %.4f, "
      "\"ratio_min\": %.4f, \"ratio_max\": %.4f, \"server_cpu_s_per_gb\": %.4f, "
      "\"client_cpu_s_per_gb\": %.4f, \"ok\": %s}",
      m, c->streams, (long long)c->batch, (long long)c->bytes, reps, dt, g, raw, q, qmin, qmax,
      scpu, ccpu, c->failed ? "false" : "true");
}

/* Round r runs every cell once, in matrix order; after `reps` rounds each
 * cell prints its medians. Per-run lines go to `runs` (if any). */
static void tput_matrix(const char* methods, const int64_t* streams, int ns, const int64_t* batches,
                        int nb, int64_t total, int reps, FILE* runs) {
  cell* cells = calloc((size_t)(M_COUNT * ns * nb), sizeof(cell));
  if (!cells) exit(1);
  int n = 0;
  for (int m = 0; m < M_COUNT; m++)
    for (int s = 0; s < ns && has(methods, k_method_names[m]); s++)
      for (int z = 0; z < nb; z++)
        cells[n++] = (cell){.method = m, .streams = (int)streams[s], .batch = batches[z]};
  double t_all = tcp_raw_now();
  for (int r = 0; r < reps; r++) {
    double t0 = tcp_raw_now();
    for (int i = 0; i < n; i++) {
      cell* c = &cells[i];
      tput t = measure(c->method, c->streams, c->batch, total);
      c->dt[r] = t.dt, c->g[r] = t.gbps, c->raw[r] = t.raw, c->q[r] = t.ratio;
      c->scpu[r] = t.cpu_gb, c->ccpu[r] = t.ccpu_gb;
      c->failed |= t.failed;
      if (!t.failed) c->bytes = t.bytes;
      run_line(runs, r + 1, c, &t);
    }
    char la[64];
    printf("tput round %d/%d cells=%d seconds=%.1f load1=%s\n", r + 1, reps, n, tcp_raw_now() - t0,
           load_avg(la, sizeof(la)));
    fflush(stdout);
  }
  printf("tput medians of %d interleaved runs per cell (%.0f s in all)\n", reps,
         tcp_raw_now() - t_all);
  for (int i = 0; i < n; i++) cell_line(&cells[i], reps);
  fflush(stdout);
  free(cells);
}

/* The throughput targets, each run `reps` times (interleaved, so
 * machine noise spreads over all three) with its own raw-TCP reference;
 * prints the medians. One run on a shared 2-core VM swings by 2x. */
static void targets(int64_t total, int reps) {
  static const struct {
    int m;
    int streams;
  } cfg[3] = {{M_GET, 1}, {M_PUT, 1}, {M_GET, 4}};
  double g[3][16], r[3][16], q[3][16];
  int failed = 0;
  if (reps > 16) reps = 16;
  for (int i = 0; i < reps; i++)
    for (int k = 0; k < 3; k++) {
      tput t = measure(cfg[k].m, cfg[k].streams, 1 << 20, total);
      failed |= t.failed;
      g[k][i] = t.gbps, r[k][i] = t.raw, q[k][i] = t.ratio;
    }
  double g1 = 0;
  for (int k = 0; k < 3; k++) {
    const char* m = k_method_names[cfg[k].m];
    double mg = median(g[k], reps), mr = median(r[k], reps), mq = median(q[k], reps);
    if (k == 0) g1 = mg;
    printf(
        "target %-5s streams=%d batch_bytes=1048576 runs=%d median_gbps=%.3f median_raw_tcp_gbps=%.3f "
        "median_ratio_to_raw_tcp=%.2f%s\n",
        m, cfg[k].streams, reps, mg, mr, mq, failed ? " FAILED" : "");
    if (k == 2) printf("target doget streams=4 over streams=1 (median gbps) ratio=%.2f\n", g1 > 0 ? mg / g1 : 0);
    json_rec(
        "{\"kind\": \"target_%s\", \"streams\": %d, \"batch_bytes\": 1048576, \"runs\": %d, "
        "\"median_gbps\": %.4f, \"median_raw_tcp_gbps\": %.4f, \"median_ratio_to_raw_tcp\": %.4f}",
        m, cfg[k].streams, reps, mg, mr, mq);
  }
  fflush(stdout);
}

/* ---- small calls -------------------------------------------------------------------------- */

typedef struct call_job {
  const char* kind;
  const char* uri;
  int calls;
  double* lat; /* seconds per call */
  int failed;
} call_job;

static int drain_get(gf_client* c, const void* ticket, size_t len, int64_t* rows, gf_error* err) {
  gf_flight_reader* r = NULL;
  int rc = gf_client_do_get(c, NULL, ticket, len, &r, err);
  struct ArrowArray a;
  gf_bytes md;
  while (rc == GF_OK && (rc = gf_flight_reader_next(r, &a, &md, err)) == GF_OK) {
    if (!a.release) continue;
    *rows += a.length;
    a.release(&a);
  }
  gf_flight_reader_free(r);
  return rc == GF_END_OF_STREAM ? GF_OK : rc;
}

/* One-row perf ticket: Token{definition = Perf{1 stream, 1 row, 1 per batch}, 0, 1}. */
static size_t one_row_ticket(uint8_t* out, size_t cap) {
  uint8_t perf[4096];
  size_t pl = perf_cmd(perf, sizeof(perf), 1, 1, 1);
  if (pl + 32 > cap) return 0;
  size_t n = 0;
  out[n++] = 0x0a;
  n += put_varint(out + n, pl);
  memcpy(out + n, perf, pl);
  n += pl;
  out[n++] = 0x10;
  n += put_varint(out + n, 0);
  out[n++] = 0x18;
  n += put_varint(out + n, 1);
  return n;
}

static const char k_task_cmd[] = "{\"rows\":1,\"delay_ms\":0,\"wait\":true,\"single_use\":true}";

/* GetFlightInfo(tasks CMD) then DoGet of the ticket; checks one row came back. */
static int task_flow(gf_client* c, gf_error* err) {
  gf_descriptor d = cmd_desc((const uint8_t*)k_task_cmd, sizeof(k_task_cmd) - 1);
  gf_flight_info* info = NULL;
  int rc = gf_client_get_flight_info(c, NULL, &d, &info, err);
  if (rc == GF_OK && gf_flight_info_endpoint_count(info) < 1) rc = GF_INTERNAL;
  int64_t rows = 0;
  if (rc == GF_OK) {
    gf_bytes t = gf_flight_endpoint_ticket(gf_flight_info_endpoint(info, 0));
    rc = drain_get(c, t.data, t.len, &rows, err);
  }
  gf_flight_info_free(info);
  if (rc == GF_OK && rows != 1) rc = GF_INTERNAL;
  return rc;
}

static const char k_fc_cmd[] = "{\"functionName\":\"OneRowFun\",\"parameters\":{}}";

/* A FlexConnect invocation: GetFlightInfo (polling mode: with the
 * x-quiver-pollable header; a POLL answer counts as a failure, the function
 * is instant) then DoGet of the {"task_id":...} ticket; checks one row. */
static int fc_flow(gf_client* c, int pollable, gf_error* err) {
  gf_header h = {"x-quiver-pollable", "true", 4};
  gf_call_options o = {sizeof(o), &h, 1, 0, NULL};
  gf_descriptor d = cmd_desc((const uint8_t*)k_fc_cmd, sizeof(k_fc_cmd) - 1);
  gf_flight_info* info = NULL;
  int rc = gf_client_get_flight_info(c, pollable ? &o : NULL, &d, &info, err);
  if (rc == GF_OK && gf_flight_info_endpoint_count(info) != 1) rc = GF_INTERNAL;
  int64_t rows = 0;
  if (rc == GF_OK) {
    gf_bytes t = gf_flight_endpoint_ticket(gf_flight_info_endpoint(info, 0));
    rc = drain_get(c, t.data, t.len, &rows, err);
  }
  gf_flight_info_free(info);
  if (rc == GF_OK && rows != 1) rc = GF_INTERNAL;
  return rc;
}

static int one_call(gf_client* c, const char* kind, const uint8_t* cmd, size_t cmd_len) {
  gf_error err = {0};
  int rc;
  if (strcmp(kind, "ListActions") == 0) {
    gf_client_action_types t;
    rc = gf_client_list_actions(c, NULL, &t, &err);
    if (rc == GF_OK) gf_client_action_types_clear(&t);
  } else if (strcmp(kind, "GetFlightInfo") == 0) {
    gf_descriptor d = cmd_desc(cmd, cmd_len);
    gf_flight_info* info = NULL;
    rc = gf_client_get_flight_info(c, NULL, &d, &info, &err);
    gf_flight_info_free(info);
  } else if (strcmp(kind, "DoGet1Row") == 0) {
    int64_t rows = 0;
    rc = drain_get(c, cmd, cmd_len, &rows, &err);
    if (rc == GF_OK && rows != 1) rc = GF_INTERNAL;
  } else if (strcmp(kind, "TaskFlow") == 0) {
    rc = task_flow(c, &err);
  } else if (strcmp(kind, "FcBasic") == 0 || strcmp(kind, "FcPoll") == 0) {
    rc = fc_flow(c, kind[2] == 'P', &err);
  } else {
    gf_client_bytes_list res;
    rc = gf_client_do_action(c, NULL, "ping", NULL, 0, &res, &err);
    if (rc == GF_OK) gf_client_bytes_list_clear(&res);
  }
  if (rc) fprintf(stderr, "%s: rc=%d %s\n", kind, rc, err.message);
  return rc;
}

static void* calls_thread(void* p) {
  call_job* j = p;
  gf_client* c = connect_uri(j->uri);
  uint8_t cmd[4096];
  size_t cmd_len = strcmp(j->kind, "DoGet1Row") == 0 ? one_row_ticket(cmd, sizeof(cmd))
                                                      : perf_cmd(cmd, sizeof(cmd), 1, 1000, 1000);
  if (one_call(c, j->kind, cmd, cmd_len)) j->failed = 1; /* warm-up */
  for (int i = 0; i < j->calls && !j->failed; i++) {
    double t0 = tcp_raw_now();
    if (one_call(c, j->kind, cmd, cmd_len)) j->failed = 1;
    j->lat[i] = tcp_raw_now() - t0;
  }
  gf_client_free(c);
  return NULL;
}

static int cmp_d(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static void small_calls(const char* kind, const char* uri, int conc, int calls) {
  call_job jobs[64];
  pthread_t th[64];
  double* lat = calloc((size_t)calls * (size_t)conc, sizeof(double));
  if (!lat) exit(1);
  for (int i = 0; i < conc; i++) jobs[i] = (call_job){kind, uri, calls, lat + (size_t)i * calls, 0};
  double cpu0 = server_cpu_s();
  double t0 = tcp_raw_now();
  for (int i = 0; i < conc; i++) pthread_create(&th[i], NULL, calls_thread, &jobs[i]);
  int failed = 0;
  for (int i = 0; i < conc; i++) {
    pthread_join(th[i], NULL);
    failed |= jobs[i].failed;
  }
  double dt = tcp_raw_now() - t0;
  double cpu = server_cpu_s() - cpu0;
  size_t n = (size_t)calls * (size_t)conc;
  qsort(lat, n, sizeof(double), cmp_d);
  double p50 = lat[n / 2] * 1e6, p99 = lat[(size_t)((double)n * 0.99)] * 1e6;
  double rate = (double)n / dt;
  int flow = strcmp(kind, "TaskFlow") == 0 || strncmp(kind, "Fc", 2) == 0;
  printf("%-13s concurrency=%d %s=%zu %s=%.0f p50_us=%.0f p99_us=%.0f server_cpu_us_per_call=%.1f%s\n", kind,
         conc, flow ? "flows" : "calls", n, flow ? "flows_per_s" : "calls_per_s", rate, p50, p99,
         g_pid > 0 ? cpu / (double)n * 1e6 : 0.0, failed ? " FAILED" : "");
  fflush(stdout);
  json_rec("{\"kind\": \"%s\", \"concurrency\": %d, \"calls\": %zu, \"calls_per_s\": %.1f, "
           "\"p50_us\": %.1f, \"p99_us\": %.1f, \"ok\": %s}",
           kind, conc, n, rate, p50, p99, failed ? "false" : "true");
  free(lat);
}

/* ---- memory -------------------------------------------------------------------------------- */

static void mem_line(const char* what) {
  long rss = server_status_kb("VmRSS"), hwm = server_status_kb("VmHWM");
  printf("mem %-24s rss_mib=%.1f hwm_mib=%.1f threads=%d\n", what, rss / 1024.0, hwm / 1024.0, server_threads());
  fflush(stdout);
  json_rec("{\"kind\": \"mem\", \"what\": \"%s\", \"rss_kib\": %ld, \"hwm_kib\": %ld, \"threads\": %d}", what, rss,
           hwm, server_threads());
}

static void sleep_s(double s) {
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  nanosleep(&ts, NULL);
}

static int cycle(int64_t bytes) {
  double dt;
  int32_t per_batch = (1 << 20) / ROW_BYTES;
  int64_t rows = bytes / ROW_BYTES;
  if (run_streams(M_PUT, 1, per_batch, rows, &dt) < 0) return -1;
  return run_streams(M_GET, 1, per_batch, rows, &dt) < 0 ? -1 : 0;
}

static void memory(int64_t big) {
  if (g_pid <= 0) {
    printf("mem skipped (no --server-pid)\n");
    return;
  }
  mem_line("before_cycles");
  double t0 = tcp_raw_now();
  if (cycle(big)) printf("mem big cycle FAILED\n");
  printf("mem big_cycle bytes_each_way=%lld seconds=%.1f\n", (long long)big, tcp_raw_now() - t0);
  mem_line("after_big_cycle");
  sleep_s(2.5); /* the maintenance thread trims (bench sets malloc_trim_interval_sec = 1) */
  mem_line("after_big_cycle_trim");
  for (int i = 1; i <= 100; i++) {
    if (cycle(16 << 20)) {
      printf("mem cycle %d FAILED\n", i);
      break;
    }
    if (i % 10 == 0) {
      char w[32];
      snprintf(w, sizeof(w), "cycle_%03d", i);
      mem_line(w);
    }
  }
  sleep_s(2.5);
  mem_line("after_100_cycles_trim");
}

static int parse_list(const char* s, int64_t* out, int cap) {
  int n = 0;
  while (s && *s && n < cap) {
    out[n++] = strtoll(s, NULL, 10);
    s = strchr(s, ',');
    if (s) s++;
  }
  return n;
}

/* FlexConnect invocations/s and latency, basic and polling, c=1 and c=8,
 * with the plain task flow of the same run beside them (c=8 is in the flow
 * section when that runs too). */
static void flexconnect_section(const char* only, int calls) {
  int save = g_pid;
  g_pid = 0; /* the CPU figure would belong to the perf server */
  static const char* const kinds[2] = {"FcBasic", "FcPoll"};
  for (int k = 0; k < 2; k++) {
    small_calls(kinds[k], g_fc_uri, 1, calls / 2 > 10 ? calls / 2 : 10);
    small_calls(kinds[k], g_fc_uri, 8, calls / 2 > 10 ? calls / 2 : 10);
  }
  if (g_tasks_uri) {
    small_calls("TaskFlow", g_tasks_uri, 1, calls / 2 > 10 ? calls / 2 : 10);
    if (!has(only, "flow")) small_calls("TaskFlow", g_tasks_uri, 8, calls / 2 > 10 ? calls / 2 : 10);
  }
  g_pid = save;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(
        stderr,
        "usage: flight_bench <grpc://host:port> [--tasks-uri U] [--server-pid P] [--bytes N] "
        "[--calls N] [--json F] [--only targets,tput,calls,flow,flexconnect,mem] [--fc-uri U] [--streams L] [--batches L]\n"
        "       [--methods doget,doput,doexchange] [--reps N] [--tput-bytes N] [--runs-file F]\n"
        "       [--kinds ListActions,GetFlightInfo,DoAction,DoGet1Row] [--conc 1,8,64]\n");
    return 2;
  }
  g_uri = argv[1];
  /* Large mmap/trim thresholds: no mmap/munmap churn for gRPC read buffers. */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  int64_t total = (int64_t)256 << 20, tput_total = 0, mem_bytes = (int64_t)4 << 30;
  int calls = 2000;
  const char* json = NULL;
  const char* only = NULL;
  const char* methods = "doget,doput,doexchange";
  const char* runs_path = NULL;
  int reps = 5;
  const char* kinds_sel = "ListActions,GetFlightInfo,DoAction,DoGet1Row";
  const char* conc_sel = "1,8,64";
  int64_t streams[8] = {1, 2, 4, 8}, batches[8] = {131072, 65536, 1048576, 16777216};
  int ns = 4, nb = 4;
  for (int i = 2; i < argc; i++) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) break;
    if (strcmp(a, "--bytes") == 0) total = strtoll(v, NULL, 10);
    else if (strcmp(a, "--tput-bytes") == 0) tput_total = strtoll(v, NULL, 10);
    else if (strcmp(a, "--calls") == 0) calls = atoi(v);
    else if (strcmp(a, "--json") == 0) json = v;
    else if (strcmp(a, "--only") == 0) only = v;
    else if (strcmp(a, "--methods") == 0) methods = v;
    else if (strcmp(a, "--reps") == 0) reps = atoi(v);
    else if (strcmp(a, "--runs-file") == 0) runs_path = v;
    else if (strcmp(a, "--kinds") == 0) kinds_sel = v;
    else if (strcmp(a, "--conc") == 0) conc_sel = v;
    else if (strcmp(a, "--tasks-uri") == 0) g_tasks_uri = v;
    else if (strcmp(a, "--fc-uri") == 0) g_fc_uri = v;
    else if (strcmp(a, "--server-pid") == 0) g_pid = atoi(v);
    else if (strcmp(a, "--mem-bytes") == 0) mem_bytes = strtoll(v, NULL, 10);
    else if (strcmp(a, "--streams") == 0) ns = parse_list(v, streams, 8);
    else if (strcmp(a, "--batches") == 0) nb = parse_list(v, batches, 8);
    else continue;
    i++;
  }
  if (tput_total == 0) tput_total = total;
  if (total < (1 << 20) || tput_total < (1 << 20) || calls < 10 || reps < 1 || reps > MAX_REPS) {
    fprintf(stderr,
            "flight_bench: --bytes and --tput-bytes >= 1 MiB, --calls >= 10, --reps 1..%d\n",
            MAX_REPS);
    return 2;
  }
  for (int i = 0; i < ns; i++)
    if (streams[i] < 1 || streams[i] > 64) return 2;
  for (int i = 0; i < nb; i++)
    if (batches[i] < ROW_BYTES || batches[i] > (1 << 30)) return 2;
  if (json) {
    g_json = fopen(json, "w");
    if (!g_json) {
      perror(json);
      return 1;
    }
    fprintf(g_json,
            "{\n  \"uri\": \"%s\",\n  \"bytes_per_run\": %lld,\n  \"tput_bytes_per_run\": %lld,\n"
            "  \"tput_reps\": %d,\n  \"results\": [",
            g_uri, (long long)total, (long long)tput_total, reps);
  }
  if (has(only, "mem")) mem_line("idle");
  if (has(only, "targets")) targets(total * 2, 5);
  if (has(only, "tput")) {
    FILE* runs = runs_path ? fopen(runs_path, "w") : NULL;
    if (runs_path && !runs) {
      perror(runs_path);
      return 1;
    }
    tput_matrix(methods, streams, ns, batches, nb, tput_total, reps, runs);
    if (runs) fclose(runs);
  }
  if (has(only, "calls")) {
    static const char* kinds[4] = {"ListActions", "GetFlightInfo", "DoAction", "DoGet1Row"};
    for (int k = 0; k < 4; k++) {
      if (!has(kinds_sel, kinds[k])) continue;
      if (has(conc_sel, "1")) small_calls(kinds[k], g_uri, 1, calls);
      if (has(conc_sel, "8")) small_calls(kinds[k], g_uri, 8, calls / 4 > 10 ? calls / 4 : 10);
      if (has(conc_sel, "64")) small_calls(kinds[k], g_uri, 64, calls / 32 > 10 ? calls / 32 : 10);
    }
  }
  if (has(only, "flow") && g_tasks_uri) {
    int save = g_pid;
    g_pid = 0; /* the CPU figure would belong to the perf server */
    small_calls("TaskFlow", g_tasks_uri, 8, calls / 2 > 10 ? calls / 2 : 10);
    g_pid = save;
  }
  if (has(only, "flexconnect") && g_fc_uri) flexconnect_section(only, calls);
  if (has(only, "mem")) memory(mem_bytes);
  if (g_json) {
    fprintf(g_json, "\n  ]\n}\n");
    fclose(g_json);
  }
  return 0;
}
