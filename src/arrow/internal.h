/* Internal cross-file API of src/arrow: UTF-8 checking and the 64-byte
 * aligned growable buffer used by builders. Not thread-safe per object. */
#ifndef GF_ARROW_INTERNAL_H
#define GF_ARROW_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "common/utf8.h"
#include "gooddata_flight_server/arrow.h"

/* 1 when s[0..n) is well-formed UTF-8. */


/* Growable buffer, 64-byte aligned, capacity doubles. */
typedef struct gf__abuf {
  uint8_t* data;
  int64_t size;
  int64_t cap;
} gf__abuf;

/* Grows capacity to at least size + extra. Returns GF_OK or GF_NO_MEMORY. */
int gf__abuf_grow(gf__abuf* b, int64_t extra);
void gf__abuf_free(gf__abuf* b);
/* Hands the memory over (caller frees with free()); the buffer becomes empty. */
uint8_t* gf__abuf_take(gf__abuf* b);
/* Allocates 64-byte aligned memory (free with free()). */
void* gf__aligned_alloc(int64_t size);

static inline int gf__abuf_reserve(gf__abuf* b, int64_t extra) {
  return b->size + extra <= b->cap ? GF_OK : gf__abuf_grow(b, extra);
}

static inline int gf__abuf_append(gf__abuf* b, const void* p, int64_t n) {
  if (gf__abuf_reserve(b, n) != GF_OK) return GF_NO_MEMORY;
  if (n) memcpy(b->data + b->size, p, (size_t)n);
  b->size += n;
  return GF_OK;
}

static inline int gf__abuf_append_zeros(gf__abuf* b, int64_t n) {
  if (gf__abuf_reserve(b, n) != GF_OK) return GF_NO_MEMORY;
  if (n) memset(b->data + b->size, 0, (size_t)n);
  b->size += n;
  return GF_OK;
}

#endif
