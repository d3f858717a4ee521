/* nghttp2 client transport, connection side: channels (target parsing, TLS
 * context, one I/O thread each), connecting (TCP or a unix socket, then the
 * TLS handshake with ALPN "h2", on the calling thread and bounded by the
 * call's deadline), the epoll loop that owns every nghttp2 session of the
 * channel, the session callbacks and GOAWAY handling. Every nghttp2 call
 * runs on the loop thread; callers reach it through gf__cconn_kick and the
 * hand-over of a new connection. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "transport/client_h2.h"

#define CONNECT_MS 20000 /* a connection attempt without a call deadline */
#define DEFAULT_WINDOW (4 * 1024 * 1024)
#define CONN_WINDOW (64 * 1024 * 1024)
#define MAX_FRAME (1024 * 1024)
#define MAX_HEADER_LIST (64 * 1024)
#define IDLE_WAIT_MS 1000

static char k_event_tag;

int64_t gf__cconn_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void loop_wake(gf__cchannel* ch) {
  uint64_t one = 1;
  ssize_t w = write(ch->efd, &one, sizeof(one));
  (void)w;
}

void gf__cconn_kick(gf__ccall* c) {
  gf__cchannel* ch = c->ch;
  pthread_mutex_lock(&ch->mu);
  int wake = 0;
  if (!c->kicked) {
    pthread_mutex_lock(&c->mu);
    c->refs++;
    pthread_mutex_unlock(&c->mu);
    c->kicked = 1;
    c->knext = NULL;
    if (ch->ktail) ch->ktail->knext = c;
    else ch->khead = c;
    ch->ktail = c;
    wake = 1;
  }
  pthread_mutex_unlock(&ch->mu);
  if (wake) loop_wake(ch);
}

/* ---- nghttp2 callbacks ------------------------------------------------------------ */

static ssize_t send_cb(nghttp2_session* s, const uint8_t* data, size_t len, int flags, void* user) {
  (void)s;
  (void)flags;
  return gf__h2_io_send(&((cconn*)user)->io, data, len);
}

static int send_data_cb(nghttp2_session* s, nghttp2_frame* f, const uint8_t* hd, size_t len,
                        nghttp2_data_source* src, void* user) {
  (void)s;
  (void)f;
  cconn* c = user;
  if (gf__h2_io_must_wait(&c->io)) return NGHTTP2_ERR_WOULDBLOCK;
  return gf__ccall_send_data(src->ptr, c, hd, len) ? NGHTTP2_ERR_CALLBACK_FAILURE : 0;
}

static gf__ccall* stream_call(nghttp2_session* s, int32_t sid) {
  return nghttp2_session_get_stream_user_data(s, sid);
}

static int header_cb(nghttp2_session* s, const nghttp2_frame* f, const uint8_t* n, size_t nl,
                     const uint8_t* v, size_t vl, uint8_t flags, void* user) {
  (void)flags;
  (void)user;
  gf__ccall* c = f->hd.type == NGHTTP2_HEADERS ? stream_call(s, f->hd.stream_id) : NULL;
  if (c) gf__ccall_header(c, f, n, nl, v, vl);
  return 0;
}

static void set_closing(cconn* c) {
  gf__cchannel* ch = c->ch;
  pthread_mutex_lock(&ch->mu);
  c->closing = 1;
  if (ch->cur == c) ch->cur = NULL;
  pthread_mutex_unlock(&ch->mu);
}

static int frame_recv_cb(nghttp2_session* s, const nghttp2_frame* f, void* user) {
  cconn* conn = user;
  if (f->hd.type == NGHTTP2_GOAWAY) {
    set_closing(conn);
    return 0;
  }
  if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) return 0;
  gf__ccall* c = stream_call(s, f->hd.stream_id);
  if (!c) return 0;
  if (f->hd.type == NGHTTP2_HEADERS) gf__ccall_headers_end(c, f);
  if (f->hd.flags & NGHTTP2_FLAG_END_STREAM) gf__ccall_remote_end(c);
  return 0;
}

static int data_chunk_cb(nghttp2_session* s, uint8_t flags, int32_t sid, const uint8_t* data,
                         size_t len, void* user) {
  (void)flags;
  (void)user;
  nghttp2_session_consume_connection(s, len);
  gf__ccall* c = stream_call(s, sid);
  if (c) gf__ccall_data(c, data, len);
  else nghttp2_session_consume_stream(s, sid, len);
  return 0;
}

