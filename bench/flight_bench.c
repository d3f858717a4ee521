/* Flight benchmark with the C client against a running server with the perf
 * example (Arrow's perf protocol: GetFlightInfo(CMD perf.Perf) -> endpoints
 * with perf.Token tickets; DoGet streams 4 x int64 columns; DoPut drains;
 * DoAction "ping"). Measures DoGet/DoPut throughput for 1 and 4 streams with
 * 64 KiB and 1 MiB batches, each printed beside raw loopback TCP for the same
 * bytes and write size (ratio_to_raw_tcp=), and small-call latency (p50/p99)
 * and rate for ListActions/GetFlightInfo/DoAction at concurrency 1 and 8.
 * Usage: flight_bench <uri> [--bytes N] [--calls N] [--json out.json] [--quick]
 * Threads: one per stream / per concurrent caller, each with its own client. */
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/client.h"
#include "gooddata_flight_server/ipc.h"
#include "tcp_raw.h"

#define ROW_BYTES 32 /* 4 x int64, no nulls: the perf protocol's accounting */

static const char* g_uri;
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

static gf_client* connect_client(int tuned) {
  gf_client_options o;
  memset(&o, 0, sizeof(o));
  o.struct_size = sizeof(o);
  o.default_deadline_ms = 120000;
  if (tuned) {
    o.disable_bdp_probe = 1;
    o.stream_lookahead_bytes = 1 << 20;
  }
  gf_client* c = NULL;
  gf_error err = {0};
  if (gf_client_connect(g_uri, &o, &c, &err)) {
    fprintf(stderr, "connect %s: %s\n", g_uri, err.message);
    exit(1);
  }
  return c;
}

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

/* ---- DoGet / DoPut throughput ---------------------------------------------------------- */

typedef struct stream_job {
  gf_client* client;
  const uint8_t* ticket;
  size_t ticket_len;
  int64_t rows;     /* DoPut: rows to send */
  int32_t per_batch;
  const uint8_t* cmd;
  size_t cmd_len;
  int64_t bytes;    /* result */
  int failed;
} stream_job;

