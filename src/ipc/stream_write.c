/* IPC stream and file format writers: encapsulated messages (continuation
 * marker, int32 length, padded metadata, body), EOS, and the file format
 * (ARROW1 magic, stream, Footer flatbuffer with Blocks, footer size, magic),
 * written to a FILE* or a memory buffer. Caller's thread. */
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc_internal.h"

static const uint8_t zero8[8];

int gf__write_payload(gf__sink_fn fn, void* ctx, const gf_ipc_payload* p, int64_t* written,
                      int64_t* md_len_out, gf_error* err) {
  uint8_t pre[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
  size_t mpad = (p->metadata_len + 7) & ~(size_t)7;
  for (int i = 0; i < 4; i++) pre[4 + i] = (uint8_t)((uint32_t)mpad >> (8 * i));
  int ok = fn(ctx, pre, 8) && fn(ctx, p->metadata, p->metadata_len) &&
           fn(ctx, zero8, mpad - p->metadata_len);
  for (size_t i = 0; ok && i < p->n_buffers; i++) {
    size_t n = (size_t)p->buffers[i].len;
    ok = (n == 0 || fn(ctx, p->buffers[i].data, n)) && fn(ctx, zero8, ((n + 7) & ~(size_t)7) - n);
  }
  if (!ok) return gf_error_set(err, GF_IO_ERROR, "write failed");
  if (md_len_out) *md_len_out = 8 + (int64_t)mpad;
  if (written) *written += 8 + (int64_t)mpad + p->body_len;
  return GF_OK;
}

static int file_sink(void* ctx, const void* data, size_t len) {
  return len == 0 || fwrite(data, 1, len, (FILE*)ctx) == len;
}

typedef struct membuf {
  uint8_t* p;
  size_t len, cap;
} membuf;

static int mem_sink(void* ctx, const void* data, size_t len) {
  membuf* m = ctx;
  if (len == 0) return 1;
  if (m->len + len > m->cap) {
    size_t nc = m->cap ? m->cap : 4096;
    while (nc < m->len + len) nc *= 2;
    uint8_t* q = realloc(m->p, nc);
    if (q == NULL) return 0;
    m->p = q;
    m->cap = nc;
  }
  memcpy(m->p + m->len, data, len);
  m->len += len;
  return 1;
}

typedef struct block {
  int64_t offset;
  int32_t md_len;
  int64_t body_len;
} block;

typedef struct blocks {
  block* b;
  size_t n, cap;
} blocks;

static int add_block(blocks* l, int64_t off, int64_t md, int64_t body) {
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 16;
    block* q = realloc(l->b, nc * sizeof(*q));
    if (q == NULL) return GF_NO_MEMORY;
    l->b = q;
    l->cap = nc;
  }
  l->b[l->n++] = (block){off, (int32_t)md, body};
  return GF_OK;
}

/* id/isDelta of a DictionaryBatch payload we produced. */
static void dict_info(const gf_ipc_payload* p, int64_t* id, int* delta) {
  gf__fbr r;
  gf__fbt msg, hdr;
  uint8_t ht, d = 0;
  int64_t bl;
  int v;
  *id = -1;
  *delta = 0;
  if (gf__message_open(&r, p->metadata, p->metadata_len, &msg, &ht, &hdr, &bl, &v, NULL)) return;
  gf__fbt_i64(&hdr, 0, 0, id, "", NULL);
  gf__fbt_u8(&hdr, 2, 0, &d, "", NULL);
  *delta = d;
}

#define F(id_, size_, val_) ((gf__fb_field){(uint16_t)(id_), (uint8_t)(size_), 0, (uint64_t)(val_)})
#define FO(id_) ((gf__fb_field){(uint16_t)(id_), 4, 1, 0})

static void write_blocks(gf__fbb* b, size_t slot, const blocks* l) {
  size_t vec;
  size_t first = gf__fbb_vector(b, l->n, 8, &vec);
  /* Block is 24 bytes: re-pad the allocation (vector() reserved n*8) */
  gf__fbb_alloc(b, l->n * 16);
  gf__fbb_put(b, vec, l->n, 4);
  gf__fbb_patch(b, slot, vec);
  for (size_t i = 0; i < l->n; i++) {
    gf__fbb_put(b, first + 24 * i, (uint64_t)l->b[i].offset, 8);
    gf__fbb_put(b, first + 24 * i + 8, (uint32_t)l->b[i].md_len, 4);
    gf__fbb_put(b, first + 24 * i + 16, (uint64_t)l->b[i].body_len, 8);
  }
}

static int write_footer(gf__sink_fn fn, void* ctx, const struct ArrowSchema* schema,
                        const blocks* dicts, const blocks* batches, gf_error* err) {
  gf__dict_map ids = {0};
  gf__fbb b;
  gf__fbb_init(&b);
  size_t root = gf__fbb_start(&b);
  gf__fb_field f[4] = {F(0, 2, GF__MD_V5), FO(1), FO(2), FO(3)};
  size_t slots[4];
  gf__fbb_patch(&b, root, gf__fbb_table(&b, f, 4, slots));
  size_t sp;
  int rc = gf__dict_map_build(&ids, schema);
  if (rc == GF_OK) rc = gf__schema_write(&b, schema, &ids, &sp, err);
  gf__dict_map_free(&ids);
  if (rc == GF_OK) {
    gf__fbb_patch(&b, slots[1], sp);
    write_blocks(&b, slots[2], dicts);
    write_blocks(&b, slots[3], batches);
    size_t n = gf__fbb_finish(&b);
    uint8_t tail[10];
    for (int i = 0; i < 4; i++) tail[i] = (uint8_t)((uint32_t)n >> (8 * i));
    memcpy(tail + 4, "ARROW1", 6);
    if (n == 0) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory writing footer");
    else if (!fn(ctx, b.buf, n) || !fn(ctx, tail, 10))
      rc = gf_error_set(err, GF_IO_ERROR, "write failed");
  }
  gf__fbb_free(&b);
  return rc;
}

