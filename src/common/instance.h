/* The current instance of a thread: whose logging and tracing the log lines
 * and spans of this thread belong to (a gf_server's, or the process default
 * when NULL). Threads started with gf__thread_create inherit the creator's
 * instance, so every pool/worker thread of a server knows its server. */
#ifndef GF__INSTANCE_H
#define GF__INSTANCE_H

#include <pthread.h>

struct gf__log_domain;
struct gf__tracer;

typedef struct gf__instance {
  struct gf__log_domain* log; /* NULL: the process default logging */
  struct gf__tracer* tracer;  /* NULL: no tracing for this instance */
} gf__instance;

/* This thread's instance; NULL means the process default. */
gf__instance* gf__instance_current(void);
/* Makes `in` (NULL: the process default) current on this thread; returns
 * the previous one, for gf__instance_exit. */
gf__instance* gf__instance_enter(gf__instance* in);
void gf__instance_exit(gf__instance* previous);

/* pthread_create whose thread starts with the caller's current instance.
 * Returns pthread_create's result. */
int gf__thread_create(pthread_t* th, void* (*fn)(void*), void* arg);
/* Same, with `in` as the new thread's instance (pools that start workers
 * lazily keep the instance they were created in). */
int gf__thread_create_in(pthread_t* th, void* (*fn)(void*), void* arg, gf__instance* in);

#endif
