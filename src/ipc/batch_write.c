/* C Data arrays -> RecordBatch / DictionaryBatch messages: pre-order
 * FieldNodes and body buffers referencing the caller's memory zero-copy
 * (scratch only for shifted bitmaps, rebased offsets, REE run ends and
 * compression), plus the refcounted gf_ipc_payload. Encoding runs on the
 * caller's thread; payloads may be released from any thread. */
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc_internal.h"

typedef struct enc {
  int64_t* nodes; /* pairs */
  size_t n_nodes, cap_nodes;
  gf_ipc_body_buffer* bufs;
  size_t n_bufs, cap_bufs;
  int64_t* var;
  size_t n_var, cap_var;
  void** scratch;
  size_t n_scratch, cap_scratch;
  const gf__dict_map* ids;
  int oom;
  gf_error* err;
} enc;

static const uint64_t zeros[2] = {0, 0};

static int grow(void** p, size_t* cap, size_t n, size_t elem) {
  if (n < *cap) return 1;
  size_t nc = *cap ? *cap * 2 : 16;
  void* q = realloc(*p, nc * elem);
  if (q == NULL) return 0;
  *p = q;
  *cap = nc;
  return 1;
}

static void push_node(enc* e, int64_t len, int64_t nulls) {
  if (!grow((void**)&e->nodes, &e->cap_nodes, 2 * e->n_nodes + 2, sizeof(int64_t))) {
    e->oom = 1;
    return;
  }
  e->nodes[2 * e->n_nodes] = len;
  e->nodes[2 * e->n_nodes + 1] = nulls;
  e->n_nodes++;
}

static void push_buf(enc* e, const void* data, int64_t len) {
  if (!grow((void**)&e->bufs, &e->cap_bufs, e->n_bufs, sizeof(*e->bufs))) {
    e->oom = 1;
    return;
  }
  e->bufs[e->n_bufs].data = len ? data : NULL;
  e->bufs[e->n_bufs].len = len;
  e->n_bufs++;
}

static void push_var(enc* e, int64_t n) {
  if (!grow((void**)&e->var, &e->cap_var, e->n_var, sizeof(int64_t))) {
    e->oom = 1;
    return;
  }
  e->var[e->n_var++] = n;
}

static void* scratch(enc* e, size_t n) {
  void* p = malloc(n ? n : 1);
  if (p == NULL || !grow((void**)&e->scratch, &e->cap_scratch, e->n_scratch, sizeof(void*))) {
    free(p);
    e->oom = 1;
    return NULL;
  }
  e->scratch[e->n_scratch++] = p;
  return p;
}

static int64_t count_nulls(const uint8_t* bm, int64_t off, int64_t len) {
  int64_t valid = 0, i = 0;
  while (i < len && ((off + i) & 7)) {
    valid += (bm[(off + i) >> 3] >> ((off + i) & 7)) & 1;
    i++;
  }
  for (; i + 64 <= len; i += 64) {
    uint64_t w;
    memcpy(&w, bm + ((off + i) >> 3), 8);
    valid += __builtin_popcountll(w);
  }
  for (; i < len; i++) valid += (bm[(off + i) >> 3] >> ((off + i) & 7)) & 1;
  return len - valid;
}

static int64_t nulls_of(const struct ArrowArray* a, int64_t off, int64_t len) {
  if (a->n_buffers < 1 || a->buffers[0] == NULL || len == 0) return 0;
  if (off == a->offset && len == a->length && a->null_count >= 0) return a->null_count;
  return count_nulls(a->buffers[0], off, len);
}

