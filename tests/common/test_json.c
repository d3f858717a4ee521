/* JSON: the streaming escaper (log writer), the libjansson load/dump wrappers
 * (compact, insertion order, int64 exact, errors naming the offset) and the
 * UTF-8 helpers (validate, count, cut, repair). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/utf8.h"
#include "test.h"

typedef struct sink { char buf[256]; size_t len; } sink;

static void sink_put(void* ctx, const char* s, size_t n) {
  sink* k = ctx;
  if (k->len + n < sizeof(k->buf)) memcpy(k->buf + k->len, s, n), k->len += n;
  k->buf[k->len] = '\0';
}

static const char* escaped(sink* k, const char* s, size_t n) {
  k->len = 0;
  gf__json_escape_to(sink_put, k, s, n);
  return k->buf;
}

TEST(escaper_escapes_keeps_utf8_and_replaces_invalid) {
  sink k;
  CHECK_EQ_STR(escaped(&k, "a\"b\\c\n\t\x01\x1f", 9), "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\"");
  const char* u = "\xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd \xf0\x9f\x98\x80 /\x7f";
  CHECK_EQ_STR(escaped(&k, u, strlen(u)),
               "\"\xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd \xf0\x9f\x98\x80 /\x7f\"");
  CHECK_EQ_STR(escaped(&k, "a\xff" "b\xc3", 4), "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"");
  CHECK_EQ_STR(escaped(&k, "x\0y", 3), "\"x\\u0000y\"");
}

TEST(escaper_output_parses_back_to_repaired_input) {
  const char* in = "k\"ey\x01\xc3\xa9\xed\xa0\x80!";
  sink k;
  char doc[300];
  snprintf(doc, sizeof doc, "[%s]", escaped(&k, in, strlen(in)));
  json_t* v = gf__json_load(doc, strlen(doc), NULL);
  CHECK(json_is_array(v));
  char* fixed = gf__utf8_repair(in, strlen(in), NULL);
  CHECK_EQ_STR(json_string_value(json_array_get(v, 0)), fixed);
  free(fixed);
  json_decref(v);
}

TEST(dump_compact_ordered_int64_exact) {
  json_t* o = json_object();
  json_object_set_new(o, "z", json_integer(INT64_MAX));
  json_object_set_new(o, "a", json_stringn("\xc3\xa9/\n", 4));
  json_object_set_new(o, "m", json_integer(INT64_MIN));
  json_t* arr = json_array();
  json_array_append_new(arr, json_true());
  json_array_append_new(arr, json_null());
  json_array_append_new(arr, json_object());
  json_object_set_new(o, "l", arr);
  size_t n = 0;
  char* s = gf__json_dump(o, &n);
  const char* want = "{\"z\":9223372036854775807,\"a\":\"\xc3\xa9/\\n\","
                     "\"m\":-9223372036854775808,\"l\":[true,null,{}]}";
  CHECK_EQ_STR(s, want);
  CHECK_EQ_INT(n, strlen(want));
  json_t* back = gf__json_load(s, n, NULL);
  CHECK(json_integer_value(json_object_get(back, "z")) == INT64_MAX);
  CHECK(json_integer_value(json_object_get(back, "m")) == INT64_MIN);
  json_decref(back);
  free(s);
  json_decref(o);
}

TEST(load_values_and_rejects) {
  const char* text = " {\"a\":1,\"b\":[\"x\\u00e9\\ud83d\\ude00\"],\"a\":2,\"n\":\"\\u0000\"} ";
  json_t* v = gf__json_load(text, strlen(text), NULL);
  CHECK(json_is_object(v));
  CHECK_EQ_INT(json_integer_value(json_object_get(v, "a")), 2); /* last duplicate wins */
  CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(v, "b"), 0)),
               "x\xc3\xa9\xf0\x9f\x98\x80");
  CHECK_EQ_INT(json_string_length(json_object_get(v, "n")), 1);
  json_decref(v);
  v = gf__json_load("\"top\"", 5, NULL);
  CHECK(json_is_string(v));
  json_decref(v);
  const char* bad[] = {"", "{", "[1,]", "{\"a\"}", "01", "\"\xff\"", "[1] x", "nul", "{'a':1}"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    gf_error err = {0};
    CHECK_MSG(gf__json_load(bad[i], strlen(bad[i]), &err) == NULL, "accepted: %s", bad[i]);
    CHECK_EQ_INT(err.code, GF_INVALID_ARGUMENT);
    CHECK_MSG(strstr(err.message, "invalid JSON at offset ") != NULL, "%s", err.message);
  }
}

