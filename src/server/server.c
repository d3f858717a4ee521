/* Server lifecycle (embedding API of server.h): create (config, logging,
 * tracing, health, metrics), start (span server_start: HTTP endpoints,
 * maintenance, task executor, auth, bind with the gate NOT_READY, factory,
 * gate open, readiness), stop (gate SHUTTING_DOWN while the listener stays
 * open, drain admitted calls for shutdown_grace_sec, transport shutdown
 * cancels the rest, executor stop, tracing flush) and destroy. Also the
 * per-RPC span hooks handed to the dispatcher (worker threads).
 * create/start/destroy run on the caller's (main) thread; the shutdown
 * sequence runs on a dedicated "stopper" thread woken through a pipe, so
 * gf_server_stop is async-signal-safe. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/instance.h"
#include "log/log_internal.h"
#include "flight/flightdata.h"
#include "flight/method.h"
#include "rpc/dispatch.h"
#include "gooddata_flight_server/log.h"
#include "auth/auth.h"
#include "config/config_tls.h"
#include "server/context.h"
#include "admin/health_internal.h"
#include "metrics/metrics_internal.h"
#include "config/server_config.h"
#include "server/server_plugin.h"
#include "config/settings.h"
#include "tasks/tasks_internal.h"
#include "tracing/tracing_internal.h"
#include "transport/server_transport.h"

extern char** environ;

struct gf_server {
  gf_methods_factory factory;
  gf_settings* settings;
  gf__server_config cfg;
  int cfg_loaded;
  gf_server_context ctx;
  gf_health* health;
  gf_metrics* metrics;
  gf_task_executor* tasks;
  gf__auth* auth;
  gf__dispatcher* disp;
  gf__tserver* ts;
  gf_methods methods;
  int methods_set;
  gf__instance inst;        /* this server's log domain and tracer (threads inherit it) */
  gf__maintenance* maint;   /* malloc_trim thread or NULL */
  int port;
  int pipe_fd[2];
  pthread_t stopper;
  int stopper_started;
  atomic_int stop_requested;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stopped;
  int trace_console_fd; /* console exporter output (0: stdout) */
};

static gf_logger* lg(void) { return gf_logger_get("gooddata_flight_server.server"); }

/* ---- create ------------------------------------------------------------------------------ */

static int configure_logging(gf_server* s, const gf_server_options* o, gf_error* err) {
  gf__log_options lo = {0};
  lo.dev = o->dev_log;
  lo.event_key = s->cfg.log_event_key_name;
  lo.trace_id_key = s->cfg.log_trace_key_trace_id;
  lo.span_id_key = s->cfg.log_trace_key_span_id;
  lo.parent_span_id_key = s->cfg.log_trace_key_parent_span_id;
  lo.config_file = o->logging_config;
  lo.fd = o->log_fd > 0 ? o->log_fd : 2;
  return gf__log_domain_new(&lo, &s->inst.log, err);
}

static const char* setting_src(const gf_server* s, const char* path) {
  const gf__toml_value* v = gf__settings_lookup(s->settings, path);
  return v && v->src ? v->src : "default";
}

/* The certificate and key parse and belong together (exit 1 at start-up
 * rather than a gRPC failure later). */
static int check_tls(gf_server* s, gf_error* err) {
  const gf__server_config* c = &s->cfg;
  return gf__config_check_tls(c->tls_certificate, setting_src(s, "server.tls_certificate"),
                              c->tls_private_key, setting_src(s, "server.tls_private_key"),
                              c->tls_root_certificate, setting_src(s, "server.tls_root_certificate"),
                              err);
}

/* Warns when OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL asks for an encoding
 * other than the one the exporter sends (http/json or grpc). */
static void check_otlp_protocol(const char* used) {
  const char* p = getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  if (!p || !*p) p = getenv("OTEL_EXPORTER_OTLP_PROTOCOL");
  if (p && *p && strcmp(p, used) != 0)
    GF_LOG(gf_logger_get("gooddata_flight_server.tracing"), GF_LOG_WARNING, "otlp_protocol_ignored",
           GF_STR("protocol", p), GF_STR("used", used));
}

