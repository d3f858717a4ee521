/* C Flight client: data streams. The reader (DoGet, and the read side of
 * DoExchange) decodes FlightData into Arrow C Data with the IPC decoder; the
 * put stream and the exchange writer encode batches with the IPC encoder and
 * send them zero-copy (the FlightData encoder references the batch buffers).
 * One thread per object, except an exchange: one writer and one reader
 * thread may work at once. */
#include <stdlib.h>
#include <string.h>

#include "Flight.pb-c.h"
#include "client/client_internal.h"
#include "flight/flightdata.h"
#include "gooddata_flight_server/ipc.h"

/* ---- shared end-of-call bookkeeping -------------------------------------------- */

typedef struct call_end {
  gf_rpc_status* status;
  int ended;     /* final status known */
  int rc;        /* final gf_status (GF_OK for a clean end) */
  gf_error err;  /* message for rc */
  int recorded;
} call_end;

static void end_record(call_end* e, gf__ccall* call) {
  if (e->recorded) return;
  e->recorded = 1;
  gf_call_options o;
  memset(&o, 0, sizeof(o));
  o.status = e->status;
  gf__client_record_status(&o, call, e->rc, &e->err);
}

/* Marks the stream ended with `rc` (from a transport call); returns the
 * status to hand the caller (END for a clean end). */
static int end_with(call_end* e, gf__ccall* call, int rc, const gf_error* err_in, gf_error* err) {
  if (!e->ended) {
    e->ended = 1;
    e->rc = rc == GF_END_OF_STREAM ? GF_OK : rc;
    if (e->rc != GF_OK && err_in) e->err = *err_in;
    if (e->rc != GF_OK && !gf__ccall_status(call)->done) gf__ccall_cancel(call);
    e->err.code = e->rc;
    end_record(e, call);
  }
  if (e->rc == GF_OK) return GF_END_OF_STREAM;
  if (err) *err = e->err;
  return e->rc;
}

/* ---- reader ---------------------------------------------------------------------- */

typedef struct pending_md {
  uint8_t* data;
  size_t len;
} pending_md;

struct gf_flight_reader {
  gf__ccall* call;
  int owns_call;
  call_end end;
  gf_ipc_decoder* dec;
  uint8_t* md; /* app_metadata of the last message returned */
  size_t md_len;
  pending_md* pending; /* metadata-only messages read while waiting for the schema */
  size_t n_pending, pending_pos;
  char last_error[GF_ERROR_MESSAGE_SIZE];
};

static gf_flight_reader* reader_new(gf__ccall* call, int owns_call, gf_rpc_status* status,
                                    gf_error* err) {
  gf_flight_reader* r = calloc(1, sizeof(*r));
  if (!r) {
    gf_error_set(err, GF_NO_MEMORY, "reader: out of memory");
    return NULL;
  }
  r->call = call;
  r->owns_call = owns_call;
  r->end.status = status;
  if (gf_ipc_decoder_create(NULL, &r->dec, err)) {
    free(r);
    return NULL;
  }
  return r;
}

static void set_md(gf_flight_reader* r, uint8_t* data, size_t len) {
  free(r->md);
  r->md = data;
  r->md_len = len;
}

/* Reads one FlightData. GF_OK with fd filled, else the final status. */
static int reader_recv(gf_flight_reader* r, gf__flight_data* fd, gf_error* err) {
  if (r->end.ended) return end_with(&r->end, r->call, r->end.rc, NULL, err);
  gf__ibuf* b = NULL;
  gf_error e = {0};
  int rc = gf__ccall_recv(r->call, &b, &e);
  if (rc == GF_OK) {
    rc = gf__flight_data_decode(b, fd, &e);
    gf__ibuf_free(b);
    if (rc == GF_OK) return GF_OK;
    gf_error_prefix(&e, "FlightData from server");
  }
  return end_with(&r->end, r->call, rc, &e, err);
}

/* Decodes the IPC message of `fd`. *got_batch = 1 when `batch` was filled. */
static int reader_decode(gf_flight_reader* r, gf__flight_data* fd, struct ArrowArray* batch,
                         int* got_batch, gf_error* err) {
  *got_batch = 0;
  gf_ipc_message_type type = GF_IPC_MESSAGE_NONE;
  gf_error e = {0};
  int rc = gf_ipc_decoder_decode(r->dec, fd->header, fd->header_len, fd->body, &type, batch, &e);
  if (rc) {
    gf_error_prefix(&e, "IPC message from server");
    return end_with(&r->end, r->call, rc, &e, err);
  }
  *got_batch = type == GF_IPC_MESSAGE_RECORD_BATCH;
  return GF_OK;
}

