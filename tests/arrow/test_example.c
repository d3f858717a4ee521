/* The example of docs/arrow.md, compiled and checked: build a 2-column
 * batch, wrap it in a table, export as a stream, read it back. */
#include "test.h"
#include "arrow_test_util.h"

int make_stream(struct ArrowArrayStream* out, gf_error* err);

/* ---- copied verbatim from docs/arrow.md ---- */
int make_stream(struct ArrowArrayStream* out, gf_error* err) {
  struct ArrowSchema schema;
  int rc = gf_schema_init(&schema, "+s", "", 0, err);
  if (rc == GF_OK) rc = gf_schema_allocate_children(&schema, 2, err);
  if (rc == GF_OK) rc = gf_schema_init(schema.children[0], "l", "id", 0, err);
  if (rc == GF_OK) rc = gf_schema_init(schema.children[1], "u", "name", ARROW_FLAG_NULLABLE, err);
  gf_builder* b = NULL;
  gf_table* table = NULL;
  if (rc == GF_OK) rc = gf_builder_create(&schema, &b, err);
  if (rc == GF_OK) rc = gf_table_create(&schema, &table, err);
  const char* names[] = {"alpha", NULL, "gamma"};
  for (int i = 0; rc == GF_OK && i < 3; i++) {
    rc = gf_builder_append_int(gf_builder_child(b, 0), i);
    if (rc == GF_OK) rc = gf_builder_append_string(gf_builder_child(b, 1), names[i]); /* NULL = null */
    if (rc == GF_OK) rc = gf_builder_append_struct_end(b);
  }
  if (rc != GF_OK && b) gf_error_set(err, rc, "%s", gf_builder_last_error(b));
  struct ArrowArray batch;
  if (rc == GF_OK) rc = gf_builder_finish(b, &batch, err);
  if (rc == GF_OK) rc = gf_table_append(table, &batch, "page-1", 6, err);
  if (rc == GF_OK) rc = gf_table_export_stream(table, out, err);
  gf_table_unref(table); /* the stream holds its own reference */
  gf_builder_free(b);
  if (schema.release) schema.release(&schema);
  return rc;
}
/* ---- end of copy ---- */

TEST(doc_example_runs) {
  struct ArrowArrayStream st;
  gf_error err = {0};
  CHECK_MSG(make_stream(&st, &err) == GF_OK, "%s", err.message);
  struct ArrowSchema s;
  CHECK_EQ_INT(st.get_schema(&st, &s), 0);
  CHECK_EQ_STR(s.children[1]->name, "name");
  struct ArrowArray a, end;
  CHECK_EQ_INT(st.get_next(&st, &a), 0);
  CHECK_EQ_INT(st.get_next(&st, &end), 0);
  CHECK(a.release != NULL && end.release == NULL);
  st.release(&st);
  CHECK_EQ_INT(gf_array_validate(&a, &s, GF_VALIDATE_FULL | GF_VALIDATE_UTF8, &err), GF_OK);
  CHECK_EQ_INT(a.length, 3);
  CHECK_EQ_INT(a.children[1]->null_count, 1);
  CHECK_EQ_INT(rd(a.children[0], 1, 8, 2), 2);
  CHECK(memcmp((const char*)a.children[1]->buffers[2], "alphagamma", 10) == 0);
  a.release(&a);
  s.release(&s);
}

int main(void) {
  RUN(doc_example_runs);
  TEST_MAIN_END();
}
