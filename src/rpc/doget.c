/* DoGet streaming, pipelined. Workers pull batches from the plugin's
 * ArrowArrayStream (plugin code) and encode them into a "prepared" queue;
 * the transport I/O thread that completes a send starts the next prepared
 * message at once (no worker hop on the send path; its frames join the same
 * writev) and asks a worker to pull more when the queue is half empty. Per
 * stream at most ONE send is outstanding and the prepared queue holds two
 * messages, or more small ones up to PREFETCH_BYTES / PREFETCH_MSGS (so a
 * worker wake-up serves several small messages); a slow reader stalls the
 * pulls (backpressure). The first data batch is followed by a one-batch
 * peek so a one-batch result goes out with the OK status in the same batch.
 * The source, encoder and any unsent messages are released on a worker.
 * Threads: workers (start, fill, free) and transport I/O threads (sent);
 * the state is guarded by doget.mu. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/call.h"
#include "rpc/data_stream.h"
#include "rpc/dispatch.h"

#define PREFETCH_BYTES (1024 * 1024)
#define PREFETCH_MSGS 8

typedef struct doget {
  gf_call* c; /* one reference held until doget_free */
  gf__pool* pool;
  gf_data_source src;
  struct ArrowSchema schema;
  gf_ipc_encoder* enc;
  int64_t batch_index;
  struct ArrowArray ahead; /* the batch peeked after the first one (release == NULL: none) */
  pthread_mutex_t mu;
  gf__obuf** q; /* ring of prepared messages */
  size_t qhead, qn, qcap, qbytes;
  int inflight; /* a message send is outstanding */
  int filling;  /* a worker is pulling (fill_task) */
  enum { PULLING, SOURCE_END, FINISHED } phase; /* source drained; status sent */
  int src_released; /* the filler released the plugin's source (release_source) */
  int err_code;
  char* err_msg;
} doget;

/* Releases the plugin's stream, its user data and the schema (plugin
 * callbacks: workers only). Only the filler or the free task calls it. */
static void release_source(doget* g) {
  if (g->ahead.release) g->ahead.release(&g->ahead);
  if (g->schema.release) g->schema.release(&g->schema);
  if (g->src.stream.release) g->src.stream.release(&g->src.stream);
  if (g->src.release_user) g->src.release_user(g->src.user);
  g->src.release_user = NULL;
}

static void doget_free_task(void* arg) {
  doget* g = arg;
  gf_call* c = g->c;
  for (size_t i = 0; i < g->qn; i++) gf__obuf_free(g->q[(g->qhead + i) % g->qcap]);
  free(g->q);
  release_source(g);
  gf_ipc_encoder_free(g->enc);
  free(g->err_msg);
  pthread_mutex_destroy(&g->mu);
  free(g);
  gf__call_unref(c);
}

/* Frees g from a CQ thread: on a worker while the plugin's source is still
 * held, else at once (saves a worker wake-up at the end of most streams). */
static void post_free(doget* g) {
  if (g->src_released || gf__pool_post(g->pool, doget_free_task, g)) doget_free_task(g);
}

static void fill_task(void* arg);
static void on_sent(void* user, int ok);

/* Appends n messages (moved; the array is freed). Locked. */
static int q_push(doget* g, gf__obuf** a, size_t n) {
  if (g->qn + n > g->qcap) {
    size_t cap = g->qcap ? g->qcap : 4;
    while (cap < g->qn + n) cap *= 2;
    gf__obuf** r = malloc(cap * sizeof(*r));
    if (!r) {
      gf__obuf_array_free(a, n);
      return GF_NO_MEMORY;
    }
    for (size_t i = 0; i < g->qn; i++) r[i] = g->q[(g->qhead + i) % g->qcap];
    free(g->q);
    g->q = r;
    g->qcap = cap;
    g->qhead = 0;
  }
  for (size_t i = 0; i < n; i++) {
    g->q[(g->qhead + g->qn++) % g->qcap] = a[i];
    g->qbytes += a[i]->total;
  }
  free(a);
  return GF_OK;
}

static gf__obuf* q_pop(doget* g) {
  gf__obuf* m = g->q[g->qhead];
  g->qhead = (g->qhead + 1) % g->qcap;
  g->qn--;
  g->qbytes -= m->total;
  return m;
}

/* 1 while the prepared queue wants another batch. Locked. */
static int q_wants_more(const doget* g) {
  return g->phase == PULLING && !g->err_code &&
         (g->qn < 2 || (g->qn < PREFETCH_MSGS && g->qbytes < PREFETCH_BYTES));
}

