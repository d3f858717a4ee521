/* Two gf_server instances in one process keep their logging, tracing and
 * maintenance apart: each has its own log output, format and levels, its own
 * console span exporter and service name, and its own /metrics (RPC counts
 * and gdfs_malloc_trim). Driven through the C client and HTTP over loopback
 * sockets; the plugin logs with gf_context_logger and starts child spans on
 * the RPC worker threads and on a thread of its own bound with
 * gf_context_enter. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gooddata_flight_server/client.h"
#include "gooddata_flight_server/log.h"
#include "gooddata_flight_server/server.h"
#include "gooddata_flight_server/tracing.h"
#include "support/ops_util.h"
#include "test.h"

typedef struct inst {
  const char* name;      /* "alpha" / "beta" */
  int dev_log;
  int debug_plugin;      /* the levels file sets test.plugin to DEBUG */
  int metrics_port;
  char cfg[64], ini[64], log[64], spans[64];
  int log_fd, span_fd;
  gf_server* srv;
  gf_server_context* ctx;
} inst;

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof sa;
  if (bind(fd, (struct sockaddr*)&sa, sizeof sa) || getsockname(fd, (struct sockaddr*)&sa, &n)) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(sa.sin_port);
}

static void* own_thread(void* arg) {
  inst* in = arg;
  void* prev = gf_context_enter(in->ctx);
  gf_logger* lg = gf_context_logger(in->ctx, "test.plugin");
  GF_LOG(lg, GF_LOG_INFO, "from_own_thread", GF_STR("server", in->name));
  gf_span_end(gf_span_start("own_thread_work", GF_SPAN_INTERNAL));
  gf_context_exit(prev);
  return NULL;
}

static int do_action(void* state, gf_call* c, const gf_action* a, gf_result_list* out) {
  (void)c, (void)a;
  inst* in = state;
  gf_logger* lg = gf_context_logger(in->ctx, "test.plugin");
  GF_LOG(lg, GF_LOG_DEBUG, "action_debug", GF_STR("server", in->name));
  GF_LOG(lg, GF_LOG_INFO, "action_ran", GF_STR("server", in->name));
  gf_span* sp = gf_span_start("plugin_work", GF_SPAN_INTERNAL);
  gf_span_set_str(sp, "server", in->name);
  gf_span_end(sp);
  pthread_t th;
  if (pthread_create(&th, NULL, own_thread, in) == 0) pthread_join(th, NULL);
  return gf_result_list_add(out, in->name, strlen(in->name));
}

static inst* g_alpha;
static inst* g_beta;
static int factory_for(inst* in, gf_server_context* ctx, gf_methods* m) {
  in->ctx = ctx;
  m->struct_size = sizeof(*m);
  m->abi_version = GF_PLUGIN_ABI_VERSION;
  m->state = in;
  m->do_action = do_action;
  return GF_OK;
}
static int factory_alpha(gf_server_context* ctx, gf_methods* m, gf_error* e) {
  (void)e;
  return factory_for(g_alpha, ctx, m);
}
static int factory_beta(gf_server_context* ctx, gf_methods* m, gf_error* e) {
  (void)e;
  return factory_for(g_beta, ctx, m);
}

static int tmpfile_path(char* path, const char* tag) {
  snprintf(path, 64, "/tmp/gf-two-%s-XXXXXX", tag);
  return mkstemp(path);
}

static int create(inst* in, gf_methods_factory f, gf_error* err) {
  in->metrics_port = free_port();
  int fd = tmpfile_path(in->cfg, "cfg");
  FILE* cf = fdopen(fd, "w");
  fprintf(cf,
          "[server]\nlisten_host = \"127.0.0.1\"\nlisten_port = 0\nrpc_threads = 2\n"
          "metrics_host = \"127.0.0.1\"\nmetrics_port = %d\nmalloc_trim_interval_sec = 1\n"
          "otel_exporter_type = \"console\"\notel_service_name = \"svc-%s\"\n",
          in->metrics_port, in->name);
  fclose(cf);
  close(tmpfile_path(in->ini, "ini"));
  write_file(in->ini, in->debug_plugin
                          ? "[loggers]\nkeys=root,p\n[logger_root]\nlevel=INFO\n"
                            "[logger_p]\nlevel=DEBUG\nqualname=test.plugin\n"
                          : "[loggers]\nkeys=root\n[logger_root]\nlevel=INFO\n");
  in->log_fd = tmpfile_path(in->log, "log");
  in->span_fd = tmpfile_path(in->spans, "spans");
  const char* files[] = {in->cfg};
  char* envp[] = {NULL};
  gf_server_options o = {0};
  o.struct_size = sizeof(o);
  o.config_files = files;
  o.n_config_files = 1;
  o.logging_config = in->ini;
  o.dev_log = in->dev_log;
  o.envp = envp;
  o.log_fd = in->log_fd;
  o.trace_console_fd = in->span_fd;
  int rc = gf_server_create(&o, f, &in->srv, err);
  return rc ? rc : gf_server_start(in->srv, err);
}

