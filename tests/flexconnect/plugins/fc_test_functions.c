/* FlexConnect functions of the upstream server tests (gooddata-flexconnect
 * tests/server/funs): SimpleFun1 (immediate), SimpleFun2 (table built in
 * on_load; fails without it), LongRunningFun (2 s), PollableFun (0.7 s).
 * Each returns {col1 int64 [1,2,3], col2 utf8 [a,b,c], col3 bool
 * [true,false,true]}. on_load on the main thread; call on task workers. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gooddata_flight_server/flexconnect.h"

static int schema(void* user, struct ArrowSchema* s, gf_error* err) {
  (void)user;
  int rc = gf_schema_init(s, "+s", "", 0, err);
  if (!rc) rc = gf_schema_allocate_children(s, 3, err);
  if (!rc) rc = gf_schema_init(s->children[0], "l", "col1", ARROW_FLAG_NULLABLE, err);
  if (!rc) rc = gf_schema_init(s->children[1], "u", "col2", ARROW_FLAG_NULLABLE, err);
  if (!rc) rc = gf_schema_init(s->children[2], "b", "col3", ARROW_FLAG_NULLABLE, err);
  return rc;
}

static int make_table(gf_table** out, gf_error* err) {
  struct ArrowSchema s = {0};
  gf_builder* b = NULL;
  static const char* const names[] = {"a", "b", "c"};
  int rc = schema(NULL, &s, err);
  if (!rc) rc = gf_table_create(&s, out, err);
  if (!rc) rc = gf_builder_create(&s, &b, err);
  for (int i = 0; !rc && i < 3; i++) {
    rc = gf_builder_append_int(gf_builder_child(b, 0), i + 1);
    if (!rc) rc = gf_builder_append_string(gf_builder_child(b, 1), names[i]);
    if (!rc) rc = gf_builder_append_bool(gf_builder_child(b, 2), i != 1);
    if (!rc) rc = gf_builder_append_struct_end(b);
    if (rc) rc = gf_error_set(err, rc, "%s", gf_builder_last_error(b));
  }
  struct ArrowArray batch;
  if (!rc) rc = gf_builder_finish(b, &batch, err);
  if (!rc) rc = gf_table_append(*out, &batch, NULL, 0, err);
  gf_builder_free(b);
  if (s.release) s.release(&s);
  return rc;
}

/* Sleeps ms, waking every 10 ms to honour cancellation. */
static int sleep_ms(gf_fc_invocation* inv, long ms) {
  for (long t = 0; t < ms; t += 10) {
    if (gf_fc_is_cancelled(inv)) return GF_CANCELLED;
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return GF_OK;
}

static int call_after(gf_fc_invocation* inv, long ms, gf_fc_result* out, gf_error* err) {
  int rc = sleep_ms(inv, ms);
  return rc ? rc : make_table(&out->table, err);
}

static int simple1(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) { return call_after(inv, 0, out, err); }
static int long_running(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) { return call_after(inv, 2000, out, err); }
static int pollable(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) { return call_after(inv, 700, out, err); }

static int simple2_load(void* user, gf_server_context* ctx, void** state, gf_error* err) {
  (void)user;
  (void)ctx;
  gf_table* t = NULL;
  int rc = make_table(&t, err);
  if (!rc) *state = t;
  return rc;
}

static int simple2(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  gf_table* t = inv->function_state;
  if (t == NULL) return gf_error_set(err, GF_INTERNAL, "SimpleFun2: on_load did not run");
  gf_table_ref(t);
  out->table = t;
  return GF_OK;
}

static const gf_fc_function fun1 = {.struct_size = sizeof(gf_fc_function), .name = "SimpleFun1",
                                    .schema = schema, .call = simple1};
static void simple2_unload(void* state) { gf_table_unref(state); }

static const gf_fc_function fun2 = {.struct_size = sizeof(gf_fc_function), .name = "SimpleFun2",
                                    .schema = schema, .on_load = simple2_load, .call = simple2,
                                    .unload = simple2_unload};
static const gf_fc_function fun3 = {.struct_size = sizeof(gf_fc_function), .name = "LongRunningFun",
                                    .schema = schema, .call = long_running};
static const gf_fc_function fun4 = {.struct_size = sizeof(gf_fc_function), .name = "PollableFun",
                                    .schema = schema, .call = pollable};

GF_FC_DECLARE_LIBRARY(&fun1, &fun2, &fun3, &fun4)
