/* gRPC core server: listener, CQ polling threads, request pre-arming and the
 * per-call state machine (see server_transport.h). CQ threads run only the
 * completion handlers here and the non-blocking callbacks of the layer above;
 * gf__tcall_* operations come from any thread and are serialised by the
 * per-call mutex. */
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "common/instance.h"
#include "flight/method.h" /* header-only enum */
#include "transport/msg_grpc.h"
#include "transport/server_transport.h"

#define N_REGISTERED 10
#define PREARM_PER_METHOD 8
#define PREARM_GENERIC 4
/* Receive read-ahead only after messages up to this size (bounds a DoPut of
 * huge batches to one message in the consumer plus one in gRPC). */
#define GF__READAHEAD_MAX (4 * 1024 * 1024)
/* Parked read-ahead: up to this many messages while they total less than
 * GF__READAHEAD_BYTES (a consumer wake-up then serves several small
 * messages; one big message parks alone). */
#define GF__READAHEAD_MSGS 8
#define GF__READAHEAD_BYTES (256 * 1024)

enum { T_NEW = 1, T_CLOSE, T_SEND, T_RECV, T_MARK, T_SHUTDOWN };

typedef struct tag {
  int kind;
  void* obj;
} tag;

typedef struct cq_thread {
  grpc_completion_queue* cq;
  pthread_t th;
  int started;
} cq_thread;

struct gf__tserver {
  grpc_server* server;
  cq_thread* cqs;
  int n_cq;
  void* methods[N_REGISTERED];
  gf__tserver_options opts;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int shutting;
  int shutdown_done;
  int live; /* gf__tcall objects alive (pending requests included) */
  tag shutdown_tag;
  int port;
};

typedef struct md_list {
  grpc_metadata* md;
  size_t n, cap;
} md_list;

struct gf__tcall {
  gf__tserver* srv;
  int cq_index;
  int method; /* registered index, or GF__M_UNKNOWN */
  pthread_mutex_t mu;
  int refs;
  grpc_call* call;
  gpr_timespec deadline;
  grpc_metadata_array req_md;
  grpc_call_details details;
  grpc_byte_buffer* payload;
  tag t_new, t_close, t_send, t_recv, t_mark;
  int close_cancelled_out; /* written by core */
  int closed;
  atomic_int cancelled;
  int md_sent, status_sent, send_busy, recv_busy, failed;
  grpc_byte_buffer* send_bb;
  grpc_byte_buffer* recv_bb;
  gf__tdone_fn send_done;
  void* send_user;
  gf__trecv_fn recv_done;
  void* recv_user;
  gf__tdone_fn mark_done; /* gf__tcall_flush in flight (one at a time) */
  void* mark_user;
  /* Receive read-ahead (client-streaming calls): after the consumer's first
   * recv, the next RECV_MESSAGE is started as soon as one completes, so
   * messages wait ready (parked, bounded by GF__READAHEAD_*) while the
   * consumer works on an earlier one. */
  int ra_on;                        /* read-ahead enabled */
  gf__ibuf* ra_q[GF__READAHEAD_MSGS]; /* parked messages, FIFO ring */
  int ra_head, ra_n;
  size_t ra_bytes;
  int ra_end;                       /* a terminal result is parked after the queue */
  int ra_end_ok;                    /* its ok (end of stream: 1, failure: 0) */
  gf__tclose_fn close_fn;
  void* close_user;
  md_list hdrs, trls;
  grpc_slice status_details;
  int has_status_details;
  gf__tmd* headers;
  size_t n_headers;
  char* peer;
  char* method_path;
  char* identity;
};

static const char* const k_paths[N_REGISTERED] = {
    "/arrow.flight.protocol.FlightService/Handshake",
    "/arrow.flight.protocol.FlightService/ListFlights",
    "/arrow.flight.protocol.FlightService/GetFlightInfo",
    "/arrow.flight.protocol.FlightService/PollFlightInfo",
    "/arrow.flight.protocol.FlightService/GetSchema",
    "/arrow.flight.protocol.FlightService/DoGet",
    "/arrow.flight.protocol.FlightService/DoPut",
    "/arrow.flight.protocol.FlightService/DoExchange",
    "/arrow.flight.protocol.FlightService/DoAction",
    "/arrow.flight.protocol.FlightService/ListActions",
};

/* Methods whose request message arrives with the call. */
static int unary_request(int m) {
  return m != GF__M_HANDSHAKE && m != GF__M_DO_PUT && m != GF__M_DO_EXCHANGE && m != GF__M_UNKNOWN;
}

