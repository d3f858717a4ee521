/* Outgoing (gf__obuf: segments, each owned or a zero-copy reference) and
 * incoming (gf__ibuf: segments inside reference-counted blocks) message
 * buffers. Any thread; a segment kept with gf__ibuf_seg_ref may be released
 * from any thread, so release paths only free memory. */
#include <stdlib.h>
#include <string.h>

#include <stdatomic.h>

#include "transport/msg.h"

struct iblock;

/* A segment of a received message: bytes inside a reference-counted block. */
typedef struct ibseg {
  const uint8_t* data;
  size_t len;
  struct iblock* blk;
} ibseg;

struct gf__ibuf {
  ibseg* segs;
  size_t n;
  size_t total;
};

gf__obuf* gf__obuf_new(void) { return calloc(1, sizeof(gf__obuf)); }

static int obuf_push(gf__obuf* b, gf__oseg seg) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 8;
    gf__oseg* s = realloc(b->segs, cap * sizeof(*s));
    if (!s) return GF_NO_MEMORY;
    b->segs = s;
    b->cap = cap;
  }
  b->segs[b->n++] = seg;
  b->total += seg.len;
  return GF_OK;
}

int gf__obuf_add_owned(gf__obuf* b, void* data, size_t len) {
  if (len == 0) {
    free(data);
    return GF_OK;
  }
  int rc = obuf_push(b, (gf__oseg){data, len, free, data});
  if (rc) free(data);
  return rc;
}

int gf__obuf_add_copy(gf__obuf* b, const void* data, size_t len) {
  if (len == 0) return GF_OK;
  void* p = malloc(len);
  if (!p) return GF_NO_MEMORY;
  memcpy(p, data, len);
  return gf__obuf_add_owned(b, p, len);
}

int gf__obuf_add_ref(gf__obuf* b, const void* data, size_t len, gf__release_fn release,
                     void* user) {
  if (len == 0) {
    if (release) release(user);
    return GF_OK;
  }
  int rc = obuf_push(b, (gf__oseg){data, len, release, user});
  if (rc && release) release(user);
  return rc;
}

int gf__obuf_add_static(gf__obuf* b, const void* data, size_t len) {
  if (len == 0) return GF_OK;
  return obuf_push(b, (gf__oseg){data, len, NULL, NULL});
}

void gf__obuf_free(gf__obuf* b) {
  if (!b) return;
  for (size_t i = 0; i < b->n; i++)
    if (b->segs[i].release) b->segs[i].release(b->segs[i].user);
  free(b->segs);
  free(b);
}

int gf__obuf_flatten(const gf__obuf* b, uint8_t** out, size_t* len) {
  uint8_t* p = malloc(b->total ? b->total : 1);
  if (!p) return GF_NO_MEMORY;
  size_t off = 0;
  for (size_t i = 0; i < b->n; i++) {
    memcpy(p + off, b->segs[i].data, b->segs[i].len);
    off += b->segs[i].len;
  }
  *out = p;
  *len = off;
  return GF_OK;
}

/* A received block: freed (base) with its last reference. */
typedef struct iblock {
  atomic_int refs;
  void* base;
} iblock;

static iblock* block_new(void* base) {
  iblock* k = malloc(sizeof(*k));
  if (!k) return NULL;
  atomic_init(&k->refs, 1);
  k->base = base;
  return k;
}

static void block_unref(iblock* k) {
  if (k && atomic_fetch_sub(&k->refs, 1) == 1) {
    free(k->base);
    free(k);
  }
}

static gf__ibuf* ibuf_alloc(size_t cap) {
  gf__ibuf* b = calloc(1, sizeof(*b));
  if (!b) return NULL;
  b->segs = calloc(cap ? cap : 1, sizeof(*b->segs));
  if (!b->segs) {
    free(b);
    return NULL;
  }
  return b;
}

size_t gf__ibuf_count(const gf__ibuf* b) { return b->n; }

gf_bytes gf__ibuf_seg(const gf__ibuf* b, size_t i) {
  return (gf_bytes){b->segs[i].data, b->segs[i].len};
}

size_t gf__ibuf_length(const gf__ibuf* b) { return b->total; }

void* gf__ibuf_seg_ref(gf__ibuf* b, size_t i, const uint8_t** data) {
  iblock* k = b->segs[i].blk;
  atomic_fetch_add(&k->refs, 1);
  *data = b->segs[i].data;
  return k;
}

void gf__ibuf_seg_unref(void* token) { block_unref(token); }

void gf__ibuf_free(gf__ibuf* b) {
  if (!b) return;
  for (size_t i = 0; i < b->n; i++) block_unref(b->segs[i].blk);
  free(b->segs);
  free(b);
}

gf__ibuf* gf__ibuf_from_owned_at(void* base, uint8_t* data, size_t len) {
  gf__ibuf* b = ibuf_alloc(1);
  if (!b) return NULL;
  if (!len) {
    free(base);
    return b;
  }
  iblock* k = block_new(base);
  if (!k) {
    gf__ibuf_free(b);
    return NULL;
  }
  b->segs[0] = (ibseg){data, len, k};
  b->n = 1;
  b->total = len;
  return b;
}

gf__ibuf* gf__ibuf_from_segments(const gf_bytes* segs, size_t n) {
  gf__ibuf* b = ibuf_alloc(n);
  if (!b) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (segs[i].len == 0) continue;
    uint8_t* p = malloc(segs[i].len);
    iblock* k = p ? block_new(p) : NULL;
    if (!k) {
      free(p);
      gf__ibuf_free(b);
      return NULL;
    }
    memcpy(p, segs[i].data, segs[i].len);
    b->segs[b->n++] = (ibseg){p, segs[i].len, k};
    b->total += segs[i].len;
  }
  return b;
}

int gf__ibuf_flatten(const gf__ibuf* b, uint8_t** out, size_t* len) {
  uint8_t* p = malloc(b->total ? b->total : 1);
  if (!p) return GF_NO_MEMORY;
  size_t off = 0;
  for (size_t i = 0; i < b->n; i++) {
    memcpy(p + off, b->segs[i].data, b->segs[i].len);
    off += b->segs[i].len;
  }
  *out = p;
  *len = off;
  return GF_OK;
}
