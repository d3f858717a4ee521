/* Schema.fbs flatbuffer -> ArrowSchema tree (deep, owned), with the checks
 * the Arrow C++ reader applies (bit widths, child counts, union ids, caps on
 * nesting depth and field count), plus the Message envelope check. Pure
 * functions; any thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc_internal.h"

typedef struct rctx {
  gf__fbr* r;
  const gf_ipc_read_options* opt;
  gf__dict_map* ids;
  int64_t n_fields;
  gf_error* err;
} rctx;

static int bad(rctx* c, const char* path, const char* msg) {
  return gf_error_set(c->err, GF_INVALID_ARGUMENT, "malformed Schema: field '%s': %s", path, msg);
}

static const char* int_format(int bits, int sign) {
  switch (bits) {
    case 8: return sign ? "c" : "C";
    case 16: return sign ? "s" : "S";
    case 32: return sign ? "i" : "I";
    case 64: return sign ? "l" : "L";
    default: return NULL;
  }
}

static int read_int_type(rctx* c, const gf__fbt* t, const char* path, const char** fmt) {
  int32_t bits;
  uint8_t sign;
  int rc;
  if ((rc = gf__fbt_i32(t, 0, 0, &bits, "Int.bitWidth", c->err)) ||
      (rc = gf__fbt_u8(t, 1, 0, &sign, "Int.is_signed", c->err)))
    return rc;
  *fmt = int_format(bits, sign != 0);
  if (*fmt == NULL) return bad(c, path, "Int.bitWidth must be 8, 16, 32 or 64");
  return GF_OK;
}

static const char unit_ch[4] = {'s', 'm', 'u', 'n'};

/* Builds the format string of a value type. n_children is the Field's
 * children count (checked per type). */
