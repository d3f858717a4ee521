/* nghttp2 server transport, call side: the gf__tcall_* operations of
 * server_transport.h (any thread, per-call mutex; they post work to the
 * call's I/O loop with gf__h2_kick) and the loop side of each stream:
 * request validation and dispatch, gRPC message framing on receive
 * (contiguous buffers we own, window given back as the consumer takes
 * messages), zero-copy sends through nghttp2's no-copy DATA frames, status
 * trailers, cancellation and deadlines. Loop-side functions run on the I/O
 * thread owning the connection and call the layer above with no lock held. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "transport/h2.h"

enum { ST_OK = 0, ST_CANCELLED = 1, ST_UNKNOWN = 2, ST_DEADLINE = 4, ST_RESOURCE = 8,
       ST_UNIMPLEMENTED = 12, ST_INTERNAL = 13 };

static void message_done(void* user, gf__ibuf* m, size_t wire);
static void rx_failed(void* user, int code, const char* msg);

/* ---- life cycle ----------------------------------------------------------------- */

gf__tcall* gf__h2_call_new(h2_conn* conn, int32_t sid) {
  gf__tcall* c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->s = conn->L->s;
  c->L = conn->L;
  c->conn = conn;
  c->sid = sid;
  c->refs = 1; /* the stream's */
  c->rx.max = c->s->opts.max_receive_message_bytes;
  c->rx.on_message = message_done;
  c->rx.on_fail = rx_failed;
  c->rx.user = c;
  c->method = -1;
  c->deadline_ms = INT64_MAX;
  pthread_mutex_init(&c->mu, NULL);
  atomic_init(&c->cancelled, 0);
  c->cnext = conn->calls;
  if (conn->calls) conn->calls->cprev = c;
  conn->calls = c;
  pthread_mutex_lock(&c->s->mu);
  c->s->live++;
  pthread_mutex_unlock(&c->s->mu);
  atomic_fetch_add(&c->s->streams, 1);
  return c;
}

