/* Hand-written FlatBuffers support for the Arrow IPC metadata: a forward
 * layout builder (tables written parent-first, children after, uoffsets
 * patched, alignment relative to the buffer start) and a bounds-checked,
 * alignment-agnostic lazy reader (every offset, vtable, string and vector is
 * checked against the buffer on access; a table-count cap bounds the work on
 * hostile input). Pure functions on caller-owned state; any thread. */
#ifndef GF_IPC_FB_H
#define GF_IPC_FB_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"

/* ---- builder ------------------------------------------------------------ */

typedef struct gf__fbb {
  uint8_t* buf;
  size_t len;
  size_t cap;
  int oom;
} gf__fbb;

/* One inline table field. size is 1, 2, 4 or 8; is_offset fields are 4-byte
 * uoffsets whose slot position is returned by gf__fbb_table (patch later). */
typedef struct gf__fb_field {
  uint16_t id;
  uint8_t size;
  uint8_t is_offset;
  uint64_t value;
} gf__fb_field;

#define GF__FB_MAX_FIELDS 16

void gf__fbb_init(gf__fbb* b);
void gf__fbb_free(gf__fbb* b);
/* Pads with zeros to a multiple of `align` (relative to the buffer start). */
void gf__fbb_align(gf__fbb* b, size_t align);
/* Appends n zero bytes; returns their position. */
size_t gf__fbb_alloc(gf__fbb* b, size_t n);
void gf__fbb_put(gf__fbb* b, size_t pos, uint64_t v, int size);
/* Writes the uoffset at `slot` so that it points to `target` (> slot). */
void gf__fbb_patch(gf__fbb* b, size_t slot, size_t target);
/* Root uoffset placeholder at position 0. */
size_t gf__fbb_start(gf__fbb* b);
/* Writes a vtable and a table; slots[i] receives the position of fields[i].
 * Returns the table position. */
size_t gf__fbb_table(gf__fbb* b, const gf__fb_field* fields, int n, size_t* slots);
/* Writes a string (4-aligned, NUL terminated); returns its position. */
size_t gf__fbb_string(gf__fbb* b, const char* s, size_t n);
/* Starts a vector of n elements of elem_size (alignment max(4, elem_size));
 * returns the position of the first element; *vec_pos receives the vector
 * position (the count). */
size_t gf__fbb_vector(gf__fbb* b, size_t n, size_t elem_size, size_t* vec_pos);
/* Pads to 8 and returns the finished length (or 0 on allocation failure). */
size_t gf__fbb_finish(gf__fbb* b);

/* ---- reader ------------------------------------------------------------- */

typedef struct gf__fbr {
  const uint8_t* buf;
  size_t len;
  size_t tables;      /* tables opened so far */
  size_t max_tables;  /* cap (hostile DAGs) */
} gf__fbr;

typedef struct gf__fbt {
  gf__fbr* r;
  size_t pos;      /* table start */
  size_t vt;       /* vtable start */
  uint16_t vt_len; /* bytes */
  uint16_t tb_len; /* inline bytes */
  int present;     /* 0: absent table (all fields default) */
} gf__fbt;

typedef struct gf__fbv {
  size_t pos; /* first element */
  uint32_t n;
} gf__fbv;

void gf__fbr_init(gf__fbr* r, const uint8_t* buf, size_t len);
uint64_t gf__fb_load(const uint8_t* p, int size);
/* Opens the root table. what names the object in messages. */
int gf__fbr_root(gf__fbr* r, gf__fbt* t, const char* what, gf_error* err);
/* Scalar fields (absent -> def). Errors when the field lies outside the table. */
int gf__fbt_u8(const gf__fbt* t, int id, uint8_t def, uint8_t* out, const char* what, gf_error* err);
int gf__fbt_i16(const gf__fbt* t, int id, int16_t def, int16_t* out, const char* what,
                gf_error* err);
int gf__fbt_i32(const gf__fbt* t, int id, int32_t def, int32_t* out, const char* what,
                gf_error* err);
int gf__fbt_i64(const gf__fbt* t, int id, int64_t def, int64_t* out, const char* what,
                gf_error* err);
/* Sub-table (absent -> out->present = 0). */
int gf__fbt_table(const gf__fbt* t, int id, gf__fbt* out, const char* what, gf_error* err);
/* String (absent -> *s = NULL). Points into the buffer, NUL-terminated. */
int gf__fbt_string(const gf__fbt* t, int id, const char** s, size_t* n, const char* what,
                   gf_error* err);
/* Vector (absent -> n = 0). elem_size is the element byte size. */
int gf__fbt_vector(const gf__fbt* t, int id, size_t elem_size, gf__fbv* v, const char* what,
                   gf_error* err);
/* Element i of a vector of tables / strings. */
int gf__fbv_table(gf__fbr* r, const gf__fbv* v, uint32_t i, gf__fbt* out, const char* what,
                  gf_error* err);

#endif
