/* Test support for the C client tests: starts the real server binary
 * (<build>/bin/gooddata-flight-server start --methods-provider
 * <build>/examples/lib<name>.so --config <tmp>) on a free loopback port as a
 * child process, waits until it answers ListActions, and stops it with
 * SIGTERM checking the exit status. The build directory is derived from the
 * test binary's own path (<build>/tests/flight/test_x). A watchdog alarm
 * bounds every test binary. Header-only; the test's main thread. */
#ifndef GF_TESTS_FLIGHT_CLIENT_HARNESS_H
#define GF_TESTS_FLIGHT_CLIENT_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gooddata_flight_server/client.h"

typedef struct test_server {
  pid_t pid;
  int port;
  char uri[64];
  char dir[PATH_MAX];
  char log_path[PATH_MAX + 16];
} test_server;

static char test_build_dir[PATH_MAX];

static inline const char* test_build(void) {
  if (test_build_dir[0]) return test_build_dir;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return "build";
  exe[n] = 0;
  /* <build>/tests/flight/test_x -> <build> */
  char* d = dirname(exe);
  d = dirname(d);
  d = dirname(d);
  snprintf(test_build_dir, sizeof(test_build_dir), "%s", d);
  return test_build_dir;
}

/* Plugin path: an example name -> <build>/examples/lib<name>.so; a name
 * starting with "tests/" -> <build>/tests/plugins/lib<basename>.so. */
static inline void test_plugin_path(const char* example, char* out, size_t cap) {
  if (strncmp(example, "tests/", 6) == 0)
    snprintf(out, cap, "%s/tests/plugins/lib%s.so", test_build(), example + 6);
  else
    snprintf(out, cap, "%s/examples/lib%s.so", test_build(), example);
}

static inline int test_have_server(const char* example) {
  char p[PATH_MAX + 64];
  snprintf(p, sizeof(p), "%s/bin/gooddata-flight-server", test_build());
  if (access(p, X_OK) != 0) return 0;
  test_plugin_path(example, p, sizeof(p));
  return access(p, R_OK) == 0;
}

static inline int test_free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof(a);
  int port = -1;
  if (bind(s, (struct sockaddr*)&a, sizeof(a)) == 0 && getsockname(s, (struct sockaddr*)&a, &l) == 0)
    port = ntohs(a.sin_port);
  close(s);
  return port;
}

static inline void test_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* 1 once the server answers a gRPC call with anything but UNAVAILABLE/TIMED_OUT. */
static inline int test_server_probe(const char* uri, const gf_client_options* copts) {
  gf_client* c = NULL;
  if (gf_client_create(uri, copts, &c, NULL)) return 0;
  gf_call_options o = {sizeof(o), NULL, 0, 1000, NULL};
  gf_client_action_types t;
  int rc = gf_client_list_actions(c, &o, &t, NULL);
  if (rc == GF_OK) gf_client_action_types_clear(&t);
  gf_client_free(c);
  return rc != GF_UNAVAILABLE && rc != GF_TIMED_OUT;
}

/* Tail of the server log (static buffer). */
static inline const char* test_server_log(const test_server* s) {
  static char buf[65536];
  buf[0] = 0;
  FILE* f = fopen(s->log_path, "rb");
  if (!f) return buf;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  long start = size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0;
  fseek(f, start, SEEK_SET);
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

/* Starts the server with examples/lib<example>.so; `extra` is appended to the
 * TOML config (may be NULL). `probe` (may be NULL) are the client options
 * used to detect readiness; with tls set the URI is grpc+tls://. Returns 0
 * on success. */
static inline int test_server_start_ex(test_server* s, const char* example, const char* extra,
                                       int tls, const gf_client_options* probe) {
  memset(s, 0, sizeof(*s));
  s->port = test_free_port();
  snprintf(s->dir, sizeof(s->dir), "/tmp/gf-ctest-XXXXXX");
  if (s->port <= 0 || !mkdtemp(s->dir)) return -1;
  char cfg[PATH_MAX + 32], bin[PATH_MAX + 64], so[PATH_MAX + 64];
  snprintf(cfg, sizeof(cfg), "%s/server.toml", s->dir);
  snprintf(s->log_path, sizeof(s->log_path), "%s/server.log", s->dir);
  snprintf(bin, sizeof(bin), "%s/bin/gooddata-flight-server", test_build());
  test_plugin_path(example, so, sizeof(so));
  FILE* f = fopen(cfg, "w");
  if (!f) return -1;
  fprintf(f, "[server]\nlisten_host = \"127.0.0.1\"\nlisten_port = %d\nadvertise_host = \"127.0.0.1\"\n%s\n",
          s->port, extra ? extra : "");
  fclose(f);
  snprintf(s->uri, sizeof(s->uri), "%s://127.0.0.1:%d", tls ? "grpc+tls" : "grpc", s->port);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execl(bin, bin, "start", "--methods-provider", so, "--config", cfg, (char*)NULL);
    _exit(127);
  }
  s->pid = pid;
  for (int i = 0; i < 300; i++) { /* up to ~30 s (ASan start-up is slow) */
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      fprintf(stderr, "server exited early; log:\n%s\n", test_server_log(s));
      s->pid = 0;
      return -1;
    }
    if (test_server_probe(s->uri, probe)) return 0;
    test_sleep_ms(100);
  }
  fprintf(stderr, "server not ready; log:\n%s\n", test_server_log(s));
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  s->pid = 0;
  return -1;
}

static inline int test_server_start(test_server* s, const char* example, const char* extra) {
  return test_server_start_ex(s, example, extra, 0, NULL);
}

/* SIGTERM, wait (SIGKILL after 20 s). Returns the exit code, or 128+signal. */
static inline int test_server_stop(test_server* s) {
  if (s->pid <= 0) return -1;
  kill(s->pid, SIGTERM);
  int st = 0, rc = -1;
  for (int i = 0; i < 400; i++) {
    if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
      rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    test_sleep_ms(50);
  }
  if (rc < 0) {
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &st, 0);
    rc = 137;
  }
  if (rc != 0) fprintf(stderr, "server exit %d; log tail:\n%s\n", rc, test_server_log(s));
  s->pid = 0;
  char p[PATH_MAX + 32];
  snprintf(p, sizeof(p), "%s/server.toml", s->dir);
  unlink(p);
  unlink(s->log_path);
  rmdir(s->dir);
  return rc;
}

/* Watchdog: the whole binary must finish within `seconds`. */
static inline void test_watchdog(unsigned seconds) {
  signal(SIGPIPE, SIG_IGN);
  alarm(seconds);
}

#endif
