/* FlatBuffers forward-layout builder and bounds-checked lazy reader used by
 * the IPC metadata codec (see fb.h). Any thread; no shared state. */
#include "ipc/fb.h"

#include <stdlib.h>
#include <string.h>

/* ---- builder ------------------------------------------------------------ */

void gf__fbb_init(gf__fbb* b) { memset(b, 0, sizeof(*b)); }

void gf__fbb_free(gf__fbb* b) {
  free(b->buf);
  memset(b, 0, sizeof(*b));
}

static int fbb_grow(gf__fbb* b, size_t need) {
  if (b->oom) return 0;
  if (need <= b->cap) return 1;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  uint8_t* p = realloc(b->buf, cap);
  if (p == NULL) {
    b->oom = 1;
    return 0;
  }
  b->buf = p;
  b->cap = cap;
  return 1;
}

size_t gf__fbb_alloc(gf__fbb* b, size_t n) {
  size_t pos = b->len;
  if (!fbb_grow(b, b->len + n)) return pos;
  memset(b->buf + b->len, 0, n);
  b->len += n;
  return pos;
}

void gf__fbb_align(gf__fbb* b, size_t align) {
  size_t pad = (align - (b->len % align)) % align;
  if (pad) gf__fbb_alloc(b, pad);
}

void gf__fbb_put(gf__fbb* b, size_t pos, uint64_t v, int size) {
  if (b->oom || pos + (size_t)size > b->len) return;
  for (int i = 0; i < size; i++) b->buf[pos + (size_t)i] = (uint8_t)(v >> (8 * i));
}

void gf__fbb_patch(gf__fbb* b, size_t slot, size_t target) {
  gf__fbb_put(b, slot, (uint64_t)(target - slot), 4);
}

size_t gf__fbb_start(gf__fbb* b) { return gf__fbb_alloc(b, 4); }

size_t gf__fbb_table(gf__fbb* b, const gf__fb_field* fields, int n, size_t* slots) {
  int order[GF__FB_MAX_FIELDS];
  int max_id = -1;
  for (int i = 0; i < n; i++) {
    order[i] = i;
    if (fields[i].id > max_id) max_id = fields[i].id;
  }
  /* stable sort by size descending (insertion sort, n is tiny) */
  for (int i = 1; i < n; i++) {
    int k = order[i], j = i;
    while (j > 0 && fields[order[j - 1]].size < fields[k].size) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = k;
  }
  size_t fpos[GF__FB_MAX_FIELDS];
  size_t cur = 4;
  for (int i = 0; i < n; i++) {
    const gf__fb_field* f = &fields[order[i]];
    cur = (cur + f->size - 1) / f->size * f->size;
    fpos[order[i]] = cur;
    cur += f->size;
  }
  gf__fbb_align(b, 2);
  size_t vt_len = 4 + 2 * (size_t)(max_id + 1);
  size_t vt = gf__fbb_alloc(b, vt_len);
  gf__fbb_align(b, 8);
  size_t tb = gf__fbb_alloc(b, cur);
  gf__fbb_put(b, vt, vt_len, 2);
  gf__fbb_put(b, vt + 2, cur, 2);
  for (int i = 0; i < n; i++) gf__fbb_put(b, vt + 4 + 2 * (size_t)fields[i].id, fpos[i], 2);
  gf__fbb_put(b, tb, (uint64_t)(uint32_t)(int32_t)(tb - vt), 4);
  for (int i = 0; i < n; i++) {
    if (!fields[i].is_offset) gf__fbb_put(b, tb + fpos[i], fields[i].value, fields[i].size);
    if (slots) slots[i] = tb + fpos[i];
  }
  return tb;
}

size_t gf__fbb_string(gf__fbb* b, const char* s, size_t n) {
  gf__fbb_align(b, 4);
  size_t pos = gf__fbb_alloc(b, 4 + n + 1);
  gf__fbb_put(b, pos, n, 4);
  if (!b->oom && n) memcpy(b->buf + pos + 4, s, n);
  return pos;
}

