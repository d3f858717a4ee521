/* Tests for the built-in HTTP/1.1 server (admin/http_server.h) over real
 * sockets on 127.0.0.1 and for its request-head parser (http_parse.h):
 * responses and headers, HEAD, keep-alive, pipelining, HTTP/1.0, errors
 * (400/414/431), slow and idle clients, the 5 s request-head deadline, the
 * connection limit, request bodies, large responses, stop with open
 * connections, and a host name that resolves to both ::1 and 127.0.0.1
 * listening on both. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "admin/http_parse.h"
#include "admin/http_server.h"
#include "support/dual_hosts.h"
#include "test.h"

#define BIG_LEN (1u << 20)

static atomic_int g_calls;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_last_method[32];

static int last_method_is(const char* m) {
  pthread_mutex_lock(&g_mu);
  int same = strcmp(g_last_method, m) == 0;
  pthread_mutex_unlock(&g_mu);
  return same;
}

static void handler(void* ctx, const gf__http_request* req, gf__http_response* resp) {
  (void)ctx;
  atomic_fetch_add(&g_calls, 1);
  pthread_mutex_lock(&g_mu);
  snprintf(g_last_method, sizeof g_last_method, "%s", req->method);
  pthread_mutex_unlock(&g_mu);
  if (strcmp(req->path, "/hello") == 0) {
    resp->status = 200;
    resp->body = strdup("hello world");
    resp->body_len = 11;
    resp->content_type = "text/plain";
  } else if (strcmp(req->path, "/big") == 0) {
    resp->body = malloc(BIG_LEN);
    for (size_t i = 0; i < BIG_LEN; i++) resp->body[i] = (char)('a' + (i * 7 + i / 977) % 26);
    resp->body_len = BIG_LEN;
    resp->status = 200;
  } else if (strcmp(req->path, "/empty") == 0) {
    resp->status = 204;
  } else if (strcmp(req->path, "/get-only") == 0 && strcmp(req->method, "GET") != 0) {
    resp->status = 405;
    resp->allow = "GET, HEAD";
  } else {
    resp->status = 404;
  }
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a small blocking client that keeps unread bytes between responses ---- */

typedef struct cli {
  int fd;
  char* buf;
  size_t len, cap;
} cli;

typedef struct resp {
  int status;
  char head[4096];
  char* body;
  size_t body_len;
} resp;

static int cli_open(cli* c, int port) {
  memset(c, 0, sizeof *c);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct timeval tv = {5, 0};
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return connect(c->fd, (struct sockaddr*)&sa, sizeof sa);
}

static void cli_close(cli* c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  free(c->buf);
  c->buf = NULL;
}

static int cli_send(cli* c, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return -1;
    data += w;
    n -= (size_t)w;
  }
  return 0;
}

static int cli_sends(cli* c, const char* s) { return cli_send(c, s, strlen(s)); }

/* Reads more bytes: >0 read, 0 EOF, -1 error/timeout. */
static int cli_fill(cli* c) {
  if (c->cap - c->len < 65536) {
    c->cap = c->cap * 2 + 65536;
    c->buf = realloc(c->buf, c->cap + 1);
  }
  ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
  if (n > 0) c->len += (size_t)n;
  return n > 0 ? 1 : n == 0 ? 0 : -1;
}

static char* find_head_end(cli* c) {
  if (!c->buf) return NULL;
  c->buf[c->len] = '\0';
  return strstr(c->buf, "\r\n\r\n");
}