static void call_free(gf__tcall* c) {
  gf__tserver* s = c->s;
  for (size_t i = 0; i < c->n_headers; i++) {
    free((char*)c->headers[i].key);
    free((uint8_t*)c->headers[i].value);
  }
  free(c->headers);
  free(c->path);
  free(c->peer);
  free(c->identity);
  free(c->encoding);
  gf__ibuf_free(c->first);
  gf__h2_rx_stop(&c->rx);
  while (c->qhead) {
    h2_qmsg* q = c->qhead;
    c->qhead = q->next;
    gf__ibuf_free(q->msg);
    free(q);
  }
  gf__h2_hdrs_free(&c->hdrs);
  gf__h2_hdrs_free(&c->trls);
  free(c->st_msg);
  free(c->cancel_msg);
  gf__obuf_free(c->smsg);
  pthread_mutex_destroy(&c->mu);
  free(c);
  pthread_mutex_lock(&s->mu);
  s->live--;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

void gf__h2_call_unref(gf__tcall* c) {
  pthread_mutex_lock(&c->mu);
  int left = --c->refs;
  pthread_mutex_unlock(&c->mu);
  if (left == 0) call_free(c);
}

void gf__tcall_release(gf__tcall* c) {
  if (c) gf__h2_call_unref(c);
}

/* ---- responses (loop) ------------------------------------------------------------- */

#define NV(n, v, vl) ((nghttp2_nv){(uint8_t*)(n), (uint8_t*)(v), strlen(n), (vl), NGHTTP2_NV_FLAG_NONE})

static size_t add_hdrs(nghttp2_nv* nv, size_t k, const h2_hdrs* h) {
  for (size_t i = 0; i < h->n; i++)
    nv[k++] = (nghttp2_nv){(uint8_t*)h->v[i].name, (uint8_t*)h->v[i].value, h->v[i].nlen, h->v[i].vlen,
                           NGHTTP2_NV_FLAG_NONE};
  return k;
}

/* Status headers from c->st_code/st_msg/trls (set by the sender or a
 * rejection); `head` adds the response headers for a trailers-only reply. */
static nghttp2_nv* status_nv(gf__tcall* c, int head, char* code, size_t* n) {
  size_t cap = 6 + c->trls.n + (head ? c->hdrs.n : 0);
  nghttp2_nv* nv = malloc(cap * sizeof(*nv));
  if (!nv) return NULL;
  size_t k = 0;
  if (head) {
    nv[k++] = NV(":status", "200", 3);
    nv[k++] = NV("content-type", "application/grpc", 16);
    k = add_hdrs(nv, k, &c->hdrs);
  }
  snprintf(code, 12, "%d", c->st_code);
  nv[k++] = NV("grpc-status", code, strlen(code));
  if (c->st_msg && *c->st_msg) nv[k++] = NV("grpc-message", c->st_msg, strlen(c->st_msg));
  k = add_hdrs(nv, k, &c->trls);
  *n = k;
  return nv;
}

static int submit_trailers_only(gf__tcall* c) {
  char code[12];
  size_t n;
  nghttp2_nv* nv = status_nv(c, 1, code, &n);
  if (!nv) return -1;
  int rc = nghttp2_submit_response(c->conn->sess, c->sid, nv, n, NULL);
  free(nv);
  c->resp_submitted = c->trailers_submitted = 1;
  return rc;
}

static int submit_trailers(gf__tcall* c) {
  char code[12];
  size_t n;
  nghttp2_nv* nv = status_nv(c, 0, code, &n);
  if (!nv) return -1;
  int rc = nghttp2_submit_trailer(c->conn->sess, c->sid, nv, n);
  free(nv);
  c->trailers_submitted = 1;
  return rc;
}

/* Loop: answers a request that is not dispatched with a status. */
static void reject(gf__tcall* c, int code, const char* msg) {
  pthread_mutex_lock(&c->mu);
  c->st_code = code;
  free(c->st_msg);
  c->st_msg = gf__h2_pct_encode(msg);
  c->status_sent = c->md_sent = 1;
  pthread_mutex_unlock(&c->mu);
  c->rx.failed = 1;
  if (submit_trailers_only(c)) nghttp2_submit_rst_stream(c->conn->sess, NGHTTP2_FLAG_NONE, c->sid, NGHTTP2_INTERNAL_ERROR);
}

static void reject_http(gf__tcall* c, const char* status) {
  nghttp2_nv nv[] = {NV(":status", status, 3)};
  pthread_mutex_lock(&c->mu);
  c->status_sent = c->md_sent = 1;
  pthread_mutex_unlock(&c->mu);
  c->rx.failed = 1;
  c->resp_submitted = c->trailers_submitted = 1;
  nghttp2_submit_response(c->conn->sess, c->sid, nv, 1, NULL);
}

static void complete_send(gf__tcall* c, int ok) {
  pthread_mutex_lock(&c->mu);
  gf__tdone_fn fn = c->send_busy ? c->send_fn : NULL;
  void* user = c->send_user;
  c->send_busy = 0;
  c->send_fn = NULL;
  pthread_mutex_unlock(&c->mu);
  if (fn) fn(user, ok);
}

/* ---- nghttp2 data source (loop) ---------------------------------------------------- */

ssize_t gf__h2_read_cb(nghttp2_session* s, int32_t sid, uint8_t* buf, size_t len, uint32_t* flags,
                       nghttp2_data_source* src, void* user) {
  (void)s;
  (void)sid;
  (void)buf;
  (void)user;
  gf__tcall* c = src->ptr;
  if (c->smsg && c->s_left > 0) {
    size_t n = len < c->s_left ? len : c->s_left;
    c->s_left -= n;
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (c->s_left == 0 && c->has_status && !c->trailers_submitted) {
      *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
      if (submit_trailers(c)) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return (ssize_t)n;
  }
  if (!c->smsg && c->has_status && !c->trailers_submitted) {
    *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
    if (submit_trailers(c)) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    complete_send(c, 1);
    return 0;
  }
  c->data_deferred = 1;
  return NGHTTP2_ERR_DEFERRED;
}

int gf__h2_send_data_cb(nghttp2_session* s, nghttp2_frame* f, const uint8_t* hd, size_t len,
                        nghttp2_data_source* src, void* user) {
  (void)s;
  (void)f;
  h2_conn* conn = user;
  gf__tcall* c = src->ptr;
  if (gf__h2_io_queue_copy(&conn->io, hd, 9) ||
      gf__h2_io_queue_msg(&conn->io, c->spfx, c->smsg, &c->s_seg, &c->s_off, len))
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  if (c->s_left == 0 && c->s_seg == c->smsg->n + 1) {
    /* Released and completed once the queued bytes are written. */
    pthread_mutex_lock(&c->mu);
    gf__obuf* m = c->smsg;
    c->smsg = NULL;
    c->refs++;
    pthread_mutex_unlock(&c->mu);
    if (gf__h2_conn_after(conn, m, c)) {
      gf__obuf_free(m);
      gf__h2_call_unref(c);
      return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
  }
  return 0;
}

void gf__h2_call_send_written(gf__tcall* c, int ok) { complete_send(c, ok); }

/* Loop: starts the send gf__tcall_send queued. */
static void start_send(gf__tcall* c) {
  nghttp2_session* sess = c->conn->sess;
  if (!c->resp_submitted) {
    if (!c->smsg && c->has_status) {
      if (submit_trailers_only(c)) nghttp2_submit_rst_stream(sess, NGHTTP2_FLAG_NONE, c->sid, NGHTTP2_INTERNAL_ERROR);
      complete_send(c, 1);
      return;
    }
    nghttp2_nv* nv = malloc((3 + c->hdrs.n) * sizeof(*nv));
    if (!nv) {
      nghttp2_submit_rst_stream(sess, NGHTTP2_FLAG_NONE, c->sid, NGHTTP2_INTERNAL_ERROR);
      return;
    }
    size_t k = 0;
    nv[k++] = NV(":status", "200", 3);
    nv[k++] = NV("content-type", "application/grpc", 16);
    nv[k++] = NV("grpc-accept-encoding", "identity", 8);
    k = add_hdrs(nv, k, &c->hdrs);
    nghttp2_data_provider dp = {.source.ptr = c, .read_callback = gf__h2_read_cb};
    int rc = nghttp2_submit_response(sess, c->sid, nv, k, &dp);
    free(nv);
    c->resp_submitted = 1;
    if (rc) {
      nghttp2_submit_rst_stream(sess, NGHTTP2_FLAG_NONE, c->sid, NGHTTP2_INTERNAL_ERROR);
      return;
    }
    if (!c->smsg && !c->has_status) complete_send(c, 1); /* headers only */
    return;
  }
  if (c->data_deferred) {
    c->data_deferred = 0;
    nghttp2_session_resume_data(sess, c->sid);
  }
}

/* ---- receive (loop) ----------------------------------------------------------------- */

static void dispatch(gf__tcall* c) {
  gf__tserver* s = c->s;
  if (c->conn->identity) c->identity = strdup(c->conn->identity);
  c->peer = strdup(c->conn->peer);
  if (!c->peer) {
    reject(c, ST_RESOURCE, "out of memory");
    return;
  }
  c->dispatched = 1;
  pthread_mutex_lock(&c->mu);
  c->refs++; /* the callee's */
  pthread_mutex_unlock(&c->mu);
  gf__ibuf* req = c->first;
  c->first = NULL;
  gf__tcall_info info = {c->method, c->path, c->peer, c->deadline_ms, c->n_headers,
                         c->headers, c->identity, req};
  if (s->opts.on_call) {
    s->opts.on_call(s->opts.user, c, &info);
  } else {
    gf__ibuf_free(req);
    gf__tcall_cancel(c);
    gf__tcall_release(c);
  }
}

void gf__h2_call_headers_done(gf__tcall* c) {
  if (!c->unary) c->rx.payload_offset = c->s->opts.payload_offset;
  if (c->too_big) {
    char msg[160];
    snprintf(msg, sizeof(msg), "request metadata of more than %lld bytes (max_metadata_bytes)",
             (long long)(c->s->opts.max_metadata_bytes > 0 ? c->s->opts.max_metadata_bytes : 16384));
    reject(c, ST_RESOURCE, msg);
    return;
  }
  if (c->bad_method || !c->path) {
    reject_http(c, "405");
    return;
  }
  if (!c->has_ctype || c->bad_ctype) {
    reject_http(c, "415");
    return;
  }
  if (c->encoding) {
    char msg[200];
    snprintf(msg, sizeof(msg), "grpc-encoding '%.100s' is not supported (this server accepts identity only)",
             c->encoding);
    gf__h2_hdrs_push(&c->trls, "grpc-accept-encoding", 20, "identity", 8);
    reject(c, ST_UNIMPLEMENTED, msg);
    return;
  }
  if (!c->unary) dispatch(c);
}

static void do_cancel(gf__tcall* c, int code, const char* msg);

/* rx.on_fail: the message assembly failed. */
static void rx_failed(void* user, int code, const char* msg) {
  gf__tcall* c = user;
  if (!c->dispatched) {
    reject(c, code, msg);
    return;
  }
  atomic_store(&c->cancelled, 1);
  do_cancel(c, code, msg);
}

static void fail_recv(gf__tcall* c, int code, const char* msg) {
  gf__h2_rx_stop(&c->rx);
  rx_failed(c, code, msg);
}

static void deliver(gf__tcall* c, gf__ibuf* msg, size_t wire) {
  pthread_mutex_lock(&c->mu);
  gf__trecv_fn fn = c->recv_fn;
  void* user = c->recv_user;
  if (fn) {
    c->recv_fn = NULL;
    pthread_mutex_unlock(&c->mu);
    fn(user, 1, msg);
    return;
  }
  h2_qmsg* q = malloc(sizeof(*q));
  if (!q) {
    pthread_mutex_unlock(&c->mu);
    gf__ibuf_free(msg);
    fail_recv(c, ST_RESOURCE, "out of memory");
    return;
  }
  *q = (h2_qmsg){msg, wire, NULL};
  if (c->qtail) c->qtail->next = q;
  else c->qhead = q;
  c->qtail = q;
  c->qn++;
  c->qbytes += gf__ibuf_length(msg);
  pthread_mutex_unlock(&c->mu);
}

/* rx.on_message: a request message is complete. */
static void message_done(void* user, gf__ibuf* m, size_t wire) {
  gf__tcall* c = user;
  if (!c->dispatched) {
    if (c->unary && !c->first) {
      c->first = m;
      dispatch(c);
    } else {
      gf__ibuf_free(m);
    }
    return;
  }
  if (c->unary) {
    gf__ibuf_free(m); /* a unary call takes one message */
    return;
  }
  deliver(c, m, wire);
}

uint8_t* gf__h2_call_direct(gf__tcall* c, size_t* len) { return gf__h2_rx_direct(&c->rx, len); }

static void give_window(gf__tcall* c, size_t len) {
  pthread_mutex_lock(&c->mu);
  int hold = gf__h2_ra_full(c->qn, c->qbytes);
  if (hold) c->deferred += len;
  pthread_mutex_unlock(&c->mu);
  if (!hold) nghttp2_session_consume_stream(c->conn->sess, c->sid, len);
}

void gf__h2_call_data(gf__tcall* c, const uint8_t* p, size_t len) {
  if (c->rx.failed) {
    nghttp2_session_consume_stream(c->conn->sess, c->sid, len);
    return;
  }
  give_window(c, len);
  gf__h2_rx_data(&c->rx, p, len);
}

void gf__h2_call_remote_end(gf__tcall* c) {
  if (c->rx.failed) return;
  if (gf__h2_rx_partial(&c->rx)) {
    fail_recv(c, ST_INTERNAL, "the request stream ended inside a message");
    return;
  }
  if (!c->dispatched) {
    if (c->unary) reject(c, ST_INTERNAL, "the request message is missing");
    return;
  }
  pthread_mutex_lock(&c->mu);
  c->end = c->end ? c->end : 1;
  gf__trecv_fn fn = c->recv_fn;
  void* user = c->recv_user;
  c->recv_fn = NULL;
  pthread_mutex_unlock(&c->mu);
  if (fn) fn(user, 1, NULL);
}

/* ---- stream end, kicks, ticks (loop) --------------------------------------------------- */

void gf__h2_call_frame_sent(gf__tcall* c, const nghttp2_frame* f) {
  if (!(f->hd.flags & NGHTTP2_FLAG_END_STREAM)) return;
  pthread_mutex_lock(&c->mu);
  c->status_written = 1;
  pthread_mutex_unlock(&c->mu);
  nghttp2_stream* st = nghttp2_session_find_stream(c->conn->sess, c->sid);
  if (st && nghttp2_stream_get_state(st) != NGHTTP2_STREAM_STATE_CLOSED &&
      !(nghttp2_session_get_stream_remote_close(c->conn->sess, c->sid)))
    nghttp2_submit_rst_stream(c->conn->sess, NGHTTP2_FLAG_NONE, c->sid, NGHTTP2_NO_ERROR);
}

void gf__h2_call_stream_closed(gf__tcall* c, uint32_t code) {
  (void)code;
  h2_conn* conn = c->conn;
  if (conn) {
    if (c->cprev) c->cprev->cnext = c->cnext;
    else conn->calls = c->cnext;
    if (c->cnext) c->cnext->cprev = c->cprev;
    c->cnext = c->cprev = NULL;
  }
  c->conn = NULL;
  atomic_fetch_sub(&c->s->streams, 1);
  pthread_mutex_lock(&c->mu);
  c->closed = 1;
  if (!c->status_written) atomic_store(&c->cancelled, 1);
  int cancelled = atomic_load(&c->cancelled);
  if (!c->end || cancelled) c->end = 2;
  gf__trecv_fn rfn = c->recv_fn;
  void* ruser = c->recv_user;
  c->recv_fn = NULL;
  gf__tdone_fn sfn = c->send_busy ? c->send_fn : NULL;
  void* suser = c->send_user;
  /* a send that carried the status succeeded once its trailers were written */
  int sok = c->status_sent && c->status_written;
  c->send_busy = 0;
  c->send_fn = NULL;
  gf__obuf* m = c->smsg;
  c->smsg = NULL;
  gf__tclose_fn cfn = c->close_fn;
  void* cuser = c->close_user;
  c->close_fn = NULL;
  pthread_mutex_unlock(&c->mu);
  gf__obuf_free(m);
  if (rfn) rfn(ruser, 0, NULL);
  if (sfn) sfn(suser, sok);
  if (cfn) cfn(cuser, cancelled);
  gf__h2_call_unref(c);
}

/* Loop: ends the stream with `code`/`msg` where a status can still go out,
 * else resets it. */
static void do_cancel(gf__tcall* c, int code, const char* msg) {
  nghttp2_session* sess = c->conn->sess;
  pthread_mutex_lock(&c->mu);
  int can_status = !c->trailers_submitted && (!c->resp_submitted || (!c->smsg && c->data_deferred));
  if (can_status) {
    c->st_code = code;
    free(c->st_msg);
    c->st_msg = gf__h2_pct_encode(msg ? msg : "Cancelled");
    gf__h2_hdrs_free(&c->trls);
    c->has_status = 1;
    c->status_sent = c->md_sent = 1;
  }
  pthread_mutex_unlock(&c->mu);
  c->rx.failed = 1;
  if (!can_status) {
    nghttp2_submit_rst_stream(sess, NGHTTP2_FLAG_NONE, c->sid, NGHTTP2_CANCEL);
  } else if (!c->resp_submitted) {
    if (submit_trailers_only(c)) nghttp2_submit_rst_stream(sess, NGHTTP2_FLAG_NONE, c->sid, NGHTTP2_CANCEL);
  } else {
    c->data_deferred = 0;
    nghttp2_session_resume_data(sess, c->sid);
  }
}

void gf__h2_call_kicked(gf__tcall* c) {
  pthread_mutex_lock(&c->mu);
  c->kicked = 0;
  int cancel = c->cancel_req, code = c->cancel_code;
  char* cmsg = c->cancel_msg;
  c->cancel_req = 0;
  c->cancel_msg = NULL;
  size_t consume = c->want_consume ? c->deferred : 0;
  if (consume) c->deferred = 0;
  c->want_consume = 0;
  int send = c->send_busy && !c->closed;
  gf__tdone_fn mark = c->mark_fn;
  void* mark_user = c->mark_user;
  c->mark_fn = NULL;
  pthread_mutex_unlock(&c->mu);
  if (c->conn) {
    if (cancel) {
      do_cancel(c, code, cmsg);
    } else {
      if (consume) nghttp2_session_consume_stream(c->conn->sess, c->sid, consume);
      if (send) start_send(c);
    }
  }
  free(cmsg);
  if (mark) mark(mark_user, !atomic_load(&c->cancelled));
  gf__h2_call_unref(c);
}

void gf__h2_call_tick(gf__tcall* c, int64_t wall_ms) {
  if (c->deadline_ms == INT64_MAX || wall_ms < c->deadline_ms || !c->conn) return;
  c->deadline_ms = INT64_MAX;
  atomic_store(&c->cancelled, 1);
  if (!c->dispatched) {
    reject(c, ST_DEADLINE, "Deadline Exceeded");
    return;
  }
  do_cancel(c, ST_DEADLINE, "Deadline Exceeded");
}

/* ---- operations (any thread) ---------------------------------------------------------- */

void gf__tcall_on_close(gf__tcall* c, gf__tclose_fn fn, void* user) {
  pthread_mutex_lock(&c->mu);
  int closed = c->closed;
  int cancelled = atomic_load(&c->cancelled);
  if (!closed) {
    c->close_fn = fn;
    c->close_user = user;
  }
  pthread_mutex_unlock(&c->mu);
  if (closed && fn) fn(user, cancelled);
}

static int push_md(h2_hdrs* h, const char* key, const void* value, size_t len) {
  size_t kl = strlen(key);
  if (kl > 4 && !memcmp(key + kl - 4, "-bin", 4)) {
    char* enc = malloc(len / 3 * 4 + 8);
    if (!enc) return GF_NO_MEMORY;
    size_t el = gf__h2_b64_encode(value, len, enc);
    while (el && enc[el - 1] == '=') el--; /* gRPC sends -bin values unpadded */
    int rc = gf__h2_hdrs_push(h, key, kl, enc, el);
    free(enc);
    return rc;
  }
  return gf__h2_hdrs_push(h, key, kl, value, len);
}

int gf__tcall_add_header(gf__tcall* c, const char* key, const void* value, size_t len) {
  pthread_mutex_lock(&c->mu);
  int rc = c->md_sent ? GF_ALREADY_EXISTS : push_md(&c->hdrs, key, value, len);
  pthread_mutex_unlock(&c->mu);
  return rc;
}

static int set_status_locked(gf__tcall* c, const gf__tstatus* st) {
  for (size_t i = 0; i < st->n_trailers; i++)
    if (push_md(&c->trls, st->trailers[i].key, st->trailers[i].value, st->trailers[i].len))
      return GF_NO_MEMORY;
  free(c->st_msg);
  c->st_msg = gf__h2_pct_encode(st->message ? st->message : "");
  if (!c->st_msg) return GF_NO_MEMORY;
  c->st_code = st->code;
  c->has_status = 1;
  return GF_OK;
}

int gf__tcall_send(gf__tcall* c, gf__obuf* msg, const gf__tstatus* status, gf__tdone_fn done,
                   void* user) {
  pthread_mutex_lock(&c->mu);
  if (c->status_sent || c->send_busy || c->closed || atomic_load(&c->cancelled)) {
    int busy = c->send_busy;
    pthread_mutex_unlock(&c->mu);
    gf__obuf_free(msg);
    return busy ? GF_INTERNAL : GF_CANCELLED;
  }
  if (msg && msg->total > UINT32_MAX) {
    pthread_mutex_unlock(&c->mu);
    gf__obuf_free(msg);
    return GF_INVALID_ARGUMENT;
  }
  if (status && set_status_locked(c, status)) {
    pthread_mutex_unlock(&c->mu);
    gf__obuf_free(msg);
    return GF_NO_MEMORY;
  }
  if (msg) {
    uint32_t n = (uint32_t)msg->total;
    c->spfx[0] = 0;
    c->spfx[1] = (uint8_t)(n >> 24);
    c->spfx[2] = (uint8_t)(n >> 16);
    c->spfx[3] = (uint8_t)(n >> 8);
    c->spfx[4] = (uint8_t)n;
    c->smsg = msg;
    c->s_left = 5 + msg->total;
    c->s_seg = 0;
    c->s_off = 0;
  }
  c->md_sent = 1;
  if (status) c->status_sent = 1;
  c->send_busy = 1;
  c->send_fn = done;
  c->send_user = user;
  pthread_mutex_unlock(&c->mu);
  gf__h2_kick(c);
  return GF_OK;
}

/* Locked: gives the window back once the queue is below the read-ahead bound. */
static int window_due_locked(gf__tcall* c) {
  if (!c->deferred || gf__h2_ra_full(c->qn, c->qbytes)) return 0;
  c->want_consume = 1;
  return 1;
}

int gf__tcall_recv(gf__tcall* c, gf__trecv_fn done, void* user) {
  pthread_mutex_lock(&c->mu);
  int cancelled = atomic_load(&c->cancelled);
  if (c->qhead && !cancelled) {
    h2_qmsg* q = c->qhead;
    c->qhead = q->next;
    if (!c->qhead) c->qtail = NULL;
    c->qn--;
    c->qbytes -= gf__ibuf_length(q->msg);
    int kick = window_due_locked(c);
    pthread_mutex_unlock(&c->mu);
    gf__ibuf* m = q->msg;
    free(q);
    if (kick) gf__h2_kick(c);
    done(user, 1, m);
    return GF_OK;
  }
  if (c->end == 1 && !cancelled) {
    pthread_mutex_unlock(&c->mu);
    done(user, 1, NULL);
    return GF_OK;
  }
  if (c->end || c->closed || cancelled || c->recv_fn) {
    int busy = c->recv_fn != NULL;
    pthread_mutex_unlock(&c->mu);
    return busy ? GF_INTERNAL : GF_CANCELLED;
  }
  c->recv_fn = done;
  c->recv_user = user;
  int kick = window_due_locked(c);
  pthread_mutex_unlock(&c->mu);
  if (kick) gf__h2_kick(c);
  return GF_OK;
}

int gf__tcall_flush(gf__tcall* c, gf__tdone_fn done, void* user) {
  pthread_mutex_lock(&c->mu);
  if (c->mark_fn) {
    pthread_mutex_unlock(&c->mu);
    return GF_INTERNAL;
  }
  c->mark_fn = done;
  c->mark_user = user;
  pthread_mutex_unlock(&c->mu);
  gf__h2_kick(c);
  return GF_OK;
}

void gf__tcall_cancel_with_status(gf__tcall* c, int code, const char* message) {
  pthread_mutex_lock(&c->mu);
  atomic_store(&c->cancelled, 1);
  int post = !c->closed && !c->cancel_req;
  if (post) {
    c->cancel_req = 1;
    c->cancel_code = code;
    free(c->cancel_msg);
    c->cancel_msg = message ? strdup(message) : NULL;
  }
  pthread_mutex_unlock(&c->mu);
  if (post) gf__h2_kick(c);
}

void gf__tcall_cancel(gf__tcall* c) { gf__tcall_cancel_with_status(c, ST_CANCELLED, "Cancelled"); }

int gf__tcall_cancelled(const gf__tcall* c) { return atomic_load(&((gf__tcall*)c)->cancelled); }

