/* gf_ipc_decoder: per-stream message decoding (Schema, DictionaryBatch with
 * replacement/delta, RecordBatch), message peeking and the FlightInfo schema
 * bytes parser. A decoder is used by one thread at a time; decoded arrays
 * are independent of it and may be released from any thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/concat.h"
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
  int big_endian;
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

gf_status gf_ipc_decoder_create(const gf_ipc_read_options* options, gf_ipc_decoder** out,
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

bool gf_ipc_decoder_has_schema(const gf_ipc_decoder* d) { return d && d->has_schema; }

gf_status gf_ipc_decoder_schema(const gf_ipc_decoder* d, struct ArrowSchema* out, gf_error* err) {
  if (!d->has_schema) return gf_error_set(err, GF_INVALID_ARGUMENT, "no schema decoded yet");
  return gf_schema_deep_copy(&d->schema, out, err);
}

const struct ArrowSchema* gf_ipc_decoder_schema_ref(const gf_ipc_decoder* d) {
  return d && d->has_schema ? &d->schema : NULL;
}

/* A column whose values are all null may arrive before its dictionary (the
 * spec's edge case): it gets an empty dictionary of the value type. */
static int empty_dictionary(const struct ArrowSchema* node, struct ArrowArray* out,
                            int64_t* dict_len, gf_error* err) {
  gf_builder* b;
  int rc = gf_builder_create(node->dictionary, &b, err);
  if (rc) return rc;
  struct ArrowArray tmp;
  rc = gf_builder_finish(b, &tmp, err);
  gf_builder_free(b);
  if (rc) return rc;
  if (out->release) out->release(out);
  gf_array_move(&tmp, out);
  *dict_len = 0;
  return GF_OK;
}

static int lookup(void* ctx, const struct ArrowSchema* node, int all_null, struct ArrowArray* out,
                  int64_t* dict_len, gf_error* err) {
  gf_ipc_decoder* d = ctx;
  for (size_t i = 0; i < d->n_dicts; i++) {
    if (d->dicts[i].node != node) continue;
    if (!d->dicts[i].has && all_null) return empty_dictionary(node, out, dict_len, err);
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

/* ---- messages ------------------------------------------------------------- */

static int decode_schema(gf_ipc_decoder* d, const gf__fbt* hdr, gf_error* err) {
  if (d->has_schema)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "unexpected second Schema message in stream");
  int rc = gf__schema_read(hdr, &d->opt, &d->schema, &d->ids, &d->big_endian, err);
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

/* Re-roots a self-owned array (concatenation result) on a keep-alive holder,
 * so that batches sharing the dictionary keep it alive after the decoder
 * replaces or extends it. */
static int adopt(struct ArrowArray* a, gf_error* err) {
  gf__src* holder = gf__src_new(a);
  gf__keep* k = holder ? gf__keep_new(NULL) : NULL;
  if (k == NULL) {
    if (holder) gf__src_unref(holder);
    else a->release(a);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  }
  k->src = holder;
  int rc = gf__array_share(&holder->arr, k, a);
  gf__keep_unref(k);
  if (rc) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  return GF_OK;
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
  gf__decode_in in = {&data, body, blen, version, &d->opt, lookup, d, what, d->big_endian};
  struct ArrowArray arr;
  if ((rc = gf__decode_batch(&in, slot->node->dictionary, 0, &arr, NULL, err))) return rc;
  if (delta && slot->has) {
    struct ArrowArray cat;
    const struct ArrowArray* parts[2] = {&slot->arr, &arr};
    rc = gf__array_concat(parts, 2, slot->node->dictionary, &cat, err);
    if (rc) gf_error_prefix(err, "%s (delta)", what);
    else rc = adopt(&cat, err);
    arr.release(&arr);
    if (rc) return rc;
    arr = cat;
  }
  if (slot->has) slot->arr.release(&slot->arr);
  slot->arr = arr;
  slot->has = 1;
  return GF_OK;
}

gf_status gf_ipc_message_peek(const uint8_t* metadata, size_t metadata_len,
                              gf_ipc_message_type* type, int64_t* body_len, gf_error* err) {
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

gf_status gf_ipc_decoder_decode(gf_ipc_decoder* d, const uint8_t* metadata, size_t metadata_len,
                                gf_ipc_body* body, gf_ipc_message_type* type,
                                struct ArrowArray* batch, gf_error* err) {
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
  gf__decode_in in = {&hdr, body, bl, version, &d->opt, lookup, d, "RecordBatch", d->big_endian};
  return gf__decode_batch(&in, &d->schema, 1, batch, NULL, err);
}

/* ---- FlightInfo.schema bytes ------------------------------------------------ */

gf_status gf_ipc_serialize_schema(const struct ArrowSchema* schema, uint8_t** out, size_t* len,
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

gf_status gf_ipc_deserialize_schema(const uint8_t* data, size_t len, struct ArrowSchema* out,
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
