/* Client calls on gRPC core: call start (headers, deadline, optional first
 * message), blocking send/receive/half-close on a per-call pluck completion
 * queue, status and metadata collection, cancellation and teardown. Any
 * application thread; one sender and one receiver thread per call at most.
 * At most one SEND and one RECV batch outstanding per call (gRPC core allows
 * no more), any failed start_batch cancels the call, and no write-buffer
 * hint is set (every message is flushed as it is sent). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <grpc/grpc.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "transport/client_call.h"
#include "transport/client_internal.h"
#include "transport/msg_grpc.h"

struct gf__ccall {
  grpc_call* call;
  grpc_completion_queue* cq;
  pthread_mutex_t mu;        /* serialises start_batch and the flags below */
  pthread_mutex_t status_mu; /* one thread plucks the status */
  pthread_mutex_t md_mu;     /* one thread plucks the headers */
  char tag_send, tag_recv, tag_md, tag_status, tag_close;
  int send_out, recv_out, md_out, status_out, close_out; /* outstanding ops */
  int send_closed;
  int md_pending; /* request headers not yet sent: they go with the first batch */
  grpc_metadata* req_md;
  size_t n_req_md;
  grpc_metadata_array init_md, trail_md;
  grpc_status_code code;
  grpc_slice details;
  const char* error_string;
  grpc_byte_buffer* recv_bb;
  gf__cstatus st;
};

/* ---- metadata helpers ------------------------------------------------------- */

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

static void tmeta_from_array(gf__cmeta* m, const grpc_metadata_array* a) {
  gf__cmeta_clear(m);
  if (a->count == 0) return;
  m->keys = calloc(a->count, sizeof(char*));
  m->values = calloc(a->count, sizeof(gf_bytes));
  if (!m->keys || !m->values) {
    free(m->keys);
    free(m->values);
    m->keys = NULL;
    m->values = NULL;
    return;
  }
  for (size_t i = 0; i < a->count; i++) {
    size_t kl = GRPC_SLICE_LENGTH(a->metadata[i].key);
    size_t vl = GRPC_SLICE_LENGTH(a->metadata[i].value);
    char* k = malloc(kl + 1);
    uint8_t* v = malloc(vl + 1);
    if (!k || !v) {
      free(k);
      free(v);
      break;
    }
    memcpy(k, GRPC_SLICE_START_PTR(a->metadata[i].key), kl);
    k[kl] = 0;
    memcpy(v, GRPC_SLICE_START_PTR(a->metadata[i].value), vl);
    v[vl] = 0;
    m->keys[m->n] = k;
    m->values[m->n] = (gf_bytes){v, vl};
    m->n++;
  }
}

/* ---- status mapping --------------------------------------------------------- */

int gf__grpc_code_to_status(int code) {
  switch (code) {
    case GRPC_STATUS_OK: return GF_OK;
    case GRPC_STATUS_CANCELLED: return GF_CANCELLED;
    case GRPC_STATUS_UNKNOWN: return GF_UNKNOWN;
    case GRPC_STATUS_INVALID_ARGUMENT: return GF_INVALID_ARGUMENT;
    case GRPC_STATUS_DEADLINE_EXCEEDED: return GF_TIMED_OUT;
    case GRPC_STATUS_NOT_FOUND: return GF_NOT_FOUND;
    case GRPC_STATUS_ALREADY_EXISTS: return GF_ALREADY_EXISTS;
    case GRPC_STATUS_PERMISSION_DENIED: return GF_UNAUTHORIZED;
    case GRPC_STATUS_RESOURCE_EXHAUSTED: return GF_RESOURCE_EXHAUSTED;
    case GRPC_STATUS_FAILED_PRECONDITION: return GF_INVALID_ARGUMENT;
    case GRPC_STATUS_ABORTED: return GF_INTERNAL;
    case GRPC_STATUS_OUT_OF_RANGE: return GF_INVALID_ARGUMENT;
    case GRPC_STATUS_UNIMPLEMENTED: return GF_UNIMPLEMENTED;
    case GRPC_STATUS_INTERNAL: return GF_INTERNAL;
    case GRPC_STATUS_UNAVAILABLE: return GF_UNAVAILABLE;
    case GRPC_STATUS_DATA_LOSS: return GF_INTERNAL;
    case GRPC_STATUS_UNAUTHENTICATED: return GF_UNAUTHENTICATED;
    default: return GF_UNKNOWN;
  }
}

/* ---- plumbing ----------------------------------------------------------------- */

