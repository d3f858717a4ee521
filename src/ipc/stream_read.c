/* IPC stream and file format readers exposed as ArrowArrayStream: memory
 * buffers (held as one refcounted body that decoded arrays reference), FILE*
 * streams read incrementally, file format via the footer blocks, and path
 * auto-detection. A reader stream is used by one thread at a time. */
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "ipc/ipc_internal.h"

#define MAX_METADATA (64 * 1024 * 1024)

typedef struct rstream {
  gf_ipc_decoder* dec;
  gf_ipc_body* whole; /* buffer/file mode */
  const uint8_t* data;
  size_t len, pos;
  FILE* f; /* incremental mode */
  /* file format: message positions to decode, in order */
  int64_t* blocks; /* triples: offset, md_len, body_len */
  size_t n_blocks, next_block;
  int file_mode, done;
  char last_error[GF_ERROR_MESSAGE_SIZE];
} rstream;

static void sub_release(void* ctx) { gf_ipc_body_unref(ctx); }

static gf_ipc_body* sub_body(rstream* r, size_t off, size_t len) {
  gf_ipc_body_ref(r->whole);
  gf_ipc_body* b = gf_ipc_body_wrap(r->data + off, len, sub_release, r->whole);
  if (b == NULL) gf_ipc_body_unref(r->whole);
  return b;
}

static int decode_at(rstream* r, const uint8_t* md, size_t md_len, gf_ipc_body* body,
                     gf_ipc_message_type* t, struct ArrowArray* out, gf_error* err) {
  int rc = gf_ipc_decoder_decode(r->dec, md, md_len, body, t, out, err);
  gf_ipc_body_unref(body);
  return rc;
}

/* Reads the prefix at data[pos]: returns metadata length (0 = EOS) and
 * advances *pos past the prefix. -1 = error. */
static int64_t prefix(const uint8_t* d, size_t len, size_t* pos, gf_error* err) {
  if (len - *pos < 4) {
    gf_error_set(err, GF_INVALID_ARGUMENT, "IPC stream: truncated message prefix at offset %zu", *pos);
    return -1;
  }
  uint32_t w = (uint32_t)gf__fb_load(d + *pos, 4);
  *pos += 4;
  if (w == 0xFFFFFFFFu) {
    if (len - *pos < 4) {
      gf_error_set(err, GF_INVALID_ARGUMENT, "IPC stream: truncated message length at offset %zu", *pos);
      return -1;
    }
    w = (uint32_t)gf__fb_load(d + *pos, 4);
    *pos += 4;
  }
  int32_t n = (int32_t)w;
  if (n < 0 || (size_t)n > len - *pos) {
    gf_error_set(err, GF_INVALID_ARGUMENT,
                 "IPC stream: metadata length %d at offset %zu exceeds the data", (int)n, *pos);
    return -1;
  }
  return n;
}

/* Buffer mode: next message. *t = NONE at end of stream. */
static int next_buffer_msg(rstream* r, gf_ipc_message_type* t, struct ArrowArray* out,
                           gf_error* err) {
  *t = GF_IPC_MESSAGE_NONE;
  if (r->pos >= r->len) return GF_OK;
  int64_t n = prefix(r->data, r->len, &r->pos, err);
  if (n < 0) return GF_INVALID_ARGUMENT;
  if (n == 0) {
    r->pos = r->len;
    return GF_OK;
  }
  const uint8_t* md = r->data + r->pos;
  r->pos += (size_t)n;
  int64_t bl;
  gf_ipc_message_type mt;
  int rc = gf_ipc_message_peek(md, (size_t)n, &mt, &bl, err);
  if (rc) return rc;
  if ((uint64_t)bl > r->len - r->pos)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "IPC stream: body of %lld bytes at offset %zu exceeds the data",
                        (long long)bl, r->pos);
  gf_ipc_body* body = sub_body(r, r->pos, (size_t)bl);
  if (body == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  r->pos += (size_t)bl;
  return decode_at(r, md, (size_t)n, body, t, out, err);
}

