/* Span export: tracing start/stop, resource attributes, the bounded queue
 * of ended spans (drops and counts when full) and the batch thread that
 * sends OTLP/HTTP JSON or Zipkin v2 JSON with libcurl (loaded on first use,
 * curl_dl.h), OTLP protobuf over
 * gRPC (tracing_otlp_grpc.c), or writes console lines. The queue is fed
 * from any thread; exporting runs on one thread. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/instance.h"
#include "log/log_internal.h"
#include "tracing/curl_dl.h"
#include "tracing/tracing_internal.h"
#include "tracing/tracing_otlp_grpc.h"

#define MAX_HEADERS 32
#define MAX_RESOURCE_ATTRS 64

typedef struct exporter {
  int kind;
  int console_fd;
  char* url;
  const gf__curl_api* curl;           /* HTTP exporters only */
  struct curl_slist* headers;
  long timeout_ms;
  gf__trace_resource res;
  gf__otlp_grpc* grpc;                /* OTLP/gRPC exporter or NULL */
  size_t queue_max, batch_max;
  int delay_ms;
} exporter;

/* One tracer: the process default (g_default) or a server instance's. */
struct gf__tracer {
  atomic_int on;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  int running, stop;             /* guarded by mu */
  int64_t stop_ms;               /* guarded by mu: when stop was asked (monotonic) */
  gf_span *head, *tail;          /* guarded by mu */
  size_t len;                    /* guarded by mu */
  exporter ex;                   /* set before the thread starts, freed after join */
  atomic_uint_fast64_t dropped, exported, failed;
};

static gf__tracer g_default = {.mu = PTHREAD_MUTEX_INITIALIZER};

gf__tracer* gf__tracer_default(void) { return &g_default; }
int gf__tracer_on(const gf__tracer* t) {
  return t && atomic_load_explicit(&((gf__tracer*)t)->on, memory_order_acquire);
}

uint64_t gf__tracer_dropped(const gf__tracer* t) { return atomic_load(&((gf__tracer*)t)->dropped); }
uint64_t gf__tracer_exported(const gf__tracer* t) { return atomic_load(&((gf__tracer*)t)->exported); }
uint64_t gf__tracer_export_failures(const gf__tracer* t) { return atomic_load(&((gf__tracer*)t)->failed); }
uint64_t gf__tracing_dropped(void) { return gf__tracer_dropped(&g_default); }
uint64_t gf__tracing_exported(void) { return gf__tracer_exported(&g_default); }
uint64_t gf__tracing_export_failures(void) { return gf__tracer_export_failures(&g_default); }

static gf_logger* trace_log(void) { return gf_logger_get("gooddata_flight_server.tracing"); }

static long env_long(const char* a, const char* b, long dflt) {
  const char* v = getenv(a);
  if ((!v || !*v) && b) v = getenv(b);
  if (!v || !*v) return dflt;
  char* end;
  long x = strtol(v, &end, 10);
  return *end == '\0' && x > 0 ? x : dflt;
}

static const char* env2(const char* a, const char* b) {
  const char* v = getenv(a);
  if (v && *v) return v;
  v = b ? getenv(b) : NULL;
  return v && *v ? v : NULL;
}

/* ---- resource ---- */

static void res_add(gf__trace_resource* r, const char* key, int type, const char* s, int64_t i) {
  for (size_t k = 0; k < r->n; k++)
    if (strcmp(r->attrs[k].key, key) == 0) return;  /* first one wins */
  if (r->n >= MAX_RESOURCE_ATTRS) return;
  gf__span_attr* a = &r->attrs[r->n];
  a->key = strdup(key);
  a->type = type;
  if (type == GF_KV_STR) a->v.s = strdup(s ? s : "");
  else a->v.i = i;
  if (!a->key || (type == GF_KV_STR && !a->v.s)) {
    free(a->key);
    if (type == GF_KV_STR) free(a->v.s);
    return;
  }
  r->n++;
}

