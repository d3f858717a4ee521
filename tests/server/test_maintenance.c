/* Tests for the malloc_trim maintenance thread: trims on a 1 s interval,
 * records gdfs_malloc_trim (in each instance's own registry), rejects bad intervals, stops promptly. */
#include <time.h>

#include "support/ops_util.h"
#include "log/log_internal.h"
#include "metrics/metrics_core.h"
#include "test.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(bad_interval_rejected) {
  gf_error err = {0};
  gf__maintenance* mt = NULL;
  CHECK_EQ_INT(gf__maintenance_start(NULL, 0, &mt, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "malloc_trim_interval_sec") != NULL);
  CHECK(mt == NULL);
  gf__maintenance_stop(mt); /* NULL: no-op */
}

TEST(trims_every_interval_and_stops_promptly) {
  char path[64];
  int fd = capture_open(path);
  char ini[] = "/tmp/gf_ops_iniXXXXXX";
  int ifd = mkstemp(ini);
  close(ifd);
  write_file(ini, "[loggers]\nkeys=root,m\n[logger_root]\nlevel=INFO\n"
                  "[logger_m]\nlevel=DEBUG\nqualname=gooddata_flight_server.maintenance\n");
  CHECK_EQ_INT(gf__log_configure(&(gf__log_options){.fd = fd, .config_file = ini}, NULL), GF_OK);
  unlink(ini);
  gf_metrics* m = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__metrics_create(&m), GF_OK);
  gf_metrics* m2 = NULL;
  CHECK_EQ_INT(gf__metrics_create(&m2), GF_OK);
  gf__maintenance *mt = NULL, *mt2 = NULL;
  CHECK_EQ_INT(gf__maintenance_start(m, 1, &mt, &err), GF_OK);
  CHECK_EQ_INT(gf__maintenance_start(m2, 1, &mt2, &err), GF_OK); /* a second instance */
  struct timespec ts = {2, 600000000};
  nanosleep(&ts, NULL);
  double t0 = now_s();
  gf_metric* s = gf__metrics_find(m, "gdfs_malloc_trim");
  gf_metric* s2 = gf__metrics_find(m2, "gdfs_malloc_trim");
  gf__maintenance_stop(mt2);
  uint64_t trims = gf__maintenance_trim_count(mt);
  gf__maintenance_stop(mt);
  double stop_time = now_s() - t0;
  double observed = gf__cell_value(gf__metric_cell(s, NULL));
  double observed2 = gf__cell_value(gf__metric_cell(s2, NULL));
  gf__metrics_free(m);
  gf__metrics_free(m2);
  gf__log_configure(NULL, NULL);
  char* text = read_all(path, NULL);
  close(fd);
  unlink(path);
  CHECK_MSG(trims >= 1 && trims <= 3, "trims %llu", (unsigned long long)trims);
  CHECK(observed == (double)trims);
  CHECK_MSG(observed2 >= 1 && observed2 <= 3, "second registry %f", observed2);
  CHECK_MSG(stop_time < 1.0, "stop took %f s", stop_time);
  CHECK(strstr(text, "\"event\":\"server_maintenance\"") != NULL);
  CHECK(strstr(text, "\"op\":\"malloc_trim\"") != NULL);
  CHECK(strstr(text, "\"duration\":") != NULL);
  free(text);
}

TEST(restart_after_stop) {
  gf_error err = {0};
  gf__maintenance* mt = NULL;
  CHECK_EQ_INT(gf__maintenance_start(NULL, 30, &mt, &err), GF_OK);
  double t0 = now_s();
  gf__maintenance_stop(mt);
  CHECK(now_s() - t0 < 0.5);
}

int main(void) {
  RUN(bad_interval_rejected);
  RUN(trims_every_interval_and_stops_promptly);
  RUN(restart_after_stop);
  TEST_MAIN_END();
}
