/* Tests for src/arrow builders: every type is built, validated (FULL) by
 * finish, and its buffers inspected. */
#include <math.h>

#include "test.h"
#include "arrow_test_util.h"

#define FINISH(b, a)                                                          \
  do {                                                                        \
    gf_error e_ = {0};                                                        \
    int rc_ = gf_builder_finish((b), (a), &e_);                               \
    CHECK_MSG(rc_ == GF_OK, "finish: %s", e_.message);                        \
  } while (0)

TEST(integers_all_widths) {
  static const char* fmts[] = {"c", "C", "s", "S", "i", "I", "l", "L"};
  static const int widths[] = {1, 1, 2, 2, 4, 4, 8, 8};
  for (int f = 0; f < 8; f++) {
    gf_builder* b = builder_for(fmts[f]);
    int is_unsigned = fmts[f][0] >= 'A' && fmts[f][0] <= 'Z';
    int w = widths[f];
    int64_t maxv = w == 8 ? INT64_MAX : is_unsigned ? (int64_t)((1ull << (w * 8)) - 1) : ((int64_t)1 << (w * 8 - 1)) - 1;
    int64_t minv = is_unsigned ? 0 : w == 8 ? INT64_MIN : -((int64_t)1 << (w * 8 - 1));
    CHECK_EQ_INT(gf_builder_append_int(b, 7), GF_OK);
    CHECK_EQ_INT(gf_builder_append_null(b, 2), GF_OK);
    CHECK_EQ_INT(gf_builder_append_int(b, maxv), GF_OK);
    CHECK_EQ_INT(gf_builder_append_int(b, minv), GF_OK);
    if (w < 8 || !is_unsigned) {
      int rc = gf_builder_append_int(b, w == 8 ? minv : maxv + 1);
      if (w < 8) CHECK_EQ_INT(rc, GF_INVALID_ARGUMENT);
      else CHECK_EQ_INT(rc, GF_OK); /* int64 min is in range */
      if (w < 8) CHECK(strstr(gf_builder_last_error(b), "out of range") != NULL);
    }
    if (is_unsigned) CHECK_EQ_INT(gf_builder_append_int(b, -1), GF_INVALID_ARGUMENT);
    struct ArrowArray a;
    FINISH(b, &a);
    int64_t expect_len = (w == 8 && !is_unsigned) ? 6 : 5;
    CHECK_EQ_INT(a.length, expect_len);
    CHECK_EQ_INT(a.null_count, 2);
    CHECK_EQ_INT(a.n_buffers, 2);
    CHECK(((uintptr_t)a.buffers[1] & 63) == 0);
    CHECK_EQ_INT(bit(a.buffers[0], 0), 1);
    CHECK_EQ_INT(bit(a.buffers[0], 1), 0);
    CHECK_EQ_INT(bit(a.buffers[0], 2), 0);
    CHECK_EQ_INT(bit(a.buffers[0], 3), 1);
    CHECK_EQ_INT(rd(&a, 1, w, 0), 7);
    if (is_unsigned && w < 8) CHECK_EQ_INT((uint64_t)rd(&a, 1, w, 3) & (uint64_t)maxv, maxv);
    else CHECK_EQ_INT(rd(&a, 1, w, 3), maxv);
    CHECK_EQ_INT(rd(&a, 1, w, 4), minv);
    a.release(&a);
    gf_builder_free(b);
  }
}

TEST(uint64_full_range) {
  gf_builder* b = builder_for("L");
  CHECK_EQ_INT(gf_builder_append_uint(b, UINT64_MAX), GF_OK);
  struct ArrowArray a;
  FINISH(b, &a);
  uint64_t v;
  memcpy(&v, a.buffers[1], 8);
  CHECK(v == UINT64_MAX);
  CHECK(a.buffers[0] == NULL);
  CHECK_EQ_INT(a.null_count, 0);
  a.release(&a);
  gf_builder* c = builder_for("I");
  CHECK_EQ_INT(gf_builder_append_uint(c, 1ull << 32), GF_INVALID_ARGUMENT);
  gf_builder_free(c);
  gf_builder_free(b);
}

