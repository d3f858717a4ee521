/* nghttp2 client transport, call side: the blocking gf__ccall_* operations
 * (any application thread; one sender and one receiver per call at most;
 * they wait on the call's condition variable and post work to the channel's
 * I/O thread with gf__cconn_kick), and the loop side of each stream:
 * request headers, zero-copy sends through nghttp2's no-copy DATA frames
 * (one message in flight per call), received messages assembled in
 * buffers we own (h2_rx) with the window given back as the reader takes
 * them, response metadata and status, deadlines and cancellation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transport/client_h2.h"

#define MAX_METADATA (64 * 1024) /* response headers + trailers of one call */

enum {
  ST_OK = 0,
  ST_CANCELLED = 1,
  ST_UNKNOWN = 2,
  ST_INVALID = 3,
  ST_DEADLINE = 4,
  ST_PERMISSION = 7,
  ST_RESOURCE = 8,
  ST_UNIMPLEMENTED = 12,
  ST_INTERNAL = 13,
  ST_UNAVAILABLE = 14,
  ST_UNAUTHENTICATED = 16
};

/* ---- metadata ------------------------------------------------------------------------ */

void gf__cmeta_clear(gf__cmeta* m) {
  for (size_t i = 0; i < m->n; i++) {
    free(m->keys[i]);
    free((void*)m->values[i].data);
  }
  free(m->keys);
  free(m->values);
  memset(m, 0, sizeof(*m));
}

int gf__cmeta_get(const gf__cmeta* m, const char* key, gf_bytes* out) {
  for (size_t i = 0; i < m->n; i++) {
    if (strcasecmp(m->keys[i], key) == 0) {
      *out = m->values[i];
      return 1;
    }
  }
  return 0;
}

/* Appends a received header; -bin values are base64-decoded. */
static int meta_push(gf__cmeta* m, const uint8_t* n, size_t nl, const uint8_t* v, size_t vl) {
  char** k = realloc(m->keys, (m->n + 1) * sizeof(*k));
  if (k) m->keys = k;
  gf_bytes* vs = k ? realloc(m->values, (m->n + 1) * sizeof(*vs)) : NULL;
  if (!vs) return -1;
  m->values = vs;
  char* key = strndup((const char*)n, nl);
  uint8_t* val = malloc(vl + 1);
  size_t len = vl;
  int bad = !key || !val;
  if (!bad && nl > 4 && !memcmp(n + nl - 4, "-bin", 4))
    bad = gf__h2_b64_decode((const char*)v, vl, val, &len) != 0;
  else if (!bad && vl) memcpy(val, v, vl);
  if (bad) {
    free(key);
    free(val);
    return -1;
  }
  val[len] = 0;
  m->keys[m->n] = key;
  m->values[m->n++] = (gf_bytes){val, len};
  return 0;
}

/* ---- status mapping ------------------------------------------------------------------- */

int gf__grpc_code_to_status(int code) {
  switch (code) {
    case 0: return GF_OK;
    case 1: return GF_CANCELLED;
    case 2: return GF_UNKNOWN;
    case 3: return GF_INVALID_ARGUMENT;
    case 4: return GF_TIMED_OUT;
    case 5: return GF_NOT_FOUND;
    case 6: return GF_ALREADY_EXISTS;
    case 7: return GF_UNAUTHORIZED;
    case 8: return GF_RESOURCE_EXHAUSTED;
    case 9: return GF_INVALID_ARGUMENT;  /* FAILED_PRECONDITION */
    case 10: return GF_INTERNAL;         /* ABORTED */
    case 11: return GF_INVALID_ARGUMENT; /* OUT_OF_RANGE */
    case 12: return GF_UNIMPLEMENTED;
    case 13: return GF_INTERNAL;
    case 14: return GF_UNAVAILABLE;
    case 15: return GF_INTERNAL; /* DATA_LOSS */
    case 16: return GF_UNAUTHENTICATED;
    default: return GF_UNKNOWN;
  }
}

