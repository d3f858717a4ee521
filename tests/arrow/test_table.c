/* Tests for src/arrow table.c and share.c: tables of record batches with
 * app_metadata, stream export (twice, concurrently from 4 threads, any
 * release order), import from a stream, shared views and holders. */
#include <pthread.h>

#include "test.h"
#include "arrow_test_util.h"

static void make_schema(struct ArrowSchema* s) {
  struct ArrowSchema** k = sch(s, "+s", "", 2);
  sch(k[0], "l", "id", 0);
  sch(k[1], "u", "name", 0);
}

/* rows [first, first+n): id = i, name = "n<i>" (null when i % 5 == 0) */
static int make_batch(const struct ArrowSchema* s, int64_t first, int64_t n, struct ArrowArray* out) {
  gf_builder* b;
  if (gf_builder_create(s, &b, NULL) != GF_OK) return -1;
  int rc = GF_OK;
  for (int64_t i = first; i < first + n && rc == GF_OK; i++) {
    char buf[32];
    snprintf(buf, sizeof(buf), "n%lld", (long long)i);
    rc = gf_builder_append_int(gf_builder_child(b, 0), i) |
         gf_builder_append_string(gf_builder_child(b, 1), i % 5 ? buf : NULL) |
         gf_builder_append_struct_end(b);
  }
  if (rc == GF_OK) rc = gf_builder_finish(b, out, NULL);
  gf_builder_free(b);
  return rc;
}

static gf_table* make_table(int batches, int rows) {
  struct ArrowSchema s;
  make_schema(&s);
  gf_table* t = NULL;
  if (gf_table_create(&s, &t, NULL) != GF_OK) abort();
  for (int i = 0; i < batches; i++) {
    struct ArrowArray a;
    if (make_batch(&s, (int64_t)i * rows, rows, &a) != GF_OK) abort();
    char md[16];
    snprintf(md, sizeof(md), "md%d", i);
    if (gf_table_append(t, &a, i % 2 ? NULL : md, i % 2 ? 0 : strlen(md), NULL) != GF_OK) abort();
    if (a.release != NULL) abort(); /* moved */
  }
  s.release(&s);
  return t;
}

/* Reads the whole stream and checks ids are 0..n-1 in order; returns rows. */
static int64_t drain(struct ArrowArrayStream* st, int release_stream_first) {
  struct ArrowSchema s;
  if (st->get_schema(st, &s) != 0) return -1;
  struct ArrowArray got[64];
  int n = 0;
  for (;;) {
    if (n == 64 || st->get_next(st, &got[n]) != 0) return -2;
    if (got[n].release == NULL) break;
    if (gf_array_validate(&got[n], &s, GF_VALIDATE_FULL | GF_VALIDATE_UTF8, NULL) != GF_OK) return -3;
    n++;
  }
  if (release_stream_first) st->release(st);
  int64_t rows = 0;
  for (int i = 0; i < n; i++) {
    const struct ArrowArray* ids = got[i].children[0];
    for (int64_t r = 0; r < ids->length; r++) {
      if (rd(ids, 1, 8, r) != rows) return -4;
      rows++;
    }
    got[i].release(&got[i]);
  }
  if (!release_stream_first) st->release(st);
  s.release(&s);
  return rows;
}

TEST(table_basics) {
  gf_table* t = make_table(3, 10);
  CHECK_EQ_INT(gf_table_num_batches(t), 3);
  CHECK_EQ_INT(gf_table_num_rows(t), 30);
  CHECK(gf_table_batch(t, 3) == NULL);
  CHECK(gf_table_batch(t, -1) == NULL);
  CHECK_EQ_INT(gf_table_batch(t, 2)->length, 10);
  gf_bytes md = gf_table_batch_app_metadata(t, 2);
  CHECK(md.len == 3 && memcmp(md.data, "md2", 3) == 0);
  md = gf_table_batch_app_metadata(t, 1);
  CHECK(md.data == NULL && md.len == 0);
  CHECK_EQ_STR(gf_table_schema(t)->children[1]->name, "name");
  gf_table_unref(t);
}

/* The first batch of 10 rows: ids 10 x 8 bytes, names 11 x 4 offset bytes +
 * 16 data bytes ("n1".."n9" without n5), plus at most 2 bytes per validity
 * bitmap (struct, id, name); the table is the sum of its batches. */
