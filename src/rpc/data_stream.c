/* FlightData readers and writers over blocking message sources/sinks (see
 * data_stream.h). Runs on the thread that uses the reader/writer (a server
 * worker or a client thread). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/data_stream.h"
#include "flight/descriptor.h"
#include "gooddata_flight_server/arrow.h"

#define STASH_MAX 64

struct gf_data_reader {
  gf__msg_source_fn fn;
  void* src;
  gf_ipc_decoder* dec;
  gf_descriptor* descriptor;
  gf__flight_data stash[STASH_MAX]; /* messages read ahead while looking for the schema */
  size_t stash_head, stash_n;
  gf__flight_data cur; /* message whose app_metadata was returned last */
  int eos;
  int64_t messages;
  int stream_released;
  gf_error last_err; /* the last failure handed to the plugin or stream view (code 0: none) */
};

gf_data_reader* gf__data_reader_new(gf__msg_source_fn fn, void* src, gf__flight_data* first) {
  gf_data_reader* r = calloc(1, sizeof(*r));
  if (!r) return NULL;
  r->fn = fn;
  r->src = src;
  if (gf_ipc_decoder_create(NULL, &r->dec, NULL)) {
    free(r);
    return NULL;
  }
  if (first) {
    r->descriptor = first->descriptor;
    first->descriptor = NULL;
    r->messages = 1;
    if (first->has_header || first->has_app_metadata || first->has_body) {
      r->stash[0] = *first;
      r->stash_n = 1;
      memset(first, 0, sizeof(*first));
    } else {
      gf__flight_data_clear(first); /* descriptor-only first message (DoExchange) */
    }
  }
  return r;
}

void gf__data_reader_free(gf_data_reader* r) {
  if (!r) return;
  for (size_t i = 0; i < r->stash_n; i++)
    gf__flight_data_clear(&r->stash[(r->stash_head + i) % STASH_MAX]);
  gf__flight_data_clear(&r->cur);
  free(r->descriptor);
  gf_ipc_decoder_free(r->dec);
  free(r);
}

const gf_descriptor* gf_data_reader_descriptor(const gf_data_reader* r) { return r->descriptor; }

/* Reads the next raw message (stash first). */
static int read_raw(gf_data_reader* r, gf__flight_data* out, gf_error* err) {
  if (r->stash_n) {
    *out = r->stash[r->stash_head];
    r->stash_head = (r->stash_head + 1) % STASH_MAX;
    r->stash_n--;
    return GF_OK;
  }
  if (r->eos) return GF_END_OF_STREAM;
  gf__ibuf* msg = NULL;
  int rc = r->fn(r->src, &msg, err);
  if (rc == GF_END_OF_STREAM) r->eos = 1;
  if (rc) return rc;
  rc = gf__flight_data_decode(msg, out, err);
  gf__ibuf_free(msg);
  if (rc) return rc;
  r->messages++;
  if (!r->descriptor && out->descriptor && r->messages == 1) {
    r->descriptor = out->descriptor;
    out->descriptor = NULL;
  }
  return GF_OK;
}

/* Feeds a message with a header to the decoder. */
static int decode(gf_data_reader* r, gf__flight_data* fd, gf_ipc_message_type* type,
                  struct ArrowArray* batch, gf_error* err) {
  batch->release = NULL;
  return gf_ipc_decoder_decode(r->dec, fd->header, fd->header_len, fd->body, type, batch, err);
}

/* Remembers a failure handed to the plugin, so a handler that returns the
 * reader's status without gf_call_error still sends its message. */
static int remember(gf_data_reader* r, int rc, const gf_error* err) {
  if (rc != GF_OK && rc != GF_END_OF_STREAM) {
    r->last_err.code = rc;
    snprintf(r->last_err.message, sizeof(r->last_err.message), "%s", err && err->message[0] ? err->message : "");
  }
  return rc;
}

int gf__data_reader_last_error(const gf_data_reader* r, const char** message) {
  if (message) *message = r->last_err.message;
  return r->last_err.code;
}

static int reader_schema(gf_data_reader* r, struct ArrowSchema* out, gf_error* err);
static int reader_next(gf_data_reader* r, struct ArrowArray* batch, gf_bytes* app_metadata, gf_error* err);

gf_status gf_data_reader_schema(gf_data_reader* r, struct ArrowSchema* out, gf_error* err) {
  gf_error local = {0};
  if (!err) err = &local;
  return remember(r, reader_schema(r, out, err), err);
}

gf_status gf_data_reader_next(gf_data_reader* r, struct ArrowArray* batch, gf_bytes* app_metadata,
                              gf_error* err) {
  gf_error local = {0};
  if (!err) err = &local;
  return remember(r, reader_next(r, batch, app_metadata, err), err);
}

