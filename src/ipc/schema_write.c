/* ArrowSchema -> Schema.fbs flatbuffer (Schema, Field, type tables,
 * DictionaryEncoding, KeyValue metadata) and the Schema Message envelope.
 * Pure functions; any thread. */
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc_internal.h"

typedef struct wctx {
  gf__fbb* b;
  const gf__dict_map* ids;
  gf_error* err;
} wctx;

#define F(id_, size_, val_) ((gf__fb_field){(uint16_t)(id_), (uint8_t)(size_), 0, (uint64_t)(val_)})
#define FO(id_) ((gf__fb_field){(uint16_t)(id_), 4, 1, 0})

/* Writes a KeyValue vector from a C metadata blob; patches slot. */
static void write_metadata(gf__fbb* b, size_t slot, const char* md) {
  int32_t n = gf_metadata_count(md);
  size_t vec;
  size_t first = gf__fbb_vector(b, (size_t)n, 4, &vec);
  gf__fbb_patch(b, slot, vec);
  size_t pos = 0;
  gf_metadata_entry e;
  for (int32_t i = 0; i < n && gf_metadata_next(md, &pos, &e); i++) {
    gf__fb_field f[2] = {FO(0), FO(1)};
    size_t slots[2];
    size_t t = gf__fbb_table(b, f, 2, slots);
    gf__fbb_patch(b, first + 4 * (size_t)i, t);
    gf__fbb_patch(b, slots[0], gf__fbb_string(b, (const char*)e.key.data, e.key.len));
    gf__fbb_patch(b, slots[1], gf__fbb_string(b, (const char*)e.value.data, e.value.len));
  }
}

static size_t write_int(gf__fbb* b, int bits, int is_signed) {
  gf__fb_field f[2] = {F(0, 4, bits), F(1, 1, is_signed)};
  return gf__fbb_table(b, f, 2, NULL);
}

static int int_params(gf_type_id id, int* bits, int* sign) {
  static const int tb[][3] = {{GF_TYPE_INT8, 8, 1},   {GF_TYPE_UINT8, 8, 0},
                              {GF_TYPE_INT16, 16, 1}, {GF_TYPE_UINT16, 16, 0},
                              {GF_TYPE_INT32, 32, 1}, {GF_TYPE_UINT32, 32, 0},
                              {GF_TYPE_INT64, 64, 1}, {GF_TYPE_UINT64, 64, 0}};
  for (size_t i = 0; i < sizeof(tb) / sizeof(tb[0]); i++)
    if ((int)id == tb[i][0]) {
      *bits = tb[i][1];
      *sign = tb[i][2];
      return 1;
    }
  return 0;
}

static size_t simple(gf__fbb* b, gf__fb_type tag, uint8_t* out_tag) {
  *out_tag = (uint8_t)tag;
  return gf__fbb_table(b, NULL, 0, NULL);
}

static size_t one(gf__fbb* b, gf__fb_type tag, int size, int64_t v, uint8_t* out_tag) {
  gf__fb_field f[1] = {F(0, size, v)};
  *out_tag = (uint8_t)tag;
  return gf__fbb_table(b, f, 1, NULL);
}