static void unlink_call(cconn* conn, gf__ccall* c) {
  if (c->cprev) c->cprev->cnext = c->cnext;
  else if (conn->calls == c) conn->calls = c->cnext;
  if (c->cnext) c->cnext->cprev = c->cprev;
  c->cnext = c->cprev = NULL;
}

static int stream_close_cb(nghttp2_session* s, int32_t sid, uint32_t code, void* user) {
  cconn* conn = user;
  gf__ccall* c = stream_call(s, sid);
  if (!c) return 0;
  nghttp2_session_set_stream_user_data(s, sid, NULL);
  unlink_call(conn, c);
  gf__ccall_closed(c, (int)code);
  return 0;
}

/* A request that could not go out (for example after a GOAWAY): its stream
 * never opened, so no close callback comes. */
static int not_sent_cb(nghttp2_session* s, const nghttp2_frame* f, int lib_error, void* user) {
  (void)s;
  (void)lib_error;
  cconn* conn = user;
  if (f->hd.type != NGHTTP2_HEADERS) return 0;
  for (gf__ccall* c = conn->calls; c; c = c->cnext) {
    if (c->sid != f->hd.stream_id) continue;
    nghttp2_session_set_stream_user_data(s, c->sid, NULL);
    unlink_call(conn, c);
    gf__ccall_closed(c, NGHTTP2_REFUSED_STREAM);
    break;
  }
  return 0;
}

static nghttp2_session_callbacks* g_cbs;
static nghttp2_option* g_opt;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init_callbacks(void) {
  nghttp2_session_callbacks_new(&g_cbs);
  nghttp2_session_callbacks_set_send_callback(g_cbs, send_cb);
  nghttp2_session_callbacks_set_send_data_callback(g_cbs, send_data_cb);
  nghttp2_session_callbacks_set_data_source_read_length_callback(g_cbs, gf__h2_read_length_cb);
  nghttp2_session_callbacks_set_on_header_callback(g_cbs, header_cb);
  nghttp2_session_callbacks_set_on_frame_recv_callback(g_cbs, frame_recv_cb);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(g_cbs, data_chunk_cb);
  nghttp2_session_callbacks_set_on_stream_close_callback(g_cbs, stream_close_cb);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(g_cbs, not_sent_cb);
  nghttp2_option_new(&g_opt);
  gf__h2_options(g_opt);
  nghttp2_option_set_peer_max_concurrent_streams(g_opt, 100);
}

/* ---- connections (loop) ------------------------------------------------------------ */

int gf__cconn_after(cconn* c, gf__obuf* rel, gf__ccall* call) {
  if (c->n_after == c->cap_after) {
    size_t cap = c->cap_after ? c->cap_after * 2 : 8;
    gf__ccall** a = realloc(c->after, cap * sizeof(*a));
    if (a) c->after = a;
    gf__obuf** r = a ? realloc(c->after_rel, cap * sizeof(*r)) : NULL;
    if (!r) return GF_NO_MEMORY;
    c->after_rel = r;
    c->cap_after = cap;
  }
  pthread_mutex_lock(&call->mu);
  call->refs++;
  pthread_mutex_unlock(&call->mu);
  c->after[c->n_after] = call;
  c->after_rel[c->n_after++] = rel;
  return GF_OK;
}

/* Releases the messages whose bytes went to the socket (or its copy
 * buffer) and completes their sends. */
static void run_after(cconn* c) {
  for (size_t i = 0; i < c->n_after; i++) {
    gf__obuf_free(c->after_rel[i]);
    gf__ccall_send_written(c->after[i], !c->io.dead);
    gf__ccall_unref(c->after[i]);
  }
  c->n_after = 0;
}

static void arm(cconn* c, int want_out) { gf__h2_io_arm(&c->io, c->ch->ep, c, want_out, 0); }

static void conn_pump(cconn* c) {
  if (c->io.dead) return;
  for (int i = 0; i < 64; i++) {
    c->io.blocked = 0;
    int rv = nghttp2_session_send(c->sess);
    gf__h2_io_wflush(&c->io);
    gf__h2_io_flush_out(&c->io);
    run_after(c);
    if (rv != 0) c->io.dead = 1;
    if (c->io.dead || c->io.out_len || !c->io.blocked) break;
  }
  if (c->io.dead) return;
  arm(c, c->io.out_len > 0);
  if (!nghttp2_session_want_read(c->sess) && !nghttp2_session_want_write(c->sess) && !c->io.out_len)
    c->io.dead = 1;
}

