/* Test helper: a gf_call that is not attached to a transport, so errors
 * raised with gf_call_error_extra and finalizers registered with
 * gf_call_on_end can be inspected directly. Uses the flight module's call
 * layout (src/rpc/call.h). */
#ifndef GF_TEST_FAKE_CALL_H
#define GF_TEST_FAKE_CALL_H

#include <stdlib.h>
#include <string.h>

#include "rpc/call.h"

static void fake_call_init(gf_call* c) {
  memset(c, 0, sizeof(*c));
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
}

/* Runs the registered finalizers (as the server does at the end of a call). */
static void fake_call_end(gf_call* c, int status) {
  for (size_t i = 0; i < c->n_fins; i++) c->fins[i].fn(c->fins[i].user, status);
  free(c->fins);
  c->fins = NULL;
  c->n_fins = c->cap_fins = 0;
}

static void fake_call_free(gf_call* c) {
  fake_call_end(c, GF_OK);
  free(c->err_msg);
  free(c->err_extra);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
}

/* The recorded extra_info as a NUL-terminated string (static buffer). */
static const char* fake_call_extra(const gf_call* c) {
  static char buf[8192];
  size_t n = c->err_extra_len < sizeof(buf) - 1 ? c->err_extra_len : sizeof(buf) - 1;
  if (n) memcpy(buf, c->err_extra, n);
  buf[n] = '\0';
  return buf;
}

#endif
