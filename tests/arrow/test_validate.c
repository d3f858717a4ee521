/* Tests for src/arrow validate.c: valid arrays pass; arrays broken by hand
 * (buffers poked after building) are rejected with messages naming the
 * field path and the buffer. */
#include "test.h"
#include "arrow_test_util.h"

#define W(a, i) ((void*)(a)->buffers[i]) /* writable view of a buffer we own */

static int vmsg(const struct ArrowArray* a, const struct ArrowSchema* s, int flags, char* out) {
  gf_error err = {0};
  int rc = gf_array_validate(a, s, flags, &err);
  strcpy(out, rc == GF_OK ? "" : err.message);
  return rc;
}

/* Batch {col1: int32, col2: list<string>} with 3 rows:
 *   (1, ["a","bc"]), (null, null), (3, ["def"]) */
static int make_batch(struct ArrowSchema* s, struct ArrowArray* a) {
  struct ArrowSchema** k = sch(s, "+s", "", 2);
  sch(k[0], "i", "col1", 0);
  sch(sch(k[1], "+l", "col2", 1)[0], "u", "item", 0);
  gf_builder* b;
  if (gf_builder_create(s, &b, NULL) != GF_OK) return -1;
  gf_builder *c1 = gf_builder_child(b, 0), *c2 = gf_builder_child(b, 1), *it = gf_builder_child(c2, 0);
  int rc = gf_builder_append_int(c1, 1) | gf_builder_append_string(it, "a") |
           gf_builder_append_string(it, "bc") | gf_builder_append_list_end(c2) |
           gf_builder_append_struct_end(b) | gf_builder_append_null(c1, 1) |
           gf_builder_append_null(c2, 1) | gf_builder_append_struct_end(b) |
           gf_builder_append_int(c1, 3) | gf_builder_append_string(it, "def") |
           gf_builder_append_list_end(c2) | gf_builder_append_struct_end(b);
  if (rc == GF_OK) rc = gf_builder_finish(b, a, NULL);
  gf_builder_free(b);
  return rc;
}

TEST(valid_batch_passes_all_levels) {
  struct ArrowSchema s;
  struct ArrowArray a;
  char m[GF_ERROR_MESSAGE_SIZE];
  CHECK_EQ_INT(make_batch(&s, &a), 0);
  CHECK_MSG(vmsg(&a, &s, GF_VALIDATE_DEFAULT, m) == GF_OK, "%s", m);
  CHECK_MSG(vmsg(&a, &s, GF_VALIDATE_FULL | GF_VALIDATE_UTF8, m) == GF_OK, "%s", m);
  /* slicing: offset 1, length 2 */
  a.offset = 1;
  a.length = 2;
  a.null_count = -1;
  CHECK_MSG(vmsg(&a, &s, GF_VALIDATE_FULL, m) == GF_OK, "%s", m);
  CHECK_EQ_INT(gf_array_null_count(a.children[0], s.children[0]), 1);
  a.release(&a);
  s.release(&s);
}

TEST(wrong_buffer_count) {
  struct ArrowSchema s;
  struct ArrowArray a;
  char m[GF_ERROR_MESSAGE_SIZE];
  CHECK_EQ_INT(make_batch(&s, &a), 0);
  a.children[0]->n_buffers = 1;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "col1") && strstr(m, "expected 2 buffers, got 1"), "%s", m);
  a.children[0]->n_buffers = 2;
  a.children[1]->n_children = 0;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "col2") && strstr(m, "children"), "%s", m);
  a.children[1]->n_children = 1;
  a.release(&a);
  s.release(&s);
}

TEST(non_monotonic_offsets_need_full) {
  struct ArrowSchema s;
  struct ArrowArray a;
  char m[GF_ERROR_MESSAGE_SIZE];
  CHECK_EQ_INT(make_batch(&s, &a), 0);
  struct ArrowArray* item = a.children[1]->children[0];
  int32_t* off = W(item, 1); /* [0,1,3,6] */
  off[2] = 0;
  CHECK_EQ_INT(vmsg(&a, &s, GF_VALIDATE_DEFAULT, m), GF_OK);
  CHECK_EQ_INT(vmsg(&a, &s, GF_VALIDATE_FULL, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "'col2.item'") && strstr(m, "offsets buffer") && strstr(m, "not monotonic"), "%s", m);
  CHECK_EQ_INT(vmsg(&a, &s, GF_VALIDATE_UTF8, m), GF_INVALID_ARGUMENT); /* UTF-8 walk needs sane offsets */
  off[2] = 3;
  off[0] = -1;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "col2.item") && strstr(m, "negative"), "%s", m);
  off[0] = 0;
  a.release(&a);
  s.release(&s);
}