/* gRPC's mapping of an HTTP status that is not 200. */
static int http_to_grpc(int http) {
  switch (http) {
    case 400: return ST_INTERNAL;
    case 401: return ST_UNAUTHENTICATED;
    case 403: return ST_PERMISSION;
    case 404: return ST_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504: return ST_UNAVAILABLE;
    default: return ST_UNKNOWN;
  }
}

/* A stream reset before a status arrived. */
static int rst_to_grpc(int code) {
  switch (code) {
    case NGHTTP2_REFUSED_STREAM: return ST_UNAVAILABLE;
    case NGHTTP2_CANCEL: return ST_CANCELLED;
    case NGHTTP2_ENHANCE_YOUR_CALM: return ST_RESOURCE;
    case NGHTTP2_INADEQUATE_SECURITY: return ST_PERMISSION;
    default: return ST_INTERNAL;
  }
}

/* ---- life cycle ------------------------------------------------------------------------ */

static void drop_queue(gf__ccall* c) {
  while (c->qhead) {
    cmsg* q = c->qhead;
    c->qhead = q->next;
    gf__ibuf_free(q->msg);
    free(q);
  }
  c->qtail = NULL;
  c->qn = c->qbytes = 0;
}

static void call_free(gf__ccall* c) {
  gf__h2_hdrs_free(&c->req);
  drop_queue(c);
  gf__h2_rx_stop(&c->rx);
  for (int i = 0; i < c->sq_n; i++) gf__obuf_free(c->sq[i]);
  free(c->message);
  gf__cmeta_clear(&c->hmd);
  gf__cmeta_clear(&c->tmd);
  gf__cmeta_clear(&c->st.headers);
  gf__cmeta_clear(&c->st.trailers);
  free(c->st.details);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  free(c);
}

void gf__ccall_unref(gf__ccall* c) {
  pthread_mutex_lock(&c->mu);
  int left = --c->refs;
  pthread_mutex_unlock(&c->mu);
  if (left == 0) call_free(c);
}

/* Sets the final status once (any thread; c->mu held). Metadata received
 * so far becomes the call's headers / trailers. */
static void end_locked(gf__ccall* c, int code, const char* msg, gf__cmeta* trailers) {
  if (c->ended) return;
  c->st.grpc_code = code;
  c->st.details = strdup(msg ? msg : "");
  if (trailers) {
    c->st.trailers = *trailers;
    memset(trailers, 0, sizeof(*trailers));
  }
  c->st.done = 1;
  c->ended = 1;
  c->headers_ready = 1;
  pthread_cond_broadcast(&c->cv);
}

static void end_call(gf__ccall* c, int code, const char* msg, gf__cmeta* trailers) {
  pthread_mutex_lock(&c->mu);
  end_locked(c, code, msg, trailers);
  pthread_mutex_unlock(&c->mu);
}

/* ---- loop side: receive ------------------------------------------------------------------ */

static void rst(gf__ccall* c, uint32_t code) {
  if (c->conn) nghttp2_submit_rst_stream(c->conn->sess, NGHTTP2_FLAG_NONE, c->sid, code);
}

static void rx_message(void* user, gf__ibuf* m, size_t wire) {
  (void)wire;
  gf__ccall* c = user;
  cmsg* q = malloc(sizeof(*q));
  pthread_mutex_lock(&c->mu);
  int keep = q && !c->ended;
  if (keep) {
    *q = (cmsg){m, NULL};
    if (c->qtail) c->qtail->next = q;
    else c->qhead = q;
    c->qtail = q;
    c->qn++;
    c->qbytes += gf__ibuf_length(m);
    pthread_cond_broadcast(&c->cv);
  }
  pthread_mutex_unlock(&c->mu);
  if (keep) return;
  free(q);
  gf__ibuf_free(m);
}

static void rx_fail(void* user, int code, const char* msg) {
  gf__ccall* c = user;
  end_call(c, code, msg, NULL);
  rst(c, NGHTTP2_CANCEL);
}

