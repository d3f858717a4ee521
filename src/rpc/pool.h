/* Bounded worker pool running plugin callbacks and stream steps. Tasks are
 * queued (FIFO) and run by `threads` workers; gf__pool_post is non-blocking
 * and safe from CQ threads. gf__pool_stop drains the queue and joins. */
#ifndef GF__FLIGHT_POOL_H
#define GF__FLIGHT_POOL_H

typedef struct gf__pool gf__pool;
typedef void (*gf__task_fn)(void* arg);

int gf__pool_create(int threads, gf__pool** out);
/* Same, but workers start on demand (when queued tasks outnumber idle
 * workers), up to `threads`, and stay; `name` (static) names their threads. */
int gf__pool_create_lazy(int threads, const char* name, gf__pool** out);
/* Returns 0 when queued; non-zero when the pool is stopped or out of memory
 * (the caller must then run or drop the task itself). */
int gf__pool_post(gf__pool* p, gf__task_fn fn, void* arg);
/* Runs every queued task, then joins the workers. Idempotent. */
void gf__pool_stop(gf__pool* p);
void gf__pool_free(gf__pool* p);

#endif