TEST(list_offset_beyond_child) {
  struct ArrowSchema s;
  struct ArrowArray a;
  char m[GF_ERROR_MESSAGE_SIZE];
  CHECK_EQ_INT(make_batch(&s, &a), 0);
  int32_t* off = W(a.children[1], 1); /* [0,2,2,3] */
  off[3] = 100;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "'col2'") && strstr(m, "offsets buffer") && strstr(m, "beyond child length 3"), "%s", m);
  off[3] = 3;
  off[1] = 5;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_OK);
  CHECK_EQ_INT(vmsg(&a, &s, GF_VALIDATE_FULL, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "not monotonic"), "%s", m);
  off[1] = 2;
  a.release(&a);
  s.release(&s);
}

TEST(unnamed_fields_are_named_by_index) {
  struct ArrowSchema s;
  struct ArrowArray a;
  char m[GF_ERROR_MESSAGE_SIZE];
  CHECK_EQ_INT(make_batch(&s, &a), 0);
  const char* name = s.children[1]->name;
  s.children[1]->name = "";
  a.children[1]->children[0]->n_buffers = 1;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "field '[1].item'"), "%s", m);
  a.children[1]->children[0]->n_buffers = 3;
  s.children[1]->name = name;
  a.release(&a);
  s.release(&s);
}

TEST(struct_child_too_short) {
  struct ArrowSchema s;
  struct ArrowArray a;
  char m[GF_ERROR_MESSAGE_SIZE];
  CHECK_EQ_INT(make_batch(&s, &a), 0);
  a.children[0]->length = 2;
  a.children[0]->null_count = -1;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "child 'col1' length 2 < offset + length 3"), "%s", m);
  a.release(&a);
  s.release(&s);
}

TEST(validity_and_null_count) {
  struct ArrowSchema s;
  struct ArrowArray a;
  char m[GF_ERROR_MESSAGE_SIZE];
  CHECK_EQ_INT(make_batch(&s, &a), 0);
  struct ArrowArray* c1 = a.children[0];
  c1->null_count = 2;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "col1") && strstr(m, "null_count 2 does not match validity buffer"), "%s", m);
  c1->null_count = -1;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_OK);
  CHECK_EQ_INT(gf_array_null_count(c1, s.children[0]), 1);
  const void* v = c1->buffers[0];
  c1->buffers[0] = NULL;
  c1->null_count = 1;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "validity buffer is NULL"), "%s", m);
  c1->buffers[0] = v;
  const void* vals = c1->buffers[1];
  c1->buffers[1] = NULL;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "values buffer is NULL"), "%s", m);
  c1->buffers[1] = vals;
  a.release(&a);
  s.release(&s);
}

TEST(invalid_utf8) {
  struct ArrowSchema s;
  struct ArrowArray a;
  char m[GF_ERROR_MESSAGE_SIZE];
  CHECK_EQ_INT(make_batch(&s, &a), 0);
  uint8_t* data = W(a.children[1]->children[0], 2); /* "abcdef" */
  data[4] = 0xC0;
  CHECK_EQ_INT(vmsg(&a, &s, GF_VALIDATE_FULL, m), GF_OK);
  CHECK_EQ_INT(vmsg(&a, &s, GF_VALIDATE_UTF8, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "col2.item") && strstr(m, "data buffer") && strstr(m, "invalid UTF-8 in element 2"), "%s", m);
  a.release(&a);
  s.release(&s);
  /* overlongs, surrogates, truncation */
  static const char* bad[] = {"\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\xF4\x90\x80\x80", "\xF8"};
  for (int i = 0; i < 5; i++) {
    gf_builder* b = builder_for("u");
    CHECK_EQ_INT(gf_builder_append_string(b, bad[i]), GF_INVALID_ARGUMENT);
    CHECK_EQ_INT(gf_builder_append_string(b, "ok \xE2\x82\xAC \xF0\x9F\x98\x80"), GF_OK);
    gf_builder_free(b);
  }
}

