/* Plugin-side authentication of a call: the methods-table `authenticate`
 * hook, run by the dispatcher on the worker before the method handler, and
 * the identity it may set. Worker threads. */
#include <stdlib.h>
#include <string.h>

#include "rpc/call.h"
#include "rpc/dispatch.h"
#include "flight/method.h"

gf_status gf_call_set_identity(gf_call* call, const char* identity) {
  char* c = identity ? strdup(identity) : NULL;
  if (identity && !c) return GF_NO_MEMORY;
  free(call->identity);
  call->identity = c;
  return GF_OK;
}

int gf__call_plugin_authenticate(gf_call* c) {
  const gf_methods* m = c->d->methods;
  if (!m || !m->authenticate || c->method == GF__M_HANDSHAKE) return GF_OK;
  int rc = m->authenticate(m->state, c);
  if (rc == GF_OK) return GF_OK;
  pthread_mutex_lock(&c->mu);
  int has_msg = c->err_code != 0;
  pthread_mutex_unlock(&c->mu);
  if (!has_msg) gf__call_set_error(c, rc, "Unauthenticated", NULL, 0);
  gf__call_finish(c, NULL, rc);
  return rc;
}