static int reader_schema(gf_data_reader* r, struct ArrowSchema* out, gf_error* err) {
  /* Messages before the schema that are not the schema are stashed. */
  gf__flight_data pending[STASH_MAX];
  size_t np = 0;
  int rc = GF_OK;
  while (!gf_ipc_decoder_has_schema(r->dec)) {
    gf__flight_data fd;
    rc = read_raw(r, &fd, err);
    if (rc) break;
    if (fd.has_header && fd.header_len) {
      gf_ipc_message_type type = GF_IPC_MESSAGE_NONE;
      int64_t body_len = 0;
      rc = gf_ipc_message_peek(fd.header, fd.header_len, &type, &body_len, err);
      if (!rc && type == GF_IPC_MESSAGE_SCHEMA) {
        struct ArrowArray dummy;
        rc = decode(r, &fd, &type, &dummy, err);
        gf__flight_data_clear(&fd);
        break;
      }
      if (!rc) rc = gf_error_set(err, GF_INVALID_ARGUMENT, "FlightData: received a %s message before the schema",
                                 type == GF_IPC_MESSAGE_RECORD_BATCH ? "record batch" : "dictionary");
      gf__flight_data_clear(&fd);
      break;
    }
    if (np == STASH_MAX - r->stash_n) {
      gf__flight_data_clear(&fd);
      rc = gf_error_set(err, GF_RESOURCE_EXHAUSTED, "FlightData: more than %d metadata-only messages before the schema", STASH_MAX);
      break;
    }
    pending[np++] = fd;
  }
  /* Put pending messages back in front of the stash, in order. */
  for (size_t i = np; i > 0; i--) {
    r->stash_head = (r->stash_head + STASH_MAX - 1) % STASH_MAX;
    r->stash[r->stash_head] = pending[i - 1];
    r->stash_n++;
  }
  if (rc) return rc;
  return gf_ipc_decoder_schema(r->dec, out, err);
}

static int reader_next(gf_data_reader* r, struct ArrowArray* batch, gf_bytes* app_metadata,
                       gf_error* err) {
  batch->release = NULL;
  if (app_metadata) *app_metadata = (gf_bytes){NULL, 0};
  for (;;) {
    gf__flight_data_clear(&r->cur);
    int rc = read_raw(r, &r->cur, err);
    if (rc) return rc;
    gf__flight_data* fd = &r->cur;
    if (app_metadata && fd->has_app_metadata) *app_metadata = (gf_bytes){fd->app_metadata, fd->app_metadata_len};
    if (!fd->has_header || fd->header_len == 0) return GF_OK; /* metadata-only */
    gf_ipc_message_type type = GF_IPC_MESSAGE_NONE;
    rc = decode(r, fd, &type, batch, err);
    if (rc) return rc;
    if (type == GF_IPC_MESSAGE_RECORD_BATCH) return GF_OK;
    if (app_metadata) *app_metadata = (gf_bytes){NULL, 0};
  }
}

/* ---- ArrowArrayStream view -------------------------------------------------------- */

static int rs_get_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  gf_data_reader* r = s->private_data;
  int rc = gf_data_reader_schema(r, out, NULL); /* a failure lands in last_err */
  return rc == GF_OK ? 0 : (rc == GF_END_OF_STREAM ? 5 /* EIO */ : 22 /* EINVAL */);
}

static int rs_get_next(struct ArrowArrayStream* s, struct ArrowArray* out) {
  gf_data_reader* r = s->private_data;
  for (;;) {
    int rc = gf_data_reader_next(r, out, NULL, NULL);
    if (rc == GF_END_OF_STREAM) {
      out->release = NULL;
      return 0;
    }
    if (rc) return 22;
    if (out->release) return 0;
  }
}

static const char* rs_last_error(struct ArrowArrayStream* s) {
  gf_data_reader* r = s->private_data;
  return r->last_err.code && r->last_err.message[0] ? r->last_err.message : NULL;
}

static void rs_release(struct ArrowArrayStream* s) { s->release = NULL; }

gf_status gf_data_reader_as_stream(gf_data_reader* r, struct ArrowArrayStream* out) {
  memset(out, 0, sizeof(*out));
  out->get_schema = rs_get_schema;
  out->get_next = rs_get_next;
  out->get_last_error = rs_last_error;
  out->release = rs_release;
  out->private_data = r;
  return GF_OK;
}

/* ---- encoding --------------------------------------------------------------------- */

void gf__obuf_array_free(gf__obuf** a, size_t n) {
  if (!a) return;
  for (size_t i = 0; i < n; i++) gf__obuf_free(a[i]);
  free(a);
}

