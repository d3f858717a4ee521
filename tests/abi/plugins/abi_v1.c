/* Test plugin compiled against the frozen v1 headers (tests/abi/v1/include):
 * every struct it hands the server (methods table, gf_data_source,
 * gf_task_spec, gf_task_data) has the v1 layout and size. DoAction
 * "version" answers the library's runtime version, "task" runs a task whose
 * custom data result is then read with DoGet "task:<id>"; DoGet "rows"
 * serves 3 rows directly and "zero-size" hands back a gf_data_source whose
 * struct_size is 0. Callbacks run on server worker and task threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gooddata_flight_server.h>

static int make_table(int64_t rows, gf_table** out, gf_error* err) {
  struct ArrowSchema schema = {0};
  struct ArrowArray batch = {0};
  gf_builder* b = NULL;
  int rc = gf_schema_init(&schema, "+s", "", 0, err);
  if (!rc) rc = gf_schema_allocate_children(&schema, 1, err);
  if (!rc) rc = gf_schema_init(schema.children[0], "l", "n", 0, err);
  if (!rc) rc = gf_builder_create(&schema, &b, err);
  for (int64_t i = 0; !rc && i < rows; i++) {
    rc = gf_builder_append_int(gf_builder_child(b, 0), i * 10);
    if (!rc) rc = gf_builder_append_struct_end(b);
  }
  if (!rc) rc = gf_builder_finish(b, &batch, err);
  if (!rc) rc = gf_table_create(&schema, out, err);
  if (!rc && (rc = gf_table_append(*out, &batch, NULL, 0, err)) != GF_OK) gf_table_unref(*out);
  if (batch.release) batch.release(&batch);
  gf_builder_free(b);
  if (schema.release) schema.release(&schema);
  return rc;
}

/* ---- a task with a custom (gf_task_data) result -------------------------- */

static int data_schema(void* user, struct ArrowSchema* out, gf_error* err) {
  return gf_schema_deep_copy(gf_table_schema(user), out, err);
}

static int data_open(void* user, struct ArrowArrayStream* out, gf_error* err) {
  return gf_table_export_stream(user, out, err);
}

static void data_close(void* user) { gf_table_unref(user); }

static int task_run(gf_task* task, void* user, gf_task_outcome* out, gf_error* err) {
  (void)task, (void)user;
  gf_table* t = NULL;
  int rc = make_table(5, &t, err);
  if (rc) return rc;
  gf_task_data d = {sizeof(gf_task_data), 0, t, data_schema, data_open, data_close};
  return gf_task_outcome_set_data(out, &d);
}

static int submit_task(gf_call* call, gf_result_list* out) {
  gf_task_spec spec = {sizeof(gf_task_spec)};
  spec.run = task_run;
  char id[GF_TASK_ID_MAX + 1];
  gf_error err = {0};
  gf_task_executor* ex = gf_context_task_executor(gf_call_context(call));
  if (gf_task_executor_submit(ex, &spec, id, &err))
    return gf_call_error(call, err.code, "submit: %s", err.message);
  return gf_result_list_add(out, id, strlen(id));
}

/* ---- methods --------------------------------------------------------------- */

static int do_action(void* s, gf_call* call, const gf_action* a, gf_result_list* out) {
  (void)s;
  if (strcmp(a->type, "version") == 0) {
    char v[64];
    snprintf(v, sizeof(v), "%s %06x", gf_version_string(), (unsigned)gf_version());
    return gf_result_list_add(out, v, strlen(v));
  }
  if (strcmp(a->type, "task") == 0) return submit_task(call, out);
  return gf_call_error(call, GF_INVALID_ARGUMENT, "unknown action '%s'", a->type);
}

static int list_actions(void* s, gf_call* call, gf_action_type_list* out) {
  (void)s, (void)call;
  int rc = gf_action_type_list_add(out, "version", "runtime library version");
  return rc ? rc : gf_action_type_list_add(out, "task", "runs a task, returns its id");
}

static int ticket_is(gf_bytes t, const char* s) {
  return t.len == strlen(s) && memcmp(t.data, s, t.len) == 0;
}

static int do_get(void* s, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  (void)s;
  gf_error err = {0};
  if (ticket.len > 5 && memcmp(ticket.data, "task:", 5) == 0) {
    char id[GF_TASK_ID_MAX + 1];
    size_t n = ticket.len - 5 < GF_TASK_ID_MAX ? ticket.len - 5 : GF_TASK_ID_MAX;
    memcpy(id, ticket.data + 5, n);
    id[n] = 0;
    return gf_do_get_task_result(call, gf_context_task_executor(gf_call_context(call)), id, out);
  }
  gf_table* t = NULL;
  if (!ticket_is(ticket, "rows") && !ticket_is(ticket, "zero-size"))
    return gf_call_error(call, GF_NOT_FOUND, "unknown ticket");
  if (make_table(3, &t, &err)) return gf_call_error(call, GF_INTERNAL, "%s", err.message);
  gf_data_source src = {sizeof(gf_data_source)};
  if (ticket_is(ticket, "zero-size")) src.struct_size = 0;
  int rc = gf_table_export_stream(t, &src.stream, &err);
  gf_table_unref(t);
  if (rc) return gf_call_error(call, GF_INTERNAL, "%s", err.message);
  *out = src;
  return GF_OK;
}

static int factory(gf_server_context* ctx, gf_methods* m, gf_error* err) {
  (void)ctx, (void)err;
  m->struct_size = sizeof(*m);
  m->abi_version = GF_PLUGIN_ABI_VERSION;
  m->do_action = do_action;
  m->list_actions = list_actions;
  m->do_get = do_get;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
