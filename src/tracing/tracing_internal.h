/* Internal tracing API: exporter set-up (OTLP/HTTP JSON, OTLP/gRPC,
 * Zipkin JSON v2, console) with a bounded batch queue drained by one export
 * thread, W3C traceparent parsing, and one SERVER span per RPC for the
 * server. Start and stop on the lifecycle thread; spans from any thread. */
#ifndef GF__TRACING_INTERNAL_H
#define GF__TRACING_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/tracing.h"
#include "common/buf.h"
#include "log/log_internal.h"

typedef enum {
  GF__TRACE_EXPORT_NONE = 0,
  GF__TRACE_EXPORT_CONSOLE = 1,   /* one JSON object per span on console_fd */
  GF__TRACE_EXPORT_OTLP_HTTP = 2, /* values match gf__otel_exporter */
  GF__TRACE_EXPORT_OTLP_GRPC = 3, /* protobuf over gRPC (tracing_otlp_grpc.c) */
  GF__TRACE_EXPORT_ZIPKIN = 4
} gf__trace_exporter;

typedef struct gf__tracing_options {
  int exporter;                    /* gf__trace_exporter (same numbers as gf__otel_exporter) */
  const char* service_name;        /* NULL: OTEL_SERVICE_NAME or "unknown_service" */
  const char* service_namespace;   /* NULL: "" */
  const char* service_instance_id; /* NULL: host name */
  int console_fd;                  /* console exporter output; <= 0 means 1 (stdout) */
  int queue_max;                   /* finished spans waiting; 0 = OTEL_BSP_MAX_QUEUE_SIZE or 2048 */
  int batch_max;                   /* spans per export; 0 = 512 */
  int delay_ms;                    /* export interval; 0 = OTEL_BSP_SCHEDULE_DELAY or 5000 */
} gf__tracing_options;

/* A tracer: exporter, queue and export thread. The process default one is
 * started by gf__tracing_start; a server instance owns its own
 * (gf__tracer_new) and spans started on a thread whose current instance
 * (common/instance.h) has a tracer go to it; spans on a thread whose
 * instance has none are off (NULL). */
typedef struct gf__tracer gf__tracer;
gf__tracer* gf__tracer_default(void);
/* exporter NONE: *out = NULL and GF_OK. Thread started with the caller's
 * current instance. */
int gf__tracer_new(const gf__tracing_options* opts, gf__tracer** out, gf_error* err);
/* Exports what is queued and stops the thread; spans ended later are dropped. */
void gf__tracer_stop(gf__tracer* t);
void gf__tracer_free(gf__tracer* t);
int gf__tracer_on(const gf__tracer* t);
uint64_t gf__tracer_dropped(const gf__tracer* t);
uint64_t gf__tracer_exported(const gf__tracer* t);
uint64_t gf__tracer_export_failures(const gf__tracer* t);
/* The tracer of this thread's current instance (default when none). */
gf__tracer* gf__tracer_current(void);

/* Starts the process default tracer (reads OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT/HEADERS/TIMEOUT,
 * OTEL_EXPORTER_ZIPKIN_ENDPOINT, OTEL_RESOURCE_ATTRIBUTES). exporter NONE is
 * a no-op returning GF_OK. GF_ALREADY_EXISTS if already started. */
int gf__tracing_start(const gf__tracing_options* opts, gf_error* err);
/* Exports what is queued, stops the default tracer's export thread. */
void gf__tracing_stop(void);
/* Spans dropped because the queue was full / spans exported successfully or
 * not (cumulative since start-up). */
uint64_t gf__tracing_dropped(void);
uint64_t gf__tracing_exported(void);
uint64_t gf__tracing_export_failures(void);

/* W3C traceparent: "vv-<32 hex>-<16 hex>-ff" (lower-case hex, non-zero ids,
 * version ff invalid; future versions may carry more fields after '-').
 * Returns 1 when valid. */
int gf__traceparent_parse(const char* s, size_t n, uint8_t trace_id[16], uint8_t span_id[8],
                          uint8_t* flags);

/* One SERVER span per RPC: name = FlightMethod name (DO_GET, ...,
 * "INVALID"), attributes rpc.system/rpc.service/rpc.method. When
 * traceparent (header value, may be NULL) is valid it is the parent;
 * otherwise the calling thread's current span is. NULL when tracing is off. */
gf_span* gf__tracing_rpc_start(int method, const char* traceparent, size_t traceparent_len);
/* Sets rpc.grpc.status_code and status (OK, or ERROR with message), ends. */
void gf__tracing_rpc_end(gf_span* span, int grpc_code, const char* message);
/* W3C tracestate of the caller (kept only with a valid traceparent; copied,
 * at most 512 bytes, inherited by child spans, exported as traceState). */
void gf__span_set_trace_state(gf_span* span, const char* value, size_t len);
/* Peer attributes from a gRPC peer string ("ipv4:127.0.0.1:5000",
 * "ipv6:[::1]:5000"): net.peer.ip / net.peer.port and client.address /
 * client.port. */
void gf__span_set_peer(gf_span* span, const char* peer);
/* Trace ids of this thread's current span for log lines (registered with
 * the logger by gf__tracing_start). 0 when there is none. */
int gf__tracing_current_ids(gf__log_trace_ids* out);

/* ---- shared by tracing*.c ---- */
typedef struct gf__span_attr {
  char* key;
  int type;   /* GF_KV_STR / INT / DOUBLE / BOOL (log.h numbering) */
  union {
    char* s;
    int64_t i;
    double d;
    int b;
  } v;
} gf__span_attr;

struct gf_span {
  uint8_t trace_id[16];
  uint8_t span_id[8];
  uint8_t parent_id[8];
  int has_parent;
  char* name;
  int kind;
  int64_t start_ns, end_ns;   /* unix epoch nanoseconds */
  gf__span_attr* attrs;
  size_t n_attrs, cap_attrs;
  int status;                 /* 0 unset, 1 ok, 2 error */
  char* status_msg;
  char* trace_state;          /* W3C tracestate or NULL */
  gf_span* saved_current;
  gf__tracer* tracer;         /* where it is exported when it ends */
  gf_span* next;              /* export queue link */
};

typedef struct gf__trace_resource {
  gf__span_attr* attrs;
  size_t n;
  char* service_name;
} gf__trace_resource;

void gf__span_free(gf_span* s);
void gf__hex(const uint8_t* p, size_t n, char* out);  /* out: 2n+1 */
/* Encoders (tracing_encode.c): append a whole export payload. */
void gf__trace_encode_otlp(gf__buf* b, const gf__trace_resource* r, gf_span* const* spans, size_t n);
void gf__trace_encode_zipkin(gf__buf* b, const gf__trace_resource* r, gf_span* const* spans, size_t n);
void gf__trace_encode_console(gf__buf* b, const gf__trace_resource* r, const gf_span* s);
/* Export queue (tracing_export.c): takes ownership of the ended span. */
void gf__trace_enqueue(gf_span* s);
/* Calls fn(ctx, key, value) for each "k=v" of a comma list (at most 32;
 * keys and values trimmed and percent-decoded), e.g. OTEL_EXPORTER_OTLP_HEADERS. */
void gf__trace_each_pair(const char* list, void (*fn)(void*, const char*, const char*), void* ctx);

#endif
