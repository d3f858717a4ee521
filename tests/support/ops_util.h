/* Helpers shared by the log, admin, metrics, tracing and maintenance test binaries (header-only, static): a
 * blocking HTTP/1.1 client for 127.0.0.1, temp-file log capture and file
 * reading. Single-threaded use per call. */
#ifndef GF_TESTS_OPS_UTIL_H
#define GF_TESTS_OPS_UTIL_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct http_result {
  int status;       /* -1 on connection error */
  char head[4096];  /* status line + headers */
  char* body;       /* malloc'd, NUL-terminated */
  size_t body_len;
} http_result;

static inline void http_result_free(http_result* r) {
  free(r->body);
  r->body = NULL;
}

/* Sends "METHOD path" to 127.0.0.1:port and reads the response until close. */
static inline http_result http_request(int port, const char* method, const char* path) {
  http_result r = {-1, "", NULL, 0};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct timeval tv = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr*)&sa, sizeof sa) != 0) {
    close(fd);
    return r;
  }
  char req[1024];
  int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                   method, path);
  if (write(fd, req, (size_t)n) != n) {
    close(fd);
    return r;
  }
  size_t cap = 1 << 16, len = 0;
  char* buf = malloc(cap + 1);
  for (;;) {
    if (len == cap) buf = realloc(buf, (cap *= 2) + 1);
    ssize_t got = read(fd, buf + len, cap - len);
    if (got <= 0) break;
    len += (size_t)got;
  }
  close(fd);
  buf[len] = '\0';
  char* sep = strstr(buf, "\r\n\r\n");
  if (sscanf(buf, "HTTP/1.%*d %d", &r.status) != 1) r.status = -1;
  size_t hl = sep ? (size_t)(sep - buf) : len;
  snprintf(r.head, sizeof r.head, "%.*s", (int)(hl < sizeof r.head - 1 ? hl : sizeof r.head - 1), buf);
  const char* body = sep ? sep + 4 : buf + len;
  r.body_len = len - (size_t)(body - buf);
  r.body = malloc(r.body_len + 1);
  memcpy(r.body, body, r.body_len);
  r.body[r.body_len] = '\0';
  free(buf);
  return r;
}

static inline int http_status(int port, const char* method, const char* path) {
  http_result r = http_request(port, method, path);
  http_result_free(&r);
  return r.status;
}

/* A temp file opened O_APPEND for log capture; path written to `path`. */
static inline int capture_open(char path[64]) {
  snprintf(path, 64, "/tmp/gf_ops_logXXXXXX");
  int fd = mkstemp(path);
  if (fd >= 0) {
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_APPEND);
  }
  return fd;
}

static inline char* read_all(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char* buf = malloc(cap + 1);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, (cap *= 2) + 1);
  }
  fclose(f);
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

static inline int write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "wb");
  if (!f) return -1;
  fputs(text, f);
  fclose(f);
  return 0;
}

#endif