static int feed(void* user, const uint8_t* p, size_t n) {
  cconn* c = user;
  if (nghttp2_session_mem_recv(c->sess, p, n) >= 0) return 0;
  conn_pump(c); /* a GOAWAY nghttp2 queued */
  c->io.dead = 1;
  return -1;
}

static uint8_t* direct(void* user, int32_t sid, size_t* len) {
  cconn* c = user;
  gf__ccall* call = stream_call(c->sess, sid);
  return call ? gf__h2_rx_direct(&call->rx, len) : NULL;
}

static int conn_settings(cconn* c) {
  gf__cchannel* ch = c->ch;
  nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, (uint32_t)ch->window},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, MAX_FRAME},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST},
  };
  if (nghttp2_submit_settings(c->sess, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])))
    return -1;
  int32_t cw = ch->window > CONN_WINDOW / 4 ? INT32_MAX / 2 : CONN_WINDOW;
  return nghttp2_session_set_local_window_size(c->sess, NGHTTP2_FLAG_NONE, 0, cw) ? -1 : 0;
}

static void conn_free(cconn* c) {
  gf__cchannel* ch = c->ch;
  set_closing(c);
  while (c->calls) {
    gf__ccall* call = c->calls;
    nghttp2_session_set_stream_user_data(c->sess, call->sid, NULL);
    unlink_call(c, call);
    gf__ccall_closed(call, -1);
  }
  c->io.dead = 1;
  run_after(c);
  free(c->after);
  free(c->after_rel);
  epoll_ctl(ch->ep, EPOLL_CTL_DEL, c->io.fd, NULL);
  nghttp2_session_del(c->sess);
  if (c->io.ssl) SSL_free(c->io.ssl);
  close(c->io.fd);
  gf__h2_io_clear(&c->io);
  free(c);
}

/* Takes a connected socket over: session, settings, epoll. */
static void conn_adopt(gf__cchannel* ch, cconn* c) {
  if (nghttp2_session_client_new2(&c->sess, g_cbs, c, g_opt) || conn_settings(c) ||
      gf__h2_io_arm(&c->io, ch->ep, c, 0, 1))
    c->io.dead = 1;
  c->next = ch->conns;
  ch->conns = c;
  conn_pump(c);
}

cconn* gf__cconn_current(gf__cchannel* ch) {
  pthread_mutex_lock(&ch->mu);
  cconn* c = ch->cur;
  pthread_mutex_unlock(&ch->mu);
  return c && !c->io.dead && c->sess ? c : NULL;
}

/* ---- the loop ------------------------------------------------------------------------ */

static void take_incoming(gf__cchannel* ch) {
  pthread_mutex_lock(&ch->mu);
  cconn* in = ch->incoming;
  ch->incoming = NULL;
  pthread_mutex_unlock(&ch->mu);
  while (in) {
    cconn* next = in->next;
    in->next = NULL;
    conn_adopt(ch, in);
    in = next;
  }
}

static void take_kicks(gf__cchannel* ch) {
  pthread_mutex_lock(&ch->mu);
  gf__ccall* k = ch->khead;
  ch->khead = ch->ktail = NULL;
  pthread_mutex_unlock(&ch->mu);
  while (k) {
    /* The next link is read before the call may be kicked again: a new
     * kick puts it on the new list and rewrites knext. */
    pthread_mutex_lock(&ch->mu);
    gf__ccall* next = k->knext;
    k->kicked = 0;
    pthread_mutex_unlock(&ch->mu);
    gf__ccall_kicked(k);
    gf__ccall_unref(k);
    k = next;
  }
}

/* Pumps every connection, frees finished ones and, when the nearest
 * deadline is due (or a second has passed), walks the calls to end those
 * past their deadline; returns how long the loop may wait. */
static int service(gf__cchannel* ch) {
  int64_t now = gf__cconn_now_ms();
  int tick = now >= ch->tick_at;
  int64_t wait = tick ? IDLE_WAIT_MS : ch->tick_at - now;
  for (cconn** pp = &ch->conns; *pp;) {
    cconn* c = *pp;
    for (gf__ccall* k = tick ? c->calls : NULL; k;) {
      gf__ccall* next = k->cnext;
      int64_t w = gf__ccall_tick(k, now);
      if (w < wait) wait = w;
      k = next;
    }
    conn_pump(c);
    int idle_closed = c->closing && !c->calls;
    if (c->io.dead || idle_closed) {
      *pp = c->next;
      conn_free(c);
      continue;
    }
    pp = &c->next;
  }
  if (wait < 0) wait = 0;
  if (tick) ch->tick_at = now + wait;
  return (int)wait;
}

