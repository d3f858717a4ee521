/* Test data of the gooddata-flight CLI tests: one record batch of three rows
 * with a column of every Arrow type (nested, dictionary, run-end encoded and
 * view types included; row 1 null where the type has nulls), built with the
 * public builders. The expected renderings are tests/cli/expected/alltypes.*.
 * Header-only; the test's main thread. */
#ifndef GF_TESTS_CLI_TYPES_DATA_H
#define GF_TESTS_CLI_TYPES_DATA_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"

typedef struct ct_field {
  const char* name;
  const char* format;
  const char* child_formats[3]; /* nested: children (names c0, c1, ...) */
} ct_field;

/* Column list; nested children are filled in by ct_schema. */
static const ct_field ct_fields[] = {
    {"na", "n", {0}}, {"b", "b", {0}}, {"i8", "c", {0}}, {"u8", "C", {0}}, {"i16", "s", {0}},
    {"u16", "S", {0}}, {"i32", "i", {0}}, {"u32", "I", {0}}, {"i64", "l", {0}}, {"u64", "L", {0}},
    {"f16", "e", {0}}, {"f32", "f", {0}}, {"f64", "g", {0}}, {"f64s", "g", {0}},
    {"bin", "z", {0}}, {"lbin", "Z", {0}}, {"vbin", "vz", {0}},
    {"str", "u", {0}}, {"lstr", "U", {0}}, {"vstr", "vu", {0}}, {"fsb", "w:3", {0}},
    {"dec32", "d:9,2,32", {0}}, {"dec64", "d:18,3,64", {0}}, {"dec128", "d:38,10", {0}},
    {"dec256", "d:76,0,256", {0}},
    {"date32", "tdD", {0}}, {"date64", "tdm", {0}},
    {"t32s", "tts", {0}}, {"t32ms", "ttm", {0}}, {"t64us", "ttu", {0}}, {"t64ns", "ttn", {0}},
    {"tss", "tss:", {0}}, {"tsms", "tsm:UTC", {0}}, {"tsns", "tsn:Europe/Prague", {0}},
    {"durs", "tDs", {0}}, {"durns", "tDn", {0}},
    {"ivm", "tiM", {0}}, {"ivdt", "tiD", {0}}, {"ivmdn", "tin", {0}},
    {"list", "+l", {"i"}}, {"llist", "+L", {"u"}}, {"vlist", "+vl", {"s"}},
    {"lvlist", "+vL", {"c"}}, {"fsl", "+w:2", {"g"}},
    {"st", "+s", {"i", "u"}}, {"map", "+m", {"u", "i"}},
    {"sun", "+us:0,1", {"i", "u"}}, {"dun", "+ud:5,7", {"g", "b"}},
    {"ree", "+r", {"i", "u"}}, {"dict", "c", {0}}, {"lst", "+l", {"+s"}},
};
#define CT_NFIELDS (sizeof(ct_fields) / sizeof(ct_fields[0]))

static inline int ct_schema(struct ArrowSchema* s) {
  if (gf_schema_init(s, "+s", "", 0, NULL) || gf_schema_allocate_children(s, CT_NFIELDS, NULL)) return -1;
  for (size_t i = 0; i < CT_NFIELDS; i++) {
    const ct_field* f = &ct_fields[i];
    struct ArrowSchema* c = s->children[i];
    if (gf_schema_init(c, f->format, f->name, strcmp(f->name, "na") == 0 ? ARROW_FLAG_NULLABLE : ARROW_FLAG_NULLABLE, NULL)) return -1;
    int64_t n = 0;
    while (n < 3 && f->child_formats[n]) n++;
    if (strcmp(f->format, "+m") == 0) { /* entries<key not null, value> */
      if (gf_schema_allocate_children(c, 1, NULL) || gf_schema_init(c->children[0], "+s", "entries", 0, NULL) ||
          gf_schema_allocate_children(c->children[0], 2, NULL) ||
          gf_schema_init(c->children[0]->children[0], "u", "key", 0, NULL) ||
          gf_schema_init(c->children[0]->children[1], "i", "value", ARROW_FLAG_NULLABLE, NULL))
        return -1;
      continue;
    }
    if (strcmp(f->format, "+r") == 0) {
      if (gf_schema_allocate_children(c, 2, NULL) || gf_schema_init(c->children[0], "i", "run_ends", 0, NULL) ||
          gf_schema_init(c->children[1], "u", "values", ARROW_FLAG_NULLABLE, NULL))
        return -1;
      continue;
    }
    if (strcmp(f->name, "dict") == 0) {
      if (gf_schema_allocate_dictionary(c, NULL) || gf_schema_init(c->dictionary, "u", "", ARROW_FLAG_NULLABLE, NULL)) return -1;
      continue;
    }
    if (n && gf_schema_allocate_children(c, n, NULL)) return -1;
    for (int64_t k = 0; k < n; k++) {
      char name[8];
      snprintf(name, sizeof(name), n == 1 && f->format[1] != 'u' ? "item" : "c%d", (int)k);
      if (gf_schema_init(c->children[k], f->child_formats[k], name, ARROW_FLAG_NULLABLE, NULL)) return -1;
    }
    if (strcmp(f->name, "lst") == 0) {
      struct ArrowSchema* item = c->children[0];
      if (gf_schema_allocate_children(item, 1, NULL) || gf_schema_init(item->children[0], "l", "x", ARROW_FLAG_NULLABLE, NULL)) return -1;
    }
  }
  return 0;
}