TEST(byte_size) {
  gf_table* t = make_table(3, 10);
  int64_t one = gf_array_byte_size(gf_table_batch(t, 0), gf_table_schema(t));
  CHECK_MSG(one >= 80 + 44 + 16 + 2 && one <= 80 + 44 + 16 + 6, "one batch: %lld", (long long)one);
  int64_t sum = one;
  for (int i = 1; i < 3; i++) sum += gf_array_byte_size(gf_table_batch(t, i), gf_table_schema(t));
  CHECK_EQ_INT(gf_table_byte_size(t), sum);
  CHECK(sum > 3 * one); /* later batches have longer names ("n10") */
  gf_table_unref(t);
  t = make_table(2, 1000);
  CHECK(gf_table_byte_size(t) > 2 * (8000 + 4004));
  gf_table_unref(t);
  CHECK_EQ_INT(gf_array_byte_size(NULL, NULL), 0);
}

TEST(append_rejects_mismatching_batch) {
  gf_table* t = make_table(1, 4);
  struct ArrowSchema other;
  sch(sch(&other, "+s", "", 1)[0], "i", "x", 0);
  struct ArrowArray a;
  gf_builder* b;
  CHECK_EQ_INT(gf_builder_create(&other, &b, NULL), GF_OK);
  gf_builder_append_int(gf_builder_child(b, 0), 1);
  gf_builder_append_struct_end(b);
  CHECK_EQ_INT(gf_builder_finish(b, &a, NULL), GF_OK);
  gf_error err = {0};
  CHECK_EQ_INT(gf_table_append(t, &a, NULL, 0, &err), GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(err.message, "table append") && strstr(err.message, "children"), "%s", err.message);
  CHECK(a.release == NULL); /* released on error (ASan checks the leak) */
  CHECK_EQ_INT(gf_table_num_batches(t), 1);
  gf_builder_free(b);
  other.release(&other);
  gf_table* none = NULL;
  sch(&other, "i", "", 0);
  CHECK_EQ_INT(gf_table_create(&other, &none, &err), GF_INVALID_ARGUMENT);
  other.release(&other);
  gf_table_unref(t);
}

TEST(export_twice_and_release_orders) {
  gf_table* t = make_table(4, 25);
  struct ArrowArrayStream s1, s2;
  CHECK_EQ_INT(gf_table_export_stream(t, &s1, NULL), GF_OK);
  CHECK_EQ_INT(gf_table_export_stream(t, &s2, NULL), GF_OK);
  CHECK_EQ_INT(drain(&s1, 1), 100);
  gf_table_unref(t); /* streams and batches keep it alive */
  CHECK_EQ_INT(drain(&s2, 0), 100);
}

TEST(batches_outlive_table_and_stream) {
  gf_table* t = make_table(2, 7);
  struct ArrowArrayStream st;
  CHECK_EQ_INT(gf_table_export_stream(t, &st, NULL), GF_OK);
  gf_table_unref(t);
  struct ArrowArray a, b, end;
  CHECK_EQ_INT(st.get_next(&st, &a), 0);
  CHECK_EQ_INT(st.get_next(&st, &b), 0);
  CHECK_EQ_INT(st.get_next(&st, &end), 0);
  CHECK(end.release == NULL);
  st.release(&st);
  /* move a child out, release the parent, then the child */
  struct ArrowArray names;
  gf_array_move(a.children[1], &names);
  a.release(&a);
  CHECK_EQ_INT(names.length, 7);
  CHECK_EQ_INT(rd(b.children[0], 1, 8, 6), 13);
  b.release(&b);
  CHECK(names.release != NULL);
  names.release(&names);
}

typedef struct worker_arg {
  gf_table* t;
  int64_t rows;
} worker_arg;

static void* worker(void* p) {
  worker_arg* w = p;
  w->rows = 0;
  for (int i = 0; i < 20; i++) {
    struct ArrowArrayStream st;
    if (gf_table_export_stream(w->t, &st, NULL) != GF_OK) return NULL;
    int64_t r = drain(&st, i % 2);
    if (r < 0) {
      w->rows = r;
      return NULL;
    }
    w->rows += r;
  }
  return NULL;
}

