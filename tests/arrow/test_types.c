/* Tests for src/arrow type.c, metadata.c and schema.c: format parsing,
 * metadata encode/decode, schema construction, copy and equality. */
#include "gooddata_flight_server/arrow.h"
#include "test.h"

typedef struct fmt_case {
  const char* fmt;
  gf_type_id id;
  int width;
} fmt_case;

static const fmt_case valid_cases[] = {
    {"n", GF_TYPE_NA, 0},          {"b", GF_TYPE_BOOL, 0},
    {"c", GF_TYPE_INT8, 1},        {"C", GF_TYPE_UINT8, 1},
    {"s", GF_TYPE_INT16, 2},       {"S", GF_TYPE_UINT16, 2},
    {"i", GF_TYPE_INT32, 4},       {"I", GF_TYPE_UINT32, 4},
    {"l", GF_TYPE_INT64, 8},       {"L", GF_TYPE_UINT64, 8},
    {"e", GF_TYPE_HALF_FLOAT, 2},  {"f", GF_TYPE_FLOAT, 4},
    {"g", GF_TYPE_DOUBLE, 8},      {"z", GF_TYPE_BINARY, 0},
    {"Z", GF_TYPE_LARGE_BINARY, 0}, {"vz", GF_TYPE_BINARY_VIEW, 0},
    {"u", GF_TYPE_STRING, 0},      {"U", GF_TYPE_LARGE_STRING, 0},
    {"vu", GF_TYPE_STRING_VIEW, 0}, {"w:16", GF_TYPE_FIXED_SIZE_BINARY, 16},
    {"w:0", GF_TYPE_FIXED_SIZE_BINARY, 0},
    {"d:10,2", GF_TYPE_DECIMAL128, 16}, {"d:9,2,32", GF_TYPE_DECIMAL32, 4},
    {"d:18,-3,64", GF_TYPE_DECIMAL64, 8}, {"d:38,0,128", GF_TYPE_DECIMAL128, 16},
    {"d:76,10,256", GF_TYPE_DECIMAL256, 32},
    {"tdD", GF_TYPE_DATE32, 4},    {"tdm", GF_TYPE_DATE64, 8},
    {"tts", GF_TYPE_TIME32, 4},    {"ttm", GF_TYPE_TIME32, 4},
    {"ttu", GF_TYPE_TIME64, 8},    {"ttn", GF_TYPE_TIME64, 8},
    {"tss:", GF_TYPE_TIMESTAMP, 8}, {"tsm:UTC", GF_TYPE_TIMESTAMP, 8},
    {"tsu:Europe/Prague", GF_TYPE_TIMESTAMP, 8}, {"tsn:+01:00", GF_TYPE_TIMESTAMP, 8},
    {"tDs", GF_TYPE_DURATION, 8},  {"tDm", GF_TYPE_DURATION, 8},
    {"tDu", GF_TYPE_DURATION, 8},  {"tDn", GF_TYPE_DURATION, 8},
    {"tiM", GF_TYPE_INTERVAL_MONTHS, 4}, {"tiD", GF_TYPE_INTERVAL_DAY_TIME, 8},
    {"tin", GF_TYPE_INTERVAL_MONTH_DAY_NANO, 16},
    {"+l", GF_TYPE_LIST, 0},       {"+L", GF_TYPE_LARGE_LIST, 0},
    {"+vl", GF_TYPE_LIST_VIEW, 0}, {"+vL", GF_TYPE_LARGE_LIST_VIEW, 0},
    {"+w:3", GF_TYPE_FIXED_SIZE_LIST, 0}, {"+s", GF_TYPE_STRUCT, 0},
    {"+m", GF_TYPE_MAP, 0},        {"+ud:0,1,5", GF_TYPE_DENSE_UNION, 0},
    {"+us:3", GF_TYPE_SPARSE_UNION, 0}, {"+us:", GF_TYPE_SPARSE_UNION, 0},
    {"+r", GF_TYPE_RUN_END_ENCODED, 0},
};