#define CT_OK(e) \
  do {           \
    if (e) return -1; \
  } while (0)

static inline int ct_bytes(gf_builder* b, const char* s) { return gf_builder_append_bytes(b, s, strlen(s)); }

/* Row r (0..2) of column i. Row 1 is null except where noted. */
static inline int ct_value(gf_builder* b, size_t i, int r) {
  const char* n = ct_fields[i].name;
  gf_builder* c0 = gf_builder_child(b, 0);
  gf_builder* c1 = gf_builder_child(b, 1);
  if (r == 1 && strcmp(n, "sun") && strcmp(n, "dun") && strcmp(n, "ree")) return gf_builder_append_null(b, 1);
#define IS(x) (strcmp(n, x) == 0)
  if (IS("na")) return gf_builder_append_null(b, 1);
  if (IS("b")) return gf_builder_append_bool(b, r == 0);
  if (IS("i8")) return gf_builder_append_int(b, r ? 127 : -128);
  if (IS("u8")) return gf_builder_append_uint(b, r ? 255 : 0);
  if (IS("i16")) return gf_builder_append_int(b, r ? 32767 : -32768);
  if (IS("u16")) return gf_builder_append_uint(b, r ? 65535 : 1);
  if (IS("i32")) return gf_builder_append_int(b, r ? 2147483647 : -2147483647 - 1);
  if (IS("u32")) return gf_builder_append_uint(b, r ? 4294967295u : 7);
  if (IS("i64")) return gf_builder_append_int(b, r ? INT64_MAX : INT64_MIN);
  if (IS("u64")) return gf_builder_append_uint(b, r ? UINT64_MAX : 0);
  if (IS("f16")) return gf_builder_append_double(b, r ? -65504.0 : 0.1);
  if (IS("f32")) return gf_builder_append_double(b, r ? 3.4028234663852886e38 : (double)0.1f);
  if (IS("f64")) return gf_builder_append_double(b, r ? 1e100 : 0.1 + 0.2);
  if (IS("f64s")) return gf_builder_append_double(b, r ? -INFINITY : NAN);
  if (IS("bin")) return r ? gf_builder_append_bytes(b, "", 0) : gf_builder_append_bytes(b, "\x00\xff", 2);
  if (IS("lbin")) return ct_bytes(b, r ? "z" : "ab");
  if (IS("vbin")) return ct_bytes(b, r ? "x" : "0123456789abcdefghij");
  if (IS("str")) return ct_bytes(b, r ? "" : "h\xc3\xa9llo, \"w\"");
  if (IS("lstr")) return ct_bytes(b, r ? "z" : "line1\nline2");
  if (IS("vstr")) return ct_bytes(b, r ? "short" : "a string longer than twelve");
  if (IS("fsb")) return gf_builder_append_bytes(b, r ? "\xff\xff\xff" : "\x01\x02\x03", 3);
  if (IS("dec32")) return gf_builder_append_decimal_int(b, r ? -5 : 12345);
  if (IS("dec64")) return gf_builder_append_decimal_int(b, r ? 0 : -1234567890123);
  if (IS("dec128")) return gf_builder_append_decimal_int(b, r ? -1 : 1);
  if (IS("dec256")) {
    if (!r) return gf_builder_append_decimal_int(b, INT64_MIN);
    uint8_t v[32] = {0};
    v[25] = 1; /* 2^200 */
    return gf_builder_append_bytes(b, v, 32);
  }
  if (IS("date32")) return gf_builder_append_int(b, r ? -1 : 0);
  if (IS("date64")) return gf_builder_append_int(b, r ? 0 : 19000LL * 86400000);
  if (IS("t32s")) return gf_builder_append_int(b, r ? 0 : 3661);
  if (IS("t32ms")) return gf_builder_append_int(b, r ? 1 : 45296789);
  if (IS("t64us")) return gf_builder_append_int(b, r ? 86399999999 : 1);
  if (IS("t64ns")) return gf_builder_append_int(b, r ? 0 : 86399999999999);
  if (IS("tss")) return gf_builder_append_int(b, r ? -1 : 0);
  if (IS("tsms")) return gf_builder_append_int(b, r ? -1 : 1700000000123);
  if (IS("tsns")) return gf_builder_append_int(b, r ? 951782400000000000 : 1);
  if (IS("durs")) return gf_builder_append_int(b, r ? -5 : 90);
  if (IS("durns")) return gf_builder_append_int(b, r ? 0 : 1500);
  if (IS("ivm")) return gf_builder_append_int(b, r ? -1 : 14);
  if (IS("ivdt")) return gf_builder_append_interval_day_time(b, r ? -1 : 3, r ? 0 : 1500);
  if (IS("ivmdn")) return gf_builder_append_interval_mdn(b, r ? 0 : 1, r ? -2 : 2, r ? 0 : 3000);
  if (IS("list")) {
    if (!r) CT_OK(gf_builder_append_int(c0, 1) || gf_builder_append_null(c0, 1) || gf_builder_append_int(c0, 3));
    return gf_builder_append_list_end(b);
  }
  if (IS("llist")) {
    CT_OK(r ? ct_bytes(c0, "") : (ct_bytes(c0, "a") || ct_bytes(c0, "b")));
    return gf_builder_append_list_end(b);
  }
  if (IS("vlist")) {
    CT_OK(r ? (gf_builder_append_int(c0, 8) || gf_builder_append_int(c0, 9)) : gf_builder_append_int(c0, 7));
    return gf_builder_append_list_end(b);
  }
  if (IS("lvlist")) {
    if (r) CT_OK(gf_builder_append_int(c0, -1));
    return gf_builder_append_list_end(b);
  }
  if (IS("fsl")) {
    CT_OK(r ? (gf_builder_append_double(c0, 0.5) || gf_builder_append_double(c0, 2))
            : (gf_builder_append_double(c0, 1.5) || gf_builder_append_null(c0, 1)));
    return gf_builder_append_list_end(b);
  }
  if (IS("st")) {
    CT_OK(r ? gf_builder_append_null(c0, 1) : gf_builder_append_int(c0, 1));
    CT_OK(ct_bytes(c1, r ? "y" : "x"));
    return gf_builder_append_struct_end(b);
  }
  if (IS("map")) {
    gf_builder* k = gf_builder_child(c0, 0);
    gf_builder* v = gf_builder_child(c0, 1);
    if (!r)
      CT_OK(ct_bytes(k, "k1") || gf_builder_append_int(v, 1) || gf_builder_append_struct_end(c0) ||
            ct_bytes(k, "k2") || gf_builder_append_null(v, 1) || gf_builder_append_struct_end(c0));
    return gf_builder_append_list_end(b);
  }
  if (IS("sun")) {
    if (r == 0) return gf_builder_append_union(b, 0) || gf_builder_append_int(c0, 42);
    if (r == 1) return gf_builder_append_union(b, 1) || gf_builder_append_null(c1, 1);
    return gf_builder_append_union(b, 1) || ct_bytes(c1, "s");
  }
  if (IS("dun")) {
    if (r == 0) return gf_builder_append_union(b, 5) || gf_builder_append_double(c0, 2.5);
    if (r == 1) return gf_builder_append_union(b, 7) || gf_builder_append_null(c1, 1);
    return gf_builder_append_union(b, 7) || gf_builder_append_bool(c1, 1);
  }
  if (IS("ree")) {
    if (r == 1) return gf_builder_append_null(b, 1);
    return ct_bytes(c1, r ? "bb" : "aa") || gf_builder_append_run(b, 1);
  }
  if (IS("dict")) return gf_builder_append_int(b, r ? 1 : 0);
  if (IS("lst")) {
    if (!r) {
      gf_builder* x = gf_builder_child(c0, 0);
      CT_OK(gf_builder_append_int(x, 1) || gf_builder_append_struct_end(c0) ||
            gf_builder_append_null(x, 1) || gf_builder_append_struct_end(c0));
    }
    return gf_builder_append_list_end(b);
  }
#undef IS
  return -1;
}