static int take_md(gf__flight_data* fd, uint8_t** out, size_t* len) {
  *out = fd->app_metadata;
  *len = fd->has_app_metadata ? fd->app_metadata_len : 0;
  fd->app_metadata = NULL;
  fd->app_metadata_len = 0;
  return GF_OK;
}

gf_status gf_flight_reader_schema(gf_flight_reader* r, struct ArrowSchema* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  while (!gf_ipc_decoder_has_schema(r->dec)) {
    gf__flight_data fd;
    memset(&fd, 0, sizeof(fd));
    int rc = reader_recv(r, &fd, err);
    if (rc) return rc;
    if (!fd.has_header) {
      pending_md* p = realloc(r->pending, (r->n_pending + 1) * sizeof(*p));
      if (!p) {
        gf__flight_data_clear(&fd);
        return gf_error_set(err, GF_NO_MEMORY, "reader: out of memory");
      }
      r->pending = p;
      take_md(&fd, &p[r->n_pending].data, &p[r->n_pending].len);
      r->n_pending++;
      gf__flight_data_clear(&fd);
      continue;
    }
    struct ArrowArray batch;
    int got;
    rc = reader_decode(r, &fd, &batch, &got, err);
    gf__flight_data_clear(&fd);
    if (rc) return rc;
    if (got) {
      batch.release(&batch);
      gf_error e;
      gf_error_set(&e, GF_INVALID_ARGUMENT, "server sent a record batch before the schema");
      return end_with(&r->end, r->call, GF_INVALID_ARGUMENT, &e, err);
    }
  }
  return gf_ipc_decoder_schema(r->dec, out, err);
}

gf_status gf_flight_reader_next(gf_flight_reader* r, struct ArrowArray* batch,
                                gf_bytes* app_metadata, gf_error* err) {
  memset(batch, 0, sizeof(*batch));
  if (app_metadata) *app_metadata = (gf_bytes){NULL, 0};
  if (r->pending_pos < r->n_pending) {
    pending_md* p = &r->pending[r->pending_pos++];
    set_md(r, p->data, p->len);
    p->data = NULL;
    if (app_metadata) *app_metadata = (gf_bytes){r->md, r->md_len};
    return GF_OK;
  }
  for (;;) {
    gf__flight_data fd;
    memset(&fd, 0, sizeof(fd));
    int rc = reader_recv(r, &fd, err);
    if (rc) return rc;
    int got = 0;
    if (fd.has_header) {
      rc = reader_decode(r, &fd, batch, &got, err);
      if (rc) {
        gf__flight_data_clear(&fd);
        return rc;
      }
    }
    if (got || !fd.has_header) {
      uint8_t* md;
      size_t len;
      take_md(&fd, &md, &len);
      set_md(r, md, len);
      gf__flight_data_clear(&fd);
      if (app_metadata) *app_metadata = (gf_bytes){r->md, r->md_len};
      return GF_OK;
    }
    gf__flight_data_clear(&fd); /* schema or dictionary: keep reading */
  }
}

static void reader_free_data(gf_flight_reader* r) {
  for (size_t i = 0; i < r->n_pending; i++) free(r->pending[i].data);
  free(r->pending);
  free(r->md);
  gf_ipc_decoder_free(r->dec);
}

void gf_flight_reader_free(gf_flight_reader* r) {
  if (!r) return;
  if (r->owns_call) {
    if (!r->end.ended) {
      gf__ccall_cancel(r->call);
      gf_error e;
      gf_error_set(&e, GF_CANCELLED, "reader freed before the end of the stream");
      r->end.ended = 1;
      r->end.rc = GF_CANCELLED;
      r->end.err = e;
      end_record(&r->end, r->call);
    }
    gf__ccall_free(r->call);
  }
  reader_free_data(r);
  free(r);
}

