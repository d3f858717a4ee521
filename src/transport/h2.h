/* Internal types of the nghttp2 server transport (TRANSPORT=nghttp2): the
 * server, its I/O loops (one epoll thread each), connections and the
 * per-stream call state shared by h2_loop.c (sockets, nghttp2 session
 * callbacks), h2_tls.c (OpenSSL context), h2_call.c (gf__tcall_* operations
 * and the loop side of sends and receives) and h2_wire.c (gRPC header
 * encodings). Only src/transport includes it. Fields marked [loop] are
 * touched only by the owning loop's thread; [mu] fields only under
 * gf__tcall.mu. */
#ifndef GF__TRANSPORT_H2_H
#define GF__TRANSPORT_H2_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "transport/h2_io.h"
#include "transport/h2_rx.h"
#include "transport/h2_wire.h"
#include "transport/server_transport.h"

typedef struct h2_loop h2_loop;
typedef struct h2_conn h2_conn;

/* A received message waiting for the consumer. */
typedef struct h2_qmsg {
  gf__ibuf* msg;
  size_t wire; /* bytes it took on the stream (prefix included) */
  struct h2_qmsg* next;
} h2_qmsg;

struct gf__tcall {
  gf__tserver* s;
  h2_loop* L;
  h2_conn* conn; /* [loop] NULL once the stream is gone */
  int32_t sid;
  pthread_mutex_t mu;
  int refs; /* [mu] */
  gf__tcall* cnext; /* [loop] connection's call list */
  gf__tcall* cprev;
  /* request (loop while parsing; read-only after on_call) */
  int method;
  int unary; /* one request message, read before on_call */
  char* path;
  char* peer;     /* copy: the call may outlive its connection */
  char* identity;
  gf__tmd* headers;
  size_t n_headers, cap_headers;
  size_t hdr_bytes;
  int64_t deadline_ms;
  int bad_method, bad_ctype, too_big, has_ctype;
  char* encoding; /* grpc-encoding other than identity */
  int dispatched;  /* [loop] on_call ran */
  gf__ibuf* first; /* [loop] unary request until dispatch */
  h2_rx rx;        /* receive assembly [loop]; rx.failed: the receive side is done */
  /* receive queue [mu] */
  h2_qmsg* qhead;
  h2_qmsg* qtail;
  size_t qn, qbytes;
  size_t deferred;  /* stream bytes not yet given back as window */
  int want_consume; /* the loop should give back `deferred` */
  int end;          /* 0, 1 = half-closed, 2 = failed */
  gf__trecv_fn recv_fn;
  void* recv_user;
  /* send [mu] */
  h2_hdrs hdrs;
  int md_sent, status_sent, send_busy;
  gf__obuf* smsg;   /* message being sent (prefix in spfx) */
  uint8_t spfx[5];
  int has_status;
  int st_code;
  char* st_msg;
  h2_hdrs trls;
  gf__tdone_fn send_fn;
  void* send_user;
  /* send progress [loop] */
  int resp_submitted, data_deferred, trailers_submitted;
  size_t s_seg, s_off, s_left; /* cursor: segment (0 = prefix), offset in it */
  /* cross-thread requests [mu] */
  int kicked;       /* on the loop's kick list */
  gf__tcall* knext;
  int cancel_req, cancel_code;
  char* cancel_msg;
  gf__tdone_fn mark_fn;
  void* mark_user;
  /* end [mu] */
  int closed;
  atomic_int cancelled;
  int status_written;
  gf__tclose_fn close_fn;
  void* close_user;
};

/* Work that waits until queued bytes are written: a sent message's buffers
 * to release and its call's send to complete. */
typedef struct h2_after {
  gf__obuf* rel;
  gf__tcall* call; /* holds a reference */
} h2_after;

struct h2_conn {
  h2_loop* L;
  h2_io io; /* socket, output, frame tracking */
  h2_after* after;
  size_t n_after, cap_after;
  int tls_ready;
  nghttp2_session* sess;
  char peer[80];
  char* identity;
  int repump; /* pump again before the loop waits */
  int64_t born_ms, last_rx_ms, last_stream_ms, ping_sent_ms;
  int h2_ready;  /* the client preface arrived */
  int goaway;    /* GOAWAY submitted */
  int n_streams;
  gf__tcall* calls;
  h2_conn* next;
  h2_conn* prev;
};

