/* nghttp2 server transport, connection side: the listener and its accept
 * loop (open-files limit, EMFILE back-off, connection cap), the I/O loops
 * (one epoll thread each, `cq_threads` of them), TLS through OpenSSL with
 * ALPN "h2" and mTLS (context in h2_tls.c), socket reads and writes, the nghttp2 session of each
 * connection and its callbacks, keepalive PINGs, idle and handshake
 * timeouts, GOAWAY drain and server start/shutdown. Every nghttp2 call runs
 * on the loop thread that owns the connection; other threads reach a call
 * only through gf__h2_kick. Loop threads run only non-blocking callbacks
 * of the layer above (on_call, recv/send/close/flush completions). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "common/instance.h"
#include "log/log_internal.h"
#include "transport/h2.h"

#define TICK_MS 50
#define HANDSHAKE_MS 10000        /* TLS handshake + client preface */
#define DEFAULT_MAX_STREAMS 1000
#define DEFAULT_LOOKAHEAD (1024 * 1024)
#define CONN_WINDOW (32 * 1024 * 1024)

static char k_listen_tag[4], k_event_tag;

int64_t gf__h2_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t gf__h2_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The loop this thread runs, or NULL: kicks from a loop's own thread need
 * no wake-up; they set L->again and the loop takes them before it waits. */
static __thread h2_loop* t_loop;

static void loop_wake(h2_loop* L) {
  uint64_t one = 1;
  ssize_t w = write(L->efd, &one, sizeof(one));
  (void)w;
}

void gf__h2_kick(gf__tcall* c) {
  h2_loop* L = c->L;
  pthread_mutex_lock(&c->mu);
  int already = c->kicked;
  if (!already) {
    c->kicked = 1;
    c->refs++;
  }
  pthread_mutex_unlock(&c->mu);
  if (already) return;
  pthread_mutex_lock(&L->mu);
  c->knext = NULL;
  if (L->ktail) L->ktail->knext = c;
  else L->khead = c;
  L->ktail = c;
  pthread_mutex_unlock(&L->mu);
  if (L != t_loop) loop_wake(L);
  else L->again = 1;
}

/* ---- output ------------------------------------------------------------------ */

int gf__h2_conn_after(h2_conn* c, gf__obuf* rel, gf__tcall* call) {
  if (c->n_after == c->cap_after) {
    size_t cap = c->cap_after ? c->cap_after * 2 : 8;
    h2_after* a = realloc(c->after, cap * sizeof(*a));
    if (!a) return GF_NO_MEMORY;
    c->after = a;
    c->cap_after = cap;
  }
  c->after[c->n_after++] = (h2_after){rel, call};
  return GF_OK;
}

/* Completes the sends whose last bytes are queued for this writev (no
 * nghttp2 call on the stack: the callbacks may start the next send, whose
 * frames then join the same writev); the buffers are released after it.
 * Returns how many completed. */
static int run_done(h2_conn* c) {
  int n = 0;
  for (size_t i = 0; i < c->n_after; i++) {
    gf__tcall* call = c->after[i].call;
    if (!call) continue;
    c->after[i].call = NULL;
    gf__h2_call_send_written(call, !c->io.dead);
    gf__h2_call_unref(call);
    n++;
  }
  return n;
}

/* Takes the kicks of this connection's calls (posted on this thread by the
 * completions run_done ran) and processes them without pumping. */
static int take_conn_kicks(h2_conn* c) {
  h2_loop* L = c->L;
  gf__tcall* mine = NULL;
  gf__tcall** tail = &mine;
  gf__tcall* last = NULL;
  pthread_mutex_lock(&L->mu);
  for (gf__tcall** pp = &L->khead; *pp;) {
    gf__tcall* k = *pp;
    if (k->conn != c) {
      last = k;
      pp = &k->knext;
      continue;
    }
    *pp = k->knext;
    k->knext = NULL;
    *tail = k;
    tail = &k->knext;
  }
  L->ktail = last;
  pthread_mutex_unlock(&L->mu);
  int n = 0;
  while (mine) {
    gf__tcall* next = mine->knext;
    gf__h2_call_kicked(mine);
    mine = next;
    n++;
  }
  return n;
}

/* Releases written messages and completes their sends (no nghttp2 call on
 * the stack: the callbacks may start the next send). */
