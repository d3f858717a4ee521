/* Maintenance thread (gooddata_flight_server.maintenance): wakes every
 * second and calls malloc_trim(0) when more than malloc_trim_interval_sec
 * passed since the last trim, observing gdfs_malloc_trim. Started/stopped by
 * the lifecycle thread; stop wakes it through a condition variable. */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "log/log_internal.h"
#include "metrics/metrics_core.h"

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static pthread_t g_thread;
static int g_running;   /* thread exists (guarded by g_mu) */
static int g_stop;      /* stop requested (guarded by g_mu) */
static int g_interval;
static gf_metric* g_trim;
static gf_metric* g_trim_err;
static atomic_uint_fast64_t g_trims;

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void do_trim(gf_logger* lg) {
  double t0 = mono_now();
  malloc_trim(0);
  double dur = mono_now() - t0;
  atomic_fetch_add(&g_trims, 1);
  gf_metric_observe(g_trim, NULL, dur);
  GF_LOG(lg, GF_LOG_DEBUG, "server_maintenance", GF_STR("op", "malloc_trim"), GF_DBL("duration", dur));
}

static void* run(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "gf-maintenance");
  gf_logger* lg = gf_logger_get("gooddata_flight_server.maintenance");
  double last = mono_now();
  pthread_mutex_lock(&g_mu);
  while (!g_stop) {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 1;
    while (!g_stop && pthread_cond_timedwait(&g_cv, &g_mu, &deadline) == 0) {
    }
    if (g_stop) break;
    if (mono_now() - last > (double)g_interval) {
      pthread_mutex_unlock(&g_mu);
      do_trim(lg);
      last = mono_now();
      pthread_mutex_lock(&g_mu);
    }
  }
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

static void init_cond(void) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&g_cv, &attr);
  pthread_condattr_destroy(&attr);
}

int gf__maintenance_start(gf_metrics* m, int trim_interval_sec, gf_error* err) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  if (trim_interval_sec <= 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "malloc_trim_interval_sec must be a positive number (got %d)",
                        trim_interval_sec);
  pthread_once(&once, init_cond);
  pthread_mutex_lock(&g_mu);
  if (g_running) {
    pthread_mutex_unlock(&g_mu);
    return gf_error_set(err, GF_ALREADY_EXISTS, "maintenance thread already running");
  }
  g_stop = 0;
  g_interval = trim_interval_sec;
  g_trim = gf__metrics_find(m, "gdfs_malloc_trim");
  g_trim_err = gf__metrics_find(m, "gdfs_malloc_trim_error");
  int rc = pthread_create(&g_thread, NULL, run, NULL);
  g_running = rc == 0;
  pthread_mutex_unlock(&g_mu);
  if (rc != 0) return gf_error_set(err, GF_INTERNAL, "cannot start maintenance thread (error %d)", rc);
  return GF_OK;
}

void gf__maintenance_stop(void) {
  pthread_mutex_lock(&g_mu);
  if (!g_running) {
    pthread_mutex_unlock(&g_mu);
    return;
  }
  g_stop = 1;
  pthread_cond_broadcast(&g_cv);
  pthread_t t = g_thread;
  pthread_mutex_unlock(&g_mu);
  pthread_join(t, NULL);
  pthread_mutex_lock(&g_mu);
  g_running = 0;
  pthread_mutex_unlock(&g_mu);
}

uint64_t gf__maintenance_trim_count(void) { return atomic_load(&g_trims); }
