/* Tests for tracing: W3C traceparent parsing/formatting, span parent/child
 * links, trace ids in log lines, and real exports (OTLP/HTTP JSON, Zipkin
 * v2, console) received by a tiny HTTP receiver thread on 127.0.0.1. */
#include <pthread.h>

#include "common/json.h"
#include "support/ops_util.h"
#include "log/log_internal.h"
#include "tracing/tracing_internal.h"
#include "test.h"

/* ---- a one-shot-per-connection HTTP receiver ---- */
typedef struct receiver {
  int listen_fd, port;
  pthread_t thread;
  pthread_mutex_t mu;
  char* bodies[16];
  char heads[16][2048];
  int n;
} receiver;

static void* recv_loop(void* p) {
  receiver* r = p;
  for (;;) {
    int fd = accept(r->listen_fd, NULL, NULL);
    if (fd < 0) return NULL;
    size_t cap = 1 << 20, len = 0;
    char* buf = malloc(cap + 1);
    char* body = NULL;
    long clen = -1;
    while (len < cap) {
      ssize_t got = read(fd, buf + len, cap - len);
      if (got <= 0) break;
      len += (size_t)got;
      buf[len] = '\0';
      char* sep = strstr(buf, "\r\n\r\n");
      if (sep && clen < 0) {
        char* cl = strcasestr(buf, "\r\nContent-Length:");
        clen = cl && cl < sep ? strtol(cl + 17, NULL, 10) : 0;
        body = sep + 4;
      }
      if (body && (long)(len - (size_t)(body - buf)) >= clen) break;
    }
    pthread_mutex_lock(&r->mu);
    if (body && r->n < 16) {
      snprintf(r->heads[r->n], sizeof r->heads[0], "%.*s", (int)(body - buf), buf);
      r->bodies[r->n++] = strndup(body, (size_t)clen);
    }
    pthread_mutex_unlock(&r->mu);
    const char* ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    if (write(fd, ok, strlen(ok)) < 0) {}
    close(fd);
    free(buf);
  }
}

static void receiver_start(receiver* r) {
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
  r->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(r->listen_fd, (struct sockaddr*)&sa, sizeof sa);
  listen(r->listen_fd, 8);
  socklen_t sl = sizeof sa;
  getsockname(r->listen_fd, (struct sockaddr*)&sa, &sl);
  r->port = ntohs(sa.sin_port);
  pthread_create(&r->thread, NULL, recv_loop, r);
}

/* Stops accepting and joins: afterwards the results are safe to read. */
static void receiver_join(receiver* r) {
  shutdown(r->listen_fd, SHUT_RDWR);
  close(r->listen_fd);
  pthread_join(r->thread, NULL);
}

static void receiver_free(receiver* r) {
  for (int i = 0; i < r->n; i++) free(r->bodies[i]);
  pthread_mutex_destroy(&r->mu);
}

static const char* jstr(const json_t* o, const char* key) {
  return json_string_value(json_object_get(o, key));
}

/* Index of the span named `name` in a JSON array, or -1. */
static int find_span(const json_t* arr, const char* name) {
  for (size_t i = 0; i < json_array_size(arr); i++)
    if (jstr(json_array_get(arr, i), "name") && strcmp(jstr(json_array_get(arr, i), "name"), name) == 0) return (int)i;
  return -1;
}

static const char* k_tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