TEST(utf8_helpers) {
  const char* s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* a, é, €, 😀 */
  CHECK_EQ_INT(gf__utf8_prefix(s, strlen(s), 2), 3);
  CHECK_EQ_INT(gf__utf8_prefix(s, strlen(s), 3), 6);
  CHECK_EQ_INT(gf__utf8_prefix(s, strlen(s), 10), 10);
  CHECK_EQ_INT(gf__utf8_prefix("\xff\xfe", 2, 1), 1); /* an invalid byte is one code point */
  CHECK_EQ_INT(gf__utf8_seq_len((const unsigned char*)"\xed\xa0\x80", 3), 0); /* surrogate */
  CHECK_EQ_INT(gf__utf8_seq_len((const unsigned char*)"\xc0\x80", 2), 0);     /* overlong */
  CHECK_EQ_INT(gf__utf8_seq_len((const unsigned char*)"\xf4\x90\x80\x80", 4), 0); /* > 10FFFF */
  CHECK_EQ_INT(gf__utf8_seq_len((const unsigned char*)"\xe2\x82", 2), 0);     /* cut short */
  CHECK(gf__utf8_valid((const uint8_t*)s, strlen(s), NULL));
  size_t bad = 0;
  const char* t = "0123456789\xe0\x80\x80";
  CHECK(!gf__utf8_valid((const uint8_t*)t, strlen(t), &bad));
  CHECK_EQ_INT(bad, 10);
  size_t n = 0;
  char* r = gf__utf8_repair("a\xff\xc3\xa9\xc3", 5, &n);
  CHECK_EQ_STR(r, "a\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd");
  CHECK_EQ_INT(n, 9);
  free(r);
}

TEST(utf8_cut_and_encode) {
  const char* s = "ab\xc3\xa9\xe2\x82\xac"; /* a b é € = 7 bytes */
  CHECK_EQ_INT(gf__utf8_cut(s, 7, 100), 7);
  CHECK_EQ_INT(gf__utf8_cut(s, 7, 3), 2);      /* would split é */
  CHECK_EQ_INT(gf__utf8_cut(s, 7, 6), 4);      /* would split € */
  CHECK_EQ_INT(gf__utf8_cut(s, 6, 100), 4);    /* trailing incomplete € dropped */
  CHECK_EQ_INT(gf__utf8_cut("a\xff" "b\x80", 4, 100), 4); /* stray bytes kept */
  char u[4];
  CHECK_EQ_INT(gf__utf8_encode(0x41, u), 1);
  CHECK_EQ_INT(gf__utf8_encode(0xE9, u), 2);
  CHECK(memcmp(u, "\xc3\xa9", 2) == 0);
  CHECK_EQ_INT(gf__utf8_encode(0x20AC, u), 3);
  CHECK(memcmp(u, "\xe2\x82\xac", 3) == 0);
  CHECK_EQ_INT(gf__utf8_encode(0x1F600, u), 4);
  CHECK(memcmp(u, "\xf0\x9f\x98\x80", 4) == 0);
}

int main(void) {
  RUN(escaper_escapes_keeps_utf8_and_replaces_invalid);
  RUN(escaper_output_parses_back_to_repaired_input);
  RUN(dump_compact_ordered_int64_exact);
  RUN(load_values_and_rejects);
  RUN(utf8_helpers);
  RUN(utf8_cut_and_encode);
  TEST_MAIN_END();
}
