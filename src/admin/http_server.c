/* Minimal HTTP/1.1 server for the health and metrics endpoints
 * (http_server.h). gf__http_start binds synchronously and starts one serving
 * thread ("gf-http") that poll()s the listen sockets (one per address the
 * host resolves to), a wake pipe and up to
 * HTTP_MAX_CONNS non-blocking connections: it reads request heads
 * (http_parse.h), calls the handler and writes the buffered response, with
 * keep-alive, pipelining (answered in order, one at a time) and lingering
 * close. A request head must arrive within HTTP_HEAD_TIMEOUT_MS of the accept
 * (first request) or of the previous response (keep-alive); a response that
 * makes no progress for HTTP_TIMEOUT_MS is dropped. New connections are
 * accepted and read at once; at the connection limit the connection that has
 * waited longest (lingering ones first, then reading, then writing; none
 * within HTTP_EVICT_GRACE_MS of its last state change) is closed to make
 * room, so slow clients cannot keep a well-formed request out. gf__http_stop
 * (lifecycle thread) wakes and joins the thread, which closes everything. */
#include "common/instance.h"
#include "admin/http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "admin/http_parse.h"

#define HTTP_HEAD_MAX 8192
#define HTTP_MAX_CONNS 64
#define HTTP_MAX_LISTEN 16
#define HTTP_HEAD_TIMEOUT_MS 5000
#define HTTP_TIMEOUT_MS 30000
#define HTTP_LINGER_MS 2000
#define HTTP_LINGER_MAX (1 << 20)
#define HTTP_EVICT_GRACE_MS 100
#define HTTP_BACKOFF_MS 100
#define HTTP_BACKLOG 1024
#define HTTP_SERVER_HEADER "gooddata-flight-server/" GF_VERSION_STRING

enum { C_READ, C_WRITE, C_LINGER };

typedef struct conn {
  int fd;
  int state;
  int close_after; /* close once the queued response is sent */
  int eof;         /* the peer shut down its side */
  int64_t deadline;
  int64_t since; /* accept, previous response or start of the current state */
  size_t lingered;
  char* out;
  size_t out_len, out_off;
  size_t in_len;
  char in[HTTP_HEAD_MAX];
} conn;

struct gf__http_server {
  gf__http_handler handler;
  void* ctx;
  int port;
  int nlfd;
  int lfd[HTTP_MAX_LISTEN]; /* one listening socket per address of the host */
  int wake[2];
  pthread_t thread;
  int64_t accept_after; /* accept backoff after EMFILE and the like */
  int nconns;
  conn* conns[HTTP_MAX_CONNS];
  char scratch[HTTP_HEAD_MAX + 2]; /* NUL-terminated method and target */
};

static int bound_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr*)&ss, &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in*)&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6*)&ss)->sin6_port);
  return -1;
}

static void close_listeners(gf__http_server* s) {
  while (s->nlfd > 0) close(s->lfd[--s->nlfd]);
}

/* A listening socket on ai's address and the given port; 0 or an errno. */
static int listen_on(const struct addrinfo* ai, int port, int v6only, int* out_fd) {
  struct sockaddr_storage ss;
  memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
  if (ss.ss_family == AF_INET) ((struct sockaddr_in*)&ss)->sin_port = htons((uint16_t)port);
  if (ss.ss_family == AF_INET6) ((struct sockaddr_in6*)&ss)->sin6_port = htons((uint16_t)port);
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (v6only && ai->ai_family == AF_INET6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, (struct sockaddr*)&ss, ai->ai_addrlen) == 0 && listen(fd, HTTP_BACKLOG) == 0) {
    *out_fd = fd;
    return 0;
  }
  int e = errno;
  close(fd);
  return e;
}

