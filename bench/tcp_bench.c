/* Raw loopback TCP throughput benchmark: `tcp_bench [write_size] [total_bytes]
 * [reps]` prints one line per repetition and the median, in GB/s (1e9 bytes).
 * Main thread writes, one thread reads (bench/tcp_raw.h). */
#include <stdio.h>
#include <stdlib.h>

#include "tcp_raw.h"

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  size_t ws = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1048576;
  int64_t total = argc > 2 ? (int64_t)strtoll(argv[2], NULL, 10) : (int64_t)1 << 30;
  int reps = argc > 3 ? atoi(argv[3]) : 3;
  if (ws == 0 || total <= 0 || reps <= 0 || reps > 100) {
    fprintf(stderr, "usage: tcp_bench [write_size>0] [total_bytes>0] [reps 1..100]\n");
    return 2;
  }
  double r[100];
  for (int i = 0; i < reps; i++) {
    r[i] = tcp_raw_throughput(ws, total);
    if (r[i] < 0) {
      fprintf(stderr, "tcp_bench: socket error\n");
      return 1;
    }
    printf("tcp write_size=%zu bytes=%lld rep=%d gbps=%.3f\n", ws, (long long)total, i, r[i] / 1e9);
  }
  qsort(r, (size_t)reps, sizeof(double), cmp_double);
  printf("tcp write_size=%zu bytes=%lld median_gbps=%.3f\n", ws, (long long)total, r[reps / 2] / 1e9);
  return 0;
}