static void push_bitmap(enc* e, const void* bm, int64_t off, int64_t len) {
  int64_t nbytes = (len + 7) / 8;
  if (len == 0) {
    push_buf(e, NULL, 0);
  } else if ((off & 7) == 0) {
    push_buf(e, (const uint8_t*)bm + off / 8, nbytes);
  } else {
    uint8_t* dst = scratch(e, (size_t)nbytes);
    if (dst == NULL) return;
    const uint8_t* src = bm;
    int sh = (int)(off & 7);
    int64_t base = off >> 3;
    int64_t last = (off + len - 1) >> 3; /* last source byte needed */
    for (int64_t i = 0; i < nbytes; i++) {
      unsigned v = src[base + i] >> sh;
      if (base + i + 1 <= last) v |= (unsigned)src[base + i + 1] << (8 - sh);
      dst[i] = (uint8_t)v;
    }
    push_buf(e, dst, nbytes);
  }
}

static void push_validity(enc* e, const struct ArrowArray* a, int64_t off, int64_t len,
                          int64_t nulls) {
  if (nulls == 0) push_buf(e, NULL, 0);
  else push_bitmap(e, a->buffers[0], off, len);
}

static void push_fixed(enc* e, const void* buf, int64_t off, int64_t len, int64_t width) {
  push_buf(e, len ? (const uint8_t*)buf + off * width : NULL, len * width);
}

static int64_t load_off(const void* buf, int64_t i, int w) {
  if (w == 4) {
    int32_t v;
    memcpy(&v, (const uint8_t*)buf + 4 * i, 4);
    return v;
  }
  int64_t v;
  memcpy(&v, (const uint8_t*)buf + 8 * i, 8);
  return v;
}

/* Offsets [off, off+len] rebased to start at 0; returns first/last. */
static void push_offsets(enc* e, const void* buf, int64_t off, int64_t len, int w, int64_t* first,
                         int64_t* last) {
  if (len == 0) {
    *first = *last = 0;
    push_buf(e, zeros, w);
    return;
  }
  *first = load_off(buf, off, w);
  *last = load_off(buf, off + len, w);
  if (*first == 0) {
    push_fixed(e, buf, off, len + 1, w);
    return;
  }
  void* dst = scratch(e, (size_t)(len + 1) * (size_t)w);
  if (dst == NULL) return;
  for (int64_t i = 0; i <= len; i++) {
    int64_t v = load_off(buf, off + i, w) - *first;
    if (w == 4) {
      int32_t v32 = (int32_t)v;
      memcpy((uint8_t*)dst + 4 * i, &v32, 4);
    } else {
      memcpy((uint8_t*)dst + 8 * i, &v, 8);
    }
  }
  push_buf(e, dst, (len + 1) * w);
}

static int enc_field(enc* e, const struct ArrowArray* a, const struct ArrowSchema* s, int64_t off,
                     int64_t len, int depth);

static int enc_ree(enc* e, const struct ArrowArray* a, const struct ArrowSchema* s, int64_t off,
                   int64_t len, int depth) {
  const struct ArrowArray* re = a->children[0];
  const struct ArrowArray* vals = a->children[1];
  int w = s->children[0]->format[0] == 's' ? 2 : s->children[0]->format[0] == 'i' ? 4 : 8;
  const uint8_t* rb = re->buffers[1];
  int64_t n = re->length;
#define RE_AT(i)                                                           \
  (w == 2 ? (int64_t)((const int16_t*)(const void*)(rb))[re->offset + (i)] \
   : w == 4 ? (int64_t)((const int32_t*)(const void*)(rb))[re->offset + (i)] \
            : ((const int64_t*)(const void*)(rb))[re->offset + (i)])
  push_node(e, len, 0);
  int64_t i0 = 0, k = 0;
  if (len > 0) {
    int64_t lo = 0, hi = n; /* first run with end > off */
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (RE_AT(mid) > off) hi = mid;
      else lo = mid + 1;
    }
    i0 = lo;
    lo = i0;
    hi = n; /* first run with end >= off+len */
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (RE_AT(mid) >= off + len) hi = mid;
      else lo = mid + 1;
    }
    if (lo >= n) return gf_error_set(e->err, GF_INVALID_ARGUMENT, "run_ends shorter than array");
    k = lo - i0 + 1;
  }
  push_node(e, k, 0);
  push_buf(e, NULL, 0);
  if (k == 0) {
    push_buf(e, NULL, 0);
  } else if (off == 0 && RE_AT(i0 + k - 1) == len) {
    push_fixed(e, rb, re->offset + i0, k, w);
  } else {
    uint8_t* dst = scratch(e, (size_t)(k * w));
    if (dst == NULL) return GF_NO_MEMORY;
    for (int64_t j = 0; j < k; j++) {
      int64_t v = RE_AT(i0 + j);
      if (v > off + len) v = off + len;
      v -= off;
      if (w == 2) ((int16_t*)(void*)dst)[j] = (int16_t)v;
      else if (w == 4) ((int32_t*)(void*)dst)[j] = (int32_t)v;
      else ((int64_t*)(void*)dst)[j] = v;
    }
    push_buf(e, dst, k * w);
  }