TEST(bool_bits) {
  gf_builder* b = builder_for("b");
  for (int i = 0; i < 20; i++) {
    if (i % 5 == 4) CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
    else CHECK_EQ_INT(gf_builder_append_bool(b, i % 3 == 0), GF_OK);
  }
  struct ArrowArray a;
  FINISH(b, &a);
  CHECK_EQ_INT(a.length, 20);
  CHECK_EQ_INT(a.null_count, 4);
  for (int i = 0; i < 20; i++) {
    CHECK_EQ_INT(bit(a.buffers[0], i), i % 5 != 4);
    if (i % 5 != 4) CHECK_EQ_INT(bit(a.buffers[1], i), i % 3 == 0);
  }
  CHECK_EQ_INT(gf_array_null_count(&a, NULL), 4);
  a.release(&a);
  gf_builder_free(b);
}

TEST(floats_and_half) {
  gf_builder* h = builder_for("e");
  double in[] = {1.0, 65504.0, 1e6, -2.0, 5.960464477539063e-08, NAN, 0.333, 0.5, -INFINITY, 0.0, 65519.0, 65520.0};
  uint16_t want[] = {0x3c00, 0x7bff, 0x7c00, 0xc000, 0x0001, 0x7e00, 0x3554, 0x3800, 0xfc00, 0x0000, 0x7bff, 0x7c00};
  for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) CHECK_EQ_INT(gf_builder_append_double(h, in[i]), GF_OK);
  struct ArrowArray a;
  FINISH(h, &a);
  for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
    uint16_t v;
    memcpy(&v, (const uint8_t*)a.buffers[1] + 2 * i, 2);
    CHECK_MSG(v == want[i], "half(%g) = 0x%04x, want 0x%04x", in[i], v, want[i]);
  }
  a.release(&a);
  gf_builder_free(h);

  gf_builder* f = builder_for("f");
  gf_builder* d = builder_for("g");
  CHECK_EQ_INT(gf_builder_append_double(f, 1.5), GF_OK);
  CHECK_EQ_INT(gf_builder_append_int(f, 3), GF_OK);
  CHECK_EQ_INT(gf_builder_append_double(d, -2.25), GF_OK);
  CHECK_EQ_INT(gf_builder_append_null(d, 1), GF_OK);
  CHECK_EQ_INT(gf_builder_append_string(d, "x"), GF_INVALID_ARGUMENT);
  struct ArrowArray fa, da;
  FINISH(f, &fa);
  FINISH(d, &da);
  CHECK(((const float*)fa.buffers[1])[0] == 1.5f && ((const float*)fa.buffers[1])[1] == 3.0f);
  CHECK(((const double*)da.buffers[1])[0] == -2.25);
  CHECK_EQ_INT(da.null_count, 1);
  fa.release(&fa);
  da.release(&da);
  gf_builder_free(f);
  gf_builder_free(d);
}

static void check_binary(const char* fmt, int large) {
  gf_builder* b = builder_for(fmt);
  CHECK_EQ_INT(gf_builder_append_string(b, "hello"), GF_OK);
  CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
  CHECK_EQ_INT(gf_builder_append_string(b, ""), GF_OK);
  CHECK_EQ_INT(gf_builder_append_bytes(b, "\xc3\xa9t\xc3\xa9", 5), GF_OK);
  int is_str = fmt[0] == 'u' || fmt[0] == 'U';
  CHECK_EQ_INT(gf_builder_append_bytes(b, "\xff\xfe", 2), is_str ? GF_INVALID_ARGUMENT : GF_OK);
  struct ArrowArray a;
  FINISH(b, &a);
  int w = large ? 8 : 4;
  CHECK_EQ_INT(a.n_buffers, 3);
  CHECK_EQ_INT(a.length, is_str ? 4 : 5);
  CHECK_EQ_INT(rd(&a, 1, w, 0), 0);
  CHECK_EQ_INT(rd(&a, 1, w, 1), 5);
  CHECK_EQ_INT(rd(&a, 1, w, 2), 5);
  CHECK_EQ_INT(rd(&a, 1, w, 3), 5);
  CHECK_EQ_INT(rd(&a, 1, w, 4), 10);
  CHECK(memcmp(a.buffers[2], "hello\xc3\xa9t\xc3\xa9", 10) == 0);
  CHECK_EQ_INT(bit(a.buffers[0], 1), 0);
  a.release(&a);
  /* empty array still has the single 0 offset */
  FINISH(b, &a);
  CHECK_EQ_INT(a.length, 0);
  CHECK(a.buffers[1] != NULL && rd(&a, 1, w, 0) == 0);
  a.release(&a);
  gf_builder_free(b);
}