static int hexdig(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static char* pct_decode(const char* s, size_t n) {
  char* out = malloc(n + 1);
  size_t k = 0;
  if (!out) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && hexdig(s[i + 1]) >= 0 && hexdig(s[i + 2]) >= 0) {
      out[k++] = (char)(hexdig(s[i + 1]) * 16 + hexdig(s[i + 2]));
      i += 2;
    } else {
      out[k++] = s[i];
    }
  }
  out[k] = '\0';
  return out;
}

/* Calls fn(key, value) for each trimmed "k=v" of a comma list. */
void gf__trace_each_pair(const char* list, void (*fn)(void*, const char*, const char*), void* ctx) {
  int count = 0;
  for (const char* p = list; p && *p && count < MAX_HEADERS; count++) {
    size_t len = strcspn(p, ",");
    const char* eq = memchr(p, '=', len);
    if (eq) {
      char* k = pct_decode(p, (size_t)(eq - p));
      char* v = pct_decode(eq + 1, len - (size_t)(eq - p) - 1);
      char *ks = k, *vs = v;
      while (ks && (*ks == ' ' || *ks == '\t')) ks++;
      while (vs && (*vs == ' ' || *vs == '\t')) vs++;
      for (char* e = ks ? ks + strlen(ks) : NULL; e && e > ks && (e[-1] == ' ' || e[-1] == '\t');) *--e = 0;
      for (char* e = vs ? vs + strlen(vs) : NULL; e && e > vs && (e[-1] == ' ' || e[-1] == '\t');) *--e = 0;
      if (ks && vs && *ks) fn(ctx, ks, vs);
      free(k);
      free(v);
    }
    p += len;
    if (*p == ',') p++;
  }
}

static void res_env_pair(void* ctx, const char* k, const char* v) {
  res_add(ctx, k, GF_KV_STR, v, 0);
}

static int build_resource(gf__trace_resource* r, const gf__tracing_options* o) {
  char host[256] = "";
  struct utsname un;
  r->attrs = calloc(MAX_RESOURCE_ATTRS, sizeof *r->attrs);
  if (!r->attrs) return GF_NO_MEMORY;
  gethostname(host, sizeof host - 1);
  const char* name = o->service_name && *o->service_name ? o->service_name : getenv("OTEL_SERVICE_NAME");
  res_add(r, "service.name", GF_KV_STR, name && *name ? name : "unknown_service", 0);
  res_add(r, "service.namespace", GF_KV_STR, o->service_namespace ? o->service_namespace : "", 0);
  res_add(r, "service.instance.id", GF_KV_STR,
          o->service_instance_id && *o->service_instance_id ? o->service_instance_id : host, 0);
  res_add(r, "service.version", GF_KV_STR, GF_VERSION_STRING, 0);
  gf__trace_each_pair(getenv("OTEL_RESOURCE_ATTRIBUTES"), res_env_pair, r);
  res_add(r, "telemetry.sdk.name", GF_KV_STR, "gooddata-flight-server", 0);
  res_add(r, "telemetry.sdk.language", GF_KV_STR, "c", 0);
  res_add(r, "telemetry.sdk.version", GF_KV_STR, GF_VERSION_STRING, 0);
  res_add(r, "os.type", GF_KV_STR, "linux", 0);
  if (uname(&un) == 0) res_add(r, "os.version", GF_KV_STR, un.release, 0);
  res_add(r, "process.pid", GF_KV_INT, NULL, (int64_t)getpid());
  res_add(r, "process.parent_pid", GF_KV_INT, NULL, (int64_t)getppid());
  r->service_name = r->attrs[0].v.s;
  return GF_OK;
}

static void free_resource(gf__trace_resource* r) {
  for (size_t i = 0; i < r->n; i++) {
    free(r->attrs[i].key);
    if (r->attrs[i].type == GF_KV_STR) free(r->attrs[i].v.s);
  }
  free(r->attrs);
  memset(r, 0, sizeof *r);
}

/* ---- exporter configuration ---- */

static void add_header(void* ctx, const char* k, const char* v) {
  exporter* ex = ctx;
  char line[1024];
  if (strpbrk(k, "\r\n:") || strpbrk(v, "\r\n")) return; /* no header injection */
  snprintf(line, sizeof line, "%s: %s", k, v);
  struct curl_slist* n = ex->curl->slist_append(ex->headers, line);
  if (n) ex->headers = n;
}