static void run_after(h2_conn* c) {
  while (c->n_after) {
    size_t n = c->n_after;
    h2_after* a = c->after;
    c->after = NULL;
    c->n_after = c->cap_after = 0;
    for (size_t i = 0; i < n; i++) {
      gf__obuf_free(a[i].rel);
      if (a[i].call) {
        gf__h2_call_send_written(a[i].call, !c->io.dead);
        gf__h2_call_unref(a[i].call);
      }
    }
    free(a);
  }
}

static void arm(h2_conn* c, int want_out) { gf__h2_io_arm(&c->io, c->L->ep, c, want_out, 0); }

static void conn_pump(h2_conn* c) {
  if (c->io.dead || (c->io.ssl && !c->tls_ready)) return;
  int i;
  for (i = 0; i < 64; i++) {
    c->io.blocked = 0;
    int rv = nghttp2_session_send(c->sess);
    /* Not in the last round: its completions run after the writev below. */
    if (i < 63 && rv == 0 && !c->io.dead && !c->io.blocked && run_done(c) && take_conn_kicks(c))
      continue;
    gf__h2_io_wflush(&c->io);
    gf__h2_io_flush_out(&c->io);
    run_after(c);
    if (rv != 0) c->io.dead = 1;
    if (c->io.dead || c->io.out_len || !c->io.blocked) break;
  }
  if (c->io.dead) return;
  if (i == 64) c->repump = c->L->again = 1; /* the loop pumps it again before it waits */
  arm(c, c->io.out_len > 0);
  if (!nghttp2_session_want_read(c->sess) && !nghttp2_session_want_write(c->sess) && !c->io.out_len)
    c->io.dead = 1;
}

/* ---- nghttp2 callbacks --------------------------------------------------------- */

static ssize_t send_cb(nghttp2_session* s, const uint8_t* data, size_t len, int flags, void* user) {
  (void)s;
  (void)flags;
  return gf__h2_io_send(&((h2_conn*)user)->io, data, len);
}

static int send_data_cb(nghttp2_session* s, nghttp2_frame* f, const uint8_t* hd, size_t len,
                        nghttp2_data_source* src, void* user) {
  h2_conn* c = user;
  if (gf__h2_io_must_wait(&c->io)) return NGHTTP2_ERR_WOULDBLOCK;
  return gf__h2_send_data_cb(s, f, hd, len, src, user);
}

static gf__tcall* stream_call(nghttp2_session* s, int32_t sid) {
  return nghttp2_session_get_stream_user_data(s, sid);
}

static int begin_headers_cb(nghttp2_session* s, const nghttp2_frame* f, void* user) {
  h2_conn* c = user;
  if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  gf__tcall* call = gf__h2_call_new(c, f->hd.stream_id);
  if (!call) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  nghttp2_session_set_stream_user_data(s, f->hd.stream_id, call);
  c->n_streams++;
  return 0;
}

static int keep_header(const char* n, size_t l) {
  static const char* const drop[] = {"te", "content-type", "grpc-timeout", "grpc-encoding",
                                     "grpc-accept-encoding", "host"};
  for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
    if (strlen(drop[i]) == l && !memcmp(drop[i], n, l)) return 0;
  return 1;
}

static int add_md(gf__tcall* c, const uint8_t* n, size_t nl, const uint8_t* v, size_t vl) {
  if (c->n_headers == c->cap_headers) {
    size_t cap = c->cap_headers ? c->cap_headers * 2 : 8;
    gf__tmd* h = realloc(c->headers, cap * sizeof(*h));
    if (!h) return -1;
    c->headers = h;
    c->cap_headers = cap;
  }
  char* key = strndup((const char*)n, nl);
  uint8_t* val = malloc(vl + 1);
  if (!key || !val) {
    free(key);
    free(val);
    return -1;
  }
  size_t len = vl;
  if (nl > 4 && !memcmp(n + nl - 4, "-bin", 4)) {
    if (gf__h2_b64_decode((const char*)v, vl, val, &len)) {
      free(key);
      free(val);
      return -1;
    }
  } else {
    memcpy(val, v, vl);
  }
  val[len] = 0;
  c->headers[c->n_headers++] = (gf__tmd){key, val, len};
  return 0;
}

