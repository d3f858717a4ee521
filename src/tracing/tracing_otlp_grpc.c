/* OTLP/gRPC trace exporter (tracing_otlp_grpc.h): environment
 * configuration, the channel and request metadata, the protobuf encoding of
 * a batch with the protoc-c structs of proto/otlp_trace.proto, the unary
 * Export call and rate-limited failure logging. Configured and freed on the
 * lifecycle thread; gf__otlp_grpc_export runs on the export thread only. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/file.h"
#include "common/utf8.h"
#include "log/log_internal.h"
#include "otlp_trace.pb-c.h"
#include "tracing/tracing_otlp_grpc.h"
#include "transport/client_raw.h"

#define EXPORT_METHOD "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
#define DEFAULT_ENDPOINT "http://localhost:4317"
#define SYSTEM_ROOTS "/etc/ssl/certs/ca-certificates.crt"
#define PEM_MAX (4u << 20)          /* largest certificate / key file read */
#define RESPONSE_MAX (64u << 10)    /* ExportTraceServiceResponse is tiny */
#define MAX_MD 32
#define FAIL_LOG_INTERVAL_NS 10000000000LL

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest PbRequest;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse PbResponse;
typedef Opentelemetry__Proto__Collector__Trace__V1__ResourceSpans PbResourceSpans;
typedef Opentelemetry__Proto__Collector__Trace__V1__ScopeSpans PbScopeSpans;
typedef Opentelemetry__Proto__Collector__Trace__V1__InstrumentationScope PbScope;
typedef Opentelemetry__Proto__Collector__Trace__V1__Resource PbResource;
typedef Opentelemetry__Proto__Collector__Trace__V1__Span PbSpan;
typedef Opentelemetry__Proto__Collector__Trace__V1__Status PbStatus;
typedef Opentelemetry__Proto__Collector__Trace__V1__KeyValue PbKeyValue;
typedef Opentelemetry__Proto__Collector__Trace__V1__AnyValue PbAnyValue;
#define PB_V(x) OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__ANY_VALUE__VALUE_##x##_VALUE

struct gf__otlp_grpc {
  char* endpoint;  /* "http://host:port" for log lines */
  char* target;    /* "host:port" */
  int tls;
  long timeout_ms;
  gf__cheader md[MAX_MD];
  size_t n_md;
  gf__cchannel* ch;
  int64_t last_log_ns;   /* export thread: last trace_export_failed line */
  uint64_t unlogged;     /* failures since that line */
  uint64_t failing;      /* consecutive failed exports */
};

static gf_logger* trace_log(void) { return gf_logger_get("gooddata_flight_server.tracing"); }

static const char* env_pick(const char* traces_var, const char* var, const char** used) {
  const char* v = getenv(traces_var);
  *used = traces_var;
  if (v && *v) return v;
  *used = var;
  v = getenv(var);
  return v && *v ? v : NULL;
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- configuration ---- */

/* "host[:port]" of the endpoint text after the scheme, up to a path. */
static int parse_authority(gf__otlp_grpc* g, const char* var, const char* v, const char* p,
                           gf_error* err) {
  size_t n = strcspn(p, "/?#");
  if (n == 0 || n > 255)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: no usable host:port in '%s'", var, v);
  const char* close = p[0] == '[' ? memchr(p, ']', n) : NULL;
  if (p[0] == '[' && !close)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: unclosed '[' in '%s'", var, v);
  const char* host_end = close ? close + 1 : p + strcspn(p, ":/?#");
  if (host_end == p || (close && close == p + 1))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: no host in '%s'", var, v);
  if (host_end < p + n) {
    const char* port = host_end + 1;
    size_t pl = (size_t)(p + n - port);
    long num = 0;
    for (size_t i = 0; i < pl && num <= 65535; i++)
      num = isdigit((unsigned char)port[i]) ? num * 10 + (port[i] - '0') : 70000;
    if (*host_end != ':' || pl == 0 || num < 1 || num > 65535)
      return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: bad port in '%s'", var, v);
    g->target = strndup(p, n);
  } else if (asprintf(&g->target, "%.*s:4317", (int)n, p) < 0) {
    g->target = NULL;
  }
  if (!g->target || asprintf(&g->endpoint, "%s://%s", g->tls ? "https" : "http", g->target) < 0) {
    g->endpoint = NULL;
    return gf_error_set(err, GF_NO_MEMORY, "tracing: out of memory");
  }
  return GF_OK;
}

static int parse_endpoint(gf__otlp_grpc* g, gf_error* err) {
  const char* var;
  const char* v = env_pick("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT", &var);
  if (!v) v = DEFAULT_ENDPOINT, var = "OTEL_EXPORTER_OTLP_ENDPOINT";
  const char* p = v;
  if (strncasecmp(p, "https://", 8) == 0) g->tls = 1, p += 8;
  else if (strncasecmp(p, "http://", 7) == 0) p += 7;
  else if (strstr(p, "://"))
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "%s: unsupported scheme in '%s' (use http:// or https://)", var, v);
  return parse_authority(g, var, v, p, err);
}