static char* otlp_url(void) {
  const char* full = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (full && *full) return strdup(full);
  const char* base = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
  if (!base || !*base) base = "http://localhost:4318";
  size_t n = strlen(base);
  while (n > 0 && base[n - 1] == '/') n--;
  char* url = malloc(n + sizeof "/v1/traces");
  if (url) sprintf(url, "%.*s/v1/traces", (int)n, base);
  return url;
}

static int configure(exporter* ex, const gf__tracing_options* o, gf_error* err) {
  memset(ex, 0, sizeof *ex);
  ex->kind = o->exporter;
  ex->console_fd = o->console_fd > 0 ? o->console_fd : 1;
  ex->queue_max = o->queue_max > 0 ? (size_t)o->queue_max : (size_t)env_long("OTEL_BSP_MAX_QUEUE_SIZE", NULL, 2048);
  ex->batch_max = o->batch_max > 0 ? (size_t)o->batch_max : (size_t)env_long("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", NULL, 512);
  ex->delay_ms = o->delay_ms > 0 ? o->delay_ms : (int)env_long("OTEL_BSP_SCHEDULE_DELAY", NULL, 5000);
  if (ex->batch_max > ex->queue_max) ex->batch_max = ex->queue_max;
  const char* ct = "Content-Type: application/json";
  int http = o->exporter == GF__TRACE_EXPORT_OTLP_HTTP || o->exporter == GF__TRACE_EXPORT_ZIPKIN;
  if (http && !(ex->curl = gf__curl_load(err))) return err ? err->code : GF_UNAVAILABLE;
  if (o->exporter == GF__TRACE_EXPORT_OTLP_HTTP) {
    ex->url = otlp_url();
    ex->timeout_ms = env_long("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", 10000);
    gf__trace_each_pair(env2("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"),
                        add_header, ex);
  } else if (o->exporter == GF__TRACE_EXPORT_ZIPKIN) {
    const char* u = env2("OTEL_EXPORTER_ZIPKIN_ENDPOINT", NULL);
    ex->url = strdup(u ? u : "http://localhost:9411/api/v2/spans");
    ex->timeout_ms = env_long("OTEL_EXPORTER_ZIPKIN_TIMEOUT", NULL, 10000);
  } else if (o->exporter == GF__TRACE_EXPORT_OTLP_GRPC) {
    int rc = gf__otlp_grpc_create(&ex->grpc, err);
    if (rc) return rc;
    ex->url = strdup(gf__otlp_grpc_endpoint(ex->grpc));
    ex->timeout_ms = gf__otlp_grpc_timeout_ms(ex->grpc);
  }
  if (o->exporter != GF__TRACE_EXPORT_CONSOLE && !ex->url)
    return gf_error_set(err, GF_NO_MEMORY, "tracing: out of memory");
  if (http) {
    add_header(ex, "Expect", "");
    struct curl_slist* n = ex->curl->slist_append(ex->headers, ct);
    if (n) ex->headers = n;
  }
  return build_resource(&ex->res, o);
}

static void unconfigure(exporter* ex) {
  gf__otlp_grpc_free(ex->grpc);
  free(ex->url);
  if (ex->curl) ex->curl->slist_free_all(ex->headers);
  free_resource(&ex->res);
  memset(ex, 0, sizeof *ex);
}

/* ---- sending ---- */

static size_t discard(char* p, size_t size, size_t n, void* ctx) {
  (void)p;
  (void)ctx;
  return size * n;
}