TEST(parse_every_valid_format) {
  for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
    gf_type t;
    gf_error err = {0};
    int rc = gf_type_parse(valid_cases[i].fmt, &t, &err);
    CHECK_MSG(rc == GF_OK, "%s: %s", valid_cases[i].fmt, err.message);
    CHECK_MSG(t.id == valid_cases[i].id, "%s: id %d", valid_cases[i].fmt, (int)t.id);
    CHECK_MSG(t.byte_width == valid_cases[i].width, "%s: width %d", valid_cases[i].fmt, t.byte_width);
    CHECK(gf_type_n_buffers(t.id) >= 0);
  }
}

TEST(parse_details) {
  gf_type t;
  CHECK_EQ_INT(gf_type_parse("d:18,-3,64", &t, NULL), GF_OK);
  CHECK_EQ_INT(t.decimal_precision, 18);
  CHECK_EQ_INT(t.decimal_scale, -3);
  CHECK_EQ_INT(t.decimal_bit_width, 64);
  CHECK_EQ_INT(gf_type_parse("tsu:Europe/Prague", &t, NULL), GF_OK);
  CHECK_EQ_INT(t.unit, GF_TIME_UNIT_MICRO);
  CHECK_EQ_INT(t.timezone_len, 13);
  CHECK(strncmp(t.timezone, "Europe/Prague", t.timezone_len) == 0);
  CHECK_EQ_INT(gf_type_parse("tss:", &t, NULL), GF_OK);
  CHECK_EQ_INT(t.timezone_len, 0);
  CHECK_EQ_INT(gf_type_parse("ttm", &t, NULL), GF_OK);
  CHECK_EQ_INT(t.unit, GF_TIME_UNIT_MILLI);
  CHECK_EQ_INT(gf_type_parse("+w:7", &t, NULL), GF_OK);
  CHECK_EQ_INT(t.list_size, 7);
  CHECK_EQ_INT(gf_type_parse("+ud:0,1,127", &t, NULL), GF_OK);
  CHECK_EQ_INT(t.n_union_type_ids, 3);
  CHECK_EQ_INT(t.union_type_ids[2], 127);
  CHECK_EQ_INT(gf_type_parse("+us:", &t, NULL), GF_OK);
  CHECK_EQ_INT(t.n_union_type_ids, 0);
}

TEST(parse_rejects_invalid) {
  static const char* bad[] = {
      "", "x", "ii", "w:", "w:-1", "w:+3", "w:abc", "w:3x", "w:99999999999", "d:1", "d:",
      "d:1,", "d:0,1", "d:39,0", "d:10,2,16", "d:10,2,", "d:10,2,128x", "d:10,2,32", "tsx:",
      "tss", "ts", "t", "tdX", "ttx", "tDx", "tiX", "tdDD", "tiMx", "+", "+x", "+w:", "+w:-1",
      "+ud:1,,2", "+ud:,1", "+ud:1,", "+ud:128", "+ud:-1", "+ud:1,1", "+us:abc",
      "+ud:99999999999999999999999", "+ud:0001", "w:00000000001", "+ll", "+vx", "v", "vzz", "+m:", "+r1", "d:1,99999999999",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    gf_type t;
    gf_error err = {0};
    CHECK_MSG(gf_type_parse(bad[i], &t, &err) == GF_INVALID_ARGUMENT, "accepted \"%s\"", bad[i]);
    CHECK(strstr(err.message, "invalid format string") != NULL);
  }
  CHECK_EQ_INT(gf_type_parse(NULL, &(gf_type){0}, NULL), GF_INVALID_ARGUMENT);
}

TEST(parse_rejects_too_many_union_ids) {
  char buf[1024] = "+ud:";
  for (int i = 0; i < 128; i++) sprintf(buf + strlen(buf), "%s%d", i ? "," : "", i);
  gf_type t;
  CHECK_EQ_INT(gf_type_parse(buf, &t, NULL), GF_OK);
  CHECK_EQ_INT(t.n_union_type_ids, 128);
  strcat(buf, ",5");
  CHECK_EQ_INT(gf_type_parse(buf, &t, NULL), GF_INVALID_ARGUMENT);
}