/* The batch (3 rows). */
static inline int ct_batch(const struct ArrowSchema* s, struct ArrowArray* out, char* why, size_t why_size) {
  gf_builder* b = NULL;
  gf_error err;
  if (gf_builder_create(s, &b, &err)) {
    snprintf(why, why_size, "%s", err.message);
    return -1;
  }
  for (size_t i = 0; i < CT_NFIELDS; i++) {
    if (strcmp(ct_fields[i].name, "dict") != 0) continue;
    gf_builder* d = gf_builder_dictionary(gf_builder_child(b, (int64_t)i));
    if (ct_bytes(d, "red") || ct_bytes(d, "green")) goto fail;
  }
  for (int r = 0; r < 3; r++) {
    for (size_t i = 0; i < CT_NFIELDS; i++)
      if (ct_value(gf_builder_child(b, (int64_t)i), i, r)) {
        snprintf(why, why_size, "column %s row %d: %s", ct_fields[i].name, r,
                 gf_builder_last_error(gf_builder_child(b, (int64_t)i)));
        gf_builder_free(b);
        return -1;
      }
    if (gf_builder_append_struct_end(b)) goto fail;
  }
  if (gf_builder_finish(b, out, &err)) {
    snprintf(why, why_size, "finish: %s", err.message);
    gf_builder_free(b);
    return -1;
  }
  gf_builder_free(b);
  return 0;
fail:
  snprintf(why, why_size, "%s", gf_builder_last_error(b));
  gf_builder_free(b);
  return -1;
}

#endif