static bool seen_before(const struct addrinfo* res, const struct addrinfo* ai) {
  for (const struct addrinfo* p = res; p != ai; p = p->ai_next)
    if (p->ai_addrlen == ai->ai_addrlen && memcmp(p->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0)
      return true;
  return false;
}

/* One try at listening on every address in res on one port (port 0: the
 * port the first address got). An address of a family this machine lacks is
 * skipped; any other failure closes what was opened. 0 or an errno. */
static int listen_all(gf__http_server* s, const struct addrinfo* res, int port) {
  int v6only = res->ai_next != NULL, last = EADDRNOTAVAIL;
  for (const struct addrinfo* ai = res; ai && s->nlfd < HTTP_MAX_LISTEN; ai = ai->ai_next) {
    if (seen_before(res, ai)) continue;
    int fd = -1, e = listen_on(ai, port, v6only, &fd);
    if (e == 0) {
      s->lfd[s->nlfd++] = fd;
      if (port == 0) port = bound_port(fd);
    } else if (e == EADDRNOTAVAIL || e == EAFNOSUPPORT) {
      last = e;
    } else {
      close_listeners(s);
      return e;
    }
  }
  return s->nlfd > 0 ? 0 : last;
}

/* Listens on every address host resolves to (a name like "localhost" may
 * give ::1 and 127.0.0.1), all on one port, as the gRPC core does for the
 * Flight port. With port 0, a port taken on a later address is retried. */
static int bind_host(gf__http_server* s, const char* name, const char* host, int port,
                     gf_error* err) {
  struct addrinfo hints = {0}, *res = NULL;
  char ports[16];
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  snprintf(ports, sizeof ports, "%d", port);
  int gai = getaddrinfo(host, ports, &hints, &res);
  if (gai != 0)
    return gf_error_set(err, GF_IO_ERROR, "%s: cannot resolve host '%s': %s", name, host,
                        gai_strerror(gai));
  int e = listen_all(s, res, port);
  for (int tries = 1; e == EADDRINUSE && port == 0 && tries < 16; tries++)
    e = listen_all(s, res, port);
  freeaddrinfo(res);
  if (e == 0) return GF_OK;
  return gf_error_set(err, GF_IO_ERROR, "%s: cannot listen on %s:%d: %s", name, host, port,
                      strerror(e));
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- response ------------------------------------------------------------ */

static const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

/* IMF-fixdate, independent of the locale. */
static void http_date(char out[32]) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
           mons[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A header value from the handler, or "" when absent or not a single line. */
static const char* header_value(const char* v) { return v && !strpbrk(v, "\r\n") ? v : ""; }

/* Queues status line, headers and (unless head_only) the body on c. 204 and
 * 304 carry neither body nor Content-Length (RFC 9110 8.6). */
static int queue_response(conn* c, const gf__http_response* r, int head_only, int keep, int v10) {
  int status = r->status >= 200 && r->status <= 599 ? r->status : 500;
  int no_body = status == 204 || status == 304;
  size_t blen = no_body || !r->body ? 0 : r->body_len;
  size_t send_body = head_only ? 0 : blen;
  const char* ct = header_value(r->content_type);
  const char* allow = header_value(r->allow);
  char date[32], clen[48] = "";
  http_date(date);
  if (!no_body) snprintf(clen, sizeof clen, "Content-Length: %zu\r\n", blen);
  /* the Connection header goes last, before the final CRLF */
  const char* ch = !keep ? "Connection: close\r\n" : v10 ? "Connection: keep-alive\r\n" : "";
  size_t cap = 320 + strlen(ct) + strlen(allow) + send_body;
  char* out = malloc(cap);
  if (!out) return -1;
  int n = snprintf(out, cap, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: %s\r\n%s%s%s%s%s%s%s%s\r\n",
                   status, reason(status), date, HTTP_SERVER_HEADER, *ct ? "Content-Type: " : "",
                   ct, *ct ? "\r\n" : "", *allow ? "Allow: " : "", allow, *allow ? "\r\n" : "",
                   clen, ch);
  if (n < 0 || (size_t)n + send_body > cap) {
    free(out);
    return -1;
  }
  size_t hl = (size_t)n;
  if (send_body) memcpy(out + hl, r->body, send_body);
  c->out = out;
  c->out_len = hl + send_body;
  c->out_off = 0;
  c->close_after = !keep;
  return 0;
}

/* ---- connections ----------------------------------------------------------- */

static void conn_free(conn* c) {
  if (!c) return;
  close(c->fd);
  free(c->out);
  free(c);
}

/* Sends what is queued; 1 when all sent, 0 when the socket is full, -1 on error. */
static int flush_out(conn* c, int64_t now) {
  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_off += (size_t)n;
      c->deadline = now + HTTP_TIMEOUT_MS;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
  }
  free(c->out);
  c->out = NULL;
  c->out_len = c->out_off = 0;
  return 1;
}

/* Reads what is available into the head buffer; -1 on a socket error. */
static int read_in(conn* c) {
  while (c->in_len < sizeof c->in && !c->eof) {
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
    if (n > 0)
      c->in_len += (size_t)n;
    else if (n == 0)
      c->eof = 1;
    else if (errno == EINTR)
      continue;
    else
      return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
  return 0;
}

/* Discards input of a closing connection; -1 when it is time to close. */
static int linger_read(conn* c) {
  char buf[4096];
  for (;;) {
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) {
      c->lingered += (size_t)n;
      if (c->lingered > HTTP_LINGER_MAX) return -1;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
  }
}

/* Response sent: close (lingering while the peer may still send), or wait
 * for the next request. -1 when c is to be closed now. */
static int response_done(conn* c, int64_t now) {
  if (c->close_after) {
    if (c->eof || shutdown(c->fd, SHUT_WR) != 0) return -1;
    c->state = C_LINGER;
    c->deadline = now + HTTP_LINGER_MS;
    c->since = now;
    return 0;
  }
  c->state = C_READ;
  c->deadline = now + HTTP_HEAD_TIMEOUT_MS;
  c->since = now;
  return 0;
}

static int keep_alive(const gf__http_head* h) {
  if (h->has_transfer_encoding || (h->has_content_length && h->content_length > 0)) return 0;
  if (h->version_minor == 0) return h->conn_keep_alive && !h->conn_close;
  return !h->conn_close;
}

static int dispatch(gf__http_server* s, conn* c, const gf__http_head* h) {
  char* m = s->scratch;
  char* path = m + h->method_len + 1;
  memcpy(m, h->method, h->method_len);
  m[h->method_len] = '\0';
  memcpy(path, h->target, h->target_len);
  path[h->target_len] = '\0';
  gf__http_request req = {m, path};
  gf__http_response resp = {404, NULL, 0, NULL, NULL};
  s->handler(s->ctx, &req, &resp);
  int head_only = strcmp(m, "HEAD") == 0;
  int rc = queue_response(c, &resp, head_only, keep_alive(h), h->version_minor == 0);
  free(resp.body);
  return rc;
}

static int queue_error(conn* c, int status) {
  gf__http_response resp = {status, NULL, 0, NULL, NULL};
  return queue_response(c, &resp, 0, 0, 0);
}

/* Answers complete requests in the head buffer, one at a time (the next one
 * only once the previous response is sent). -1 when c is to be closed. */
static int serve_buffered(gf__http_server* s, conn* c, int64_t now) {
  while (c->state == C_READ) {
    gf__http_head h;
    gf__http_parse_rc rc = gf__http_parse_head(c->in, c->in_len, sizeof c->in, &h);
    if (rc == GF__HTTP_HEAD_INCOMPLETE) return c->eof ? -1 : 0;
    if (rc != GF__HTTP_HEAD_OK) {
      if (queue_error(c, gf__http_parse_status(rc)) != 0) return -1;
      c->in_len = 0;
    } else {
      if (dispatch(s, c, &h) != 0) return -1;
      memmove(c->in, c->in + h.head_len, c->in_len - h.head_len);
      c->in_len -= h.head_len;
    }
    c->state = C_WRITE;
    c->deadline = now + HTTP_TIMEOUT_MS;
    c->since = now;
    int f = flush_out(c, now);
    if (f < 0) return -1;
    if (f == 1 && response_done(c, now) != 0) return -1;
  }
  return 0;
}

/* Handles poll events on c; -1 when c is to be closed. */
static int conn_event(gf__http_server* s, conn* c, short rev, int64_t now) {
  if (rev & POLLNVAL) return -1;
  if (c->state == C_LINGER) return rev ? linger_read(c) : 0;
  if (c->state == C_WRITE) {
    if (!(rev & (POLLOUT | POLLERR | POLLHUP))) return 0;
    int f = flush_out(c, now);
    if (f <= 0) return f;
    if (response_done(c, now) != 0) return -1;
  } else {
    if (!(rev & (POLLIN | POLLERR | POLLHUP))) return 0;
    if (read_in(c) != 0) return -1;
  }
  return serve_buffered(s, c, now);
}

/* ---- the serving loop ------------------------------------------------------ */

/* Eviction order at the connection limit: lingering, reading, writing. */
static int evict_rank(const conn* c) { return c->state == C_LINGER ? 0 : c->state == C_READ ? 1 : 2; }

/* A connection gets HTTP_EVICT_GRACE_MS in each state first: a new one to
 * send its request, a lingering one to read its response before the close. */
static int evictable(const conn* c, int64_t now) { return now - c->since >= HTTP_EVICT_GRACE_MS; }

static void close_at(gf__http_server* s, int i) {
  conn_free(s->conns[i]);
  s->conns[i] = s->conns[--s->nconns];
  s->conns[s->nconns] = NULL;
}

/* The connection to close for a newcomer (lowest rank, then waiting
 * longest); -1 when every one is within its grace period. */
static int eviction_victim(gf__http_server* s, int64_t now) {
  int best = -1;
  for (int i = 0; i < s->nconns; i++) {
    const conn* c = s->conns[i];
    if (!evictable(c, now)) continue;
    if (best < 0 || evict_rank(c) < evict_rank(s->conns[best]) ||
        (evict_rank(c) == evict_rank(s->conns[best]) && c->since < s->conns[best]->since))
      best = i;
  }
  return best;
}

static int can_accept(gf__http_server* s, int64_t now) {
  if (now < s->accept_after) return 0;
  return s->nconns < HTTP_MAX_CONNS || eviction_victim(s, now) >= 0;
}

static void add_conn(gf__http_server* s, int fd, int64_t now) {
  conn* c = malloc(sizeof *c);
  if (!c) {
    close(fd);
    return;
  }
  memset(c, 0, offsetof(conn, in));
  c->fd = fd;
  c->state = C_READ;
  c->deadline = now + HTTP_HEAD_TIMEOUT_MS;
  c->since = now;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  s->conns[s->nconns++] = c;
  /* a request that came with the connection is answered now */
  if (conn_event(s, c, POLLIN, now) != 0) close_at(s, s->nconns - 1);
}

/* Accepts up to HTTP_MAX_CONNS waiting clients per round, so the open
 * connections are served between rounds even under a connect flood. */
static void accept_all(gf__http_server* s, int lfd, int64_t now) {
  for (int round = 0; round < HTTP_MAX_CONNS; round++) {
    if (s->nconns == HTTP_MAX_CONNS) {
      int victim = eviction_victim(s, now);
      if (victim < 0) return;
      close_at(s, victim);
    }
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      add_conn(s, fd, now);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) s->accept_after = now + HTTP_BACKOFF_MS;
    return;
  }
}

static void expire(gf__http_server* s, int64_t now) {
  for (int i = s->nconns - 1; i >= 0; i--)
    if (s->conns[i]->deadline <= now) close_at(s, i);
}

/* Milliseconds until the next deadline, end of a grace period (at the
 * limit) or backoff end. */
static int next_timeout(gf__http_server* s, int64_t now) {
  int64_t next = INT64_MAX;
  for (int i = 0; i < s->nconns; i++) {
    const conn* c = s->conns[i];
    if (c->deadline < next) next = c->deadline;
    int64_t grace_end = c->since + HTTP_EVICT_GRACE_MS;
    if (s->nconns == HTTP_MAX_CONNS && grace_end > now && grace_end < next)
      next = c->since + HTTP_EVICT_GRACE_MS;
  }
  if (s->accept_after > now && s->accept_after < next) next = s->accept_after;
  if (next == INT64_MAX) return -1;
  return next <= now ? 0 : next - now > 60000 ? 60000 : (int)(next - now);
}

static short conn_events(const conn* c) { return c->state == C_WRITE ? POLLOUT : POLLIN; }

/* One poll round; 1 when asked to stop. */
static int serve_once(gf__http_server* s, struct pollfd* pf) {
  int64_t now = now_ms();
  expire(s, now);
  int n = 0, nl = 0, base;
  pf[n++] = (struct pollfd){s->wake[0], POLLIN, 0};
  if (can_accept(s, now))
    for (; nl < s->nlfd; nl++) pf[n++] = (struct pollfd){s->lfd[nl], POLLIN, 0};
  base = n;
  for (int i = 0; i < s->nconns; i++) pf[n++] = (struct pollfd){s->conns[i]->fd, conn_events(s->conns[i]), 0};
  int nconns = s->nconns;
  if (poll(pf, (nfds_t)n, next_timeout(s, now)) < 0) return 0; /* EINTR: next round */
  if (pf[0].revents) return 1;
  now = now_ms();
  for (int i = nconns - 1; i >= 0; i--)
    if (conn_event(s, s->conns[i], pf[base + i].revents, now) != 0) close_at(s, i);
  for (int i = 0; i < nl; i++)
    if (pf[1 + i].revents) accept_all(s, s->lfd[i], now);
  return 0;
}

static void* serve(void* arg) {
  gf__http_server* s = arg;
  struct pollfd pf[1 + HTTP_MAX_LISTEN + HTTP_MAX_CONNS];
  while (!serve_once(s, pf)) {
  }
  while (s->nconns > 0) close_at(s, s->nconns - 1);
  return NULL;
}

/* ---- lifecycle --------------------------------------------------------------- */

static void release(gf__http_server* s) {
  close_listeners(s);
  if (s->wake[0] >= 0) close(s->wake[0]);
  if (s->wake[1] >= 0) close(s->wake[1]);
  free(s);
}

/* Starts the serving thread with asynchronous signals blocked (they go to
 * the application's threads); fault signals stay deliverable. */
static int start_thread(gf__http_server* s) {
  sigset_t all, old;
  sigfillset(&all);
  static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT};
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) sigdelset(&all, faults[i]);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = gf__thread_create(&s->thread, serve, s);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc == 0) pthread_setname_np(s->thread, "gf-http");
  return rc;
}