static int read_exact(FILE* f, void* p, size_t n) { return fread(p, 1, n, f) == n; }

/* Reads n bytes, growing the allocation as data arrives (untrusted n). */
static uint8_t* read_grow(FILE* f, size_t n) {
  size_t cap = n < (1 << 20) ? n : (1 << 20), have = 0;
  uint8_t* p = malloc(cap ? cap : 1);
  while (p && have < n) {
    if (have == cap) {
      size_t nc = cap * 2 < n ? cap * 2 : n;
      uint8_t* q = realloc(p, nc);
      if (q == NULL) break;
      p = q;
      cap = nc;
    }
    size_t got = fread(p + have, 1, cap - have, f);
    if (got == 0) break;
    have += got;
  }
  if (p && have < n) {
    free(p);
    return NULL;
  }
  return p;
}

static int next_file_msg(rstream* r, gf_ipc_message_type* t, struct ArrowArray* out,
                         gf_error* err) {
  *t = GF_IPC_MESSAGE_NONE;
  uint8_t w[4];
  size_t got = fread(w, 1, 4, r->f);
  if (got == 0) return GF_OK;
  if (got < 4) return gf_error_set(err, GF_INVALID_ARGUMENT, "IPC stream: truncated prefix");
  uint32_t v = (uint32_t)gf__fb_load(w, 4);
  if (v == 0xFFFFFFFFu) {
    if (!read_exact(r->f, w, 4)) return gf_error_set(err, GF_INVALID_ARGUMENT, "IPC stream: truncated length");
    v = (uint32_t)gf__fb_load(w, 4);
  }
  int32_t n = (int32_t)v;
  if (n == 0) return GF_OK;
  if (n < 0 || n > MAX_METADATA)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "IPC stream: bad metadata length %d", (int)n);
  uint8_t* md = read_grow(r->f, (size_t)n);
  if (md == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "IPC stream: truncated metadata");
  int64_t bl;
  gf_ipc_message_type mt;
  int rc = gf_ipc_message_peek(md, (size_t)n, &mt, &bl, err);
  uint8_t* bd = NULL;
  if (rc == GF_OK && (bd = read_grow(r->f, (size_t)bl)) == NULL)
    rc = gf_error_set(err, GF_INVALID_ARGUMENT, "IPC stream: body of %lld bytes truncated",
                      (long long)bl);
  gf_ipc_body* body = NULL;
  if (rc == GF_OK && (body = gf_ipc_body_wrap(bd, (size_t)bl, free, bd)) == NULL) {
    free(bd);
    rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
  }
  if (rc == GF_OK) rc = decode_at(r, md, (size_t)n, body, t, out, err);
  free(md);
  return rc;
}

static int next_block_msg(rstream* r, gf_ipc_message_type* t, struct ArrowArray* out,
                          gf_error* err) {
  *t = GF_IPC_MESSAGE_NONE;
  if (r->next_block >= r->n_blocks) return GF_OK;
  const int64_t* b = &r->blocks[3 * r->next_block++];
  size_t end = r->len - 16; /* footer region excluded loosely */
  if (b[0] < 8 || b[1] < 8 || b[2] < 0 || (uint64_t)b[0] > end || (uint64_t)b[1] > end - (size_t)b[0] ||
      (uint64_t)b[2] > end - (size_t)b[0] - (size_t)b[1])
    return gf_error_set(err, GF_INVALID_ARGUMENT, "IPC file: Footer block %zu out of bounds",
                        r->next_block - 1);
  size_t pos = (size_t)b[0];
  int64_t n = prefix(r->data, (size_t)(b[0] + b[1]), &pos, err);
  if (n < 0) return GF_INVALID_ARGUMENT;
  gf_ipc_body* body = sub_body(r, (size_t)(b[0] + b[1]), (size_t)b[2]);
  if (body == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  return decode_at(r, r->data + pos, (size_t)n, body, t, out, err);
}

static int next_msg(rstream* r, gf_ipc_message_type* t, struct ArrowArray* out, gf_error* err) {
  if (r->file_mode) return next_block_msg(r, t, out, err);
  if (r->f) return next_file_msg(r, t, out, err);
  return next_buffer_msg(r, t, out, err);
}

static const char* s_last_error(struct ArrowArrayStream* s) {
  return ((rstream*)s->private_data)->last_error;
}

static int s_get_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  rstream* r = s->private_data;
  gf_error err;
  int rc = gf_ipc_decoder_schema(r->dec, out, &err);
  if (rc) snprintf(r->last_error, sizeof(r->last_error), "%s", err.message);
  return rc ? gf_status_to_errno(rc) : 0;
}