static int header_cb(nghttp2_session* s, const nghttp2_frame* f, const uint8_t* n, size_t nl,
                     const uint8_t* v, size_t vl, uint8_t flags, void* user) {
  (void)flags;
  (void)user;
  if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  gf__tcall* c = stream_call(s, f->hd.stream_id);
  if (!c || c->too_big) return 0;
  int64_t limit = c->s->opts.max_metadata_bytes > 0 ? c->s->opts.max_metadata_bytes : 16384;
  c->hdr_bytes += nl + vl + 32;
  if ((int64_t)c->hdr_bytes > limit) {
    c->too_big = 1;
    return 0;
  }
  if (nl && n[0] == ':') {
    if (nl == 5 && !memcmp(n, ":path", 5)) {
      free(c->path);
      c->path = strndup((const char*)v, vl);
      if (!c->path) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
      c->method = c->s->opts.method_of(c->path, &c->unary);
    } else if (nl == 7 && !memcmp(n, ":method", 7)) {
      c->bad_method = !(vl == 4 && !memcmp(v, "POST", 4));
    }
    return 0;
  }
  if (nl == 12 && !memcmp(n, "content-type", 12)) {
    c->has_ctype = 1;
    c->bad_ctype = !(vl >= 16 && !memcmp(v, "application/grpc", 16) && (vl == 16 || v[16] == '+' || v[16] == ';'));
  } else if (nl == 12 && !memcmp(n, "grpc-timeout", 12)) {
    int64_t ms = gf__h2_parse_timeout((const char*)v, vl);
    if (ms >= 0) c->deadline_ms = gf__h2_wall_ms() + ms;
  } else if (nl == 13 && !memcmp(n, "grpc-encoding", 13)) {
    if (!(vl == 8 && !memcmp(v, "identity", 8))) {
      free(c->encoding);
      c->encoding = strndup((const char*)v, vl);
    }
  }
  if (keep_header((const char*)n, nl) && add_md(c, n, nl, v, vl))
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  return 0;
}

static int frame_recv_cb(nghttp2_session* s, const nghttp2_frame* f, void* user) {
  h2_conn* c = user;
  switch (f->hd.type) {
    case NGHTTP2_SETTINGS: c->h2_ready = 1; break;
    case NGHTTP2_PING:
      if (f->hd.flags & NGHTTP2_FLAG_ACK) c->ping_sent_ms = 0;
      break;
    case NGHTTP2_HEADERS: {
      gf__tcall* call = stream_call(s, f->hd.stream_id);
      if (!call) break;
      if (f->headers.cat == NGHTTP2_HCAT_REQUEST) gf__h2_call_headers_done(call);
      if (f->hd.flags & NGHTTP2_FLAG_END_STREAM) gf__h2_call_remote_end(call);
      break;
    }
    case NGHTTP2_DATA: {
      gf__tcall* call = stream_call(s, f->hd.stream_id);
      if (call && (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) gf__h2_call_remote_end(call);
      break;
    }
    default: break;
  }
  return 0;
}

static int data_chunk_cb(nghttp2_session* s, uint8_t flags, int32_t sid, const uint8_t* data,
                         size_t len, void* user) {
  (void)flags;
  (void)user;
  nghttp2_session_consume_connection(s, len);
  gf__tcall* call = stream_call(s, sid);
  if (call) gf__h2_call_data(call, data, len);
  else nghttp2_session_consume_stream(s, sid, len);
  return 0;
}

static int stream_close_cb(nghttp2_session* s, int32_t sid, uint32_t code, void* user) {
  h2_conn* c = user;
  gf__tcall* call = stream_call(s, sid);
  if (!call) return 0;
  nghttp2_session_set_stream_user_data(s, sid, NULL);
  c->n_streams--;
  c->last_stream_ms = gf__h2_now_ms();
  gf__h2_call_stream_closed(call, code);
  return 0;
}

static int frame_send_cb(nghttp2_session* s, const nghttp2_frame* f, void* user) {
  (void)user;
  if (f->hd.type != NGHTTP2_HEADERS) return 0;
  gf__tcall* call = stream_call(s, f->hd.stream_id);
  if (call) gf__h2_call_frame_sent(call, f);
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
  nghttp2_session_callbacks_set_on_begin_headers_callback(g_cbs, begin_headers_cb);
  nghttp2_session_callbacks_set_on_header_callback(g_cbs, header_cb);
  nghttp2_session_callbacks_set_on_frame_recv_callback(g_cbs, frame_recv_cb);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(g_cbs, data_chunk_cb);
  nghttp2_session_callbacks_set_on_stream_close_callback(g_cbs, stream_close_cb);
  nghttp2_session_callbacks_set_on_frame_send_callback(g_cbs, frame_send_cb);
  nghttp2_option_new(&g_opt);
  gf__h2_options(g_opt);
  nghttp2_option_set_stream_reset_rate_limit(g_opt, 1000, 33);
}

/* ---- connections --------------------------------------------------------------- */

static void peer_name(int fd, char* out, size_t n) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (getpeername(fd, (struct sockaddr*)&ss, &sl) == 0) {
    if (ss.ss_family == AF_INET) {
      struct sockaddr_in* a = (struct sockaddr_in*)&ss;
      inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
      port = ntohs(a->sin_port);
      snprintf(out, n, "ipv4:%s:%d", host, port);
      return;
    }
    struct sockaddr_in6* a = (struct sockaddr_in6*)&ss;
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
    snprintf(out, n, "ipv6:[%s]:%d", host, port);
    return;
  }
  snprintf(out, n, "unknown");
}

