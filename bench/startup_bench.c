/* Start-up and idle-memory benchmark: starts the server binary with a plugin
 * (e.g. the store example) REPS times on free loopback ports with the health
 * endpoint on 127.0.0.1, measures process start (fork) to the first 2xx
 * answer of GET /ready, then reads the idle server's VmRSS and thread count
 * and stops it with SIGTERM (checking exit code 0).
 * Usage: startup_bench <server-bin> <plugin.so> [reps] [grpc_floor-bin] [grpc_unary_floor-bin]
 * Prints one line per run and a median line; with grpc_floor (a program that
 * only loads libgrpc and calls grpc_init), also that floor's median start
 * (exec to exit) and RSS, and the server's figures over it; with
 * grpc_unary_floor (a bare gRPC server), its median exec-to-listening time.
 * /ready is polled every 1 ms (at 200 µs the probes themselves, each logged
 * by the not-yet-ready server, slowed start-up by ~2.5 ms on 2 cores).
 * Main thread only. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/proc_status.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof(a);
  int port = -1;
  if (s >= 0 && bind(s, (struct sockaddr*)&a, sizeof(a)) == 0 && getsockname(s, (struct sockaddr*)&a, &l) == 0)
    port = ntohs(a.sin_port);
  if (s >= 0) close(s);
  return port;
}

/* HTTP status of GET /ready, or -1 when not answering yet. */
static int get_ready(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int code = -1;
  if (connect(s, (struct sockaddr*)&a, sizeof(a)) == 0) {
    static const char req[] = "GET /ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    char buf[64] = {0};
    if (write(s, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1) && read(s, buf, sizeof(buf) - 1) > 12)
      code = atoi(buf + 9);
  }
  close(s);
  return code;
}

static int cmp_d(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static int one_run(const char* bin, const char* so, double* ms, long* rss_kb, long* threads) {
  char dir[] = "/tmp/gf-startup-XXXXXX";
  if (!mkdtemp(dir)) return -1;
  char cfg[64];
  snprintf(cfg, sizeof(cfg), "%s/server.toml", dir);
  int port = free_port(), hport = free_port();
  FILE* f = fopen(cfg, "w");
  if (!f) return -1;
  fprintf(f, "[server]\nlisten_host = \"127.0.0.1\"\nlisten_port = %d\nadvertise_host = \"127.0.0.1\"\n"
             "health_check_host = \"127.0.0.1\"\nhealth_check_port = %d\n", port, hport);
  fclose(f);
  double t0 = now_s();
  pid_t pid = fork();
  if (pid == 0) {
    FILE* null = freopen("/dev/null", "w", stderr);
    (void)null;
    execl(bin, bin, "start", "--methods-provider", so, "--config", cfg, (char*)NULL);
    _exit(127);
  }
  int code = -1;
  while (now_s() - t0 < 20) {
    code = get_ready(hport);
    if (code >= 200 && code < 300) break;
    if (waitpid(pid, NULL, WNOHANG) == pid) {
      pid = -1;
      break;
    }
    usleep(1000);
  }
  *ms = (now_s() - t0) * 1000;
  int rc = code >= 200 && code < 300 ? 0 : -1;
  if (pid > 0) {
    usleep(300000); /* settle: the idle footprint */
    *rss_kb = gf_test_proc_status(pid, "VmRSS");
    *threads = gf_test_proc_status(pid, "Threads");
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) rc = -1;
  }
  unlink(cfg);
  rmdir(dir);
  return rc;
}

/* Runs bin once with stdout on a pipe and reads its first output into buf
 * (cap bytes, NUL-terminated). server: the time is taken at that output and
 * bin is then stopped with SIGTERM; else when bin exits on its own, which
 * must be with status 0. Returns the bytes read, or -1. */
static ssize_t run_first_output(const char* bin, int server, double* ms, char* buf, size_t cap) {
  int fd[2];
  if (pipe(fd)) return -1;
  double t0 = now_s();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    execl(bin, bin, (char*)NULL);
    _exit(127);
  }
  close(fd[1]);
  memset(buf, 0, cap);
  ssize_t n = read(fd[0], buf, cap - 1);
  if (server) *ms = (now_s() - t0) * 1000;
  close(fd[0]);
  if (server) kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  if (!server) *ms = (now_s() - t0) * 1000;
  if (!server && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) return -1;
  return n;
}

/* The grpc_init-only program: wall time exec->exit and its reported RSS. */
static int floor_run(const char* bin, double* ms, double* rss_mib) {
  char buf[64];
  ssize_t n = run_first_output(bin, 0, ms, buf, sizeof(buf));
  *rss_mib = n > 0 ? strtod(buf, NULL) / 1024.0 : -1;
  return n > 0 ? 0 : -1;
}

/* A bare gRPC server (grpc_unary_floor): wall time exec -> its "port=" line. */
static int server_floor_run(const char* bin, double* ms) {
  char buf[64];
  ssize_t n = run_first_output(bin, 1, ms, buf, sizeof(buf));
  return n > 5 && strncmp(buf, "port=", 5) == 0 ? 0 : -1;
}

static void server_floor_line(const char* bin, int reps, double ready_ms) {
  double t[50];
  for (int i = 0; i < reps; i++)
    if (server_floor_run(bin, &t[i])) {
      fprintf(stderr, "startup_bench: %s failed\n", bin);
      return;
    }
  qsort(t, (size_t)reps, sizeof(double), cmp_d);
  printf("floor bare_grpc_server_listening median_ms=%.1f server_over_floor_ms=%.1f\n", t[reps / 2],
         ready_ms - t[reps / 2]);
}

static void floor_line(const char* bin, int reps, double ready_ms, double rss_mib) {
  double t[50], r[50];
  for (int i = 0; i < reps; i++)
    if (floor_run(bin, &t[i], &r[i])) {
      fprintf(stderr, "startup_bench: %s failed\n", bin);
      return;
    }
  qsort(t, (size_t)reps, sizeof(double), cmp_d);
  qsort(r, (size_t)reps, sizeof(double), cmp_d);
  printf("floor grpc_init_only median_ms=%.1f rss_mib=%.1f server_over_floor_ms=%.1f server_over_floor_rss_mib=%.1f\n",
         t[reps / 2], r[reps / 2], ready_ms - t[reps / 2], rss_mib - r[reps / 2]);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: startup_bench <server-bin> <plugin.so> [reps]\n");
    return 2;
  }
  int reps = argc > 3 ? atoi(argv[3]) : 5;
  if (reps < 1 || reps > 50) reps = 5;
  double t[50], r[50];
  long th = 0;
  for (int i = 0; i < reps; i++) {
    long rss = -1;
    if (one_run(argv[1], argv[2], &t[i], &rss, &th)) {
      fprintf(stderr, "startup_bench: run %d failed (no /ready 2xx or bad exit)\n", i);
      return 1;
    }
    r[i] = (double)rss / 1024.0;
    printf("startup run=%d ready_ms=%.1f idle_rss_mib=%.1f threads=%ld\n", i, t[i], r[i], th);
  }
  qsort(t, (size_t)reps, sizeof(double), cmp_d);
  qsort(r, (size_t)reps, sizeof(double), cmp_d);
  printf("startup median_ready_ms=%.1f median_idle_rss_mib=%.1f threads=%ld\n", t[reps / 2], r[reps / 2], th);
  if (argc > 4) floor_line(argv[4], reps, t[reps / 2], r[reps / 2]);
  if (argc > 5) server_floor_line(argv[5], reps, t[reps / 2]);
  return 0;
}
