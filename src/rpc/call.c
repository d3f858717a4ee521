/* gf_call: accessors for plugins, error recording, finalizers, and the
 * blocking/async send and receive helpers. Accessors run on workers; the
 * completion callbacks here run on CQ threads and only signal or post. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/utf8.h"
#include "rpc/call.h"
#include "rpc/dispatch.h"
#include "rpc/errors.h"
#include "common/grpc_status.h"
#include "flight/method.h"
#include "log/log_internal.h"
#include "gooddata_flight_server/log.h"

static void on_close(void* user, int cancelled) {
  gf_call* c = user;
  pthread_mutex_lock(&c->mu);
  c->closed = 1;
  c->cancelled = cancelled;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
  gf__call_unref(c);
}

gf_call* gf__call_new(gf__dispatcher* d, gf__tcall* t, const gf__tcall_info* info) {
  gf_call* c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->d = d;
  c->t = t;
  c->method = info->method;
  c->method_path = info->method_path;
  c->peer = info->peer;
  c->deadline_ms = info->deadline_ms;
  c->headers = info->headers;
  c->n_headers = info->n_headers;
  c->tls_identity = info->identity;
  c->request = info->request;
  clock_gettime(CLOCK_MONOTONIC, &c->started);
  atomic_init(&c->refs, 2);
  pthread_mutex_init(&c->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the idle timeout waits on cv */
  pthread_cond_init(&c->cv, &ca);
  pthread_condattr_destroy(&ca);
  atomic_fetch_add(&d->active_calls, 1);
  gf__tcall_on_close(t, on_close, c);
  return c;
}

void gf__call_ref(gf_call* c) { atomic_fetch_add(&c->refs, 1); }

static double elapsed_sec(const gf_call* c) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - c->started.tv_sec) + (double)(now.tv_nsec - c->started.tv_nsec) / 1e9;
}

static void call_free(gf_call* c) {
  for (size_t i = 0; i < c->n_trailers; i++) {
    free((char*)c->trailers[i].key);
    free((uint8_t*)c->trailers[i].value);
  }
  free(c->trailers);
  free(c->fins);
  free(c->err_msg);
  free(c->err_extra);
  free(c->identity);
  gf__ibuf_free(c->request);
  gf__ibuf_free(c->recv_msg);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  free(c);
}

static gf_logger* rpc_log(void) {
  static _Atomic(gf_logger*) slot;
  return gf__logger_cached(&slot, "gooddata_flight_server.rpc");
}

static void finalize_task(void* arg) {
  gf_call* c = arg;
  gf__dispatcher* d = c->d;
  int status = c->final_status;
  if (c->cancelled && status == GF_OK) status = GF_CANCELLED;
  const gf__server_hooks* h = &d->o.hooks;
  if (c->n_fins) { /* plugin finalizers run with the call's span current */
    void* prev = c->span && h->span_enter ? h->span_enter(c->span) : NULL;
    for (size_t i = 0; i < c->n_fins; i++) c->fins[i].fn(c->fins[i].user, status);
    if (c->span && h->span_exit) h->span_exit(prev);
  }
  double secs = elapsed_sec(c);
  if (d->o.hooks.rpc_finished && d->o.hooks.metrics)
    d->o.hooks.rpc_finished(d->o.hooks.metrics, c->method, gf__grpc_from_status(status), secs);
  if (c->span && d->o.hooks.span_end)
    d->o.hooks.span_end(c->span, gf__grpc_from_status(status),
                        status == GF_OK ? NULL : (c->err_msg ? c->err_msg : gf_status_name(status)));
  GF_LOG(rpc_log(), GF_LOG_DEBUG, "rpc_finished",
         GF_STR("method", c->method_path), GF_STR("peer", c->peer),
         GF_STR("status", gf_status_name(status)), GF_STR("error", c->err_msg ? c->err_msg : ""),
         GF_INT("messages_in", c->msgs_in), GF_INT("messages_out", c->msgs_out),
         GF_DBL("duration_ms", secs * 1000.0));
  if (c->auth_data && d->o.hooks.auth_release) d->o.hooks.auth_release(d->o.hooks.auth, c->auth_data);
  if (c->recv_held) atomic_fetch_sub(&d->recv_held, c->recv_held); /* a handler that ended early */
  if (c->admitted) gf__dispatcher_unlist(d, c);
  gf__tcall_release(c->t);
  int admitted = c->admitted;
  call_free(c);
  if (admitted) atomic_fetch_sub(&d->admitted_calls, 1);
  atomic_fetch_sub(&d->active_calls, 1);
}