static int conn_settings(h2_conn* c) {
  gf__tserver* s = c->L->s;
  nghttp2_settings_entry iv[4];
  int n = 0;
  int mcs = s->opts.max_concurrent_streams > 0 ? s->opts.max_concurrent_streams : DEFAULT_MAX_STREAMS;
  iv[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, (uint32_t)mcs};
  int64_t la = s->lookahead > 0 ? s->lookahead : DEFAULT_LOOKAHEAD;
  if (la > INT32_MAX) la = INT32_MAX;
  iv[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, (uint32_t)la};
  int64_t mh = s->opts.max_metadata_bytes > 0 ? s->opts.max_metadata_bytes : 16384;
  iv[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)(mh > INT32_MAX ? INT32_MAX : mh)};
  iv[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 65536};
  if (nghttp2_submit_settings(c->sess, NGHTTP2_FLAG_NONE, iv, (size_t)n)) return -1;
  int32_t cw = CONN_WINDOW;
  if (la * 4 > cw) cw = la * 4 > INT32_MAX ? INT32_MAX : (int32_t)(la * 4);
  return nghttp2_session_set_local_window_size(c->sess, NGHTTP2_FLAG_NONE, 0, cw) ? -1 : 0;
}

static void conn_free(h2_conn* c) {
  h2_loop* L = c->L;
  /* Streams still open end as cancelled. */
  while (c->calls) {
    gf__tcall* call = c->calls;
    nghttp2_session_set_stream_user_data(c->sess, call->sid, NULL);
    gf__h2_call_stream_closed(call, NGHTTP2_CANCEL);
  }
  run_after(c); /* its calls' sends fail: the streams are closed */
  free(c->after);
  if (c->prev) c->prev->next = c->next;
  else L->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  L->n_conns--;
  epoll_ctl(L->ep, EPOLL_CTL_DEL, c->io.fd, NULL);
  nghttp2_session_del(c->sess);
  if (c->io.ssl) SSL_free(c->io.ssl);
  close(c->io.fd);
  gf__h2_io_clear(&c->io);
  free(c->identity);
  free(c);
  atomic_fetch_sub(&L->s->n_conns, 1);
}