gf_status gf_client_do_get(gf_client* c, const gf_call_options* o, const void* ticket, size_t len,
                           gf_flight_reader** out, gf_error* err) {
  *out = NULL;
  gf__ccall* call = NULL;
  int rc = gf__client_start(c, o, GF__M_DO_GET, &call, err);
  if (rc) return rc;
  Arrow__Flight__Protocol__Ticket t = ARROW__FLIGHT__PROTOCOL__TICKET__INIT;
  t.ticket.data = (uint8_t*)ticket;
  t.ticket.len = ticket ? len : 0;
  rc = gf__client_send_pb(call, &t.base, 1, err);
  gf_flight_reader* r = rc ? NULL : reader_new(call, 1, o ? o->status : NULL, err);
  if (!r) return gf__client_end(o, call, rc ? rc : (err ? err->code : GF_NO_MEMORY), err);
  *out = r;
  return GF_OK;
}

/* ---- reader as ArrowArrayStream ---------------------------------------------------- */

static int stream_get_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  gf_flight_reader* r = s->private_data;
  gf_error e = {0};
  int rc = gf_flight_reader_schema(r, out, &e);
  if (rc == GF_END_OF_STREAM) gf_error_set(&e, rc, "stream ended without a schema");
  if (rc) snprintf(r->last_error, sizeof(r->last_error), "%s", e.message);
  return rc ? (rc == GF_NO_MEMORY ? 12 : 5) : 0;
}

static int stream_get_next(struct ArrowArrayStream* s, struct ArrowArray* out) {
  gf_flight_reader* r = s->private_data;
  gf_error e = {0};
  for (;;) {
    int rc = gf_flight_reader_next(r, out, NULL, &e);
    if (rc == GF_END_OF_STREAM) {
      memset(out, 0, sizeof(*out));
      return 0;
    }
    if (rc) {
      snprintf(r->last_error, sizeof(r->last_error), "%s", e.message);
      return rc == GF_NO_MEMORY ? 12 : 5;
    }
    if (out->release) return 0;
  }
}

static const char* stream_last_error(struct ArrowArrayStream* s) {
  gf_flight_reader* r = s->private_data;
  return r->last_error[0] ? r->last_error : NULL;
}

static void stream_release(struct ArrowArrayStream* s) {
  gf_flight_reader_free(s->private_data);
  s->release = NULL;
}

gf_status gf_flight_reader_to_stream(gf_flight_reader* r, struct ArrowArrayStream* out,
                                     gf_error* err) {
  if (!r->owns_call)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "to_stream: only DoGet readers can be converted");
  out->get_schema = stream_get_schema;
  out->get_next = stream_get_next;
  out->get_last_error = stream_last_error;
  out->release = stream_release;
  out->private_data = r;
  return GF_OK;
}

/* ---- writer (shared by DoPut and DoExchange) -------------------------------------------- */

typedef struct writer {
  gf__ccall* call;
  gf_ipc_encoder* enc;
  int done_writing;
} writer;

/* Sends one FlightData: descriptor (optional), payload (optional), app_metadata. */
static int send_fd(writer* w, const gf_descriptor* d, gf_ipc_payload* p, const void* md,
                   size_t md_len, gf_error* err) {
  if (w->done_writing) return gf_error_set(err, GF_INVALID_ARGUMENT, "write after done_writing");
  gf__obuf* ob = gf__obuf_new();
  if (!ob) return gf_error_set(err, GF_NO_MEMORY, "FlightData: out of memory");
  int rc = gf__flight_data_encode(d, p, md, md_len, ob, err);
  if (rc) {
    gf__obuf_free(ob);
    return rc;
  }
  return gf__ccall_send(w->call, ob, 0, err);
}

static int writer_begin(writer* w, const gf_descriptor* d, const struct ArrowSchema* schema,
                        gf_error* err) {
  if (!schema) return gf_error_set(err, GF_INVALID_ARGUMENT, "schema: NULL");
  if (w->enc) return gf_error_set(err, GF_INVALID_ARGUMENT, "schema already sent");
  gf_ipc_payload* p = NULL;
  int rc = gf_ipc_encode_schema(schema, &p, err);
  if (rc) return rc;
  rc = gf_ipc_encoder_create(schema, NULL, &w->enc, err);
  if (rc == GF_OK) rc = send_fd(w, d, p, NULL, 0, err);
  gf_ipc_payload_unref(p);
  return rc;
}

