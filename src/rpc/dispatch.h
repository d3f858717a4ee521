/* The Flight dispatcher: receives new calls from the transport (CQ thread),
 * applies the availability gate, then on a worker runs the auth hook, the
 * plugin callback and encodes the response (streams paced by send
 * completions). Server-level services (auth, metrics) are reached only
 * through gf__server_hooks so src/rpc does not depend on the components
 * above it. */
#ifndef GF__FLIGHT_DISPATCH_H
#define GF__FLIGHT_DISPATCH_H

#include <pthread.h>
#include <stdatomic.h>

#include "rpc/pool.h"
#include "gooddata_flight_server/flight.h"
#include "transport/server_transport.h"

typedef struct gf_metrics gf_metrics;

typedef struct gf__server_hooks {
  void* auth; /* NULL: no authentication */
  int (*auth_verify)(void* auth, const gf_call* call, char** identity, void** data, gf_error* err);
  void (*auth_release)(void* auth, void* data); /* releases `data` at the end of the call */
  gf_metrics* metrics; /* NULL: no metrics */
  void (*rpc_started)(gf_metrics* m, int method);
  void (*rpc_finished)(gf_metrics* m, int method, int grpc_code, double seconds);
  void (*rpc_message)(gf_metrics* m, int method, int sent, int64_t bytes);
  void (*rpc_rejected_busy)(gf_metrics* m, int method); /* max_queued_calls turned it away */
  /* Tracing; span_start NULL = off. span_start runs on the worker before
   * auth (and on the CQ thread for unknown methods) and may return NULL; the
   * span is current on the worker while auth and the handler run
   * (span_enter returns the previous current span, span_exit restores it);
   * span_end runs when the call is finalised, with the gRPC code and the
   * error message (NULL on success). */
  void* trace_user;
  void* (*span_start)(void* trace_user, const gf_call* call, int method);
  void* (*span_enter)(void* span);
  void (*span_exit)(void* previous);
  void (*span_end)(void* span, int grpc_code, const char* message);
} gf__server_hooks;

enum { GF__GATE_NOT_READY = 0, GF__GATE_OPEN = 1, GF__GATE_SHUTTING_DOWN = 2 };

typedef struct gf__dispatcher_options {
  int rpc_threads;
  int64_t max_batch_bytes;
  int64_t max_put_inflight_bytes;
  int64_t stream_idle_timeout_ms; /* <= 0: no idle limit on blocking receives */
  int64_t stream_end_grace_ms;    /* wait for a reset after the client ends its stream */
  int64_t max_receive_buffer_bytes; /* server-wide bytes of upload messages held; <= 0: none */
  int max_queued_calls;    /* calls waiting for a worker, per pool; beyond: RESOURCE_EXHAUSTED; <= 0: none */
  gf_server_context* ctx;
  gf__server_hooks hooks;
} gf__dispatcher_options;

struct gf__dispatcher {
  gf__dispatcher_options o;
  gf__pool* pool;        /* unary and server-streaming calls, finalisers, stream steps */
  gf__pool* upload_pool; /* DoPut, DoExchange, Handshake: their handlers block on the client */
  const gf_methods* methods; /* set once at start-up (before the gate opens) */
  atomic_int gate;
  atomic_int active_calls;
  atomic_int admitted_calls; /* passed the gate, not yet finalised */
  atomic_int waiting[2];     /* calls posted to pool [0] / upload_pool [1], handler not started */
  atomic_llong recv_held;    /* bytes of upload messages held by readers (max_receive_buffer_bytes) */
  pthread_mutex_t adm_mu;    /* guards the list of admitted calls */
  gf_call* adm_head;
};
typedef struct gf__dispatcher gf__dispatcher;

int gf__dispatcher_create(const gf__dispatcher_options* o, gf__dispatcher** out, gf_error* err);
void gf__dispatcher_set_methods(gf__dispatcher* d, const gf_methods* m);
void gf__dispatcher_set_gate(gf__dispatcher* d, int gate);
/* Calls that passed the gate and are not finalised yet (the shutdown drain
 * waits for this to reach 0 while the gate answers new calls). */
int gf__dispatcher_admitted(gf__dispatcher* d);
/* Cancels every admitted call at the transport (the client gets CANCELLED on
 * its stream; the connection stays up). Used when the grace period ends. */
void gf__dispatcher_cancel_admitted(gf__dispatcher* d);
/* Internal to src/rpc: list bookkeeping (dispatch.c; finalisation in call.c). */
void gf__dispatcher_unlist(gf__dispatcher* d, gf_call* c);
/* gf__tserver_options.on_call (user = the dispatcher). */
void gf__dispatcher_on_call(void* user, gf__tcall* t, const gf__tcall_info* info);
/* Runs queued work and joins the workers (after the transport shut down). */
void gf__dispatcher_stop(gf__dispatcher* d);
void gf__dispatcher_free(gf__dispatcher* d);

/* Internal to src/rpc: method handlers (dispatch_methods.c, doget.c). */
void gf__handle_call(gf_call* c);
void gf__doget_start(gf_call* c, gf_data_source* src);

#endif