static void conn_new(h2_loop* L, int fd) {
  gf__tserver* s = L->s;
  h2_conn* c = calloc(1, sizeof(*c));
  if (!c) goto fail;
  c->L = L;
  c->io.fd = fd;
  c->born_ms = c->last_rx_ms = c->last_stream_ms = gf__h2_now_ms();
  c->io.rx_skip = NGHTTP2_CLIENT_MAGIC_LEN;
  peer_name(fd, c->peer, sizeof(c->peer));
  if (nghttp2_session_server_new2(&c->sess, g_cbs, c, g_opt)) goto fail;
  if (conn_settings(c)) goto fail;
  if (s->ssl) {
    c->io.ssl = SSL_new(s->ssl);
    if (!c->io.ssl || !SSL_set_fd(c->io.ssl, fd)) goto fail;
    SSL_set_accept_state(c->io.ssl);
    SSL_set_mode(c->io.ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
  if (gf__h2_io_arm(&c->io, L->ep, c, 0, 1)) goto fail;
  c->next = L->conns;
  if (L->conns) L->conns->prev = c;
  L->conns = c;
  L->n_conns++;
  if (L->drain) {
    nghttp2_submit_goaway(c->sess, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, NULL, 0);
    c->goaway = 1;
  }
  conn_pump(c);
  return;
fail:
  if (c) {
    if (c->sess) nghttp2_session_del(c->sess);
    if (c->io.ssl) SSL_free(c->io.ssl);
    free(c);
  }
  close(fd);
  atomic_fetch_sub(&s->n_conns, 1);
}

static void tls_handshake(h2_conn* c) {
  ERR_clear_error();
  int r = SSL_do_handshake(c->io.ssl);
  if (r == 1) {
    c->tls_ready = 1;
    c->identity = gf__h2_tls_identity(c->io.ssl);
    arm(c, 0);
    return;
  }
  int e = SSL_get_error(c->io.ssl, r);
  if (e == SSL_ERROR_WANT_READ) arm(c, 0);
  else if (e == SSL_ERROR_WANT_WRITE) arm(c, 1);
  else c->io.dead = 1;
}

/* Hands bytes read to nghttp2; nonzero when the connection is done. */
static int feed(void* user, const uint8_t* p, size_t n) {
  h2_conn* c = user;
  c->last_rx_ms = gf__h2_now_ms();
  ssize_t rv = nghttp2_session_mem_recv(c->sess, p, n);
  if (rv >= 0) return 0;
  /* Protocol errors: nghttp2 queued a GOAWAY where it could. */
  conn_pump(c);
  c->io.dead = 1;
  return -1;
}

/* Where the next read may put DATA payload of stream sid in place (see
 * gf__h2_call_direct). */
static uint8_t* direct(void* user, int32_t sid, size_t* len) {
  h2_conn* c = user;
  gf__tcall* call = stream_call(c->sess, sid);
  return call ? gf__h2_call_direct(call, len) : NULL;
}

static void conn_event(h2_conn* c, uint32_t ev) {
  if (c->io.ssl && !c->tls_ready) {
    tls_handshake(c);
    if (!c->tls_ready) return;
  }
  if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) gf__h2_io_read(&c->io, direct, feed, c);
  if (ev & EPOLLOUT) gf__h2_io_flush_out(&c->io);
  conn_pump(c);
}

static void conn_tick(h2_conn* c, int64_t now, int64_t wall) {
  gf__tserver_options* o = &c->L->s->opts;
  if (!c->h2_ready) {
    if (now - c->born_ms > HANDSHAKE_MS) c->io.dead = 1;
    return;
  }
  if (o->keepalive_time_sec > 0) {
    if (c->ping_sent_ms && now - c->ping_sent_ms > (int64_t)(o->keepalive_timeout_sec > 0 ? o->keepalive_timeout_sec : 20) * 1000) {
      c->io.dead = 1;
      return;
    }
    if (!c->ping_sent_ms && now - c->last_rx_ms >= (int64_t)o->keepalive_time_sec * 1000) {
      nghttp2_submit_ping(c->sess, NGHTTP2_FLAG_NONE, NULL);
      c->ping_sent_ms = now;
    }
  }
  if (o->max_connection_idle_sec > 0 && !c->goaway && c->n_streams == 0 &&
      now - c->last_stream_ms >= (int64_t)o->max_connection_idle_sec * 1000) {
    nghttp2_session_terminate_session(c->sess, NGHTTP2_NO_ERROR);
    c->goaway = 1;
  }
  for (gf__tcall* k = c->calls; k;) {
    gf__tcall* next = k->cnext;
    gf__h2_call_tick(k, wall);
    k = next;
  }
  conn_pump(c);
}

/* ---- listener -------------------------------------------------------------------- */

static void listener_arm(h2_loop* L, int on) {
  for (int i = 0; i < L->s->n_lfd; i++) {
    if (on) {
      struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &k_listen_tag[i]};
      epoll_ctl(L->ep, EPOLL_CTL_ADD, L->s->lfd[i], &ev);
    } else {
      epoll_ctl(L->ep, EPOLL_CTL_DEL, L->s->lfd[i], NULL);
    }
  }
}

static gf_logger* tlog(void) {
  static _Atomic(gf_logger*) slot;
  return gf__logger_cached(&slot, "gooddata_flight_server.transport");
}

static void hand_over(gf__tserver* s, int fd) {
  h2_loop* T = &s->loops[s->next_loop];
  s->next_loop = (s->next_loop + 1) % s->n_loops;
  if (T == &s->loops[0]) {
    conn_new(T, fd);
    return;
  }
  pthread_mutex_lock(&T->mu);
  if (T->n_new == T->cap_new) {
    size_t cap = T->cap_new ? T->cap_new * 2 : 16;
    int* v = realloc(T->newfds, cap * sizeof(int));
    if (!v) {
      pthread_mutex_unlock(&T->mu);
      close(fd);
      atomic_fetch_sub(&s->n_conns, 1);
      return;
    }
    T->newfds = v;
    T->cap_new = cap;
  }
  T->newfds[T->n_new++] = fd;
  pthread_mutex_unlock(&T->mu);
  loop_wake(T);
}

