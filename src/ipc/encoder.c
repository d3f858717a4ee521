/* gf_ipc_encoder: per-stream record batch encoding with dictionary tracking
 * (first send, unchanged by identity or content, delta, replacement), the
 * Schema message encoder and gf_ipc_split_batch. An encoder is used by one
 * thread at a time; its payloads may be released from any thread. */
#include <stdlib.h>
#include <string.h>

#include "arrow/concat.h"
#include "ipc/ipc_internal.h"

typedef struct sent {
  gf__src* src;                 /* keeps arr alive */
  const struct ArrowArray* arr; /* last dictionary sent for this id */
} sent;

struct gf_ipc_encoder {
  struct ArrowSchema schema;
  gf__dict_map ids;
  gf_ipc_write_options opt;
  sent* sent;
};

static void write_options(const gf_ipc_write_options* in, gf_ipc_write_options* out) {
  memset(out, 0, sizeof(*out));
  out->compression = GF_IPC_COMPRESSION_NONE;
  if (in && in->struct_size) {
    size_t n = in->struct_size < sizeof(*out) ? in->struct_size : sizeof(*out);
    memcpy(out, in, n);
  }
  out->struct_size = sizeof(*out);
}

gf_status gf_ipc_encode_schema(const struct ArrowSchema* schema, gf_ipc_payload** out,
                               gf_error* err) {
  gf__dict_map ids = {0};
  uint8_t* md;
  size_t n;
  int rc = gf__dict_map_build(&ids, schema);
  if (rc) rc = gf_error_set(err, rc, "schema: cannot assign dictionary ids");
  else rc = gf__message_build_schema(schema, &ids, &md, &n, err);
  gf__dict_map_free(&ids);
  if (rc) return rc;
  if (gf__payload_new(GF_IPC_MESSAGE_SCHEMA, md, n, out))
    return gf_error_set(err, GF_NO_MEMORY, "out of memory encoding schema");
  return GF_OK;
}