static int writer_write(writer* w, struct ArrowArray* batch, const void* md, size_t md_len,
                        gf_error* err) {
  if (!w->enc) {
    if (batch && batch->release) batch->release(batch);
    return gf_error_set(err, GF_INVALID_ARGUMENT, "write before the schema was sent");
  }
  gf_ipc_payload** ps = NULL;
  size_t n = 0;
  int rc = gf_ipc_encoder_encode_batch(w->enc, batch, &ps, &n, err);
  for (size_t i = 0; i < n; i++) {
    int last = i + 1 == n;
    if (rc == GF_OK) rc = send_fd(w, NULL, ps[i], last ? md : NULL, last ? md_len : 0, err);
    gf_ipc_payload_unref(ps[i]);
  }
  free(ps);
  return rc;
}

static int writer_done(writer* w, gf_error* err) {
  if (w->done_writing) return GF_OK;
  w->done_writing = 1;
  return gf__ccall_close_send(w->call, err);
}

/* ---- DoPut --------------------------------------------------------------------------------- */

struct gf_put_stream {
  writer w;
  call_end end;
  uint8_t* md;
  size_t md_len;
};

gf_status gf_client_do_put(gf_client* c, const gf_call_options* o, const gf_descriptor* d,
                           const struct ArrowSchema* schema, gf_put_stream** out, gf_error* err) {
  *out = NULL;
  gf_put_stream* p = calloc(1, sizeof(*p));
  if (!p) return gf_error_set(err, GF_NO_MEMORY, "DoPut: out of memory");
  p->end.status = o ? o->status : NULL;
  int rc = gf__client_start(c, o, GF__M_DO_PUT, &p->w.call, err);
  if (rc == GF_OK) rc = writer_begin(&p->w, d, schema, err);
  if (rc) {
    if (p->w.call) {
      gf_error e = err ? *err : (gf_error){0};
      end_with(&p->end, p->w.call, rc, &e, NULL);
    }
    gf_put_stream_free(p);
    return rc;
  }
  *out = p;
  return GF_OK;
}

/* A failed send means the server ended the call: report its final status. */
static int put_fail(gf_put_stream* p, int rc, gf_error* err) {
  gf_error e = err ? *err : (gf_error){0};
  int r = end_with(&p->end, p->w.call, rc, &e, err);
  return r == GF_END_OF_STREAM ? gf_error_set(err, GF_IO_ERROR, "DoPut: server ended the call") : r;
}

gf_status gf_put_stream_write(gf_put_stream* p, struct ArrowArray* batch, const void* md,
                              size_t len, gf_error* err) {
  if (p->end.ended) {
    if (batch && batch->release) batch->release(batch);
    return put_fail(p, p->end.rc, err);
  }
  int rc = writer_write(&p->w, batch, md, len, err);
  return rc ? put_fail(p, rc, err) : GF_OK;
}

gf_status gf_put_stream_write_metadata(gf_put_stream* p, const void* md, size_t len,
                                       gf_error* err) {
  if (p->end.ended) return put_fail(p, p->end.rc, err);
  int rc = send_fd(&p->w, NULL, NULL, md, len, err);
  return rc ? put_fail(p, rc, err) : GF_OK;
}

gf_status gf_put_stream_read(gf_put_stream* p, gf_bytes* app_metadata, gf_error* err) {
  *app_metadata = (gf_bytes){NULL, 0};
  if (p->end.ended) return end_with(&p->end, p->w.call, p->end.rc, NULL, err);
  uint8_t* data = NULL;
  size_t len = 0;
  gf_error e = {0};
  int rc = gf__client_recv_flat(p->w.call, &data, &len, &e);
  if (rc) return end_with(&p->end, p->w.call, rc, &e, err);
  Arrow__Flight__Protocol__PutResult* r = arrow__flight__protocol__put_result__unpack(NULL, len, data);
  free(data);
  if (!r) {
    gf_error_set(&e, GF_INTERNAL, "PutResult: malformed protobuf");
    return end_with(&p->end, p->w.call, GF_INTERNAL, &e, err);
  }
  free(p->md);
  p->md = malloc(r->app_metadata.len + 1);
  p->md_len = p->md ? r->app_metadata.len : 0;
  if (p->md && r->app_metadata.len) memcpy(p->md, r->app_metadata.data, r->app_metadata.len);
  arrow__flight__protocol__put_result__free_unpacked(r, NULL);
  *app_metadata = (gf_bytes){p->md, p->md_len};
  return GF_OK;
}