/* True when the process can open a socket now (the accept pause is over
 * even if no connection is waiting to prove it). */
static bool descriptor_free(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  close(fd);
  return true;
}

bool gf__tserver_accepting(gf__tserver* s) {
  if (!s) return false;
  int64_t since = atomic_load(&s->paused_since_ms);
  return since == 0 || gf__h2_now_ms() - since < GF__TSERVER_PAUSE_READY_MS;
}

static void do_accept(h2_loop* L, int lfd) {
  gf__tserver* s = L->s;
  for (int i = 0; i < 64; i++) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        /* Out of descriptors: pause the listener briefly and try again. */
        int e = errno;
        listener_arm(L, 0);
        int64_t now = gf__h2_now_ms();
        int64_t none = 0;
        atomic_compare_exchange_strong(&s->paused_since_ms, &none, now);
        L->accept_retry_ms = now + 20;
        if (now - L->accept_logged_ms >= 1000) {
          L->accept_logged_ms = now;
          GF_LOG(tlog(), GF_LOG_WARNING, "flight_accept_paused", GF_STR("error", strerror(e)),
                 GF_INT("connections", atomic_load(&s->n_conns)), GF_INT("retry_ms", 20));
        }
      }
      return;
    }
    atomic_store(&s->paused_since_ms, 0);
    if (atomic_fetch_add(&s->n_conns, 1) >= s->max_conns) {
      atomic_fetch_sub(&s->n_conns, 1);
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    hand_over(s, fd);
  }
}

/* ---- loop thread ------------------------------------------------------------------ */

static void take_new(h2_loop* L) {
  pthread_mutex_lock(&L->mu);
  int* fds = L->newfds;
  size_t n = L->n_new;
  L->newfds = NULL;
  L->n_new = L->cap_new = 0;
  pthread_mutex_unlock(&L->mu);
  for (size_t i = 0; i < n; i++) conn_new(L, fds[i]);
  free(fds);
}

static void take_kicks(h2_loop* L) {
  pthread_mutex_lock(&L->mu);
  gf__tcall* k = L->khead;
  L->khead = L->ktail = NULL;
  pthread_mutex_unlock(&L->mu);
  while (k) {
    gf__tcall* next = k->knext;
    h2_conn* conn = k->conn;
    gf__h2_call_kicked(k); /* drops the kick reference */
    if (conn && !conn->io.dead) conn_pump(conn);
    k = next;
  }
}

/* Frees dead connections and pumps those whose last pump hit its bound. */
static void reap(h2_loop* L) {
  for (h2_conn* c = L->conns; c;) {
    h2_conn* next = c->next;
    if (c->repump && !c->io.dead) {
      c->repump = 0;
      conn_pump(c);
    }
    if (c->io.dead) conn_free(c);
    c = next;
  }
}

static void drain_all(h2_loop* L) {
  for (h2_conn* c = L->conns; c; c = c->next) {
    if (c->goaway) continue;
    nghttp2_submit_goaway(c->sess, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(c->sess),
                          NGHTTP2_NO_ERROR, NULL, 0);
    c->goaway = 1;
    conn_pump(c);
  }
}

static void* loop_main(void* p) {
  h2_loop* L = p;
  gf__tserver* s = L->s;
  pthread_setname_np(pthread_self(), "gf-io");
  t_loop = L;
  struct epoll_event evs[64];
  int64_t last_tick = gf__h2_now_ms();
  int drained = 0, killed = 0, listening = L->idx == 0;
  for (;;) {
    int again = L->again;
    L->again = 0;
    int n = epoll_wait(L->ep, evs, 64, again ? 0 : TICK_MS);
    for (int i = 0; i < n; i++) {
      void* ptr = evs[i].data.ptr;
      if (ptr == &k_event_tag) {
        uint64_t v;
        ssize_t r = read(L->efd, &v, sizeof(v));
        (void)r;
      } else if ((char*)ptr >= k_listen_tag && (char*)ptr < k_listen_tag + 4) {
        if (listening) do_accept(L, s->lfd[(char*)ptr - k_listen_tag]);
      } else {
        conn_event(ptr, evs[i].events);
      }
    }
    take_new(L);
    take_kicks(L);
    pthread_mutex_lock(&L->mu);
    int stop = L->stop, drain = L->drain, kill = L->kill;
    pthread_mutex_unlock(&L->mu);
    if (drain && !drained) {
      drained = 1;
      if (listening) { /* new connections are refused from now on */
        listener_arm(L, 0);
        listening = 0;
        L->accept_retry_ms = 0;
        for (int i = 0; i < s->n_lfd; i++) close(s->lfd[i]);
        s->n_lfd = 0;
      }
      drain_all(L);
    }
    if (kill && !killed) {
      killed = 1;
      for (h2_conn* c = L->conns; c; c = c->next) c->io.dead = 1;
    }
    int64_t now = gf__h2_now_ms();
    if (now - last_tick >= TICK_MS) {
      last_tick = now;
      int64_t wall = gf__h2_wall_ms();
      for (h2_conn* c = L->conns; c; c = c->next)
        if (!c->io.dead) conn_tick(c, now, wall);
      if (listening && L->accept_retry_ms && now >= L->accept_retry_ms) {
        L->accept_retry_ms = 0;
        if (descriptor_free()) atomic_store(&s->paused_since_ms, 0);
        listener_arm(L, 1);
      }
    }
    reap(L);
    if (stop && !L->conns) break;
  }
  return NULL;
}