TEST(traceparent_parse) {
  uint8_t t[16], s[8], f = 0;
  CHECK(gf__traceparent_parse(k_tp, strlen(k_tp), t, s, &f));
  CHECK_EQ_INT(t[0], 0x0a);
  CHECK_EQ_INT(s[7], 0x31);
  CHECK_EQ_INT(f, 1);
  const char* bad[] = {"", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
                       "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                       "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
                       "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                       "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                       "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
                       "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_MSG(!gf__traceparent_parse(bad[i], strlen(bad[i]), t, s, &f), "accepted %s", bad[i]);
  const char* future = "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-ever";
  CHECK(gf__traceparent_parse(future, strlen(future), t, s, &f));
}

TEST(disabled_is_noop) {
  CHECK(!gf_tracing_enabled());
  CHECK(gf_span_start("x", GF_SPAN_INTERNAL) == NULL);
  CHECK(gf__tracing_rpc_start(5, k_tp, strlen(k_tp)) == NULL);
  gf_span_set_str(NULL, "k", "v");
  gf_span_end(NULL);
  char tp[56];
  CHECK_EQ_INT(gf_span_traceparent(NULL, tp), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf__tracing_start(&(gf__tracing_options){.exporter = 99}, NULL), GF_INVALID_ARGUMENT);
}

TEST(otlp_http_export_links_and_logs) {
  receiver rc;
  receiver_start(&rc);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", rc.port);
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url, 1);
  setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=secret%20one, x-tenant = t1", 1);
  char path[64];
  int fd = capture_open(path);
  gf__log_configure(&(gf__log_options){.fd = fd, .span_id_key = "sid"}, NULL);
  gf_error err = {0};
  CHECK_EQ_INT(gf__tracing_start(&(gf__tracing_options){.exporter = GF__TRACE_EXPORT_OTLP_HTTP,
                                                        .service_name = "svc", .delay_ms = 50},
                                 &err), GF_OK);
  CHECK(gf_tracing_enabled());
  gf_span* rpc = gf__tracing_rpc_start(5, k_tp, strlen(k_tp));
  CHECK(rpc != NULL);
  gf_span* prev = gf_span_enter(rpc);
  CHECK(prev == NULL);
  gf_span* child = gf_span_start("task_run", GF_SPAN_INTERNAL);
  gf_span_set_int(child, "rows", 42);
  gf_span_set_bool(child, "cached", 1);
  gf_span_set_double(child, "ratio", 0.5);
  GF_LOG(gf_logger_get("t"), GF_LOG_INFO, "inside_span");
  gf_span_end(child);
  gf_span_exit(prev);
  GF_LOG(gf_logger_get("t"), GF_LOG_INFO, "outside_span");
  char tp[56];
  CHECK_EQ_INT(gf_span_traceparent(rpc, tp), GF_OK);
  CHECK(strncmp(tp, "00-0af7651916cd43dd8448eb211c80319c-", 36) == 0);
  gf__tracing_rpc_end(rpc, 5, "not there");
  gf__tracing_stop();
  receiver_join(&rc);
  CHECK(!gf_tracing_enabled());
  gf__log_configure(NULL, NULL);
  unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
  unsetenv("OTEL_EXPORTER_OTLP_HEADERS");
  char* logs = read_all(path, NULL);
  close(fd);
  unlink(path);
  CHECK_EQ_INT(rc.n >= 1, 1);
  CHECK(strstr(rc.heads[0], "POST /v1/traces ") != NULL);
  CHECK(strcasestr(rc.heads[0], "x-api-key: secret one\r\n") != NULL);
  CHECK(strcasestr(rc.heads[0], "x-tenant: t1\r\n") != NULL);
  CHECK(strcasestr(rc.heads[0], "Content-Type: application/json") != NULL);
  /* all spans of every request */
  json_t* docs[16] = {0};
  const json_t* spans = NULL;
  for (int i = 0; i < rc.n; i++) {
    CHECK((docs[i] = gf__json_load(rc.bodies[i], strlen(rc.bodies[i]), NULL)) != NULL);
  }
  int found = 0;
  const json_t *rs = NULL, *srv = NULL, *task = NULL;
  for (int i = 0; i < rc.n; i++) {
    rs = json_array_get(json_object_get(docs[i], "resourceSpans"), 0);
    spans = json_object_get(json_array_get(json_object_get(rs, "scopeSpans"), 0), "spans");
    int a = find_span(spans, "DO_GET"), b = find_span(spans, "task_run");
    if (a >= 0) srv = json_array_get(spans, (size_t)a), found++;
    if (b >= 0) task = json_array_get(spans, (size_t)b), found++;
  }
  CHECK_EQ_INT(found, 2);
  CHECK_EQ_STR(jstr(srv, "traceId"), "0af7651916cd43dd8448eb211c80319c");
  CHECK_EQ_STR(jstr(task, "traceId"), "0af7651916cd43dd8448eb211c80319c");
  CHECK_EQ_STR(jstr(srv, "parentSpanId"), "b7ad6b7169203331");
  CHECK_EQ_STR(jstr(task, "parentSpanId"), jstr(srv, "spanId"));
  CHECK_EQ_INT(json_integer_value(json_object_get(srv, "kind")), 2);
  CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(srv, "status"), "code")), 2);
  CHECK_EQ_STR(jstr(json_object_get(srv, "status"), "message"), "not there");
  CHECK(strstr(rc.bodies[0], "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}}") != NULL);
  int have_rows = 0;
  for (int i = 0; i < rc.n; i++)
    have_rows |= strstr(rc.bodies[i], "{\"key\":\"rows\",\"value\":{\"intValue\":\"42\"}}") != NULL;
  CHECK(have_rows);
  /* log correlation: the line logged inside the span carries its ids */
  char want[128];
  snprintf(want, sizeof want, "\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"sid\":\"%s\"",
           jstr(srv, "spanId"));
  const char* in = strstr(logs, "inside_span");
  const char* out = strstr(logs, "outside_span");
  CHECK(in && out);
  CHECK_MSG(strstr(in, want) && strstr(in, want) < out, "%s", logs);
  CHECK(strstr(out, "trace_id") == NULL);
  for (int i = 0; i < rc.n; i++) json_decref(docs[i]);
  free(logs);
  receiver_free(&rc);
  CHECK_EQ_INT(gf__tracing_export_failures(), 0);
}