void gf__ccall_header(gf__ccall* c, const nghttp2_frame* f, const uint8_t* n, size_t nl,
                      const uint8_t* v, size_t vl) {
  if (c->too_big) return;
  c->hdr_bytes += nl + vl + 32;
  if (c->hdr_bytes > MAX_METADATA) {
    c->too_big = 1;
    return;
  }
  int trailers = f->headers.cat == NGHTTP2_HCAT_HEADERS || (f->hd.flags & NGHTTP2_FLAG_END_STREAM);
  if (nl == 7 && !memcmp(n, ":status", 7)) {
    char b[4] = {0};
    if (vl == 3) memcpy(b, v, 3);
    c->http_status = atoi(b);
  } else if (nl == 11 && !memcmp(n, "grpc-status", 11)) {
    char b[8] = {0};
    memcpy(b, v, vl < 7 ? vl : 7);
    char* end = NULL;
    long code = strtol(b, &end, 10);
    c->has_code = 1;
    c->code = vl && *end == 0 && code >= 0 && code <= 16 ? (int)code : ST_UNKNOWN;
  } else if (nl == 12 && !memcmp(n, "grpc-message", 12)) {
    free(c->message);
    c->message = gf__h2_pct_decode((const char*)v, vl);
  } else if (nl && n[0] != ':' && !(nl == 12 && !memcmp(n, "content-type", 12))) {
    if (meta_push(trailers ? &c->tmd : &c->hmd, n, nl, v, vl)) c->too_big = 1;
  }
}

void gf__ccall_headers_end(gf__ccall* c, const nghttp2_frame* f) {
  if (c->too_big) {
    char msg[96];
    snprintf(msg, sizeof(msg), "response metadata of more than %d bytes", MAX_METADATA);
    rx_fail(c, ST_RESOURCE, msg);
    return;
  }
  if (f->headers.cat != NGHTTP2_HCAT_RESPONSE) return;
  if (c->http_status != 200) {
    char msg[64];
    snprintf(msg, sizeof(msg), "Received http2 header with status: %d", c->http_status);
    rx_fail(c, http_to_grpc(c->http_status), msg);
    return;
  }
  if (f->hd.flags & NGHTTP2_FLAG_END_STREAM) return; /* trailers only */
  pthread_mutex_lock(&c->mu);
  if (!c->headers_ready) {
    c->st.headers = c->hmd;
    memset(&c->hmd, 0, sizeof(c->hmd));
    c->headers_ready = 1;
    pthread_cond_broadcast(&c->cv);
  }
  pthread_mutex_unlock(&c->mu);
}

static void give_window(gf__ccall* c, size_t len) {
  pthread_mutex_lock(&c->mu);
  int hold = gf__h2_ra_full(c->qn, c->qbytes);
  if (hold) c->deferred += len;
  pthread_mutex_unlock(&c->mu);
  if (!hold) nghttp2_session_consume_stream(c->conn->sess, c->sid, len);
}

void gf__ccall_data(gf__ccall* c, const uint8_t* p, size_t len) {
  if (c->rx.failed) {
    nghttp2_session_consume_stream(c->conn->sess, c->sid, len);
    return;
  }
  give_window(c, len);
  gf__h2_rx_data(&c->rx, p, len);
}

void gf__ccall_remote_end(gf__ccall* c) {
  if (gf__h2_rx_partial(&c->rx) && !c->rx.failed) {
    gf__h2_rx_stop(&c->rx);
    end_call(c, ST_INTERNAL, "the response stream ended inside a message", NULL);
  } else if (c->has_code) {
    end_call(c, c->code, c->message, &c->tmd);
  } else {
    end_call(c, ST_UNKNOWN, "the server ended the stream without a grpc-status", &c->tmd);
  }
  /* The call is over: a request still being sent is cut short. */
  if (!c->eof_sent) rst(c, NGHTTP2_NO_ERROR);
}