TEST(binary_and_strings) {
  check_binary("z", 0);
  check_binary("Z", 1);
  check_binary("u", 0);
  check_binary("U", 1);
}

TEST(views) {
  static const char* fmts[] = {"vu", "vz"};
  for (int f = 0; f < 2; f++) {
    gf_builder* b = builder_for(fmts[f]);
    CHECK_EQ_INT(gf_builder_append_string(b, "short"), GF_OK);
    CHECK_EQ_INT(gf_builder_append_string(b, "a string longer than twelve"), GF_OK);
    CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
    CHECK_EQ_INT(gf_builder_append_string(b, "another long string value"), GF_OK);
    struct ArrowArray a;
    FINISH(b, &a);
    CHECK_EQ_INT(a.n_buffers, 4); /* validity, views, 1 data buffer, sizes */
    const uint8_t* v = a.buffers[1];
    int32_t len, idx, off;
    memcpy(&len, v, 4);
    CHECK_EQ_INT(len, 5);
    CHECK(memcmp(v + 4, "short", 5) == 0);
    memcpy(&len, v + 16, 4);
    memcpy(&idx, v + 24, 4);
    memcpy(&off, v + 28, 4);
    CHECK_EQ_INT(len, 27);
    CHECK_EQ_INT(idx, 0);
    CHECK_EQ_INT(off, 0);
    CHECK(memcmp(v + 20, "a st", 4) == 0);
    memcpy(&off, v + 60, 4);
    CHECK_EQ_INT(off, 27);
    CHECK_EQ_INT(((const int64_t*)a.buffers[3])[0], 27 + 25);
    CHECK(memcmp((const char*)a.buffers[2] + 27, "another long string value", 25) == 0);
    CHECK_EQ_INT(gf_array_validate(&a, gf_builder_schema(b), GF_VALIDATE_FULL | GF_VALIDATE_UTF8, NULL), GF_OK);
    a.release(&a);
    gf_builder_free(b);
  }
}

TEST(fixed_size_binary) {
  gf_builder* b = builder_for("w:3");
  CHECK_EQ_INT(gf_builder_append_bytes(b, "abc", 3), GF_OK);
  CHECK_EQ_INT(gf_builder_append_bytes(b, "ab", 2), GF_INVALID_ARGUMENT);
  CHECK(strstr(gf_builder_last_error(b), "needs 3") != NULL);
  CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
  CHECK_EQ_INT(gf_builder_append_bytes(b, "xyz", 3), GF_OK);
  struct ArrowArray a;
  FINISH(b, &a);
  CHECK(memcmp(a.buffers[1], "abc\0\0\0xyz", 9) == 0);
  a.release(&a);
  gf_builder_free(b);
}

