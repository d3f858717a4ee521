/* OpenTelemetry-style tracing for the server and plugins: spans with
 * attributes and status, a per-thread current span (used as the parent of
 * new spans and added to log lines), W3C traceparent text. When tracing is
 * off every call is a cheap no-op and gf_span_start returns NULL; all
 * functions accept NULL spans. A span is used by one thread at a time. */
#ifndef GOODDATA_FLIGHT_SERVER_TRACING_H
#define GOODDATA_FLIGHT_SERVER_TRACING_H

#include <stdbool.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_span gf_span;

typedef enum gf_span_kind {
  GF_SPAN_INTERNAL = 0,
  GF_SPAN_SERVER = 1,
  GF_SPAN_CLIENT = 2,
  GF_SPAN_PRODUCER = 3,
  GF_SPAN_CONSUMER = 4
} gf_span_kind;

/* True when an exporter is configured. */
GF_API bool gf_tracing_enabled(void);

/* Starts a span whose parent is this thread's current span (root if none). */
GF_API gf_span* gf_span_start(const char* name, gf_span_kind kind);
/* Starts a span with an explicit parent (NULL parent = new trace). */
GF_API gf_span* gf_span_start_child(const char* name, gf_span_kind kind, const gf_span* parent);

GF_API void gf_span_set_str(gf_span* span, const char* key, const char* value);
GF_API void gf_span_set_int(gf_span* span, const char* key, int64_t value);
GF_API void gf_span_set_double(gf_span* span, const char* key, double value);
GF_API void gf_span_set_bool(gf_span* span, const char* key, int value);
/* Status ERROR with a description (copied). */
GF_API void gf_span_set_error(gf_span* span, const char* message);
/* Status OK. */
GF_API void gf_span_set_ok(gf_span* span);

/* Makes span current on the calling thread and returns the previous current
 * span; restore it with gf_span_exit(previous). */
GF_API gf_span* gf_span_enter(gf_span* span);
GF_API void gf_span_exit(gf_span* previous);
GF_API gf_span* gf_span_current(void);

/* Ends the span, hands it to the exporter and frees it. If it is current on
 * this thread, the span that was current before gf_span_enter is restored. */
GF_API void gf_span_end(gf_span* span);

/* W3C traceparent "00-<trace id>-<span id>-01" of span (56 bytes with NUL).
 * Returns GF_INVALID_ARGUMENT for a NULL span. */
GF_API gf_status gf_span_traceparent(const gf_span* span, char out[56]);

#ifdef __cplusplus
}
#endif

#endif
