/* 64-byte aligned growable buffers for builders (geometric growth, so
 * appends are amortised O(1)). One owner per buffer, any thread. */
#include <stdlib.h>

#include "arrow/internal.h"

#define GF__ALIGN 64

void* gf__aligned_alloc(int64_t size) {
  void* p = NULL;
  if (size <= 0) size = GF__ALIGN;
  size = (size + GF__ALIGN - 1) & ~(int64_t)(GF__ALIGN - 1);
  if (posix_memalign(&p, GF__ALIGN, (size_t)size) != 0) return NULL;
  return p;
}

int gf__abuf_grow(gf__abuf* b, int64_t extra) {
  if (extra < 0 || b->size > INT64_MAX / 2 - extra) return GF_NO_MEMORY;
  int64_t need = b->size + extra;
  if (need <= b->cap) return GF_OK;
  int64_t cap = b->cap < 64 ? 64 : b->cap;
  while (cap < need) cap *= 2;
  uint8_t* p = gf__aligned_alloc(cap);
  if (p == NULL) return GF_NO_MEMORY;
  if (b->size) memcpy(p, b->data, (size_t)b->size);
  free(b->data);
  b->data = p;
  b->cap = cap;
  return GF_OK;
}

void gf__abuf_free(gf__abuf* b) {
  free(b->data);
  b->data = NULL;
  b->size = b->cap = 0;
}

uint8_t* gf__abuf_take(gf__abuf* b) {
  uint8_t* p = b->data;
  b->data = NULL;
  b->size = b->cap = 0;
  return p;
}
