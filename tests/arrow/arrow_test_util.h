/* Helpers for the tests in tests/arrow: terse schema construction and
 * typed buffer reads. Header-only (static functions). */
#ifndef GF_ARROW_TEST_UTIL_H
#define GF_ARROW_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"

/* Initialises `s` (format, name) with n children; returns s->children. */
static inline struct ArrowSchema** sch(struct ArrowSchema* s, const char* fmt, const char* name, int n) {
  if (gf_schema_init(s, fmt, name, ARROW_FLAG_NULLABLE, NULL) != GF_OK) abort();
  if (n > 0 && gf_schema_allocate_children(s, n, NULL) != GF_OK) abort();
  return s->children;
}

/* Gives `s` a dictionary with value format `fmt`; returns it. */
static inline struct ArrowSchema* sch_dict(struct ArrowSchema* s, const char* fmt) {
  if (gf_schema_allocate_dictionary(s, NULL) != GF_OK) abort();
  sch(s->dictionary, fmt, NULL, 0);
  return s->dictionary;
}

/* A builder for a one-node schema (released after creating the builder). */
static inline gf_builder* builder_for(const char* fmt) {
  struct ArrowSchema s;
  sch(&s, fmt, "x", 0);
  gf_builder* b = NULL;
  gf_error err;
  if (gf_builder_create(&s, &b, &err) != GF_OK) {
    fprintf(stderr, "builder_for(%s): %s\n", fmt, err.message);
    abort();
  }
  s.release(&s);
  return b;
}

static inline int64_t rd(const struct ArrowArray* a, int buf, int width, int64_t i) {
  const uint8_t* p = (const uint8_t*)a->buffers[buf] + i * width;
  switch (width) {
    case 1: { int8_t v; memcpy(&v, p, 1); return v; }
    case 2: { int16_t v; memcpy(&v, p, 2); return v; }
    case 4: { int32_t v; memcpy(&v, p, 4); return v; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
  }
}

static inline int bit(const void* bits, int64_t i) {
  return bits == NULL ? 1 : (((const uint8_t*)bits)[i >> 3] >> (i & 7)) & 1;
}

#endif
