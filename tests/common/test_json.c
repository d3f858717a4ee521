/* JSON writer (compact, orjson-style escaping) and parser (strictness,
 * depth bound, unicode escapes, duplicate keys), UTF-8 helpers. */
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "test.h"

static char* finish(gf__json_writer* w) {
  char* out = NULL;
  if (gf__jw_finish(w, &out, NULL) != GF_OK) return NULL;
  return out;
}

TEST(writer_compact_and_ordered) {
  gf__json_writer w;
  gf__jw_init(&w);
  gf__jw_begin_object(&w);
  gf__jw_key(&w, "msg");
  gf__jw_string(&w, "a\"b\\c\n\t\x01\x1f");
  gf__jw_key(&w, "detail");
  gf__jw_string(&w, NULL);
  gf__jw_key(&w, "code");
  gf__jw_int(&w, -197109);
  gf__jw_key(&w, "list");
  gf__jw_begin_array(&w);
  gf__jw_bool(&w, 1);
  gf__jw_bool(&w, 0);
  gf__jw_begin_object(&w);
  gf__jw_end_object(&w);
  gf__jw_begin_array(&w);
  gf__jw_end_array(&w);
  gf__jw_raw(&w, "1.5", 3);
  gf__jw_end_array(&w);
  gf__jw_end_object(&w);
  char* s = finish(&w);
  CHECK_EQ_STR(s, "{\"msg\":\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\",\"detail\":null,\"code\":-197109,"
                  "\"list\":[true,false,{},[],1.5]}");
  free(s);
}

TEST(writer_keeps_utf8_and_replaces_invalid) {
  gf__json_writer w;
  gf__jw_init(&w);
  gf__jw_string(&w, "\xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd \xf0\x9f\x98\x80 /\x7f");
  char* s = finish(&w);
  CHECK_EQ_STR(s, "\"\xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd \xf0\x9f\x98\x80 /\x7f\"");
  free(s);
  gf__jw_init(&w);
  gf__jw_string_n(&w, "a\xff" "b\xc3", 4);
  s = finish(&w);
  CHECK_EQ_STR(s, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"");
  free(s);
  gf__jw_init(&w);
  gf__jw_string_n(&w, "x\0y", 3);
  s = finish(&w);
  CHECK_EQ_STR(s, "\"x\\u0000y\"");
  free(s);
}

TEST(parse_values) {
  const char* text = " {\"a\":1,\"b\":[true,false,null,-2.5e3,\"x\\u00e9\\ud83d\\ude00\\n\"],"
                     "\"c\":{\"d\":\"\"},\"a\":9007199254740993} ";
  gf__json* v = NULL;
  CHECK_EQ_INT(gf__json_parse(text, strlen(text), 0, &v, NULL), GF_OK);
  CHECK_EQ_INT(v->type, GF__JSON_OBJECT);
  const gf__json* a = gf__json_get(v, "a");
  CHECK(a && a->type == GF__JSON_NUMBER && a->is_int);
  CHECK(a->integer == 9007199254740993LL); /* last duplicate wins, exact int64 */
  const gf__json* b = gf__json_get(v, "b");
  CHECK(b && b->type == GF__JSON_ARRAY && b->n == 5);
  CHECK(b->items[0].type == GF__JSON_BOOL && b->items[0].boolean == 1);
  CHECK(b->items[2].type == GF__JSON_NULL);
  CHECK(b->items[3].number == -2500.0 && !b->items[3].is_int);
  CHECK_EQ_STR(b->items[4].str, "x\xc3\xa9\xf0\x9f\x98\x80\n");
  const gf__json* d = gf__json_get(gf__json_get(v, "c"), "d");
  CHECK(d && d->type == GF__JSON_STRING && d->str_len == 0);
  CHECK(gf__json_get(v, "zz") == NULL);
  gf__json_free(v);
}

TEST(parse_rejects) {
  const char* bad[] = {"", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", "-", "tru",
                       "\"abc", "\"\\x\"", "\"\\ud800\"", "\"\\udc00x\"", "[1] 2", "{\"a\" 1}",
                       "\"a\tb\"", "\"\xff\"", "nul", "[1 2]", "{\"a\":}"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    gf__json* v = NULL;
    gf_error err = {0};
    CHECK_MSG(gf__json_parse(bad[i], strlen(bad[i]), 0, &v, &err) == GF_INVALID_ARGUMENT,
              "accepted '%s'", bad[i]);
    CHECK(strstr(err.message, "invalid JSON at offset") != NULL);
    CHECK(v == NULL);
  }
}

TEST(depth_bound) {
  char deep[200];
  memset(deep, '[', 100);
  memset(deep + 100, ']', 100);
  gf__json* v = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__json_parse(deep, 200, 64, &v, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "nesting too deep") != NULL);
  CHECK_EQ_INT(gf__json_parse(deep + 40, 120, 64, &v, &err), GF_OK); /* 60 levels */
  gf__json_free(v);
}

TEST(utf8_helpers) {
  const char* s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";  /* a é € 😀 */
  CHECK_EQ_INT(gf__utf8_count(s, strlen(s)), 4);
  CHECK_EQ_INT(gf__utf8_prefix(s, strlen(s), 2), 3);
  CHECK_EQ_INT(gf__utf8_prefix(s, strlen(s), 3), 6);
  CHECK_EQ_INT(gf__utf8_prefix(s, strlen(s), 10), 10);
  CHECK_EQ_INT(gf__utf8_count("\xff\xfe", 2), 2);
  CHECK_EQ_INT(gf__utf8_seq_len((const unsigned char*)"\xed\xa0\x80", 3), 0); /* surrogate */
  CHECK_EQ_INT(gf__utf8_seq_len((const unsigned char*)"\xc0\x80", 2), 0);     /* overlong */
}

TEST(round_trip_writer_parser) {
  gf__json_writer w;
  gf__jw_init(&w);
  gf__jw_begin_object(&w);
  gf__jw_key(&w, "k\"ey");
  gf__jw_string(&w, "v\x01\xc3\xa9");
  gf__jw_end_object(&w);
  size_t n = 0;
  char* s = NULL;
  CHECK_EQ_INT(gf__jw_finish(&w, &s, &n), GF_OK);
  gf__json* v = NULL;
  CHECK_EQ_INT(gf__json_parse(s, n, 0, &v, NULL), GF_OK);
  CHECK_EQ_STR(gf__json_get(v, "k\"ey")->str, "v\x01\xc3\xa9");
  gf__json_free(v);
  free(s);
}

int main(void) {
  RUN(writer_compact_and_ordered);
  RUN(writer_keeps_utf8_and_replaces_invalid);
  RUN(parse_values);
  RUN(parse_rejects);
  RUN(depth_bound);
  RUN(utf8_helpers);
  RUN(round_trip_writer_parser);
  TEST_MAIN_END();
}