void gf__cconn_deadline(gf__cchannel* ch, int64_t deadline_ms) {
  if (deadline_ms < ch->tick_at) ch->tick_at = deadline_ms;
}

static void conn_event(cconn* c, uint32_t ev) {
  if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) gf__h2_io_read(&c->io, direct, feed, c);
  if (ev & EPOLLOUT) gf__h2_io_flush_out(&c->io);
  conn_pump(c);
}

static void* loop_main(void* p) {
  gf__cchannel* ch = p;
  pthread_setname_np(pthread_self(), "gf-cio");
  /* OpenSSL writes with write(): a closed peer must give EPIPE here, not a
   * SIGPIPE that ends the application (a blocked one stays pending). */
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, NULL);
  int wait = IDLE_WAIT_MS;
  for (;;) {
    struct epoll_event evs[16];
    int n = epoll_wait(ch->ep, evs, 16, wait);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == &k_event_tag) {
        uint64_t v;
        ssize_t r = read(ch->efd, &v, sizeof(v));
        (void)r;
        continue;
      }
      conn_event(evs[i].data.ptr, evs[i].events);
    }
    pthread_mutex_lock(&ch->mu);
    int stop = ch->stop;
    pthread_mutex_unlock(&ch->mu);
    take_incoming(ch);
    take_kicks(ch);
    wait = service(ch);
    if (stop) break;
  }
  while (ch->conns) {
    cconn* c = ch->conns;
    ch->conns = c->next;
    conn_free(c);
  }
  take_kicks(ch); /* posted by the closes above: their calls are off every stream */
  return NULL;
}

/* ---- connecting (caller's thread) ---------------------------------------------------- */

/* Waits for fd to become readable/writable until deadline; 0 when ready. */
static int wait_fd(int fd, short events, int64_t deadline) {
  for (;;) {
    int64_t left = deadline - gf__cconn_now_ms();
    if (left <= 0) return -1;
    struct pollfd pf = {fd, events, 0};
    int r = poll(&pf, 1, (int)(left > 1000 ? 1000 : left));
    if (r > 0) return 0;
    if (r < 0 && errno != EINTR) return -1;
  }
}

static int connect_addr(const struct sockaddr* a, socklen_t al, int64_t deadline, int* err_no) {
  int fd = socket(a->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err_no = errno;
    return -1;
  }
  if (connect(fd, a, al) == 0) return fd;
  if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0) {
    int e = 0;
    socklen_t el = sizeof(e);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
    if (e == 0) return fd;
    *err_no = e;
  } else {
    *err_no = errno == EINPROGRESS ? ETIMEDOUT : errno;
  }
  close(fd);
  return -1;
}