static int call(inst* in, int times) {
  char uri[64];
  snprintf(uri, sizeof(uri), "grpc://127.0.0.1:%d", gf_server_port(in->srv));
  gf_client_options co = {sizeof(co)};
  co.default_deadline_ms = 5000;
  gf_client* cl = NULL;
  gf_error err = {0};
  int rc = gf_client_create(uri, &co, &cl, &err);
  for (int i = 0; i < times && !rc; i++) {
    gf_client_bytes_list r;
    rc = gf_client_do_action(cl, NULL, "x", NULL, 0, &r, &err);
    if (!rc && (r.n != 1 || r.items[0].len != strlen(in->name))) rc = -1;
    if (!rc) gf_client_bytes_list_clear(&r);
  }
  if (cl) gf_client_free(cl);
  return rc;
}

/* Value of the first sample line starting with `prefix`, or -1. */
static double sample(const char* text, const char* prefix) {
  size_t n = strlen(prefix);
  for (const char* p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp(p, prefix, n) == 0) {
      const char* sp = strchr(p + n, ' ');
      return sp ? strtod(sp + 1, NULL) : -1;
    }
  return -1;
}

static int count(const char* text, const char* needle) {
  int c = 0;
  for (const char* p = strstr(text, needle); p; p = strstr(p + 1, needle)) c++;
  return c;
}

static void stop_and_free(inst* in) {
  if (in->srv) {
    gf_server_stop(in->srv);
    gf_server_wait_for_stop(in->srv, 20000);
    gf_server_free(in->srv);
    in->srv = NULL;
  }
}

static void cleanup(inst* in) {
  close(in->log_fd);
  close(in->span_fd);
  unlink(in->cfg), unlink(in->ini), unlink(in->log), unlink(in->spans);
}

static void check_metrics(inst* in, int calls) {
  http_result r = http_request(in->metrics_port, "GET", "/metrics");
  CHECK_EQ_INT(r.status, 200);
  double started = sample(r.body, "gdfs_rpc_started_total{method=\"DoAction\"}");
  CHECK_MSG(started == calls, "%s: DoAction started %f, want %d", in->name, started, calls);
  double trims = sample(r.body, "gdfs_malloc_trim_count");
  CHECK_MSG(trims >= 1, "%s: gdfs_malloc_trim_count %f", in->name, trims);
  http_result_free(&r);
}

TEST(two_servers_keep_their_own_logs_metrics_and_spans) {
  inst a = {.name = "alpha", .dev_log = 0, .debug_plugin = 1};
  inst b = {.name = "beta", .dev_log = 1, .debug_plugin = 0};
  g_alpha = &a, g_beta = &b;
  gf_error err = {0};
  CHECK_EQ_INT(create(&a, factory_alpha, &err), GF_OK);
  CHECK_EQ_INT(create(&b, factory_beta, &err), GF_OK);
  CHECK_EQ_INT(call(&a, 2), GF_OK);
  CHECK_EQ_INT(call(&b, 1), GF_OK);
  struct timespec ts = {2, 500000000}; /* the first trims run after ~2 s */
  nanosleep(&ts, NULL);
  check_metrics(&a, 2);
  check_metrics(&b, 1);
  stop_and_free(&a); /* flushes alpha's spans; beta keeps serving */
  CHECK_EQ_INT(call(&b, 1), GF_OK);
  stop_and_free(&b);

  char* la = read_all(a.log, NULL);
  char* lb = read_all(b.log, NULL);
  char* sa = read_all(a.spans, NULL);
  char* sb = read_all(b.spans, NULL);
  /* alpha: JSON lines, test.plugin at DEBUG, only its own events */
  CHECK(la[0] == '{');
  CHECK_EQ_INT(count(la, "\"event\":\"action_debug\""), 2);
  CHECK_EQ_INT(count(la, "\"event\":\"action_ran\""), 2);
  CHECK_EQ_INT(count(la, "\"event\":\"from_own_thread\""), 2);
  CHECK(strstr(la, "\"event\":\"server_startup\"") != NULL);
  CHECK(strstr(la, "beta") == NULL);
  /* beta: dev text lines, INFO only */
  CHECK(lb[0] != '{' && strstr(lb, "\"event\":") == NULL);
  CHECK_EQ_INT(count(lb, "action_ran"), 2);
  CHECK_EQ_INT(count(lb, "from_own_thread"), 2);
  CHECK(strstr(lb, "action_debug") == NULL);
  CHECK(strstr(lb, "server_startup") != NULL);
  CHECK(strstr(lb, "alpha") == NULL);
  /* spans: each exporter got its own server's spans, with its service name */
  CHECK_EQ_INT(count(sa, "\"name\":\"DO_ACTION\""), 2);
  CHECK_EQ_INT(count(sa, "\"name\":\"plugin_work\""), 2);
  CHECK_EQ_INT(count(sa, "\"name\":\"own_thread_work\""), 2);
  CHECK(strstr(sa, "svc-alpha") != NULL && strstr(sa, "svc-beta") == NULL);
  CHECK_EQ_INT(count(sb, "\"name\":\"DO_ACTION\""), 2);
  CHECK_EQ_INT(count(sb, "\"name\":\"plugin_work\""), 2);
  CHECK_EQ_INT(count(sb, "\"name\":\"own_thread_work\""), 2);
  CHECK(strstr(sb, "svc-beta") != NULL && strstr(sb, "svc-alpha") == NULL);
  /* the process default (this thread, no server) saw none of it */
  CHECK(!gf_tracing_enabled());
  free(la), free(lb), free(sa), free(sb);
  cleanup(&a);
  cleanup(&b);
}

int main(void) {
  RUN(two_servers_keep_their_own_logs_metrics_and_spans);
  TEST_MAIN_END();
}