TEST(temporal_types) {
  static const char* f4[] = {"tdD", "tts", "ttm", "tiM"};
  static const char* f8[] = {"tdm", "ttu", "ttn", "tss:", "tsm:UTC", "tsu:Europe/Prague", "tsn:", "tDs", "tDm", "tDu", "tDn"};
  for (int i = 0; i < 4; i++) {
    gf_builder* b = builder_for(f4[i]);
    CHECK_EQ_INT(gf_builder_append_int(b, -19000), GF_OK);
    CHECK_EQ_INT(gf_builder_append_int(b, 1ll << 40), GF_INVALID_ARGUMENT);
    CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
    struct ArrowArray a;
    FINISH(b, &a);
    CHECK_EQ_INT(rd(&a, 1, 4, 0), -19000);
    CHECK_EQ_INT(a.length, 2);
    a.release(&a);
    gf_builder_free(b);
  }
  for (int i = 0; i < 11; i++) {
    gf_builder* b = builder_for(f8[i]);
    CHECK_EQ_INT(gf_builder_append_int(b, 1700000000123456789ll), GF_OK);
    CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
    struct ArrowArray a;
    FINISH(b, &a);
    CHECK_EQ_INT(rd(&a, 1, 8, 0), 1700000000123456789ll);
    a.release(&a);
    gf_builder_free(b);
  }
  gf_builder* dt = builder_for("tiD");
  gf_builder* mdn = builder_for("tin");
  CHECK_EQ_INT(gf_builder_append_interval_day_time(dt, 3, -500), GF_OK);
  CHECK_EQ_INT(gf_builder_append_interval_mdn(mdn, 1, 2, -3000000000ll), GF_OK);
  CHECK_EQ_INT(gf_builder_append_null(mdn, 1), GF_OK);
  CHECK_EQ_INT(gf_builder_append_interval_mdn(dt, 1, 2, 3), GF_INVALID_ARGUMENT);
  struct ArrowArray a, c;
  FINISH(dt, &a);
  FINISH(mdn, &c);
  CHECK_EQ_INT(rd(&a, 1, 4, 0), 3);
  CHECK_EQ_INT(rd(&a, 1, 4, 1), -500);
  CHECK_EQ_INT(rd(&c, 1, 4, 0), 1);
  CHECK_EQ_INT(rd(&c, 1, 4, 1), 2);
  CHECK_EQ_INT(rd(&c, 1, 8, 1), -3000000000ll);
  CHECK_EQ_INT(c.length, 2);
  a.release(&a);
  c.release(&c);
  gf_builder_free(dt);
  gf_builder_free(mdn);
}

TEST(decimals) {
  static const char* fmts[] = {"d:9,2,32", "d:18,2,64", "d:38,2", "d:76,2,256"};
  static const int widths[] = {4, 8, 16, 32};
  for (int f = 0; f < 4; f++) {
    gf_builder* b = builder_for(fmts[f]);
    int w = widths[f];
    CHECK_EQ_INT(gf_builder_append_decimal_int(b, -12345), GF_OK);
    CHECK_EQ_INT(gf_builder_append_decimal_int(b, 77), GF_OK);
    CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
    uint8_t raw[32];
    for (int i = 0; i < w; i++) raw[i] = (uint8_t)(i + 1);
    CHECK_EQ_INT(gf_builder_append_bytes(b, raw, (size_t)w), GF_OK);
    CHECK_EQ_INT(gf_builder_append_bytes(b, raw, (size_t)w + 1), GF_INVALID_ARGUMENT);
    if (w == 4) CHECK_EQ_INT(gf_builder_append_decimal_int(b, 1ll << 40), GF_INVALID_ARGUMENT);
    struct ArrowArray a;
    FINISH(b, &a);
    const uint8_t* v = a.buffers[1];
    CHECK_EQ_INT(rd(&a, 1, w < 8 ? w : 8, 0) , -12345); /* low word */
    for (int i = 8; i < w; i++) CHECK_EQ_INT(v[i], 0xff); /* sign extension */
    for (int i = 8; i < w; i++) CHECK_EQ_INT(v[w + i], 0);
    CHECK(memcmp(v + 3 * w, raw, (size_t)w) == 0);
    a.release(&a);
    gf_builder_free(b);
  }
}

TEST(null_type) {
  gf_builder* b = builder_for("n");
  CHECK_EQ_INT(gf_builder_append_null(b, 5), GF_OK);
  CHECK_EQ_INT(gf_builder_append_int(b, 1), GF_INVALID_ARGUMENT);
  struct ArrowArray a;
  FINISH(b, &a);
  CHECK_EQ_INT(a.length, 5);
  CHECK_EQ_INT(a.null_count, 5);
  CHECK_EQ_INT(a.n_buffers, 0);
  a.release(&a);
  gf_builder_free(b);
}

static gf_builder* list_builder(const char* fmt, const char* item_fmt) {
  struct ArrowSchema s;
  sch(sch(&s, fmt, "l", 1)[0], item_fmt, "item", 0);
  gf_builder* b = NULL;
  if (gf_builder_create(&s, &b, NULL) != GF_OK) abort();
  s.release(&s);
  return b;
}

