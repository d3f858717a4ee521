/* Prometheus metrics for the server and for plugins: counters, gauges,
 * histograms and summaries, optionally with labels. Updates are cheap
 * (atomics, no locks on the hot path once a label set exists); the text
 * exposition is assembled at scrape time. Thread-safe. */
#ifndef GOODDATA_FLIGHT_SERVER_METRICS_H
#define GOODDATA_FLIGHT_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_metrics gf_metrics;  /* a registry */
typedef struct gf_metric gf_metric;    /* one metric family */

/* Registers (or returns the already registered) family. label_names may be
 * NULL when n_labels is 0. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*.
 * Returns NULL if the name is invalid or registered with another type. */
GF_API gf_metric* gf_metrics_counter(gf_metrics* reg, const char* name, const char* help,
                                     const char* const* label_names, size_t n_labels);
GF_API gf_metric* gf_metrics_gauge(gf_metrics* reg, const char* name, const char* help,
                                   const char* const* label_names, size_t n_labels);
/* bounds: ascending upper bounds (the +Inf bucket is implicit); NULL = defaults. */
GF_API gf_metric* gf_metrics_histogram(gf_metrics* reg, const char* name, const char* help,
                                       const char* const* label_names, size_t n_labels,
                                       const double* bounds, size_t n_bounds);
/* Summary with _count and _sum (what the seed's prometheus_client Summary exposes). */
GF_API gf_metric* gf_metrics_summary(gf_metrics* reg, const char* name, const char* help,
                                     const char* const* label_names, size_t n_labels);

/* label_values: n_labels strings (NULL when the family has no labels). */
GF_API void gf_metric_inc(gf_metric* m, const char* const* label_values, double v);  /* counter, gauge */
GF_API void gf_metric_set(gf_metric* m, const char* const* label_values, double v);  /* gauge */
GF_API void gf_metric_observe(gf_metric* m, const char* const* label_values, double v); /* histogram, summary */

/* Prometheus text exposition (format 0.0.4) of every family. Free with free(). */
GF_API gf_status gf_metrics_render(gf_metrics* reg, char** out, size_t* len);

#ifdef __cplusplus
}
#endif

#endif