static int http_post(CURL* curl, const exporter* ex, const gf__buf* body) {
  const gf__curl_api* api = ex->curl;
  long status = 0;
  api->easy_setopt(curl, CURLOPT_URL, ex->url);
  api->easy_setopt(curl, CURLOPT_HTTPHEADER, ex->headers);
  api->easy_setopt(curl, CURLOPT_POSTFIELDS, body->p);
  api->easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body->len);
  api->easy_setopt(curl, CURLOPT_TIMEOUT_MS, ex->timeout_ms);
  api->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api->easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  CURLcode rc = api->easy_perform(curl);
  api->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_OK && status >= 200 && status < 300) return 1;
  GF_LOG(trace_log(), GF_LOG_WARNING, "trace_export_failed", GF_STR("url", ex->url),
         GF_STR("error", rc == CURLE_OK ? "HTTP error status" : api->easy_strerror(rc)),
         GF_INT("status", status));
  return 0;
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* OTLP/gRPC: once stopping, all batches share one timeout from the stop. */
static void export_grpc(gf__tracer* t, gf_span** spans, size_t n, int64_t stop_ms) {
  int64_t budget = -1;
  if (stop_ms) {
    budget = stop_ms + t->ex.timeout_ms - mono_ms();
    if (budget < 0) budget = 0;
  }
  size_t ok = gf__otlp_grpc_export(t->ex.grpc, &t->ex.res, spans, n, budget);
  atomic_fetch_add(&t->exported, ok);
  atomic_fetch_add(&t->failed, n - ok);
}

static void export_batch(gf__tracer* t, CURL* curl, gf_span** spans, size_t n, int64_t stop_ms) {
  if (t->ex.kind == GF__TRACE_EXPORT_OTLP_GRPC) {
    export_grpc(t, spans, n, stop_ms);
    return;
  }
  gf__buf b;
  gf__buf_init(&b);
  int ok = 1;
  if (t->ex.kind == GF__TRACE_EXPORT_CONSOLE) {
    for (size_t i = 0; i < n; i++) gf__trace_encode_console(&b, &t->ex.res, spans[i]);
    gf__write_all(t->ex.console_fd, b.p, b.len);
  } else {
    if (t->ex.kind == GF__TRACE_EXPORT_ZIPKIN) gf__trace_encode_zipkin(&b, &t->ex.res, spans, n);
    else gf__trace_encode_otlp(&b, &t->ex.res, spans, n);
    ok = !b.oom && curl && http_post(curl, &t->ex, &b);
  }
  gf__buf_free(&b);
  atomic_fetch_add(ok ? &t->exported : &t->failed, n);
}

/* ---- queue and thread ---- */

void gf__trace_enqueue(gf_span* s) {
  gf__tracer* t = s->tracer;
  pthread_mutex_lock(&t->mu);
  if (!t->running || t->stop || t->len >= t->ex.queue_max) {
    pthread_mutex_unlock(&t->mu);
    atomic_fetch_add(&t->dropped, 1);
    gf__span_free(s);
    return;
  }
  s->next = NULL;
  if (t->tail) t->tail->next = s;
  else t->head = s;
  t->tail = s;
  if (++t->len >= t->ex.batch_max) pthread_cond_signal(&t->cv);
  pthread_mutex_unlock(&t->mu);
}

static size_t take_locked(gf__tracer* t, gf_span** out, size_t max) {
  size_t n = 0;
  while (t->head && n < max) {
    out[n++] = t->head;
    t->head = t->head->next;
  }
  if (!t->head) t->tail = NULL;
  t->len -= n;
  return n;
}

static void wait_locked(gf__tracer* t) {
  struct timespec dl;
  clock_gettime(CLOCK_MONOTONIC, &dl);
  dl.tv_sec += t->ex.delay_ms / 1000;
  dl.tv_nsec += (long)(t->ex.delay_ms % 1000) * 1000000L;
  if (dl.tv_nsec >= 1000000000L) dl.tv_sec++, dl.tv_nsec -= 1000000000L;
  while (!t->stop && t->len < t->ex.batch_max)
    if (pthread_cond_timedwait(&t->cv, &t->mu, &dl) != 0) break;
}