/* ---- metadata lists ----------------------------------------------------------- */

static int md_push(md_list* l, const char* key, const void* value, size_t len) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 4;
    grpc_metadata* m = realloc(l->md, cap * sizeof(*m));
    if (!m) return GF_NO_MEMORY;
    l->md = m;
    l->cap = cap;
  }
  grpc_metadata* m = &l->md[l->n++];
  memset(m, 0, sizeof(*m));
  m->key = grpc_slice_from_copied_string(key);
  m->value = grpc_slice_from_copied_buffer((const char*)value, len);
  return GF_OK;
}

static void md_free(md_list* l) {
  for (size_t i = 0; i < l->n; i++) {
    grpc_slice_unref(l->md[i].key);
    grpc_slice_unref(l->md[i].value);
  }
  free(l->md);
  memset(l, 0, sizeof(*l));
}

/* ---- call objects --------------------------------------------------------------- */

static gf__tcall* tcall_new(gf__tserver* s, int cq_index, int method) {
  gf__tcall* c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->srv = s;
  c->cq_index = cq_index;
  c->method = method;
  c->refs = 1;
  pthread_mutex_init(&c->mu, NULL);
  grpc_metadata_array_init(&c->req_md);
  grpc_call_details_init(&c->details);
  c->t_new = (tag){T_NEW, c};
  c->t_close = (tag){T_CLOSE, c};
  c->t_send = (tag){T_SEND, c};
  c->t_recv = (tag){T_RECV, c};
  c->t_mark = (tag){T_MARK, c};
  pthread_mutex_lock(&s->mu);
  s->live++;
  pthread_mutex_unlock(&s->mu);
  return c;
}

static void tcall_free(gf__tcall* c) {
  gf__tserver* s = c->srv;
  if (c->call) grpc_call_unref(c->call);
  if (c->payload) grpc_byte_buffer_destroy(c->payload);
  if (c->send_bb) grpc_byte_buffer_destroy(c->send_bb);
  if (c->recv_bb) grpc_byte_buffer_destroy(c->recv_bb);
  for (int i = 0; i < c->ra_n; i++) gf__ibuf_free(c->ra_q[(c->ra_head + i) % GF__READAHEAD_MSGS]);
  grpc_metadata_array_destroy(&c->req_md);
  grpc_call_details_destroy(&c->details);
  md_free(&c->hdrs);
  md_free(&c->trls);
  if (c->has_status_details) grpc_slice_unref(c->status_details);
  for (size_t i = 0; i < c->n_headers; i++) {
    free((char*)c->headers[i].key);
    free((uint8_t*)c->headers[i].value);
  }
  free(c->headers);
  free(c->peer);
  free(c->method_path);
  free(c->identity);
  pthread_mutex_destroy(&c->mu);
  free(c);
  pthread_mutex_lock(&s->mu);
  s->live--;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

static void tcall_unref(gf__tcall* c) {
  pthread_mutex_lock(&c->mu);
  int left = --c->refs;
  pthread_mutex_unlock(&c->mu);
  if (left == 0) tcall_free(c);
}

void gf__tcall_release(gf__tcall* c) {
  if (c) tcall_unref(c);
}

/* ---- requesting calls ------------------------------------------------------------- */

static void request_call(gf__tserver* s, int cq_index, int method) {
  gf__tcall* c = tcall_new(s, cq_index, method);
  if (!c) return;
  grpc_completion_queue* cq = s->cqs[cq_index].cq;
  grpc_call_error e;
  if (method == GF__M_UNKNOWN) {
    e = grpc_server_request_call(s->server, &c->call, &c->details, &c->req_md, cq, cq, &c->t_new);
  } else {
    grpc_byte_buffer** payload = unary_request(method) ? &c->payload : NULL;
    e = grpc_server_request_registered_call(s->server, s->methods[method], &c->call, &c->deadline,
                                            &c->req_md, payload, cq, cq, &c->t_new);
  }
  if (e != GRPC_CALL_OK) {
    c->call = NULL;
    tcall_free(c);
  }
}

static char* slice_strdup(grpc_slice s) {
  size_t n = GRPC_SLICE_LENGTH(s);
  char* p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, GRPC_SLICE_START_PTR(s), n);
  p[n] = 0;
  return p;
}