/* ---- server ------------------------------------------------------------------------ */

static int listen_on(gf__tserver* s, gf_error* err) {
  const char* h = s->opts.host && *s->opts.host ? s->opts.host : "127.0.0.1";
  char host[256];
  size_t hl = strlen(h);
  if (h[0] == '[' && hl > 2 && h[hl - 1] == ']') {
    snprintf(host, sizeof(host), "%.*s", (int)(hl - 2), h + 1);
  } else {
    snprintf(host, sizeof(host), "%s", h);
  }
  char port[16];
  snprintf(port, sizeof(port), "%d", s->opts.port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
  struct addrinfo* ai = NULL;
  if (getaddrinfo(host, port, &hints, &ai) || !ai)
    return gf_error_set(err, GF_IO_ERROR, "unable to listen on %s:%d (invalid host)", h, s->opts.port);
  int multi = ai->ai_next != NULL;
  for (struct addrinfo* a = ai; a && s->n_lfd < 4; a = a->ai_next) {
    if (s->n_lfd) { /* every address takes the port of the first */
      if (a->ai_family == AF_INET) ((struct sockaddr_in*)a->ai_addr)->sin_port = htons((uint16_t)s->port);
      else ((struct sockaddr_in6*)a->ai_addr)->sin6_port = htons((uint16_t)s->port);
    }
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (a->ai_family == AF_INET6) {
      int v6only = multi ? 1 : 0;
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
    }
    if (bind(fd, a->ai_addr, a->ai_addrlen) || listen(fd, 4096)) {
      close(fd);
      continue;
    }
    if (!s->n_lfd) {
      struct sockaddr_storage ss;
      socklen_t sl = sizeof(ss);
      getsockname(fd, (struct sockaddr*)&ss, &sl);
      s->port = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in*)&ss)->sin_port)
                                        : ntohs(((struct sockaddr_in6*)&ss)->sin6_port);
    }
    s->lfd[s->n_lfd++] = fd;
  }
  freeaddrinfo(ai);
  if (!s->n_lfd)
    return gf_error_set(err, GF_IO_ERROR, "unable to listen on %s:%d (address in use, invalid host or bad TLS material)", h, s->opts.port);
  return GF_OK;
}

/* Raises the soft open-files limit to the hard one; the connection cap keeps
 * a reserve for files, plugins and outbound sockets. */
static int raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl)) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlim_t want = rl.rlim_max > 1048576 ? 1048576 : rl.rlim_max;
    if (want > rl.rlim_cur) {
      rl.rlim_cur = want;
      setrlimit(RLIMIT_NOFILE, &rl);
      getrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  long reserve = (long)rl.rlim_cur / 16 < 128 ? (long)rl.rlim_cur / 16 : 128;
  long cap = (long)rl.rlim_cur - reserve;
  const char* env = getenv("GF_TRANSPORT_MAX_CONNECTIONS"); /* tests: 0 turns the cap off */
  if (env && *env) cap = strtol(env, NULL, 10) > 0 ? strtol(env, NULL, 10) : INT_MAX;
  if (cap > INT_MAX) cap = INT_MAX;
  return cap < 16 ? 16 : (int)cap;
}

static int64_t lookahead_bytes(const gf__tserver_options* o) {
  const char* env = getenv("GF_TRANSPORT_LOOKAHEAD_BYTES");
  if (env && *env) return strtoll(env, NULL, 10);
  return o->stream_lookahead_bytes > 0 ? o->stream_lookahead_bytes : DEFAULT_LOOKAHEAD;
}