static int start_tracing(gf_server* s, gf_error* err) {
  const gf__server_config* c = &s->cfg;
  if (c->otel_exporter_type == GF__OTEL_NONE) return GF_OK;
  if (c->otel_exporter_type == GF__OTEL_OTLP_HTTP) check_otlp_protocol("http/json");
  if (c->otel_exporter_type == GF__OTEL_OTLP_GRPC) check_otlp_protocol("grpc");
  gf__tracing_options t = {0};
  t.exporter = (int)c->otel_exporter_type;
  t.service_name = c->otel_service_name;
  t.service_namespace = c->otel_service_namespace;
  t.service_instance_id = c->otel_service_instance_id;
  t.console_fd = s->trace_console_fd;
  int rc = gf__tracer_new(&t, &s->inst.tracer, err);
  if (rc) gf_error_prefix(err, "server.otel_exporter_type");
  return rc;
}

/* ---- per-RPC spans (dispatcher hooks) ------------------------------------------------- */

static void* span_start_hook(void* user, const gf_call* call, int method) {
  gf_server* s = user;
  gf_bytes tp = {NULL, 0}, ts = {NULL, 0};
  int extract = s->cfg.otel_extract_context && gf_call_header(call, "traceparent", &tp);
  gf_span* span = gf__tracing_rpc_start(method, extract ? (const char*)tp.data : NULL, tp.len);
  if (!span) return NULL;
  if (extract && gf_call_header(call, "tracestate", &ts))
    gf__span_set_trace_state(span, (const char*)ts.data, ts.len);
  gf__span_set_peer(span, gf_call_peer(call));
  return span;
}

static void* span_enter_hook(void* span) { return gf_span_enter(span); }
static void span_exit_hook(void* prev) { gf_span_exit(prev); }
static void span_end_hook(void* span, int grpc_code, const char* msg) {
  gf__tracing_rpc_end(span, grpc_code, msg);
}

int gf__server_options_read(const gf_server_options* in, gf_server_options* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  if (!in) return gf_error_set(err, GF_INVALID_ARGUMENT, "gf_server_options are required");
  if (in->struct_size < GF_SERVER_OPTIONS_V1_SIZE || in->struct_size > sizeof(*out))
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "gf_server_options.struct_size is %u, expected %zu..%zu (set it to "
                        "sizeof(gf_server_options))",
                        (unsigned)in->struct_size, (size_t)GF_SERVER_OPTIONS_V1_SIZE, sizeof(*out));
  memcpy(out, in, in->struct_size);
  return GF_OK;
}

gf_status gf_server_create(const gf_server_options* opts, gf_methods_factory factory,
                           gf_server** out, gf_error* err) {
  if (!factory) return gf_error_set(err, GF_INVALID_ARGUMENT, "gf_server_create: a methods factory is required");
  gf_server_options oc;
  int orc = gf__server_options_read(opts, &oc, err);
  if (orc) {
    gf_error_prefix(err, "gf_server_create");
    return orc;
  }
  const gf_server_options* o = &oc;
  gf_server* s = calloc(1, sizeof(*s));
  if (!s) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  s->factory = factory;
  s->pipe_fd[0] = s->pipe_fd[1] = -1;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  int rc = gf__settings_load(o->config_files, o->n_config_files, o->envp ? o->envp : environ,
                             &s->settings, err);
  if (!rc) {
    rc = gf__server_config_load(s->settings, &s->cfg, err);
    s->cfg_loaded = rc == GF_OK;
  }
  if (!rc && s->cfg.use_tls) rc = check_tls(s, err);
  if (!rc) rc = configure_logging(s, o, err);
  gf__instance* prev = gf__instance_enter(&s->inst);
  s->trace_console_fd = o->trace_console_fd;
  if (!rc) rc = start_tracing(s, err);
  gf__instance_exit(prev);
  if (!rc && gf__health_create(&s->health)) rc = gf_error_set(err, GF_NO_MEMORY, "cannot create the health monitor");
  if (!rc && gf__metrics_create(&s->metrics)) rc = gf_error_set(err, GF_NO_MEMORY, "cannot create the metrics registry");
  if (!rc && pipe2(s->pipe_fd, O_CLOEXEC)) rc = gf_error_set(err, GF_IO_ERROR, "pipe: %s", strerror(errno));
  if (rc) {
    gf_server_free(s);
    return rc;
  }
  s->ctx.settings = s->settings;
  s->ctx.health = s->health;
  s->ctx.metrics = s->metrics;
  s->ctx.inst = &s->inst;
  *out = s;
  return GF_OK;
}