static long parse_timeout(void) {
  const char* var;
  const char* v = env_pick("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", &var);
  if (!v) return 10000;
  char* end;
  long x = strtol(v, &end, 10);
  if (*end == '\0' && x > 0) return x;
  GF_LOG(trace_log(), GF_LOG_WARNING, "otlp_setting_ignored", GF_STR("setting", var),
         GF_STR("value", v), GF_INT("used", 10000));
  return 10000;
}

/* gRPC metadata: lower-case token keys, printable values (any bytes for
 * "-bin" keys); reserved keys are left out. */
static int md_key_ok(const char* k) {
  if (strncmp(k, "grpc-", 5) == 0 || strcmp(k, "te") == 0 || strcmp(k, "content-type") == 0 ||
      strcmp(k, "host") == 0)
    return 0;
  for (const char* p = k; *p; p++)
    if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr("-_.", *p))) return 0;
  return 1;
}

static int md_value_ok(const char* k, const char* v) {
  size_t kl = strlen(k);
  if (kl > 4 && strcmp(k + kl - 4, "-bin") == 0) return 1;
  for (const char* p = v; *p; p++)
    if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) return 0;
  return 1;
}

static void add_md(void* ctx, const char* key, const char* value) {
  gf__otlp_grpc* g = ctx;
  char* k = strdup(key);
  char* v = strdup(value);
  for (char* p = k; p && *p; p++) *p = (char)tolower((unsigned char)*p);
  if (!k || !v || g->n_md >= MAX_MD || !md_key_ok(k) || !md_value_ok(k, v)) {
    if (k && v)
      GF_LOG(trace_log(), GF_LOG_WARNING, "otlp_header_ignored", GF_STR("header", k),
             GF_STR("reason", g->n_md >= MAX_MD ? "too many headers" : "not a valid gRPC metadata entry"));
    free(k);
    free(v);
    return;
  }
  g->md[g->n_md].key = k;
  g->md[g->n_md].value = (gf_bytes){(const uint8_t*)v, strlen(v)};
  g->n_md++;
}

/* Reads a whole PEM file (at most PEM_MAX bytes) into a NUL-terminated string. */
static int read_pem(const char* var, const char* path, char** out, gf_error* err) {
  size_t n = 0;
  int e = 0;
  int rc = gf__read_file(path, PEM_MAX, out, &n, &e);
  if (rc == GF_NO_MEMORY) return gf_error_set(err, GF_NO_MEMORY, "%s: out of memory", var);
  if (rc != GF_OK && e != EFBIG && e != EISDIR)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: cannot open '%s'", var, path);
  if (rc == GF_OK && n > 0) return GF_OK;
  if (rc == GF_OK) free(*out), *out = NULL;
  return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: '%s' is %s", var, path,
                      e == EFBIG ? "larger than 4 MiB" : e ? "unreadable" : "empty");
}

static int read_env_pem(const char* traces_var, const char* var, char** out, gf_error* err) {
  const char* used;
  const char* path = env_pick(traces_var, var, &used);
  *out = NULL;
  return path ? read_pem(used, path, out, err) : GF_OK;
}