static int s_get_next(struct ArrowArrayStream* s, struct ArrowArray* out) {
  rstream* r = s->private_data;
  gf_error err;
  memset(out, 0, sizeof(*out));
  while (!r->done) {
    gf_ipc_message_type t;
    int rc = next_msg(r, &t, out, &err);
    if (rc) {
      snprintf(r->last_error, sizeof(r->last_error), "%s", err.message);
      r->done = 1;
      return gf_status_to_errno(rc);
    }
    if (t == GF_IPC_MESSAGE_NONE) r->done = 1;
    if (t == GF_IPC_MESSAGE_RECORD_BATCH) return 0;
  }
  return 0;
}

static void s_release(struct ArrowArrayStream* s) {
  if (s == NULL || s->release == NULL) return;
  rstream* r = s->private_data;
  gf_ipc_decoder_free(r->dec);
  gf_ipc_body_unref(r->whole);
  free(r->blocks);
  free(r);
  s->release = NULL;
}

static int make_stream(rstream* r, struct ArrowArrayStream* out) {
  out->get_schema = s_get_schema;
  out->get_next = s_get_next;
  out->get_last_error = s_last_error;
  out->release = s_release;
  out->private_data = r;
  return GF_OK;
}

static rstream* new_reader(const gf_ipc_read_options* options, gf_error* err) {
  rstream* r = calloc(1, sizeof(*r));
  if (r == NULL) {
    gf_error_set(err, GF_NO_MEMORY, "out of memory");
    return NULL;
  }
  if (gf_ipc_decoder_create(options, &r->dec, err)) {
    free(r);
    return NULL;
  }
  return r;
}

/* Reads the schema message eagerly. */
static int start(rstream* r, struct ArrowArrayStream* out, gf_error* err) {
  gf_ipc_message_type t;
  struct ArrowArray a;
  int rc = next_msg(r, &t, &a, err);
  if (rc == GF_OK && t != GF_IPC_MESSAGE_SCHEMA)
    rc = gf_error_set(err, GF_INVALID_ARGUMENT, "IPC stream: first message is not a Schema");
  if (rc == GF_OK && a.release) a.release(&a);
  if (rc) {
    struct ArrowArrayStream tmp;
    make_stream(r, &tmp);
    tmp.release(&tmp);
    return rc;
  }
  return make_stream(r, out);
}

static int read_buffer(gf_ipc_body* whole, const gf_ipc_read_options* options,
                       struct ArrowArrayStream* out, gf_error* err) {
  rstream* r = new_reader(options, err);
  if (r == NULL) {
    gf_ipc_body_unref(whole);
    return err ? err->code : GF_NO_MEMORY;
  }
  r->whole = whole;
  r->data = gf__body_data(whole);
  r->len = gf__body_len(whole);
  return start(r, out, err);
}