TEST(concurrent_export_4_threads) {
  gf_table* t = make_table(8, 50);
  pthread_t th[4];
  worker_arg args[4];
  for (int i = 0; i < 4; i++) {
    args[i].t = t;
    CHECK_EQ_INT(pthread_create(&th[i], NULL, worker, &args[i]), 0);
  }
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < 4; i++) CHECK_EQ_INT(args[i].rows, 20 * 400);
  gf_table_unref(t);
}

TEST(from_stream_roundtrip) {
  gf_table* t = make_table(3, 5);
  struct ArrowArrayStream st;
  CHECK_EQ_INT(gf_table_export_stream(t, &st, NULL), GF_OK);
  gf_table* copy = NULL;
  CHECK_EQ_INT(gf_table_from_stream(&st, &copy, NULL), GF_OK);
  CHECK(st.release == NULL);
  gf_table_unref(t);
  CHECK_EQ_INT(gf_table_num_batches(copy), 3);
  CHECK_EQ_INT(gf_table_num_rows(copy), 15);
  CHECK(gf_schema_equals(gf_table_schema(copy), gf_table_schema(copy)));
  struct ArrowArrayStream st2;
  CHECK_EQ_INT(gf_table_export_stream(copy, &st2, NULL), GF_OK);
  gf_table_unref(copy);
  CHECK_EQ_INT(drain(&st2, 1), 15);
}

static int fail_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  (void)s;
  (void)out;
  return 5; /* EIO */
}
static const char* fail_msg(struct ArrowArrayStream* s) {
  (void)s;
  return "disk on fire";
}
static void fail_release(struct ArrowArrayStream* s) { s->release = NULL; }

TEST(from_stream_reports_errors) {
  struct ArrowArrayStream st = {fail_schema, NULL, fail_msg, fail_release, NULL};
  gf_table* t = NULL;
  gf_error err = {0};
  CHECK(gf_table_from_stream(&st, &t, &err) != GF_OK);
  CHECK_MSG(strstr(err.message, "get_schema") && strstr(err.message, "disk on fire"), "%s", err.message);
  CHECK(st.release == NULL);
  CHECK(t == NULL);
}

static int counter;
static void cref(void* p) { (*(int*)p)++; }
static void cunref(void* p) { (*(int*)p)--; }

TEST(share_and_holder) {
  struct ArrowSchema s;
  make_schema(&s);
  struct ArrowArray a;
  CHECK_EQ_INT(make_batch(&s, 0, 3, &a), GF_OK);
  struct ArrowArray v;
  counter = 0;
  CHECK_EQ_INT(gf_array_share(&a, cref, cunref, &counter, &v, NULL), GF_OK);
  CHECK_EQ_INT(counter, 3); /* root + 2 children */
  CHECK(v.buffers[0] == a.buffers[0] && v.children[1]->buffers[2] == a.children[1]->buffers[2]);
  CHECK_EQ_INT(gf_array_validate(&v, &s, GF_VALIDATE_FULL, NULL), GF_OK);
  v.release(&v);
  CHECK_EQ_INT(counter, 0);
  gf_array_holder* h;
  CHECK_EQ_INT(gf_array_holder_create(&a, &h, NULL), GF_OK);
  CHECK(a.release == NULL);
  struct ArrowArray v1, v2;
  CHECK_EQ_INT(gf_array_holder_share(h, &v1, NULL), GF_OK);
  CHECK_EQ_INT(gf_array_holder_share(h, &v2, NULL), GF_OK);
  CHECK_EQ_INT(gf_array_holder_array(h)->length, 3);
  gf_array_holder_unref(h);
  v1.release(&v1);
  CHECK_EQ_INT(rd(v2.children[0], 1, 8, 2), 2);
  v2.release(&v2);
  s.release(&s);
}

int main(void) {
  RUN(table_basics);
  RUN(byte_size);
  RUN(append_rejects_mismatching_batch);
  RUN(export_twice_and_release_orders);
  RUN(batches_outlive_table_and_stream);
  RUN(concurrent_export_4_threads);
  RUN(from_stream_roundtrip);
  RUN(from_stream_reports_errors);
  RUN(share_and_holder);
  TEST_MAIN_END();
}