int gf__http_start(const char* name, const char* host, int port, gf__http_handler handler,
                   void* ctx, gf__http_server** out, gf_error* err) {
  *out = NULL;
  if (!host || !*host) return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: empty host", name);
  if (port < 0 || port > 65535)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: invalid port %d", name, port);
  if (!handler) return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: no handler", name);
  gf__http_server* s = calloc(1, sizeof *s);
  if (!s) return gf_error_set(err, GF_NO_MEMORY, "%s: out of memory", name);
  s->wake[0] = s->wake[1] = -1;
  int rc = bind_host(s, name, host, port, err);
  if (rc) {
    release(s);
    return rc;
  }
  s->handler = handler;
  s->ctx = ctx;
  s->port = bound_port(s->lfd[0]);
  int nb = 0;
  for (int i = 0; i < s->nlfd; i++) nb |= fcntl(s->lfd[i], F_SETFL, O_NONBLOCK);
  if (nb != 0 || pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
      (errno = start_thread(s)) != 0) {
    int e = errno;
    release(s);
    return gf_error_set(err, GF_IO_ERROR, "%s: cannot start HTTP server on %s:%d: %s", name, host,
                        port, strerror(e));
  }
  *out = s;
  return GF_OK;
}

int gf__http_port(const gf__http_server* s) { return s ? s->port : -1; }

void gf__http_stop(gf__http_server* s) {
  if (!s) return;
  ssize_t w;
  do {
    w = write(s->wake[1], "x", 1);
  } while (w < 0 && errno == EINTR);
  pthread_join(s->thread, NULL);
  release(s);
}
