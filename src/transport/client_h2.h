/* Internal types of the nghttp2 client transport: a channel (target, TLS
 * context, one I/O thread running an epoll loop), its connections (one in
 * use for new calls; older ones finish their calls after a GOAWAY) and the
 * calls (one HTTP/2 stream each). client_conn.c owns the channel, the
 * connections, the loop and the nghttp2 callbacks; client_call.c the
 * gf__ccall_* operations and the loop side of each stream; client_tls.c the
 * OpenSSL client context. Fields marked [loop] are touched only by the
 * channel's I/O thread; [mu] only under gf__ccall.mu; [ch] only under
 * gf__cchannel.mu. Lock order: gf__cchannel.mu, then gf__ccall.mu. */
#ifndef GF__TRANSPORT_CLIENT_H2_H
#define GF__TRANSPORT_CLIENT_H2_H

#include <pthread.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "transport/client_call.h"
#include "transport/h2_io.h"
#include "transport/h2_rx.h"
#include "transport/h2_wire.h"

typedef struct cconn cconn;

/* Messages a sender may hand over before it waits (one being written, the
 * others ready), so the I/O thread goes from one to the next without
 * waiting for the sender, and a blocked sender is woken once per half
 * queue, not once per message. */
#define GF__CSEND_AHEAD 4

/* A received message waiting for the reader. */
typedef struct cmsg {
  gf__ibuf* msg;
  struct cmsg* next;
} cmsg;

struct gf__ccall {
  gf__cchannel* ch;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int refs; /* [mu] the caller's, and the loop's while it knows the call */
  /* request: built by the caller before the first kick, then read-only */
  h2_hdrs req;
  int64_t deadline_ms; /* monotonic clock; INT64_MAX: none */
  /* stream [loop] */
  cconn* conn;
  int32_t sid;
  gf__ccall* cnext; /* connection's calls */
  gf__ccall* cprev;
  int submitted, data_deferred, eof_sent, too_big;
  h2_rx rx;
  size_t hdr_bytes;
  int http_status;
  int has_code, code;
  char* message;
  gf__cmeta hmd, tmd;
  /* kicks [ch] */
  int kicked;
  gf__ccall* knext;
  /* receive [mu] */
  cmsg* qhead;
  cmsg* qtail;
  size_t qn, qbytes;
  size_t deferred;  /* stream bytes not yet given back as window */
  int want_consume; /* the loop should give back `deferred` */
  int headers_ready;
  int ended; /* st holds the final status */
  gf__cstatus st;
  /* send: messages handed over and not yet queued for writing, oldest
   * first [mu]; the loop writes sq[0] from the cursor [loop] */
  gf__obuf* sq[GF__CSEND_AHEAD];
  int sq_last[GF__CSEND_AHEAD];
  int sq_n;
  int send_failed; /* [mu] a message was not written (the call has ended) */
  int s_active;    /* [loop] the cursor is set up for sq[0] */
  uint8_t spfx[5];
  size_t s_seg, s_off, s_left;
  int close_req, cancel_req;
};

struct cconn {
  gf__cchannel* ch;
  h2_io io;
  nghttp2_session* sess;
  int closing;      /* [ch] GOAWAY received or connection lost: no new calls */
  gf__ccall* calls; /* [loop] */
  /* sends whose last bytes are queued: completed after the next writev */
  gf__ccall** after; /* [loop] each holds a call reference */
  gf__obuf** after_rel;
  size_t n_after, cap_after;
  cconn* next; /* [loop] the channel's connections */
};

struct gf__cchannel {
  char* host; /* host name or address (brackets removed); NULL for unix */
  char* port;
  char* unix_path;
  char* authority;
  int tls;
  SSL_CTX* ssl;
  char* verify_name; /* name checked against the server certificate */
  int64_t max_receive_bytes;
  int32_t window; /* per-stream receive window */
  int (*payload_offset)(const uint8_t* p, size_t n, size_t* off);
  int ep, efd;
  pthread_t th;
  pthread_mutex_t mu;         /* kicks, new connections, cur, stop */
  pthread_mutex_t connect_mu; /* one connection attempt at a time */
  gf__ccall* khead;           /* [ch] */
  gf__ccall* ktail;
  cconn* cur;      /* [ch] where new calls start; NULL: connect first */
  cconn* incoming; /* [ch] connected, not yet adopted by the loop */
  int stop;        /* [ch] */
  int started;     /* the I/O thread runs */
  cconn* conns;    /* [loop] */
  int64_t tick_at; /* [loop] when the calls' deadlines are next checked */
};

/* ---- client_conn.c ---- */
int64_t gf__cconn_now_ms(void);
/* Posts c to the loop (any thread; c->mu not held). */
void gf__cconn_kick(gf__ccall* c);
/* Makes sure ch->cur is a usable connection, connecting when needed
 * (caller's thread, bounded by deadline_ms). GF_OK, or the failure with a
 * message naming the target. */
int gf__cconn_ensure(gf__cchannel* ch, int64_t deadline_ms, gf_error* err);
/* Loop: a stream with this deadline (monotonic ms) was opened. */
void gf__cconn_deadline(gf__cchannel* ch, int64_t deadline_ms);
/* Loop: the connection that new streams go to, or NULL. */
cconn* gf__cconn_current(gf__cchannel* ch);
/* Loop: releases rel and completes call's send once the queued bytes are
 * written. */
int gf__cconn_after(cconn* conn, gf__obuf* rel, gf__ccall* call);

/* ---- client_call.c (loop side) ---- */
/* nghttp2 data source of a request stream. */
ssize_t gf__ccall_read_cb(nghttp2_session* s, int32_t sid, uint8_t* buf, size_t len,
                          uint32_t* flags, nghttp2_data_source* src, void* user);
void gf__ccall_kicked(gf__ccall* c);
void gf__ccall_header(gf__ccall* c, const nghttp2_frame* f, const uint8_t* n, size_t nl,
                      const uint8_t* v, size_t vl);
void gf__ccall_headers_end(gf__ccall* c, const nghttp2_frame* f);
void gf__ccall_data(gf__ccall* c, const uint8_t* p, size_t len);
void gf__ccall_remote_end(gf__ccall* c);
/* The stream closed (nghttp2 error code), or its connection went away
 * (code < 0). Drops the loop's reference. */
void gf__ccall_closed(gf__ccall* c, int code);
/* Loop: ends calls past their deadline; returns ms until the next one. */
int64_t gf__ccall_tick(gf__ccall* c, int64_t now_ms);
int gf__ccall_send_data(gf__ccall* c, cconn* conn, const uint8_t* hd, size_t len);
void gf__ccall_send_written(gf__ccall* c, int ok);
void gf__ccall_unref(gf__ccall* c);

/* ---- client_tls.c ---- */
int gf__ctls_context(const gf__cchannel_options* o, SSL_CTX** out, gf_error* err);
/* Sets SNI, ALPN and the name verified against the server certificate. */
int gf__ctls_prepare(SSL* ssl, const char* name);

#endif