/* ---- start ------------------------------------------------------------------------------- */

static void log_startup(gf_server* s) {
  struct utsname u;
  char platform[400] = "unknown";
  if (uname(&u) == 0) snprintf(platform, sizeof(platform), "%s-%s-%s", u.sysname, u.release, u.machine);
  char* json = NULL;
  if (gf__config_to_json(&s->cfg, &json)) json = NULL;
  GF_LOG(lg(), GF_LOG_INFO, "server_startup", GF_STR("platform", platform),
         GF_STR("server_version", GF_VERSION_STRING), GF_JSON("config", json ? json : "null"));
  free(json);
}

static int start_http(gf_server* s, gf_error* err) {
  const gf__server_config* c = &s->cfg;
  if (c->metrics_host && *c->metrics_host) {
    GF_LOG(lg(), GF_LOG_DEBUG, "metrics_starting", GF_STR("host", c->metrics_host), GF_INT("port", c->metrics_port));
    int rc = gf__metrics_http_start(s->metrics, c->metrics_host, c->metrics_port, err);
    if (rc) return rc;
    GF_LOG(lg(), GF_LOG_INFO, "metrics_started", GF_STR("host", c->metrics_host), GF_INT("port", c->metrics_port));
  }
  if (c->health_check_host && *c->health_check_host)
    return gf__health_http_start(s->health, c->health_check_host, c->health_check_port, err);
  return GF_OK;
}

static int is_loopback(const char* host) {
  return host && (strstr(host, "127.0.0.1") || strstr(host, "localhost"));
}

static void insecure_warning(gf_server* s) {
  if (gf__auth_enabled(s->auth) || s->cfg.use_mtls || is_loopback(s->cfg.listen_host)) return;
  char bang[73];
  memset(bang, '!', 72);
  bang[72] = 0;
  printf("%s\n!!! Your server is configured without authentication and\n"
         "!!! it seems it is listening on a non-loopback interface.\n"
         "!!! The server may be reachable from public network.\n!!! Listening on: %s.\n%s\n",
         bang, s->cfg.listen_host, bang);
  fflush(stdout);
  GF_LOG(lg(), GF_LOG_WARNING, "insecure_warning", GF_STR("listen_host", s->cfg.listen_host));
}

static int auth_verify_hook(void* auth, const gf_call* call, char** identity, void** data, gf_error* err) {
  return gf__auth_verify(auth, call, identity, data, err);
}

static void auth_release_hook(void* auth, void* data) { gf__auth_release_data(auth, data); }

/* Readiness check: the Flight listener accepts connections. */
static bool listener_accepting(void* ts) { return gf__tserver_accepting(ts); }

