/* Dispatcher core: new calls from the transport (CQ thread) pass the
 * availability gate and are handed to the worker pool; workers run the auth
 * hook and then the method handler (dispatch_methods.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flight/call.h"
#include "flight/dispatch.h"
#include "flight/errors.h"
#include "flight/method.h"

int gf__dispatcher_create(const gf__dispatcher_options* o, gf__dispatcher** out, gf_error* err) {
  gf__dispatcher* d = calloc(1, sizeof(*d));
  if (!d) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  d->o = *o;
  atomic_init(&d->gate, GF__GATE_NOT_READY);
  atomic_init(&d->active_calls, 0);
  if (gf__pool_create(o->rpc_threads > 0 ? o->rpc_threads : 8, &d->pool)) {
    free(d);
    return gf_error_set(err, GF_INTERNAL, "cannot start %d RPC worker threads", o->rpc_threads);
  }
  *out = d;
  return GF_OK;
}

void gf__dispatcher_set_methods(gf__dispatcher* d, const gf_methods* m) { d->methods = m; }
void gf__dispatcher_set_gate(gf__dispatcher* d, int gate) { atomic_store(&d->gate, gate); }

void gf__dispatcher_stop(gf__dispatcher* d) {
  if (d) gf__pool_stop(d->pool);
}

void gf__dispatcher_free(gf__dispatcher* d) {
  if (!d) return;
  gf__pool_free(d->pool);
  free(d);
}

static void reject(gf_call* c, int code, const char* msg, int info_code) {
  char* json = info_code ? gf__error_info_json(msg, info_code) : NULL;
  gf__call_set_error(c, code, msg, json, json ? strlen(json) : 0);
  free(json);
  gf__call_finish(c, NULL, code);
}

static void auth_and_handle(void* arg) {
  gf_call* c = arg;
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
      return;
    }
    c->identity = identity;
    c->auth_data = data;
  }
  gf__handle_call(c);
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
  if (gf__pool_post(d->pool, auth_and_handle, c))
    reject(c, GF_UNAVAILABLE, "Server is shutting down.", GF__ERRCODE_SHUTTING_DOWN);
}