/* Whether finalize_task may run on the releasing thread (often a CQ thread):
 * no plugin code (finalizers, auth release), no span export and no debug
 * line to write. Saves a worker wake-up per call. */
static int finalize_inline_ok(const gf_call* c) {
  return !c->n_fins && !c->auth_data && !c->span &&
         !gf_log_enabled(rpc_log(), GF_LOG_DEBUG);
}

void gf__call_unref(gf_call* c) {
  if (atomic_fetch_sub(&c->refs, 1) != 1) return;
  if (finalize_inline_ok(c) || gf__pool_post(c->d->pool, finalize_task, c)) finalize_task(c);
}

int gf__call_set_error(gf_call* c, int code, const char* msg, const void* extra, size_t extra_len) {
  pthread_mutex_lock(&c->mu);
  if (!c->err_code) {
    c->err_code = code;
    if (!msg) msg = "";
    c->err_msg = strndup(msg, gf__utf8_cut(msg, strlen(msg), GF__CALL_MSG_MAX));
    if (extra_len && (c->err_extra = malloc(extra_len))) {
      memcpy(c->err_extra, extra, extra_len);
      c->err_extra_len = extra_len;
    }
  }
  pthread_mutex_unlock(&c->mu);
  return code;
}

static void finish_done(void* user, int ok) {
  (void)ok;
  gf__call_unref(user);
}

static bool send_over(const gf_call* c);
static void wait_client_locked(gf_call* c, bool (*over)(const gf_call*), const char* what);

void gf__call_finish(gf_call* c, gf__obuf* last, int code) {
  pthread_mutex_lock(&c->mu); /* the last gf__call_send_blocking message (worker threads only) */
  if (c->send_busy) wait_client_locked(c, send_over, "read nothing");
  pthread_mutex_unlock(&c->mu);
  if (code == GF_END_OF_STREAM) code = GF_OK;
  if (code != GF_OK && !c->err_code) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s failed with status %s", gf__method_name(c->method), gf_status_name(code));
    gf__call_set_error(c, code, msg, NULL, 0);
  }
  int sent_code = code == GF_OK ? GF_OK : (c->err_code ? c->err_code : code);
  c->final_status = sent_code;
  gf__wire_status w;
  if (gf__wire_status_init(&w, sent_code, c->err_msg, c->err_extra, c->err_extra_len, c->trailers,
                           c->n_trailers)) {
    gf__obuf_free(last);
    gf__tcall_cancel(c->t);
    gf__call_unref(c);
    return;
  }
  int rc = gf__call_send(c, last, &w.st, finish_done, c);
  gf__wire_status_free(&w);
  if (rc) {
    if (c->final_status == GF_OK) c->final_status = GF_CANCELLED;
    gf__tcall_cancel(c->t);
    gf__call_unref(c);
  }
}

/* ---- blocking helpers (worker threads) ---------------------------------------------- */

