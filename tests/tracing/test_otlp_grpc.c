/* OTLP/gRPC exporter units: the protobuf encoding of a span batch decoded
 * back with protoc-c (ids, parent, kind, times, status, every attribute
 * type, deleted attributes, resource and scope, invalid UTF-8 repaired),
 * and the endpoint / timeout / certificate settings read from the
 * environment (normalised endpoint, errors naming the variable). The
 * end-to-end export is tests/node/ops_otlp_grpc.test.mjs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_trace.pb-c.h"
#include "tracing/tracing_otlp_grpc.h"
#include "test.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest PbRequest;
typedef Opentelemetry__Proto__Collector__Trace__V1__Span PbSpan;
typedef Opentelemetry__Proto__Collector__Trace__V1__KeyValue PbKeyValue;

static gf__span_attr str_attr(const char* k, const char* v) {
  gf__span_attr a = {.key = (char*)k, .type = GF_KV_STR};
  a.v.s = (char*)v;
  return a;
}

static const PbKeyValue* find_kv(PbKeyValue** kv, size_t n, const char* key) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(kv[i]->key, key) == 0) return kv[i];
  return NULL;
}

static void fill_span(gf_span* s, uint8_t seed, int kind) {
  memset(s, 0, sizeof *s);
  for (int i = 0; i < 16; i++) s->trace_id[i] = (uint8_t)(seed + i);
  for (int i = 0; i < 8; i++) s->span_id[i] = (uint8_t)(seed + 100 + i);
  s->kind = kind;
  s->start_ns = 1700000000000000000LL + seed;
  s->end_ns = s->start_ns + 1234;
}

/* Encodes and decodes back; NULL when either step failed. */
static PbRequest* encode(const gf__trace_resource* r, gf_span* const* spans, size_t n) {
  uint8_t* buf = NULL;
  size_t len = 0;
  if (gf__trace_encode_otlp_pb(r, spans, n, &buf, &len) != GF_OK) return NULL;
  PbRequest* req =
      opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, len, buf);
  free(buf);
  return req;
}

TEST(encode_batch_round_trip) {
  gf__span_attr res_attrs[] = {str_attr("service.name", "svc"),
                               {.key = "process.pid", .type = GF_KV_INT, .v.i = 4242}};
  gf__trace_resource res = {.attrs = res_attrs, .n = 2, .service_name = "svc"};
  gf__span_attr a1[] = {str_attr("rpc.method", "DO_GET"),
                        {.key = "gone", .type = GF_KV_END},
                        {.key = "n", .type = GF_KV_INT, .v.i = -7},
                        {.key = "d", .type = GF_KV_DOUBLE, .v.d = 2.5},
                        {.key = "b", .type = GF_KV_BOOL, .v.b = 1},
                        str_attr("bad", "a\xff" "b\xc3")};
  gf_span server, child;
  fill_span(&server, 1, GF_SPAN_SERVER);
  server.name = "DO_GET";
  server.attrs = a1;
  server.n_attrs = sizeof a1 / sizeof a1[0];
  server.status = 2;
  server.status_msg = "boom";
  server.trace_state = "k=v";
  fill_span(&child, 2, GF_SPAN_INTERNAL);
  child.name = "task_run";
  child.has_parent = 1;
  memcpy(child.parent_id, server.span_id, 8);
  child.status = 1;
  gf_span* spans[] = {&server, &child};
  PbRequest* req = encode(&res, spans, 2);
  CHECK(req != NULL);
  CHECK_EQ_INT(req->n_resource_spans, 1);
  const Opentelemetry__Proto__Collector__Trace__V1__ResourceSpans* rs = req->resource_spans[0];
  CHECK_EQ_INT(rs->resource->n_attributes, 2);
  CHECK_EQ_STR(find_kv(rs->resource->attributes, 2, "service.name")->value->string_value, "svc");
  CHECK_EQ_INT(find_kv(rs->resource->attributes, 2, "process.pid")->value->int_value, 4242);
  CHECK_EQ_INT(rs->n_scope_spans, 1);
  CHECK_EQ_STR(rs->scope_spans[0]->scope->name, "gooddata_flight_server");
  CHECK_EQ_STR(rs->scope_spans[0]->scope->version, GF_VERSION_STRING);
  CHECK_EQ_INT(rs->scope_spans[0]->n_spans, 2);
  const PbSpan* s = rs->scope_spans[0]->spans[0];
  CHECK_EQ_STR(s->name, "DO_GET");
  CHECK_EQ_INT(s->kind, 2);
  CHECK(s->trace_id.len == 16 && memcmp(s->trace_id.data, server.trace_id, 16) == 0);
  CHECK(s->span_id.len == 8 && memcmp(s->span_id.data, server.span_id, 8) == 0);
  CHECK_EQ_INT(s->parent_span_id.len, 0);
  CHECK_EQ_STR(s->trace_state, "k=v");
  CHECK(s->start_time_unix_nano == (uint64_t)server.start_ns);
  CHECK(s->end_time_unix_nano == (uint64_t)server.end_ns);
  CHECK_EQ_INT(s->status->code, 2);
  CHECK_EQ_STR(s->status->message, "boom");
  CHECK_EQ_INT(s->n_attributes, 5); /* the deleted one is left out */
  CHECK(find_kv(s->attributes, s->n_attributes, "gone") == NULL);
  CHECK_EQ_STR(find_kv(s->attributes, s->n_attributes, "rpc.method")->value->string_value, "DO_GET");
  CHECK_EQ_INT(find_kv(s->attributes, s->n_attributes, "n")->value->int_value, -7);
  CHECK(find_kv(s->attributes, s->n_attributes, "d")->value->double_value == 2.5);
  CHECK(find_kv(s->attributes, s->n_attributes, "b")->value->bool_value);
  CHECK_EQ_STR(find_kv(s->attributes, s->n_attributes, "bad")->value->string_value,
               "a\xef\xbf\xbd" "b\xef\xbf\xbd");
  const PbSpan* c = rs->scope_spans[0]->spans[1];
  CHECK_EQ_INT(c->kind, 1);
  CHECK(c->parent_span_id.len == 8 && memcmp(c->parent_span_id.data, server.span_id, 8) == 0);
  CHECK_EQ_INT(c->status->code, 1);
  CHECK_EQ_INT(c->n_attributes, 0);
  opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
}

