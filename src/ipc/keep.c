/* Reference-counted memory owners of the IPC module: received message
 * bodies (gf_ipc_body), keep-alive holders for decoded arrays, and the
 * ArrowArray node plumbing (release callbacks, structural sharing). Refcounts
 * are atomic: release from any thread. */
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc_internal.h"

struct gf_ipc_body {
  atomic_long refs;
  const uint8_t* data;
  size_t len;
  void (*release)(void* ctx);
  void* ctx;
};

gf_ipc_body* gf_ipc_body_wrap(const uint8_t* data, size_t len, void (*release)(void* ctx),
                              void* ctx) {
  gf_ipc_body* b = calloc(1, sizeof(*b));
  if (b == NULL) return NULL;
  atomic_init(&b->refs, 1);
  b->data = data;
  b->len = len;
  b->release = release;
  b->ctx = ctx;
  return b;
}

gf_ipc_body* gf_ipc_body_alloc(size_t len, uint8_t** data) {
  size_t sz = (len + 63) / 64 * 64;
  void* p = aligned_alloc(64, sz ? sz : 64);
  if (p == NULL) return NULL;
  gf_ipc_body* b = gf_ipc_body_wrap(p, len, free, p);
  if (b == NULL) {
    free(p);
    return NULL;
  }
  if (data) *data = p;
  return b;
}

gf_ipc_body* gf_ipc_body_copy(const uint8_t* data, size_t len) {
  uint8_t* p;
  gf_ipc_body* b = gf_ipc_body_alloc(len, &p);
  if (b && len) memcpy(p, data, len);
  return b;
}

void gf_ipc_body_ref(gf_ipc_body* body) {
  if (body) atomic_fetch_add(&body->refs, 1);
}

void gf_ipc_body_unref(gf_ipc_body* body) {
  if (body == NULL || atomic_fetch_sub(&body->refs, 1) != 1) return;
  if (body->release) body->release(body->ctx);
  free(body);
}

const uint8_t* gf__body_data(const gf_ipc_body* b) { return b ? b->data : NULL; }
size_t gf__body_len(const gf_ipc_body* b) { return b ? b->len : 0; }

/* ---- keep ---------------------------------------------------------------- */

gf__keep* gf__keep_new(gf_ipc_body* body) {
  gf__keep* k = calloc(1, sizeof(*k));
  if (k == NULL) return NULL;
  atomic_init(&k->refs, 1);
  gf_ipc_body_ref(body);
  k->body = body;
  return k;
}

void gf__keep_ref(gf__keep* k) {
  if (k) atomic_fetch_add(&k->refs, 1);
}

void gf__keep_unref(gf__keep* k) {
  if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1) return;
  for (size_t i = 0; i < k->n_allocs; i++) free(k->allocs[i]);
  free(k->allocs);
  gf_ipc_body_unref(k->body);
  gf__src_unref(k->src);
  free(k);
}

static int grow(void*** arr, size_t* cap, size_t n) {
  if (n < *cap) return 1;
  size_t nc = *cap ? *cap * 2 : 8;
  void** p = realloc(*arr, nc * sizeof(void*));
  if (p == NULL) return 0;
  *arr = p;
  *cap = nc;
  return 1;
}

int gf__keep_add_alloc(gf__keep* k, void* p) {
  if (!grow(&k->allocs, &k->cap_allocs, k->n_allocs)) {
    free(p);
    return GF_NO_MEMORY;
  }
  k->allocs[k->n_allocs++] = p;
  return GF_OK;
}

/* ---- array nodes ------------------------------------------------------- */

typedef struct node_priv {
  gf__keep* keep;
  struct ArrowArray* child_structs;
} node_priv;

static void node_release(struct ArrowArray* a) {
  if (a == NULL || a->release == NULL) return;
  node_priv* p = a->private_data;
  for (int64_t i = 0; i < a->n_children; i++) {
    struct ArrowArray* c = a->children[i];
    if (c && c->release) c->release(c);
  }
  if (a->dictionary) {
    if (a->dictionary->release) a->dictionary->release(a->dictionary);
    free(a->dictionary);
  }
  free(p->child_structs);
  free(a->children);
  free((void*)a->buffers);
  gf__keep_unref(p->keep);
  free(p);
  a->release = NULL;
}