#undef RE_AT
  return enc_field(e, vals, s->children[1], vals->offset + i0, k, depth + 1);
}

static int enc_children_same(enc* e, const struct ArrowArray* a, const struct ArrowSchema* s,
                             int64_t off, int64_t len, int depth) {
  for (int64_t i = 0; i < s->n_children; i++) {
    const struct ArrowArray* c = a->children[i];
    int rc = enc_field(e, c, s->children[i], c->offset + off, len, depth + 1);
    if (rc) return rc;
  }
  return GF_OK;
}

static int enc_children_whole(enc* e, const struct ArrowArray* a, const struct ArrowSchema* s,
                              int depth) {
  for (int64_t i = 0; i < s->n_children; i++) {
    const struct ArrowArray* c = a->children[i];
    int rc = enc_field(e, c, s->children[i], c->offset, c->length, depth + 1);
    if (rc) return rc;
  }
  return GF_OK;
}

static int enc_field(enc* e, const struct ArrowArray* a, const struct ArrowSchema* s, int64_t off,
                     int64_t len, int depth) {
  gf_type t;
  int rc;
  if (depth > 200) return gf_error_set(e->err, GF_INVALID_ARGUMENT, "array nested too deeply");
  if (a == NULL || a->release == NULL)
    return gf_error_set(e->err, GF_INVALID_ARGUMENT, "field '%s': released array", s->name);
  if ((rc = gf_type_parse(s->format, &t, e->err))) return rc;
  if (a->n_children < s->n_children)
    return gf_error_set(e->err, GF_INVALID_ARGUMENT, "field '%s': array has %lld children, schema %lld",
                        s->name ? s->name : "", (long long)a->n_children, (long long)s->n_children);
  if (s->dictionary) {
    int64_t nulls = nulls_of(a, off, len);
    push_node(e, len, nulls);
    push_validity(e, a, off, len, nulls);
    push_fixed(e, a->buffers[1], off, len, t.byte_width);
    return GF_OK;
  }
  int64_t nulls = 0;
  int w;
  int64_t first, last;
  switch (t.id) {
    case GF_TYPE_NA: push_node(e, len, len); return GF_OK;
    case GF_TYPE_SPARSE_UNION:
      push_node(e, len, 0);
      push_fixed(e, a->buffers[0], off, len, 1);
      return enc_children_same(e, a, s, off, len, depth);
    case GF_TYPE_DENSE_UNION:
      push_node(e, len, 0);
      push_fixed(e, a->buffers[0], off, len, 1);
      push_fixed(e, a->buffers[1], off, len, 4);
      return enc_children_whole(e, a, s, depth);
    case GF_TYPE_RUN_END_ENCODED: return enc_ree(e, a, s, off, len, depth);
    default: break;
  }
  nulls = nulls_of(a, off, len);
  push_node(e, len, nulls);
  push_validity(e, a, off, len, nulls);
  switch (t.id) {
    case GF_TYPE_BOOL: push_bitmap(e, a->buffers[1], off, len); return GF_OK;
    case GF_TYPE_BINARY:
    case GF_TYPE_STRING:
    case GF_TYPE_LARGE_BINARY:
    case GF_TYPE_LARGE_STRING:
      w = (t.id == GF_TYPE_BINARY || t.id == GF_TYPE_STRING) ? 4 : 8;
      push_offsets(e, a->buffers[1], off, len, w, &first, &last);
      push_buf(e, (const uint8_t*)a->buffers[2] + first, last - first);
      return GF_OK;
    case GF_TYPE_BINARY_VIEW:
    case GF_TYPE_STRING_VIEW: {
      push_fixed(e, a->buffers[1], off, len, 16);
      int64_t nv = a->n_buffers - 3;
      if (nv < 0) return gf_error_set(e->err, GF_INVALID_ARGUMENT, "field '%s': view array without sizes buffer", s->name);
      const int64_t* sizes = a->buffers[a->n_buffers - 1];
      for (int64_t i = 0; i < nv; i++) push_buf(e, a->buffers[2 + i], sizes[i]);
      push_var(e, nv);
      return GF_OK;
    }
    case GF_TYPE_LIST:
    case GF_TYPE_MAP:
    case GF_TYPE_LARGE_LIST: {
      w = t.id == GF_TYPE_LARGE_LIST ? 8 : 4;
      push_offsets(e, a->buffers[1], off, len, w, &first, &last);
      const struct ArrowArray* c = a->children[0];
      return enc_field(e, c, s->children[0], c->offset + first, last - first, depth + 1);
    }
    case GF_TYPE_LIST_VIEW:
    case GF_TYPE_LARGE_LIST_VIEW:
      w = t.id == GF_TYPE_LIST_VIEW ? 4 : 8;
      push_fixed(e, a->buffers[1], off, len, w);
      push_fixed(e, a->buffers[2], off, len, w);
      return enc_children_whole(e, a, s, depth);
    case GF_TYPE_FIXED_SIZE_LIST: {
      const struct ArrowArray* c = a->children[0];
      return enc_field(e, c, s->children[0], c->offset + off * t.list_size, len * t.list_size,
                       depth + 1);
    }
    case GF_TYPE_STRUCT: return enc_children_same(e, a, s, off, len, depth);
    default:
      if (t.byte_width <= 0)
        return gf_error_set(e->err, GF_INVALID_ARGUMENT, "field '%s': unsupported type '%s'",
                            s->name ? s->name : "", s->format);
      push_fixed(e, a->buffers[1], off, len, t.byte_width);
      return GF_OK;
  }
}

