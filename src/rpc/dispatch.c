/* Dispatcher core: new calls from the transport (CQ thread) pass the
 * availability gate (admitted calls are counted and listed so shutdown can
 * drain and then cancel them) and are handed to a worker pool (uploads to
 * their own, see reads_client); workers start the call's span (server
 * hook), run the auth hook and then the method handler (dispatch_methods.c)
 * with the span current. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/call.h"
#include "rpc/dispatch.h"
#include "rpc/errors.h"
#include "flight/method.h"

int gf__dispatcher_create(const gf__dispatcher_options* o, gf__dispatcher** out, gf_error* err) {
  gf__dispatcher* d = calloc(1, sizeof(*d));
  if (!d) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  d->o = *o;
  atomic_init(&d->gate, GF__GATE_NOT_READY);
  atomic_init(&d->active_calls, 0);
  atomic_init(&d->admitted_calls, 0);
  atomic_init(&d->waiting[0], 0);
  atomic_init(&d->waiting[1], 0);
  atomic_init(&d->recv_held, 0);
  pthread_mutex_init(&d->adm_mu, NULL);
  int n = o->rpc_threads > 0 ? o->rpc_threads : 8;
  if (gf__pool_create(n, &d->pool)) {
    free(d);
    return gf_error_set(err, GF_INTERNAL, "cannot start %d RPC worker threads", n);
  }
  if (gf__pool_create_lazy(n, "gf-upload", &d->upload_pool)) {
    gf__pool_free(d->pool);
    free(d);
    return gf_error_set(err, GF_INTERNAL, "cannot start %d upload worker threads", n);
  }
  *out = d;
  return GF_OK;
}

void gf__dispatcher_set_methods(gf__dispatcher* d, const gf_methods* m) { d->methods = m; }
void gf__dispatcher_set_gate(gf__dispatcher* d, int gate) { atomic_store(&d->gate, gate); }
int gf__dispatcher_admitted(gf__dispatcher* d) { return d ? atomic_load(&d->admitted_calls) : 0; }

static void list_admitted(gf__dispatcher* d, gf_call* c) {
  c->admitted = 1;
  atomic_fetch_add(&d->admitted_calls, 1);
  pthread_mutex_lock(&d->adm_mu);
  c->adm_prev = NULL;
  c->adm_next = d->adm_head;
  if (d->adm_head) d->adm_head->adm_prev = c;
  d->adm_head = c;
  pthread_mutex_unlock(&d->adm_mu);
}

void gf__dispatcher_unlist(gf__dispatcher* d, gf_call* c) {
  pthread_mutex_lock(&d->adm_mu);
  if (c->adm_prev) c->adm_prev->adm_next = c->adm_next;
  else if (d->adm_head == c) d->adm_head = c->adm_next;
  if (c->adm_next) c->adm_next->adm_prev = c->adm_prev;
  c->adm_prev = c->adm_next = NULL;
  pthread_mutex_unlock(&d->adm_mu);
}

void gf__dispatcher_cancel_admitted(gf__dispatcher* d) {
  if (!d) return;
  pthread_mutex_lock(&d->adm_mu);
  for (gf_call* c = d->adm_head; c; c = c->adm_next) gf__tcall_cancel(c->t);
  pthread_mutex_unlock(&d->adm_mu);
}

void gf__dispatcher_stop(gf__dispatcher* d) {
  if (!d) return;
  gf__pool_stop(d->upload_pool); /* its handlers post finalisers to pool */
  gf__pool_stop(d->pool);
}

void gf__dispatcher_free(gf__dispatcher* d) {
  if (!d) return;
  gf__pool_free(d->upload_pool);
  gf__pool_free(d->pool);
  pthread_mutex_destroy(&d->adm_mu);
  free(d);
}

static void reject(gf_call* c, int code, const char* msg, int info_code) {
  char* json = info_code ? gf__error_info_json(msg, info_code) : NULL;
  gf__call_set_error(c, code, msg, json, json ? strlen(json) : 0);
  free(json);
  gf__call_finish(c, NULL, code);
}

/* Starts the call's span and makes it current on this worker. The extra
 * call reference keeps the call (and so the span, ended when the call is
 * finalised) alive until leave_span. */