static int start_transport(gf_server* s, gf_error* err) {
  const gf__server_config* c = &s->cfg;
  gf__dispatcher_options d = {0};
  d.rpc_threads = c->rpc_threads;
  d.max_batch_bytes = c->max_batch_bytes;
  d.max_put_inflight_bytes = c->max_put_inflight_bytes;
  d.stream_idle_timeout_ms = (int64_t)c->stream_idle_timeout_sec * 1000;
  d.stream_end_grace_ms = c->stream_end_grace_ms;
  d.max_receive_buffer_bytes = c->max_receive_buffer_bytes;
  d.max_queued_calls = c->max_queued_calls;
  d.ctx = &s->ctx;
  d.hooks.auth = s->auth;
  d.hooks.auth_verify = auth_verify_hook;
  d.hooks.auth_release = auth_release_hook;
  d.hooks.metrics = s->metrics;
  d.hooks.rpc_started = gf__rpc_started;
  d.hooks.rpc_finished = gf__rpc_finished;
  d.hooks.rpc_message = gf__rpc_message;
  d.hooks.rpc_rejected_busy = gf__rpc_rejected_busy;
  if (gf__tracer_on(s->inst.tracer)) {
    d.hooks.trace_user = s;
    d.hooks.span_start = span_start_hook;
    d.hooks.span_enter = span_enter_hook;
    d.hooks.span_exit = span_exit_hook;
    d.hooks.span_end = span_end_hook;
  }
  int rc = gf__dispatcher_create(&d, &s->disp, err);
  if (rc) return rc;
  gf__tserver_options t = {0};
  t.host = c->listen_host;
  t.port = c->listen_port;
  t.cq_threads = c->cq_threads;
  t.max_receive_message_bytes = c->max_receive_message_bytes;
  t.max_metadata_bytes = c->max_metadata_bytes;
  t.max_concurrent_streams = c->max_concurrent_streams;
  t.keepalive_time_sec = c->keepalive_time_sec;
  t.keepalive_timeout_sec = c->keepalive_timeout_sec;
  t.max_connection_idle_sec = c->max_connection_idle_sec;
  t.use_tls = c->use_tls;
  t.use_mtls = c->use_mtls;
  t.cert_pem = c->tls_certificate;
  t.key_pem = c->tls_private_key;
  t.root_pem = c->tls_root_certificate;
  t.method_of = gf__method_by_path;
  t.payload_offset = gf__flight_data_body_offset;
  t.on_call = gf__dispatcher_on_call;
  t.user = s->disp;
  rc = gf__tserver_create(&t, &s->ts, err);
  if (rc) return rc;
  s->port = gf__tserver_port(s->ts);
  gf__health_set_ready_check(s->health, listener_accepting, s->ts);
  return GF_OK;
}

static int make_location(gf_server* s) {
  const gf__server_config* c = &s->cfg;
  const char* host = c->advertise_host && *c->advertise_host ? c->advertise_host : c->listen_host;
  int port = c->advertise_port > 0 ? c->advertise_port : s->port;
  size_t n = strlen(host) + 64;
  s->ctx.location = malloc(n);
  if (!s->ctx.location) return GF_NO_MEMORY;
  snprintf(s->ctx.location, n, "%s://%s:%d", c->use_tls ? "grpc+tls" : "grpc", host, port);
  return GF_OK;
}

static int init_methods(gf_server* s, gf_error* err) {
  GF_LOG(lg(), GF_LOG_INFO, "flight_service_init_methods");
  memset(&s->methods, 0, sizeof(s->methods));
  gf_error ferr = {0};
  int rc = s->factory(&s->ctx, &s->methods, &ferr);
  if (!rc) {
    s->methods_set = 1;
    rc = gf__methods_validate(&s->methods, &ferr);
  } else if (!ferr.message[0]) {
    gf_error_set(&ferr, rc, "the methods factory failed with status %s", gf_status_name(rc));
  }
  if (rc) {
    GF_LOG(lg(), GF_LOG_CRITICAL, "flight_service_init_failed", GF_STR("error", ferr.message));
    return gf_error_set(err, rc, "%s", ferr.message);
  }
  gf__dispatcher_set_methods(s->disp, &s->methods);
  return GF_OK;
}

static void* stopper_main(void* arg);
static int start_services(gf_server* s, gf_error* err);

gf_status gf_server_start(gf_server* s, gf_error* err) {
  if (atomic_load(&s->stop_requested)) return GF_OK;
  gf__instance* inst_prev = gf__instance_enter(&s->inst); /* threads started here inherit it */
  gf_span* span = gf_span_start("server_start", GF_SPAN_INTERNAL);
  gf_span* prev = gf_span_enter(span);
  gf_error local = {0};
  if (!err) err = &local;
  int rc = start_services(s, err);
  if (rc) gf_span_set_error(span, err->message);
  else gf_span_set_ok(span);
  gf_span_end(span);
  gf_span_exit(prev);
  gf__instance_exit(inst_prev);
  return rc;
}

