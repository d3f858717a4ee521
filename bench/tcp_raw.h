/* Raw loopback TCP throughput (the ceiling Flight numbers are compared to):
 * a receiver thread drains a 127.0.0.1 socket while the calling thread writes
 * `total` bytes in `write_size` chunks. Header-only, included by
 * bench/tcp_bench.c and bench/flight_bench.c. Calling thread + one thread;
 * both are named raw-tcp-tx/raw-tcp-rx while they run, so that a profile
 * of flight_bench can leave the reference out (perf report --comm). */
#ifndef GF_BENCH_TCP_RAW_H
#define GF_BENCH_TCP_RAW_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct tcp_raw_rx {
  int fd;
  size_t buf_size;
  int64_t received;
} tcp_raw_rx;

static double tcp_raw_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void* tcp_raw_reader(void* p) {
  tcp_raw_rx* rx = p;
  prctl(PR_SET_NAME, "raw-tcp-rx");
  char* buf = malloc(rx->buf_size);
  if (!buf) return NULL;
  for (;;) {
    ssize_t r = read(rx->fd, buf, rx->buf_size);
    if (r <= 0) break;
    rx->received += r;
  }
  free(buf);
  return NULL;
}

/* Returns bytes/second, or -1 on a socket error. */
static double tcp_raw_throughput(size_t write_size, int64_t total) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0) return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof(a);
  if (bind(ls, (struct sockaddr*)&a, sizeof(a)) || listen(ls, 1) ||
      getsockname(ls, (struct sockaddr*)&a, &al)) {
    close(ls);
    return -1;
  }
  int cs = socket(AF_INET, SOCK_STREAM, 0);
  if (cs < 0 || connect(cs, (struct sockaddr*)&a, sizeof(a))) {
    if (cs >= 0) close(cs);
    close(ls);
    return -1;
  }
  int one = 1;
  setsockopt(cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  tcp_raw_rx rx = {accept(ls, NULL, NULL), write_size > 65536 ? write_size : 65536, 0};
  close(ls);
  if (rx.fd < 0) {
    close(cs);
    return -1;
  }
  char* buf = malloc(write_size);
  pthread_t th;
  if (!buf || pthread_create(&th, NULL, tcp_raw_reader, &rx)) {
    free(buf);
    close(cs);
    close(rx.fd);
    return -1;
  }
  memset(buf, 0x5a, write_size);
  char name[17] = {0};
  prctl(PR_GET_NAME, name);
  prctl(PR_SET_NAME, "raw-tcp-tx");
  double t0 = tcp_raw_now();
  int64_t sent = 0;
  while (sent < total) {
    size_t n = (size_t)(total - sent < (int64_t)write_size ? total - sent : (int64_t)write_size);
    ssize_t w = write(cs, buf, n);
    if (w <= 0) break;
    sent += w;
  }
  shutdown(cs, SHUT_WR);
  pthread_join(th, NULL);
  double dt = tcp_raw_now() - t0;
  prctl(PR_SET_NAME, name);
  close(cs);
  close(rx.fd);
  free(buf);
  return rx.received == total && dt > 0 ? (double)total / dt : -1;
}

#endif