int gf__node_init(struct ArrowArray* a, gf__keep* k, int64_t n_buffers, int64_t n_children,
                  int with_dict) {
  memset(a, 0, sizeof(*a));
  node_priv* p = calloc(1, sizeof(*p));
  const void** bufs = calloc((size_t)n_buffers + 1, sizeof(void*));
  struct ArrowArray** ch = calloc((size_t)n_children + 1, sizeof(void*));
  struct ArrowArray* cs = calloc((size_t)n_children + 1, sizeof(struct ArrowArray));
  struct ArrowArray* d = with_dict ? calloc(1, sizeof(struct ArrowArray)) : NULL;
  if (!p || !bufs || !ch || !cs || (with_dict && !d)) {
    free(p);
    free(bufs);
    free(ch);
    free(cs);
    free(d);
    return GF_NO_MEMORY;
  }
  for (int64_t i = 0; i < n_children; i++) ch[i] = &cs[i];
  gf__keep_ref(k);
  p->keep = k;
  p->child_structs = cs;
  a->n_buffers = n_buffers;
  a->n_children = n_children;
  a->buffers = bufs;
  a->children = ch;
  a->dictionary = d;
  a->release = node_release;
  a->private_data = p;
  return GF_OK;
}

int gf__array_share(const struct ArrowArray* src, gf__keep* k, struct ArrowArray* dst) {
  /* nodes we built keep their own holder alive; foreign nodes use k */
  if (src->release == node_release) k = ((node_priv*)src->private_data)->keep;
  int rc = gf__node_init(dst, k, src->n_buffers, src->n_children, src->dictionary != NULL);
  if (rc) return rc;
  dst->length = src->length;
  dst->null_count = src->null_count;
  dst->offset = src->offset;
  for (int64_t i = 0; i < src->n_buffers; i++) dst->buffers[i] = src->buffers[i];
  for (int64_t i = 0; i < src->n_children && rc == GF_OK; i++)
    rc = gf__array_share(src->children[i], k, dst->children[i]);
  if (rc == GF_OK && src->dictionary) rc = gf__array_share(src->dictionary, k, dst->dictionary);
  if (rc) dst->release(dst);
  return rc;
}

/* ---- encoder-side source holder ------------------------------------------ */

gf__src* gf__src_new(struct ArrowArray* moved) {
  gf__src* s = calloc(1, sizeof(*s));
  if (s == NULL) return NULL;
  atomic_init(&s->refs, 1);
  s->arr = *moved;
  moved->release = NULL;
  return s;
}

void gf__src_ref(gf__src* s) {
  if (s) atomic_fetch_add(&s->refs, 1);
}

void gf__src_unref(gf__src* s) {
  if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1) return;
  if (s->arr.release) s->arr.release(&s->arr);
  free(s);
}

/* ---- dictionary id maps ------------------------------------------------------ */

int gf__dict_map_add(gf__dict_map* m, const struct ArrowSchema* node, int64_t id) {
  if (m->n == m->cap) {
    size_t nc = m->cap ? m->cap * 2 : 8;
    gf__dict_entry* e = realloc(m->e, nc * sizeof(*e));
    if (e == NULL) return GF_NO_MEMORY;
    m->e = e;
    m->cap = nc;
  }
  m->e[m->n].node = node;
  m->e[m->n].id = id;
  m->n++;
  return GF_OK;
}

static int build_rec(gf__dict_map* m, const struct ArrowSchema* s, int depth) {
  if (depth > 200) return GF_INVALID_ARGUMENT;
  int rc;
  if (s->dictionary) {
    if ((rc = gf__dict_map_add(m, s, (int64_t)m->n))) return rc;
    s = s->dictionary;
  }
  for (int64_t i = 0; i < s->n_children; i++)
    if ((rc = build_rec(m, s->children[i], depth + 1))) return rc;
  return GF_OK;
}

int gf__dict_map_build(gf__dict_map* m, const struct ArrowSchema* schema) {
  for (int64_t i = 0; i < schema->n_children; i++) {
    int rc = build_rec(m, schema->children[i], 1);
    if (rc) return rc;
  }
  return GF_OK;
}

int gf__dict_map_find(const gf__dict_map* m, const struct ArrowSchema* node, int64_t* id) {
  for (size_t i = 0; i < m->n; i++)
    if (m->e[i].node == node) {
      *id = m->e[i].id;
      return 1;
    }
  return 0;
}

void gf__dict_map_free(gf__dict_map* m) {
  free(m->e);
  memset(m, 0, sizeof(*m));
}