/* Reads one response (no body for HEAD or 204); 0 on success. */
static int cli_read(cli* c, resp* r, int head_only) {
  memset(r, 0, sizeof *r);
  char* end;
  while (!(end = find_head_end(c)))
    if (cli_fill(c) <= 0) return -1;
  size_t hl = (size_t)(end - c->buf) + 4;
  snprintf(r->head, sizeof r->head, "%.*s", (int)(hl < sizeof r->head ? hl : sizeof r->head - 1), c->buf);
  if (sscanf(c->buf, "HTTP/1.1 %d ", &r->status) != 1) return -1;
  const char* cl = strstr(r->head, "\r\nContent-Length: ");
  size_t blen = cl && !head_only ? strtoul(cl + 18, NULL, 10) : 0;
  while (c->len < hl + blen)
    if (cli_fill(c) <= 0) return -1;
  r->body = malloc(blen + 1);
  memcpy(r->body, c->buf + hl, blen);
  r->body[blen] = '\0';
  r->body_len = blen;
  memmove(c->buf, c->buf + hl + blen, c->len - hl - blen);
  c->len -= hl + blen;
  return 0;
}

/* 1 when the server closed the connection (EOF or reset) with nothing more. */
static int cli_closed(cli* c) {
  if (c->len) return 0;
  char b;
  ssize_t n = recv(c->fd, &b, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

static int has_header(const resp* r, const char* line) { return strstr(r->head, line) != NULL; }

/* A fresh connection: GET path, Connection: close; the status (-1 on error). */
static int quick_get(int port, const char* path) {
  cli c;
  resp r = {0};
  char req[256];
  snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
  int st = -1;
  if (cli_open(&c, port) == 0 && cli_sends(&c, req) == 0 && cli_read(&c, &r, 0) == 0) st = r.status;
  free(r.body);
  cli_close(&c);
  return st;
}

static gf__http_server* g_srv;
static int g_port;

/* ---- parser ----------------------------------------------------------------- */

static gf__http_parse_rc parse(const char* s, size_t max, gf__http_head* h) {
  return gf__http_parse_head(s, strlen(s), max, h);
}

TEST(parser_request_line_and_fields) {
  gf__http_head h;
  const char* req = "\r\nGET /a?b=1 HTTP/1.1\r\nHost: x\r\nCONNECTION:  Keep-Alive , Close\r\n\r\nrest";
  CHECK_EQ_INT(parse(req, 8192, &h), GF__HTTP_HEAD_OK);
  CHECK_EQ_INT(h.method_len, 3);
  CHECK(memcmp(h.method, "GET", 3) == 0);
  CHECK_EQ_INT(h.target_len, 6);
  CHECK(memcmp(h.target, "/a?b=1", 6) == 0);
  CHECK_EQ_INT(h.version_minor, 1);
  CHECK(h.conn_close && h.conn_keep_alive);
  CHECK_EQ_INT(h.head_len, strlen(req) - 4);
  CHECK_EQ_INT(parse("HEAD / HTTP/1.0\nContent-length: 12\ntransfer-encoding: x\n\n", 8192, &h),
               GF__HTTP_HEAD_OK);
  CHECK_EQ_INT(h.version_minor, 0);
  CHECK(h.has_content_length && h.content_length == 12 && h.has_transfer_encoding);
  CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 8192, &h),
               GF__HTTP_HEAD_OK);
  CHECK(h.content_length == UINT64_MAX);
}

