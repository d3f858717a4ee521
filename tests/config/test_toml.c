/* TOML reader tests: a corpus of valid and invalid documents (strings,
 * numbers, dates, tables, arrays of tables, dotted keys, redefinitions),
 * value checks, error positions, and single-value parsing. */
#include <math.h>

#include "config/toml.h"
#include "test.h"

static gf__toml_value* parse(const char* doc, gf_error* err) {
  gf__toml_value* v = NULL;
  if (gf__toml_parse(doc, strlen(doc), "t.toml", &v, err) != GF_OK) return NULL;
  return v;
}

/* Value at dotted path using exact keys; numeric parts index arrays. */
static const gf__toml_value* at(const gf__toml_value* v, const char* path) {
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", path);
  char* save = NULL;
  for (char* p = strtok_r(buf, ".", &save); p && v; p = strtok_r(NULL, ".", &save)) {
    if (v->type == GF__TOML_ARRAY) {
      size_t i = (size_t)atoi(p);
      v = i < v->u.arr.n ? v->u.arr.items[i] : NULL;
    } else if (v->type == GF__TOML_TABLE) {
      v = gf__toml_table_get(v, p, strlen(p));
    } else {
      v = NULL;
    }
  }
  return v;
}

static const char* const valid_docs[] = {
    "",
    "# only a comment\n",
    "a = 1\r\nb = 2\r\n",
    "a = \"x\" # trailing comment",
    "\"quoted key\" = 1\n'literal key' = 2\n\"\" = 3\n",
    "a.b.c = 1\na.b.d = 2\n",
    "a . b = 1\n",
    "[a]\n[a.b]\n",
    "[a.b]\n[a]\n",
    "[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true\n",
    "[[arr]]\nx = 1\n[[arr]]\nx = 2\n[arr.sub]\ny = 3\n",
    "[[a.b]]\n[[a.b]]\n[a.b.c]\n",
    "x = [1, 'a', 2.5, true, [1,2], {k = 1}]\n",
    "x = [\n  1, # one\n  2,\n]\n",
    "x = { a = 1, b.c = 2 }\n",
    "x = {}\n",
    "s = \"\\b\\t\\n\\f\\r\\\"\\\\\\u00e9\\U0001F600\"\n",
    "s = \"\"\"\nline1\nline2\"\"\"\n",
    "s = \"\"\"a \\\n    b\"\"\"\n",
    "s = \"\"\"\"quoted\"\"\"\"\n",
    "s = '''\nraw \\n '' ok'''\n",
    "s = '''a'''''\n",
    "i = [+99, 42, 0, -17, 1_000, 0xDEAD_beef, 0o755, 0b1101, -0, +0]\n",
    "i = 9223372036854775807\nj = -9223372036854775808\n",
    "f = [1.0, 3.1415, -0.01, 5e+22, 1e06, -2E-2, 6.626e-34, 224_617.445_991, 0e0, -0.0]\n",
    "f = [inf, +inf, -inf, nan, +nan, -nan]\n",
    ("d = [1979-05-27T07:32:00Z, 1979-05-27T00:32:00-07:00, 1979-05-27T00:32:00.999999+07:00,"
     " 1979-05-27 07:32:00Z, 1979-05-27T07:32:00, 1979-05-27, 07:32:00, 00:32:00.999999]\n"),
    "d = 2000-02-29\n",
    "k = \"日本語\"\n",
    "b = [true, false]\n",
    "a = 1 \t\n\n\n",
    "x = 1\n[tbl]\n  y = 2\n  [tbl.sub]\n  z = 3\n",
};