/* [[1,2], null, [], [3]] */
static int fill_list(gf_builder* b) {
  gf_builder* c = gf_builder_child(b, 0);
  int rc = gf_builder_append_int(c, 1) | gf_builder_append_int(c, 2) | gf_builder_append_list_end(b) |
           gf_builder_append_null(b, 1) | gf_builder_append_list_end(b) | gf_builder_append_int(c, 3) |
           gf_builder_append_list_end(b);
  return rc;
}

TEST(lists) {
  static const char* fmts[] = {"+l", "+L"};
  for (int f = 0; f < 2; f++) {
    gf_builder* b = list_builder(fmts[f], "i");
    CHECK_EQ_INT(fill_list(b), GF_OK);
    struct ArrowArray a;
    FINISH(b, &a);
    int w = f ? 8 : 4;
    CHECK_EQ_INT(a.length, 4);
    CHECK_EQ_INT(a.n_children, 1);
    int64_t want[] = {0, 2, 2, 2, 3};
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(rd(&a, 1, w, i), want[i]);
    CHECK_EQ_INT(a.children[0]->length, 3);
    CHECK_EQ_INT(rd(a.children[0], 1, 4, 2), 3);
    CHECK_EQ_INT(bit(a.buffers[0], 1), 0);
    a.release(&a);
    gf_builder_free(b);
  }
}

TEST(list_views) {
  static const char* fmts[] = {"+vl", "+vL"};
  for (int f = 0; f < 2; f++) {
    gf_builder* b = list_builder(fmts[f], "u");
    gf_builder* c = gf_builder_child(b, 0);
    CHECK_EQ_INT(gf_builder_append_string(c, "a"), GF_OK);
    CHECK_EQ_INT(gf_builder_append_string(c, "b"), GF_OK);
    CHECK_EQ_INT(gf_builder_append_list_end(b), GF_OK);
    CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
    CHECK_EQ_INT(gf_builder_append_string(c, "c"), GF_OK);
    CHECK_EQ_INT(gf_builder_append_list_end(b), GF_OK);
    struct ArrowArray a;
    FINISH(b, &a);
    int w = f ? 8 : 4;
    CHECK_EQ_INT(a.n_buffers, 3);
    CHECK_EQ_INT(rd(&a, 1, w, 0), 0);
    CHECK_EQ_INT(rd(&a, 2, w, 0), 2);
    CHECK_EQ_INT(rd(&a, 2, w, 1), 0);
    CHECK_EQ_INT(rd(&a, 1, w, 2), 2);
    CHECK_EQ_INT(rd(&a, 2, w, 2), 1);
    a.release(&a);
    gf_builder_free(b);
  }
}

TEST(fixed_size_list) {
  gf_builder* b = list_builder("+w:2", "s");
  gf_builder* c = gf_builder_child(b, 0);
  CHECK_EQ_INT(gf_builder_append_int(c, 1), GF_OK);
  CHECK_EQ_INT(gf_builder_append_int(c, 2), GF_OK);
  CHECK_EQ_INT(gf_builder_append_list_end(b), GF_OK);
  CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
  CHECK_EQ_INT(gf_builder_append_int(c, 5), GF_OK);
  CHECK_EQ_INT(gf_builder_append_list_end(b), GF_INVALID_ARGUMENT);
  CHECK(strstr(gf_builder_last_error(b), "list_size is 2") != NULL);
  CHECK_EQ_INT(gf_builder_append_int(c, 6), GF_OK);
  CHECK_EQ_INT(gf_builder_append_list_end(b), GF_OK);
  struct ArrowArray a;
  FINISH(b, &a);
  CHECK_EQ_INT(a.length, 3);
  CHECK_EQ_INT(a.children[0]->length, 6);
  CHECK_EQ_INT(rd(a.children[0], 1, 2, 4), 5);
  CHECK_EQ_INT(bit(a.children[0]->buffers[0], 2), 0);
  a.release(&a);
  gf_builder_free(b);
}

