/* Tests for the malloc_trim maintenance thread: trims on a 1 s interval,
 * records gdfs_malloc_trim, rejects bad intervals, stops promptly. */
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
  CHECK_EQ_INT(gf__maintenance_start(NULL, 0, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "malloc_trim_interval_sec") != NULL);
  gf__maintenance_stop(); /* not running: no-op */
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
  uint64_t before = gf__maintenance_trim_count();
  CHECK_EQ_INT(gf__maintenance_start(m, 1, &err), GF_OK);
  CHECK_EQ_INT(gf__maintenance_start(m, 1, &err), GF_ALREADY_EXISTS);
  struct timespec ts = {2, 600000000};
  nanosleep(&ts, NULL);
  double t0 = now_s();
  gf__maintenance_stop();
  double stop_time = now_s() - t0;
  uint64_t trims = gf__maintenance_trim_count() - before;
  gf_metric* s = gf__metrics_find(m, "gdfs_malloc_trim");
  double observed = gf__cell_value(gf__metric_cell(s, NULL));
  gf__metrics_free(m);
  gf__log_configure(NULL, NULL);
  char* text = read_all(path, NULL);
  close(fd);
  unlink(path);
  CHECK_MSG(trims >= 1 && trims <= 3, "trims %llu", (unsigned long long)trims);
  CHECK(observed == (double)trims);
  CHECK_MSG(stop_time < 0.5, "stop took %f s", stop_time);
  CHECK(strstr(text, "\"event\":\"server_maintenance\"") != NULL);
  CHECK(strstr(text, "\"op\":\"malloc_trim\"") != NULL);
  CHECK(strstr(text, "\"duration\":") != NULL);
  free(text);
}

TEST(restart_after_stop) {
  gf_error err = {0};
  CHECK_EQ_INT(gf__maintenance_start(NULL, 30, &err), GF_OK);
  double t0 = now_s();
  gf__maintenance_stop();
  CHECK(now_s() - t0 < 0.5);
}

int main(void) {
  RUN(bad_interval_rejected);
  RUN(trims_every_interval_and_stops_promptly);
  RUN(restart_after_stop);
  TEST_MAIN_END();
}