static int type_format(rctx* c, uint8_t tag, const gf__fbt* t, int64_t n_children,
                       const char* path, char* fmt, size_t cap, int64_t* flags) {
  int rc = GF_OK;
  int16_t u16;
  int32_t a, b2, bw;
  const char* simple = NULL;
  int want_children = 0;
  if (!t->present) return bad(c, path, "missing type table");
  switch (tag) {
    case GF__FB_TYPE_NULL: simple = "n"; break;
    case GF__FB_TYPE_INT:
      if ((rc = read_int_type(c, t, path, &simple))) return rc;
      break;
    case GF__FB_TYPE_FLOATING_POINT:
      if ((rc = gf__fbt_i16(t, 0, 0, &u16, "FloatingPoint.precision", c->err))) return rc;
      if (u16 < 0 || u16 > 2) return bad(c, path, "bad FloatingPoint.precision");
      simple = u16 == 0 ? "e" : u16 == 1 ? "f" : "g";
      break;
    case GF__FB_TYPE_BINARY: simple = "z"; break;
    case GF__FB_TYPE_UTF8: simple = "u"; break;
    case GF__FB_TYPE_BOOL: simple = "b"; break;
    case GF__FB_TYPE_DECIMAL:
      if ((rc = gf__fbt_i32(t, 0, 0, &a, "Decimal.precision", c->err)) ||
          (rc = gf__fbt_i32(t, 1, 0, &b2, "Decimal.scale", c->err)) ||
          (rc = gf__fbt_i32(t, 2, 128, &bw, "Decimal.bitWidth", c->err)))
        return rc;
      if (bw != 32 && bw != 64 && bw != 128 && bw != 256)
        return bad(c, path, "Decimal.bitWidth must be 32, 64, 128 or 256");
      if (a <= 0) return bad(c, path, "Decimal.precision must be positive");
      if (bw == 128) snprintf(fmt, cap, "d:%d,%d", (int)a, (int)b2);
      else snprintf(fmt, cap, "d:%d,%d,%d", (int)a, (int)b2, (int)bw);
      break;
    case GF__FB_TYPE_DATE:
      if ((rc = gf__fbt_i16(t, 0, 1, &u16, "Date.unit", c->err))) return rc;
      if (u16 != 0 && u16 != 1) return bad(c, path, "bad Date.unit");
      simple = u16 == 0 ? "tdD" : "tdm";
      break;
    case GF__FB_TYPE_TIME:
      if ((rc = gf__fbt_i16(t, 0, 1, &u16, "Time.unit", c->err)) ||
          (rc = gf__fbt_i32(t, 1, 32, &bw, "Time.bitWidth", c->err)))
        return rc;
      if (u16 < 0 || u16 > 3) return bad(c, path, "bad Time.unit");
      if (bw != (u16 <= 1 ? 32 : 64)) return bad(c, path, "Time.bitWidth inconsistent with unit");
      snprintf(fmt, cap, "tt%c", unit_ch[u16]);
      break;
    case GF__FB_TYPE_TIMESTAMP: {
      const char* tz;
      size_t tzn;
      if ((rc = gf__fbt_i16(t, 0, 0, &u16, "Timestamp.unit", c->err)) ||
          (rc = gf__fbt_string(t, 1, &tz, &tzn, "Timestamp.timezone", c->err)))
        return rc;
      if (u16 < 0 || u16 > 3) return bad(c, path, "bad Timestamp.unit");
      if (tzn > 200 || memchr(tz ? tz : "", 0, tzn) != NULL)
        return bad(c, path, "bad Timestamp.timezone");
      snprintf(fmt, cap, "ts%c:%.*s", unit_ch[u16], (int)tzn, tz ? tz : "");
      break;
    }
    case GF__FB_TYPE_INTERVAL:
      if ((rc = gf__fbt_i16(t, 0, 0, &u16, "Interval.unit", c->err))) return rc;
      if (u16 < 0 || u16 > 2) return bad(c, path, "bad Interval.unit");
      simple = u16 == 0 ? "tiM" : u16 == 1 ? "tiD" : "tin";
      break;
    case GF__FB_TYPE_LIST: simple = "+l"; want_children = 1; break;
    case GF__FB_TYPE_STRUCT: simple = "+s"; want_children = -1; break;
    case GF__FB_TYPE_UNION: {
      gf__fbv ids;
      if ((rc = gf__fbt_i16(t, 0, 0, &u16, "Union.mode", c->err)) ||
          (rc = gf__fbt_vector(t, 1, 4, &ids, "Union.typeIds", c->err)))
        return rc;
      if (u16 != 0 && u16 != 1) return bad(c, path, "bad Union.mode");
      if (n_children > GF_MAX_UNION_TYPE_IDS) return bad(c, path, "too many union children");
      if (ids.pos && ids.n != n_children)
        return bad(c, path, "Union.typeIds count differs from children count");
      size_t off = (size_t)snprintf(fmt, cap, "+u%c:", u16 ? 'd' : 's');
      for (int64_t i = 0; i < n_children; i++) {
        int32_t id = ids.pos ? (int32_t)(uint32_t)gf__fb_load(c->r->buf + ids.pos + 4 * i, 4)
                             : (int32_t)i;
        if (id < 0 || id >= GF_MAX_UNION_TYPE_IDS) return bad(c, path, "union type id out of range");
        off += (size_t)snprintf(fmt + off, cap - off, i ? ",%d" : "%d", (int)id);
        if (off >= cap) return bad(c, path, "union type ids too long");
      }
      want_children = -1;
      break;
    }
    case GF__FB_TYPE_FIXED_SIZE_BINARY:
      if ((rc = gf__fbt_i32(t, 0, 0, &a, "FixedSizeBinary.byteWidth", c->err))) return rc;
      if (a < 0) return bad(c, path, "negative FixedSizeBinary.byteWidth");
      snprintf(fmt, cap, "w:%d", (int)a);
      break;
    case GF__FB_TYPE_FIXED_SIZE_LIST:
      if ((rc = gf__fbt_i32(t, 0, 0, &a, "FixedSizeList.listSize", c->err))) return rc;
      if (a < 0) return bad(c, path, "negative FixedSizeList.listSize");
      snprintf(fmt, cap, "+w:%d", (int)a);
      want_children = 1;
      break;
    case GF__FB_TYPE_MAP: {
      uint8_t sorted;
      if ((rc = gf__fbt_u8(t, 0, 0, &sorted, "Map.keysSorted", c->err))) return rc;
      if (sorted) *flags |= ARROW_FLAG_MAP_KEYS_SORTED;
      simple = "+m";
      want_children = 1;
      break;
    }
    case GF__FB_TYPE_DURATION:
      if ((rc = gf__fbt_i16(t, 0, 1, &u16, "Duration.unit", c->err))) return rc;
      if (u16 < 0 || u16 > 3) return bad(c, path, "bad Duration.unit");
      snprintf(fmt, cap, "tD%c", unit_ch[u16]);
      break;
    case GF__FB_TYPE_LARGE_BINARY: simple = "Z"; break;
    case GF__FB_TYPE_LARGE_UTF8: simple = "U"; break;
    case GF__FB_TYPE_LARGE_LIST: simple = "+L"; want_children = 1; break;
    case GF__FB_TYPE_RUN_END_ENCODED: simple = "+r"; want_children = 2; break;
    case GF__FB_TYPE_BINARY_VIEW: simple = "vz"; break;
    case GF__FB_TYPE_UTF8_VIEW: simple = "vu"; break;
    case GF__FB_TYPE_LIST_VIEW: simple = "+vl"; want_children = 1; break;
    case GF__FB_TYPE_LARGE_LIST_VIEW: simple = "+vL"; want_children = 1; break;
    default: return bad(c, path, "unknown or unsupported Field.type_type");
  }
  if (simple) snprintf(fmt, cap, "%s", simple);
  if (want_children >= 0 && n_children != want_children)
    return bad(c, path, want_children == 0 ? "unexpected children for this type"
                                           : "wrong number of children for this type");
  return GF_OK;
}