static int copy_request_headers(gf__tcall* c) {
  size_t n = c->req_md.count;
  c->headers = calloc(n ? n : 1, sizeof(gf__tmd));
  if (!c->headers) return GF_NO_MEMORY;
  for (size_t i = 0; i < n; i++) {
    grpc_metadata* m = &c->req_md.metadata[i];
    char* key = slice_strdup(m->key);
    size_t vl = GRPC_SLICE_LENGTH(m->value);
    uint8_t* val = malloc(vl + 1);
    if (!key || !val) {
      free(key);
      free(val);
      return GF_NO_MEMORY;
    }
    for (char* k = key; *k; k++)
      if (*k >= 'A' && *k <= 'Z') *k = (char)(*k - 'A' + 'a');
    memcpy(val, GRPC_SLICE_START_PTR(m->value), vl);
    val[vl] = 0;
    c->headers[c->n_headers++] = (gf__tmd){key, val, vl};
  }
  return GF_OK;
}

static int64_t deadline_ms(gpr_timespec d) {
  if (gpr_time_cmp(d, gpr_inf_future(d.clock_type)) == 0) return INT64_MAX;
  gpr_timespec rt = gpr_convert_clock_type(d, GPR_CLOCK_REALTIME);
  return (int64_t)rt.tv_sec * 1000 + rt.tv_nsec / 1000000;
}

static char* peer_identity(grpc_call* call) {
  grpc_auth_context* ctx = grpc_call_auth_context(call);
  if (!ctx) return NULL;
  char* out = NULL;
  const char* names[2] = {GRPC_X509_CN_PROPERTY_NAME, GRPC_X509_SUBJECT_PROPERTY_NAME};
  for (int i = 0; i < 2 && !out; i++) {
    grpc_auth_property_iterator it = grpc_auth_context_find_properties_by_name(ctx, names[i]);
    const grpc_auth_property* p = grpc_auth_property_iterator_next(&it);
    if (p && p->value_length) out = strndup(p->value, p->value_length);
  }
  grpc_auth_context_release(ctx);
  return out;
}

static void start_close(gf__tcall* c) {
  grpc_op op;
  memset(&op, 0, sizeof(op));
  op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  op.data.recv_close_on_server.cancelled = &c->close_cancelled_out;
  pthread_mutex_lock(&c->mu);
  c->refs++;
  grpc_call_error e = grpc_call_start_batch(c->call, &op, 1, &c->t_close, NULL);
  if (e != GRPC_CALL_OK) {
    c->refs--;
    c->failed = 1;
    c->closed = 1;
    atomic_store(&c->cancelled, 1);
    grpc_call_cancel(c->call, NULL);
  }
  pthread_mutex_unlock(&c->mu);
}

static void on_new_call(gf__tcall* c, int success) {
  gf__tserver* s = c->srv;
  pthread_mutex_lock(&s->mu);
  int shutting = s->shutting;
  pthread_mutex_unlock(&s->mu);
  if (!success) {
    tcall_unref(c);
    return;
  }
  if (!shutting) request_call(s, c->cq_index, c->method);
  if (c->method == GF__M_UNKNOWN) {
    c->method_path = slice_strdup(c->details.method);
    c->deadline = c->details.deadline;
  } else {
    c->method_path = strdup(k_paths[c->method]);
  }
  char* peer = grpc_call_get_peer(c->call);
  c->peer = peer ? strdup(peer) : strdup("unknown");
  gpr_free(peer);
  if (s->opts.use_tls) c->identity = peer_identity(c->call);
  int rc = copy_request_headers(c);
  gf__ibuf* req = NULL;
  if (c->payload) {
    req = gf__ibuf_from_byte_buffer(c->payload);
    grpc_byte_buffer_destroy(c->payload);
    c->payload = NULL;
    if (!req) rc = GF_NO_MEMORY;
  }
  start_close(c);
  if (rc || !c->method_path || !c->peer) {
    gf__ibuf_free(req);
    gf__tcall_cancel(c);
    tcall_unref(c);
    return;
  }
  gf__tcall_info info = {c->method, c->method_path, c->peer, deadline_ms(c->deadline),
                         c->n_headers, c->headers, c->identity, req};
  s->opts.on_call(s->opts.user, c, &info);
}

static void on_close_done(gf__tcall* c) {
  pthread_mutex_lock(&c->mu);
  c->closed = 1;
  if (c->close_cancelled_out) atomic_store(&c->cancelled, 1);
  gf__tclose_fn fn = c->close_fn;
  void* user = c->close_user;
  int cancelled = atomic_load(&c->cancelled);
  c->close_fn = NULL;
  pthread_mutex_unlock(&c->mu);
  if (fn) fn(user, cancelled);
  tcall_unref(c);
}