static int start_services(gf_server* s, gf_error* err) {
  log_startup(s);
  int rc = start_http(s, err);
  if (!rc && s->cfg.malloc_trim_interval_sec > 0) {
    rc = gf__maintenance_start(s->metrics, s->cfg.malloc_trim_interval_sec, &s->maint, err);
  }
  if (!rc) rc = gf__task_executor_create(s->cfg.task_threads, s->cfg.task_close_threads,
                                         s->cfg.task_result_ttl_sec, s->metrics, &s->tasks, err);
  if (!rc) gf__task_executor_set_result_limit(s->tasks, s->cfg.task_result_max_bytes);
  s->ctx.tasks = s->tasks;
  if (!rc) {
    rc = gf__auth_create(&s->cfg, &s->ctx, &s->auth, err);
    if (rc) GF_LOG(lg(), GF_LOG_CRITICAL, "auth_token_init_failed", GF_STR("error", err ? err->message : ""));
  }
  if (!rc) insecure_warning(s);
  if (!rc) rc = start_transport(s, err);
  if (!rc && make_location(s)) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
  if (!rc) {
    char listen_url[600];
    snprintf(listen_url, sizeof(listen_url), "%s://%s:%d", s->cfg.use_tls ? "grpc+tls" : "grpc",
             s->cfg.listen_host, s->port);
    GF_LOG(lg(), GF_LOG_INFO, "flight_service_start", GF_STR("listen_url", listen_url),
           GF_STR("client_url", s->ctx.location), GF_BOOL("tls", s->cfg.use_tls),
           GF_INT("port", s->port));
  }
  if (!rc) rc = init_methods(s, err);
  if (!rc && gf__thread_create(&s->stopper, stopper_main, s))
    rc = gf_error_set(err, GF_INTERNAL, "cannot start the server thread");
  if (rc) return rc;
  s->stopper_started = 1;
  gf__dispatcher_set_gate(s->disp, GF__GATE_OPEN);
  GF_LOG(lg(), GF_LOG_INFO, "rpc_enabled", GF_STR("methods", "gf_methods"));
  gf_health_set_module_status(s->health, "server", GF_MODULE_OK);
  return GF_OK;
}

int gf_server_port(const gf_server* s) { return s->port; }
gf_server_context* gf_server_get_context(gf_server* s) { return &s->ctx; }

/* ---- stop ------------------------------------------------------------------------------- */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The gate answers new calls with UNAVAILABLE (SHUTTING_DOWN) while the
 * listener stays open; admitted calls get until the deadline to finish. */