/* Loop: the messages handed over and not queued for writing will not be
 * sent; they are released and later sends fail. */
static void drop_sends(gf__ccall* c) {
  gf__obuf* m[GF__CSEND_AHEAD];
  pthread_mutex_lock(&c->mu);
  int n = c->sq_n;
  memcpy(m, c->sq, sizeof(m));
  if (n) c->send_failed = 1;
  c->sq_n = 0;
  c->s_active = 0;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
  for (int i = 0; i < n; i++) gf__obuf_free(m[i]);
}

void gf__ccall_closed(gf__ccall* c, int code) {
  if (!c->conn) return;
  char msg[96];
  if (code < 0) snprintf(msg, sizeof(msg), "connection to %s closed", c->ch->authority);
  else snprintf(msg, sizeof(msg), "Received RST_STREAM with error code %d", code);
  c->conn = NULL;
  pthread_mutex_lock(&c->mu);
  end_locked(c, code < 0 ? ST_UNAVAILABLE : rst_to_grpc(code), msg, NULL);
  pthread_mutex_unlock(&c->mu);
  drop_sends(c);
  gf__ccall_unref(c); /* the stream's */
}

int64_t gf__ccall_tick(gf__ccall* c, int64_t now) {
  if (c->deadline_ms == INT64_MAX) return INT64_MAX;
  if (now < c->deadline_ms) return c->deadline_ms - now;
  c->deadline_ms = INT64_MAX;
  end_call(c, ST_DEADLINE, "Deadline Exceeded", NULL);
  rst(c, NGHTTP2_CANCEL);
  return INT64_MAX;
}

/* ---- loop side: send ---------------------------------------------------------------------- */

ssize_t gf__ccall_read_cb(nghttp2_session* s, int32_t sid, uint8_t* buf, size_t len,
                          uint32_t* flags, nghttp2_data_source* src, void* user) {
  (void)s;
  (void)sid;
  (void)buf;
  (void)user;
  gf__ccall* c = src->ptr;
  pthread_mutex_lock(&c->mu);
  gf__obuf* m = c->sq_n ? c->sq[0] : NULL;
  int last = c->sq_n ? c->sq_last[0] : 0, closing = c->close_req;
  pthread_mutex_unlock(&c->mu);
  if (m && !c->s_active) { /* the next message: its prefix, then its segments */
    uint32_t n = (uint32_t)m->total;
    uint8_t pfx[5] = {0, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(c->spfx, pfx, 5);
    c->s_seg = c->s_off = 0;
    c->s_left = (size_t)n + 5;
    c->s_active = 1;
  }
  if (m && c->s_left > 0) {
    size_t n = len < c->s_left ? len : c->s_left;
    c->s_left -= n;
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (c->s_left == 0 && last) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      c->eof_sent = 1;
    }
    return (ssize_t)n;
  }
  if (!m && closing && !c->eof_sent) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    c->eof_sent = 1;
    return 0;
  }
  c->data_deferred = 1;
  return NGHTTP2_ERR_DEFERRED;
}

int gf__ccall_send_data(gf__ccall* c, cconn* conn, const uint8_t* hd, size_t len) {
  gf__obuf* m = c->sq[0]; /* only the loop removes it */
  if (gf__h2_io_queue_copy(&conn->io, hd, 9) ||
      gf__h2_io_queue_msg(&conn->io, c->spfx, m, &c->s_seg, &c->s_off, len))
    return -1;
  if (c->s_left > 0 || c->s_seg != m->n + 1) return 0;
  pthread_mutex_lock(&c->mu); /* all queued: the next message may go */
  memmove(c->sq, c->sq + 1, (size_t)(c->sq_n - 1) * sizeof(c->sq[0]));
  memmove(c->sq_last, c->sq_last + 1, (size_t)(c->sq_n - 1) * sizeof(c->sq_last[0]));
  c->sq_n--;
  c->s_active = 0;
  /* A blocked sender is woken once half the queue is free: it then hands
   * over several messages per wake-up. */
  if (c->sq_n <= GF__CSEND_AHEAD / 2) pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
  if (gf__cconn_after(conn, m, c) == GF_OK) return 0;
  gf__obuf_free(m);
  gf__ccall_send_written(c, 0);
  return -1;
}