struct h2_loop {
  gf__tserver* s;
  int idx;
  int ep, efd;
  pthread_t th;
  int started;
  pthread_mutex_t mu;  /* kick list, new connections, stop */
  gf__tcall* khead;
  gf__tcall* ktail;
  int* newfds;
  size_t n_new, cap_new;
  int stop;
  int drain; /* GOAWAY every connection */
  int kill;  /* close every connection */
  h2_conn* conns; /* [loop] */
  int again;      /* [loop] work queued on the loop's own thread (its kicks, a
                   * connection to pump again): the next wait does not block */
  int n_conns;    /* [loop] */
  int64_t accept_retry_ms; /* [loop 0] listener paused after EMFILE until then */
  int64_t accept_logged_ms;
};

struct gf__tserver {
  gf__tserver_options opts;
  int lfd[4]; /* one listener per address of the host (-1 unused) */
  int n_lfd, port;
  SSL_CTX* ssl;
  h2_loop* loops;
  int n_loops;
  int next_loop;
  int64_t lookahead;
  int max_conns;
  atomic_int n_conns;
  atomic_int streams; /* open HTTP/2 streams */
  atomic_int shutting;
  _Atomic int64_t paused_since_ms; /* first failed accept of the current pause; 0 = accepting */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int live; /* gf__tcall objects */
};

/* ---- h2_call.c ---- */
gf__tcall* gf__h2_call_new(h2_conn* conn, int32_t sid);
void gf__h2_call_unref(gf__tcall* c);
/* Loop side: a request's header block ended (dispatch or reject). */
void gf__h2_call_headers_done(gf__tcall* c);
/* Loop side: DATA bytes of a stream; returns nonzero to reset the stream. */
void gf__h2_call_data(gf__tcall* c, const uint8_t* data, size_t len);
/* Loop side: where the next DATA bytes of the stream may be read to land
 * in the message being assembled (at most *len of them), or NULL. Bytes
 * read there are then passed to nghttp2, and gf__h2_call_data sees them in
 * place and does not copy them. */
uint8_t* gf__h2_call_direct(gf__tcall* c, size_t* len);
void gf__h2_call_remote_end(gf__tcall* c);
/* Loop side: the stream closed (error_code from nghttp2). Drops the stream ref. */
void gf__h2_call_stream_closed(gf__tcall* c, uint32_t error_code);
/* Loop side: process requests posted by gf__tcall_* from any thread. */
void gf__h2_call_kicked(gf__tcall* c);
void gf__h2_call_tick(gf__tcall* c, int64_t now_ms);
/* nghttp2 data source callbacks. */
ssize_t gf__h2_read_cb(nghttp2_session* s, int32_t sid, uint8_t* buf, size_t len, uint32_t* flags,
                       nghttp2_data_source* src, void* user);
int gf__h2_send_data_cb(nghttp2_session* s, nghttp2_frame* f, const uint8_t* framehd, size_t len,
                        nghttp2_data_source* src, void* user);
void gf__h2_call_frame_sent(gf__tcall* c, const nghttp2_frame* f);

/* ---- h2_loop.c ---- */
void gf__h2_kick(gf__tcall* c); /* any thread; c->mu NOT held */
/* Runs once the queued bytes are written: frees rel, completes call's send. */
int gf__h2_conn_after(h2_conn* c, gf__obuf* rel, gf__tcall* call);
/* Loop side of completing a send (h2_call.c). */
void gf__h2_call_send_written(gf__tcall* c, int ok);
int64_t gf__h2_now_ms(void);
int64_t gf__h2_wall_ms(void);

/* ---- h2_tls.c ---- */
/* GF_OK with *out NULL when TLS is off. */
int gf__h2_tls_context(const gf__tserver_options* o, SSL_CTX** out, gf_error* err);
char* gf__h2_tls_identity(SSL* ssl); /* malloc'd, or NULL without a client certificate */

#endif