static int open_socket(gf__cchannel* ch, int64_t deadline, gf_error* err) {
  int e = 0;
  if (ch->unix_path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", ch->unix_path);
    int fd = connect_addr((struct sockaddr*)&a, sizeof(a), deadline, &e);
    if (fd < 0)
      gf_error_set(err, GF_UNAVAILABLE, "failed to connect to unix:%s: %s", ch->unix_path,
                   strerror(e));
    return fd;
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  struct addrinfo* ai = NULL;
  int g = getaddrinfo(ch->host, ch->port, &hints, &ai);
  if (g || !ai) {
    gf_error_set(err, GF_UNAVAILABLE, "failed to resolve %s: %s", ch->authority, gai_strerror(g));
    return -1;
  }
  int fd = -1;
  for (struct addrinfo* a = ai; a && fd < 0; a = a->ai_next)
    fd = connect_addr(a->ai_addr, a->ai_addrlen, deadline, &e);
  freeaddrinfo(ai);
  if (fd < 0 && e == ETIMEDOUT && gf__cconn_now_ms() >= deadline) {
    gf_error_set(err, GF_TIMED_OUT, "connecting to %s: Deadline Exceeded", ch->authority);
    return -1;
  }
  if (fd < 0) {
    gf_error_set(err, GF_UNAVAILABLE, "failed to connect to %s: %s", ch->authority, strerror(e));
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

/* The TLS handshake runs on the caller's thread: SIGPIPE is blocked around
 * it and one it raised is taken, so a peer that closes gives an error. */
static void sigpipe_block(sigset_t* old, int* was_pending) {
  sigset_t s, pend;
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &s, old);
  sigpending(&pend);
  *was_pending = sigismember(&pend, SIGPIPE);
}

static void sigpipe_restore(const sigset_t* old, int was_pending) {
  sigset_t s, pend;
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  sigpending(&pend);
  if (!was_pending && sigismember(&pend, SIGPIPE)) {
    struct timespec zero = {0, 0};
    sigtimedwait(&s, NULL, &zero);
  }
  pthread_sigmask(SIG_SETMASK, old, NULL);
}

static int handshake_steps(gf__cchannel* ch, cconn* c, int64_t deadline, gf_error* err);

static int handshake(gf__cchannel* ch, cconn* c, int64_t deadline, gf_error* err) {
  sigset_t old;
  int was = 0;
  sigpipe_block(&old, &was);
  int rc = handshake_steps(ch, c, deadline, err);
  sigpipe_restore(&old, was);
  return rc;
}

static int handshake_steps(gf__cchannel* ch, cconn* c, int64_t deadline, gf_error* err) {
  c->io.ssl = SSL_new(ch->ssl);
  if (!c->io.ssl || !SSL_set_fd(c->io.ssl, c->io.fd) ||
      gf__ctls_prepare(c->io.ssl, ch->verify_name))
    return gf_error_set(err, GF_INTERNAL, "tls: cannot set up the connection to %s", ch->authority);
  SSL_set_connect_state(c->io.ssl);
  SSL_set_mode(c->io.ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  for (;;) {
    ERR_clear_error();
    int r = SSL_do_handshake(c->io.ssl);
    if (r == 1) break;
    int e = SSL_get_error(c->io.ssl, r);
    short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (!ev) {
      char why[160];
      long v = SSL_get_verify_result(c->io.ssl);
      unsigned long q = ERR_peek_last_error();
      if (v != X509_V_OK) snprintf(why, sizeof(why), "%s", X509_verify_cert_error_string(v));
      else if (q) ERR_error_string_n(q, why, sizeof(why));
      else snprintf(why, sizeof(why), "connection closed");
      return gf_error_set(err, GF_UNAVAILABLE, "tls handshake with %s failed: %s", ch->authority,
                          why);
    }
    if (wait_fd(c->io.fd, ev, deadline))
      return gf_error_set(err, GF_TIMED_OUT, "tls handshake with %s: Deadline Exceeded",
                          ch->authority);
  }
  const unsigned char* proto = NULL;
  unsigned int pl = 0;
  SSL_get0_alpn_selected(c->io.ssl, &proto, &pl);
  if (pl != 2 || memcmp(proto, "h2", 2))
    return gf_error_set(err, GF_UNAVAILABLE, "tls: %s did not select ALPN h2", ch->authority);
  return GF_OK;
}

static int dial(gf__cchannel* ch, int64_t deadline, gf_error* err) {
  cconn* c = calloc(1, sizeof(*c));
  if (!c) return gf_error_set(err, GF_NO_MEMORY, "connection: out of memory");
  c->ch = ch;
  c->io.fd = open_socket(ch, deadline, err);
  int rc = c->io.fd < 0 ? (err ? err->code : GF_UNAVAILABLE) : GF_OK;
  if (rc == GF_OK && ch->ssl) rc = handshake(ch, c, deadline, err);
  if (rc) {
    if (c->io.ssl) SSL_free(c->io.ssl);
    if (c->io.fd >= 0) close(c->io.fd);
    free(c);
    return rc;
  }
  pthread_mutex_lock(&ch->mu);
  c->next = ch->incoming;
  ch->incoming = c;
  ch->cur = c;
  pthread_mutex_unlock(&ch->mu);
  loop_wake(ch);
  return GF_OK;
}

/* Takes connect_mu, waiting at most until deadline (monotonic ms): another
 * caller may be connecting. 0 when taken. */
static int lock_until(pthread_mutex_t* mu, int64_t deadline) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t left = deadline - gf__cconn_now_ms();
  if (left < 0) left = 0;
  ts.tv_sec += left / 1000;
  ts.tv_nsec += (left % 1000) * 1000000;
  if (ts.tv_nsec >= 1000000000) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000;
  }
  return pthread_mutex_timedlock(mu, &ts);
}

int gf__cconn_ensure(gf__cchannel* ch, int64_t deadline_ms, gf_error* err) {
  int64_t dl = gf__cconn_now_ms() + CONNECT_MS;
  if (deadline_ms < dl) dl = deadline_ms;
  if (lock_until(&ch->connect_mu, dl))
    return gf_error_set(err, GF_TIMED_OUT, "connecting to %s: Deadline Exceeded", ch->authority);
  pthread_mutex_lock(&ch->mu);
  int have = ch->cur != NULL;
  pthread_mutex_unlock(&ch->mu);
  int rc = have ? GF_OK : dial(ch, dl, err);
  pthread_mutex_unlock(&ch->connect_mu);
  return rc;
}

/* ---- channels ----------------------------------------------------------------------- */

static int parse_target(gf__cchannel* ch, const char* t, gf_error* err) {
  if (!strncmp(t, "unix:", 5)) {
    ch->unix_path = strdup(t + 5);
    ch->authority = strdup("localhost");
    return ch->unix_path && ch->authority ? GF_OK : GF_NO_MEMORY;
  }
  const char* colon = strrchr(t, ':');
  if (!colon || colon == t || !colon[1] || (t[0] == '[' && colon[-1] != ']'))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "channel: target '%s' is not host:port", t);
  size_t hl = (size_t)(colon - t);
  if (t[0] == '[') ch->host = strndup(t + 1, hl - 2);
  else ch->host = strndup(t, hl);
  ch->port = strdup(colon + 1);
  ch->authority = strdup(t);
  return ch->host && ch->port && ch->authority ? GF_OK : GF_NO_MEMORY;
}