void gf__ccall_send_written(gf__ccall* c, int ok) {
  if (ok) return;
  pthread_mutex_lock(&c->mu);
  c->send_failed = 1;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

/* Opens the call's stream on the channel's current connection. */
static void submit(gf__ccall* c) {
  cconn* conn = gf__cconn_current(c->ch);
  nghttp2_nv* nv = conn ? malloc(c->req.n * sizeof(*nv)) : NULL;
  if (!nv) {
    end_call(c, ST_UNAVAILABLE,
             conn ? "out of memory" : "the connection closed before the call started", NULL);
    return;
  }
  for (size_t i = 0; i < c->req.n; i++)
    nv[i] = (nghttp2_nv){(uint8_t*)c->req.v[i].name, (uint8_t*)c->req.v[i].value, c->req.v[i].nlen,
                         c->req.v[i].vlen, NGHTTP2_NV_FLAG_NONE};
  nghttp2_data_provider dp = {.source.ptr = c, .read_callback = gf__ccall_read_cb};
  int32_t sid = nghttp2_submit_request(conn->sess, NULL, nv, c->req.n, &dp, c);
  free(nv);
  if (sid < 0) {
    end_call(c, ST_INTERNAL, nghttp2_strerror(sid), NULL);
    return;
  }
  pthread_mutex_lock(&c->mu);
  c->refs++; /* the stream's, dropped by gf__ccall_closed */
  pthread_mutex_unlock(&c->mu);
  c->sid = sid;
  c->conn = conn;
  c->submitted = 1;
  gf__cconn_deadline(c->ch, c->deadline_ms);
  c->cnext = conn->calls;
  if (conn->calls) conn->calls->cprev = c;
  conn->calls = c;
}

void gf__ccall_kicked(gf__ccall* c) {
  pthread_mutex_lock(&c->mu);
  int cancel = c->cancel_req, ended = c->ended;
  c->cancel_req = 0;
  size_t consume = c->want_consume ? c->deferred : 0;
  if (consume) c->deferred = 0;
  c->want_consume = 0;
  int sending = c->sq_n || c->close_req;
  pthread_mutex_unlock(&c->mu);
  if (!c->submitted && !ended) submit(c);
  if (!c->conn) { /* never on a stream, or its stream is gone */
    drop_sends(c);
    return;
  }
  if (cancel) {
    rst(c, NGHTTP2_CANCEL);
    return;
  }
  if (consume) nghttp2_session_consume_stream(c->conn->sess, c->sid, consume);
  if (sending && c->data_deferred) {
    c->data_deferred = 0;
    nghttp2_session_resume_data(c->conn->sess, c->sid);
  }
}

/* ---- operations (application threads) ------------------------------------------------------ */

static int valid_key(const char* k) {
  for (const char* p = k; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
          *p == '.'))
      return 0;
  return *k != 0;
}

static int valid_value(gf_bytes v) {
  for (size_t i = 0; i < v.len; i++)
    if (v.data[i] < 0x20 || v.data[i] == 0x7f) return 0;
  return 1;
}

static int push_str(h2_hdrs* h, const char* n, const char* v) {
  return gf__h2_hdrs_push(h, n, strlen(n), v, strlen(v));
}