static int open_channel(gf__otlp_grpc* g, gf_error* err) {
  char *roots = NULL, *cert = NULL, *key = NULL;
  int rc = GF_OK;
  if (g->tls) {
    rc = read_env_pem("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE",
                      &roots, err);
    if (!rc && !roots && access(SYSTEM_ROOTS, R_OK) == 0)
      rc = read_pem("system roots", SYSTEM_ROOTS, &roots, err);
    if (!rc)
      rc = read_env_pem("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
                        "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &cert, err);
    if (!rc)
      rc = read_env_pem("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY",
                        &key, err);
  }
  gf__cchannel_options o = {.target = g->target, .tls = g->tls, .root_certs = roots,
                            .cert_chain = cert, .private_key = key,
                            .max_receive_bytes = RESPONSE_MAX};
  if (!rc) rc = gf__cchannel_create(&o, &g->ch, err);
  if (rc) gf_error_prefix(err, "OTLP/gRPC exporter (%s)", g->endpoint);
  free(roots);
  free(cert);
  free(key);
  return rc;
}

int gf__otlp_grpc_create(gf__otlp_grpc** out, gf_error* err) {
  *out = NULL;
  gf__otlp_grpc* g = calloc(1, sizeof *g);
  if (!g) return gf_error_set(err, GF_NO_MEMORY, "tracing: out of memory");
  const char* used;
  const char* headers = env_pick("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS", &used);
  int rc = parse_endpoint(g, err);
  if (!rc) {
    g->timeout_ms = parse_timeout();
    gf__trace_each_pair(headers, add_md, g);
    rc = open_channel(g, err);
  }
  if (rc) {
    gf__otlp_grpc_free(g);
    return rc;
  }
  *out = g;
  return GF_OK;
}

void gf__otlp_grpc_free(gf__otlp_grpc* g) {
  if (!g) return;
  gf__cchannel_free(g->ch);
  for (size_t i = 0; i < g->n_md; i++) {
    free((char*)g->md[i].key);
    free((void*)g->md[i].value.data);
  }
  free(g->target);
  free(g->endpoint);
  free(g);
}

const char* gf__otlp_grpc_endpoint(const gf__otlp_grpc* g) { return g->endpoint; }
long gf__otlp_grpc_timeout_ms(const gf__otlp_grpc* g) { return g->timeout_ms; }

/* ---- encoding ---- */

typedef struct pb_arena {
  char** owned;  /* repaired strings */
  size_t n_owned, cap_owned;
} pb_arena;

/* s itself when valid UTF-8, else a copy with U+FFFD for each bad byte. */
static char* text(pb_arena* a, const char* s) {
  const char* p = s ? s : "";
  size_t n = strlen(p);
  if (gf__utf8_valid((const uint8_t*)p, n, NULL)) return (char*)p;
  char* out = a->n_owned < a->cap_owned ? gf__utf8_repair(p, n, NULL) : NULL;
  if (!out) return (char*)"";
  a->owned[a->n_owned++] = out;
  return out;
}

static void set_value(pb_arena* a, PbAnyValue* v, const gf__span_attr* at) {
  opentelemetry__proto__collector__trace__v1__any_value__init(v);
  switch (at->type) {
    case GF_KV_INT: v->value_case = PB_V(INT), v->int_value = at->v.i; break;
    case GF_KV_DOUBLE: v->value_case = PB_V(DOUBLE), v->double_value = at->v.d; break;
    case GF_KV_BOOL: v->value_case = PB_V(BOOL), v->bool_value = at->v.b != 0; break;
    default:
      v->value_case = PB_V(STRING);
      v->string_value = text(a, at->type == GF_KV_STR ? at->v.s : "");
      break;
  }
}

/* Fills kv/val/ptr slots from attrs (skipping deleted ones); returns the count. */
static size_t set_attrs(pb_arena* a, const gf__span_attr* attrs, size_t n, PbKeyValue* kv,
                        PbAnyValue* val, PbKeyValue** ptr) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (attrs[i].type == GF_KV_END) continue;
    opentelemetry__proto__collector__trace__v1__key_value__init(&kv[k]);
    kv[k].key = text(a, attrs[i].key);
    set_value(a, &val[k], &attrs[i]);
    kv[k].value = &val[k];
    ptr[k] = &kv[k];
    k++;
  }
  return k;
}

