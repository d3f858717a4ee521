/* Internal layout of gf_builder shared by builder.c (tree, finish, reset)
 * and builder_append.c (appends). A builder tree is used by one thread at a
 * time. */
#ifndef GF_ARROW_BUILDER_H
#define GF_ARROW_BUILDER_H

#include "arrow/internal.h"

#define GF__BUILDER_ERROR_SIZE 256

struct gf_builder {
  gf_builder* root;
  const struct ArrowSchema* schema; /* node inside root->schema_copy */
  gf_type t;
  int64_t length;
  int64_t null_count;
  gf__abuf validity;   /* materialised at the first null */
  int has_bitmap;
  gf__abuf b1;         /* values, bool bits, offsets, views, type ids */
  gf__abuf b2;         /* binary data, list view sizes, dense union offsets */
  gf__abuf* vdata;     /* view data buffers (last one is active) */
  int64_t n_vdata;
  int64_t cap_vdata;
  int64_t mark;       /* list views: child length at the start of the element */
  int64_t n_children;
  gf_builder** children;
  gf_builder* dict;
  int8_t child_of[128]; /* unions: type id -> child index, -1 if none */
  /* root only */
  struct ArrowSchema schema_copy;
  char last_error[GF__BUILDER_ERROR_SIZE];
};

/* Sets the root's last error ("field 'name' (type): message") and returns code. */
int gf__builder_fail(gf_builder* b, int code, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* 1 when the type stores offsets in b1 (binary/string/list/map), 8-byte when large. */
int gf__builder_offsets_width(gf_type_id id);

#endif
