/* Internal bitmap and unaligned-load helpers shared by src/arrow files.
 * Header-only, pure functions, any thread. */
#ifndef GF_ARROW_BITS_H
#define GF_ARROW_BITS_H

#include <stdint.h>
#include <string.h>

static inline int gf__bit_get(const uint8_t* bits, int64_t i) {
  return (bits[i >> 3] >> (i & 7)) & 1;
}

static inline void gf__bit_set_to(uint8_t* bits, int64_t i, int v) {
  uint8_t m = (uint8_t)(1u << (i & 7));
  if (v) bits[i >> 3] |= m;
  else bits[i >> 3] &= (uint8_t)~m;
}

/* Number of set bits in [start, start+len). */
static inline int64_t gf__bit_count(const uint8_t* bits, int64_t start, int64_t len) {
  int64_t n = 0, i = start, end = start + len;
  while (i < end && (i & 63) != 0) n += gf__bit_get(bits, i++);
  while (i + 64 <= end) {
    uint64_t w;
    memcpy(&w, bits + (i >> 3), 8);
    n += __builtin_popcountll(w);
    i += 64;
  }
  while (i < end) n += gf__bit_get(bits, i++);
  return n;
}

static inline int64_t gf__load_offset(const void* buf, int large, int64_t i) {
  if (large) {
    int64_t v;
    memcpy(&v, (const uint8_t*)buf + i * 8, 8);
    return v;
  }
  int32_t v;
  memcpy(&v, (const uint8_t*)buf + i * 4, 4);
  return v;
}

/* Loads a little-endian/native integer of `width` bytes (1,2,4,8). */
static inline int64_t gf__load_int(const void* buf, int width, int64_t i) {
  const uint8_t* p = (const uint8_t*)buf + i * width;
  switch (width) {
    case 1: { int8_t v; memcpy(&v, p, 1); return v; }
    case 2: { int16_t v; memcpy(&v, p, 2); return v; }
    case 4: { int32_t v; memcpy(&v, p, 4); return v; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
  }
}

#endif