TEST(type_names_and_buffers) {
  CHECK_EQ_STR(gf_type_id_name(GF_TYPE_INT32), "int32");
  CHECK_EQ_STR(gf_type_id_name(GF_TYPE_DENSE_UNION), "dense_union");
  CHECK_EQ_STR(gf_type_id_name(GF_TYPE_RUN_END_ENCODED), "run_end_encoded");
  CHECK_EQ_STR(gf_type_id_name(GF_TYPE__COUNT), "invalid");
  CHECK_EQ_INT(gf_type_n_buffers(GF_TYPE_NA), 0);
  CHECK_EQ_INT(gf_type_n_buffers(GF_TYPE_BOOL), 2);
  CHECK_EQ_INT(gf_type_n_buffers(GF_TYPE_STRING), 3);
  CHECK_EQ_INT(gf_type_n_buffers(GF_TYPE_STRING_VIEW), 2);
  CHECK_EQ_INT(gf_type_n_buffers(GF_TYPE_LIST), 2);
  CHECK_EQ_INT(gf_type_n_buffers(GF_TYPE_LIST_VIEW), 3);
  CHECK_EQ_INT(gf_type_n_buffers(GF_TYPE_FIXED_SIZE_LIST), 1);
  CHECK_EQ_INT(gf_type_n_buffers(GF_TYPE_SPARSE_UNION), 1);
  CHECK_EQ_INT(gf_type_n_buffers(GF_TYPE_DENSE_UNION), 2);
  CHECK_EQ_INT(gf_type_n_buffers(GF_TYPE_RUN_END_ENCODED), 0);
  for (int i = 0; i < GF_TYPE__COUNT; i++) CHECK(strcmp(gf_type_id_name((gf_type_id)i), "invalid") != 0);
}

TEST(metadata_roundtrip) {
  gf_metadata_entry e[3] = {
      {{(const uint8_t*)"a", 1}, {(const uint8_t*)"1", 1}},
      {{(const uint8_t*)"ARROW:extension:name", 20}, {(const uint8_t*)"uuid", 4}},
      {{(const uint8_t*)"empty", 5}, {NULL, 0}},
  };
  char* md = NULL;
  CHECK_EQ_INT(gf_metadata_encode(e, 3, &md, NULL), GF_OK);
  CHECK(md != NULL);
  CHECK_EQ_INT(gf_metadata_count(md), 3);
  CHECK_EQ_INT(gf_metadata_size(md), 4 + (8 + 2) + (8 + 24) + (8 + 5));
  CHECK_EQ_INT(gf_metadata_validate(md, gf_metadata_size(md), NULL), GF_OK);
  gf_bytes v;
  CHECK(gf_metadata_get(md, "ARROW:extension:name", &v));
  CHECK(v.len == 4 && memcmp(v.data, "uuid", 4) == 0);
  CHECK(gf_metadata_get(md, "empty", &v) && v.len == 0);
  CHECK(!gf_metadata_get(md, "nope", &v));
  size_t pos = 0;
  gf_metadata_entry it;
  int n = 0;
  while (gf_metadata_next(md, &pos, &it)) {
    CHECK(it.key.len == e[n].key.len && memcmp(it.key.data, e[n].key.data, it.key.len) == 0);
    CHECK(it.value.len == e[n].value.len);
    n++;
  }
  CHECK_EQ_INT(n, 3);
  gf_error err = {0};
  CHECK_EQ_INT(gf_metadata_validate(md, gf_metadata_size(md) - 1, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "entry 2") != NULL);
  free(md);
  CHECK_EQ_INT(gf_metadata_encode(e, 0, &md, NULL), GF_OK);
  CHECK(md == NULL);
  CHECK_EQ_INT(gf_metadata_count(NULL), 0);
  CHECK(!gf_metadata_get(NULL, "a", &v));
}

TEST(metadata_validate_rejects_garbage) {
  char blob[12] = {0};
  int32_t v = -1;
  memcpy(blob, &v, 4);
  CHECK_EQ_INT(gf_metadata_validate(blob, sizeof(blob), NULL), GF_INVALID_ARGUMENT);
  v = 1;
  memcpy(blob, &v, 4);
  v = 100;
  memcpy(blob + 4, &v, 4);
  CHECK_EQ_INT(gf_metadata_validate(blob, sizeof(blob), NULL), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_metadata_validate(blob, 2, NULL), GF_INVALID_ARGUMENT);
}