static void on_send_done(gf__tcall* c, int ok) {
  pthread_mutex_lock(&c->mu);
  c->send_busy = 0;
  grpc_byte_buffer* bb = c->send_bb;
  c->send_bb = NULL;
  gf__tdone_fn fn = c->send_done;
  void* user = c->send_user;
  if (!ok) c->failed = 1;
  pthread_mutex_unlock(&c->mu);
  if (bb) grpc_byte_buffer_destroy(bb);
  if (fn) fn(user, ok);
  tcall_unref(c);
}

static int start_recv_locked(gf__tcall* c);

/* Whether another read-ahead receive may start now; `last_len` is the size
 * of the message just received or handed over. Locked. */
static int ra_wants_more_locked(const gf__tcall* c, size_t last_len) {
  return c->ra_on && !c->recv_busy && !c->ra_end && !c->failed && !c->closed && !c->status_sent &&
         last_len <= GF__READAHEAD_MAX && c->ra_n < GF__READAHEAD_MSGS &&
         (c->ra_n == 0 || c->ra_bytes < GF__READAHEAD_BYTES);
}

/* Parks a completed receive nobody waits for. Locked. */
static void ra_park_locked(gf__tcall* c, int ok, gf__ibuf* msg) {
  if (!ok || !msg) {
    c->ra_end = 1;
    c->ra_end_ok = ok;
    gf__ibuf_free(msg);
    return;
  }
  c->ra_q[(c->ra_head + c->ra_n++) % GF__READAHEAD_MSGS] = msg;
  c->ra_bytes += gf__ibuf_length(msg);
}

static void on_recv_done(gf__tcall* c, int ok) {
  pthread_mutex_lock(&c->mu);
  grpc_byte_buffer* bb = c->recv_bb;
  c->recv_bb = NULL;
  pthread_mutex_unlock(&c->mu);
  gf__ibuf* msg = NULL;
  if (ok && bb) {
    msg = gf__ibuf_from_byte_buffer(bb);
    if (!msg) {
      ok = 0;
      gf__tcall_cancel(c);
    }
  }
  if (bb) grpc_byte_buffer_destroy(bb);
  pthread_mutex_lock(&c->mu);
  c->recv_busy = 0;
  if (!ok) c->failed = 1;
  gf__trecv_fn fn = c->recv_done;
  void* user = c->recv_user;
  c->recv_done = NULL;
  size_t len = ok && msg ? gf__ibuf_length(msg) : 0;
  if (!fn) ra_park_locked(c, ok, msg); /* nobody waits: park it for the next recv */
  if (ok && msg && ra_wants_more_locked(c, len)) start_recv_locked(c); /* read ahead */
  pthread_mutex_unlock(&c->mu);
  if (fn) fn(user, ok, msg);
  tcall_unref(c);
}

static void on_mark_done(gf__tcall* c) {
  pthread_mutex_lock(&c->mu);
  gf__tdone_fn fn = c->mark_done;
  void* user = c->mark_user;
  c->mark_done = NULL;
  int cancelled = atomic_load(&c->cancelled);
  pthread_mutex_unlock(&c->mu);
  if (fn) fn(user, !cancelled);
  tcall_unref(c);
}

static void handle_event(gf__tserver* s, tag* t, int success) {
  switch (t->kind) {
    case T_NEW: on_new_call(t->obj, success); break;
    case T_CLOSE: on_close_done(t->obj); break;
    case T_SEND: on_send_done(t->obj, success); break;
    case T_RECV: on_recv_done(t->obj, success); break;
    case T_MARK: on_mark_done(t->obj); break;
    case T_SHUTDOWN:
      pthread_mutex_lock(&s->mu);
      s->shutdown_done = 1;
      pthread_cond_broadcast(&s->cv);
      pthread_mutex_unlock(&s->mu);
      break;
    default: break;
  }
}

typedef struct cq_arg {
  gf__tserver* s;
  int index;
} cq_arg;

static void* cq_main(void* p) {
  cq_arg* a = p;
  pthread_setname_np(pthread_self(), "gf-cq");
  gf__tserver* s = a->s;
  grpc_completion_queue* cq = s->cqs[a->index].cq;
  free(a);
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
    if (ev.type == GRPC_OP_COMPLETE) handle_event(s, ev.tag, ev.success);
  }
  return NULL;
}

/* ---- call operations ------------------------------------------------------------- */

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