static void set_span(pb_arena* a, PbSpan* p, PbStatus* st, gf_span* s) {
  opentelemetry__proto__collector__trace__v1__span__init(p);
  opentelemetry__proto__collector__trace__v1__status__init(st);
  p->trace_id = (ProtobufCBinaryData){sizeof s->trace_id, s->trace_id};
  p->span_id = (ProtobufCBinaryData){sizeof s->span_id, s->span_id};
  if (s->has_parent) p->parent_span_id = (ProtobufCBinaryData){sizeof s->parent_id, s->parent_id};
  if (s->trace_state) p->trace_state = text(a, s->trace_state);
  p->name = text(a, s->name);
  p->kind = (Opentelemetry__Proto__Collector__Trace__V1__Span__SpanKind)(s->kind + 1);
  p->start_time_unix_nano = (uint64_t)s->start_ns;
  p->end_time_unix_nano = (uint64_t)s->end_ns;
  st->code = (Opentelemetry__Proto__Collector__Trace__V1__Status__StatusCode)s->status;
  if (s->status_msg) st->message = text(a, s->status_msg);
  p->status = st;
}

typedef struct pb_batch {
  PbKeyValue* kv;
  PbAnyValue* val;
  PbKeyValue** kvp;
  PbSpan* span;
  PbStatus* status;
  PbSpan** spanp;
} pb_batch;

static int batch_alloc(pb_batch* b, pb_arena* a, size_t n_kv, size_t n) {
  b->kv = calloc(n_kv, sizeof *b->kv);
  b->val = calloc(n_kv, sizeof *b->val);
  b->kvp = calloc(n_kv, sizeof *b->kvp);
  b->span = calloc(n ? n : 1, sizeof *b->span);
  b->status = calloc(n ? n : 1, sizeof *b->status);
  b->spanp = calloc(n ? n : 1, sizeof *b->spanp);
  a->cap_owned = 2 * n_kv + 3 * n;
  a->owned = calloc(a->cap_owned ? a->cap_owned : 1, sizeof *a->owned);
  return b->kv && b->val && b->kvp && b->span && b->status && b->spanp && a->owned ? GF_OK : GF_NO_MEMORY;
}

static void batch_free(pb_batch* b, pb_arena* a) {
  for (size_t i = 0; i < a->n_owned; i++) free(a->owned[i]);
  free(a->owned);
  free(b->kv);
  free(b->val);
  free(b->kvp);
  free(b->span);
  free(b->status);
  free(b->spanp);
}

static int pack_request(PbResourceSpans* rs, uint8_t** out, size_t* len) {
  PbRequest req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
  PbResourceSpans* rsp = rs;
  req.n_resource_spans = 1;
  req.resource_spans = &rsp;
  *len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(&req);
  *out = malloc(*len ? *len : 1);
  if (!*out) return GF_NO_MEMORY;
  opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, *out);
  return GF_OK;
}