static const char* const invalid_docs[] = {
    "a = 1\na = 2\n",                       /* duplicate key */
    "[a]\n[a]\n",                           /* table redefinition */
    "[a]\nb = 1\n[a.b]\n",                  /* b is an integer */
    "[fruit]\napple.color = 1\n[fruit.apple]\n", /* table defined by dotted keys */
    "[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n",     /* dotted keys into [header] table */
    "[a.b.c.d]\n[a]\nb.c.d.k.t = 1\n",
    "x = {a = 1}\n[x]\n",                   /* inline table closed */
    "x = {a = 1}\nx.b = 2\n",
    "x = {a = {b = 1}, a.c = 2}\n",
    "x = [1]\n[[x]]\n",                     /* static array */
    "[[a]]\n[a]\n",
    "[a]\n[[a]]\n",
    "x = {a = 1,}\n",                       /* trailing comma in inline table */
    "x = {a = 1\n}\n",                      /* newline in inline table */
    "x = [1 2]\n",
    "x = [1,\n",
    "a = \n",                               /* missing value */
    "a\n",
    "= 1\n",
    "a = 1 b = 2\n",
    "a = \"unterminated\n",
    "a = 'unterminated\n",
    "a = \"\"\"unterminated\n",
    "a = \"\\x41\"\n",                       /* invalid escape */
    "a = \"\\e\"\n",
    "a = \"\\uD800\"\n",                     /* surrogate */
    "a = \"\\U00110000\"\n",
    "a = \"\\u12\"\n",
    "a = \"tab\x01\"\n",                      /* control char */
    "a = \"\"\"x\"\"\"\"\"\"\n",             /* six quotes */
    "a = 01\n",                             /* leading zero */
    "a = 00.5\n",
    "a = 1__0\n",
    "a = _1\n",
    "a = 1_\n",
    "a = +0x10\n",
    "a = 0x\n",
    "a = 0X10\n",
    "a = 0b102\n",
    "a = 9223372036854775808\n",            /* overflow */
    "a = -9223372036854775809\n",
    "a = 1.\n",
    "a = .5\n",
    "a = 1e\n",
    "a = 1.5e_3\n",
    "a = infinity\n",
    "a = TRUE\n",
    "a = 1979-13-01\n",
    "a = 1979-02-30\n",
    "a = 1900-02-29\n",
    "a = 1979-05-27T25:00:00\n",
    "a = 1979-05-27T07:32\n",               /* seconds required in 1.0 */
    "a = 1979-05-27T07:32:00+25:00\n",
    "a = 07:60:00\n",
    "a = 1979-05-27T\n",
    "[a\n",
    "[[a]\n",
    "[a] x = 1\n",
    "[]\n",
    "a.\"\"\"b\"\"\" = 1\n",
    "a = 1 # ctrl \x02\n",
    "a = 1\rb = 2\n",                        /* bare CR */
    "a = \"\xff\"\n",                        /* invalid UTF-8 */
    "a = \"\xed\xa0\x80\"\n",                /* UTF-8 surrogate */
    "a = \"\xc0\xaf\"\n",                    /* overlong */
    "a.b = 1\n[a]\n",
    ("a = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"),
};

TEST(valid_corpus) {
  for (size_t i = 0; i < sizeof(valid_docs) / sizeof(valid_docs[0]); i++) {
    gf_error err = {0};
    gf__toml_value* v = parse(valid_docs[i], &err);
    CHECK_MSG(v != NULL, "doc %zu: %s", i, err.message);
    gf__toml_free(v);
  }
}

TEST(invalid_corpus) {
  for (size_t i = 0; i < sizeof(invalid_docs) / sizeof(invalid_docs[0]); i++) {
    gf_error err = {0};
    gf__toml_value* v = parse(invalid_docs[i], &err);
    CHECK_MSG(v == NULL, "doc %zu should fail: %s", i, invalid_docs[i]);
    CHECK_EQ_INT(err.code, GF_INVALID_ARGUMENT);
    CHECK_MSG(strncmp(err.message, "t.toml:", 7) == 0, "doc %zu: %s", i, err.message);
  }
}

TEST(strings_decode) {
  gf_error err;
  gf__toml_value* v = parse(
      "a = \"\\u00e9\\U0001F600\\t\"\n"
      "b = \"\"\"\nx\\\n   \n  y\"\"\"\n"
      "c = '''\n\\n raw'''\n"
      "d = \"\"\"\"q\"\"\"\"\n"
      "e = 'C:\\path'\n"
      "f = \"\"\"a\r\nb\"\"\"\n",
      &err);
  CHECK_MSG(v != NULL, "%s", err.message);
  CHECK_EQ_STR(at(v, "a")->u.str.s, "\xc3\xa9\xf0\x9f\x98\x80\t");
  CHECK_EQ_STR(at(v, "b")->u.str.s, "xy");
  CHECK_EQ_STR(at(v, "c")->u.str.s, "\\n raw");
  CHECK_EQ_STR(at(v, "d")->u.str.s, "\"q\"");
  CHECK_EQ_STR(at(v, "e")->u.str.s, "C:\\path");
  CHECK_EQ_STR(at(v, "f")->u.str.s, "a\nb");
  gf__toml_free(v);
}