int gf__tcall_add_header(gf__tcall* c, const char* key, const void* value, size_t len) {
  pthread_mutex_lock(&c->mu);
  int rc = c->md_sent ? GF_ALREADY_EXISTS : md_push(&c->hdrs, key, value, len);
  pthread_mutex_unlock(&c->mu);
  return rc;
}

static void fail_locked(gf__tcall* c) {
  c->failed = 1;
  grpc_call_cancel(c->call, NULL);
}

static int set_status_locked(gf__tcall* c, const gf__tstatus* st, grpc_op* op) {
  for (size_t i = 0; i < st->n_trailers; i++)
    if (md_push(&c->trls, st->trailers[i].key, st->trailers[i].value, st->trailers[i].len))
      return GF_NO_MEMORY;
  c->status_details = grpc_slice_from_copied_string(st->message ? st->message : "");
  c->has_status_details = 1;
  op->op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  op->data.send_status_from_server.status = (grpc_status_code)st->code;
  op->data.send_status_from_server.status_details = &c->status_details;
  op->data.send_status_from_server.trailing_metadata_count = c->trls.n;
  op->data.send_status_from_server.trailing_metadata = c->trls.md;
  return GF_OK;
}

int gf__tcall_send(gf__tcall* c, gf__obuf* msg, const gf__tstatus* status, gf__tdone_fn done,
                   void* user) {
  grpc_op ops[3];
  memset(ops, 0, sizeof(ops));
  size_t n = 0;
  pthread_mutex_lock(&c->mu);
  if (c->status_sent || c->send_busy || c->failed || c->closed) {
    int busy = c->send_busy;
    pthread_mutex_unlock(&c->mu);
    gf__obuf_free(msg);
    return busy ? GF_INTERNAL : GF_CANCELLED;
  }
  if (!c->md_sent) {
    ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[n].data.send_initial_metadata.count = c->hdrs.n;
    ops[n].data.send_initial_metadata.metadata = c->hdrs.md;
    n++;
  }
  grpc_byte_buffer* bb = NULL;
  if (msg) {
    bb = gf__obuf_to_byte_buffer(msg);
    gf__obuf_free(msg);
    if (!bb) {
      fail_locked(c);
      pthread_mutex_unlock(&c->mu);
      return GF_NO_MEMORY;
    }
    ops[n].op = GRPC_OP_SEND_MESSAGE;
    ops[n].data.send_message.send_message = bb;
    n++;
  }
  if (status && set_status_locked(c, status, &ops[n++])) {
    if (bb) grpc_byte_buffer_destroy(bb);
    fail_locked(c);
    pthread_mutex_unlock(&c->mu);
    return GF_NO_MEMORY;
  }
  if (n == 0) {
    pthread_mutex_unlock(&c->mu);
    return GF_INVALID_ARGUMENT;
  }
  c->refs++;
  c->send_busy = 1;
  c->send_bb = bb;
  c->send_done = done;
  c->send_user = user;
  c->md_sent = 1;
  if (status) c->status_sent = 1;
  pthread_mutex_unlock(&c->mu);
  /* Started outside the lock: send batches are serialised by send_busy (gRPC
   * asks only that sends be synchronised among themselves), and the batch
   * often completes inline, so the CQ thread would otherwise block on mu. The
   * ops point at hdrs/trls/status_details, frozen by md_sent/status_sent. */
  grpc_call_error e = grpc_call_start_batch(c->call, ops, n, &c->t_send, NULL);
  if (e != GRPC_CALL_OK) {
    pthread_mutex_lock(&c->mu);
    c->refs--;
    c->send_busy = 0;
    c->send_bb = NULL;
    if (bb) grpc_byte_buffer_destroy(bb);
    fail_locked(c);
    pthread_mutex_unlock(&c->mu);
    return GF_INTERNAL;
  }
  return GF_OK;
}

/* Starts one RECV_MESSAGE (recv_done set or NULL for read-ahead). Locked. */
static int start_recv_locked(gf__tcall* c) {
  grpc_op op;
  memset(&op, 0, sizeof(op));
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &c->recv_bb;
  c->refs++;
  c->recv_busy = 1;
  grpc_call_error e = grpc_call_start_batch(c->call, &op, 1, &c->t_recv, NULL);
  if (e != GRPC_CALL_OK) {
    c->refs--;
    c->recv_busy = 0;
    c->recv_done = NULL;
    fail_locked(c);
    return GF_INTERNAL;
  }
  return GF_OK;
}