/* ---- payload --------------------------------------------------------------- */

typedef struct payload_priv {
  atomic_long refs;
  gf__src* src;
  uint8_t* metadata;
  gf_ipc_body_buffer* bufs;
  void** scratch;
  size_t n_scratch;
} payload_priv;

int gf__payload_new(gf_ipc_message_type type, uint8_t* metadata, size_t len,
                    gf_ipc_payload** out) {
  gf_ipc_payload* p = calloc(1, sizeof(*p));
  payload_priv* pp = calloc(1, sizeof(*pp));
  if (!p || !pp) {
    free(p);
    free(pp);
    free(metadata);
    return GF_NO_MEMORY;
  }
  atomic_init(&pp->refs, 1);
  pp->metadata = metadata;
  p->type = type;
  p->metadata = metadata;
  p->metadata_len = len;
  p->private_data = pp;
  *out = p;
  return GF_OK;
}

void gf_ipc_payload_ref(gf_ipc_payload* p) {
  if (p) atomic_fetch_add(&((payload_priv*)p->private_data)->refs, 1);
}

void gf_ipc_payload_unref(gf_ipc_payload* p) {
  if (p == NULL) return;
  payload_priv* pp = p->private_data;
  if (atomic_fetch_sub(&pp->refs, 1) != 1) return;
  for (size_t i = 0; i < pp->n_scratch; i++) free(pp->scratch[i]);
  free(pp->scratch);
  free(pp->bufs);
  free(pp->metadata);
  gf__src_unref(pp->src);
  free(pp);
  free(p);
}