TEST(views_bounds_and_utf8) {
  gf_builder* b = builder_for("vu");
  CHECK_EQ_INT(gf_builder_append_string(b, "inline"), GF_OK);
  CHECK_EQ_INT(gf_builder_append_string(b, "this one is out of line"), GF_OK);
  struct ArrowArray a;
  CHECK_EQ_INT(gf_builder_finish(b, &a, NULL), GF_OK);
  const struct ArrowSchema* s = gf_builder_schema(b);
  char m[GF_ERROR_MESSAGE_SIZE];
  uint8_t* views = W(&a, 1);
  int32_t off = 10;
  memcpy(views + 28, &off, 4);
  CHECK_EQ_INT(vmsg(&a, s, 0, m), GF_OK);
  CHECK_EQ_INT(vmsg(&a, s, GF_VALIDATE_FULL, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "views buffer") && strstr(m, "beyond data buffer 0"), "%s", m);
  off = 0;
  memcpy(views + 28, &off, 4);
  int32_t idx = 3;
  memcpy(views + 24, &idx, 4);
  CHECK_EQ_INT(vmsg(&a, s, GF_VALIDATE_FULL, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "data buffer 3"), "%s", m);
  idx = 0;
  memcpy(views + 24, &idx, 4);
  views[5] = 0xFF; /* inline bytes */
  CHECK_EQ_INT(vmsg(&a, s, GF_VALIDATE_FULL, m), GF_OK);
  CHECK_EQ_INT(vmsg(&a, s, GF_VALIDATE_UTF8, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "invalid UTF-8 in element 0"), "%s", m);
  a.n_buffers = 2;
  CHECK_EQ_INT(vmsg(&a, s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "at least 3 buffers"), "%s", m);
  a.n_buffers = 4;
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
  gf_builder_append_union(b, 0);
  gf_builder_append_int(gf_builder_child(b, 0), 1);
  gf_builder_append_union(b, 1);
  gf_builder_append_string(gf_builder_child(b, 1), "s");
  return b;
}

TEST(unions_bad_ids_and_offsets) {
  for (int dense = 0; dense < 2; dense++) {
    gf_builder* b = union_builder(dense ? "+ud:0,1" : "+us:0,1");
    struct ArrowArray a;
    CHECK_EQ_INT(gf_builder_finish(b, &a, NULL), GF_OK);
    const struct ArrowSchema* s = gf_builder_schema(b);
    char m[GF_ERROR_MESSAGE_SIZE];
    int8_t* ids = W(&a, 0);
    ids[1] = 7;
    CHECK_EQ_INT(vmsg(&a, s, 0, m), GF_OK);
    CHECK_EQ_INT(vmsg(&a, s, GF_VALIDATE_FULL, m), GF_INVALID_ARGUMENT);
    CHECK_MSG(strstr(m, "'u'") && strstr(m, "type ids buffer: invalid type id 7 at index 1"), "%s", m);
    ids[1] = 1;
    if (dense) {
      int32_t* offs = W(&a, 1);
      offs[1] = 50;
      CHECK_EQ_INT(vmsg(&a, s, GF_VALIDATE_FULL, m), GF_INVALID_ARGUMENT);
      CHECK_MSG(strstr(m, "offsets buffer: offset 50"), "%s", m);
      offs[1] = 0;
    } else {
      a.children[1]->length = 1;
      CHECK_EQ_INT(vmsg(&a, s, 0, m), GF_INVALID_ARGUMENT);
      CHECK_MSG(strstr(m, "child 1 length 1"), "%s", m);
      a.children[1]->length = 2;
    }
    CHECK_EQ_INT(vmsg(&a, s, GF_VALIDATE_FULL, m), GF_OK);
    a.release(&a);
    gf_builder_free(b);
  }
}

TEST(run_ends_checked) {
  struct ArrowSchema s;
  struct ArrowSchema** k = sch(&s, "+r", "ree", 2);
  sch(k[0], "i", "run_ends", 0);
  sch(k[1], "l", "values", 0);
  gf_builder* b;
  CHECK_EQ_INT(gf_builder_create(&s, &b, NULL), GF_OK);
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(gf_builder_append_int(gf_builder_child(b, 1), i), GF_OK);
    CHECK_EQ_INT(gf_builder_append_run(b, i + 1), GF_OK); /* ends 1,3,6 */
  }
  struct ArrowArray a;
  CHECK_EQ_INT(gf_builder_finish(b, &a, NULL), GF_OK);
  char m[GF_ERROR_MESSAGE_SIZE];
  int32_t* ends = W(a.children[0], 1);
  ends[1] = 1;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_OK);
  CHECK_EQ_INT(vmsg(&a, &s, GF_VALIDATE_FULL, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "'ree'") && strstr(m, "run_ends") && strstr(m, "strictly increasing"), "%s", m);
  ends[1] = 3;
  ends[2] = 5;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "last run end 5 < offset + length 6"), "%s", m);
  ends[2] = 6;
  a.children[1]->length = 2;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "values child length 2"), "%s", m);
  a.children[1]->length = 3;
  a.release(&a);
  gf_builder_free(b);
  s.release(&s);
}