static void drain(gf_server* s, int64_t deadline) {
  while (deadline - now_ms() > 0 && gf__dispatcher_admitted(s->disp) > 0) {
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
}

static void shutdown_services(gf_server* s) {
  int64_t deadline = now_ms() + (int64_t)s->cfg.shutdown_grace_sec * 1000;
  GF_LOG(lg(), GF_LOG_INFO, "server_shutdown_initiated");
  if (s->disp) gf__dispatcher_set_gate(s->disp, GF__GATE_SHUTTING_DOWN);
  GF_LOG(lg(), GF_LOG_INFO, "flight_service_shutdown", GF_INT("grace_sec", s->cfg.shutdown_grace_sec),
         GF_INT("in_flight", gf__dispatcher_admitted(s->disp)));
  if (s->disp) drain(s, deadline);
  int remaining = gf__dispatcher_admitted(s->disp);
  if (remaining > 0) {
    /* Cancel call by call so each client gets CANCELLED on its stream (the
     * transport's cancel-all would drop the connections instead). */
    GF_LOG(lg(), GF_LOG_WARNING, "flight_service_cancelling", GF_INT("calls", remaining));
    gf__dispatcher_cancel_admitted(s->disp);
    drain(s, now_ms() + 2000);
  }
  if (s->ts) gf__tserver_shutdown(s->ts, 500);
  if (s->disp) gf__dispatcher_stop(s->disp);
  GF_LOG(lg(), GF_LOG_INFO, "flight_service_finished");
  if (s->tasks) gf__task_executor_stop(s->tasks, 1);
  GF_LOG(lg(), GF_LOG_INFO, "server_main_finished");
  gf__tracer_stop(s->inst.tracer); /* exports what is queued */
}

static void* stopper_main(void* arg) {
  gf_server* s = arg;
  pthread_setname_np(pthread_self(), "gf-stopper");
  char b;
  while (!atomic_load(&s->stop_requested)) {
    ssize_t n = read(s->pipe_fd[0], &b, 1);
    if (n < 0 && errno != EINTR) break;
  }
  shutdown_services(s);
  pthread_mutex_lock(&s->mu);
  s->stopped = 1;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

void gf_server_stop(gf_server* s) {
  if (!s) return;
  int was = atomic_exchange(&s->stop_requested, 1);
  if (!was && s->pipe_fd[1] >= 0) {
    char b = 1;
    ssize_t n = write(s->pipe_fd[1], &b, 1);
    (void)n;
  }
}

bool gf_server_wait_for_stop(gf_server* s, int64_t timeout_ms) {
  pthread_mutex_lock(&s->mu);
  if (!s->stopper_started) {
    int r = atomic_load(&s->stop_requested);
    pthread_mutex_unlock(&s->mu);
    return r;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (timeout_ms >= 0) {
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
  }
  int rc = 0;
  while (!s->stopped && rc == 0)
    rc = timeout_ms < 0 ? pthread_cond_wait(&s->cv, &s->mu) : pthread_cond_timedwait(&s->cv, &s->mu, &ts);
  int stopped = s->stopped;
  pthread_mutex_unlock(&s->mu);
  return stopped;
}

/* ---- signals ------------------------------------------------------------------------------ */

static gf_server* volatile g_signal_server;
static volatile sig_atomic_t g_signals;

static void on_signal(int sig) {
  (void)sig;
  if (g_signals++ > 0) _exit(1);
  if (g_signal_server) gf_server_stop(g_signal_server);
}

gf_status gf_server_handle_signals(gf_server* s, gf_error* err) {
  g_signal_server = s;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
    return gf_error_set(err, GF_INTERNAL, "sigaction: %s", strerror(errno));
  signal(SIGPIPE, SIG_IGN);
  return GF_OK;
}

/* ---- destroy ------------------------------------------------------------------------------ */

void gf_server_free(gf_server* s) {
  if (!s) return;
  gf__instance* prev = gf__instance_enter(&s->inst);
  if (s->stopper_started) {
    gf_server_stop(s);
    pthread_join(s->stopper, NULL);
  } else {
    /* start failed part-way (or never ran): stop quietly what was started */
    if (s->ts) gf__tserver_shutdown(s->ts, 0);
    if (s->disp) gf__dispatcher_stop(s->disp);
    if (s->tasks) gf__task_executor_stop(s->tasks, 1);
  }
  gf__tracer_stop(s->inst.tracer);
  if (g_signal_server == s) g_signal_server = NULL;
  if (s->methods_set && s->methods.release) s->methods.release(s->methods.state);
  gf__dispatcher_free(s->disp);
  gf__health_set_ready_check(s->health, NULL, NULL); /* before the transport goes */
  gf__tserver_destroy(s->ts);
  if (s->auth) gf__auth_free(s->auth);
  if (s->tasks) gf__task_executor_free(s->tasks);
  gf__maintenance_stop(s->maint);
  gf__health_free(s->health);
  if (s->metrics) gf__metrics_free(s->metrics);
  if (s->settings) gf__settings_free(s->settings);
  if (s->cfg_loaded) gf__server_config_free(&s->cfg);
  free(s->ctx.location);
  for (int i = 0; i < 2; i++)
    if (s->pipe_fd[i] >= 0) close(s->pipe_fd[i]);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  gf__instance_exit(prev);
  gf__tracer_free(s->inst.tracer);
  gf__log_domain_free(s->inst.log);
  free(s);
}
