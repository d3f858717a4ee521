/* Thread-local current instance (instance.h) and the thread start
 * trampoline that hands it to new threads. Any thread. */
#include <stdlib.h>

#include "common/instance.h"

static _Thread_local gf__instance* t_instance;

gf__instance* gf__instance_current(void) { return t_instance; }

gf__instance* gf__instance_enter(gf__instance* in) {
  gf__instance* prev = t_instance;
  t_instance = in;
  return prev;
}

void gf__instance_exit(gf__instance* previous) { t_instance = previous; }

typedef struct start {
  void* (*fn)(void*);
  void* arg;
  gf__instance* in;
} start;

static void* trampoline(void* p) {
  start st = *(start*)p;
  free(p);
  t_instance = st.in;
  return st.fn(st.arg);
}

int gf__thread_create(pthread_t* th, void* (*fn)(void*), void* arg) {
  return gf__thread_create_in(th, fn, arg, t_instance);
}

int gf__thread_create_in(pthread_t* th, void* (*fn)(void*), void* arg, gf__instance* in) {
  start* st = malloc(sizeof *st);
  if (!st) return -1;
  st->fn = fn;
  st->arg = arg;
  st->in = in;
  int rc = pthread_create(th, NULL, trampoline, st);
  if (rc) free(st);
  return rc;
}