int gf__flight_encode_schema(const struct ArrowSchema* schema, const gf_descriptor* descriptor,
                      gf__obuf** out, gf_error* err) {
  gf_ipc_payload* pl = NULL;
  int rc = gf_ipc_encode_schema(schema, &pl, err);
  if (rc) return rc;
  gf__obuf* b = gf__obuf_new();
  if (!b) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
  else rc = gf__flight_data_encode(descriptor, pl, NULL, 0, b, err);
  gf_ipc_payload_unref(pl);
  if (rc) {
    gf__obuf_free(b);
    return rc;
  }
  *out = b;
  return GF_OK;
}

static int push_obuf(gf__obuf*** arr, size_t* n, size_t* cap, gf__obuf* b) {
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 4;
    gf__obuf** a = realloc(*arr, c * sizeof(*a));
    if (!a) return GF_NO_MEMORY;
    *arr = a;
    *cap = c;
  }
  (*arr)[(*n)++] = b;
  return GF_OK;
}

static int payloads_to_msgs(gf_ipc_payload** pls, size_t np, const void* app_md, size_t app_len,
                            gf__obuf*** arr, size_t* n, size_t* cap, gf_error* err);

static int encode_piece(gf_ipc_encoder* enc, struct ArrowArray* piece, const void* app_md,
                        size_t app_len, gf__obuf*** arr, size_t* n, size_t* cap, gf_error* err) {
  gf_ipc_payload** pls = NULL;
  size_t np = 0;
  int rc = gf_ipc_encoder_encode_batch(enc, piece, &pls, &np, err);
  if (rc) return rc;
  return payloads_to_msgs(pls, np, app_md, app_len, arr, n, cap, err);
}

static int has_dictionary(const struct ArrowSchema* s) {
  if (s->dictionary) return 1;
  for (int64_t i = 0; i < s->n_children; i++)
    if (has_dictionary(s->children[i])) return 1;
  return 0;
}

/* Payloads -> FlightData messages appended to arr (unrefs the payloads). */
static int payloads_to_msgs(gf_ipc_payload** pls, size_t np, const void* app_md, size_t app_len,
                            gf__obuf*** arr, size_t* n, size_t* cap, gf_error* err) {
  int rc = GF_OK;
  for (size_t i = 0; i < np; i++) {
    if (!rc) {
      gf__obuf* b = gf__obuf_new();
      int is_batch = pls[i]->type == GF_IPC_MESSAGE_RECORD_BATCH;
      if (!b) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
      else rc = gf__flight_data_encode(NULL, pls[i], is_batch ? app_md : NULL, is_batch ? app_len : 0, b, err);
      if (!rc && push_obuf(arr, n, cap, b)) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
      if (rc) gf__obuf_free(b);
    }
    gf_ipc_payload_unref(pls[i]);
  }
  free(pls);
  return rc;
}

/* Fast path (no dictionaries): encode the whole batch once; when its body
 * fits max_batch_bytes (the usual case) no split is needed, which saves the
 * split's two trial encodings per batch. 1 = done (rc in *rc), 0 = split;
 * the batch survives in *batch through a holder either way. */
static int encode_whole(gf_ipc_encoder* enc, struct ArrowArray* batch, int64_t max_batch_bytes,
                        const void* app_md, size_t app_len, gf__obuf*** arr, size_t* n, size_t* cap,
                        int* rc, gf_error* err) {
  gf_array_holder* h = NULL;
  struct ArrowArray view;
  if (gf_array_holder_create(batch, &h, NULL)) return 0; /* batch untouched on failure? keep split */
  batch->release = NULL;
  if (gf_array_holder_share(h, &view, NULL)) {
    *rc = gf_array_holder_share(h, batch, err);
    gf_array_holder_unref(h);
    return *rc != GF_OK;
  }
  gf_ipc_payload** pls = NULL;
  size_t np = 0;
  *rc = gf_ipc_encoder_encode_batch(enc, &view, &pls, &np, err);
  if (*rc == GF_OK && np == 1 && pls[0]->body_len > max_batch_bytes) {
    gf_ipc_payload_unref(pls[0]);
    free(pls);
    *rc = gf_array_holder_share(h, batch, err); /* split the original */
    gf_array_holder_unref(h);
    return *rc != GF_OK;
  }
  gf_array_holder_unref(h);
  if (*rc == GF_OK) *rc = payloads_to_msgs(pls, np, app_md, app_len, arr, n, cap, err);
  return 1;
}