void gf__transport_tune_malloc(void) {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
  if (!getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 1);
}

static int start_loops(gf__tserver* s, gf_error* err) {
  s->loops = calloc((size_t)s->n_loops, sizeof(h2_loop));
  if (!s->loops) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  for (int i = 0; i < s->n_loops; i++) {
    h2_loop* L = &s->loops[i];
    L->s = s;
    L->idx = i;
    pthread_mutex_init(&L->mu, NULL);
    L->ep = epoll_create1(EPOLL_CLOEXEC);
    L->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (L->ep < 0 || L->efd < 0) return gf_error_set(err, GF_IO_ERROR, "cannot create the event loop");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &k_event_tag};
    epoll_ctl(L->ep, EPOLL_CTL_ADD, L->efd, &ev);
  }
  listener_arm(&s->loops[0], 1);
  for (int i = 0; i < s->n_loops; i++) {
    if (gf__thread_create(&s->loops[i].th, loop_main, &s->loops[i]))
      return gf_error_set(err, GF_INTERNAL, "cannot start the transport I/O thread");
    s->loops[i].started = 1;
  }
  return GF_OK;
}

int gf__tserver_create(const gf__tserver_options* opts, gf__tserver** out, gf_error* err) {
  gf__transport_tune_malloc();
  pthread_once(&g_once, init_callbacks);
  gf__tserver* s = calloc(1, sizeof(*s));
  if (!s) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  s->opts = *opts;
  for (int i = 0; i < 4; i++) s->lfd[i] = -1;
  s->n_loops = opts->cq_threads > 0 ? opts->cq_threads : 1;
  if (s->n_loops > 16) s->n_loops = 16;
  s->lookahead = lookahead_bytes(opts);
  s->max_conns = raise_nofile();
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  int rc = gf__h2_tls_context(&s->opts, &s->ssl, err);
  if (!rc) rc = listen_on(s, err);
  if (!rc) rc = start_loops(s, err);
  if (rc) {
    gf__tserver_shutdown(s, 0);
    gf__tserver_destroy(s);
    return rc;
  }
  *out = s;
  return GF_OK;
}

int gf__tserver_port(const gf__tserver* s) { return s->port; }

static void set_all(gf__tserver* s, int which) {
  for (int i = 0; i < s->n_loops; i++) {
    h2_loop* L = &s->loops[i];
    pthread_mutex_lock(&L->mu);
    if (which == 0) L->drain = 1;
    else if (which == 1) L->kill = 1;
    else L->stop = 1;
    pthread_mutex_unlock(&L->mu);
    loop_wake(L);
  }
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int wait_live_zero(gf__tserver* s, int64_t ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (ms % 1000) * 1000000;
  if (ts.tv_nsec >= 1000000000) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000;
  }
  pthread_mutex_lock(&s->mu);
  int rc = 0;
  while (s->live && rc == 0) rc = pthread_cond_timedwait(&s->cv, &s->mu, &ts);
  int ok = s->live == 0;
  pthread_mutex_unlock(&s->mu);
  return ok;
}

void gf__tserver_shutdown(gf__tserver* s, int64_t grace_ms) {
  if (!s || atomic_exchange(&s->shutting, 1)) return;
  if (s->loops && s->loops[s->n_loops - 1].started) {
    set_all(s, 0);
    int64_t until = gf__h2_now_ms() + (grace_ms < 0 ? 0 : grace_ms);
    while (atomic_load(&s->streams) > 0 && gf__h2_now_ms() < until) sleep_ms(5);
    set_all(s, 1);
    wait_live_zero(s, 10000);
    set_all(s, 2);
  }
  if (s->loops)
    for (int i = 0; i < s->n_loops; i++)
      if (s->loops[i].started) {
        pthread_join(s->loops[i].th, NULL);
        s->loops[i].started = 0;
      }
}

void gf__tserver_destroy(gf__tserver* s) {
  if (!s) return;
  if (s->loops) {
    for (int i = 0; i < s->n_loops; i++) {
      h2_loop* L = &s->loops[i];
      for (size_t k = 0; k < L->n_new; k++) close(L->newfds[k]);
      free(L->newfds);
      if (L->ep > 0) close(L->ep);
      if (L->efd > 0) close(L->efd);
      pthread_mutex_destroy(&L->mu);
    }
    free(s->loops);
  }
  for (int i = 0; i < s->n_lfd; i++) close(s->lfd[i]);
  if (s->ssl) SSL_CTX_free(s->ssl);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  free(s);
}
