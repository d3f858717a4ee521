/* Tests for the health monitor and its HTTP endpoint: readiness/liveness
 * rules, status codes over real HTTP on 127.0.0.1, headers and start/stop. */
#include <dirent.h>

#include "support/ops_util.h"
#include "admin/health_internal.h"
#include "log/log_internal.h"
#include "test.h"

static int count_fds(void) {
  DIR* d = opendir("/proc/self/fd");
  int n = 0;
  while (d && readdir(d)) n++;
  if (d) closedir(d);
  return n;
}

TEST(rules_without_http) {
  gf_health* h = NULL;
  CHECK_EQ_INT(gf__health_create(&h), GF_OK);
  CHECK(!gf_health_is_ready(h));
  CHECK(gf_health_is_alive(h));  /* no modules yet */
  CHECK_EQ_INT(gf_health_set_module_status(h, "db", GF_MODULE_OK), GF_OK);
  CHECK(!gf_health_is_ready(h));
  CHECK_EQ_INT(gf_health_set_module_status(h, "server", GF_MODULE_OK), GF_OK);
  CHECK(gf_health_is_ready(h));
  CHECK_EQ_INT(gf_health_set_module_status(h, "db", GF_MODULE_NOT_OK), GF_OK);
  CHECK(!gf_health_is_alive(h));
  CHECK(gf_health_is_ready(h));  /* readiness only follows "server" */
  CHECK_EQ_INT(gf_health_set_module_status(h, "db", GF_MODULE_OK), GF_OK);
  CHECK(gf_health_is_alive(h));
  CHECK(gf_health_set_module_status(h, NULL, GF_MODULE_OK) != GF_OK);
  CHECK(gf_health_set_module_status(h, "x", (gf_module_status)7) != GF_OK);
  CHECK(gf_health_set_module_status(NULL, "x", GF_MODULE_OK) != GF_OK);
  gf__health_free(h);
}

TEST(http_status_codes_follow_modules) {
  gf__log_configure(&(gf__log_options){.fd = open("/dev/null", O_WRONLY | O_CLOEXEC)}, NULL);
  gf_health* h = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__health_create(&h), GF_OK);
  CHECK_EQ_INT(gf__health_http_port(h), -1);
  CHECK_EQ_INT(gf__health_http_start(h, "127.0.0.1", 0, &err), GF_OK);
  int port = gf__health_http_port(h);
  CHECK(port > 0);
  CHECK_EQ_INT(http_status(port, "GET", "/ready"), 500);
  CHECK_EQ_INT(http_status(port, "GET", "/live"), 204);
  gf_health_set_module_status(h, "server", GF_MODULE_OK);
  CHECK_EQ_INT(http_status(port, "GET", "/ready"), 204);
  gf_health_set_module_status(h, "cache", GF_MODULE_NOT_OK);
  CHECK_EQ_INT(http_status(port, "GET", "/live"), 500);
  gf_health_set_module_status(h, "cache", GF_MODULE_OK);
  CHECK_EQ_INT(http_status(port, "GET", "/live"), 204);
  CHECK_EQ_INT(http_status(port, "GET", "/ready?x=1"), 404);
  CHECK_EQ_INT(http_status(port, "GET", "/"), 404);
  CHECK_EQ_INT(http_status(port, "GET", "/readyz"), 404);
  CHECK_EQ_INT(http_status(port, "POST", "/ready"), 501);
  http_result r = http_request(port, "GET", "/ready");
  CHECK_EQ_INT(r.status, 204);
  CHECK_EQ_INT(r.body_len, 0);
  CHECK(strstr(r.head, "Server: gooddata-flight-server/") != NULL);
  CHECK(strstr(r.head, "Date: ") != NULL);
  http_result_free(&r);
  CHECK_EQ_INT(gf__health_http_start(h, "127.0.0.1", 0, &err), GF_ALREADY_EXISTS);
  gf__health_http_stop(h);
  CHECK_EQ_INT(http_status(port, "GET", "/ready"), -1);
  gf__health_free(h);
  gf__log_configure(NULL, NULL);
}

TEST(warning_logs_on_failure) {
  char path[64];
  int fd = capture_open(path);
  gf__log_configure(&(gf__log_options){.fd = fd}, NULL);
  gf_health* h = NULL;
  CHECK_EQ_INT(gf__health_create(&h), GF_OK);
  CHECK_EQ_INT(gf__health_http_start(h, "localhost", 0, NULL), GF_OK);
  int port = gf__health_http_port(h);
  gf_health_set_module_status(h, "storage", GF_MODULE_NOT_OK);
  int ready = http_status(port, "GET", "/ready"), live = http_status(port, "GET", "/live");
  gf__health_free(h);
  gf__log_configure(NULL, NULL);
  char* text = read_all(path, NULL);
  close(fd);
  unlink(path);
  static const char* const want[] = {
      "\"event\":\"health_check_started\"", "\"event\":\"flight_server_not_ready\",",
      "\"event\":\"unhealthy_module\"", "\"module\":\"storage\"", "\"level\":\"warning\""};
  const char* missing = text ? NULL : "(no log)";
  for (size_t i = 0; !missing && i < sizeof want / sizeof want[0]; i++)
    if (!strstr(text, want[i])) missing = want[i];
  free(text); /* before any check, so a failure leaks nothing */
  CHECK_EQ_INT(ready, 500);
  CHECK_EQ_INT(live, 500);
  CHECK_MSG(missing == NULL, "log lacks %s", missing);
}

TEST(bind_errors_and_no_fd_leak) {
  gf_health *a = NULL, *b = NULL;
  gf_error err = {0};
  int before = count_fds();
  CHECK_EQ_INT(gf__health_create(&a), GF_OK);
  CHECK_EQ_INT(gf__health_create(&b), GF_OK);
  CHECK_EQ_INT(gf__health_http_start(a, "127.0.0.1", 0, &err), GF_OK);
  int port = gf__health_http_port(a);
  CHECK_EQ_INT(gf__health_http_start(b, "127.0.0.1", port, &err), GF_IO_ERROR);
  CHECK_MSG(strstr(err.message, "health_check") != NULL, "%s", err.message);
  CHECK_EQ_INT(gf__health_http_start(b, "127.0.0.1", 70000, &err), GF_INVALID_ARGUMENT);
  gf__health_free(a);
  gf__health_free(b);
  CHECK_EQ_INT(count_fds(), before);
}

int main(void) {
  RUN(rules_without_http);
  RUN(http_status_codes_follow_modules);
  RUN(warning_logs_on_failure);
  RUN(bind_errors_and_no_fd_leak);
  TEST_MAIN_END();
}