static int add_user_header(h2_hdrs* h, const gf__cheader* x, size_t i, gf_error* err) {
  size_t kl = x->key ? strlen(x->key) : 0;
  if (!x->key || !valid_key(x->key))
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "request header %zu: key '%s' is not a lower-case metadata name", i,
                        x->key ? x->key : "");
  if (kl > 4 && !strcmp(x->key + kl - 4, "-bin")) {
    char* b = malloc(x->value.len / 3 * 4 + 8);
    if (!b) return gf_error_set(err, GF_NO_MEMORY, "request headers: out of memory");
    size_t bl = gf__h2_b64_encode(x->value.data, x->value.len, b);
    int rc = gf__h2_hdrs_push(h, x->key, kl, b, bl);
    free(b);
    return rc ? gf_error_set(err, GF_NO_MEMORY, "request headers: out of memory") : GF_OK;
  }
  if (!valid_value(x->value))
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "request header '%s': the value has a control character (use a -bin key)",
                        x->key);
  return gf__h2_hdrs_push(h, x->key, kl, (const char*)x->value.data, x->value.len)
             ? gf_error_set(err, GF_NO_MEMORY, "request headers: out of memory")
             : GF_OK;
}

static int build_request(gf__ccall* c, const char* method, const gf__cheader* h, size_t n,
                         int64_t deadline_ms, gf_error* err) {
  h2_hdrs* r = &c->req;
  int bad = push_str(r, ":method", "POST") ||
            push_str(r, ":scheme", c->ch->tls ? "https" : "http") || push_str(r, ":path", method) ||
            push_str(r, ":authority", c->ch->authority) || push_str(r, "te", "trailers") ||
            push_str(r, "content-type", "application/grpc") ||
            push_str(r, "user-agent", "gooddata-flight-server-c") ||
            push_str(r, "grpc-accept-encoding", "identity");
  if (!bad && deadline_ms > 0) {
    char t[12];
    gf__h2_format_timeout(deadline_ms, t);
    bad = push_str(r, "grpc-timeout", t);
  }
  if (bad) return gf_error_set(err, GF_NO_MEMORY, "request headers: out of memory");
  for (size_t i = 0; i < n; i++) {
    int rc = add_user_header(r, &h[i], i, err);
    if (rc) return rc;
  }
  return GF_OK;
}

static gf__ccall* call_new(gf__cchannel* ch) {
  gf__ccall* c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->ch = ch;
  c->refs = 1;
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  c->deadline_ms = INT64_MAX;
  c->rx.max = ch->max_receive_bytes;
  c->rx.payload_offset = ch->payload_offset;
  c->rx.on_message = rx_message;
  c->rx.on_fail = rx_fail;
  c->rx.user = c;
  return c;
}

int gf__ccall_start(gf__cchannel* ch, const char* method, const gf__cheader* headers,
                    size_t n_headers, int64_t deadline_ms, gf__ccall** out, gf_error* err) {
  *out = NULL;
  gf__ccall* c = call_new(ch);
  if (!c) return gf_error_set(err, GF_NO_MEMORY, "call: out of memory");
  int rc = build_request(c, method, headers, n_headers, deadline_ms, err);
  if (rc) {
    gf__ccall_unref(c);
    return rc;
  }
  if (deadline_ms > 0) c->deadline_ms = gf__cconn_now_ms() + deadline_ms;
  gf_error cerr = {0};
  rc = gf__cconn_ensure(ch, c->deadline_ms, &cerr);
  if (rc) /* the call exists and fails with the connection's error */
    end_call(c, rc == GF_TIMED_OUT ? ST_DEADLINE : ST_UNAVAILABLE, cerr.message, NULL);
  else gf__cconn_kick(c);
  *out = c;
  return GF_OK;
}

static void wait_ended(gf__ccall* c) {
  pthread_mutex_lock(&c->mu);
  while (!c->ended) pthread_cond_wait(&c->cv, &c->mu);
  pthread_mutex_unlock(&c->mu);
}

int gf__ccall_finish(gf__ccall* c, gf_error* err) {
  wait_ended(c);
  int code = gf__grpc_code_to_status(c->st.grpc_code);
  if (code == GF_OK) return GF_OK;
  gf_bytes msg;
  if (gf__cmeta_get(&c->st.trailers, "x-arrow-status-message-bin", &msg) && msg.len > 0)
    return gf_error_set(err, code, "%.*s", (int)msg.len, (const char*)msg.data);
  return gf_error_set(err, code, "%s", c->st.details ? c->st.details : "");
}