TEST(dictionary_index_out_of_range) {
  struct ArrowSchema s;
  sch(&s, "s", "d", 0);
  sch_dict(&s, "u");
  gf_builder* b;
  CHECK_EQ_INT(gf_builder_create(&s, &b, NULL), GF_OK);
  gf_builder_append_string(gf_builder_dictionary(b), "only");
  gf_builder_append_int(b, 0);
  gf_builder_append_null(b, 1);
  struct ArrowArray a;
  CHECK_EQ_INT(gf_builder_finish(b, &a, NULL), GF_OK);
  char m[GF_ERROR_MESSAGE_SIZE];
  int16_t* idx = W(&a, 1);
  idx[1] = 9; /* under a null: fine */
  CHECK_EQ_INT(vmsg(&a, &s, GF_VALIDATE_FULL, m), GF_OK);
  idx[0] = -1;
  CHECK_EQ_INT(vmsg(&a, &s, GF_VALIDATE_FULL, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "indices buffer: index -1"), "%s", m);
  struct ArrowArray* dict = a.dictionary;
  a.dictionary = NULL;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "dictionary present in schema only"), "%s", m);
  a.dictionary = dict;
  idx[0] = 0;
  int32_t* doff = W(a.dictionary, 1); /* dictionary "only": offsets {0, 4} */
  doff[0] = 5;
  CHECK_EQ_INT(vmsg(&a, &s, GF_VALIDATE_FULL, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "field 'd.dictionary'"), "%s", m);
  doff[0] = 0;
  CHECK_MSG(vmsg(&a, &s, GF_VALIDATE_FULL, m) == GF_OK, "%s", m);
  a.release(&a);
  gf_builder_free(b);
  s.release(&s);
}

TEST(fixed_size_list_child_short_and_released) {
  struct ArrowSchema s;
  sch(sch(&s, "+w:3", "fsl", 1)[0], "c", "v", 0);
  gf_builder* b;
  CHECK_EQ_INT(gf_builder_create(&s, &b, NULL), GF_OK);
  gf_builder_append_null(b, 2);
  struct ArrowArray a;
  CHECK_EQ_INT(gf_builder_finish(b, &a, NULL), GF_OK);
  char m[GF_ERROR_MESSAGE_SIZE];
  a.children[0]->length = 5;
  a.children[0]->null_count = -1;
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "'fsl'") && strstr(m, "child length 5 < (offset + length) * list_size = 6"), "%s", m);
  a.children[0]->length = 6;
  a.release(&a);
  CHECK_EQ_INT(vmsg(&a, &s, 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "released"), "%s", m);
  gf_builder_free(b);
  s.release(&s);
}

TEST(hostile_lengths) {
  gf_builder* b = builder_for("l");
  gf_builder_append_int(b, 1);
  struct ArrowArray a;
  CHECK_EQ_INT(gf_builder_finish(b, &a, NULL), GF_OK);
  char m[GF_ERROR_MESSAGE_SIZE];
  a.length = INT64_MAX;
  CHECK_EQ_INT(vmsg(&a, gf_builder_schema(b), 0, m), GF_INVALID_ARGUMENT);
  a.length = -1;
  CHECK_EQ_INT(vmsg(&a, gf_builder_schema(b), 0, m), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(m, "negative length"), "%s", m);
  a.length = 1;
  a.null_count = 2;
  CHECK_EQ_INT(vmsg(&a, gf_builder_schema(b), 0, m), GF_INVALID_ARGUMENT);
  a.null_count = 0;
  a.release(&a);
  gf_builder_free(b);
}

int main(void) {
  RUN(valid_batch_passes_all_levels);
  RUN(wrong_buffer_count);
  RUN(non_monotonic_offsets_need_full);
  RUN(list_offset_beyond_child);
  RUN(unnamed_fields_are_named_by_index);
  RUN(struct_child_too_short);
  RUN(validity_and_null_count);
  RUN(invalid_utf8);
  RUN(views_bounds_and_utf8);
  RUN(unions_bad_ids_and_offsets);
  RUN(run_ends_checked);
  RUN(dictionary_index_out_of_range);
  RUN(fixed_size_list_child_short_and_released);
  RUN(hostile_lengths);
  TEST_MAIN_END();
}