gf_status gf_put_stream_done_writing(gf_put_stream* p, gf_error* err) {
  if (p->end.ended) return GF_OK;
  return writer_done(&p->w, err);
}

gf_status gf_put_stream_finish(gf_put_stream* p, gf_error* err) {
  gf_put_stream_done_writing(p, NULL);
  gf_bytes md;
  int rc;
  while ((rc = gf_put_stream_read(p, &md, err)) == GF_OK) {
  }
  return rc == GF_END_OF_STREAM ? GF_OK : rc;
}

void gf_put_stream_free(gf_put_stream* p) {
  if (!p) return;
  if (p->w.call) {
    if (!p->end.ended) {
      gf_error e;
      gf_error_set(&e, GF_CANCELLED, "DoPut stream freed before the end of the call");
      end_with(&p->end, p->w.call, GF_CANCELLED, &e, NULL);
    }
    gf__ccall_free(p->w.call);
  }
  gf_ipc_encoder_free(p->w.enc);
  free(p->md);
  free(p);
}

/* ---- DoExchange ------------------------------------------------------------------------------ */

struct gf_exchange {
  writer w;
  gf_flight_reader* reader; /* shares w.call; records the final status */
};

gf_status gf_client_do_exchange(gf_client* c, const gf_call_options* o, const gf_descriptor* d,
                                gf_exchange** out, gf_error* err) {
  *out = NULL;
  gf_exchange* x = calloc(1, sizeof(*x));
  if (!x) return gf_error_set(err, GF_NO_MEMORY, "DoExchange: out of memory");
  int rc = gf__client_start(c, o, GF__M_DO_EXCHANGE, &x->w.call, err);
  if (rc) {
    free(x);
    return rc;
  }
  x->reader = reader_new(x->w.call, 0, o ? o->status : NULL, err);
  if (!x->reader) {
    rc = gf__client_end(o, x->w.call, err ? err->code : GF_NO_MEMORY, err);
    free(x);
    return rc;
  }
  if (d) rc = send_fd(&x->w, d, NULL, NULL, 0, err);
  if (rc) {
    gf_error e = err ? *err : (gf_error){0};
    end_with(&x->reader->end, x->w.call, rc, &e, NULL);
    gf_exchange_free(x);
    return rc;
  }
  *out = x;
  return GF_OK;
}

gf_status gf_exchange_begin(gf_exchange* x, const struct ArrowSchema* schema, gf_error* err) {
  return writer_begin(&x->w, NULL, schema, err);
}

gf_status gf_exchange_write(gf_exchange* x, struct ArrowArray* batch, const void* md, size_t len,
                            gf_error* err) {
  return writer_write(&x->w, batch, md, len, err);
}

gf_status gf_exchange_write_metadata(gf_exchange* x, const void* md, size_t len, gf_error* err) {
  return send_fd(&x->w, NULL, NULL, md, len, err);
}

gf_status gf_exchange_done_writing(gf_exchange* x, gf_error* err) {
  return writer_done(&x->w, err);
}

gf_flight_reader* gf_exchange_reader(gf_exchange* x) { return x->reader; }

gf_status gf_exchange_finish(gf_exchange* x, gf_error* err) {
  writer_done(&x->w, NULL);
  struct ArrowArray b;
  gf_bytes md;
  int rc;
  while ((rc = gf_flight_reader_next(x->reader, &b, &md, err)) == GF_OK) {
    if (b.release) b.release(&b);
  }
  return rc == GF_END_OF_STREAM ? GF_OK : rc;
}

void gf_exchange_free(gf_exchange* x) {
  if (!x) return;
  if (x->reader) {
    if (!x->reader->end.ended) {
      gf_error e;
      gf_error_set(&e, GF_CANCELLED, "DoExchange freed before the end of the call");
      end_with(&x->reader->end, x->w.call, GF_CANCELLED, &e, NULL);
    }
    reader_free_data(x->reader);
    free(x->reader);
  }
  gf__ccall_free(x->w.call);
  gf_ipc_encoder_free(x->w.enc);
  free(x);
}
