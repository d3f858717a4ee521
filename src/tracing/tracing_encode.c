/* Span payload encoders: OTLP/JSON (ExportTraceServiceRequest), Zipkin
 * JSON v2 and the console line. Run on the export thread; pure functions. */
#include <stdio.h>

#include "log/log_internal.h"
#include "tracing/tracing_internal.h"

static const char* const k_zipkin_kind[] = {NULL, "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};

static void otlp_value(gf__buf* b, const gf__span_attr* a) {
  switch (a->type) {
    case GF_KV_STR: gf__buf_puts(b, "{\"stringValue\":"); gf__buf_json_str(b, a->v.s); break;
    case GF_KV_INT: gf__buf_printf(b, "{\"intValue\":\"%lld\"", (long long)a->v.i); break;
    case GF_KV_DOUBLE: gf__buf_puts(b, "{\"doubleValue\":"); gf__buf_json_double(b, a->v.d); break;
    case GF_KV_BOOL: gf__buf_printf(b, "{\"boolValue\":%s", a->v.b ? "true" : "false"); break;
    default: gf__buf_puts(b, "{\"stringValue\":\"\""); break;
  }
  gf__buf_putc(b, '}');
}

static void otlp_attrs(gf__buf* b, const gf__span_attr* attrs, size_t n) {
  gf__buf_puts(b, "\"attributes\":[");
  int first = 1;
  for (size_t i = 0; i < n; i++) {
    if (attrs[i].type == GF_KV_END) continue;
    gf__buf_puts(b, first ? "{\"key\":" : ",{\"key\":");
    first = 0;
    gf__buf_json_str(b, attrs[i].key);
    gf__buf_puts(b, ",\"value\":");
    otlp_value(b, &attrs[i]);
    gf__buf_putc(b, '}');
  }
  gf__buf_putc(b, ']');
}

static void otlp_span(gf__buf* b, const gf_span* s) {
  char t[33], id[17], p[17];
  gf__hex(s->trace_id, 16, t);
  gf__hex(s->span_id, 8, id);
  gf__buf_printf(b, "{\"traceId\":\"%s\",\"spanId\":\"%s\"", t, id);
  if (s->has_parent) {
    gf__hex(s->parent_id, 8, p);
    gf__buf_printf(b, ",\"parentSpanId\":\"%s\"", p);
  }
  if (s->trace_state) {
    gf__buf_puts(b, ",\"traceState\":");
    gf__buf_json_str(b, s->trace_state);
  }
  gf__buf_puts(b, ",\"name\":");
  gf__buf_json_str(b, s->name);
  gf__buf_printf(b, ",\"kind\":%d,\"startTimeUnixNano\":\"%lld\",\"endTimeUnixNano\":\"%lld\",",
                 s->kind + 1, (long long)s->start_ns, (long long)s->end_ns);
  otlp_attrs(b, s->attrs, s->n_attrs);
  gf__buf_printf(b, ",\"status\":{\"code\":%d", s->status);
  if (s->status_msg) {
    gf__buf_puts(b, ",\"message\":");
    gf__buf_json_str(b, s->status_msg);
  }
  gf__buf_puts(b, "}}");
}

void gf__trace_encode_otlp(gf__buf* b, const gf__trace_resource* r, gf_span* const* spans, size_t n) {
  gf__buf_puts(b, "{\"resourceSpans\":[{\"resource\":{");
  otlp_attrs(b, r->attrs, r->n);
  gf__buf_puts(b, "},\"scopeSpans\":[{\"scope\":{\"name\":\"gooddata_flight_server\",\"version\":\""
                  GF_VERSION_STRING "\"},\"spans\":[");
  for (size_t i = 0; i < n; i++) {
    if (i) gf__buf_putc(b, ',');
    otlp_span(b, spans[i]);
  }
  gf__buf_puts(b, "]}]}]}");
}

static void zipkin_tag_value(gf__buf* b, const gf__span_attr* a) {
  char tmp[64];
  switch (a->type) {
    case GF_KV_STR: gf__buf_json_str(b, a->v.s); return;
    case GF_KV_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)a->v.i); break;
    case GF_KV_DOUBLE: gf__fmt_double(tmp, a->v.d); break;
    case GF_KV_BOOL: snprintf(tmp, sizeof tmp, "%s", a->v.b ? "true" : "false"); break;
    default: tmp[0] = '\0';
  }
  gf__buf_json_str(b, tmp);
}

static void zipkin_span(gf__buf* b, const gf__trace_resource* r, const gf_span* s) {
  char t[33], id[17], p[17];
  gf__hex(s->trace_id, 16, t);
  gf__hex(s->span_id, 8, id);
  gf__buf_printf(b, "{\"traceId\":\"%s\",\"id\":\"%s\"", t, id);
  if (s->has_parent) {
    gf__hex(s->parent_id, 8, p);
    gf__buf_printf(b, ",\"parentId\":\"%s\"", p);
  }
  gf__buf_puts(b, ",\"name\":");
  gf__buf_json_str(b, s->name);
  if (s->kind > 0 && s->kind <= 4) gf__buf_printf(b, ",\"kind\":\"%s\"", k_zipkin_kind[s->kind]);
  gf__buf_printf(b, ",\"timestamp\":%lld,\"duration\":%lld,\"localEndpoint\":{\"serviceName\":",
                 (long long)(s->start_ns / 1000), (long long)((s->end_ns - s->start_ns) / 1000));
  gf__buf_json_str(b, r->service_name);
  gf__buf_puts(b, "},\"tags\":{");
  int first = 1;
  for (size_t i = 0; i < s->n_attrs; i++) {
    if (s->attrs[i].type == GF_KV_END) continue;
    if (!first) gf__buf_putc(b, ',');
    first = 0;
    gf__buf_json_str(b, s->attrs[i].key);
    gf__buf_putc(b, ':');
    zipkin_tag_value(b, &s->attrs[i]);
  }
  if (s->status) {
    gf__buf_printf(b, "%s\"otel.status_code\":\"%s\"", first ? "" : ",", s->status == 1 ? "OK" : "ERROR");
    if (s->status == 2) {
      gf__buf_puts(b, ",\"error\":");
      gf__buf_json_str(b, s->status_msg ? s->status_msg : "");
    }
  }
  gf__buf_puts(b, "}}");
}

void gf__trace_encode_zipkin(gf__buf* b, const gf__trace_resource* r, gf_span* const* spans,
                             size_t n) {
  gf__buf_putc(b, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) gf__buf_putc(b, ',');
    zipkin_span(b, r, spans[i]);
  }
  gf__buf_putc(b, ']');
}

void gf__trace_encode_console(gf__buf* b, const gf__trace_resource* r, const gf_span* s) {
  gf__buf_puts(b, "{\"resource\":{");
  otlp_attrs(b, r->attrs, r->n);
  gf__buf_puts(b, "},\"span\":");
  otlp_span(b, s);
  gf__buf_puts(b, "}\n");
}
