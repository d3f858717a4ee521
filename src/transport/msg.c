/* Outgoing (gf__obuf) and incoming (gf__ibuf) message buffers and their
 * conversion to/from gRPC byte buffers. Any thread; slice destroy callbacks
 * may run on gRPC-internal threads, so release paths only free memory. */
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/byte_buffer_reader.h>

#include "transport/msg_grpc.h"

struct gf__ibuf {
  grpc_slice* slices;
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

/* Slice user_data holder: calls the segment's release. */
typedef struct seg_holder {
  gf__release_fn release;
  void* user;
} seg_holder;

static void seg_destroy(void* p) {
  seg_holder* h = p;
  if (h->release) h->release(h->user);
  free(h);
}


static grpc_slice seg_to_slice(const gf__oseg* s, int* ok) {
  *ok = 1;
  if (!s->release) return grpc_slice_from_static_buffer(s->data, s->len);
  if (s->release == free && s->user == (void*)s->data)
    return grpc_slice_new((void*)s->data, s->len, free);
  seg_holder* h = malloc(sizeof(*h));
  if (!h) {
    *ok = 0;
    return grpc_empty_slice();
  }
  h->release = s->release;
  h->user = s->user;
  return grpc_slice_new_with_user_data((void*)s->data, s->len, seg_destroy, h);
}

grpc_byte_buffer* gf__obuf_to_byte_buffer(gf__obuf* b) {
  grpc_slice stack[16];
  grpc_slice* slices = b->n <= 16 ? stack : malloc(b->n * sizeof(grpc_slice));
  if (!slices) return NULL;
  size_t n = 0;
  int failed = 0;
  for (size_t i = 0; i < b->n; i++) {
    int ok;
    grpc_slice s = seg_to_slice(&b->segs[i], &ok);
    if (!ok) {
      failed = 1;
      if (b->segs[i].release) b->segs[i].release(b->segs[i].user);
      continue;
    }
    slices[n++] = s;
  }
  b->n = 0;
  b->total = 0;
  grpc_byte_buffer* bb = failed ? NULL : grpc_raw_byte_buffer_create(slices, n);
  for (size_t i = 0; i < n; i++) grpc_slice_unref(slices[i]);
  if (slices != stack) free(slices);
  return bb;
}

static gf__ibuf* ibuf_alloc(size_t cap) {
  gf__ibuf* b = calloc(1, sizeof(*b));
  if (!b) return NULL;
  b->slices = calloc(cap ? cap : 1, sizeof(grpc_slice));
  if (!b->slices) {
    free(b);
    return NULL;
  }
  return b;
}

gf__ibuf* gf__ibuf_from_byte_buffer(grpc_byte_buffer* bb) {
  if (bb->type == GRPC_BB_RAW && bb->data.raw.compression == GRPC_COMPRESS_NONE) {
    grpc_slice_buffer* sb = &bb->data.raw.slice_buffer;
    gf__ibuf* b = ibuf_alloc(sb->count);
    if (!b) return NULL;
    for (size_t i = 0; i < sb->count; i++) {
      if (GRPC_SLICE_LENGTH(sb->slices[i]) == 0) continue;
      b->slices[b->n++] = grpc_slice_ref(sb->slices[i]);
      b->total += GRPC_SLICE_LENGTH(sb->slices[i]);
    }
    return b;
  }
  grpc_byte_buffer_reader rd;
  if (!grpc_byte_buffer_reader_init(&rd, bb)) return NULL;
  size_t cap = 8;
  gf__ibuf* b = ibuf_alloc(cap);
  grpc_slice s;
  while (b && grpc_byte_buffer_reader_next(&rd, &s)) {
    if (b->n == cap) {
      grpc_slice* ns = realloc(b->slices, cap * 2 * sizeof(grpc_slice));
      if (!ns) {
        grpc_slice_unref(s);
        gf__ibuf_free(b);
        b = NULL;
        break;
      }
      b->slices = ns;
      cap *= 2;
    }
    b->total += GRPC_SLICE_LENGTH(s);
    b->slices[b->n++] = s;
  }
  grpc_byte_buffer_reader_destroy(&rd);
  return b;
}

size_t gf__ibuf_count(const gf__ibuf* b) { return b->n; }

gf_bytes gf__ibuf_seg(const gf__ibuf* b, size_t i) {
  return (gf_bytes){GRPC_SLICE_START_PTR(b->slices[i]), GRPC_SLICE_LENGTH(b->slices[i])};
}

size_t gf__ibuf_length(const gf__ibuf* b) { return b->total; }

void* gf__ibuf_seg_ref(gf__ibuf* b, size_t i, const uint8_t** data) {
  grpc_slice* s = malloc(sizeof(*s));
  if (!s) return NULL;
  *s = grpc_slice_ref(b->slices[i]);
  *data = GRPC_SLICE_START_PTR(*s); /* inline bytes now live inside the token */
  return s;
}

void gf__ibuf_seg_unref(void* token) {
  grpc_slice* s = token;
  if (!s) return;
  grpc_slice_unref(*s);
  free(s);
}

void gf__ibuf_free(gf__ibuf* b) {
  if (!b) return;
  for (size_t i = 0; i < b->n; i++) grpc_slice_unref(b->slices[i]);
  free(b->slices);
  free(b);
}

gf__ibuf* gf__ibuf_from_owned_at(void* base, uint8_t* data, size_t len) {
  gf__ibuf* b = ibuf_alloc(1);
  if (!b) return NULL;
  if (len) {
    b->slices[0] = grpc_slice_new_with_user_data(data, len, free, base);
    b->n = 1;
    b->total = len;
  } else {
    free(base);
  }
  return b;
}

gf__ibuf* gf__ibuf_from_segments(const gf_bytes* segs, size_t n) {
  gf__ibuf* b = ibuf_alloc(n);
  if (!b) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (segs[i].len == 0) continue;
    b->slices[b->n++] = grpc_slice_from_copied_buffer((const char*)segs[i].data, segs[i].len);
    b->total += segs[i].len;
  }
  return b;
}

int gf__ibuf_flatten(const gf__ibuf* b, uint8_t** out, size_t* len) {
  uint8_t* p = malloc(b->total ? b->total : 1);
  if (!p) return GF_NO_MEMORY;
  size_t off = 0;
  for (size_t i = 0; i < b->n; i++) {
    size_t l = GRPC_SLICE_LENGTH(b->slices[i]);
    memcpy(p + off, GRPC_SLICE_START_PTR(b->slices[i]), l);
    off += l;
  }
  *out = p;
  *len = off;
  return GF_OK;
}

void gf__transport_init(void) { grpc_init(); }
void gf__transport_shutdown(void) { grpc_shutdown_blocking(); }