static int stream_error(struct ArrowArrayStream* s, int code, const char* what, gf_error* err) {
  const char* m = s->get_last_error ? s->get_last_error(s) : NULL;
  return gf_error_set(err, GF_INVALID_ARGUMENT, "input stream %s failed (%d): %s", what, code,
                      m ? m : "");
}

/* Writes the whole stream; file != 0 adds the file format framing. */
static int write_all(gf__sink_fn fn, void* ctx, struct ArrowArrayStream* in,
                     const gf_ipc_write_options* opt, int file, gf_error* err) {
  struct ArrowSchema schema;
  memset(&schema, 0, sizeof(schema));
  int code = in->get_schema(in, &schema);
  if (code) return stream_error(in, code, "get_schema", err);
  gf_ipc_encoder* enc = NULL;
  gf_ipc_payload* sp = NULL;
  blocks dicts = {0}, batches = {0};
  int64_t pos = 0;
  int64_t* seen = NULL;
  size_t n_seen = 0;
  int rc = GF_OK;
  if (file) {
    static const uint8_t magic[8] = {'A', 'R', 'R', 'O', 'W', '1', 0, 0};
    if (!fn(ctx, magic, 8)) rc = gf_error_set(err, GF_IO_ERROR, "write failed");
    pos = 8;
  }
  if (rc == GF_OK) rc = gf_ipc_encode_schema(&schema, &sp, err);
  if (rc == GF_OK) rc = gf__write_payload(fn, ctx, sp, &pos, NULL, err);
  if (rc == GF_OK) rc = gf_ipc_encoder_create(&schema, opt, &enc, err);
  while (rc == GF_OK) {
    struct ArrowArray batch;
    memset(&batch, 0, sizeof(batch));
    if ((code = in->get_next(in, &batch))) {
      rc = stream_error(in, code, "get_next", err);
      break;
    }
    if (batch.release == NULL) break;
    gf_ipc_payload** ps;
    size_t np;
    if ((rc = gf_ipc_encoder_encode_batch(enc, &batch, &ps, &np, err))) break;
    for (size_t i = 0; i < np; i++) {
      int64_t start = pos, md;
      if (rc == GF_OK && file && ps[i]->type == GF_IPC_MESSAGE_DICTIONARY_BATCH) {
        int64_t id;
        int delta;
        dict_info(ps[i], &id, &delta);
        int dup = 0;
        for (size_t k = 0; k < n_seen; k++) dup |= seen[k] == id;
        if (dup && !delta)
          rc = gf_error_set(err, GF_INVALID_ARGUMENT,
                            "file format: dictionary %lld changed (replacement not allowed)",
                            (long long)id);
        int64_t* q = dup ? seen : realloc(seen, (n_seen + 1) * sizeof(int64_t));
        if (q == NULL) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
        else if (!dup) (seen = q)[n_seen++] = id;
      }
      if (rc == GF_OK) rc = gf__write_payload(fn, ctx, ps[i], &pos, &md, err);
      if (rc == GF_OK && file)
        rc = add_block(ps[i]->type == GF_IPC_MESSAGE_DICTIONARY_BATCH ? &dicts : &batches, start,
                       md, ps[i]->body_len);
      gf_ipc_payload_unref(ps[i]);
    }
    free(ps);
  }
  if (rc == GF_OK) {
    static const uint8_t eos[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
    if (!fn(ctx, eos, 8)) rc = gf_error_set(err, GF_IO_ERROR, "write failed");
  }
  if (rc == GF_OK && file) rc = write_footer(fn, ctx, &schema, &dicts, &batches, err);
  free(seen);
  free(dicts.b);
  free(batches.b);
  gf_ipc_payload_unref(sp);
  gf_ipc_encoder_free(enc);
  schema.release(&schema);
  return rc;
}

gf_status gf_ipc_write_stream(FILE* out, struct ArrowArrayStream* stream,
                              const gf_ipc_write_options* options, gf_error* err) {
  return write_all(file_sink, out, stream, options, 0, err);
}

gf_status gf_ipc_write_file(FILE* out, struct ArrowArrayStream* stream,
                            const gf_ipc_write_options* options, gf_error* err) {
  return write_all(file_sink, out, stream, options, 1, err);
}

static int to_buffer(struct ArrowArrayStream* stream, const gf_ipc_write_options* options,
                     int file, uint8_t** out, size_t* len, gf_error* err) {
  membuf m = {0};
  int rc = write_all(mem_sink, &m, stream, options, file, err);
  if (rc) {
    free(m.p);
    return rc;
  }
  *out = m.p;
  *len = m.len;
  return GF_OK;
}

gf_status gf_ipc_write_stream_to_buffer(struct ArrowArrayStream* stream,
                                        const gf_ipc_write_options* options, uint8_t** out,
                                        size_t* len, gf_error* err) {
  return to_buffer(stream, options, 0, out, len, err);
}

gf_status gf_ipc_write_file_to_buffer(struct ArrowArrayStream* stream,
                                      const gf_ipc_write_options* options, uint8_t** out,
                                      size_t* len, gf_error* err) {
  return to_buffer(stream, options, 1, out, len, err);
}