/* Writes the type table of t; returns its position and the union tag. */
static int write_type(wctx* w, const gf_type* t, const struct ArrowSchema* s, size_t* pos,
                      uint8_t* tag) {
  gf__fbb* b = w->b;
  int bits = 0, sign = 0;
  if (int_params(t->id, &bits, &sign)) {
    *tag = GF__FB_TYPE_INT;
    *pos = write_int(b, bits, sign);
    return GF_OK;
  }
  switch (t->id) {
    case GF_TYPE_NA: *pos = simple(b, GF__FB_TYPE_NULL, tag); break;
    case GF_TYPE_BOOL: *pos = simple(b, GF__FB_TYPE_BOOL, tag); break;
    case GF_TYPE_HALF_FLOAT: *pos = one(b, GF__FB_TYPE_FLOATING_POINT, 2, 0, tag); break;
    case GF_TYPE_FLOAT: *pos = one(b, GF__FB_TYPE_FLOATING_POINT, 2, 1, tag); break;
    case GF_TYPE_DOUBLE: *pos = one(b, GF__FB_TYPE_FLOATING_POINT, 2, 2, tag); break;
    case GF_TYPE_BINARY: *pos = simple(b, GF__FB_TYPE_BINARY, tag); break;
    case GF_TYPE_STRING: *pos = simple(b, GF__FB_TYPE_UTF8, tag); break;
    case GF_TYPE_LARGE_BINARY: *pos = simple(b, GF__FB_TYPE_LARGE_BINARY, tag); break;
    case GF_TYPE_LARGE_STRING: *pos = simple(b, GF__FB_TYPE_LARGE_UTF8, tag); break;
    case GF_TYPE_BINARY_VIEW: *pos = simple(b, GF__FB_TYPE_BINARY_VIEW, tag); break;
    case GF_TYPE_STRING_VIEW: *pos = simple(b, GF__FB_TYPE_UTF8_VIEW, tag); break;
    case GF_TYPE_FIXED_SIZE_BINARY: *pos = one(b, GF__FB_TYPE_FIXED_SIZE_BINARY, 4, t->byte_width, tag); break;
    case GF_TYPE_DECIMAL32:
    case GF_TYPE_DECIMAL64:
    case GF_TYPE_DECIMAL128:
    case GF_TYPE_DECIMAL256: {
      gf__fb_field f[3] = {F(0, 4, t->decimal_precision), F(1, 4, t->decimal_scale),
                           F(2, 4, t->decimal_bit_width)};
      *tag = GF__FB_TYPE_DECIMAL;
      *pos = gf__fbb_table(b, f, 3, NULL);
      break;
    }
    case GF_TYPE_DATE32: *pos = one(b, GF__FB_TYPE_DATE, 2, 0, tag); break;
    case GF_TYPE_DATE64: *pos = one(b, GF__FB_TYPE_DATE, 2, 1, tag); break;
    case GF_TYPE_TIME32:
    case GF_TYPE_TIME64: {
      gf__fb_field f[2] = {F(0, 2, t->unit), F(1, 4, t->id == GF_TYPE_TIME32 ? 32 : 64)};
      *tag = GF__FB_TYPE_TIME;
      *pos = gf__fbb_table(b, f, 2, NULL);
      break;
    }
    case GF_TYPE_TIMESTAMP: {
      gf__fb_field f[2] = {F(0, 2, t->unit), FO(1)};
      size_t slots[2];
      *tag = GF__FB_TYPE_TIMESTAMP;
      *pos = gf__fbb_table(b, f, t->timezone_len ? 2 : 1, slots);
      if (t->timezone_len)
        gf__fbb_patch(b, slots[1], gf__fbb_string(b, t->timezone, t->timezone_len));
      break;
    }
    case GF_TYPE_DURATION: *pos = one(b, GF__FB_TYPE_DURATION, 2, t->unit, tag); break;
    case GF_TYPE_INTERVAL_MONTHS: *pos = one(b, GF__FB_TYPE_INTERVAL, 2, 0, tag); break;
    case GF_TYPE_INTERVAL_DAY_TIME: *pos = one(b, GF__FB_TYPE_INTERVAL, 2, 1, tag); break;
    case GF_TYPE_INTERVAL_MONTH_DAY_NANO: *pos = one(b, GF__FB_TYPE_INTERVAL, 2, 2, tag); break;
    case GF_TYPE_LIST: *pos = simple(b, GF__FB_TYPE_LIST, tag); break;
    case GF_TYPE_LARGE_LIST: *pos = simple(b, GF__FB_TYPE_LARGE_LIST, tag); break;
    case GF_TYPE_LIST_VIEW: *pos = simple(b, GF__FB_TYPE_LIST_VIEW, tag); break;
    case GF_TYPE_LARGE_LIST_VIEW: *pos = simple(b, GF__FB_TYPE_LARGE_LIST_VIEW, tag); break;
    case GF_TYPE_FIXED_SIZE_LIST: *pos = one(b, GF__FB_TYPE_FIXED_SIZE_LIST, 4, t->list_size, tag); break;
    case GF_TYPE_STRUCT: *pos = simple(b, GF__FB_TYPE_STRUCT, tag); break;
    case GF_TYPE_MAP:
      *pos = one(b, GF__FB_TYPE_MAP, 1, (s->flags & ARROW_FLAG_MAP_KEYS_SORTED) ? 1 : 0, tag);
      break;
    case GF_TYPE_SPARSE_UNION:
    case GF_TYPE_DENSE_UNION: {
      gf__fb_field f[2] = {F(0, 2, t->id == GF_TYPE_DENSE_UNION ? 1 : 0), FO(1)};
      size_t slots[2];
      *tag = GF__FB_TYPE_UNION;
      *pos = gf__fbb_table(b, f, 2, slots);
      size_t vec;
      size_t first = gf__fbb_vector(b, (size_t)t->n_union_type_ids, 4, &vec);
      gf__fbb_patch(b, slots[1], vec);
      for (int i = 0; i < t->n_union_type_ids; i++)
        gf__fbb_put(b, first + 4 * (size_t)i, (uint32_t)(int32_t)t->union_type_ids[i], 4);
      break;
    }
    case GF_TYPE_RUN_END_ENCODED: *pos = simple(b, GF__FB_TYPE_RUN_END_ENCODED, tag); break;
    default:
      return gf_error_set(w->err, GF_INVALID_ARGUMENT, "field '%s': unsupported type '%s'",
                          s->name ? s->name : "", s->format);
  }
  return GF_OK;
}