TEST(parser_incomplete_and_errors) {
  gf__http_head h;
  CHECK_EQ_INT(parse("", 8192, &h), GF__HTTP_HEAD_INCOMPLETE);
  CHECK_EQ_INT(parse("GE", 8192, &h), GF__HTTP_HEAD_INCOMPLETE);
  CHECK_EQ_INT(parse("GET /x HTTP/1.1\r", 8192, &h), GF__HTTP_HEAD_INCOMPLETE);
  CHECK_EQ_INT(parse("GET /x HTTP/1.1\r\nHost: x\r\n\r", 8192, &h), GF__HTTP_HEAD_INCOMPLETE);
  CHECK_EQ_INT(parse("\x16\x03\x01", 8192, &h), GF__HTTP_HEAD_BAD); /* TLS hello: early */
  CHECK_EQ_INT(parse("GET /x HTTP/2", 8192, &h), GF__HTTP_HEAD_BAD);
  CHECK_EQ_INT(parse("GET /x HTTP/2.0\r\n\r\n", 8192, &h), GF__HTTP_HEAD_BAD);
  CHECK_EQ_INT(parse("GET /x HTTP/1.1 \r\n\r\n", 8192, &h), GF__HTTP_HEAD_BAD);
  CHECK_EQ_INT(parse("GET  /x HTTP/1.1\r\n\r\n", 8192, &h), GF__HTTP_HEAD_BAD);
  CHECK_EQ_INT(parse("GET /x\r\n\r\n", 8192, &h), GF__HTTP_HEAD_BAD);
  CHECK_EQ_INT(parse("GET /x HTTP/1.1\r\nHost : x\r\n\r\n", 8192, &h), GF__HTTP_HEAD_BAD);
  CHECK_EQ_INT(parse("GET /x HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 8192, &h), GF__HTTP_HEAD_BAD);
  CHECK_EQ_INT(parse("GET /x HTTP/1.1\r\nA: b\rc\r\n\r\n", 8192, &h), GF__HTTP_HEAD_BAD);
  CHECK_EQ_INT(parse("GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 8192, &h),
               GF__HTTP_HEAD_BAD);
  CHECK_EQ_INT(parse("GET /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 8192, &h), GF__HTTP_HEAD_BAD);
  /* limits: the whole head must fit in max */
  const char* ok = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK_EQ_INT(gf__http_parse_head(ok, strlen(ok), strlen(ok), &h), GF__HTTP_HEAD_OK);
  CHECK_EQ_INT(gf__http_parse_head(ok, strlen(ok), strlen(ok) - 1, &h), GF__HTTP_HEAD_TOO_LARGE);
  CHECK_EQ_INT(gf__http_parse_head(ok, strlen(ok), 6, &h), GF__HTTP_HEAD_URI_TOO_LONG);
  CHECK_EQ_INT(gf__http_parse_head(ok, strlen(ok), 10, &h), GF__HTTP_HEAD_BAD); /* in the version */
  CHECK_EQ_INT(gf__http_parse_head(ok, strlen(ok), 2, &h), GF__HTTP_HEAD_BAD);
  CHECK_EQ_INT(gf__http_parse_status(GF__HTTP_HEAD_URI_TOO_LONG), 414);
  CHECK_EQ_INT(gf__http_parse_status(GF__HTTP_HEAD_TOO_LARGE), 431);
  CHECK_EQ_INT(gf__http_parse_status(GF__HTTP_HEAD_BAD), 400);
}

/* ---- server ------------------------------------------------------------------- */

TEST(get_returns_body_and_headers) {
  cli c;
  resp r;
  CHECK(cli_open(&c, g_port) == 0);
  CHECK(cli_sends(&c, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") == 0);
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK_EQ_INT(r.status, 200);
  CHECK(strncmp(r.head, "HTTP/1.1 200 OK\r\n", 17) == 0);
  CHECK_EQ_STR(r.body, "hello world");
  CHECK(has_header(&r, "\r\nContent-Type: text/plain\r\n"));
  CHECK(has_header(&r, "\r\nContent-Length: 11\r\n"));
  CHECK(has_header(&r, "\r\nServer: gooddata-flight-server/" GF_VERSION_STRING "\r\n"));
  CHECK(has_header(&r, "\r\nDate: "));
  CHECK(has_header(&r, "\r\nConnection: close\r\n"));
  CHECK(last_method_is("GET"));
  free(r.body);
  CHECK(cli_closed(&c));
  cli_close(&c);
}

TEST(head_has_no_body_404_405_204) {
  cli c;
  resp r;
  CHECK(cli_open(&c, g_port) == 0);
  CHECK(cli_sends(&c, "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
  CHECK(cli_read(&c, &r, 1) == 0);
  CHECK_EQ_INT(r.status, 200);
  CHECK(has_header(&r, "\r\nContent-Length: 11\r\n"));
  CHECK(last_method_is("HEAD"));
  free(r.body);
  /* had a body been sent, it would be read here instead of a status line */
  CHECK(cli_sends(&c, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK_EQ_INT(r.status, 404);
  CHECK(has_header(&r, "\r\nContent-Length: 0\r\n"));
  free(r.body);
  CHECK(cli_sends(&c, "DELETE /get-only HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK_EQ_INT(r.status, 405);
  CHECK(has_header(&r, "\r\nAllow: GET, HEAD\r\n"));
  free(r.body);
  CHECK(cli_sends(&c, "GET /empty HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK_EQ_INT(r.status, 204);
  CHECK(!has_header(&r, "Content-Length"));
  free(r.body);
  cli_close(&c);
}

TEST(keep_alive_and_pipelining) {
  cli c;
  resp r;
  CHECK(cli_open(&c, g_port) == 0);
  for (int i = 0; i < 2; i++) {
    CHECK(cli_sends(&c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
    CHECK(cli_read(&c, &r, 0) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(!has_header(&r, "Connection:"));
    CHECK_EQ_STR(r.body, "hello world");
    free(r.body);
  }
  /* two requests in one write, bare-LF line endings for the second */
  CHECK(cli_sends(&c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\nHost: x\n\n") == 0);
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK_EQ_INT(r.status, 200);
  CHECK_EQ_STR(r.body, "hello world");
  free(r.body);
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK_EQ_INT(r.status, 404);
  free(r.body);
  cli_close(&c);
}

TEST(http10_and_connection_close) {
  cli c;
  resp r;
  CHECK(cli_open(&c, g_port) == 0);
  CHECK(cli_sends(&c, "GET /hello HTTP/1.0\r\n\r\n") == 0);
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK_EQ_INT(r.status, 200);
  CHECK(has_header(&r, "\r\nConnection: close\r\n"));
  free(r.body);
  CHECK(cli_closed(&c));
  cli_close(&c);
  /* HTTP/1.0 keep-alive stays open */
  CHECK(cli_open(&c, g_port) == 0);
  CHECK(cli_sends(&c, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") == 0);
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK(has_header(&r, "\r\nConnection: keep-alive\r\n"));
  free(r.body);
  CHECK(cli_sends(&c, "GET /hello HTTP/1.1\r\nconnection: CLOSE\r\n\r\n") == 0);
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK_EQ_INT(r.status, 200);
  CHECK(has_header(&r, "\r\nConnection: close\r\n"));
  free(r.body);
  CHECK(cli_closed(&c));
  cli_close(&c);
}

static int error_then_close(const char* data, size_t len, int want) {
  cli c;
  resp r = {0};
  int ok = cli_open(&c, g_port) == 0 && cli_send(&c, data, len) == 0 && cli_read(&c, &r, 0) == 0 &&
           r.status == want && has_header(&r, "\r\nConnection: close\r\n") && cli_closed(&c);
  free(r.body);
  cli_close(&c);
  return ok;
}

TEST(bad_requests_answered_then_closed) {
  int calls = atomic_load(&g_calls);
  char* big = malloc(9000 + 64);
  int n = sprintf(big, "GET /hello HTTP/1.1\r\nX-Pad: ");
  memset(big + n, 'a', 9000);
  memcpy(big + n + 9000, "\r\n\r\n", 4);
  CHECK(error_then_close(big, (size_t)n + 9004, 431));
  n = sprintf(big, "GET /");
  memset(big + n, 'a', 9000);
  CHECK(error_then_close(big, (size_t)n + 9000, 414));
  free(big);
  const char* garbage = "\x01\x02garbage\r\n\r\n";
  CHECK(error_then_close(garbage, strlen(garbage), 400));
  const char* v2 = "GET /hello HTTP/2.0\r\n\r\n";
  CHECK(error_then_close(v2, strlen(v2), 400));
  const char* fold = "GET /hello HTTP/1.1\r\nA: b\r\n folded\r\n\r\n";
  CHECK(error_then_close(fold, strlen(fold), 400));
  CHECK_EQ_INT(atomic_load(&g_calls), calls); /* the handler never saw them */
  CHECK_EQ_INT(quick_get(g_port, "/hello"), 200);
}

TEST(request_bodies_answered_then_closed) {
  CHECK(error_then_close("POST /hello HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 48, 200));
  CHECK(last_method_is("POST"));
  const char* te = "PUT /hello HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
  CHECK(error_then_close(te, strlen(te), 200));
  /* a body larger than the socket buffers: the response still arrives */
  size_t blen = 512 * 1024;
  char* req = malloc(blen + 100);
  int n = sprintf(req, "POST /hello HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", blen);
  memset(req + n, 'b', blen);
  CHECK(error_then_close(req, (size_t)n + blen, 200));
  free(req);
  const char* zero = "POST /hello HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
  cli c;
  resp r;
  CHECK(cli_open(&c, g_port) == 0);
  CHECK(cli_sends(&c, zero) == 0 && cli_sends(&c, zero) == 0);
  CHECK(cli_read(&c, &r, 0) == 0 && r.status == 200 && !has_header(&r, "Connection:"));
  free(r.body);
  CHECK(cli_read(&c, &r, 0) == 0 && r.status == 200);
  free(r.body);
  cli_close(&c);
}

TEST(large_body_intact) {
  cli c;
  resp r;
  CHECK(cli_open(&c, g_port) == 0);
  CHECK(cli_sends(&c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
  usleep(100 * 1000); /* let the server fill the socket before the client reads */
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK_EQ_INT(r.status, 200);
  CHECK_EQ_INT(r.body_len, BIG_LEN);
  int same = 1;
  for (size_t i = 0; i < BIG_LEN; i++) same &= r.body[i] == (char)('a' + (i * 7 + i / 977) % 26);
  free(r.body);
  CHECK(same);
  CHECK(cli_read(&c, &r, 0) == 0);
  CHECK_EQ_STR(r.body, "hello world");
  free(r.body);
  cli_close(&c);
}

TEST(silent_and_slow_clients_do_not_block) {
  cli silent, partial;
  CHECK(cli_open(&silent, g_port) == 0);
  CHECK(cli_open(&partial, g_port) == 0);
  CHECK(cli_sends(&partial, "GET /hel") == 0);
  double t0 = now_s();
  CHECK_EQ_INT(quick_get(g_port, "/hello"), 200);
  CHECK(now_s() - t0 < 1.0);
  /* the partial one completes later */
  resp r;
  CHECK(cli_sends(&partial, "lo HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
  CHECK(cli_read(&partial, &r, 0) == 0);
  CHECK_EQ_STR(r.body, "hello world");
  free(r.body);
  cli_close(&partial);
  cli_close(&silent);
}

/* 1 when the server has closed c (EOF or reset), polling without waiting. */
static int closed_now(cli* c) {
  struct pollfd p = {c->fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && cli_closed(c);
}

/* A request head must arrive within 5 s of the accept or of the previous
 * response, however the bytes trickle in; complete requests are unaffected. */
TEST(head_deadline_closes_slow_and_idle) {
  cli partial, drip, idle;
  resp r;
  CHECK(cli_open(&partial, g_port) == 0 && cli_sends(&partial, "GET /hello HTTP/1.1\r\nHo") == 0);
  CHECK(cli_open(&drip, g_port) == 0);
  CHECK(cli_open(&idle, g_port) == 0 && cli_sends(&idle, "GET /hello HTTP/1.1\r\n\r\n") == 0);
  CHECK(cli_read(&idle, &r, 0) == 0 && r.status == 200);
  free(r.body);
  double t0 = now_s(), closed[3] = {0, 0, 0};
  cli* cs[3] = {&partial, &drip, &idle};
  const char* slow = "GET /hello HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  for (int tick = 0; tick < 90 && !(closed[0] && closed[1] && closed[2]); tick++) {
    if (tick % 5 == 0 && !closed[1] && (size_t)(tick / 5) < strlen(slow))
      send(drip.fd, slow + tick / 5, 1, MSG_NOSIGNAL); /* one byte each 0.5 s */
    for (int i = 0; i < 3; i++)
      if (!closed[i] && closed_now(cs[i])) closed[i] = now_s() - t0;
    usleep(100 * 1000);
  }
  for (int i = 0; i < 3; i++) {
    CHECK_MSG(closed[i] >= 4.0 && closed[i] <= 6.5, "connection %d closed after %.2f s", i, closed[i]);
    cli_close(cs[i]);
  }
  CHECK_EQ_INT(quick_get(g_port, "/hello"), 200);
}

/* 70 idle connections: the limit is 64; the longest-waiting ones are closed
 * to make room for new clients. */
TEST(connection_limit_evicts_idle) {
  enum { N = 70 };
  cli idle[N];
  for (int i = 0; i < N; i++) CHECK(cli_open(&idle[i], g_port) == 0);
  usleep(200 * 1000);
  double t0 = now_s();
  CHECK_EQ_INT(quick_get(g_port, "/hello"), 200);
  double dt = now_s() - t0;
  CHECK_MSG(dt < 4.0, "served after %.2f s", dt);
  int closed = 0;
  for (int i = 0; i < N; i++) {
    struct pollfd p = {idle[i].fd, POLLIN, 0};
    if (poll(&p, 1, 0) == 1 && cli_closed(&idle[i])) closed++;
    cli_close(&idle[i]);
  }
  CHECK(closed >= N - 64);
}

static int count_fds(void) {
  DIR* d = opendir("/proc/self/fd");
  int n = 0;
  while (d && readdir(d)) n++;
  if (d) closedir(d);
  return n;
}

static int count_threads_named(const char* name) {
  DIR* d = opendir("/proc/self/task");
  int n = 0;
  struct dirent* e;
  while (d && (e = readdir(d))) {
    char path[300], comm[64] = "";
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
    FILE* f = fopen(path, "r");
    if (!f) continue;
    if (fgets(comm, sizeof comm, f) && strncmp(comm, name, strlen(name)) == 0) n++;
    fclose(f);
  }
  if (d) closedir(d);
  return n;
}

TEST(stop_with_open_connections) {
  gf__http_server* s = NULL;
  gf_error err = {0};
  usleep(200 * 1000); /* the shared server finishes closing earlier tests' connections */
  int before = count_threads_named("gf-http"), fds = count_fds();
  CHECK_EQ_INT(gf__http_start("test", "127.0.0.1", 0, handler, NULL, &s, &err), GF_OK);
  CHECK_EQ_INT(count_threads_named("gf-http"), before + 1);
  int port = gf__http_port(s);
  cli idle, partial, unread;
  CHECK(cli_open(&idle, port) == 0);
  CHECK(cli_open(&partial, port) == 0 && cli_sends(&partial, "GET / HTTP/1.1\r\nHo") == 0);
  CHECK(cli_open(&unread, port) == 0 && cli_sends(&unread, "GET /big HTTP/1.1\r\n\r\n") == 0);
  usleep(200 * 1000);
  double t0 = now_s();
  gf__http_stop(s);
  CHECK(now_s() - t0 < 0.5);
  CHECK_EQ_INT(count_threads_named("gf-http"), before);
  CHECK(cli_closed(&idle));
  CHECK(cli_closed(&partial));
  cli_close(&idle);
  cli_close(&partial);
  cli_close(&unread);
  CHECK_EQ_INT(count_fds(), fds);
  CHECK_EQ_INT(quick_get(port, "/hello"), -1);
  gf__http_stop(NULL);
}

TEST(start_errors_and_ipv6) {
  gf__http_server* s = NULL;
  gf_error err = {0};
  CHECK(gf__http_start("test", "127.0.0.1", g_port, handler, NULL, &s, &err) == GF_IO_ERROR);
  CHECK(s == NULL);
  CHECK(strstr(err.message, "test") != NULL);
  CHECK(gf__http_start("test", "", 0, handler, NULL, &s, &err) == GF_INVALID_ARGUMENT);
  CHECK(gf__http_start("test", "127.0.0.1", 70000, handler, NULL, &s, &err) == GF_INVALID_ARGUMENT);
  if (gf__http_start("test", "::1", 0, handler, NULL, &s, NULL) == GF_OK) {
    CHECK(gf__http_port(s) > 0);
    gf__http_stop(s);
  }
  CHECK_EQ_INT(gf__http_port(NULL), -1);
}

/* Status of GET /hello sent to the numeric address addr:port; -1 when no
 * connection or no answer. */
static int get_at(const char* addr, int port) {
  struct addrinfo hints = {0}, *res = NULL;
  char ports[16], buf[64] = "";
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_socktype = SOCK_STREAM;
  snprintf(ports, sizeof ports, "%d", port);
  if (getaddrinfo(addr, ports, &hints, &res) != 0) return -1;
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), st = -1;
  static const char req[] = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0 &&
      send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1) &&
      recv(fd, buf, sizeof buf - 1, MSG_WAITALL) > 12)
    sscanf(buf, "HTTP/1.1 %d", &st);
  if (fd >= 0) close(fd);
  freeaddrinfo(res);
  return st;
}

/* Runs in a child with Debian's hosts file: "localhost" listens on ::1 and
 * 127.0.0.1, on an ephemeral and on a given port; returns the exit code. */
static int dual_stack_child(void) {
  if (!gf_test_dual_localhost()) return 77;
  gf__http_server* s = NULL;
  gf_error err = {0};
  if (gf__http_start("test", "localhost", 0, handler, NULL, &s, &err) != GF_OK) return 10;
  int port = gf__http_port(s);
  int v4 = get_at("127.0.0.1", port), v6 = get_at("::1", port);
  gf__http_stop(s);
  if (v4 != 200 || v6 != 200) return 11;
  if (gf__http_start("test", "localhost", port, handler, NULL, &s, &err) != GF_OK) return 12;
  v4 = get_at("127.0.0.1", port), v6 = get_at("::1", port);
  gf__http_stop(s);
  if (v4 != 200 || v6 != 200) return 13;
  /* a port taken on one of the addresses fails the whole bind */
  gf__http_server* taken = NULL;
  if (gf__http_start("test", "::1", 0, handler, NULL, &taken, &err) != GF_OK) return 14;
  int rc = gf__http_start("test", "localhost", gf__http_port(taken), handler, NULL, &s, &err);
  gf__http_stop(taken);
  if (rc != GF_IO_ERROR || s != NULL || !strstr(err.message, "localhost")) return 15;
  return 0;
}

TEST(host_name_listens_on_every_address) {
  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) _exit(dual_stack_child());
  int st = 0;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
  if (WEXITSTATUS(st) == 77) {
    fprintf(stderr, "  note: no namespace for a dual-stack /etc/hosts; dual-stack bind untested\n");
    return;
  }
  CHECK_EQ_INT(WEXITSTATUS(st), 0);
}

int main(void) {
  gf_error err = {0};
  if (gf__http_start("test", "127.0.0.1", 0, handler, NULL, &g_srv, &err) != GF_OK) {
    fprintf(stderr, "cannot start: %s\n", err.message);
    return 1;
  }
  g_port = gf__http_port(g_srv);
  RUN(parser_request_line_and_fields);
  RUN(parser_incomplete_and_errors);
  RUN(get_returns_body_and_headers);
  RUN(head_has_no_body_404_405_204);
  RUN(keep_alive_and_pipelining);
  RUN(http10_and_connection_close);
  RUN(bad_requests_answered_then_closed);
  RUN(request_bodies_answered_then_closed);
  RUN(large_body_intact);
  RUN(silent_and_slow_clients_do_not_block);
  RUN(head_deadline_closes_slow_and_idle);
  RUN(connection_limit_evicts_idle);
  RUN(stop_with_open_connections);
  RUN(start_errors_and_ipv6);
  RUN(host_name_listens_on_every_address);
  gf__http_stop(g_srv);
  TEST_MAIN_END();
}
