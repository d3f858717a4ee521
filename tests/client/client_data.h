/* Test data for the C client tests: a schema {id: int64, name: utf8,
 * score: float64 (nullable)} and deterministic batches built with the public
 * builders, plus a checker that a received batch holds the expected rows.
 * Header-only; the test's main thread. */
#ifndef GF_TESTS_FLIGHT_CLIENT_DATA_H
#define GF_TESTS_FLIGHT_CLIENT_DATA_H

#include <stdio.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"

static inline int td_schema(struct ArrowSchema* s) {
  if (gf_schema_init(s, "+s", "", 0, NULL)) return -1;
  if (gf_schema_allocate_children(s, 3, NULL)) return -1;
  if (gf_schema_init(s->children[0], "l", "id", 0, NULL)) return -1;
  if (gf_schema_init(s->children[1], "u", "name", ARROW_FLAG_NULLABLE, NULL)) return -1;
  if (gf_schema_init(s->children[2], "g", "score", ARROW_FLAG_NULLABLE, NULL)) return -1;
  return 0;
}

/* Rows off..off+n-1: id = i, name = "row-i", score = i * 0.5 (null when i % 7 == 3). */
static inline int td_batch(const struct ArrowSchema* s, int64_t off, int64_t n,
                           struct ArrowArray* out) {
  gf_builder* b = NULL;
  if (gf_builder_create(s, &b, NULL)) return -1;
  char name[32];
  for (int64_t i = off; i < off + n; i++) {
    snprintf(name, sizeof(name), "row-%lld", (long long)i);
    if (gf_builder_append_int(gf_builder_child(b, 0), i) ||
        gf_builder_append_string(gf_builder_child(b, 1), name) ||
        (i % 7 == 3 ? gf_builder_append_null(gf_builder_child(b, 2), 1)
                    : gf_builder_append_double(gf_builder_child(b, 2), (double)i * 0.5)) ||
        gf_builder_append_struct_end(b)) {
      gf_builder_free(b);
      return -1;
    }
  }
  int rc = gf_builder_finish(b, out, NULL);
  gf_builder_free(b);
  return rc ? -1 : 0;
}

/* Checks rows of `a` against td_batch(off, a->length). Returns 0 when equal. */
static inline int td_check(const struct ArrowArray* a, int64_t off) {
  if (a->n_children != 3) return -1;
  const struct ArrowArray* ids = a->children[0];
  const struct ArrowArray* names = a->children[1];
  const struct ArrowArray* scores = a->children[2];
  const int64_t* id = (const int64_t*)ids->buffers[1] + ids->offset;
  const int32_t* no = (const int32_t*)names->buffers[1] + names->offset;
  const char* nd = (const char*)names->buffers[2];
  const double* sc = (const double*)scores->buffers[1] + scores->offset;
  const uint8_t* sv = (const uint8_t*)scores->buffers[0];
  char name[32];
  for (int64_t r = 0; r < a->length; r++) {
    int64_t i = off + r;
    if (id[r] != i) return -2;
    int len = snprintf(name, sizeof(name), "row-%lld", (long long)i);
    if (no[r + 1] - no[r] != len || memcmp(nd + no[r], name, (size_t)len) != 0) return -3;
    int64_t bit = scores->offset + r;
    int valid = sv == NULL || ((sv[bit / 8] >> (bit % 8)) & 1);
    if (valid != (i % 7 != 3)) return -4;
    if (valid && sc[r] != (double)i * 0.5) return -5;
  }
  return 0;
}

#endif