size_t gf__fbb_vector(gf__fbb* b, size_t n, size_t elem_size, size_t* vec_pos) {
  gf__fbb_align(b, 4);
  if (elem_size == 8 && b->len % 8 != 4) gf__fbb_alloc(b, 4);
  size_t pos = gf__fbb_alloc(b, 4 + n * elem_size);
  gf__fbb_put(b, pos, n, 4);
  if (vec_pos) *vec_pos = pos;
  return pos + 4;
}

size_t gf__fbb_finish(gf__fbb* b) {
  gf__fbb_align(b, 8);
  return b->oom ? 0 : b->len;
}

/* ---- reader ------------------------------------------------------------- */

uint64_t gf__fb_load(const uint8_t* p, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

void gf__fbr_init(gf__fbr* r, const uint8_t* buf, size_t len) {
  r->buf = buf;
  r->len = len;
  r->tables = 0;
  r->max_tables = len * 8 + 64;
}

static int bad(gf_error* err, const char* what, const char* why) {
  return gf_error_set(err, GF_INVALID_ARGUMENT, "malformed IPC metadata: %s: %s", what, why);
}

static int open_table(gf__fbr* r, size_t pos, gf__fbt* t, const char* what, gf_error* err) {
  memset(t, 0, sizeof(*t));
  t->r = r;
  if (++r->tables > r->max_tables) return bad(err, what, "too many tables");
  if (pos > r->len || r->len - pos < 4) return bad(err, what, "table offset out of bounds");
  int32_t so = (int32_t)(uint32_t)gf__fb_load(r->buf + pos, 4);
  int64_t vt = (int64_t)pos - (int64_t)so;
  if (vt < 0 || (uint64_t)vt + 4 > r->len) return bad(err, what, "vtable out of bounds");
  uint16_t vl = (uint16_t)gf__fb_load(r->buf + vt, 2);
  uint16_t tl = (uint16_t)gf__fb_load(r->buf + vt + 2, 2);
  if (vl < 4 || (vl & 1) || (uint64_t)vt + vl > r->len) return bad(err, what, "bad vtable size");
  if (tl < 4 || (uint64_t)pos + tl > r->len) return bad(err, what, "table size out of bounds");
  t->pos = pos;
  t->vt = (size_t)vt;
  t->vt_len = vl;
  t->tb_len = tl;
  t->present = 1;
  return GF_OK;
}

int gf__fbr_root(gf__fbr* r, gf__fbt* t, const char* what, gf_error* err) {
  if (r->buf == NULL || r->len < 8) return bad(err, what, "buffer too short");
  return open_table(r, (size_t)gf__fb_load(r->buf, 4), t, what, err);
}

/* Position of field id (0 = absent); error when it does not fit the table. */
static int field_pos(const gf__fbt* t, int id, int size, size_t* pos, const char* what,
                     gf_error* err) {
  *pos = 0;
  if (!t->present) return GF_OK;
  size_t slot = 4 + 2 * (size_t)id;
  if (slot + 2 > t->vt_len) return GF_OK;
  uint16_t fo = (uint16_t)gf__fb_load(t->r->buf + t->vt + slot, 2);
  if (fo == 0) return GF_OK;
  if ((size_t)fo + (size_t)size > t->tb_len) return bad(err, what, "field outside its table");
  *pos = t->pos + fo;
  return GF_OK;
}

static int scalar(const gf__fbt* t, int id, int size, uint64_t def, uint64_t* out,
                  const char* what, gf_error* err) {
  size_t p;
  int rc = field_pos(t, id, size, &p, what, err);
  if (rc) return rc;
  *out = p ? gf__fb_load(t->r->buf + p, size) : def;
  return GF_OK;
}

int gf__fbt_u8(const gf__fbt* t, int id, uint8_t def, uint8_t* out, const char* what,
               gf_error* err) {
  uint64_t v = 0;
  int rc = scalar(t, id, 1, def, &v, what, err);
  *out = (uint8_t)v;
  return rc;
}

int gf__fbt_i16(const gf__fbt* t, int id, int16_t def, int16_t* out, const char* what,
                gf_error* err) {
  uint64_t v = 0;
  int rc = scalar(t, id, 2, (uint16_t)def, &v, what, err);
  *out = (int16_t)(uint16_t)v;
  return rc;
}

int gf__fbt_i32(const gf__fbt* t, int id, int32_t def, int32_t* out, const char* what,
                gf_error* err) {
  uint64_t v = 0;
  int rc = scalar(t, id, 4, (uint32_t)def, &v, what, err);
  *out = (int32_t)(uint32_t)v;
  return rc;
}

int gf__fbt_i64(const gf__fbt* t, int id, int64_t def, int64_t* out, const char* what,
                gf_error* err) {
  uint64_t v = 0;
  int rc = scalar(t, id, 8, (uint64_t)def, &v, what, err);
  *out = (int64_t)v;
  return rc;
}

/* Follows the uoffset at p; target must leave `need` bytes. */
static int deref(const gf__fbr* r, size_t p, size_t need, size_t* target, const char* what,
                 gf_error* err) {
  if (p > r->len || r->len - p < 4) return bad(err, what, "offset out of bounds");
  uint64_t t = (uint64_t)p + gf__fb_load(r->buf + p, 4);
  if (t > r->len || r->len - t < need) return bad(err, what, "offset out of bounds");
  *target = (size_t)t;
  return GF_OK;
}

int gf__fbt_table(const gf__fbt* t, int id, gf__fbt* out, const char* what, gf_error* err) {
  size_t p, tp;
  memset(out, 0, sizeof(*out));
  out->r = t->r;
  int rc = field_pos(t, id, 4, &p, what, err);
  if (rc || !p) return rc;
  if ((rc = deref(t->r, p, 4, &tp, what, err))) return rc;
  return open_table(t->r, tp, out, what, err);
}

static int read_string(const gf__fbr* r, size_t p, const char** s, size_t* n, const char* what,
                       gf_error* err) {
  size_t sp;
  int rc = deref(r, p, 4, &sp, what, err);
  if (rc) return rc;
  uint64_t len = gf__fb_load(r->buf + sp, 4);
  if (len + 1 > r->len - sp - 4) return bad(err, what, "string out of bounds");
  if (r->buf[sp + 4 + len] != 0) return bad(err, what, "string not NUL-terminated");
  *s = (const char*)r->buf + sp + 4;
  *n = (size_t)len;
  return GF_OK;
}

int gf__fbt_string(const gf__fbt* t, int id, const char** s, size_t* n, const char* what,
                   gf_error* err) {
  size_t p;
  *s = NULL;
  *n = 0;
  int rc = field_pos(t, id, 4, &p, what, err);
  if (rc || !p) return rc;
  return read_string(t->r, p, s, n, what, err);
}

int gf__fbt_vector(const gf__fbt* t, int id, size_t elem_size, gf__fbv* v, const char* what,
                   gf_error* err) {
  size_t p, vp;
  v->pos = 0;
  v->n = 0;
  int rc = field_pos(t, id, 4, &p, what, err);
  if (rc || !p) return rc;
  if ((rc = deref(t->r, p, 4, &vp, what, err))) return rc;
  uint64_t n = gf__fb_load(t->r->buf + vp, 4);
  if (n * elem_size > t->r->len - vp - 4) return bad(err, what, "vector out of bounds");
  v->pos = vp + 4;
  v->n = (uint32_t)n;
  return GF_OK;
}

int gf__fbv_table(gf__fbr* r, const gf__fbv* v, uint32_t i, gf__fbt* out, const char* what,
                  gf_error* err) {
  size_t tp;
  memset(out, 0, sizeof(*out));
  out->r = r;
  if (i >= v->n) return bad(err, what, "vector index out of range");
  int rc = deref(r, v->pos + 4 * (size_t)i, 4, &tp, what, err);
  if (rc) return rc;
  return open_table(r, tp, out, what, err);
}