void gf_ipc_payload_copy_body(const gf_ipc_payload* p, uint8_t* dst) {
  size_t pos = 0;
  for (size_t i = 0; i < p->n_buffers; i++) {
    size_t n = (size_t)p->buffers[i].len;
    size_t padded = (n + 7) & ~(size_t)7;
    if (n) memcpy(dst + pos, p->buffers[i].data, n);
    memset(dst + pos + n, 0, padded - n);
    pos += padded;
  }
}

/* ---- message assembly ------------------------------------------------------ */

#define F(id_, size_, val_) ((gf__fb_field){(uint16_t)(id_), (uint8_t)(size_), 0, (uint64_t)(val_)})
#define FO(id_) ((gf__fb_field){(uint16_t)(id_), 4, 1, 0})

static void write_record_batch(gf__fbb* b, size_t slot, const enc* e, const int64_t* offs,
                               const int64_t* lens, int64_t length, int codec) {
  gf__fb_field f[5] = {F(0, 8, length), FO(1), FO(2), FO(3), FO(4)};
  int n = 3;
  int i_comp = -1, i_var = -1;
  if (codec >= 0) {
    i_comp = n;
    f[n++] = FO(3);
  }
  if (e->n_var) {
    i_var = n;
    f[n++] = FO(4);
  }
  size_t slots[5];
  size_t tb = gf__fbb_table(b, f, n, slots);
  gf__fbb_patch(b, slot, tb);
  size_t vec;
  size_t first = gf__fbb_vector(b, e->n_nodes, 16, &vec);
  gf__fbb_patch(b, slots[1], vec);
  for (size_t i = 0; i < e->n_nodes; i++) {
    gf__fbb_put(b, first + 16 * i, (uint64_t)e->nodes[2 * i], 8);
    gf__fbb_put(b, first + 16 * i + 8, (uint64_t)e->nodes[2 * i + 1], 8);
  }
  first = gf__fbb_vector(b, e->n_bufs, 16, &vec);
  gf__fbb_patch(b, slots[2], vec);
  for (size_t i = 0; i < e->n_bufs; i++) {
    gf__fbb_put(b, first + 16 * i, (uint64_t)offs[i], 8);
    gf__fbb_put(b, first + 16 * i + 8, (uint64_t)lens[i], 8);
  }
  if (i_comp >= 0) {
    gf__fb_field c[2] = {F(0, 1, codec), F(1, 1, 0)};
    gf__fbb_patch(b, slots[i_comp], gf__fbb_table(b, c, 2, NULL));
  }
  if (i_var >= 0) {
    first = gf__fbb_vector(b, e->n_var, 8, &vec);
    gf__fbb_patch(b, slots[i_var], vec);
    for (size_t i = 0; i < e->n_var; i++) gf__fbb_put(b, first + 8 * i, (uint64_t)e->var[i], 8);
  }
}

/* Replaces each non-empty buffer by its compressed form (in scratch). */
static int compress_bufs(enc* e, int codec, int level) {
  for (size_t i = 0; i < e->n_bufs; i++) {
    if (e->bufs[i].len == 0) continue;
    uint8_t* out;
    int64_t out_len;
    int rc = gf__compress(codec, level, e->bufs[i].data, e->bufs[i].len, &out, &out_len, e->err);
    if (rc) return rc;
    if (!grow((void**)&e->scratch, &e->cap_scratch, e->n_scratch, sizeof(void*))) {
      free(out);
      return gf_error_set(e->err, GF_NO_MEMORY, "out of memory compressing body");
    }
    e->scratch[e->n_scratch++] = out;
    e->bufs[i].data = out;
    e->bufs[i].len = out_len;
  }
  return GF_OK;
}