gf_status gf_ipc_encoder_create(const struct ArrowSchema* schema,
                                const gf_ipc_write_options* options, gf_ipc_encoder** out,
                                gf_error* err) {
  gf_ipc_encoder* e = calloc(1, sizeof(*e));
  if (e == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory creating IPC encoder");
  write_options(options, &e->opt);
  if (e->opt.compression < GF_IPC_COMPRESSION_NONE || e->opt.compression > GF_IPC_COMPRESSION_ZSTD) {
    free(e);
    return gf_error_set(err, GF_INVALID_ARGUMENT, "write options: unknown compression %d",
                        (int)options->compression);
  }
  int rc = gf_schema_deep_copy(schema, &e->schema, err);
  if (rc) {
    free(e);
    return rc;
  }
  if (strcmp(e->schema.format, "+s") != 0) {
    gf_ipc_encoder_free(e);
    return gf_error_set(err, GF_INVALID_ARGUMENT, "schema: top-level ArrowSchema must be '+s'");
  }
  if (gf__dict_map_build(&e->ids, &e->schema) ||
      (e->sent = calloc(e->ids.n + 1, sizeof(sent))) == NULL) {
    gf_ipc_encoder_free(e);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory creating IPC encoder");
  }
  *out = e;
  return GF_OK;
}

void gf_ipc_encoder_free(gf_ipc_encoder* e) {
  if (e == NULL) return;
  for (size_t i = 0; e->sent && i < e->ids.n; i++) gf__src_unref(e->sent[i].src);
  free(e->sent);
  gf__dict_map_free(&e->ids);
  if (e->schema.release) e->schema.release(&e->schema);
  free(e);
}

/* ---- dictionary collection ------------------------------------------------ */

typedef struct dwork {
  size_t idx; /* index in ids */
  const struct ArrowArray* arr;
  const struct ArrowSchema* schema; /* value schema */
} dwork;

typedef struct dlist {
  dwork* w;
  size_t n, cap;
} dlist;

static int collect(gf_ipc_encoder* e, const struct ArrowArray* a, const struct ArrowSchema* s,
                   dlist* l, int depth, gf_error* err) {
  if (depth > 200) return gf_error_set(err, GF_INVALID_ARGUMENT, "array nested too deeply");
  if (a->n_children < s->n_children)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "field '%s': array has fewer children than schema",
                        s->name ? s->name : "");
  if (s->dictionary) {
    if (a->dictionary == NULL)
      return gf_error_set(err, GF_INVALID_ARGUMENT, "field '%s': dictionary-encoded array without dictionary",
                          s->name ? s->name : "");
    int rc = collect(e, a->dictionary, s->dictionary, l, depth + 1, err);
    if (rc) return rc;
    size_t idx = 0;
    while (idx < e->ids.n && e->ids.e[idx].node != s) idx++;
    if (idx == e->ids.n) return gf_error_set(err, GF_INTERNAL, "dictionary id not found");
    if (l->n == l->cap) {
      size_t nc = l->cap ? l->cap * 2 : 8;
      dwork* w = realloc(l->w, nc * sizeof(*w));
      if (w == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
      l->w = w;
      l->cap = nc;
    }
    l->w[l->n++] = (dwork){idx, a->dictionary, s->dictionary};
    return GF_OK;
  }
  for (int64_t i = 0; i < s->n_children; i++) {
    int rc = collect(e, a->children[i], s->children[i], l, depth + 1, err);
    if (rc) return rc;
  }
  return GF_OK;
}

static int same_identity(const struct ArrowArray* x, const struct ArrowArray* y) {
  if (x == y) return 1;
  if (x->length != y->length || x->offset != y->offset || x->n_buffers != y->n_buffers ||
      x->n_children != y->n_children || (x->dictionary == NULL) != (y->dictionary == NULL))
    return 0;
  for (int64_t i = 0; i < x->n_buffers; i++)
    if (x->buffers[i] != y->buffers[i]) return 0;
  for (int64_t i = 0; i < x->n_children; i++)
    if (!same_identity(x->children[i], y->children[i])) return 0;
  return x->dictionary == NULL || same_identity(x->dictionary, y->dictionary);
}

/* Compares arr[0, len) with prev[0, len) logically: bytes under null slots
 * and trailing bits are ignored. Nested dictionary-encoded values compare by
 * index: readers resolve them against the current inner dictionary, which
 * has its own delta/replacement decision. */
static int range_equal(const dwork* w, const struct ArrowArray* prev, int64_t len, int* eq) {
  *eq = gf__array_range_equal_indices(w->arr, 0, prev, 0, len, w->schema);
  return GF_OK;
}

/* Decides what to send for one dictionary: *out NULL = nothing. */
static int dict_payload(gf_ipc_encoder* e, const dwork* w, gf__src* src, gf_ipc_payload** out,
                        gf_error* err) {
  sent* st = &e->sent[w->idx];
  int64_t id = e->ids.e[w->idx].id;
  const struct ArrowArray* prev = st->arr;
  const struct ArrowArray* a = w->arr;
  int eq = 0, rc;
  *out = NULL;
  if (prev && same_identity(prev, a)) return GF_OK;
  if (prev && prev->length == a->length) {
    if ((rc = range_equal(w, prev, a->length, &eq))) return rc;
  }
  if (!eq) {
    int delta = 0;
    if (prev && e->opt.emit_dictionary_deltas && a->length > prev->length && prev->length > 0) {
      if ((rc = range_equal(w, prev, prev->length, &delta))) return rc;
    }
    if (delta)
      rc = gf__encode_batch(a, w->schema, &e->ids, GF_IPC_MESSAGE_DICTIONARY_BATCH,
                            a->offset + prev->length, a->length - prev->length, id, 1, &e->opt,
                            src, out, err);
    else
      rc = gf__encode_batch(a, w->schema, &e->ids, GF_IPC_MESSAGE_DICTIONARY_BATCH, a->offset,
                            a->length, id, 0, &e->opt, src, out, err);
    if (rc) return rc;
  }
  gf__src_ref(src);
  gf__src_unref(st->src);
  st->src = src;
  st->arr = a;
  return GF_OK;
}

gf_status gf_ipc_encoder_encode_batch(gf_ipc_encoder* e, struct ArrowArray* batch,
                                      gf_ipc_payload*** out, size_t* n_out, gf_error* err) {
  *out = NULL;
  *n_out = 0;
  if (batch == NULL || batch->release == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "record batch: released or NULL array");
  gf__src* src = gf__src_new(batch);
  if (src == NULL) {
    batch->release(batch);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  }
  dlist l = {0};
  gf_ipc_payload** res = NULL;
  size_t n = 0;
  int rc = gf_array_validate(&src->arr, &e->schema, GF_VALIDATE_DEFAULT, err);
  if (rc) gf_error_prefix(err, "record batch does not match the stream schema");
  if (rc == GF_OK) rc = collect(e, &src->arr, &e->schema, &l, 0, err);
  if (rc == GF_OK && (res = calloc(l.n + 1, sizeof(*res))) == NULL)
    rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
  for (size_t i = 0; rc == GF_OK && i < l.n; i++) {
    gf_ipc_payload* p;
    rc = dict_payload(e, &l.w[i], src, &p, err);
    if (rc == GF_OK && p) res[n++] = p;
  }
  if (rc == GF_OK)
    rc = gf__encode_batch(&src->arr, &e->schema, &e->ids, GF_IPC_MESSAGE_RECORD_BATCH,
                          src->arr.offset, src->arr.length, 0, 0, &e->opt, src, &res[n], err);
  if (rc == GF_OK) n++;
  free(l.w);
  gf__src_unref(src);
  if (rc) {
    for (size_t i = 0; i < n; i++) gf_ipc_payload_unref(res[i]);
    free(res);
    return rc;
  }
  *out = res;
  *n_out = n;
  return GF_OK;
}

/* ---- splitting -------------------------------------------------------------- */

static int body_size(const struct ArrowArray* a, const struct ArrowSchema* s, int64_t off,
                     int64_t len, int64_t* size, gf_error* err) {
  gf__dict_map ids = {0};
  gf_ipc_payload* p;
  int rc = gf__encode_batch(a, s, &ids, GF_IPC_MESSAGE_RECORD_BATCH, off, len, 0, 0, NULL, NULL,
                            &p, err);
  if (rc) return rc;
  *size = p->body_len;
  gf_ipc_payload_unref(p);
  return GF_OK;
}

static int make_piece(gf__keep* k, const struct ArrowArray* a, int64_t off, int64_t len,
                      struct ArrowArray* out, gf_error* err) {
  if (gf__array_share(a, k, out)) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  out->offset = off;
  out->length = len;
  out->null_count = 0;
  return GF_OK;
}

gf_status gf_ipc_split_batch(struct ArrowArray* batch, const struct ArrowSchema* schema,
                             int64_t max_body_bytes, struct ArrowArray** out, size_t* n_out,
                             gf_error* err) {
  *out = NULL;
  *n_out = 0;
  if (batch == NULL || batch->release == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "split: released or NULL batch");
  gf__src* src = gf__src_new(batch);
  gf__keep* k = gf__keep_new(NULL);
  if (src == NULL || k == NULL) {
    if (src) gf__src_unref(src);
    else batch->release(batch);
    free(k);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  }
  k->src = src;
  const struct ArrowArray* a = &src->arr;
  int64_t total;
  int rc = gf_array_validate(a, schema, GF_VALIDATE_DEFAULT, err);
  if (rc == GF_OK) rc = body_size(a, schema, a->offset, a->length, &total, err);
  struct ArrowArray* res = NULL;
  size_t n = 0, cap = 0;
  int64_t start = 0;
  int64_t step = a->length;
  if (rc == GF_OK && total > max_body_bytes && a->length > 1 && max_body_bytes > 0)
    step = (int64_t)((double)a->length * (double)max_body_bytes / (double)total);
  if (step < 1) step = 1;
  while (rc == GF_OK && (start < a->length || n == 0)) {
    int64_t len = a->length - start < step ? a->length - start : step;
    int64_t sz;
    while (len > 1) {
      if ((rc = body_size(a, schema, a->offset + start, len, &sz, err))) break;
      if (sz <= max_body_bytes) break;
      len /= 2;
    }
    if (rc) break;
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      struct ArrowArray* r = realloc(res, cap * sizeof(*r));
      if (r == NULL) {
        rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
        break;
      }
      res = r;
    }
    if ((rc = make_piece(k, a, a->offset + start, len, &res[n], err))) break;
    n++;
    start += len;
  }
  gf__keep_unref(k);
  if (rc) {
    for (size_t i = 0; i < n; i++) res[i].release(&res[i]);
    free(res);
    return rc;
  }
  *out = res;
  *n_out = n;
  return GF_OK;
}