TEST(zipkin_export) {
  receiver rc;
  receiver_start(&rc);
  char url[96];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v2/spans", rc.port);
  setenv("OTEL_EXPORTER_ZIPKIN_ENDPOINT", url, 1);
  CHECK_EQ_INT(gf__tracing_start(&(gf__tracing_options){.exporter = GF__TRACE_EXPORT_ZIPKIN,
                                                        .service_name = "zsvc"}, NULL), GF_OK);
  gf_span* root = gf_span_start("root", GF_SPAN_SERVER);
  gf_span* kid = gf_span_start_child("kid", GF_SPAN_CLIENT, root);
  gf_span_set_str(kid, "k", "v\"q");
  gf_span_end(kid);
  gf_span_set_ok(root);
  gf_span_end(root);
  gf__tracing_stop();  /* flushes */
  receiver_join(&rc);
  unsetenv("OTEL_EXPORTER_ZIPKIN_ENDPOINT");
  CHECK_EQ_INT(rc.n, 1);
  CHECK(strstr(rc.heads[0], "POST /api/v2/spans ") != NULL);
  json_t* doc = gf__json_load(rc.bodies[0], strlen(rc.bodies[0]), NULL);
  CHECK(json_is_array(doc));
  int r = find_span(doc, "root"), k = find_span(doc, "kid");
  CHECK(r >= 0 && k >= 0);
  const json_t *rj = json_array_get(doc, (size_t)r), *kj = json_array_get(doc, (size_t)k);
  CHECK_EQ_STR(jstr(kj, "parentId"), jstr(rj, "id"));
  CHECK_EQ_STR(jstr(kj, "traceId"), jstr(rj, "traceId"));
  CHECK(json_object_get(rj, "parentId") == NULL);
  CHECK_EQ_STR(jstr(kj, "kind"), "CLIENT");
  CHECK_EQ_STR(jstr(json_object_get(kj, "tags"), "k"), "v\"q");
  CHECK_EQ_STR(jstr(json_object_get(rj, "localEndpoint"), "serviceName"), "zsvc");
  CHECK_EQ_STR(jstr(json_object_get(rj, "tags"), "otel.status_code"), "OK");
  json_decref(doc);
  receiver_free(&rc);
}

TEST(console_export_and_bounded_queue) {
  char path[64];
  int fd = capture_open(path);
  uint64_t d0 = gf__tracing_dropped(), e0 = gf__tracing_exported();
  CHECK_EQ_INT(gf__tracing_start(&(gf__tracing_options){.exporter = GF__TRACE_EXPORT_CONSOLE,
                                                        .console_fd = fd, .queue_max = 4,
                                                        .batch_max = 4, .delay_ms = 1000}, NULL),
               GF_OK);
  CHECK_EQ_INT(gf__tracing_start(&(gf__tracing_options){.exporter = GF__TRACE_EXPORT_CONSOLE}, NULL),
               GF_ALREADY_EXISTS);
  for (int i = 0; i < 200; i++) gf_span_end(gf_span_start("burst", GF_SPAN_INTERNAL));
  gf__tracing_stop();
  uint64_t dropped = gf__tracing_dropped() - d0, exported = gf__tracing_exported() - e0;
  CHECK_EQ_INT(dropped + exported, 200);
  CHECK(exported >= 4);
  size_t len = 0;
  char* text = read_all(path, &len);
  close(fd);
  unlink(path);
  size_t lines = 0;
  for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
  CHECK_EQ_INT(lines, exported);
  json_t* v = gf__json_load(text, strcspn(text, "\n"), NULL);
  CHECK_EQ_STR(jstr(json_object_get(v, "span"), "name"), "burst");
  json_decref(v);
  free(text);
}

int main(void) {
  RUN(traceparent_parse);
  RUN(disabled_is_noop);
  RUN(otlp_http_export_links_and_logs);
  RUN(zipkin_export);
  RUN(console_export_and_bounded_queue);
  TEST_MAIN_END();
}