static void blocking_send_done(void* user, int ok) {
  gf_call* c = user;
  pthread_mutex_lock(&c->mu);
  c->send_busy = 0;
  c->send_failed = !ok;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

static void count_msg(gf_call* c, int sent, size_t bytes) {
  gf__dispatcher* d = c->d;
  if (d->o.hooks.rpc_message && d->o.hooks.metrics)
    d->o.hooks.rpc_message(d->o.hooks.metrics, c->method, sent, (int64_t)bytes);
}

void gf__call_count_received(gf_call* c, size_t bytes) {
  c->msgs_in++;
  count_msg(c, 0, bytes);
}

/* CQ thread: the transport finished send `o`; counts its message when written. */
static void sent(gf_call* c, struct gf__call_out* o, int ok) {
  struct gf__call_out done = *o;
  if (ok && done.has_msg) {
    c->msgs_out++;
    count_msg(c, 1, done.bytes);
  }
  done.done(done.user, ok);
}

static void sent_message(void* user, int ok) {
  gf_call* c = user;
  sent(c, &c->out[0], ok);
}

static void sent_final(void* user, int ok) {
  gf_call* c = user;
  sent(c, &c->out[1], ok);
}

int gf__call_send(gf_call* c, gf__obuf* msg, const gf__tstatus* status, gf__tdone_fn done,
                  void* user) {
  int final = status != NULL;
  c->out[final] = (struct gf__call_out){msg ? msg->total : 0, msg != NULL, done, user};
  return gf__tcall_send(c->t, msg, status, final ? sent_final : sent_message, c);
}

static struct timespec deadline_in(int64_t ms) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_sec += (time_t)(ms / 1000);
  ts.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

static bool recv_over(const gf_call* c) { return c->recv_done; }
static bool send_over(const gf_call* c) { return !c->send_busy; }

/* Waits (c->mu held) until over(c): a blocking receive or send. When the
 * client neither sends nor reads for stream_idle_timeout_ms, its call is
 * cancelled with DEADLINE_EXCEEDED; the operation then completes as a
 * failure. */
static void wait_client_locked(gf_call* c, bool (*over)(const gf_call*), const char* what) {
  int64_t idle_ms = c->d->o.stream_idle_timeout_ms;
  if (idle_ms <= 0) {
    while (!over(c)) pthread_cond_wait(&c->cv, &c->mu);
    return;
  }
  struct timespec until = deadline_in(idle_ms);
  while (!over(c)) {
    if (pthread_cond_timedwait(&c->cv, &c->mu, &until) != ETIMEDOUT || over(c)) continue;
    pthread_mutex_unlock(&c->mu);
    char msg[200];
    snprintf(msg, sizeof(msg), "%s: the client %s for %lld ms (server.stream_idle_timeout_sec)",
             gf__method_name(c->method), what, (long long)idle_ms);
    gf__call_set_error(c, GF_TIMED_OUT, msg, NULL, 0);
    gf__tcall_cancel_with_status(c->t, gf__grpc_from_status(GF_TIMED_OUT), msg);
    GF_LOG(rpc_log(), GF_LOG_WARNING, "stream_idle_timeout", GF_STR("method", c->method_path),
           GF_STR("peer", c->peer), GF_STR("client", what), GF_INT("idle_ms", idle_ms));
    pthread_mutex_lock(&c->mu);
    while (!over(c)) pthread_cond_wait(&c->cv, &c->mu);
  }
}

int gf__call_send_blocking(gf_call* c, gf__obuf* msg) {
  pthread_mutex_lock(&c->mu);
  wait_client_locked(c, send_over, "read nothing"); /* the previous message */
  if (c->send_failed) {
    pthread_mutex_unlock(&c->mu);
    gf__obuf_free(msg);
    return GF_CANCELLED;
  }
  c->send_busy = 1;
  pthread_mutex_unlock(&c->mu);
  if (gf__call_send(c, msg, NULL, blocking_send_done, c)) {
    pthread_mutex_lock(&c->mu);
    c->send_busy = 0;
    c->send_failed = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return GF_CANCELLED;
  }
  return GF_OK;
}

static void blocking_recv_done(void* user, int ok, gf__ibuf* msg) {
  gf_call* c = user;
  pthread_mutex_lock(&c->mu);
  c->recv_busy = 0;
  c->recv_done = 1;
  c->recv_ok = ok;
  c->recv_msg = msg;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

static void flush_done(void* user, int ok) {
  gf_call* c = user;
  pthread_mutex_lock(&c->mu);
  c->flush_done = 1;
  c->flush_ok = ok;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

/* Whether the client's HTTP/2 stack sends END_STREAM before RST_STREAM
 * when a call is cancelled (grpc-js: user-agent "grpc-node-js/..."). */
static bool ends_before_reset(const gf_call* c) {
  gf_bytes ua;
  return gf_call_header(c, "user-agent", &ua) && memmem(ua.data, ua.len, "grpc-node", 9) != NULL;
}

/* The transport reported the end of the request stream: GF_END_OF_STREAM
 * for a client half-close, GF_CANCELLED when the stream was cancelled
 * (RST_STREAM, deadline, broken connection). gRPC reports a cancelled
 * stream as an end followed by the close notification; the flush orders
 * this check after a close already queued. grpc-js (Node's HTTP/2) ends the
 * stream and then resets it when a call is cancelled, so for it the end
 * waits up to stream_end_grace_ms for that reset. The close of a stream the
 * client really ended comes only after the status is sent, so any close
 * seen here is a cancellation. */
static int confirm_end(gf_call* c) {
  pthread_mutex_lock(&c->mu);
  c->flush_done = 0;
  pthread_mutex_unlock(&c->mu);
  if (gf__tcall_flush(c->t, flush_done, c)) return GF_CANCELLED;
  pthread_mutex_lock(&c->mu);
  while (!c->flush_done) pthread_cond_wait(&c->cv, &c->mu);
  int64_t grace = ends_before_reset(c) ? c->d->o.stream_end_grace_ms : 0;
  struct timespec until = deadline_in(grace > 0 ? grace : 0);
  while (grace > 0 && !c->closed && pthread_cond_timedwait(&c->cv, &c->mu, &until) != ETIMEDOUT) {
  }
  int ended = c->flush_ok && !c->closed;
  pthread_mutex_unlock(&c->mu);
  return ended && !gf__tcall_cancelled(c->t) ? GF_END_OF_STREAM : GF_CANCELLED;
}

int gf__call_recv_blocking(gf_call* c, gf__ibuf** out) {
  pthread_mutex_lock(&c->mu);
  c->recv_busy = 1;
  c->recv_done = 0;
  pthread_mutex_unlock(&c->mu);
  if (gf__tcall_recv(c->t, blocking_recv_done, c)) {
    pthread_mutex_lock(&c->mu);
    c->recv_busy = 0;
    pthread_mutex_unlock(&c->mu);
    return GF_CANCELLED;
  }
  pthread_mutex_lock(&c->mu);
  wait_client_locked(c, recv_over, "sent nothing");
  int ok = c->recv_ok;
  gf__ibuf* msg = c->recv_msg;
  c->recv_msg = NULL;
  pthread_mutex_unlock(&c->mu);
  if (!ok) return GF_CANCELLED;
  if (!msg) return confirm_end(c);
  gf__call_count_received(c, gf__ibuf_length(msg));
  *out = msg;
  return GF_OK;
}

typedef struct async_send {
  gf_call* c;
  int ok;
  void (*done)(gf_call* c, int ok);
} async_send;

static void async_done_task(void* arg) {
  async_send* a = arg;
  a->done(a->c, a->ok);
  free(a);
}

static void async_send_done(void* user, int ok) {
  async_send* a = user;
  a->ok = ok;
  if (gf__pool_post(a->c->d->pool, async_done_task, a)) async_done_task(a);
}

int gf__call_send_async(gf_call* c, gf__obuf* msg, void (*done)(gf_call* c, int ok)) {
  async_send* a = calloc(1, sizeof(*a));
  if (!a) {
    gf__obuf_free(msg);
    return GF_NO_MEMORY;
  }
  a->c = c;
  a->done = done;
  int rc = gf__call_send(c, msg, NULL, async_send_done, a);
  if (rc) free(a);
  return rc;
}

/* ---- public accessors ----------------------------------------------------------------- */

const char* gf_call_method(const gf_call* call) { return gf__method_name(call->method); }
const char* gf_call_peer(const gf_call* call) { return call->peer; }
size_t gf_call_header_count(const gf_call* call) { return call->n_headers; }

gf_status gf_call_header_at(const gf_call* call, size_t index, const char** key, gf_bytes* value) {
  if (index >= call->n_headers) return GF_INVALID_ARGUMENT;
  if (key) *key = call->headers[index].key;
  if (value) *value = (gf_bytes){call->headers[index].value, call->headers[index].len};
  return GF_OK;
}

bool gf_call_header(const gf_call* call, const char* key, gf_bytes* value) {
  for (size_t i = 0; i < call->n_headers; i++) {
    if (strcasecmp(call->headers[i].key, key) == 0) {
      if (value) *value = (gf_bytes){call->headers[i].value, call->headers[i].len};
      return 1;
    }
  }
  return 0;
}

const char* gf_call_identity(const gf_call* call) {
  return call->identity ? call->identity : call->tls_identity;
}
void* gf_call_auth_data(const gf_call* call) { return call->auth_data; }
bool gf_call_is_cancelled(const gf_call* call) { return gf__tcall_cancelled(call->t); }
int64_t gf_call_deadline_ms(const gf_call* call) { return call->deadline_ms; }
gf_server_context* gf_call_context(const gf_call* call) { return call->d->o.ctx; }

gf_status gf_call_add_header(gf_call* call, const char* key, const void* value, size_t len) {
  if (!key || !*key) return GF_INVALID_ARGUMENT;
  int rc = gf__tcall_add_header(call->t, key, value, len);
  /* Initial metadata already sent: the header travels with the trailers. */
  if (rc == GF_ALREADY_EXISTS) rc = gf_call_add_trailer(call, key, value, len);
  return rc;
}

gf_status gf_call_add_trailer(gf_call* call, const char* key, const void* value, size_t len) {
  if (!key || !*key) return GF_INVALID_ARGUMENT;
  pthread_mutex_lock(&call->mu);
  int rc = GF_OK;
  if (call->n_trailers == call->cap_trailers) {
    size_t cap = call->cap_trailers ? call->cap_trailers * 2 : 4;
    gf__tmd* t = realloc(call->trailers, cap * sizeof(*t));
    if (!t) rc = GF_NO_MEMORY;
    else {
      call->trailers = t;
      call->cap_trailers = cap;
    }
  }
  char* k = rc ? NULL : strdup(key);
  uint8_t* v = rc ? NULL : malloc(len ? len : 1);
  if (!rc && k && v) {
    for (char* p = k; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    if (len) memcpy(v, value, len);
    call->trailers[call->n_trailers++] = (gf__tmd){k, v, len};
  } else if (!rc) {
    free(k);
    free(v);
    rc = GF_NO_MEMORY;
  }
  pthread_mutex_unlock(&call->mu);
  return rc;
}

gf_status gf_call_on_end(gf_call* call, gf_call_end_fn fn, void* user) {
  if (!fn) return GF_INVALID_ARGUMENT;
  pthread_mutex_lock(&call->mu);
  int rc = GF_OK;
  if (call->n_fins == call->cap_fins) {
    size_t cap = call->cap_fins ? call->cap_fins * 2 : 4;
    gf__finalizer* f = realloc(call->fins, cap * sizeof(*f));
    if (!f) rc = GF_NO_MEMORY;
    else {
      call->fins = f;
      call->cap_fins = cap;
    }
  }
  if (!rc) call->fins[call->n_fins++] = (gf__finalizer){fn, user};
  pthread_mutex_unlock(&call->mu);
  return rc;
}

static int verror(gf_call* call, int code, const void* extra, size_t extra_len, const char* fmt,
                  va_list ap) {
  char* msg = NULL;
  if (vasprintf(&msg, fmt ? fmt : "", ap) < 0) msg = NULL;
  int rc = gf__call_set_error(call, code, msg ? msg : "out of memory while formatting the error",
                              extra, extra_len);
  free(msg);
  return rc;
}

gf_status gf_call_error(gf_call* call, int code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = verror(call, code, NULL, 0, fmt, ap);
  va_end(ap);
  return rc;
}

gf_status gf_call_error_extra(gf_call* call, int code, const void* extra_info, size_t extra_len,
                              const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = verror(call, code, extra_info, extra_len, fmt, ap);
  va_end(ap);
  return rc;
}
