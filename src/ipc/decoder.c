/* gf_ipc_decoder: per-stream message decoding (Schema, DictionaryBatch with
 * replacement/delta, RecordBatch), message peeking and the FlightInfo schema
 * bytes parser. A decoder is used by one thread at a time; decoded arrays
 * are independent of it and may be released from any thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc_internal.h"

typedef struct dslot {
  int64_t id;
  const struct ArrowSchema* node;
  int has;
  struct ArrowArray arr;
} dslot;

struct gf_ipc_decoder {
  gf_ipc_read_options opt;
  struct ArrowSchema schema;
  int has_schema;
  gf__dict_map ids;
  dslot* dicts;
  size_t n_dicts;
};

void gf__read_options(const gf_ipc_read_options* in, gf_ipc_read_options* out);
void gf__read_options(const gf_ipc_read_options* in, gf_ipc_read_options* out) {
  memset(out, 0, sizeof(*out));
  if (in && in->struct_size) {
    size_t n = in->struct_size < sizeof(*out) ? in->struct_size : sizeof(*out);
    memcpy(out, in, n);
  }
  out->struct_size = sizeof(*out);
  if (out->max_nesting_depth <= 0) out->max_nesting_depth = 64;
  if (out->max_decompressed_bytes <= 0) out->max_decompressed_bytes = (int64_t)1 << 30;
  if (out->max_fields <= 0) out->max_fields = 100000;
}

int gf_ipc_decoder_create(const gf_ipc_read_options* options, gf_ipc_decoder** out,
                          gf_error* err) {
  gf_ipc_decoder* d = calloc(1, sizeof(*d));
  if (d == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory creating IPC decoder");
  gf__read_options(options, &d->opt);
  *out = d;
  return GF_OK;
}

void gf_ipc_decoder_free(gf_ipc_decoder* d) {
  if (d == NULL) return;
  for (size_t i = 0; i < d->n_dicts; i++)
    if (d->dicts[i].has) d->dicts[i].arr.release(&d->dicts[i].arr);
  free(d->dicts);
  gf__dict_map_free(&d->ids);
  if (d->schema.release) d->schema.release(&d->schema);
  free(d);
}

int gf_ipc_decoder_has_schema(const gf_ipc_decoder* d) { return d && d->has_schema; }

int gf_ipc_decoder_schema(const gf_ipc_decoder* d, struct ArrowSchema* out, gf_error* err) {
  if (!d->has_schema) return gf_error_set(err, GF_INVALID_ARGUMENT, "no schema decoded yet");
  return gf_schema_deep_copy(&d->schema, out, err);
}

const struct ArrowSchema* gf_ipc_decoder_schema_ref(const gf_ipc_decoder* d) {
  return d && d->has_schema ? &d->schema : NULL;
}

static int lookup(void* ctx, const struct ArrowSchema* node, struct ArrowArray* out,
                  int64_t* dict_len, gf_error* err) {
  gf_ipc_decoder* d = ctx;
  for (size_t i = 0; i < d->n_dicts; i++) {
    if (d->dicts[i].node != node) continue;
    if (!d->dicts[i].has)
      return gf_error_set(err, GF_INVALID_ARGUMENT,
                          "RecordBatch: field '%s' uses dictionary id %lld before any DictionaryBatch",
                          node->name ? node->name : "", (long long)d->dicts[i].id);
    *dict_len = d->dicts[i].arr.length;
    if (gf__array_share(&d->dicts[i].arr, NULL, out))
      return gf_error_set(err, GF_NO_MEMORY, "out of memory attaching dictionary");
    return GF_OK;
  }
  return gf_error_set(err, GF_INTERNAL, "dictionary-encoded field '%s' has no id", node->name);
}

/* ---- delta concatenation (flat types) ------------------------------------ */

static int getbit(const void* bm, int64_t i) {
  return bm == NULL || ((((const uint8_t*)bm)[i >> 3] >> (i & 7)) & 1);
}