TEST(struct_and_reuse) {
  struct ArrowSchema s;
  struct ArrowSchema** k = sch(&s, "+s", "", 2);
  sch(k[0], "l", "id", 0);
  sch(k[1], "u", "name", 0);
  gf_builder* b;
  CHECK_EQ_INT(gf_builder_create(&s, &b, NULL), GF_OK);
  s.release(&s);
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 1000; i++) {
      CHECK_EQ_INT(gf_builder_append_int(gf_builder_child(b, 0), i + round), GF_OK);
      CHECK_EQ_INT(gf_builder_append_string(gf_builder_child(b, 1), i % 7 ? "row" : NULL), GF_OK);
      CHECK_EQ_INT(gf_builder_append_struct_end(b), GF_OK);
    }
    CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
    struct ArrowArray a;
    FINISH(b, &a);
    CHECK_EQ_INT(a.length, 1001);
    CHECK_EQ_INT(a.null_count, 1);
    CHECK_EQ_INT(a.children[0]->length, 1001);
    CHECK_EQ_INT(rd(a.children[0], 1, 8, 999), 999 + round);
    CHECK_EQ_INT(a.children[1]->null_count, 143 + 1);
    a.release(&a);
  }
  /* children out of step */
  CHECK_EQ_INT(gf_builder_append_int(gf_builder_child(b, 0), 1), GF_OK);
  CHECK_EQ_INT(gf_builder_append_struct_end(b), GF_INVALID_ARGUMENT);
  CHECK(strstr(gf_builder_last_error(b), "child 'name'") != NULL);
  gf_builder_reset(b);
  CHECK_EQ_INT(gf_builder_length(gf_builder_child(b, 0)), 0);
  gf_builder_free(b);
}

TEST(map_type) {
  struct ArrowSchema s;
  struct ArrowSchema** e = sch(sch(&s, "+m", "m", 1)[0], "+s", "entries", 2);
  sch(e[0], "u", "key", 0);
  sch(e[1], "i", "value", 0);
  gf_builder* b;
  CHECK_EQ_INT(gf_builder_create(&s, &b, NULL), GF_OK);
  s.release(&s);
  gf_builder* ent = gf_builder_child(b, 0);
  const char* keys[] = {"a", "b", "c"};
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(gf_builder_append_string(gf_builder_child(ent, 0), keys[i]), GF_OK);
    CHECK_EQ_INT(gf_builder_append_int(gf_builder_child(ent, 1), i), GF_OK);
    CHECK_EQ_INT(gf_builder_append_struct_end(ent), GF_OK);
    if (i != 1) CHECK_EQ_INT(gf_builder_append_list_end(b), GF_OK);
  }
  CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
  struct ArrowArray a;
  FINISH(b, &a);
  CHECK_EQ_INT(a.length, 3);
  CHECK_EQ_INT(rd(&a, 1, 4, 1), 1);
  CHECK_EQ_INT(rd(&a, 1, 4, 2), 3);
  CHECK_EQ_INT(rd(&a, 1, 4, 3), 3);
  CHECK_EQ_INT(a.children[0]->children[1]->length, 3);
  a.release(&a);
  gf_builder_free(b);
}

static gf_builder* union_builder(const char* fmt) {
  struct ArrowSchema s;
  struct ArrowSchema** k = sch(&s, fmt, "u", 2);
  sch(k[0], "i", "int", 0);
  sch(k[1], "u", "str", 0);
  gf_builder* b = NULL;
  if (gf_builder_create(&s, &b, NULL) != GF_OK) abort();
  s.release(&s);
  return b;
}