static void pluck(gf__ccall* c, void* tag, int* success) {
  grpc_event ev = grpc_completion_queue_pluck(c->cq, tag, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
  *success = ev.type == GRPC_OP_COMPLETE && ev.success;
}

/* Starts a batch under the lock; a rejected batch cancels the call. */
static int start_batch(gf__ccall* c, const grpc_op* ops, size_t n, void* tag, int* flag,
                       gf_error* err) {
  pthread_mutex_lock(&c->mu);
  grpc_call_error e = grpc_call_start_batch(c->call, ops, n, tag, NULL);
  if (e == GRPC_CALL_OK) *flag = 1;
  pthread_mutex_unlock(&c->mu);
  if (e != GRPC_CALL_OK) {
    grpc_call_cancel(c->call, NULL);
    return gf_error_set(err, GF_INTERNAL, "grpc_call_start_batch failed with %d", (int)e);
  }
  return GF_OK;
}

/* Like start_batch, for batches that may carry the request headers: ops[0]
 * is reserved; when the headers are still pending it becomes
 * SEND_INITIAL_METADATA (decided and started under one lock, so the headers
 * always go out with the first batch of the call). ops[1..n] are the ops. */
static int start_batch_md(gf__ccall* c, grpc_op* ops, size_t n, void* tag, int* flag,
                          gf_error* err) {
  pthread_mutex_lock(&c->mu);
  const grpc_op* first = ops + 1;
  size_t count = n;
  if (c->md_pending) {
    memset(&ops[0], 0, sizeof(ops[0]));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = c->n_req_md;
    ops[0].data.send_initial_metadata.metadata = c->req_md;
    first = ops;
    count = n + 1;
  }
  grpc_call_error e = grpc_call_start_batch(c->call, first, count, tag, NULL);
  if (e == GRPC_CALL_OK) {
    *flag = 1;
    c->md_pending = 0;
  }
  pthread_mutex_unlock(&c->mu);
  if (e != GRPC_CALL_OK) {
    grpc_call_cancel(c->call, NULL);
    return gf_error_set(err, GF_INTERNAL, "grpc_call_start_batch failed with %d", (int)e);
  }
  return GF_OK;
}

static void done_flag(gf__ccall* c, int* flag) {
  pthread_mutex_lock(&c->mu);
  *flag = 0;
  pthread_mutex_unlock(&c->mu);
}

static void free_req_md(gf__ccall* c) {
  for (size_t i = 0; i < c->n_req_md; i++) {
    grpc_slice_unref(c->req_md[i].key);
    grpc_slice_unref(c->req_md[i].value);
  }
  free(c->req_md);
  c->req_md = NULL;
  c->n_req_md = 0;
}

static int build_req_md(gf__ccall* c, const gf__cheader* h, size_t n, gf_error* err) {
  if (n == 0) return GF_OK;
  c->req_md = calloc(n, sizeof(grpc_metadata));
  if (!c->req_md) return gf_error_set(err, GF_NO_MEMORY, "request headers: out of memory");
  for (size_t i = 0; i < n; i++) {
    if (!h[i].key || !h[i].key[0])
      return gf_error_set(err, GF_INVALID_ARGUMENT, "request header %zu: empty key", i);
    c->req_md[i].key = grpc_slice_from_copied_string(h[i].key);
    c->req_md[i].value = grpc_slice_from_copied_buffer((const char*)h[i].value.data, h[i].value.len);
    c->n_req_md++;
  }
  return GF_OK;
}

static gpr_timespec deadline_of(int64_t ms) {
  if (ms <= 0) return gpr_inf_future(GPR_CLOCK_REALTIME);
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

/* ---- start ---------------------------------------------------------------------- */

static gf__ccall* tcall_alloc(void) {
  gf__ccall* c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  pthread_mutex_init(&c->mu, NULL);
  pthread_mutex_init(&c->status_mu, NULL);
  pthread_mutex_init(&c->md_mu, NULL);
  grpc_metadata_array_init(&c->init_md);
  grpc_metadata_array_init(&c->trail_md);
  c->details = grpc_empty_slice();
  return c;
}

/* Starts RECV_INITIAL_METADATA and RECV_STATUS_ON_CLIENT (each its own batch). */
static int start_receivers(gf__ccall* c, gf_error* err) {
  grpc_op op;
  memset(&op, 0, sizeof(op));
  op.op = GRPC_OP_RECV_INITIAL_METADATA;
  op.data.recv_initial_metadata.recv_initial_metadata = &c->init_md;
  int rc = start_batch(c, &op, 1, &c->tag_md, &c->md_out, err);
  if (rc) return rc;
  memset(&op, 0, sizeof(op));
  op.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  op.data.recv_status_on_client.trailing_metadata = &c->trail_md;
  op.data.recv_status_on_client.status = &c->code;
  op.data.recv_status_on_client.status_details = &c->details;
  op.data.recv_status_on_client.error_string = &c->error_string;
  return start_batch(c, &op, 1, &c->tag_status, &c->status_out, err);
}

int gf__ccall_start(gf__cchannel* ch, const char* method, const gf__cheader* headers,
                    size_t n_headers, int64_t deadline_ms, gf__ccall** out, gf_error* err) {
  *out = NULL;
  gf__ccall* c = tcall_alloc();
  if (!c) return gf_error_set(err, GF_NO_MEMORY, "call: out of memory");
  c->cq = grpc_completion_queue_create_for_pluck(NULL);
  grpc_slice m = grpc_slice_from_copied_string(method);
  c->call = grpc_channel_create_call(gf__cchannel_grpc(ch), NULL, GRPC_PROPAGATE_DEFAULTS, c->cq,
                                     m, NULL, deadline_of(deadline_ms), NULL);
  grpc_slice_unref(m);
  int rc = c->call ? build_req_md(c, headers, n_headers, err)
                   : gf_error_set(err, GF_INTERNAL, "grpc_channel_create_call(%s) failed", method);
  c->md_pending = 1;
  if (rc == GF_OK) rc = start_receivers(c, err);
  if (rc) {
    gf__ccall_free(c);
    return rc;
  }
  *out = c;
  return GF_OK;
}

/* ---- status ---------------------------------------------------------------------- */

static void collect_status(gf__ccall* c) {
  c->st.grpc_code = c->code;
  c->st.details = grpc_slice_to_c_string(c->details);
  tmeta_from_array(&c->st.trailers, &c->trail_md);
  c->st.done = 1;
}

/* Takes the call's final status off the queue, once: waiting for it
 * (wait = 1), or only when it is already there (wait = 0: never blocks,
 * also not while another thread waits for it). 1 once it has arrived. */
static int take_status(gf__ccall* c, int wait) {
  if (wait) pthread_mutex_lock(&c->status_mu);
  else if (pthread_mutex_trylock(&c->status_mu) != 0) return 0;
  if (!c->st.done && c->status_out) {
    gpr_timespec until = wait ? gpr_inf_future(GPR_CLOCK_REALTIME) : gpr_inf_past(GPR_CLOCK_REALTIME);
    grpc_event ev = grpc_completion_queue_pluck(c->cq, &c->tag_status, until, NULL);
    if (wait || ev.type == GRPC_OP_COMPLETE) {
      done_flag(c, &c->status_out);
      collect_status(c);
    }
  }
  int done = c->st.done;
  pthread_mutex_unlock(&c->status_mu);
  return done;
}

int gf__ccall_finish(gf__ccall* c, gf_error* err) {
  take_status(c, 1);
  if (!c->st.done) return gf_error_set(err, GF_INTERNAL, "call status unavailable");
  int code = gf__grpc_code_to_status(c->st.grpc_code);
  if (code == GF_OK) return GF_OK;
  gf_bytes msg;
  if (gf__cmeta_get(&c->st.trailers, "x-arrow-status-message-bin", &msg) && msg.len > 0)
    return gf_error_set(err, code, "%.*s", (int)msg.len, (const char*)msg.data);
  return gf_error_set(err, code, "%s", c->st.details ? c->st.details : "");
}

const gf__cstatus* gf__ccall_status(const gf__ccall* c) { return &c->st; }

const gf__cmeta* gf__ccall_headers(gf__ccall* c) {
  pthread_mutex_lock(&c->md_mu);
  if (c->md_out) {
    int ok;
    pluck(c, &c->tag_md, &ok);
    done_flag(c, &c->md_out);
    tmeta_from_array(&c->st.headers, &c->init_md);
  }
  pthread_mutex_unlock(&c->md_mu);
  return &c->st.headers;
}

/* ---- send / recv ------------------------------------------------------------------ */

/* Receives one message into c->recv_bb (NULL at the end of the stream or
 * on failure) and waits for it; *ok is the batch's success. */
static int recv_message(gf__ccall* c, int* ok, gf_error* err) {
  grpc_op ops[2];
  memset(ops, 0, sizeof(ops));
  ops[1].op = GRPC_OP_RECV_MESSAGE;
  ops[1].data.recv_message.recv_message = &c->recv_bb;
  c->recv_bb = NULL;
  int rc = start_batch_md(c, ops, 1, &c->tag_recv, &c->recv_out, err);
  if (rc) return rc;
  pluck(c, &c->tag_recv, ok);
  done_flag(c, &c->recv_out);
  return GF_OK;
}

/* Reads and drops the messages the server sent that were not read yet, up
 * to the end of the stream. */
static void drop_unread(gf__ccall* c) {
  int ok = 1;
  while (ok && recv_message(c, &ok, NULL) == GF_OK && c->recv_bb) {
    grpc_byte_buffer_destroy(c->recv_bb);
    c->recv_bb = NULL;
  }
}

/* A send failed: the stream has ended. Returns the call's status (an OK
 * status becomes GF_IO_ERROR: the message was not taken). gRPC delivers the
 * status only after every message the server sent has been read, so unless
 * another thread is receiving, the unread ones are read and dropped here
 * (waiting instead would last until the deadline, or for ever). */
static int status_after_failed_send(gf__ccall* c, gf_error* err) {
  if (!take_status(c, 0)) {
    pthread_mutex_lock(&c->mu);
    int receiving = c->recv_out;
    pthread_mutex_unlock(&c->mu);
    if (!receiving) drop_unread(c);
  }
  gf__ccall_finish(c, err);
  int code = gf__grpc_code_to_status(c->st.grpc_code);
  return code == GF_OK ? gf_error_set(err, GF_IO_ERROR, "send failed: stream closed") : code;
}

int gf__ccall_send(gf__ccall* c, gf__obuf* msg, int last, gf_error* err) {
  grpc_byte_buffer* bb = gf__obuf_to_byte_buffer(msg);
  gf__obuf_free(msg);
  if (!bb) return gf_error_set(err, GF_NO_MEMORY, "send: cannot build the message");
  grpc_op ops[3];
  memset(ops, 0, sizeof(ops));
  size_t n = 1;
  ops[n].op = GRPC_OP_SEND_MESSAGE;
  ops[n].data.send_message.send_message = bb;
  if (last && !c->send_closed) {
    ops[++n].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    c->send_closed = 1;
  }
  int rc = start_batch_md(c, ops, n, &c->tag_send, &c->send_out, err);
  int ok = 0;
  if (rc == GF_OK) {
    pluck(c, &c->tag_send, &ok);
    done_flag(c, &c->send_out);
  }
  grpc_byte_buffer_destroy(bb);
  if (rc) return rc;
  return ok ? GF_OK : status_after_failed_send(c, err);
}

int gf__ccall_close_send(gf__ccall* c, gf_error* err) {
  if (c->send_closed) return GF_OK;
  c->send_closed = 1;
  grpc_op ops[2];
  memset(ops, 0, sizeof(ops));
  ops[1].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  int rc = start_batch_md(c, ops, 1, &c->tag_close, &c->close_out, err);
  if (rc) return rc;
  int ok;
  pluck(c, &c->tag_close, &ok);
  done_flag(c, &c->close_out);
  return GF_OK;
}

int gf__ccall_recv(gf__ccall* c, gf__ibuf** out, gf_error* err) {
  *out = NULL;
  int ok;
  int rc = recv_message(c, &ok, err);
  if (rc) return rc;
  if (ok && c->recv_bb) {
    gf__ibuf* b = gf__ibuf_from_byte_buffer(c->recv_bb);
    grpc_byte_buffer_destroy(c->recv_bb);
    c->recv_bb = NULL;
    if (!b) {
      grpc_call_cancel(c->call, NULL);
      return gf_error_set(err, GF_INTERNAL, "recv: cannot read the message (decompression?)");
    }
    *out = b;
    return GF_OK;
  }
  if (c->recv_bb) grpc_byte_buffer_destroy(c->recv_bb);
  c->recv_bb = NULL;
  /* End of stream or failure: the status tells which. */
  rc = gf__ccall_finish(c, err);
  return rc == GF_OK ? GF_END_OF_STREAM : rc;
}

void gf__ccall_cancel(gf__ccall* c) {
  if (c && c->call) grpc_call_cancel(c->call, NULL);
}

/* ---- teardown ----------------------------------------------------------------------- */

void gf__ccall_free(gf__ccall* c) {
  if (!c) return;
  int ok;
  if (c->call) {
    if (!c->st.done) grpc_call_cancel(c->call, NULL);
    if (c->send_out) pluck(c, &c->tag_send, &ok);
    if (c->recv_out) pluck(c, &c->tag_recv, &ok);
    if (c->close_out) pluck(c, &c->tag_close, &ok);
    if (c->md_out) pluck(c, &c->tag_md, &ok);
    if (c->status_out && !c->st.done) pluck(c, &c->tag_status, &ok);
    grpc_call_unref(c->call);
  }
  if (c->recv_bb) grpc_byte_buffer_destroy(c->recv_bb);
  free_req_md(c);
  if (c->cq) {
    grpc_completion_queue_shutdown(c->cq);
    grpc_completion_queue_destroy(c->cq);
  }
  grpc_metadata_array_destroy(&c->init_md);
  grpc_metadata_array_destroy(&c->trail_md);
  grpc_slice_unref(c->details);
  gf__cmeta_clear(&c->st.headers);
  gf__cmeta_clear(&c->st.trailers);
  gpr_free(c->st.details);
  gpr_free((void*)c->error_string);
  pthread_mutex_destroy(&c->mu);
  pthread_mutex_destroy(&c->status_mu);
  pthread_mutex_destroy(&c->md_mu);
  free(c);
}
