/* Worker pool: a mutex/condvar protected FIFO and N threads. Posting never
 * blocks. Workers run any task, including ones that block for a while
 * (DoPut readers). */
#include <pthread.h>
#include <stdlib.h>

#include "flight/pool.h"

typedef struct task {
  gf__task_fn fn;
  void* arg;
  struct task* next;
} task;

struct gf__pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  task *head, *tail;
  int stopping;
  int n;
  pthread_t* th;
};

static void* worker_main(void* p) {
  gf__pool* pool = p;
  pthread_mutex_lock(&pool->mu);
  for (;;) {
    while (!pool->head && !pool->stopping) pthread_cond_wait(&pool->cv, &pool->mu);
    task* t = pool->head;
    if (!t) break;
    pool->head = t->next;
    if (!pool->head) pool->tail = NULL;
    pthread_mutex_unlock(&pool->mu);
    t->fn(t->arg);
    free(t);
    pthread_mutex_lock(&pool->mu);
  }
  pthread_mutex_unlock(&pool->mu);
  return NULL;
}

int gf__pool_create(int threads, gf__pool** out) {
  gf__pool* p = calloc(1, sizeof(*p));
  if (!p) return -1;
  if (threads < 1) threads = 1;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->th = calloc((size_t)threads, sizeof(pthread_t));
  if (!p->th) {
    gf__pool_free(p);
    return -1;
  }
  for (int i = 0; i < threads; i++) {
    if (pthread_create(&p->th[i], NULL, worker_main, p)) break;
    p->n++;
  }
  if (p->n == 0) {
    gf__pool_free(p);
    return -1;
  }
  *out = p;
  return 0;
}

int gf__pool_post(gf__pool* p, gf__task_fn fn, void* arg) {
  task* t = malloc(sizeof(*t));
  if (!t) return -1;
  t->fn = fn;
  t->arg = arg;
  t->next = NULL;
  pthread_mutex_lock(&p->mu);
  if (p->stopping && p->n == 0) {
    pthread_mutex_unlock(&p->mu);
    free(t);
    return -1;
  }
  if (p->tail) p->tail->next = t;
  else p->head = t;
  p->tail = t;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
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
    task* t = p->head;
    if (t) {
      p->head = t->next;
      if (!p->head) p->tail = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    if (!t) break;
    t->fn(t->arg);
    free(t);
  }
}

void gf__pool_free(gf__pool* p) {
  if (!p) return;
  gf__pool_stop(p);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p->th);
  free(p);
}
