/* Maintenance thread of one server instance
 * (gooddata_flight_server.maintenance): wakes every second and calls
 * malloc_trim(0) when more than malloc_trim_interval_sec passed since the
 * last trim, observing gdfs_malloc_trim in that server's registry and
 * logging through that server's instance (inherited at start). Started and
 * stopped by the lifecycle thread; stop wakes it through a condition
 * variable. */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "common/instance.h"
#include "log/log_internal.h"
#include "metrics/metrics_core.h"
#include "metrics/metrics_internal.h"

struct gf__maintenance {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  int stop;               /* stop requested (guarded by mu) */
  int interval;
  gf_metric* trim;
  atomic_uint_fast64_t trims;
};

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* glibc sets its allocator up lazily, and malloc_trim does so without a lock
 * when nothing has called glibc's malloc yet (sanitizer builds replace
 * malloc): two maintenance threads trimming for the first time at once
 * crashed there. The first start does it once, before any thread runs. */
static pthread_once_t g_malloc_once = PTHREAD_ONCE_INIT;
static void malloc_setup(void) { malloc_trim(0); }

static void do_trim(gf__maintenance* mt, gf_logger* lg) {
  double t0 = mono_now();
  malloc_trim(0);
  double dur = mono_now() - t0;
  atomic_fetch_add(&mt->trims, 1);
  gf_metric_observe(mt->trim, NULL, dur);
  GF_LOG(lg, GF_LOG_DEBUG, "server_maintenance", GF_STR("op", "malloc_trim"), GF_DBL("duration", dur));
}

static void* run(void* arg) {
  gf__maintenance* mt = arg;
  pthread_setname_np(pthread_self(), "gf-maintenance");
  gf_logger* lg = gf_logger_get("gooddata_flight_server.maintenance");
  double last = mono_now();
  pthread_mutex_lock(&mt->mu);
  while (!mt->stop) {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 1;
    while (!mt->stop && pthread_cond_timedwait(&mt->cv, &mt->mu, &deadline) == 0) {
    }
    if (mt->stop) break;
    if (mono_now() - last > (double)mt->interval) {
      pthread_mutex_unlock(&mt->mu);
      do_trim(mt, lg);
      last = mono_now();
      pthread_mutex_lock(&mt->mu);
    }
  }
  pthread_mutex_unlock(&mt->mu);
  return NULL;
}

static void init_sync(gf__maintenance* mt) {
  pthread_mutex_init(&mt->mu, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&mt->cv, &attr);
  pthread_condattr_destroy(&attr);
}

int gf__maintenance_start(gf_metrics* m, int trim_interval_sec, gf__maintenance** out,
                          gf_error* err) {
  *out = NULL;
  if (trim_interval_sec <= 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "malloc_trim_interval_sec must be a positive number (got %d)",
                        trim_interval_sec);
  gf__maintenance* mt = calloc(1, sizeof *mt);
  if (!mt) return gf_error_set(err, GF_NO_MEMORY, "maintenance: out of memory");
  pthread_once(&g_malloc_once, malloc_setup);
  init_sync(mt);
  mt->interval = trim_interval_sec;
  mt->trim = gf__metrics_find(m, "gdfs_malloc_trim");
  int rc = gf__thread_create(&mt->thread, run, mt);
  if (rc != 0) {
    pthread_cond_destroy(&mt->cv);
    pthread_mutex_destroy(&mt->mu);
    free(mt);
    return gf_error_set(err, GF_INTERNAL, "cannot start maintenance thread (error %d)", rc);
  }
  *out = mt;
  return GF_OK;
}

void gf__maintenance_stop(gf__maintenance* mt) {
  if (!mt) return;
  pthread_mutex_lock(&mt->mu);
  mt->stop = 1;
  pthread_cond_broadcast(&mt->cv);
  pthread_mutex_unlock(&mt->mu);
  pthread_join(mt->thread, NULL);
  pthread_cond_destroy(&mt->cv);
  pthread_mutex_destroy(&mt->mu);
  free(mt);
}

uint64_t gf__maintenance_trim_count(const gf__maintenance* mt) {
  return mt ? atomic_load(&((gf__maintenance*)mt)->trims) : 0;
}
