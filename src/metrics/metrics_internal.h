/* Internal metrics API (docs/internals.md): registry creation with the
 * server's standard families (RPC, process, malloc_trim), the /metrics HTTP
 * endpoint, per-RPC updates (atomics only) and the cell-level API the RPC
 * and maintenance code use to skip label lookups. Any thread. */
#ifndef GF__METRICS_INTERNAL_H
#define GF__METRICS_INTERNAL_H

#include <stdint.h>

#include "gooddata_flight_server/metrics.h"

/* Registry with the standard families: gdfs_rpc_*, process_*, gdfs_malloc_trim*. */
int  gf__metrics_create(gf_metrics** out);
/* Empty registry (no standard families, no process metrics); for tests/plugins. */
int  gf__metrics_create_bare(gf_metrics** out);
/* Stops the endpoint if running and frees every family. NULL is a no-op. */
void gf__metrics_free(gf_metrics* m);
/* Serves GET /metrics (text format 0.0.4) on host:port; other paths 404,
 * other methods 405. Binds synchronously; port 0 = ephemeral. Logs
 * metrics_starting (debug) and metrics_started. */
int  gf__metrics_http_start(gf_metrics* m, const char* host, int port, gf_error* err);
void gf__metrics_http_stop(gf_metrics* m);
int  gf__metrics_http_port(const gf_metrics* m);  /* bound port or -1 */

/* RPC metrics, called by the server for every call. m may be NULL (no-op);
 * method is an enum gf__method index (out of range -> "Unknown"); grpc_code
 * is a gRPC status code 0..16 (others count as UNKNOWN). */
void gf__rpc_started(gf_metrics* m, int method);
void gf__rpc_finished(gf_metrics* m, int method, int grpc_code, double seconds);
void gf__rpc_rejected_busy(gf_metrics* m, int method);
void gf__rpc_message(gf_metrics* m, int method, int sent /*1 sent, 0 received*/, int64_t bytes);

/* malloc_trim maintenance thread, one per server instance (each observes
 * gdfs_malloc_trim in its own registry m; m may be NULL). The thread starts
 * with the caller's current instance (logs there). */
typedef struct gf__maintenance gf__maintenance;
int  gf__maintenance_start(gf_metrics* m, int trim_interval_sec, gf__maintenance** out,
                           gf_error* err);
/* Stops (promptly), joins and frees; NULL is a no-op. */
void gf__maintenance_stop(gf__maintenance* mt);
/* Number of malloc_trim calls done by this maintenance thread so far. */
uint64_t gf__maintenance_trim_count(const gf__maintenance* mt);

/* ---- cell-level API (one label set of one family) ---- */
typedef struct gf__mcell gf__mcell;
/* Finds or creates the cell for label_values (NULL if the family is at its
 * cardinality cap or out of memory). The pointer stays valid until the
 * registry is freed. */
gf__mcell* gf__metric_cell(gf_metric* m, const char* const* label_values);
void gf__cell_add(gf__mcell* c, double v);            /* counter (v >= 0) / gauge */
void gf__cell_set(gf__mcell* c, double v);            /* gauge */
void gf__cell_observe(gf_metric* m, gf__mcell* c, double v);  /* histogram / summary */
/* Current value (counter/gauge) or count (histogram/summary), for tests. */
double gf__cell_value(const gf__mcell* c);
/* Family by declared name (counters without "_total"), or NULL. */
gf_metric* gf__metrics_find(gf_metrics* reg, const char* name);

#endif