static void setbit(uint8_t* bm, int64_t i, int v) {
  if (v) bm[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static int concat(const struct ArrowArray* x, const struct ArrowArray* y,
                  const struct ArrowSchema* s, struct ArrowArray* out, gf_error* err) {
  gf_type t;
  int rc = gf_type_parse(s->format, &t, err);
  if (rc) return rc;
  int var = t.id == GF_TYPE_BINARY || t.id == GF_TYPE_STRING || t.id == GF_TYPE_LARGE_BINARY ||
            t.id == GF_TYPE_LARGE_STRING;
  if (s->n_children || s->dictionary || (!var && t.id != GF_TYPE_BOOL && t.byte_width <= 0))
    return gf_error_set(err, GF_UNIMPLEMENTED, "delta dictionary of type '%s' not supported",
                        s->format);
  int64_t n = x->length + y->length;
  gf__keep* k = gf__keep_new(NULL);
  if (k == NULL || gf__node_init(out, k, var ? 3 : 2, 0, 0)) {
    gf__keep_unref(k);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  }
  gf__keep_unref(k);
  out->length = n;
  out->null_count = x->null_count + y->null_count;
  size_t bmn = (size_t)(n + 7) / 8 + 8;
  if (out->null_count) {
    uint8_t* bm = calloc(1, bmn);
    if (!bm || gf__keep_add_alloc(k, bm)) goto oom;
    for (int64_t i = 0; i < x->length; i++) setbit(bm, i, getbit(x->buffers[0], x->offset + i));
    for (int64_t i = 0; i < y->length; i++)
      setbit(bm, x->length + i, getbit(y->buffers[0], y->offset + i));
    out->buffers[0] = bm;
  }
  if (t.id == GF_TYPE_BOOL) {
    uint8_t* v = calloc(1, bmn);
    if (!v || gf__keep_add_alloc(k, v)) goto oom;
    for (int64_t i = 0; i < x->length; i++) setbit(v, i, getbit(x->buffers[1], x->offset + i));
    for (int64_t i = 0; i < y->length; i++)
      setbit(v, x->length + i, getbit(y->buffers[1], y->offset + i));
    out->buffers[1] = v;
  } else if (!var) {
    size_t w = (size_t)t.byte_width;
    uint8_t* v = malloc(w * (size_t)n + 8);
    if (!v || gf__keep_add_alloc(k, v)) goto oom;
    memcpy(v, (const uint8_t*)x->buffers[1] + w * (size_t)x->offset, w * (size_t)x->length);
    memcpy(v + w * (size_t)x->length, (const uint8_t*)y->buffers[1] + w * (size_t)y->offset,
           w * (size_t)y->length);
    out->buffers[1] = v;
  } else {
    int w = (t.id == GF_TYPE_BINARY || t.id == GF_TYPE_STRING) ? 4 : 8;
#define OFF(a, i) \
  (w == 4 ? (int64_t)((const int32_t*)(a)->buffers[1])[(a)->offset + (i)] : ((const int64_t*)(a)->buffers[1])[(a)->offset + (i)])
    int64_t x0 = OFF(x, 0), x1 = OFF(x, x->length), y0 = OFF(y, 0), y1 = OFF(y, y->length);
    int64_t total = (x1 - x0) + (y1 - y0);
    if (w == 4 && total > INT32_MAX) {
      out->release(out);
      return gf_error_set(err, GF_INVALID_ARGUMENT, "delta dictionary exceeds 2 GiB of data");
    }
    uint8_t* o = malloc((size_t)(n + 1) * (size_t)w);
    uint8_t* data = malloc((size_t)total + 1);
    if (!o || gf__keep_add_alloc(k, o)) {
      free(data);
      goto oom;
    }
    if (!data || gf__keep_add_alloc(k, data)) goto oom;
    for (int64_t i = 0; i <= n; i++) {
      int64_t v = i <= x->length ? OFF(x, i) - x0 : OFF(y, i - x->length) - y0 + (x1 - x0);
      if (w == 4) ((int32_t*)(void*)o)[i] = (int32_t)v;
      else ((int64_t*)(void*)o)[i] = v;
    }
#undef OFF
    memcpy(data, (const uint8_t*)x->buffers[2] + x0, (size_t)(x1 - x0));
    memcpy(data + (x1 - x0), (const uint8_t*)y->buffers[2] + y0, (size_t)(y1 - y0));
    out->buffers[1] = o;
    out->buffers[2] = data;
  }
  return GF_OK;
oom:
  out->release(out);
  return gf_error_set(err, GF_NO_MEMORY, "out of memory concatenating delta dictionary");
}

/* ---- messages ------------------------------------------------------------- */

static int decode_schema(gf_ipc_decoder* d, const gf__fbt* hdr, gf_error* err) {
  if (d->has_schema)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "unexpected second Schema message in stream");
  int rc = gf__schema_read(hdr, &d->opt, &d->schema, &d->ids, err);
  if (rc) return rc;
  d->dicts = calloc(d->ids.n + 1, sizeof(dslot));
  if (d->dicts == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  d->n_dicts = d->ids.n;
  for (size_t i = 0; i < d->ids.n; i++) {
    d->dicts[i].id = d->ids.e[i].id;
    d->dicts[i].node = d->ids.e[i].node;
  }
  d->has_schema = 1;
  return GF_OK;
}

int gf__decoder_set_schema(gf_ipc_decoder* d, const gf__fbt* schema_tbl, gf_error* err) {
  return decode_schema(d, schema_tbl, err);
}

static int decode_dict(gf_ipc_decoder* d, const gf__fbt* hdr, gf_ipc_body* body, int64_t blen,
                       int version, gf_error* err) {
  int64_t id;
  gf__fbt data;
  uint8_t delta;
  int rc;
  if ((rc = gf__fbt_i64(hdr, 0, 0, &id, "DictionaryBatch.id", err)) ||
      (rc = gf__fbt_table(hdr, 1, &data, "DictionaryBatch.data", err)) ||
      (rc = gf__fbt_u8(hdr, 2, 0, &delta, "DictionaryBatch.isDelta", err)))
    return rc;
  if (!data.present) return gf_error_set(err, GF_INVALID_ARGUMENT, "DictionaryBatch.data: missing");
  dslot* slot = NULL;
  for (size_t i = 0; i < d->n_dicts; i++)
    if (d->dicts[i].id == id) slot = &d->dicts[i];
  if (slot == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "DictionaryBatch.id: %lld is not in the schema",
                        (long long)id);
  char what[64];
  snprintf(what, sizeof(what), "DictionaryBatch(id=%lld)", (long long)id);
  gf__decode_in in = {&data, body, blen, version, &d->opt, lookup, d, what};
  struct ArrowArray arr;
  if ((rc = gf__decode_batch(&in, slot->node->dictionary, 0, &arr, NULL, err))) return rc;
  if (delta && slot->has) {
    struct ArrowArray cat;
    rc = concat(&slot->arr, &arr, slot->node->dictionary, &cat, err);
    arr.release(&arr);
    if (rc) return rc;
    arr = cat;
  }
  if (slot->has) slot->arr.release(&slot->arr);
  slot->arr = arr;
  slot->has = 1;
  return GF_OK;
}

int gf_ipc_message_peek(const uint8_t* metadata, size_t metadata_len, gf_ipc_message_type* type,
                        int64_t* body_len, gf_error* err) {
  gf__fbr r;
  gf__fbt msg, hdr;
  uint8_t ht;
  int64_t bl;
  int version;
  int rc = gf__message_open(&r, metadata, metadata_len, &msg, &ht, &hdr, &bl, &version, err);
  if (rc) return rc;
  if (type) *type = (gf_ipc_message_type)ht;
  if (body_len) *body_len = bl;
  return GF_OK;
}

int gf_ipc_decoder_decode(gf_ipc_decoder* d, const uint8_t* metadata, size_t metadata_len,
                          gf_ipc_body* body, gf_ipc_message_type* type, struct ArrowArray* batch,
                          gf_error* err) {
  gf__fbr r;
  gf__fbt msg, hdr;
  uint8_t ht;
  int64_t bl;
  int version;
  if (batch) memset(batch, 0, sizeof(*batch));
  int rc = gf__message_open(&r, metadata, metadata_len, &msg, &ht, &hdr, &bl, &version, err);
  if (rc) return rc;
  if (type) *type = (gf_ipc_message_type)ht;
  if ((uint64_t)bl > gf__body_len(body))
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "Message.bodyLength %lld exceeds the received body (%zu bytes)",
                        (long long)bl, gf__body_len(body));
  if (ht == GF__HDR_SCHEMA) return decode_schema(d, &hdr, err);
  if (!d->has_schema)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s message before the Schema message",
                        ht == GF__HDR_DICT ? "DictionaryBatch" : "RecordBatch");
  if (ht == GF__HDR_DICT) return decode_dict(d, &hdr, body, bl, version, err);
  if (batch == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "batch output is NULL");
  gf__decode_in in = {&hdr, body, bl, version, &d->opt, lookup, d, "RecordBatch"};
  return gf__decode_batch(&in, &d->schema, 1, batch, NULL, err);
}

