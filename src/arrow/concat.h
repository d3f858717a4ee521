/* Internal array algorithms shared by the IPC module: concatenation of
 * arrays of one type (every type, nested and dictionary-encoded included)
 * into a new self-owned array, and logical equality of two value ranges
 * (bytes under null slots, padding and offsets bases are ignored). Pure
 * functions on caller-owned arrays; any thread. */
#ifndef GF_ARROW_CONCAT_H
#define GF_ARROW_CONCAT_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/arrow.h"

/* Concatenates arrays[0..n) (all of type `schema`, valid per
 * gf_array_validate FULL) into `out`, which owns copies of everything it
 * references (its release frees them). Dictionary-encoded inputs keep their
 * indices when every dictionary is a prefix of the last one (the delta
 * case); otherwise the dictionaries are concatenated and indices shifted.
 * Errors: GF_INVALID_ARGUMENT when the result does not fit the type (32-bit
 * offsets, run ends or dictionary indices), GF_NO_MEMORY. */
int gf__array_concat(const struct ArrowArray* const* arrays, size_t n,
                     const struct ArrowSchema* schema, struct ArrowArray* out, gf_error* err);

/* 1 when x[xoff, xoff+len) and y[yoff, yoff+len) (logical positions) hold
 * the same values: same validity, equal valid values (dictionary-encoded
 * values compared through their dictionaries). 0 otherwise. */
int gf__array_range_equal(const struct ArrowArray* x, int64_t xoff, const struct ArrowArray* y,
                          int64_t yoff, int64_t len, const struct ArrowSchema* schema);

/* Same, but dictionary-encoded values compare by index (dictionaries not
 * consulted): what a reader resolving indices against its current
 * dictionaries sees. */
int gf__array_range_equal_indices(const struct ArrowArray* x, int64_t xoff,
                                  const struct ArrowArray* y, int64_t yoff, int64_t len,
                                  const struct ArrowSchema* schema);

#endif