/* Ends the call with the recorded error (or OK). Locked; enters FINISHED. */
static void finish_locked(doget* g, gf__obuf* last) {
  g->phase = FINISHED;
  if (g->err_code && g->err_msg) gf__call_set_error(g->c, g->err_code, g->err_msg, NULL, 0);
  gf__call_finish(g->c, last, g->err_code);
}

/* Decides the next step with nothing in flight. Locked. Returns 1 when the
 * caller must free g (finished and no worker filling). */
static int advance_locked(doget* g) {
  if (g->inflight || g->phase == FINISHED) return 0;
  if (g->qn) {
    gf__obuf* m = q_pop(g);
    if (g->qn == 0 && g->phase == SOURCE_END && !g->err_code) {
      finish_locked(g, m);
      return !g->filling;
    }
    g->inflight = 1;
    if (gf__call_send(g->c, m, NULL, on_sent, g)) {
      g->inflight = 0;
      g->err_code = GF_CANCELLED;
      finish_locked(g, NULL);
      return !g->filling;
    }
  } else if (g->phase == SOURCE_END || g->err_code) {
    finish_locked(g, NULL);
    return !g->filling;
  }
  /* Refill when the queue is half empty or down to one message: the worker
   * pulls while the transport sends what is queued. */
  if (!g->filling &&
      (g->qn <= 1 || (g->qn <= PREFETCH_MSGS / 2 && g->qbytes <= PREFETCH_BYTES / 2)) &&
      q_wants_more(g)) {
    g->filling = 1;
    if (gf__pool_post(g->pool, fill_task, g)) {
      g->filling = 0;
      g->err_code = GF_CANCELLED;
      if (!g->inflight) {
        finish_locked(g, NULL);
        return 1;
      }
    }
  }
  return 0;
}

/* CQ thread: a send completed. */
static void on_sent(void* user, int ok) {
  doget* g = user;
  pthread_mutex_lock(&g->mu);
  g->inflight = 0;
  int free_it;
  if (ok) {
    free_it = advance_locked(g);
  } else {
    g->err_code = GF_CANCELLED;
    free_it = 0;
    if (g->phase != FINISHED) {
      finish_locked(g, NULL);
      free_it = !g->filling;
    }
  }
  pthread_mutex_unlock(&g->mu);
  if (free_it) post_free(g);
}

static const char* stream_error(doget* g) {
  const char* e = g->src.stream.get_last_error ? g->src.stream.get_last_error(&g->src.stream) : NULL;
  return e && *e ? e : "the DoGet data stream failed";
}

/* What one pull produced (installed under the lock by the filler). */
typedef struct pulled {
  gf__obuf** q;
  size_t qn;
  int eos;
  int err_code;
  char* err_msg;
} pulled;

static void set_err(doget* g, int code, const char* msg) {
  g->err_code = code ? code : GF_INTERNAL;
  free(g->err_msg);
  g->err_msg = strdup(msg ? msg : "");
}

static int pull_err(pulled* p, int code, const char* msg) {
  p->err_code = code ? code : GF_INTERNAL;
  p->err_msg = strdup(msg ? msg : "");
  return -1;
}

/* Next batch from the look-ahead or the source. 0, or -1 (error in p). */
static int next_batch(doget* g, struct ArrowArray* out, pulled* p) {
  if (g->ahead.release) {
    *out = g->ahead;
    g->ahead.release = NULL;
    return 0;
  }
  memset(out, 0, sizeof(*out));
  if (g->src.stream.get_next(&g->src.stream, out)) {
    out->release = NULL;
    return pull_err(p, g->c->err_code, stream_error(g));
  }
  return 0;
}

/* Worker: pulls and encodes one batch into p. Not locked: only the filling
 * worker touches the source, the encoder and the look-ahead. */
static void pull_one(doget* g, pulled* p) {
  struct ArrowArray batch;
  memset(p, 0, sizeof(*p));
  if (next_batch(g, &batch, p)) return;
  if (!batch.release) {
    p->eos = 1;
    return;
  }
  gf_bytes md = {NULL, 0};
  if (g->src.batch_app_metadata && g->src.batch_app_metadata(g->src.user, g->batch_index, &md)) {
    batch.release(&batch);
    pull_err(p, g->c->err_code, "batch_app_metadata failed");
    return;
  }
  g->batch_index++;
  gf_error err = {0};
  int rc = gf__flight_encode_batch(g->enc, &g->schema, &batch, g->c->d->o.max_batch_bytes, md.data, md.len,
                                   &p->q, &p->qn, &err);
  if (rc) {
    pull_err(p, rc, err.message);
    return;
  }
  /* First data batch: peek one more so a one-batch result ends with the status. */
  if (g->batch_index == 1) {
    if (next_batch(g, &g->ahead, p)) return;
    if (!g->ahead.release) p->eos = 1;
  }
}