gf_status gf_ipc_read_stream_buffer(const uint8_t* data, size_t len,
                                    const gf_ipc_read_options* options,
                                    struct ArrowArrayStream* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  gf_ipc_body* b = gf_ipc_body_copy(data, len);
  if (b == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  return read_buffer(b, options, out, err);
}

gf_status gf_ipc_read_stream_file(FILE* in, const gf_ipc_read_options* options,
                                  struct ArrowArrayStream* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  rstream* r = new_reader(options, err);
  if (r == NULL) return err ? err->code : GF_NO_MEMORY;
  r->f = in;
  return start(r, out, err);
}

/* ---- file format --------------------------------------------------------- */

static int read_blocks(rstream* r, const gf__fbt* footer, int id, const char* what,
                       gf_error* err) {
  gf__fbv v;
  int rc = gf__fbt_vector(footer, id, 24, &v, what, err);
  if (rc) return rc;
  int64_t* nb = realloc(r->blocks, (r->n_blocks + v.n + 1) * 3 * sizeof(int64_t));
  if (nb == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  r->blocks = nb;
  const uint8_t* base = footer->r->buf + v.pos;
  for (uint32_t i = 0; i < v.n; i++) {
    int64_t* b = &r->blocks[3 * r->n_blocks++];
    b[0] = (int64_t)gf__fb_load(base + 24 * i, 8);
    b[1] = (int32_t)(uint32_t)gf__fb_load(base + 24 * i + 8, 4);
    b[2] = (int64_t)gf__fb_load(base + 24 * i + 16, 8);
  }
  return GF_OK;
}

static int open_file(rstream* r, gf_error* err) {
  const uint8_t* d = r->data;
  size_t len = r->len;
  if (len < 8 + 10 || memcmp(d, "ARROW1", 6) != 0 || memcmp(d + len - 6, "ARROW1", 6) != 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "IPC file: missing ARROW1 magic");
  int32_t flen = (int32_t)(uint32_t)gf__fb_load(d + len - 10, 4);
  if (flen <= 0 || (size_t)flen > len - 18)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "IPC file: footer length %d out of bounds",
                        (int)flen);
  gf__fbr fr;
  gf__fbt footer, schema;
  gf__fbr_init(&fr, d + len - 10 - flen, (size_t)flen);
  int rc;
  if ((rc = gf__fbr_root(&fr, &footer, "Footer", err)) ||
      (rc = gf__fbt_table(&footer, 1, &schema, "Footer.schema", err)))
    return rc;
  if ((rc = gf__decoder_set_schema(r->dec, &schema, err))) return rc;
  if ((rc = read_blocks(r, &footer, 2, "Footer.dictionaries", err)) ||
      (rc = read_blocks(r, &footer, 3, "Footer.recordBatches", err)))
    return rc;
  r->file_mode = 1;
  return GF_OK;
}

gf_status gf_ipc_read_file_buffer(const uint8_t* data, size_t len,
                                  const gf_ipc_read_options* options, struct ArrowArrayStream* out,
                                  gf_error* err) {
  memset(out, 0, sizeof(*out));
  rstream* r = new_reader(options, err);
  if (r == NULL) return err ? err->code : GF_NO_MEMORY;
  r->whole = gf_ipc_body_copy(data, len);
  int rc = r->whole ? GF_OK : gf_error_set(err, GF_NO_MEMORY, "out of memory");
  r->data = gf__body_data(r->whole);
  r->len = len;
  if (rc == GF_OK) rc = open_file(r, err);
  make_stream(r, out);
  if (rc) out->release(out);
  return rc;
}

gf_status gf_ipc_read_path(const char* path, const gf_ipc_read_options* options,
                           struct ArrowArrayStream* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  char* buf = NULL;
  size_t len = 0;
  int e = 0;
  int rc = gf__read_file(path, SIZE_MAX / 4, &buf, &len, &e);
  if (rc == GF_NO_MEMORY) return gf_error_set(err, rc, "%s: out of memory", path);
  if (rc != GF_OK) return gf_error_set(err, GF_IO_ERROR, "%s: cannot open: %s", path, strerror(e));
  if (len >= 6 && memcmp(buf, "ARROW1", 6) == 0)
    rc = gf_ipc_read_file_buffer((const uint8_t*)buf, len, options, out, err);
  else
    rc = gf_ipc_read_stream_buffer((const uint8_t*)buf, len, options, out, err);
  free(buf);
  if (rc && err) gf_error_prefix(err, "%s", path);
  return rc;
}
