/* OTLP/gRPC trace exporter: endpoint, headers (gRPC metadata), timeout and
 * TLS roots from the OTEL_EXPORTER_OTLP_* environment, the protobuf
 * encoding of a span batch (ExportTraceServiceRequest, protoc-c structs from
 * proto/otlp_trace.proto) and the unary call
 * /opentelemetry.proto.collector.trace.v1.TraceService/Export with
 * rate-limited failure logging. Created and freed on the lifecycle thread
 * (tracing start/stop); exports run on the tracing export thread only. */
#ifndef GF__SERVER_TRACING_OTLP_GRPC_H
#define GF__SERVER_TRACING_OTLP_GRPC_H

#include <stddef.h>
#include <stdint.h>

#include "log/log_internal.h" /* before tracing_internal.h: gf__log_trace_ids */
#include "tracing/tracing_internal.h"

typedef struct gf__otlp_grpc gf__otlp_grpc;

/* Reads OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT (default http://localhost:4317;
 * http:// or no scheme: plaintext, https://: TLS), _HEADERS, _TIMEOUT (ms,
 * default 10000), _CERTIFICATE (PEM roots; default the system bundle) and
 * _CLIENT_CERTIFICATE/_CLIENT_KEY, and creates the channel (it connects on
 * the first export). GF_INVALID_ARGUMENT naming the variable when one is
 * unusable. */
int gf__otlp_grpc_create(gf__otlp_grpc** out, gf_error* err);
void gf__otlp_grpc_free(gf__otlp_grpc* g);
/* "http[s]://host:port" as configured (for log lines). */
const char* gf__otlp_grpc_endpoint(const gf__otlp_grpc* g);
long gf__otlp_grpc_timeout_ms(const gf__otlp_grpc* g);

/* Encodes one ExportTraceServiceRequest (one ResourceSpans, one ScopeSpans)
 * into *out (malloc'd). Strings that are not valid UTF-8 are repaired
 * (U+FFFD). GF_OK or GF_NO_MEMORY. */
int gf__trace_encode_otlp_pb(const gf__trace_resource* r, gf_span* const* spans, size_t n,
                             uint8_t** out, size_t* len);

/* Sends one batch. The call's deadline is the configured timeout, cut to
 * budget_ms when budget_ms >= 0 (0: nothing is sent, the batch fails).
 * Returns the number of spans the collector accepted (n minus the
 * partial_success rejected_spans; 0 on failure). Failures are logged as
 * trace_export_failed, at most one line per 10 s (with the count of
 * failures not logged). Export thread only. */
size_t gf__otlp_grpc_export(gf__otlp_grpc* g, const gf__trace_resource* r, gf_span* const* spans,
                            size_t n, int64_t budget_ms);

#endif