TEST(numbers) {
  gf_error err;
  gf__toml_value* v = parse(
      "a = 0xDEAD_beef\nb = 0o755\nc = 0b1101\nd = -9223372036854775808\ne = 1_000\n"
      "f = 224_617.445_991\ng = -inf\nh = nan\ni = 5e+22\nj = +0.5\n",
      &err);
  CHECK_MSG(v != NULL, "%s", err.message);
  CHECK_EQ_INT(at(v, "a")->u.i, 0xDEADBEEF);
  CHECK_EQ_INT(at(v, "b")->u.i, 0755);
  CHECK_EQ_INT(at(v, "c")->u.i, 13);
  CHECK(at(v, "d")->u.i == INT64_MIN);
  CHECK_EQ_INT(at(v, "e")->u.i, 1000);
  CHECK(at(v, "f")->type == GF__TOML_FLOAT && fabs(at(v, "f")->u.f - 224617.445991) < 1e-9);
  CHECK(isinf(at(v, "g")->u.f) && at(v, "g")->u.f < 0);
  CHECK(isnan(at(v, "h")->u.f));
  CHECK(at(v, "i")->u.f == 5e22);
  CHECK(at(v, "j")->u.f == 0.5);
  gf__toml_free(v);
}

TEST(dates_keep_type_and_text) {
  gf_error err;
  gf__toml_value* v = parse(
      "a = 1979-05-27T07:32:00Z\nb = 1979-05-27 07:32:00.5\nc = 1979-05-27\nd = 07:32:00\n"
      "e = 1979-05-27T00:32:00-07:00\n",
      &err);
  CHECK_MSG(v != NULL, "%s", err.message);
  CHECK_EQ_INT(at(v, "a")->type, GF__TOML_OFFSET_DATETIME);
  CHECK_EQ_STR(at(v, "a")->u.dt, "1979-05-27T07:32:00Z");
  CHECK_EQ_INT(at(v, "b")->type, GF__TOML_LOCAL_DATETIME);
  CHECK_EQ_STR(at(v, "b")->u.dt, "1979-05-27 07:32:00.5");
  CHECK_EQ_INT(at(v, "c")->type, GF__TOML_LOCAL_DATE);
  CHECK_EQ_INT(at(v, "d")->type, GF__TOML_LOCAL_TIME);
  CHECK_EQ_INT(at(v, "e")->type, GF__TOML_OFFSET_DATETIME);
  CHECK_EQ_STR(at(v, "e")->u.dt, "1979-05-27T00:32:00-07:00");
  gf__toml_free(v);
}

TEST(tables_and_order) {
  gf_error err;
  gf__toml_value* v = parse(
      "z = 1\na = 2\n[t]\nk2 = 1\nk1 = 2\n[[arr]]\nn = 1\n[arr.sub]\nq = 1\n[[arr]]\nn = 2\n"
      "[x.y]\np = 1\n[x]\nr = 2\n",
      &err);
  CHECK_MSG(v != NULL, "%s", err.message);
  CHECK_EQ_STR(v->u.tab.keys[0], "z");
  CHECK_EQ_STR(v->u.tab.keys[1], "a");
  CHECK_EQ_STR(at(v, "t")->u.tab.keys[0], "k2");
  CHECK_EQ_INT(at(v, "arr")->u.arr.n, 2);
  CHECK_EQ_INT(at(v, "arr.0.sub.q")->u.i, 1);
  CHECK_EQ_INT(at(v, "arr.1.n")->u.i, 2);
  CHECK(at(v, "arr.1.sub") == NULL);
  CHECK_EQ_INT(at(v, "x.y.p")->u.i, 1);
  CHECK_EQ_INT(at(v, "x.r")->u.i, 2);
  gf__toml_free(v);
}

TEST(sources_are_file_line) {
  gf_error err;
  gf__toml_value* v = parse("a = 1\n\n[s]\nb = \"\"\"\nx\ny\"\"\"\nc = [1,\n 2]\n", &err);
  CHECK_MSG(v != NULL, "%s", err.message);
  CHECK_EQ_STR(at(v, "a")->src, "t.toml:1");
  CHECK_EQ_STR(at(v, "s")->src, "t.toml:3");
  CHECK_EQ_STR(at(v, "s.b")->src, "t.toml:4");
  CHECK_EQ_STR(at(v, "s.c")->src, "t.toml:7");
  CHECK_EQ_STR(at(v, "s.c.1")->src, "t.toml:8");
  gf__toml_free(v);
}