const gf__cstatus* gf__ccall_status(const gf__ccall* c) { return &c->st; }

const gf__cmeta* gf__ccall_headers(gf__ccall* c) {
  pthread_mutex_lock(&c->mu);
  while (!c->headers_ready) pthread_cond_wait(&c->cv, &c->mu);
  pthread_mutex_unlock(&c->mu);
  return &c->st.headers;
}

/* A send failed: the call has ended (or is ending). Its status, or
 * GF_IO_ERROR when that status is OK (the message was not taken). */
static int status_after_failed_send(gf__ccall* c, gf_error* err) {
  int code = gf__ccall_finish(c, err);
  return code == GF_OK ? gf_error_set(err, GF_IO_ERROR, "send failed: stream closed") : code;
}

int gf__ccall_send(gf__ccall* c, gf__obuf* msg, int last, gf_error* err) {
  if (msg->total > UINT32_MAX) {
    gf__obuf_free(msg);
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "send: a message of %zu bytes exceeds gRPC's 4 GiB frame", msg->total);
  }
  pthread_mutex_lock(&c->mu);
  while (c->sq_n == GF__CSEND_AHEAD && !c->send_failed) pthread_cond_wait(&c->cv, &c->mu);
  int failed = c->ended || c->send_failed, closed = c->close_req;
  if (failed || closed) {
    pthread_mutex_unlock(&c->mu);
    gf__obuf_free(msg);
    return failed
               ? status_after_failed_send(c, err)
               : gf_error_set(err, GF_INVALID_ARGUMENT, "send: the request side is already closed");
  }
  /* With a message still being written the loop comes to this one by
   * itself: only a send to an idle stream needs a kick. */
  int kick = c->sq_n == 0;
  c->sq[c->sq_n] = msg;
  c->sq_last[c->sq_n++] = last;
  if (last) c->close_req = 1;
  pthread_mutex_unlock(&c->mu);
  if (kick) gf__cconn_kick(c);
  return GF_OK;
}

int gf__ccall_close_send(gf__ccall* c, gf_error* err) {
  (void)err;
  pthread_mutex_lock(&c->mu);
  int already = c->close_req;
  c->close_req = 1;
  pthread_mutex_unlock(&c->mu);
  if (!already) gf__cconn_kick(c);
  return GF_OK;
}

int gf__ccall_recv(gf__ccall* c, gf__ibuf** out, gf_error* err) {
  *out = NULL;
  pthread_mutex_lock(&c->mu);
  while (!c->qhead && !c->ended) pthread_cond_wait(&c->cv, &c->mu);
  cmsg* q = c->qhead;
  int kick = 0;
  if (q) {
    c->qhead = q->next;
    if (!c->qhead) c->qtail = NULL;
    c->qn--;
    c->qbytes -= gf__ibuf_length(q->msg);
    if (c->deferred && !c->want_consume && !gf__h2_ra_full(c->qn, c->qbytes))
      kick = c->want_consume = 1;
  }
  pthread_mutex_unlock(&c->mu);
  if (kick) gf__cconn_kick(c);
  if (q) {
    *out = q->msg;
    free(q);
    return GF_OK;
  }
  int rc = gf__ccall_finish(c, err);
  return rc == GF_OK ? GF_END_OF_STREAM : rc;
}

void gf__ccall_cancel(gf__ccall* c) {
  if (!c) return;
  pthread_mutex_lock(&c->mu);
  int was = c->ended;
  end_locked(c, ST_CANCELLED, "Cancelled", NULL);
  drop_queue(c);
  c->cancel_req = !was;
  pthread_mutex_unlock(&c->mu);
  if (!was) gf__cconn_kick(c);
}

void gf__ccall_free(gf__ccall* c) {
  if (!c) return;
  gf__ccall_cancel(c); /* no-op once ended: every ended call's stream is closed or reset */
  gf__ccall_unref(c);
}