int gf__flight_encode_batch(gf_ipc_encoder* enc, const struct ArrowSchema* schema, struct ArrowArray* batch,
                     int64_t max_batch_bytes, const void* app_md, size_t app_len,
                     gf__obuf*** out, size_t* n_out, gf_error* err) {
  struct ArrowArray* pieces = NULL;
  size_t np = 0;
  struct ArrowArray single;
  int rc = GF_OK;
  gf__obuf** arr = NULL;
  size_t n = 0, cap = 0;
  if (max_batch_bytes > 0 && !has_dictionary(schema) &&
      encode_whole(enc, batch, max_batch_bytes, app_md, app_len, &arr, &n, &cap, &rc, err)) {
    if (rc) {
      gf__obuf_array_free(arr, n);
      return rc;
    }
    *out = arr;
    *n_out = n;
    return GF_OK;
  }
  if (max_batch_bytes > 0) {
    rc = gf_ipc_split_batch(batch, schema, max_batch_bytes, &pieces, &np, err);
    if (rc) return rc;
  } else {
    single = *batch;
    batch->release = NULL;
    pieces = &single;
    np = 1;
  }
  for (size_t i = 0; i < np; i++) {
    if (!rc) rc = encode_piece(enc, &pieces[i], app_md, app_len, &arr, &n, &cap, err);
    if (pieces[i].release) pieces[i].release(&pieces[i]);
  }
  if (pieces != &single) free(pieces);
  if (rc) {
    gf__obuf_array_free(arr, n);
    return rc;
  }
  *out = arr;
  *n_out = n;
  return GF_OK;
}

/* ---- writer --------------------------------------------------------------------- */

struct gf_data_writer {
  gf__msg_sink_fn fn;
  void* sink;
  int64_t max_batch_bytes;
  gf_descriptor* descriptor; /* sent with the first message, then cleared */
  gf_ipc_encoder* enc;
  struct ArrowSchema schema;
};

gf_data_writer* gf__data_writer_new(gf__msg_sink_fn fn, void* sink, int64_t max_batch_bytes,
                                    const gf_descriptor* descriptor) {
  gf_data_writer* w = calloc(1, sizeof(*w));
  if (!w) return NULL;
  w->fn = fn;
  w->sink = sink;
  w->max_batch_bytes = max_batch_bytes;
  if (descriptor && !(w->descriptor = gf__descriptor_copy(descriptor))) {
    free(w);
    return NULL;
  }
  return w;
}

void gf__data_writer_free(gf_data_writer* w) {
  if (!w) return;
  free(w->descriptor);
  gf_ipc_encoder_free(w->enc);
  if (w->schema.release) w->schema.release(&w->schema);
  free(w);
}

gf_status gf_data_writer_begin(gf_data_writer* w, const struct ArrowSchema* schema, gf_error* err) {
  if (w->enc) return gf_error_set(err, GF_INVALID_ARGUMENT, "gf_data_writer_begin: already called");
  int rc = gf_schema_deep_copy(schema, &w->schema, err);
  if (rc) return rc;
  rc = gf_ipc_encoder_create(schema, NULL, &w->enc, err);
  if (rc) return rc;
  gf__obuf* b = NULL;
  rc = gf__flight_encode_schema(schema, w->descriptor, &b, err);
  if (rc) return rc;
  free(w->descriptor);
  w->descriptor = NULL;
  return w->fn(w->sink, b, err);
}

gf_status gf_data_writer_write(gf_data_writer* w, struct ArrowArray* batch,
                               const void* app_metadata, size_t len, gf_error* err) {
  if (!w->enc) {
    if (batch->release) batch->release(batch);
    return gf_error_set(err, GF_INVALID_ARGUMENT, "gf_data_writer_write: call gf_data_writer_begin first");
  }
  gf__obuf** arr = NULL;
  size_t n = 0;
  int rc = gf__flight_encode_batch(w->enc, &w->schema, batch, w->max_batch_bytes, app_metadata, len, &arr, &n, err);
  if (rc) return rc;
  size_t i = 0;
  for (; i < n && !rc; i++) {
    rc = w->fn(w->sink, arr[i], err);
    arr[i] = NULL;
  }
  gf__obuf_array_free(arr, n);
  return rc;
}

gf_status gf_data_writer_write_metadata(gf_data_writer* w, const void* app_metadata, size_t len,
                                        gf_error* err) {
  gf__obuf* b = gf__obuf_new();
  if (!b) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  int rc = gf__flight_data_encode(w->descriptor, NULL, app_metadata, len, b, err);
  if (rc) {
    gf__obuf_free(b);
    return rc;
  }
  free(w->descriptor);
  w->descriptor = NULL;
  return w->fn(w->sink, b, err);
}