TEST(error_positions) {
  gf_error err;
  CHECK(parse("a = 1\nb = 2\na = 3\n", &err) == NULL);
  CHECK_EQ_STR(err.message, "t.toml:3:5: duplicate key 'a'");
  CHECK(parse("x = 1\n  y = 01\n", &err) == NULL);
  CHECK_MSG(strstr(err.message, "t.toml:2:7: invalid number '01': leading zeros") == err.message, "%s",
            err.message);
  CHECK(parse("[a]\n[a]\n", &err) == NULL);
  CHECK_MSG(strstr(err.message, "t.toml:2:") == err.message && strstr(err.message, "already defined"),
            "%s", err.message);
  CHECK(parse("s = \"\\q\"\n", &err) == NULL);
  CHECK_MSG(strstr(err.message, "t.toml:1:6: invalid escape") == err.message, "%s", err.message);
  CHECK(parse("ok = 1\nbad = \"\xff\"\n", &err) == NULL);
  CHECK_EQ_STR(err.message, "t.toml:2:8: invalid UTF-8 byte 0xff");
}

TEST(single_values) {
  gf__toml_value* v = NULL;
  gf_error err;
  CHECK(gf__toml_parse_value("17001", 5, "env X", &v, &err) == GF_OK);
  CHECK(v->type == GF__TOML_INTEGER && v->u.i == 17001);
  CHECK_EQ_STR(v->src, "env X");
  gf__toml_free(v);
  const char* list = " [\"a\", \"b\"] ";
  CHECK(gf__toml_parse_value(list, strlen(list), "env X", &v, &err) == GF_OK);
  CHECK(v->type == GF__TOML_ARRAY && v->u.arr.n == 2);
  CHECK_EQ_STR(v->u.arr.items[1]->u.str.s, "b");
  CHECK_EQ_STR(v->u.arr.items[1]->src, "env X");
  gf__toml_free(v);
  CHECK(gf__toml_parse_value("{a=\"b\", c.d = 1}", 16, "e", &v, &err) == GF_OK);
  CHECK(v->type == GF__TOML_TABLE && v->u.tab.n == 2);
  gf__toml_free(v);
  CHECK(gf__toml_parse_value("localhost", 9, "e", &v, &err) != GF_OK);
  CHECK(v == NULL);
  CHECK(gf__toml_parse_value("1 2", 3, "e", &v, &err) != GF_OK);
  CHECK(gf__toml_parse_value("", 0, "e", &v, &err) != GF_OK);
  CHECK(gf__toml_parse_value("@/x", 3, "e", &v, &err) != GF_OK);
}

TEST(merge_deep) {
  gf_error err;
  gf__toml_value* a = parse("[s]\nx = 1\ny = 2\n[s.t]\nk = 1\n[o]\nq = [1]\n", &err);
  gf__toml_value* b = parse("[S]\ny = 3\n[S.t]\nj = 2\n[o]\nq = [2, 3]\n", &err);
  CHECK(a && b);
  CHECK(gf__toml_merge(a, b) == GF_OK);
  CHECK_EQ_INT(at(a, "s.x")->u.i, 1);
  CHECK_EQ_INT(at(a, "s.y")->u.i, 3);
  CHECK_EQ_INT(at(a, "s.t.k")->u.i, 1);
  CHECK_EQ_INT(at(a, "s.t.j")->u.i, 2);
  CHECK_EQ_INT(at(a, "o.q")->u.arr.n, 2);
  gf__toml_value* c = gf__toml_clone(a);
  CHECK(c && at(c, "s.t.j")->u.i == 2);
  gf__toml_free(c);
  gf__toml_free(a);
}

int main(void) {
  RUN(valid_corpus);
  RUN(invalid_corpus);
  RUN(strings_decode);
  RUN(numbers);
  RUN(dates_keep_type_and_text);
  RUN(tables_and_order);
  RUN(sources_are_file_line);
  RUN(error_positions);
  RUN(single_values);
  RUN(merge_deep);
  TEST_MAIN_END();
}
