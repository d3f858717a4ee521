/* Zero-copy shared views of ArrowArray trees (gf_array_share) and a
 * reference-counted array holder built on them. Views may be created and
 * released from any thread (the owner's ref/unref must be thread-safe; the
 * holder's counter is atomic). */
#include <stdatomic.h>
#include <stdlib.h>

#include "gooddata_flight_server/arrow.h"

#define MAX_SHARE_DEPTH 256

typedef struct share_priv {
  void (*unref)(void*);
  void* owner;
} share_priv;

/* Block layout: share_priv | buffers[nb] | children ptrs[nc] | child structs[nc] | dict struct */
static void share_release(struct ArrowArray* a) {
  if (a == NULL || a->release == NULL) return;
  share_priv* p = a->private_data;
  for (int64_t i = 0; i < a->n_children; i++) {
    if (a->children[i]->release) a->children[i]->release(a->children[i]);
  }
  if (a->dictionary && a->dictionary->release) a->dictionary->release(a->dictionary);
  p->unref(p->owner);
  free(p);
  a->release = NULL;
}

static int share_node(const struct ArrowArray* src, void (*ref)(void*), void (*unref)(void*),
                      void* owner, struct ArrowArray* out, int depth, gf_error* err) {
  if (src == NULL || src->release == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "array share: source array is released");
  if (depth > MAX_SHARE_DEPTH)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "array share: nesting too deep");
  if (src->n_buffers < 0 || src->n_children < 0 || src->n_buffers > 1000000 || src->n_children > 1000000)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "array share: bad buffer or child count");
  size_t nb = (size_t)src->n_buffers, nc = (size_t)src->n_children;
  size_t size = sizeof(share_priv) + nb * sizeof(void*) + nc * sizeof(void*) +
                nc * sizeof(struct ArrowArray) + sizeof(struct ArrowArray);
  uint8_t* block = calloc(1, size);
  if (block == NULL) return gf_error_set(err, GF_NO_MEMORY, "array share: out of memory");
  share_priv* p = (share_priv*)block;
  const void** bufs = (const void**)(block + sizeof(share_priv));
  struct ArrowArray** kids = (struct ArrowArray**)(bufs + nb);
  struct ArrowArray* kid_structs = (struct ArrowArray*)(kids + nc);
  struct ArrowArray* dict = kid_structs + nc;
  for (size_t i = 0; i < nb; i++) bufs[i] = src->buffers[i];
  p->unref = unref;
  p->owner = owner;
  *out = *src;
  out->buffers = nb ? bufs : NULL;
  out->children = nc ? kids : NULL;
  out->dictionary = NULL;
  out->private_data = p;
  out->release = share_release;
  out->n_children = 0; /* grows as children are made, so a failure releases only those */
  ref(owner);
  for (size_t i = 0; i < nc; i++) {
    kids[i] = &kid_structs[i];
    int rc = share_node(src->children[i], ref, unref, owner, kids[i], depth + 1, err);
    if (rc != GF_OK) {
      share_release(out);
      return rc;
    }
    out->n_children = (int64_t)i + 1;
  }
  if (src->dictionary != NULL) {
    int rc = share_node(src->dictionary, ref, unref, owner, dict, depth + 1, err);
    if (rc != GF_OK) {
      share_release(out);
      return rc;
    }
    out->dictionary = dict;
  }
  return GF_OK;
}

gf_status gf_array_share(const struct ArrowArray* src, void (*ref)(void* owner),
                         void (*unref)(void* owner), void* owner, struct ArrowArray* out,
                         gf_error* err) {
  if (out == NULL || ref == NULL || unref == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "array share: NULL argument");
  out->release = NULL;
  return share_node(src, ref, unref, owner, out, 0, err);
}

struct gf_array_holder {
  atomic_long refs;
  struct ArrowArray array;
};

gf_status gf_array_holder_create(struct ArrowArray* array, gf_array_holder** out, gf_error* err) {
  *out = NULL;
  if (array == NULL || array->release == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "array holder: array is released");
  gf_array_holder* h = malloc(sizeof(*h));
  if (h == NULL) {
    array->release(array);
    return gf_error_set(err, GF_NO_MEMORY, "array holder: out of memory");
  }
  atomic_init(&h->refs, 1);
  gf_array_move(array, &h->array);
  *out = h;
  return GF_OK;
}

void gf_array_holder_ref(gf_array_holder* h) { atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed); }

void gf_array_holder_unref(gf_array_holder* h) {
  if (h == NULL) return;
  if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1) return;
  if (h->array.release) h->array.release(&h->array);
  free(h);
}

static void holder_ref(void* h) { gf_array_holder_ref(h); }
static void holder_unref(void* h) { gf_array_holder_unref(h); }

gf_status gf_array_holder_share(gf_array_holder* h, struct ArrowArray* out, gf_error* err) {
  return gf_array_share(&h->array, holder_ref, holder_unref, h, out, err);
}

const struct ArrowArray* gf_array_holder_array(const gf_array_holder* h) { return &h->array; }
