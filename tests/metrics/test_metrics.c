/* Tests for the metrics registry: registration rules, Prometheus text
 * rendering and escaping, concurrent updates, RPC and process metrics, and
 * the /metrics HTTP endpoint (checked with promtool when installed). */
#include <pthread.h>

#include "support/ops_util.h"
#include "common/grpc_status.h"
#include "flight/method.h"
#include "log/log_internal.h"
#include "metrics/metrics_core.h"
#include "test.h"

static char* render(gf_metrics* r) {
  char* out = NULL;
  size_t len = 0;
  if (gf_metrics_render(r, &out, &len) != GF_OK) return NULL;
  return out;
}

#define HAS(text, s) CHECK_MSG(strstr((text), (s)) != NULL, "missing '%s' in:\n%s", (s), (text))

TEST(float_format_like_prometheus_client) {
  char b[48];
  struct { double v; const char* want; } cases[] = {
      {1.0, "1.0"}, {0.0, "0.0"}, {0.005, "0.005"}, {12.5, "12.5"}, {-3.0, "-3.0"},
      {1.0 / 0.0, "+Inf"}, {-1.0 / 0.0, "-Inf"}, {1.7e9, "1.7e+09"}, {1e16, "1e+16"},
      {1.5e-05, "1.5e-05"}, {123456.0, "123456.0"}, {1234567.0, "1.234567e+06"}, {0.1, "0.1"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gf__prom_float(b, cases[i].v);
    CHECK_EQ_STR(b, cases[i].want);
  }
  gf__prom_float(b, 0.0 / 0.0);
  CHECK_EQ_STR(b, "NaN");
}

TEST(registration_rules) {
  gf_metrics* r = NULL;
  CHECK_EQ_INT(gf__metrics_create_bare(&r), GF_OK);
  const char* l1[] = {"method"};
  const char* l2[] = {"other"};
  gf_metric* c = gf_metrics_counter(r, "requests_total", "Requests.", l1, 1);
  CHECK(c != NULL);
  CHECK(gf_metrics_counter(r, "requests", "Requests.", l1, 1) == c);
  CHECK(gf_metrics_counter(r, "requests", "Requests.", l2, 1) == NULL);
  CHECK(gf_metrics_gauge(r, "requests", "x", NULL, 0) == NULL);
  CHECK(gf_metrics_gauge(r, "9bad", "x", NULL, 0) == NULL);
  CHECK(gf_metrics_gauge(r, "bad-name", "x", NULL, 0) == NULL);
  CHECK(gf_metrics_gauge(r, "ns:ok_name", "x", NULL, 0) != NULL);
  const char* le[] = {"le"};
  const char* dunder[] = {"__x"};
  CHECK(gf_metrics_histogram(r, "h", "x", le, 1, NULL, 0) == NULL);
  CHECK(gf_metrics_gauge(r, "g2", "x", dunder, 1) == NULL);
  CHECK(gf_metrics_gauge(r, "g3", "x", NULL, 1) == NULL);
  double unsorted[] = {1, 0.5};
  CHECK(gf_metrics_histogram(r, "h2", "x", NULL, 0, unsorted, 2) == NULL);
  CHECK(gf__metrics_find(r, "requests") == c);
  gf__metrics_free(r);
}

TEST(render_all_types_with_escaping) {
  gf_metrics* r = NULL;
  CHECK_EQ_INT(gf__metrics_create_bare(&r), GF_OK);
  const char* lbl[] = {"path"};
  gf_metric* c = gf_metrics_counter(r, "my_counter", "Help with \\ and\nnewline.", NULL, 0);
  gf_metric* lc = gf_metrics_counter(r, "labelled", "L.", lbl, 1);
  gf_metric* g = gf_metrics_gauge(r, "my_gauge", "G.", NULL, 0);
  gf_metric* s = gf_metrics_summary(r, "my_summary", "S.", NULL, 0);
  double bounds[] = {0.1, 1.0};
  gf_metric* h = gf_metrics_histogram(r, "my_hist", "H.", lbl, 1, bounds, 2);
  CHECK(c && lc && g && s && h);
  gf_metric_inc(c, NULL, 2);
  gf_metric_inc(c, NULL, -5);  /* ignored: counters only go up */
  gf_metric_inc(lc, (const char*[]){"a\"b\\c\nd"}, 1);
  gf_metric_set(g, NULL, -3.5);
  gf_metric_observe(s, NULL, 0.5);
  gf_metric_observe(s, NULL, 1.5);
  gf_metric_observe(h, (const char*[]){"/x"}, 0.05);
  gf_metric_observe(h, (const char*[]){"/x"}, 0.1);
  gf_metric_observe(h, (const char*[]){"/x"}, 5);
  char* t = render(r);
  CHECK(t != NULL);
  HAS(t, "# HELP my_counter_total Help with \\\\ and\\nnewline.\n# TYPE my_counter_total counter\nmy_counter_total 2.0\n");
  HAS(t, "# TYPE my_counter_created gauge\nmy_counter_created 1");
  HAS(t, "labelled_total{path=\"a\\\"b\\\\c\\nd\"} 1.0\n");
  HAS(t, "# TYPE my_gauge gauge\nmy_gauge -3.5\n");
  HAS(t, "# TYPE my_summary summary\nmy_summary_count 2.0\nmy_summary_sum 2.0\n");
  HAS(t, "# TYPE my_hist histogram\n");
  HAS(t, "my_hist_bucket{path=\"/x\",le=\"0.1\"} 2.0\nmy_hist_bucket{path=\"/x\",le=\"1.0\"} 2.0\n"
         "my_hist_bucket{path=\"/x\",le=\"+Inf\"} 3.0\nmy_hist_count{path=\"/x\"} 3.0\n"
         "my_hist_sum{path=\"/x\"} 5.15\n");
  CHECK(strstr(t, "my_gauge_created") == NULL);
  CHECK(strstr(t, "process_") == NULL);
  free(t);
  gf__metrics_free(r);
}

typedef struct inc_arg {
  gf_metric* c;
  gf_metric* h;
  int id;
} inc_arg;

static void* incrementer(void* p) {
  inc_arg* a = p;
  const char* lv[] = {a->id % 2 ? "odd" : "even"};
  for (int i = 0; i < 20000; i++) {
    gf_metric_inc(a->c, lv, 1);
    gf_metric_observe(a->h, NULL, 0.25);
  }
  return NULL;
}

TEST(concurrent_updates_are_exact) {
  gf_metrics* r = NULL;
  CHECK_EQ_INT(gf__metrics_create_bare(&r), GF_OK);
  const char* lbl[] = {"k"};
  inc_arg a[8];
  pthread_t t[8];
  gf_metric* c = gf_metrics_counter(r, "hits", "H.", lbl, 1);
  gf_metric* h = gf_metrics_histogram(r, "lat", "L.", NULL, 0, NULL, 0);
  for (int i = 0; i < 8; i++) {
    a[i] = (inc_arg){c, h, i};
    pthread_create(&t[i], NULL, incrementer, &a[i]);
  }
  for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
  CHECK(gf__cell_value(gf__metric_cell(c, (const char*[]){"odd"})) == 80000.0);
  CHECK(gf__cell_value(gf__metric_cell(c, (const char*[]){"even"})) == 80000.0);
  char* text = render(r);
  HAS(text, "lat_count 160000.0\nlat_sum 40000.0\n");
  HAS(text, "lat_bucket{le=\"0.25\"} 160000.0\n");
  HAS(text, "lat_bucket{le=\"0.1\"} 0.0\n");
  free(text);
  gf__metrics_free(r);
}

TEST(rpc_and_process_metrics) {
  gf_metrics* r = NULL;
  CHECK_EQ_INT(gf__metrics_create(&r), GF_OK);
  gf__rpc_started(r, 5);
  gf__rpc_message(r, 5, 1, 1000);
  gf__rpc_message(r, 5, 1, 24);
  gf__rpc_message(r, 5, 0, 10);
  gf__rpc_finished(r, 5, 5, 0.02);
  gf__rpc_started(r, 99);
  gf__rpc_finished(r, 99, 42, 0.5);
  gf__rpc_started(NULL, 1); /* no-op */
  gf__rpc_started(r, 6);
  char* t = render(r);
  CHECK(t != NULL);
  HAS(t, "gdfs_rpc_started_total{method=\"DoGet\"} 1.0\n");
  HAS(t, "gdfs_rpc_handled_total{method=\"DoGet\",code=\"NOT_FOUND\"} 1.0\n");
  HAS(t, "gdfs_rpc_handled_total{method=\"Unknown\",code=\"UNKNOWN\"} 1.0\n");
  HAS(t, "gdfs_rpc_duration_seconds_bucket{method=\"DoGet\",le=\"0.025\"} 1.0\n");
  HAS(t, "gdfs_rpc_duration_seconds_bucket{method=\"DoGet\",le=\"0.01\"} 0.0\n");
  HAS(t, "gdfs_rpc_sent_bytes_total{method=\"DoGet\"} 1024.0\n");
  HAS(t, "gdfs_rpc_sent_messages_total{method=\"DoGet\"} 2.0\n");
  HAS(t, "gdfs_rpc_received_bytes_total{method=\"DoGet\"} 10.0\n");
  HAS(t, "gdfs_rpc_active{method=\"DoGet\"} 0.0\n");
  HAS(t, "gdfs_rpc_active{method=\"DoPut\"} 1.0\n");
  HAS(t, "# TYPE gdfs_malloc_trim summary\ngdfs_malloc_trim_count 0.0\n");
  HAS(t, "gdfs_malloc_trim_error_total 0.0\n");
  HAS(t, "# TYPE process_resident_memory_bytes gauge\n");
  HAS(t, "# TYPE process_cpu_seconds_total counter\n");
  HAS(t, "process_open_fds ");
  HAS(t, "process_max_fds ");
  HAS(t, "process_threads ");
  const char* st = strstr(t, "\nprocess_start_time_seconds ");
  CHECK(st != NULL);
  double start = strtod(st + 28, NULL);
  CHECK_MSG(start > 1.6e9 && start <= gf__metrics_now() + 1, "start %f", start);
  CHECK_EQ_STR(gf__method_name(0), "Handshake");
  CHECK_EQ_STR(gf__method_name(10), "Unknown");
  CHECK_EQ_STR(gf__grpc_code_name(16), "UNAUTHENTICATED");
  free(t);
  gf__metrics_free(r);
}

static int promtool_ok(const char* text) {
  if (system("command -v promtool >/dev/null 2>&1") != 0) return -1;
  char path[] = "/tmp/gf_ops_promXXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 0;
  close(fd);
  write_file(path, text);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "promtool check metrics < %s", path);
  int rc = system(cmd);
  unlink(path);
  return rc == 0;
}

