/* Private to the metrics*.c files: registry, family and cell layout. Cells
 * form an append-only list per family read lock-free (acquire loads);
 * creation and registration take mutexes. */
#ifndef GF__METRICS_CORE_H
#define GF__METRICS_CORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "common/buf.h"
#include "metrics/metrics_internal.h"

enum { GF__MT_COUNTER = 1, GF__MT_GAUGE, GF__MT_HISTOGRAM, GF__MT_SUMMARY };

#define GF__METRIC_MAX_LABELS 16
#define GF__METRIC_MAX_BOUNDS 64
#define GF__METRIC_MAX_CELLS 10000
#define GF__METRIC_LABEL_VALUE_MAX 1024

struct gf__mcell {
  char** values;                  /* n_labels copies */
  _Atomic uint64_t bits;          /* double: value, or sum for histogram/summary */
  _Atomic uint64_t count;         /* histogram/summary observations */
  _Atomic uint64_t* buckets;      /* histogram: n_bounds + 1 (last = +Inf), not cumulative */
  double created;
  struct gf__mcell* _Atomic next;
};

struct gf_metric {
  char* name;                     /* declared name (counter without _total) */
  char* help;
  int type;
  size_t n_labels;
  char** label_names;
  double* bounds;
  size_t n_bounds;
  pthread_mutex_t mu;             /* cell creation */
  gf__mcell* _Atomic head;
  gf__mcell* tail;
  size_t n_cells;
  struct gf_metric* next;         /* registry order, guarded by registry mu */
};

struct gf__rpc_metrics;
struct gf__http_server;

struct gf_metrics {
  pthread_mutex_t mu;             /* family list */
  gf_metric* head;
  gf_metric* tail;
  int standard;                   /* created by gf__metrics_create */
  int no_created;                 /* PROMETHEUS_DISABLE_CREATED_SERIES */
  struct gf__rpc_metrics* rpc;
  struct gf__http_server* http;
};

double gf__metrics_now(void);
/* Text renderers (metrics_render.c / metrics_process.c). */
void gf__metrics_render_family(gf__buf* b, const gf_metric* m, int with_created);
void gf__metrics_render_process(gf__buf* b);
/* Prometheus float text like prometheus_client (1.0, +Inf, 1.7e+09). */
void gf__prom_float(char out[48], double v);
/* RPC families (metrics_rpc.c). */
int gf__rpc_metrics_create(gf_metrics* reg, struct gf__rpc_metrics** out);
void gf__rpc_metrics_free(struct gf__rpc_metrics* r);

#endif