TEST(unions) {
  for (int dense = 0; dense < 2; dense++) {
    gf_builder* b = union_builder(dense ? "+ud:5,9" : "+us:5,9");
    CHECK_EQ_INT(gf_builder_append_union(b, 5), GF_OK);
    CHECK_EQ_INT(gf_builder_append_int(gf_builder_child(b, 0), 42), GF_OK);
    CHECK_EQ_INT(gf_builder_append_union(b, 9), GF_OK);
    CHECK_EQ_INT(gf_builder_append_string(gf_builder_child(b, 1), "x"), GF_OK);
    CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
    CHECK_EQ_INT(gf_builder_append_union(b, 9), GF_OK);
    CHECK_EQ_INT(gf_builder_append_string(gf_builder_child(b, 1), "y"), GF_OK);
    CHECK_EQ_INT(gf_builder_append_union(b, 3), GF_INVALID_ARGUMENT);
    struct ArrowArray a;
    FINISH(b, &a);
    CHECK_EQ_INT(a.length, 4);
    CHECK_EQ_INT(a.n_buffers, dense ? 2 : 1);
    const int8_t* ids = a.buffers[0];
    CHECK(ids[0] == 5 && ids[1] == 9 && ids[2] == 5 && ids[3] == 9);
    if (dense) {
      CHECK_EQ_INT(rd(&a, 1, 4, 0), 0);
      CHECK_EQ_INT(rd(&a, 1, 4, 1), 0);
      CHECK_EQ_INT(rd(&a, 1, 4, 2), 1);
      CHECK_EQ_INT(rd(&a, 1, 4, 3), 1);
      CHECK_EQ_INT(a.children[0]->length, 2);
      CHECK_EQ_INT(a.children[1]->length, 2);
    } else {
      CHECK_EQ_INT(a.children[0]->length, 4);
      CHECK_EQ_INT(a.children[1]->length, 4);
      CHECK_EQ_INT(rd(a.children[0], 1, 4, 0), 42);
    }
    a.release(&a);
    gf_builder_free(b);
  }
}

TEST(dictionary_encoded) {
  struct ArrowSchema s;
  sch(&s, "c", "color", 0);
  sch_dict(&s, "u");
  gf_builder* b;
  CHECK_EQ_INT(gf_builder_create(&s, &b, NULL), GF_OK);
  s.release(&s);
  gf_builder* d = gf_builder_dictionary(b);
  CHECK(d != NULL);
  CHECK_EQ_INT(gf_builder_append_string(d, "red"), GF_OK);
  CHECK_EQ_INT(gf_builder_append_string(d, "green"), GF_OK);
  int idx[] = {0, 1, 1, 0};
  for (int i = 0; i < 4; i++) CHECK_EQ_INT(gf_builder_append_int(b, idx[i]), GF_OK);
  CHECK_EQ_INT(gf_builder_append_null(b, 1), GF_OK);
  struct ArrowArray a;
  FINISH(b, &a);
  CHECK(a.dictionary != NULL);
  CHECK_EQ_INT(a.dictionary->length, 2);
  CHECK_EQ_INT(rd(&a, 1, 1, 2), 1);
  a.release(&a);
  /* index beyond the dictionary is caught by finish */
  CHECK_EQ_INT(gf_builder_append_string(d, "blue"), GF_OK);
  CHECK_EQ_INT(gf_builder_append_int(b, 1), GF_OK);
  gf_error err = {0};
  CHECK_EQ_INT(gf_builder_finish(b, &a, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "indices buffer") != NULL);
  CHECK(a.release == NULL);
  gf_builder_free(b);
}

TEST(run_end_encoded) {
  static const char* ends[] = {"s", "i", "l"};
  for (int f = 0; f < 3; f++) {
    struct ArrowSchema s;
    struct ArrowSchema** k = sch(&s, "+r", "ree", 2);
    sch(k[0], ends[f], "run_ends", 0);
    k[0]->flags = 0;
    sch(k[1], "u", "values", 0);
    gf_builder* b;
    CHECK_EQ_INT(gf_builder_create(&s, &b, NULL), GF_OK);
    s.release(&s);
    gf_builder* v = gf_builder_child(b, 1);
    CHECK_EQ_INT(gf_builder_append_string(v, "a"), GF_OK);
    CHECK_EQ_INT(gf_builder_append_run(b, 3), GF_OK);
    CHECK_EQ_INT(gf_builder_append_null(b, 2), GF_OK);
    CHECK_EQ_INT(gf_builder_append_string(v, "b"), GF_OK);
    CHECK_EQ_INT(gf_builder_append_run(b, 1), GF_OK);
    CHECK_EQ_INT(gf_builder_append_run(b, 1), GF_INVALID_ARGUMENT);
    struct ArrowArray a;
    FINISH(b, &a);
    CHECK_EQ_INT(a.length, 6);
    CHECK_EQ_INT(a.n_buffers, 0);
    int w = f == 0 ? 2 : f == 1 ? 4 : 8;
    CHECK_EQ_INT(a.children[0]->length, 3);
    CHECK_EQ_INT(rd(a.children[0], 1, w, 0), 3);
    CHECK_EQ_INT(rd(a.children[0], 1, w, 1), 5);
    CHECK_EQ_INT(rd(a.children[0], 1, w, 2), 6);
    CHECK_EQ_INT(a.children[1]->null_count, 1);
    a.release(&a);
    gf_builder_free(b);
  }
}