static int write_field(wctx* w, const struct ArrowSchema* s, size_t* out_pos, int depth);

static int write_children(wctx* w, const struct ArrowSchema* s, size_t slot, int depth) {
  size_t vec;
  size_t first = gf__fbb_vector(w->b, (size_t)s->n_children, 4, &vec);
  gf__fbb_patch(w->b, slot, vec);
  for (int64_t i = 0; i < s->n_children; i++) {
    size_t c;
    int rc = write_field(w, s->children[i], &c, depth + 1);
    if (rc) return rc;
    gf__fbb_patch(w->b, first + 4 * (size_t)i, c);
  }
  return GF_OK;
}

static int write_field(wctx* w, const struct ArrowSchema* s, size_t* out_pos, int depth) {
  if (depth > 200)
    return gf_error_set(w->err, GF_INVALID_ARGUMENT, "schema nested too deeply");
  if (s == NULL || s->format == NULL)
    return gf_error_set(w->err, GF_INVALID_ARGUMENT, "schema node without format");
  const struct ArrowSchema* vs = s->dictionary ? s->dictionary : s;
  gf_type t, it;
  int rc = gf_type_parse(vs->format, &t, w->err);
  if (rc) return gf_error_prefix(w->err, "field '%s'", s->name ? s->name : "");
  int64_t dict_id = 0;
  if (s->dictionary) {
    if ((rc = gf_type_parse(s->format, &it, w->err))) return rc;
    int bits, sign;
    if (!int_params(it.id, &bits, &sign) || vs->dictionary)
      return gf_error_set(w->err, GF_INVALID_ARGUMENT,
                          "field '%s': dictionary index type '%s' is not an integer",
                          s->name ? s->name : "", s->format);
    if (!gf__dict_map_find(w->ids, s, &dict_id))
      return gf_error_set(w->err, GF_INTERNAL, "field '%s': no dictionary id", s->name);
  }
  gf__fb_field f[7];
  int n = 0;
  int i_name = -1, i_type, i_dict = -1, i_children, i_md = -1;
  if (s->name) {
    i_name = n;
    f[n++] = FO(0);
  }
  f[n++] = F(1, 1, (s->flags & ARROW_FLAG_NULLABLE) ? 1 : 0);
  int i_tag = n;
  f[n++] = F(2, 1, 0);
  i_type = n;
  f[n++] = FO(3);
  if (s->dictionary) {
    i_dict = n;
    f[n++] = FO(4);
  }
  i_children = n;
  f[n++] = FO(5);
  if (s->metadata && gf_metadata_count(s->metadata) > 0) {
    i_md = n;
    f[n++] = FO(6);
  }
  size_t slots[7];
  size_t tb = gf__fbb_table(w->b, f, n, slots);
  *out_pos = tb;
  if (i_name >= 0) gf__fbb_patch(w->b, slots[i_name], gf__fbb_string(w->b, s->name, strlen(s->name)));
  size_t tp = 0;
  uint8_t tag = 0;
  if ((rc = write_type(w, &t, vs, &tp, &tag))) return rc;
  gf__fbb_put(w->b, slots[i_tag], tag, 1);
  gf__fbb_patch(w->b, slots[i_type], tp);
  if (i_dict >= 0) {
    int bits = 0, sign = 0;
    int_params(it.id, &bits, &sign);
    gf__fb_field d[3] = {F(0, 8, dict_id), FO(1),
                         F(2, 1, (s->flags & ARROW_FLAG_DICTIONARY_ORDERED) ? 1 : 0)};
    size_t ds[3];
    size_t dp = gf__fbb_table(w->b, d, 3, ds);
    gf__fbb_patch(w->b, slots[i_dict], dp);
    gf__fbb_patch(w->b, ds[1], write_int(w->b, bits, sign));
  }
  if ((rc = write_children(w, vs, slots[i_children], depth))) return rc;
  if (i_md >= 0) write_metadata(w->b, slots[i_md], s->metadata);
  return GF_OK;
}