static int read_metadata(rctx* c, const gf__fbt* t, int id, const char* what,
                         struct ArrowSchema* s) {
  gf__fbv v;
  int rc = gf__fbt_vector(t, id, 4, &v, what, c->err);
  if (rc || v.n == 0) return rc;
  gf_metadata_entry* e = calloc(v.n, sizeof(*e));
  if (e == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory reading %s", what);
  for (uint32_t i = 0; i < v.n && rc == GF_OK; i++) {
    gf__fbt kv;
    const char *k, *val;
    size_t kn, vn;
    if ((rc = gf__fbv_table(c->r, &v, i, &kv, what, c->err))) break;
    if ((rc = gf__fbt_string(&kv, 0, &k, &kn, "KeyValue.key", c->err))) break;
    if ((rc = gf__fbt_string(&kv, 1, &val, &vn, "KeyValue.value", c->err))) break;
    e[i].key.data = (const uint8_t*)(k ? k : "");
    e[i].key.len = kn;
    e[i].value.data = (const uint8_t*)(val ? val : "");
    e[i].value.len = vn;
  }
  char* blob = NULL;
  if (rc == GF_OK) rc = gf_metadata_encode(e, v.n, &blob, c->err);
  free(e);
  if (rc == GF_OK && blob && gf_schema_set_metadata(s, blob) != GF_OK)
    rc = gf_error_set(c->err, GF_NO_MEMORY, "out of memory reading %s", what);
  free(blob);
  return rc;
}

static int read_field(rctx* c, const gf__fbt* f, struct ArrowSchema* out, int64_t depth);

static int read_children(rctx* c, const gf__fbt* f, const gf__fbv* ch, struct ArrowSchema* s,
                         int64_t depth) {
  if (ch->n == 0) return GF_OK;
  int rc = gf_schema_allocate_children(s, ch->n, c->err);
  if (rc) return rc;
  (void)f;
  for (uint32_t i = 0; i < ch->n; i++) {
    gf__fbt cf;
    if ((rc = gf__fbv_table(c->r, ch, i, &cf, "Field.children", c->err))) return rc;
    if ((rc = read_field(c, &cf, s->children[i], depth + 1))) return rc;
  }
  return GF_OK;
}

static int read_field(rctx* c, const gf__fbt* f, struct ArrowSchema* out, int64_t depth) {
  int rc;
  const char* name;
  size_t name_len;
  uint8_t nullable, tag;
  gf__fbt type, dict;
  gf__fbv ch;
  char path[128];
  memset(out, 0, sizeof(*out));
  if (depth > c->opt->max_nesting_depth)
    return gf_error_set(c->err, GF_INVALID_ARGUMENT, "malformed Schema: nesting deeper than %lld",
                        (long long)c->opt->max_nesting_depth);
  if (++c->n_fields > c->opt->max_fields)
    return gf_error_set(c->err, GF_INVALID_ARGUMENT, "malformed Schema: more than %lld fields",
                        (long long)c->opt->max_fields);
  if ((rc = gf__fbt_string(f, 0, &name, &name_len, "Field.name", c->err)) ||
      (rc = gf__fbt_u8(f, 1, 0, &nullable, "Field.nullable", c->err)) ||
      (rc = gf__fbt_u8(f, 2, 0, &tag, "Field.type_type", c->err)) ||
      (rc = gf__fbt_table(f, 3, &type, "Field.type", c->err)) ||
      (rc = gf__fbt_table(f, 4, &dict, "Field.dictionary", c->err)) ||
      (rc = gf__fbt_vector(f, 5, 4, &ch, "Field.children", c->err)))
    return rc;
  if (name && memchr(name, 0, name_len)) return bad(c, "?", "Field.name contains NUL");
  snprintf(path, sizeof(path), "%.*s", (int)(name_len > 100 ? 100 : name_len), name ? name : "");
  char fmt[1024];
  int64_t flags = nullable ? ARROW_FLAG_NULLABLE : 0;
  if ((rc = type_format(c, tag, &type, ch.n, path, fmt, sizeof(fmt), &flags))) return rc;
  struct ArrowSchema* vs = out;
  if (dict.present) {
    int64_t id;
    uint8_t ordered;
    gf__fbt it;
    const char* ifmt;
    if ((rc = gf__fbt_i64(&dict, 0, 0, &id, "DictionaryEncoding.id", c->err)) ||
        (rc = gf__fbt_table(&dict, 1, &it, "DictionaryEncoding.indexType", c->err)) ||
        (rc = gf__fbt_u8(&dict, 2, 0, &ordered, "DictionaryEncoding.isOrdered", c->err)))
      return rc;
    if (!it.present) return bad(c, path, "DictionaryEncoding without indexType");
    if ((rc = read_int_type(c, &it, path, &ifmt))) return rc;
    for (size_t i = 0; i < c->ids->n; i++)
      if (c->ids->e[i].id == id) return bad(c, path, "duplicate dictionary id");
    int64_t iflags = (flags & ARROW_FLAG_NULLABLE) | (ordered ? ARROW_FLAG_DICTIONARY_ORDERED : 0);
    if ((rc = gf_schema_init(out, ifmt, path, iflags, c->err))) return rc;
    if ((rc = gf_schema_allocate_dictionary(out, c->err))) return rc;
    if ((rc = gf__dict_map_add(c->ids, out, id)))
      return gf_error_set(c->err, rc, "out of memory");
    vs = out->dictionary;
    if ((rc = gf_schema_init(vs, fmt, "", flags & ARROW_FLAG_MAP_KEYS_SORTED, c->err))) return rc;
  } else {
    if ((rc = gf_schema_init(out, fmt, path, flags, c->err))) return rc;
  }
  if (name_len > 100 && (rc = gf_schema_set_name(out, name)))
    return gf_error_set(c->err, GF_NO_MEMORY, "out of memory");
  if ((rc = read_metadata(c, f, 6, "Field.custom_metadata", out))) return rc;
  if ((rc = read_children(c, f, &ch, vs, depth))) return rc;
  if (tag == GF__FB_TYPE_MAP) {
    const struct ArrowSchema* e = vs->children[0];
    if (strcmp(e->format, "+s") != 0 || e->n_children != 2 || e->dictionary)
      return bad(c, path, "Map entries must be a struct of key and value");
  }
  if (tag == GF__FB_TYPE_RUN_END_ENCODED) {
    const char* rf = vs->children[0]->format;
    if (vs->children[0]->dictionary || (strcmp(rf, "s") && strcmp(rf, "i") && strcmp(rf, "l")))
      return bad(c, path, "RunEndEncoded run_ends must be int16, int32 or int64");
  }
  return GF_OK;
}

int gf__schema_read(const gf__fbt* st, const gf_ipc_read_options* opt, struct ArrowSchema* out,
                    gf__dict_map* ids, int* big_endian, gf_error* err) {
  rctx c = {st->r, opt, ids, 0, err};
  int16_t endian;
  gf__fbv fields;
  int rc;
  memset(out, 0, sizeof(*out));
  if (!st->present) return gf_error_set(err, GF_INVALID_ARGUMENT, "malformed Schema: missing");
  if ((rc = gf__fbt_i16(st, 0, 0, &endian, "Schema.endianness", err)) ||
      (rc = gf__fbt_vector(st, 1, 4, &fields, "Schema.fields", err)))
    return rc;
  if (endian != 0 && endian != 1)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "Schema.endianness: invalid value %d", (int)endian);
  if (endian == 1 && big_endian == NULL)
    return gf_error_set(err, GF_UNIMPLEMENTED,
                        "Schema.endianness: big-endian bodies are only supported in streams");
  if (big_endian) *big_endian = endian == 1;
  if ((rc = gf_schema_init(out, "+s", "", 0, err))) return rc;
  rc = read_metadata(&c, st, 2, "Schema.custom_metadata", out);
  if (rc == GF_OK) rc = read_children(&c, st, &fields, out, 1);
  if (rc) {
    if (out->release) out->release(out);
    gf__dict_map_free(ids);
  }
  return rc;
}

int gf__message_open(gf__fbr* r, const uint8_t* md, size_t len, gf__fbt* msg, uint8_t* htype,
                     gf__fbt* header, int64_t* body_len, int* version_out, gf_error* err) {
  int16_t version;
  int rc;
  gf__fbr_init(r, md, len);
  if ((rc = gf__fbr_root(r, msg, "Message", err)) ||
      (rc = gf__fbt_i16(msg, 0, 0, &version, "Message.version", err)) ||
      (rc = gf__fbt_u8(msg, 1, 0, htype, "Message.header_type", err)) ||
      (rc = gf__fbt_table(msg, 2, header, "Message.header", err)) ||
      (rc = gf__fbt_i64(msg, 3, 0, body_len, "Message.bodyLength", err)))
    return rc;
  if (version < 3 || version > GF__MD_V5)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "Message.version: unsupported metadata version %d (need V4 or V5)",
                        (int)version + 1);
  *version_out = version;
  if (*body_len < 0)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "Message.bodyLength: negative (%lld)",
                        (long long)*body_len);
  if (*htype < 1 || *htype > 3)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "Message.header_type: unsupported (%d)",
                        (int)*htype);
  if (!header->present)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "Message.header: missing");
  return GF_OK;
}