TEST(nested_list_of_struct_with_dictionary) {
  struct ArrowSchema s;
  struct ArrowSchema** k = sch(sch(&s, "+l", "l", 1)[0], "+s", "item", 2);
  sch(k[0], "i", "code", 0);
  sch_dict(k[0], "U");
  sch(k[1], "vz", "blob", 0);
  gf_builder* b;
  gf_error err;
  CHECK_EQ_INT(gf_builder_create(&s, &b, &err), GF_OK);
  s.release(&s);
  gf_builder* st = gf_builder_child(b, 0);
  gf_builder* code = gf_builder_child(st, 0);
  CHECK_EQ_INT(gf_builder_append_string(gf_builder_dictionary(code), "x"), GF_OK);
  for (int i = 0; i < 10; i++) {
    CHECK_EQ_INT(gf_builder_append_int(code, 0), GF_OK);
    CHECK_EQ_INT(gf_builder_append_bytes(gf_builder_child(st, 1), "0123456789abcdef", (size_t)i), GF_OK);
    CHECK_EQ_INT(gf_builder_append_struct_end(st), GF_OK);
    if (i % 3 == 2) CHECK_EQ_INT(gf_builder_append_list_end(b), GF_OK);
  }
  CHECK_EQ_INT(gf_builder_append_list_end(b), GF_OK);
  struct ArrowArray a;
  FINISH(b, &a);
  CHECK_EQ_INT(a.length, 4);
  CHECK_EQ_INT(a.children[0]->children[0]->dictionary->length, 1);
  a.release(&a);
  gf_builder_free(b);
}

TEST(create_rejects_bad_schemas) {
  struct ArrowSchema s;
  gf_builder* b = NULL;
  gf_error err = {0};
  sch(&s, "+l", "l", 0);
  CHECK_EQ_INT(gf_builder_create(&s, &b, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "children") != NULL);
  s.release(&s);
  struct ArrowSchema** k = sch(&s, "+r", "r", 2);
  sch(k[0], "u", "run_ends", 0);
  sch(k[1], "u", "values", 0);
  CHECK_EQ_INT(gf_builder_create(&s, &b, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "run_ends") != NULL);
  s.release(&s);
  sch(&s, "u", "d", 0);
  sch_dict(&s, "u");
  CHECK_EQ_INT(gf_builder_create(&s, &b, &err), GF_INVALID_ARGUMENT);
  s.release(&s);
  sch(&s, "tsq:", "bad", 0);
  CHECK_EQ_INT(gf_builder_create(&s, &b, &err), GF_INVALID_ARGUMENT);
  s.release(&s);
  CHECK(b == NULL);
}

TEST(many_appends_are_fast) {
  gf_builder* b = builder_for("l");
  for (int64_t i = 0; i < 2000000; i++) {
    if (gf_builder_append_int(b, i) != GF_OK) CHECK(0);
  }
  struct ArrowArray a;
  FINISH(b, &a);
  CHECK_EQ_INT(a.length, 2000000);
  CHECK_EQ_INT(rd(&a, 1, 8, 1999999), 1999999);
  a.release(&a);
  gf_builder_free(b);
}

int main(void) {
  RUN(integers_all_widths);
  RUN(uint64_full_range);
  RUN(bool_bits);
  RUN(floats_and_half);
  RUN(binary_and_strings);
  RUN(views);
  RUN(fixed_size_binary);
  RUN(temporal_types);
  RUN(decimals);
  RUN(null_type);
  RUN(lists);
  RUN(list_views);
  RUN(fixed_size_list);
  RUN(struct_and_reuse);
  RUN(map_type);
  RUN(unions);
  RUN(dictionary_encoded);
  RUN(run_end_encoded);
  RUN(nested_list_of_struct_with_dictionary);
  RUN(create_rejects_bad_schemas);
  RUN(many_appends_are_fast);
  TEST_MAIN_END();
}