static void clear_env(void) {
  const char* vars[] = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
                        "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_HEADERS"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);
}

/* Endpoint as the exporter normalises it ("" on error, message in err). */
static void endpoint_of(const char* traces, const char* base, char* out, size_t cap, gf_error* err) {
  clear_env();
  if (traces) setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", traces, 1);
  if (base) setenv("OTEL_EXPORTER_OTLP_ENDPOINT", base, 1);
  gf__otlp_grpc* g = NULL;
  out[0] = '\0';
  if (gf__otlp_grpc_create(&g, err) == GF_OK) {
    snprintf(out, cap, "%s", gf__otlp_grpc_endpoint(g));
    gf__otlp_grpc_free(g);
  }
}

TEST(endpoint_settings) {
  char ep[256];
  gf_error err = {0};
  endpoint_of(NULL, NULL, ep, sizeof ep, &err);
  CHECK_EQ_STR(ep, "http://localhost:4317");
  endpoint_of(NULL, "http://collector:1234/", ep, sizeof ep, &err);
  CHECK_EQ_STR(ep, "http://collector:1234");
  endpoint_of("https://traces.example", "http://other:1", ep, sizeof ep, &err);
  CHECK_EQ_STR(ep, "https://traces.example:4317");
  endpoint_of(NULL, "[::1]:5555", ep, sizeof ep, &err);
  CHECK_EQ_STR(ep, "http://[::1]:5555");
  endpoint_of(NULL, "ftp://x:1", ep, sizeof ep, &err);
  CHECK_EQ_STR(ep, "");
  CHECK(strstr(err.message, "OTEL_EXPORTER_OTLP_ENDPOINT: unsupported scheme in 'ftp://x:1'") != NULL);
  endpoint_of("http://host:99999", NULL, ep, sizeof ep, &err);
  CHECK_EQ_STR(ep, "");
  CHECK(strstr(err.message, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: bad port") != NULL);
  endpoint_of(NULL, "http://:80", ep, sizeof ep, &err);
  CHECK(strstr(err.message, "no host") != NULL);
  clear_env();
}

TEST(timeout_and_certificate_settings) {
  clear_env();
  gf_error err = {0};
  gf__otlp_grpc* g = NULL;
  setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "250", 1);
  CHECK_EQ_INT(gf__otlp_grpc_create(&g, &err), GF_OK);
  CHECK_EQ_INT(gf__otlp_grpc_timeout_ms(g), 250);
  gf__otlp_grpc_free(g);
  setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "soon", 1);
  CHECK_EQ_INT(gf__otlp_grpc_create(&g, &err), GF_OK);
  CHECK_EQ_INT(gf__otlp_grpc_timeout_ms(g), 10000);
  gf__otlp_grpc_free(g);
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "https://127.0.0.1:1", 1);
  setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem", 1);
  CHECK_EQ_INT(gf__otlp_grpc_create(&g, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "OTEL_EXPORTER_OTLP_CERTIFICATE: cannot open '/nonexistent/ca.pem'") != NULL);
  clear_env();
}

int main(void) {
  RUN(encode_batch_round_trip);
  RUN(endpoint_settings);
  RUN(timeout_and_certificate_settings);
  TEST_MAIN_END();
}