/* pull_one with the call's span current, so the plugin's get_next (and
 * its logs) belong to the RPC's trace. The doget's call reference keeps
 * the span alive. */
static void pull_traced(doget* g, pulled* p) {
  const gf__server_hooks* h = &g->c->d->o.hooks;
  void* span = g->c->span;
  void* prev = span && h->span_enter ? h->span_enter(span) : NULL;
  pull_one(g, p);
  if (span && h->span_exit) h->span_exit(prev);
}

/* Worker: fills the prepared queue (sending at once when the transport is
 * idle), then leaves; the next refill is posted by advance_locked. */
static void fill_task(void* arg) {
  doget* g = arg;
  for (;;) {
    pthread_mutex_lock(&g->mu);
    if (g->phase != FINISHED && !g->err_code && gf_call_is_cancelled(g->c)) g->err_code = GF_CANCELLED;
    int stop = !q_wants_more(g);
    if (stop) {
      /* No more pulls will happen (end, error or finished: all sticky): release
       * the plugin's source here, on this worker and outside the lock;
       * filling still set keeps the send path from freeing g meanwhile. */
      if ((g->phase != PULLING || g->err_code) && !g->src_released) {
        pthread_mutex_unlock(&g->mu);
        release_source(g);
        pthread_mutex_lock(&g->mu);
        g->src_released = 1;
      }
      g->filling = 0;
      int free_it = g->phase == FINISHED || advance_locked(g);
      pthread_mutex_unlock(&g->mu);
      if (free_it) doget_free_task(g); /* on a worker already */
      return;
    }
    pthread_mutex_unlock(&g->mu);
    pulled p;
    pull_traced(g, &p);
    pthread_mutex_lock(&g->mu);
    if (g->phase != FINISHED) {
      if (p.qn && q_push(g, p.q, p.qn) && !g->err_code) g->err_code = GF_NO_MEMORY;
      p.q = NULL;
      p.qn = 0;
      if (p.eos) g->phase = SOURCE_END;
      if (p.err_code && !g->err_code) {
        g->err_code = p.err_code;
        g->err_msg = p.err_msg;
        p.err_msg = NULL;
      }
      advance_locked(g); /* sends when idle; cannot finish or free while filling */
    }
    pthread_mutex_unlock(&g->mu);
    gf__obuf_array_free(p.q, p.qn);
    free(p.err_msg);
  }
}

static void start_fail(gf_call* c, gf_data_source* src, int code, const char* msg) {
  if (src->stream.release) src->stream.release(&src->stream);
  if (src->release_user) src->release_user(src->user);
  gf__call_set_error(c, code, msg, NULL, 0);
  gf__call_finish(c, NULL, code);
}

void gf__doget_start(gf_call* c, gf_data_source* src) {
  doget* g = calloc(1, sizeof(*g));
  if (!g) {
    start_fail(c, src, GF_NO_MEMORY, "out of memory");
    return;
  }
  g->c = c;
  g->pool = c->d->pool;
  g->src = *src;
  memset(src, 0, sizeof(*src));
  pthread_mutex_init(&g->mu, NULL);
  gf__call_ref(c);
  gf_error err = {0};
  gf__obuf* m = NULL;
  int rc;
  if (g->src.stream.get_schema(&g->src.stream, &g->schema) || !g->schema.release) {
    rc = c->err_code ? c->err_code : GF_INTERNAL;
    snprintf(err.message, sizeof(err.message), "%s", stream_error(g));
  } else {
    rc = gf_ipc_encoder_create(&g->schema, NULL, &g->enc, &err);
    if (!rc) rc = gf__flight_encode_schema(&g->schema, NULL, &m, &err);
  }
  pthread_mutex_lock(&g->mu);
  if (rc) {
    set_err(g, rc, err.message);
  } else {
    gf__obuf** a = malloc(sizeof(*a));
    if (a) a[0] = m;
    else gf__obuf_free(m);
    if (!a || q_push(g, a, 1)) set_err(g, GF_NO_MEMORY, "out of memory");
  }
  /* Sends the schema (or finishes on error), then fills on this worker
   * (filling set first so advance_locked does not post a fill). */
  g->filling = 1;
  advance_locked(g);
  pthread_mutex_unlock(&g->mu);
  fill_task(g);
}