static void* enter_span(gf_call* c, void** span) {
  const gf__server_hooks* h = &c->d->o.hooks;
  *span = NULL;
  if (!h->span_start) return NULL;
  c->span = h->span_start(h->trace_user, c, c->method);
  if (!c->span) return NULL;
  *span = c->span;
  gf__call_ref(c);
  return h->span_enter ? h->span_enter(c->span) : NULL;
}

static void leave_span(gf_call* c, void* span, void* prev) {
  if (!span) return;
  if (c->d->o.hooks.span_exit) c->d->o.hooks.span_exit(prev);
  gf__call_unref(c);
}

/* Methods whose handler blocks until the client sends: they run on their
 * own pool so silent uploads never take the workers of other calls. */
static bool reads_client(int method) {
  return method == GF__M_DO_PUT || method == GF__M_DO_EXCHANGE || method == GF__M_HANDSHAKE;
}

static void auth_and_handle(void* arg) {
  gf_call* c = arg;
  atomic_fetch_sub(&c->d->waiting[reads_client(c->method)], 1);
  void* span;
  void* prev = enter_span(c, &span);
  gf__dispatcher* d = c->d;
  if (d->o.hooks.auth && d->o.hooks.auth_verify) {
    gf_error err = {0};
    char* identity = NULL;
    void* data = NULL;
    int rc = d->o.hooks.auth_verify(d->o.hooks.auth, c, &identity, &data, &err);
    if (rc) {
      free(identity);
      gf__call_set_error(c, rc, err.message[0] ? err.message : "Authentication failed", NULL, 0);
      gf__call_finish(c, NULL, rc);
      leave_span(c, span, prev);
      return;
    }
    c->identity = identity;
    c->auth_data = data;
  }
  if (gf__call_plugin_authenticate(c) == GF_OK) gf__handle_call(c);
  leave_span(c, span, prev);
}

/* Takes a waiting slot of the call's pool; false (and RESOURCE_EXHAUSTED
 * sent, without blocking) when max_queued_calls calls already wait there. */
static bool take_queue_slot(gf__dispatcher* d, gf_call* c) {
  atomic_int* w = &d->waiting[reads_client(c->method)];
  int cap = d->o.max_queued_calls;
  if (atomic_fetch_add(w, 1) < cap || cap <= 0) return true;
  atomic_fetch_sub(w, 1);
  if (d->o.hooks.rpc_rejected_busy && d->o.hooks.metrics)
    d->o.hooks.rpc_rejected_busy(d->o.hooks.metrics, c->method);
  char msg[200];
  snprintf(msg, sizeof(msg),
           "Server is busy: %d calls already wait for a worker (server.max_queued_calls).", cap);
  reject(c, GF_RESOURCE_EXHAUSTED, msg, 0);
  return false;
}

void gf__dispatcher_on_call(void* user, gf__tcall* t, const gf__tcall_info* info) {
  gf__dispatcher* d = user;
  gf_call* c = gf__call_new(d, t, info);
  if (!c) {
    gf__ibuf_free(info->request);
    gf__tcall_cancel(t);
    gf__tcall_release(t);
    return;
  }
  if (d->o.hooks.rpc_started && d->o.hooks.metrics) d->o.hooks.rpc_started(d->o.hooks.metrics, c->method);
  if (c->method == GF__M_UNKNOWN) {
    if (d->o.hooks.span_start) c->span = d->o.hooks.span_start(d->o.hooks.trace_user, c, c->method);
    char msg[300];
    snprintf(msg, sizeof(msg), "Method not found: %s", c->method_path);
    reject(c, GF_UNIMPLEMENTED, msg, 0);
    return;
  }
  int gate = atomic_load(&d->gate);
  if (gate == GF__GATE_NOT_READY || !d->methods) {
    reject(c, GF_UNAVAILABLE, "Try again later.", GF__ERRCODE_NOT_READY);
    return;
  }
  if (gate == GF__GATE_SHUTTING_DOWN) {
    reject(c, GF_UNAVAILABLE, "Server is shutting down.", GF__ERRCODE_SHUTTING_DOWN);
    return;
  }
  if (!take_queue_slot(d, c)) return;
  list_admitted(d, c);
  if (gf__pool_post(reads_client(c->method) ? d->upload_pool : d->pool, auth_and_handle, c)) {
    atomic_fetch_sub(&d->waiting[reads_client(c->method)], 1);
    reject(c, GF_UNAVAILABLE, "Server is shutting down.", GF__ERRCODE_SHUTTING_DOWN);
  }
}