int gf__tcall_recv(gf__tcall* c, gf__trecv_fn done, void* user) {
  pthread_mutex_lock(&c->mu);
  if (c->ra_n || c->ra_end) {
    /* A read-ahead result is waiting: hand it over now (this thread). */
    int ok = 1;
    gf__ibuf* msg = NULL;
    if (c->ra_n) {
      msg = c->ra_q[c->ra_head];
      c->ra_head = (c->ra_head + 1) % GF__READAHEAD_MSGS;
      c->ra_n--;
      c->ra_bytes -= gf__ibuf_length(msg);
      if (ra_wants_more_locked(c, gf__ibuf_length(msg))) start_recv_locked(c);
    } else {
      ok = c->ra_end_ok; /* stays parked: every later recv sees the same end */
    }
    pthread_mutex_unlock(&c->mu);
    done(user, ok, msg);
    return GF_OK;
  }
  if (c->recv_busy && !c->recv_done) {
    /* The read-ahead receive is in flight: its completion goes to done. */
    c->recv_done = done;
    c->recv_user = user;
    pthread_mutex_unlock(&c->mu);
    return GF_OK;
  }
  if (c->recv_busy || c->failed || c->closed || c->status_sent) {
    int busy = c->recv_busy;
    pthread_mutex_unlock(&c->mu);
    return busy ? GF_INTERNAL : GF_CANCELLED;
  }
  c->ra_on = 1;
  c->recv_done = done;
  c->recv_user = user;
  int rc = start_recv_locked(c);
  pthread_mutex_unlock(&c->mu);
  return rc;
}

int gf__tcall_flush(gf__tcall* c, gf__tdone_fn done, void* user) {
  pthread_mutex_lock(&c->mu);
  if (c->mark_done || !c->call) {
    pthread_mutex_unlock(&c->mu);
    return GF_INTERNAL;
  }
  c->refs++;
  c->mark_done = done;
  c->mark_user = user;
  pthread_mutex_unlock(&c->mu);
  /* A batch without ops completes at once: its event queues behind every
   * completion of this call already on the CQ (one CQ thread, FIFO). */
  if (grpc_call_start_batch(c->call, NULL, 0, &c->t_mark, NULL) != GRPC_CALL_OK) {
    pthread_mutex_lock(&c->mu);
    c->mark_done = NULL;
    c->refs--;
    pthread_mutex_unlock(&c->mu);
    return GF_INTERNAL;
  }
  return GF_OK;
}

void gf__tcall_cancel_with_status(gf__tcall* c, int code, const char* message) {
  pthread_mutex_lock(&c->mu);
  atomic_store(&c->cancelled, 1);
  if (c->call && !c->closed) grpc_call_cancel_with_status(c->call, (grpc_status_code)code, message, NULL);
  pthread_mutex_unlock(&c->mu);
}

void gf__tcall_cancel(gf__tcall* c) {
  pthread_mutex_lock(&c->mu);
  atomic_store(&c->cancelled, 1);
  if (c->call && !c->closed) grpc_call_cancel(c->call, NULL);
  pthread_mutex_unlock(&c->mu);
}

int gf__tcall_cancelled(const gf__tcall* c) { return atomic_load(&((gf__tcall*)c)->cancelled); }


/* ---- server ------------------------------------------------------------------------ */

static int add_arg(grpc_arg* args, size_t* n, const char* key, int64_t v) {
  if (v > INT_MAX) v = INT_MAX;
  args[*n].type = GRPC_ARG_INTEGER;
  args[*n].key = (char*)key;
  args[*n].value.integer = (int)v;
  (*n)++;
  return 0;
}

/* Receive window for uploads (BDP probing off): measured in docs/performance.md,
 * 1 MiB gives the best DoPut rate and no retained receive buffers. */
#define GF__TSERVER_DEFAULT_LOOKAHEAD (1024 * 1024)

static int64_t lookahead_bytes(const gf__tserver_options* o) {
  const char* env = getenv("GF_TRANSPORT_LOOKAHEAD_BYTES");
  if (env && *env) return strtoll(env, NULL, 10);
  return o->stream_lookahead_bytes ? o->stream_lookahead_bytes : GF__TSERVER_DEFAULT_LOOKAHEAD;
}