static void* export_thread(void* arg) {
  gf__tracer* t = arg;
  pthread_setname_np(pthread_self(), "gf-trace-export");
  int http = t->ex.kind == GF__TRACE_EXPORT_OTLP_HTTP || t->ex.kind == GF__TRACE_EXPORT_ZIPKIN;
  CURL* curl = http && t->ex.curl ? t->ex.curl->easy_init() : NULL;
  gf_span** batch = calloc(t->ex.batch_max, sizeof *batch);
  pthread_mutex_lock(&t->mu);
  for (;;) {
    if (!t->stop) wait_locked(t);
    size_t n = batch ? take_locked(t, batch, t->ex.batch_max) : 0;
    if (n == 0 && t->stop) break;
    int64_t stop_ms = t->stop ? t->stop_ms : 0;
    pthread_mutex_unlock(&t->mu);
    if (n) export_batch(t, curl, batch, n, stop_ms);
    for (size_t i = 0; i < n; i++) gf__span_free(batch[i]);
    pthread_mutex_lock(&t->mu);
  }
  pthread_mutex_unlock(&t->mu);
  free(batch);
  if (curl) t->ex.curl->easy_cleanup(curl);
  return NULL;
}

static void init_cond(gf__tracer* t) {
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(&t->cv, &a);
  pthread_condattr_destroy(&a);
}

static void init_default(void) { init_cond(&g_default); }

static int tracer_start(gf__tracer* t, const gf__tracing_options* o, gf_error* err) {
  pthread_mutex_lock(&t->mu);
  if (t->running) {
    pthread_mutex_unlock(&t->mu);
    return gf_error_set(err, GF_ALREADY_EXISTS, "tracing already started");
  }
  int rc = configure(&t->ex, o, err);
  if (rc == GF_OK) {
    t->stop = 0;
    if (gf__thread_create(&t->thread, export_thread, t) != 0)
      rc = gf_error_set(err, GF_INTERNAL, "tracing: cannot start the export thread");
  }
  if (rc != GF_OK) unconfigure(&t->ex);
  t->running = rc == GF_OK;
  pthread_mutex_unlock(&t->mu);
  if (rc == GF_OK) {
    gf__log_set_trace_provider(gf__tracing_current_ids);
    atomic_store(&t->on, 1);
    GF_LOG(trace_log(), GF_LOG_DEBUG, "tracing_started", GF_INT("exporter", o->exporter),
           GF_STR("url", t->ex.url));
  }
  return rc;
}

static int check_options(const gf__tracing_options* o, gf_error* err) {
  if (o->exporter < 0 || o->exporter > GF__TRACE_EXPORT_ZIPKIN)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "tracing: unknown exporter %d", o->exporter);
  return GF_OK;
}

int gf__tracing_start(const gf__tracing_options* o, gf_error* err) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  if (!o || o->exporter == GF__TRACE_EXPORT_NONE) return GF_OK;
  int rc = check_options(o, err);
  if (rc) return rc;
  pthread_once(&once, init_default);
  return tracer_start(&g_default, o, err);
}

static void tracer_stop(gf__tracer* t) {
  atomic_store(&t->on, 0);
  pthread_mutex_lock(&t->mu);
  if (!t->running) {
    pthread_mutex_unlock(&t->mu);
    return;
  }
  t->stop = 1;
  t->stop_ms = mono_ms();
  if (t->stop_ms == 0) t->stop_ms = 1;
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->thread, NULL);
  pthread_mutex_lock(&t->mu);
  t->running = 0;
  unconfigure(&t->ex);
  pthread_mutex_unlock(&t->mu);
}

void gf__tracing_stop(void) { tracer_stop(&g_default); }

int gf__tracer_new(const gf__tracing_options* o, gf__tracer** out, gf_error* err) {
  *out = NULL;
  if (!o || o->exporter == GF__TRACE_EXPORT_NONE) return GF_OK;
  int rc = check_options(o, err);
  if (rc) return rc;
  gf__tracer* t = calloc(1, sizeof *t);
  if (!t) return gf_error_set(err, GF_NO_MEMORY, "tracing: out of memory");
  pthread_mutex_init(&t->mu, NULL);
  init_cond(t);
  rc = tracer_start(t, o, err);
  if (rc) {
    gf__tracer_free(t);
    return rc;
  }
  *out = t;
  return GF_OK;
}

void gf__tracer_stop(gf__tracer* t) {
  if (t) tracer_stop(t);
}

void gf__tracer_free(gf__tracer* t) {
  if (!t || t == &g_default) return;
  tracer_stop(t);
  pthread_mutex_destroy(&t->mu);
  pthread_cond_destroy(&t->cv);
  free(t);
}
