/* DoGet streaming: pull-based on worker threads. The schema goes first; then
 * each batch pulled from the plugin's ArrowArrayStream is split, encoded
 * (dictionaries first) and sent one message at a time. Each send completion
 * schedules the next step on a worker, so a slow reader never makes the server
 * hold more than one encoded batch per stream. The source is released on a
 * worker when the stream ends, fails or is cancelled. */
#include <stdlib.h>
#include <string.h>

#include "flight/call.h"
#include "flight/data_stream.h"
#include "flight/dispatch.h"

typedef struct doget {
  gf_data_source src;
  struct ArrowSchema schema;
  gf_ipc_encoder* enc;
  int64_t batch_index;
  gf__obuf** q;
  size_t qn, qi;
} doget;

static void doget_free(doget* g) {
  gf__obuf_array_free(g->q, g->qn);
  gf_ipc_encoder_free(g->enc);
  if (g->schema.release) g->schema.release(&g->schema);
  if (g->src.stream.release) g->src.stream.release(&g->src.stream);
  if (g->src.release_user) g->src.release_user(g->src.user);
  free(g);
}

static void doget_end(gf_call* c, int code, const char* msg) {
  doget* g = c->stream;
  c->stream = NULL;
  doget_free(g);
  if (msg && code) gf__call_set_error(c, code, msg, NULL, 0);
  gf__call_finish(c, NULL, code);
}

static void doget_step(gf_call* c);

static void doget_sent(gf_call* c, int ok) {
  if (!ok) {
    doget_end(c, GF_CANCELLED, NULL);
    return;
  }
  doget_step(c);
}

static void send_queued(gf_call* c) {
  doget* g = c->stream;
  gf__obuf* m = g->q[g->qi];
  g->q[g->qi++] = NULL;
  if (gf__call_send_async(c, m, doget_sent)) doget_end(c, GF_CANCELLED, NULL);
}

static const char* stream_error(doget* g) {
  const char* e = g->src.stream.get_last_error ? g->src.stream.get_last_error(&g->src.stream) : NULL;
  return e && *e ? e : "the DoGet data stream failed";
}

static void pull(gf_call* c) {
  doget* g = c->stream;
  struct ArrowArray batch;
  memset(&batch, 0, sizeof(batch));
  int rc = g->src.stream.get_next(&g->src.stream, &batch);
  if (rc) {
    doget_end(c, c->err_code ? c->err_code : GF_INTERNAL, stream_error(g));
    return;
  }
  if (!batch.release) {
    doget_end(c, GF_OK, NULL);
    return;
  }
  gf_bytes md = {NULL, 0};
  if (g->src.batch_app_metadata && g->src.batch_app_metadata(g->src.user, g->batch_index, &md)) {
    batch.release(&batch);
    doget_end(c, c->err_code ? c->err_code : GF_INTERNAL, "batch_app_metadata failed");
    return;
  }
  g->batch_index++;
  gf_error err = {0};
  gf__obuf_array_free(g->q, g->qn);
  g->q = NULL;
  g->qn = g->qi = 0;
  rc = gf__flight_encode_batch(g->enc, &g->schema, &batch, c->d->o.max_batch_bytes, md.data, md.len, &g->q,
                        &g->qn, &err);
  if (rc) {
    doget_end(c, rc, err.message);
    return;
  }
  if (g->qn == 0) {
    doget_step(c);
    return;
  }
  send_queued(c);
}

static void doget_step(gf_call* c) {
  doget* g = c->stream;
  if (gf_call_is_cancelled(c)) {
    doget_end(c, GF_CANCELLED, NULL);
    return;
  }
  if (g->qi < g->qn) {
    send_queued(c);
    return;
  }
  pull(c);
}

void gf__doget_start(gf_call* c, gf_data_source* src) {
  doget* g = calloc(1, sizeof(*g));
  if (!g) {
    src->stream.release(&src->stream);
    if (src->release_user) src->release_user(src->user);
    gf__call_set_error(c, GF_NO_MEMORY, "out of memory", NULL, 0);
    gf__call_finish(c, NULL, GF_NO_MEMORY);
    return;
  }
  g->src = *src;
  memset(src, 0, sizeof(*src));
  c->stream = g;
  if (g->src.stream.get_schema(&g->src.stream, &g->schema) || !g->schema.release) {
    doget_end(c, c->err_code ? c->err_code : GF_INTERNAL, stream_error(g));
    return;
  }
  gf_error err = {0};
  gf__obuf* m = NULL;
  int rc = gf_ipc_encoder_create(&g->schema, NULL, &g->enc, &err);
  if (!rc) rc = gf__flight_encode_schema(&g->schema, NULL, &m, &err);
  if (rc) {
    doget_end(c, rc, err.message);
    return;
  }
  if (gf__call_send_async(c, m, doget_sent)) doget_end(c, GF_CANCELLED, NULL);
}