static int start_loop(gf__cchannel* ch, gf_error* err) {
  ch->ep = epoll_create1(EPOLL_CLOEXEC);
  ch->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &k_event_tag};
  if (ch->ep < 0 || ch->efd < 0 || epoll_ctl(ch->ep, EPOLL_CTL_ADD, ch->efd, &ev))
    return gf_error_set(err, GF_INTERNAL, "channel: cannot create its event loop");
  if (pthread_create(&ch->th, NULL, loop_main, ch))
    return gf_error_set(err, GF_INTERNAL, "channel: cannot start its I/O thread");
  ch->started = 1;
  return GF_OK;
}

static void channel_destroy(gf__cchannel* ch) {
  if (ch->started) {
    pthread_mutex_lock(&ch->mu);
    ch->stop = 1;
    pthread_mutex_unlock(&ch->mu);
    loop_wake(ch);
    pthread_join(ch->th, NULL);
  }
  while (ch->incoming) {
    cconn* c = ch->incoming;
    ch->incoming = c->next;
    if (c->io.ssl) SSL_free(c->io.ssl);
    close(c->io.fd);
    free(c);
  }
  if (ch->ep >= 0) close(ch->ep);
  if (ch->efd >= 0) close(ch->efd);
  if (ch->ssl) SSL_CTX_free(ch->ssl);
  free(ch->host);
  free(ch->port);
  free(ch->unix_path);
  free(ch->authority);
  free(ch->verify_name);
  pthread_mutex_destroy(&ch->mu);
  pthread_mutex_destroy(&ch->connect_mu);
  free(ch);
}

int gf__cchannel_create(const gf__cchannel_options* o, gf__cchannel** out, gf_error* err) {
  *out = NULL;
  if (!o->target || !o->target[0])
    return gf_error_set(err, GF_INVALID_ARGUMENT, "channel: empty target");
  pthread_once(&g_once, init_callbacks);
  gf__cchannel* ch = calloc(1, sizeof(*ch));
  if (!ch) return gf_error_set(err, GF_NO_MEMORY, "channel to %s: out of memory", o->target);
  ch->ep = ch->efd = -1;
  pthread_mutex_init(&ch->mu, NULL);
  pthread_mutex_init(&ch->connect_mu, NULL);
  ch->max_receive_bytes = o->max_receive_bytes;
  ch->window = o->lookahead_bytes > 0 ? o->lookahead_bytes : DEFAULT_WINDOW;
  ch->payload_offset = o->payload_offset;
  int rc = parse_target(ch, o->target, err);
  if (rc == GF_NO_MEMORY) rc = gf_error_set(err, GF_NO_MEMORY, "channel: out of memory");
  if (rc == GF_OK && o->tls) {
    ch->tls = 1;
    rc = gf__ctls_context(o, &ch->ssl, err);
    const char* name = o->override_host ? o->override_host : ch->host;
    ch->verify_name = name ? strdup(name) : NULL;
  }
  if (rc == GF_OK) rc = start_loop(ch, err);
  if (rc) {
    channel_destroy(ch);
    return rc;
  }
  *out = ch;
  return GF_OK;
}

void gf__cchannel_free(gf__cchannel* ch) {
  if (ch) channel_destroy(ch);
}