static int schema_write(gf__fbb* b, const struct ArrowSchema* schema, const gf__dict_map* ids,
                        int big_endian, size_t* pos, gf_error* err) {
  if (schema == NULL || schema->release == NULL || schema->format == NULL ||
      strcmp(schema->format, "+s") != 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "schema: top-level ArrowSchema must be a struct ('+s')");
  wctx w = {b, ids, err};
  int has_md = schema->metadata && gf_metadata_count(schema->metadata) > 0;
  gf__fb_field f[3] = {FO(1), FO(2), F(0, 2, 1)};
  size_t slots[3];
  if (big_endian) f[1] = has_md ? f[1] : f[2];
  *pos = gf__fbb_table(b, f, (has_md ? 2 : 1) + (big_endian ? 1 : 0), slots);
  int rc = write_children(&w, schema, slots[0], 0);
  if (rc) return rc;
  if (has_md) write_metadata(b, slots[1], schema->metadata);
  return GF_OK;
}

int gf__schema_write(gf__fbb* b, const struct ArrowSchema* schema, const gf__dict_map* ids,
                     size_t* pos, gf_error* err) {
  return schema_write(b, schema, ids, 0, pos, err);
}

int gf__message_build_schema(const struct ArrowSchema* schema, const gf__dict_map* ids,
                             uint8_t** out, size_t* len, gf_error* err) {
  return gf__message_build_schema_endian(schema, ids, 0, out, len, err);
}

int gf__message_build_schema_endian(const struct ArrowSchema* schema, const gf__dict_map* ids,
                                    int big_endian, uint8_t** out, size_t* len, gf_error* err) {
  gf__fbb b;
  gf__fbb_init(&b);
  size_t root = gf__fbb_start(&b);
  gf__fb_field f[4] = {F(0, 2, GF__MD_V5), F(1, 1, GF__HDR_SCHEMA), FO(2), F(3, 8, 0)};
  size_t slots[4];
  size_t msg = gf__fbb_table(&b, f, 4, slots);
  gf__fbb_patch(&b, root, msg);
  size_t sp;
  int rc = schema_write(&b, schema, ids, big_endian, &sp, err);
  if (rc) {
    gf__fbb_free(&b);
    return rc;
  }
  gf__fbb_patch(&b, slots[2], sp);
  size_t n = gf__fbb_finish(&b);
  if (n == 0) {
    gf__fbb_free(&b);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory encoding schema");
  }
  *out = b.buf;
  *len = n;
  return GF_OK;
}