static int make_schema(struct ArrowSchema* s) {
  gf_error err;
  if (gf_schema_init(s, "+s", "", 0, &err) != GF_OK) return -1;
  if (gf_schema_allocate_children(s, 2, &err) != GF_OK) return -1;
  if (gf_schema_init(s->children[0], "i", "id", 0, &err) != GF_OK) return -1;
  if (gf_schema_init(s->children[1], "c", "color", ARROW_FLAG_NULLABLE, &err) != GF_OK) return -1;
  if (gf_schema_allocate_dictionary(s->children[1], &err) != GF_OK) return -1;
  if (gf_schema_init(s->children[1]->dictionary, "u", NULL, 0, &err) != GF_OK) return -1;
  gf_metadata_entry e = {{(const uint8_t*)"k", 1}, {(const uint8_t*)"v", 1}};
  char* md;
  if (gf_metadata_encode(&e, 1, &md, &err) != GF_OK) return -1;
  int rc = gf_schema_set_metadata(s, md);
  free(md);
  return rc;
}

TEST(schema_build_copy_equals) {
  struct ArrowSchema s, c;
  CHECK_EQ_INT(make_schema(&s), 0);
  CHECK_EQ_INT(gf_schema_deep_copy(&s, &c, NULL), GF_OK);
  CHECK(gf_schema_equals(&s, &c));
  CHECK(c.format != s.format);
  CHECK_EQ_STR(c.children[1]->dictionary->format, "u");
  CHECK_EQ_INT(gf_metadata_count(c.metadata), 1);
  CHECK_EQ_INT(gf_schema_set_name(c.children[0], "other"), GF_OK);
  CHECK(!gf_schema_equals(&s, &c));
  CHECK_EQ_INT(gf_schema_set_name(c.children[0], "id"), GF_OK);
  CHECK(gf_schema_equals(&s, &c));
  CHECK_EQ_INT(gf_schema_set_format(c.children[1]->dictionary, "U"), GF_OK);
  CHECK(!gf_schema_equals(&s, &c));
  CHECK_EQ_INT(gf_schema_set_format(c.children[1]->dictionary, "u"), GF_OK);
  CHECK_EQ_INT(gf_schema_set_metadata(&c, NULL), GF_OK);
  CHECK(c.metadata == NULL);
  CHECK(!gf_schema_equals(&s, &c));
  struct ArrowSchema moved;
  gf_schema_move(&c, &moved);
  CHECK(c.release == NULL);
  CHECK(moved.release != NULL);
  moved.release(&moved);
  CHECK(moved.release == NULL);
  s.release(&s);
}

TEST(schema_children_moved_out) {
  struct ArrowSchema s, child;
  CHECK_EQ_INT(make_schema(&s), 0);
  gf_schema_move(s.children[1], &child);
  s.release(&s);
  CHECK_EQ_STR(child.name, "color");
  child.release(&child);
}

TEST(schema_helpers_reject_misuse) {
  struct ArrowSchema s;
  gf_error err = {0};
  CHECK_EQ_INT(gf_schema_init(&s, "+s", NULL, 0, NULL), GF_OK);
  CHECK_EQ_INT(gf_schema_allocate_children(&s, 1, NULL), GF_OK);
  CHECK_EQ_INT(gf_schema_allocate_children(&s, 1, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "already") != NULL);
  struct ArrowSchema copy;
  /* child left uninitialised (released): copy must fail cleanly */
  CHECK_EQ_INT(gf_schema_deep_copy(&s, &copy, &err), GF_INVALID_ARGUMENT);
  CHECK(copy.release == NULL);
  s.release(&s);
}

int main(void) {
  RUN(parse_every_valid_format);
  RUN(parse_details);
  RUN(parse_rejects_invalid);
  RUN(parse_rejects_too_many_union_ids);
  RUN(type_names_and_buffers);
  RUN(metadata_roundtrip);
  RUN(metadata_validate_rejects_garbage);
  RUN(schema_build_copy_equals);
  RUN(schema_children_moved_out);
  RUN(schema_helpers_reject_misuse);
  TEST_MAIN_END();
}