static void* doget_thread(void* p) {
  stream_job* j = p;
  gf_flight_reader* r = NULL;
  gf_error err = {0};
  if (gf_client_do_get(j->client, NULL, j->ticket, j->ticket_len, &r, &err)) {
    fprintf(stderr, "DoGet: %s\n", err.message);
    j->failed = 1;
    return NULL;
  }
  struct ArrowArray a;
  gf_bytes md;
  int rc;
  while ((rc = gf_flight_reader_next(r, &a, &md, &err)) == GF_OK) {
    if (!a.release) continue;
    j->bytes += a.length * ROW_BYTES;
    a.release(&a);
  }
  if (rc != GF_END_OF_STREAM) {
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

static void* doput_thread(void* p) {
  stream_job* j = p;
  struct ArrowSchema s;
  struct ArrowArray batch;
  gf_array_holder* h = NULL;
  gf_put_stream* ps = NULL;
  gf_error err = {0};
  gf_descriptor d = cmd_desc(j->cmd, j->cmd_len);
  int rc = perf_schema(&s) || make_perf_batch(j->per_batch, &batch) ||
           gf_array_holder_create(&batch, &h, &err);
  if (rc == 0) rc = gf_client_do_put(j->client, NULL, &d, &s, &ps, &err);
  for (int64_t sent = 0; rc == 0 && sent < j->rows; sent += j->per_batch) {
    struct ArrowArray view; /* zero-copy view of the same batch for every write */
    rc = gf_array_holder_share(h, &view, &err);
    if (rc == 0) rc = gf_put_stream_write(ps, &view, NULL, 0, &err);
    if (rc == 0) j->bytes += (int64_t)j->per_batch * ROW_BYTES;
  }
  if (rc == 0) rc = gf_put_stream_close(ps, &err);
  if (rc) {
    fprintf(stderr, "DoPut: rc=%d %s\n", rc, err.message);
    j->failed = 1;
  }
  gf_put_stream_free(ps);
  if (h) gf_array_holder_unref(h);
  if (s.release) s.release(&s);
  return NULL;
}

static void throughput(const char* method, int streams, int64_t batch_bytes, int64_t total) {
  int32_t per_batch = (int32_t)(batch_bytes / ROW_BYTES);
  int64_t per_stream = total / streams / ROW_BYTES;
  uint8_t cmd[4096];
  size_t cmd_len = perf_cmd(cmd, sizeof(cmd), streams, per_stream, per_batch);
  stream_job jobs[16];
  pthread_t th[16];
  memset(jobs, 0, sizeof(jobs));
  gf_flight_info* info = NULL;
  int is_get = strcmp(method, "doget") == 0;
  gf_client* c0 = connect_client(0);
  gf_error err = {0};
  if (is_get) {
    gf_descriptor d = cmd_desc(cmd, cmd_len);
    if (gf_client_get_flight_info(c0, NULL, &d, &info, &err) ||
        gf_flight_info_endpoint_count(info) != (size_t)streams) {
      fprintf(stderr, "GetFlightInfo(perf): %s\n", err.message);
      exit(1);
    }
  }
  for (int i = 0; i < streams; i++) {
    jobs[i].client = connect_client(0);
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
  for (int i = 0; i < streams; i++)
    pthread_create(&th[i], NULL, is_get ? doget_thread : doput_thread, &jobs[i]);
  int64_t bytes = 0;
  int failed = 0;
  for (int i = 0; i < streams; i++) {
    pthread_join(th[i], NULL);
    bytes += jobs[i].bytes;
    failed |= jobs[i].failed;
    gf_client_close(jobs[i].client);
  }
  double dt = tcp_raw_now() - t0;
  gf_flight_info_free(info);
  gf_client_close(c0);
  double gbps = dt > 0 ? (double)bytes / dt / 1e9 : 0;
  double raw = tcp_raw_throughput((size_t)batch_bytes, bytes > 0 ? bytes : total) / 1e9;
  double ratio = raw > 0 ? gbps / raw : 0;
  printf("%-6s streams=%d batch_bytes=%lld bytes=%lld seconds=%.3f gbps=%.3f raw_tcp_gbps=%.3f "
         "ratio_to_raw_tcp=%.2f%s\n",
         method, streams, (long long)batch_bytes, (long long)bytes, dt, gbps, raw, ratio,
         failed ? " FAILED" : "");
  fflush(stdout);
  json_rec("{\"kind\": \"%s\", \"streams\": %d, \"batch_bytes\": %lld, \"bytes\": %lld, "
           "\"seconds\": %.4f, \"gbps\": %.4f, \"raw_tcp_gbps\": %.4f, \"ratio_to_raw_tcp\": %.4f, "
           "\"ok\": %s}",
           method, streams, (long long)batch_bytes, (long long)bytes, dt, gbps, raw, ratio,
           failed ? "false" : "true");
}

/* ---- small calls -------------------------------------------------------------------------- */

typedef struct call_job {
  const char* kind;
  int calls;
  double* lat; /* seconds per call */
  int failed;
} call_job;

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
  gf_client* c = connect_client(0);
  uint8_t cmd[4096];
  size_t cmd_len = perf_cmd(cmd, sizeof(cmd), 1, 1000, 1000);
  if (one_call(c, j->kind, cmd, cmd_len)) j->failed = 1; /* warm-up */
  for (int i = 0; i < j->calls && !j->failed; i++) {
    double t0 = tcp_raw_now();
    if (one_call(c, j->kind, cmd, cmd_len)) j->failed = 1;
    j->lat[i] = tcp_raw_now() - t0;
  }
  gf_client_close(c);
  return NULL;
}

static int cmp_d(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static void small_calls(const char* kind, int conc, int calls) {
  call_job jobs[8];
  pthread_t th[8];
  double* lat = calloc((size_t)calls * (size_t)conc, sizeof(double));
  if (!lat) exit(1);
  for (int i = 0; i < conc; i++) jobs[i] = (call_job){kind, calls, lat + (size_t)i * calls, 0};
  double t0 = tcp_raw_now();
  for (int i = 0; i < conc; i++) pthread_create(&th[i], NULL, calls_thread, &jobs[i]);
  int failed = 0;
  for (int i = 0; i < conc; i++) {
    pthread_join(th[i], NULL);
    failed |= jobs[i].failed;
  }
  double dt = tcp_raw_now() - t0;
  size_t n = (size_t)calls * (size_t)conc;
  qsort(lat, n, sizeof(double), cmp_d);
  double p50 = lat[n / 2] * 1e6, p99 = lat[(size_t)(n * 0.99)] * 1e6;
  double rate = (double)n / dt;
  printf("%-13s concurrency=%d calls=%zu calls_per_s=%.0f p50_us=%.0f p99_us=%.0f%s\n", kind, conc,
         n, rate, p50, p99, failed ? " FAILED" : "");
  fflush(stdout);
  json_rec("{\"kind\": \"%s\", \"concurrency\": %d, \"calls\": %zu, \"calls_per_s\": %.1f, "
           "\"p50_us\": %.1f, \"p99_us\": %.1f, \"ok\": %s}",
           kind, conc, n, rate, p50, p99, failed ? "false" : "true");
  free(lat);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: flight_bench <grpc://host:port> [--bytes N] [--calls N] [--json F]\n");
    return 2;
  }
  g_uri = argv[1];
  /* grpc-core-notes §3.7: avoid mmap/munmap churn for gRPC read buffers */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  int64_t total = (int64_t)512 << 20;
  int calls = 2000;
  const char* json = NULL;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc) total = strtoll(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--calls") == 0 && i + 1 < argc) calls = atoi(argv[++i]);
    else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) json = argv[++i];
  }
  if (total < (1 << 20) || calls < 10) {
    fprintf(stderr, "flight_bench: --bytes >= 1 MiB and --calls >= 10\n");
    return 2;
  }
  if (json) {
    g_json = fopen(json, "w");
    if (!g_json) {
      perror(json);
      return 1;
    }
    fprintf(g_json, "{\n  \"uri\": \"%s\",\n  \"bytes_per_run\": %lld,\n  \"results\": [", g_uri,
            (long long)total);
  }
  static const int64_t sizes[2] = {64 << 10, 1 << 20};
  static const int streams[2] = {1, 4};
  for (int m = 0; m < 2; m++)
    for (int s = 0; s < 2; s++)
      for (int z = 0; z < 2; z++) throughput(m ? "doput" : "doget", streams[s], sizes[z], total);
  static const char* kinds[3] = {"ListActions", "GetFlightInfo", "DoAction"};
  for (int k = 0; k < 3; k++) {
    small_calls(kinds[k], 1, calls);
    small_calls(kinds[k], 8, calls / 4 > 10 ? calls / 4 : 10);
  }
  if (g_json) {
    fprintf(g_json, "\n  ]\n}\n");
    fclose(g_json);
  }
  return 0;
}