static grpc_server* make_server(const gf__tserver_options* o) {
  grpc_arg args[14];
  size_t n = 0;
  add_arg(args, &n, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
          o->max_receive_message_bytes > 0 ? o->max_receive_message_bytes : -1);
  add_arg(args, &n, GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, -1);
  add_arg(args, &n, GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (o->max_concurrent_streams > 0)
    add_arg(args, &n, GRPC_ARG_MAX_CONCURRENT_STREAMS, o->max_concurrent_streams);
  if (o->max_metadata_bytes > 0) add_arg(args, &n, GRPC_ARG_MAX_METADATA_SIZE, o->max_metadata_bytes);
  if (o->keepalive_time_sec > 0)
    add_arg(args, &n, GRPC_ARG_KEEPALIVE_TIME_MS, (int64_t)o->keepalive_time_sec * 1000);
  if (o->keepalive_timeout_sec > 0)
    add_arg(args, &n, GRPC_ARG_KEEPALIVE_TIMEOUT_MS, (int64_t)o->keepalive_timeout_sec * 1000);
  if (o->max_connection_idle_sec > 0)
    add_arg(args, &n, GRPC_ARG_MAX_CONNECTION_IDLE_MS, (int64_t)o->max_connection_idle_sec * 1000);
  int64_t la = lookahead_bytes(o);
  if (la > 0) {
    add_arg(args, &n, GRPC_ARG_HTTP2_BDP_PROBE, 0);
    add_arg(args, &n, GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, la);
  }
  grpc_channel_args ca = {n, args};
  return grpc_server_create(&ca, NULL);
}

static grpc_server_credentials* make_creds(const gf__tserver_options* o, gf_error* err) {
  if (!o->use_tls) return grpc_insecure_server_credentials_create();
  if (!o->cert_pem || !o->key_pem) {
    gf_error_set(err, GF_INVALID_ARGUMENT, "TLS is enabled but tls_certificate or tls_private_key is not set");
    return NULL;
  }
  if (o->use_mtls && !o->root_pem) {
    gf_error_set(err, GF_INVALID_ARGUMENT, "mTLS is enabled but tls_root_certificate is not set");
    return NULL;
  }
  grpc_ssl_pem_key_cert_pair pair = {o->key_pem, o->cert_pem};
  grpc_ssl_client_certificate_request_type req =
      o->use_mtls ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                  : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  grpc_server_credentials* c = grpc_ssl_server_credentials_create_ex(o->root_pem, &pair, 1, req, NULL);
  if (!c) gf_error_set(err, GF_INVALID_ARGUMENT, "invalid TLS certificate or private key");
  return c;
}

static int bind_port(gf__tserver* s, gf_error* err) {
  grpc_server_credentials* creds = make_creds(&s->opts, err);
  if (!creds) return err ? err->code : GF_INVALID_ARGUMENT;
  char addr[512];
  const char* h = s->opts.host ? s->opts.host : "127.0.0.1";
  if (strchr(h, ':') && h[0] != '[')
    snprintf(addr, sizeof(addr), "[%s]:%d", h, s->opts.port);
  else
    snprintf(addr, sizeof(addr), "%s:%d", h, s->opts.port);
  s->port = grpc_server_add_http2_port(s->server, addr, creds);
  grpc_server_credentials_release(creds);
  if (s->port <= 0)
    return gf_error_set(err, GF_IO_ERROR, "unable to listen on %s (address in use, invalid host or bad TLS material)", addr);
  return GF_OK;
}

static void destroy_cqs(gf__tserver* s) {
  for (int i = 0; i < s->n_cq; i++) {
    if (!s->cqs[i].cq) continue;
    grpc_completion_queue_shutdown(s->cqs[i].cq);
    if (s->cqs[i].started) {
      pthread_join(s->cqs[i].th, NULL);
    } else {
      while (grpc_completion_queue_next(s->cqs[i].cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
             GRPC_QUEUE_SHUTDOWN) {
      }
    }
    grpc_completion_queue_destroy(s->cqs[i].cq);
    s->cqs[i].cq = NULL;
  }
}

static int start_threads(gf__tserver* s, gf_error* err) {
  for (int i = 0; i < s->n_cq; i++) {
    cq_arg* a = malloc(sizeof(*a));
    if (!a) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
    a->s = s;
    a->index = i;
    if (gf__thread_create(&s->cqs[i].th, cq_main, a)) {
      free(a);
      return gf_error_set(err, GF_INTERNAL, "cannot start completion-queue thread");
    }
    s->cqs[i].started = 1;
  }
  return GF_OK;
}

static void prearm(gf__tserver* s) {
  for (int q = 0; q < s->n_cq; q++) {
    for (int m = 0; m < N_REGISTERED; m++)
      for (int k = 0; k < PREARM_PER_METHOD; k++) request_call(s, q, m);
    for (int k = 0; k < PREARM_GENERIC; k++) request_call(s, q, GF__M_UNKNOWN);
  }
}

/* Large mmap/trim thresholds stop the mmap/munmap
 * churn of gRPC's read buffers. One malloc arena: malloc_trim (maintenance
 * thread) can only give back the top of the MAIN arena, so memory freed in
 * other threads' arenas would stay resident after a big transfer. glibc
 * fixes the arena limit at the first arena a thread creates, so this must
 * run before any thread allocates (first thing in main); called again from
 * gf__tserver_create it still sets the thresholds. MALLOC_ARENA_MAX in the
 * environment wins. */
void gf__transport_tune_malloc(void) {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
  if (!getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 1);
}

int gf__tserver_create(const gf__tserver_options* opts, gf__tserver** out, gf_error* err) {
  gf__transport_tune_malloc();
  gf__tserver* s = calloc(1, sizeof(*s));
  if (!s) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  s->opts = *opts;
  s->n_cq = opts->cq_threads > 0 ? opts->cq_threads : 1;
  s->shutdown_tag = (tag){T_SHUTDOWN, s};
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  grpc_init();
  s->cqs = calloc((size_t)s->n_cq, sizeof(cq_thread));
  s->server = make_server(opts);
  if (!s->cqs || !s->server) {
    gf__tserver_destroy(s);
    return gf_error_set(err, GF_INTERNAL, "cannot create the gRPC server");
  }
  for (int i = 0; i < s->n_cq; i++) {
    s->cqs[i].cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(s->server, s->cqs[i].cq, NULL);
  }
  for (int m = 0; m < N_REGISTERED; m++)
    s->methods[m] = grpc_server_register_method(
        s->server, k_paths[m], NULL,
        unary_request(m) ? GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER : GRPC_SRM_PAYLOAD_NONE, 0);
  int rc = bind_port(s, err);
  if (rc) {
    grpc_server_destroy(s->server);
    s->server = NULL;
    gf__tserver_destroy(s);
    return rc;
  }
  grpc_server_start(s->server);
  prearm(s);
  rc = start_threads(s, err);
  if (rc) {
    s->opts.on_call = NULL;
    gf__tserver_shutdown(s, 0);
    gf__tserver_destroy(s);
    return rc;
  }
  *out = s;
  return GF_OK;
}

int gf__tserver_port(const gf__tserver* s) { return s->port; }

int gf__tserver_live_calls(gf__tserver* s) {
  pthread_mutex_lock(&s->mu);
  int n = s->live;
  pthread_mutex_unlock(&s->mu);
  return n;
}

static int wait_until(gf__tserver* s, int (*cond)(gf__tserver*), int64_t ms) {
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
  while (!cond(s) && rc == 0) rc = ms < 0 ? pthread_cond_wait(&s->cv, &s->mu) : pthread_cond_timedwait(&s->cv, &s->mu, &ts);
  int ok = cond(s);
  pthread_mutex_unlock(&s->mu);
  return ok;
}

static int is_shutdown_done(gf__tserver* s) { return s->shutdown_done; }
static int no_live_calls(gf__tserver* s) { return s->live == 0; }

void gf__tserver_shutdown(gf__tserver* s, int64_t grace_ms) {
  if (!s || !s->server) return;
  pthread_mutex_lock(&s->mu);
  s->shutting = 1;
  pthread_mutex_unlock(&s->mu);
  grpc_server_shutdown_and_notify(s->server, s->cqs[0].cq, &s->shutdown_tag);
  if (!wait_until(s, is_shutdown_done, grace_ms < 0 ? 0 : grace_ms)) {
    grpc_server_cancel_all_calls(s->server);
    wait_until(s, is_shutdown_done, -1);
  }
  /* Calls still owned by the layer above (e.g. a worker finishing) get a
   * bounded time to release their last reference. */
  if (!wait_until(s, no_live_calls, 10000)) {
    grpc_server_cancel_all_calls(s->server);
    wait_until(s, no_live_calls, 5000);
  }
  grpc_server_destroy(s->server);
  s->server = NULL;
  destroy_cqs(s);
}

void gf__tserver_destroy(gf__tserver* s) {
  if (!s) return;
  if (s->server) {
    grpc_server_destroy(s->server);
    s->server = NULL;
  }
  if (s->cqs) destroy_cqs(s);
  free(s->cqs);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  free(s);
  grpc_shutdown_blocking();
}