TEST(http_endpoint_and_promtool) {
  gf__log_configure(&(gf__log_options){.fd = 2}, NULL);
  gf_metrics* r = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__metrics_create(&r), GF_OK);
  gf_metric* c = gf_metrics_counter(r, "gdfs_task_completed",
                                    "Number of completed tasks.", NULL, 0);
  gf_metric_inc(c, NULL, 3);
  gf__rpc_started(r, 2);
  gf__rpc_finished(r, 2, 0, 0.001);
  CHECK_EQ_INT(gf__metrics_http_start(r, "127.0.0.1", 0, &err), GF_OK);
  int port = gf__metrics_http_port(r);
  CHECK(port > 0);
  http_result res = http_request(port, "GET", "/metrics");
  CHECK_EQ_INT(res.status, 200);
  CHECK(strstr(res.head, "Content-Type: text/plain; version=0.0.4") != NULL);
  CHECK(strstr(res.body, "gdfs_task_completed_total 3.0\n") != NULL);
  CHECK(strstr(res.body, "gdfs_rpc_handled_total{method=\"GetFlightInfo\",code=\"OK\"} 1.0") != NULL);
  int prom = promtool_ok(res.body);
  http_result_free(&res);
  CHECK_MSG(prom != 0, "promtool check metrics failed");
  if (prom < 0) fprintf(stderr, "  (promtool not installed; skipped its check)\n");
  CHECK_EQ_INT(http_status(port, "GET", "/"), 404);
  CHECK_EQ_INT(http_status(port, "GET", "/metricsx"), 404);
  CHECK_EQ_INT(http_status(port, "POST", "/metrics"), 405);
  gf__metrics_free(r);  /* also stops the endpoint */
  CHECK_EQ_INT(http_status(port, "GET", "/metrics"), -1);
  gf__log_configure(NULL, NULL);
}

int main(void) {
  RUN(float_format_like_prometheus_client);
  RUN(registration_rules);
  RUN(render_all_types_with_escaping);
  RUN(concurrent_updates_are_exact);
  RUN(rpc_and_process_metrics);
  RUN(http_endpoint_and_promtool);
  TEST_MAIN_END();
}