/* ---- FlightInfo.schema bytes ------------------------------------------------ */

int gf_ipc_serialize_schema(const struct ArrowSchema* schema, uint8_t** out, size_t* len,
                            gf_error* err) {
  gf__dict_map ids = {0};
  uint8_t* md;
  size_t n;
  int rc = gf__dict_map_build(&ids, schema);
  if (rc == GF_OK) rc = gf__message_build_schema(schema, &ids, &md, &n, err);
  else rc = gf_error_set(err, rc, "schema: cannot assign dictionary ids");
  gf__dict_map_free(&ids);
  if (rc) return rc;
  uint8_t* buf = malloc(n + 8);
  if (buf == NULL) {
    free(md);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory serializing schema");
  }
  uint32_t cont = 0xFFFFFFFFu, l = (uint32_t)n;
  for (int i = 0; i < 4; i++) {
    buf[i] = (uint8_t)(cont >> (8 * i));
    buf[4 + i] = (uint8_t)(l >> (8 * i));
  }
  memcpy(buf + 8, md, n);
  free(md);
  *out = buf;
  *len = n + 8;
  return GF_OK;
}

int gf_ipc_deserialize_schema(const uint8_t* data, size_t len, struct ArrowSchema* out,
                              gf_error* err) {
  memset(out, 0, sizeof(*out));
  if (data == NULL || len < 4) return gf_error_set(err, GF_INVALID_ARGUMENT, "schema bytes: too short");
  size_t pos = 0;
  if (gf__fb_load(data, 4) == 0xFFFFFFFFu) pos = 4;
  if (len - pos < 4) return gf_error_set(err, GF_INVALID_ARGUMENT, "schema bytes: too short");
  int32_t mlen = (int32_t)(uint32_t)gf__fb_load(data + pos, 4);
  pos += 4;
  if (mlen <= 0 || (size_t)mlen > len - pos)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "schema bytes: metadata length %d outside the %zu available bytes",
                        (int)mlen, len - pos);
  gf_ipc_decoder* d;
  int rc = gf_ipc_decoder_create(NULL, &d, err);
  if (rc) return rc;
  gf_ipc_message_type t;
  gf__fbr r;
  gf__fbt msg, hdr;
  uint8_t ht;
  int64_t bl;
  int version;
  rc = gf__message_open(&r, data + pos, (size_t)mlen, &msg, &ht, &hdr, &bl, &version, err);
  if (rc == GF_OK && ht != GF__HDR_SCHEMA)
    rc = gf_error_set(err, GF_INVALID_ARGUMENT, "schema bytes: message is not a Schema");
  (void)t;
  if (rc == GF_OK) rc = decode_schema(d, &hdr, err);
  if (rc == GF_OK) {
    *out = d->schema;
    d->schema.release = NULL;
    d->has_schema = 0;
  }
  gf_ipc_decoder_free(d);
  return rc;
}