int gf__trace_encode_otlp_pb(const gf__trace_resource* r, gf_span* const* spans, size_t n,
                             uint8_t** out, size_t* len) {
  *out = NULL;
  *len = 0;
  size_t n_kv = r->n + 1;
  for (size_t i = 0; i < n; i++) n_kv += spans[i]->n_attrs;
  pb_batch b = {0};
  pb_arena a = {0};
  int rc = batch_alloc(&b, &a, n_kv, n);
  if (rc == GF_OK) {
    PbResource res = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__RESOURCE__INIT;
    PbScope scope = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__INSTRUMENTATION_SCOPE__INIT;
    PbScopeSpans ss = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__SCOPE_SPANS__INIT;
    PbResourceSpans rs = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__RESOURCE_SPANS__INIT;
    PbScopeSpans* ssp = &ss;
    size_t k = set_attrs(&a, r->attrs, r->n, b.kv, b.val, b.kvp);
    res.n_attributes = k;
    res.attributes = b.kvp;
    for (size_t i = 0; i < n; i++) {
      PbSpan* p = &b.span[i];
      set_span(&a, p, &b.status[i], spans[i]);
      p->attributes = b.kvp + k;
      p->n_attributes = set_attrs(&a, spans[i]->attrs, spans[i]->n_attrs, b.kv + k, b.val + k, b.kvp + k);
      k += p->n_attributes;
      b.spanp[i] = p;
    }
    scope.name = (char*)"gooddata_flight_server";
    scope.version = (char*)GF_VERSION_STRING;
    ss.scope = &scope;
    ss.n_spans = n;
    ss.spans = b.spanp;
    rs.resource = &res;
    rs.n_scope_spans = 1;
    rs.scope_spans = &ssp;
    rc = pack_request(&rs, out, len);
  }
  batch_free(&b, &a);
  return rc;
}

/* ---- export ---- */

static void report_failure(gf__otlp_grpc* g, int grpc_code, const char* error, size_t n) {
  int64_t now = mono_ns();
  g->failing++;
  if (g->last_log_ns && now - g->last_log_ns < FAIL_LOG_INTERVAL_NS) {
    g->unlogged++;
    return;
  }
  GF_LOG(trace_log(), GF_LOG_WARNING, "trace_export_failed", GF_STR("url", g->endpoint),
         GF_STR("error", error && *error ? error : "export failed"), GF_INT("grpc_code", grpc_code),
         GF_INT("spans", n), GF_INT("failures_not_logged", g->unlogged));
  g->last_log_ns = now;
  g->unlogged = 0;
}

/* Spans accepted per the response's partial_success (logged when some were rejected). */
static size_t accepted(gf__otlp_grpc* g, const gf__craw_result* res, size_t n) {
  PbResponse* r = opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
      NULL, res->resp_len, res->resp);
  if (!r) return n; /* the call succeeded; an unreadable answer rejects nothing */
  size_t ok = n;
  if (r->partial_success && (r->partial_success->rejected_spans > 0 || *r->partial_success->error_message)) {
    int64_t rej = r->partial_success->rejected_spans;
    ok = rej <= 0 ? n : (uint64_t)rej >= n ? 0 : n - (size_t)rej;
    GF_LOG(trace_log(), GF_LOG_WARNING, "trace_export_partial", GF_STR("url", g->endpoint),
           GF_INT("rejected_spans", rej), GF_STR("error", r->partial_success->error_message));
  }
  opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(r, NULL);
  return ok;
}

size_t gf__otlp_grpc_export(gf__otlp_grpc* g, const gf__trace_resource* r, gf_span* const* spans,
                            size_t n, int64_t budget_ms) {
  int64_t deadline = g->timeout_ms;
  if (budget_ms >= 0 && budget_ms < deadline) deadline = budget_ms;
  if (deadline <= 0) {
    report_failure(g, -1, "shutdown flush time (OTEL_EXPORTER_OTLP_TIMEOUT) used up", n);
    return 0;
  }
  uint8_t* req = NULL;
  size_t len = 0;
  if (gf__trace_encode_otlp_pb(r, spans, n, &req, &len) != GF_OK) {
    report_failure(g, -1, "out of memory", n);
    return 0;
  }
  gf__craw_result res;
  gf_error e = {0};
  int rc = gf__craw_unary(g->ch, EXPORT_METHOD, g->md, g->n_md, req, len, deadline, RESPONSE_MAX,
                          &res, &e);
  free(req);
  if (rc != GF_OK) {
    report_failure(g, res.grpc_code, e.message, n);
    return 0;
  }
  size_t ok = accepted(g, &res, n);
  gf__craw_result_clear(&res);
  if (g->failing)
    GF_LOG(trace_log(), GF_LOG_INFO, "trace_export_recovered", GF_STR("url", g->endpoint),
           GF_INT("failed_exports", g->failing));
  g->failing = 0;
  g->last_log_ns = 0;
  g->unlogged = 0;
  return ok;
}