static int assemble(enc* e, gf_ipc_message_type type, int64_t length, int64_t dict_id,
                    int is_delta, int codec, gf__src* src, gf_ipc_payload** out) {
  int64_t* offs = malloc((e->n_bufs + 1) * sizeof(int64_t));
  int64_t* lens = malloc((e->n_bufs + 1) * sizeof(int64_t));
  if (!offs || !lens) {
    free(offs);
    free(lens);
    return gf_error_set(e->err, GF_NO_MEMORY, "out of memory encoding batch");
  }
  int64_t pos = 0;
  for (size_t i = 0; i < e->n_bufs; i++) {
    offs[i] = pos;
    lens[i] = e->bufs[i].len;
    pos += (e->bufs[i].len + 7) & ~(int64_t)7;
  }
  gf__fbb b;
  gf__fbb_init(&b);
  size_t root = gf__fbb_start(&b);
  gf__fb_field f[4] = {F(0, 2, GF__MD_V5),
                       F(1, 1, type == GF_IPC_MESSAGE_DICTIONARY_BATCH ? GF__HDR_DICT : GF__HDR_BATCH),
                       FO(2), F(3, 8, pos)};
  size_t slots[4];
  gf__fbb_patch(&b, root, gf__fbb_table(&b, f, 4, slots));
  if (type == GF_IPC_MESSAGE_DICTIONARY_BATCH) {
    gf__fb_field d[3] = {F(0, 8, dict_id), FO(1), F(2, 1, is_delta ? 1 : 0)};
    size_t ds[3];
    gf__fbb_patch(&b, slots[2], gf__fbb_table(&b, d, 3, ds));
    write_record_batch(&b, ds[1], e, offs, lens, length, codec);
  } else {
    write_record_batch(&b, slots[2], e, offs, lens, length, codec);
  }
  free(offs);
  free(lens);
  size_t mlen = gf__fbb_finish(&b);
  gf_ipc_payload* p;
  if (mlen == 0 || gf__payload_new(type, b.buf, mlen, &p) != GF_OK) {
    if (mlen == 0) gf__fbb_free(&b);
    return gf_error_set(e->err, GF_NO_MEMORY, "out of memory encoding batch");
  }
  payload_priv* pp = p->private_data;
  pp->bufs = e->bufs;
  pp->scratch = e->scratch;
  pp->n_scratch = e->n_scratch;
  e->bufs = NULL;
  e->scratch = NULL;
  e->n_scratch = 0;
  gf__src_ref(src);
  pp->src = src;
  p->buffers = pp->bufs;
  p->n_buffers = e->n_bufs;
  p->body_len = pos;
  *out = p;
  return GF_OK;
}

int gf__encode_batch(const struct ArrowArray* a, const struct ArrowSchema* s,
                     const gf__dict_map* ids, gf_ipc_message_type type, int64_t off,
                     int64_t len, int64_t dict_id, int is_delta,
                     const gf_ipc_write_options* opt, gf__src* src, gf_ipc_payload** out,
                     gf_error* err) {
  enc e;
  memset(&e, 0, sizeof(e));
  e.ids = ids;
  e.err = err;
  int rc;
  if (type == GF_IPC_MESSAGE_RECORD_BATCH) {
    if (a->n_children != s->n_children)
      return gf_error_set(err, GF_INVALID_ARGUMENT,
                          "record batch has %lld columns but the schema has %lld",
                          (long long)a->n_children, (long long)s->n_children);
    rc = enc_children_same(&e, a, s, off, len, 0);
  } else {
    rc = enc_field(&e, a, s, off, len, 0);
  }
  if (rc == GF_OK && e.oom) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory encoding batch");
  int codec = opt ? (int)opt->compression : -1;
  if (rc == GF_OK && codec >= 0) rc = compress_bufs(&e, codec, opt->compression_level);
  if (rc == GF_OK) rc = assemble(&e, type, len, dict_id, is_delta, codec, src, out);
  for (size_t i = 0; i < e.n_scratch; i++) free(e.scratch[i]);
  free(e.scratch);
  free(e.bufs);
  free(e.nodes);
  free(e.var);
  return rc;
}
