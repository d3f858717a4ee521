/* Worker pool: a mutex/condvar protected FIFO and N threads (all started
 * at creation, or on demand for a lazy pool). Posting never blocks. Workers
 * run any task, including ones that block for a while (DoPut readers).
 * Task nodes are recycled (no malloc per post). Optional (env
 * GF_POOL_SPIN_NS, default 0 = off, see docs/performance.md): one idle
 * worker spins that long before sleeping and posters skip the condvar
 * signal while a spinner will pick the task up. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "common/instance.h"
#include "rpc/pool.h"

#ifndef GF__POOL_SPIN_NS
#define GF__POOL_SPIN_NS 0
#endif

typedef struct task {
  gf__task_fn fn;
  void* arg;
  struct task* next;
} task;

struct gf__pool {
  gf__instance* inst; /* workers' current instance: the creator's */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  task *head, *tail;
  task* free_list; /* recycled task nodes (no malloc per post) */
  int n_free;
  int stopping;
  int n;               /* workers started */
  int max;             /* workers allowed */
  int idle;            /* workers waiting for a task (under mu) */
  int lazy;            /* start workers on demand, up to max */
  const char* name;    /* thread name (static string) */
  int queued;          /* tasks in the FIFO (under mu) */
  atomic_int pending;  /* same, readable without the lock */
  atomic_int spinners; /* workers spinning for work */
  int64_t spin_ns;
  pthread_t* th;
};

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Spins (lock-free) until a task is pending or the budget ends. */
static void spin_for_work(gf__pool* p) {
  if (p->spin_ns <= 0) return;
  int expect = 0;
  if (!atomic_compare_exchange_strong(&p->spinners, &expect, 1)) return; /* one spinner */
  int64_t end = now_ns() + p->spin_ns;
  for (int i = 0; !atomic_load_explicit(&p->pending, memory_order_acquire); i++) {
    cpu_relax();
    if ((i & 63) == 63 && now_ns() > end) break;
  }
  atomic_store(&p->spinners, 0);
}

static task* take_locked(gf__pool* p) {
  task* t = p->head;
  p->head = t->next;
  if (!p->head) p->tail = NULL;
  p->queued--;
  atomic_store_explicit(&p->pending, p->queued, memory_order_release);
  return t;
}

static void recycle_locked(gf__pool* p, task* t) {
  if (p->n_free < 256) {
    t->next = p->free_list;
    p->free_list = t;
    p->n_free++;
  } else {
    free(t);
  }
}

static void* worker_main(void* arg) {
  gf__pool* p = arg;
  pthread_setname_np(pthread_self(), p->name);
  task* done = NULL;
  for (;;) {
    if (!atomic_load_explicit(&p->pending, memory_order_acquire)) spin_for_work(p);
    pthread_mutex_lock(&p->mu);
    if (done) recycle_locked(p, done);
    done = NULL;
    while (!p->head && !p->stopping) {
      p->idle++;
      pthread_cond_wait(&p->cv, &p->mu);
      p->idle--;
    }
    if (!p->head) break;
    task* t = take_locked(p);
    pthread_mutex_unlock(&p->mu);
    t->fn(t->arg);
    done = t;
  }
  pthread_mutex_unlock(&p->mu);
  free(done);
  return NULL;
}

static int pool_create(int threads, int lazy, const char* name, gf__pool** out) {
  gf__pool* p = calloc(1, sizeof(*p));
  if (!p) return -1;
  if (threads < 1) threads = 1;
  p->max = threads;
  p->lazy = lazy;
  p->name = name;
  p->inst = gf__instance_current();
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  atomic_init(&p->pending, 0);
  atomic_init(&p->spinners, 0);
  p->spin_ns = GF__POOL_SPIN_NS;
  const char* env = getenv("GF_POOL_SPIN_NS");
  if (env && *env) p->spin_ns = strtoll(env, NULL, 10);
  p->th = calloc((size_t)threads, sizeof(pthread_t));
  if (!p->th) {
    gf__pool_free(p);
    return -1;
  }
  for (int i = 0; i < (lazy ? 0 : threads); i++) {
    if (gf__thread_create_in(&p->th[i], worker_main, p, p->inst)) break;
    p->n++;
  }
  if (p->n == 0 && !lazy) {
    gf__pool_free(p);
    return -1;
  }
  *out = p;
  return 0;
}

int gf__pool_create(int threads, gf__pool** out) { return pool_create(threads, 0, "gf-rpc", out); }
int gf__pool_create_lazy(int threads, const char* name, gf__pool** out) {
  return pool_create(threads, 1, name, out);
}

/* Lazy pools: starts a worker when the queued tasks outnumber the idle
 * workers. Locked. A failed start leaves the task to the running workers
 * (or, with none yet, reports failure so the caller runs it). */
static int grow_locked(gf__pool* p) {
  if (!p->lazy || p->stopping || p->n >= p->max || p->idle >= p->queued) return 0;
  if (gf__thread_create_in(&p->th[p->n], worker_main, p, p->inst)) return p->n == 0 ? -1 : 0;
  p->n++;
  return 0;
}

int gf__pool_post(gf__pool* p, gf__task_fn fn, void* arg) {
  pthread_mutex_lock(&p->mu);
  if (p->stopping && p->n == 0) {
    pthread_mutex_unlock(&p->mu);
    return -1;
  }
  task* t = p->free_list;
  if (t) {
    p->free_list = t->next;
    p->n_free--;
  } else if (!(t = malloc(sizeof(*t)))) {
    pthread_mutex_unlock(&p->mu);
    return -1;
  }
  t->fn = fn;
  t->arg = arg;
  t->next = NULL;
  if (p->tail) p->tail->next = t;
  else p->head = t;
  p->tail = t;
  p->queued++;
  atomic_store_explicit(&p->pending, p->queued, memory_order_release);
  if (grow_locked(p)) {
    p->tail = NULL; /* undo: the task was the only one (no worker exists) */
    p->head = NULL;
    p->queued--;
    atomic_store_explicit(&p->pending, p->queued, memory_order_release);
    recycle_locked(p, t);
    pthread_mutex_unlock(&p->mu);
    return -1;
  }
  /* A spinning worker takes the first task without a wake-up. The signal
   * goes after the unlock so the woken worker does not block on mu. */
  int wake = p->queued > atomic_load(&p->spinners);
  pthread_mutex_unlock(&p->mu);
  if (wake) pthread_cond_signal(&p->cv);
  return 0;
}

void gf__pool_stop(gf__pool* p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  int n = p->n;
  p->stopping = 1;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < n; i++) pthread_join(p->th[i], NULL);
  pthread_mutex_lock(&p->mu);
  p->n = 0;
  pthread_mutex_unlock(&p->mu);
  /* Tasks posted while joining (by tasks themselves) run here. */
  for (;;) {
    pthread_mutex_lock(&p->mu);
    task* t = p->head ? take_locked(p) : NULL;
    pthread_mutex_unlock(&p->mu);
    if (!t) break;
    t->fn(t->arg);
    free(t);
  }
}

void gf__pool_free(gf__pool* p) {
  if (!p) return;
  gf__pool_stop(p);
  while (p->free_list) {
    task* t = p->free_list;
    p->free_list = t->next;
    free(t);
  }
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p->th);
  free(p);
}
