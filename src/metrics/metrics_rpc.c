/* Per-method RPC metrics (gdfs_rpc_*): families registered with the
 * registry, cells cached per method (and per status code) in atomic
 * pointers so every update after the first is an atomic add. Any thread. */
#include <stdlib.h>

#include "common/grpc_status.h"
#include "flight/method.h"
#include "metrics/metrics_core.h"

#define RPC_METHODS GF__M_COUNT /* the Flight methods + Unknown */
#define RPC_CODES GF__GRPC_CODES


static const double k_duration_bounds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                           1.0,   2.5,   5.0,  10.0,  30.0, 60.0, 120.0, 300.0};

enum { F_STARTED, F_HANDLED, F_DURATION, F_SENT_B, F_RECV_B, F_SENT_M, F_RECV_M, F_ACTIVE, F_BUSY, F_N };

typedef struct gf__rpc_metrics {
  gf_metric* fam[F_N];
  gf__mcell* _Atomic cells[F_N][RPC_METHODS];
  gf__mcell* _Atomic handled[RPC_METHODS][RPC_CODES];
} gf__rpc_metrics;

static int method_index(int method) {
  return method >= 0 && method < RPC_METHODS ? method : GF__M_UNKNOWN;
}

int gf__rpc_metrics_create(gf_metrics* reg, gf__rpc_metrics** out) {
  static const char* const lm[] = {"method"};
  static const char* const lmc[] = {"method", "code"};
  gf__rpc_metrics* r = calloc(1, sizeof *r);
  if (!r) return GF_NO_MEMORY;
  r->fam[F_STARTED] = gf_metrics_counter(reg, "gdfs_rpc_started", "Number of RPCs started.", lm, 1);
  r->fam[F_HANDLED] = gf_metrics_counter(
      reg, "gdfs_rpc_handled", "Number of RPCs completed, by gRPC status code.", lmc, 2);
  r->fam[F_DURATION] = gf_metrics_histogram(
      reg, "gdfs_rpc_duration_seconds", "Duration of RPCs from start to completion in seconds.", lm,
      1, k_duration_bounds, sizeof k_duration_bounds / sizeof k_duration_bounds[0]);
  r->fam[F_SENT_B] = gf_metrics_counter(reg, "gdfs_rpc_sent_bytes",
                                        "Bytes of messages sent to clients.", lm, 1);
  r->fam[F_RECV_B] = gf_metrics_counter(reg, "gdfs_rpc_received_bytes",
                                        "Bytes of messages received from clients.", lm, 1);
  r->fam[F_SENT_M] = gf_metrics_counter(reg, "gdfs_rpc_sent_messages",
                                        "Number of messages sent to clients.", lm, 1);
  r->fam[F_RECV_M] = gf_metrics_counter(reg, "gdfs_rpc_received_messages",
                                        "Number of messages received from clients.", lm, 1);
  r->fam[F_ACTIVE] = gf_metrics_gauge(reg, "gdfs_rpc_active", "Number of RPCs in progress.", lm, 1);
  r->fam[F_BUSY] = gf_metrics_counter(
      reg, "gdfs_rpc_rejected_busy",
      "RPCs answered RESOURCE_EXHAUSTED because max_queued_calls calls waited for a worker.", lm, 1);
  for (int i = 0; i < F_N; i++)
    if (!r->fam[i]) {
      free(r);
      return GF_INTERNAL;
    }
  *out = r;
  return GF_OK;
}

void gf__rpc_metrics_free(gf__rpc_metrics* r) { free(r); }

static gf__mcell* cached(gf_metric* fam, gf__mcell* _Atomic* slot, const char* const* labels) {
  gf__mcell* c = atomic_load_explicit(slot, memory_order_acquire);
  if (c) return c;
  c = gf__metric_cell(fam, labels);
  if (c) atomic_store_explicit(slot, c, memory_order_release);
  return c;
}

static gf__mcell* method_cell(gf__rpc_metrics* r, int f, int mi) {
  const char* labels[] = {gf__method_name(mi)};
  return cached(r->fam[f], &r->cells[f][mi], labels);
}

void gf__rpc_started(gf_metrics* m, int method) {
  if (!m || !m->rpc) return;
  int mi = method_index(method);
  gf__cell_add(method_cell(m->rpc, F_STARTED, mi), 1);
  gf__cell_add(method_cell(m->rpc, F_ACTIVE, mi), 1);
}

void gf__rpc_rejected_busy(gf_metrics* m, int method) {
  if (!m || !m->rpc) return;
  gf__cell_add(method_cell(m->rpc, F_BUSY, method_index(method)), 1);
}

void gf__rpc_finished(gf_metrics* m, int method, int grpc_code, double seconds) {
  if (!m || !m->rpc) return;
  gf__rpc_metrics* r = m->rpc;
  int mi = method_index(method);
  int ci = grpc_code >= 0 && grpc_code < RPC_CODES ? grpc_code : 2;
  const char* labels[] = {gf__method_name(mi), gf__grpc_code_name(ci)};
  gf__cell_add(cached(r->fam[F_HANDLED], &r->handled[mi][ci], labels), 1);
  gf__cell_observe(r->fam[F_DURATION], method_cell(r, F_DURATION, mi), seconds < 0 ? 0 : seconds);
  gf__cell_add(method_cell(r, F_ACTIVE, mi), -1);
}

void gf__rpc_message(gf_metrics* m, int method, int sent, int64_t bytes) {
  if (!m || !m->rpc) return;
  int mi = method_index(method);
  gf__cell_add(method_cell(m->rpc, sent ? F_SENT_M : F_RECV_M, mi), 1);
  if (bytes > 0) gf__cell_add(method_cell(m->rpc, sent ? F_SENT_B : F_RECV_B, mi), (double)bytes);
}
