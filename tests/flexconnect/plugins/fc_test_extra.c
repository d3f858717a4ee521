/* FlexConnect functions for the gap tests: EchoFun (metadata; returns what
 * the invocation view holds), error mappings (BadArgFun, FailFun,
 * CustomErrorFun, NothingFun), StreamFun (single-use result), MessagesFun
 * (data source messages), CancelHookFun (ends only through its cancel
 * hook) and OneRowFun (one row; used by bench/flight_bench). call runs on task workers, cancel on RPC workers. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gooddata_flight_server/flexconnect.h"

#define N_ECHO 8
static const char* const echo_cols[N_ECHO] = {"function", "parameters", "columns", "header",
                                              "ctx_type", "ctx_workspace", "ctx_filters", "ctx_error"};

static int str_schema(struct ArrowSchema* s, const char* const* names, int n, gf_error* err) {
  int rc = gf_schema_init(s, "+s", "", 0, err);
  if (!rc) rc = gf_schema_allocate_children(s, n, err);
  for (int i = 0; !rc && i < n; i++) rc = gf_schema_init(s->children[i], "u", names[i], ARROW_FLAG_NULLABLE, err);
  return rc;
}

static int echo_schema(void* user, struct ArrowSchema* s, gf_error* err) {
  (void)user;
  return str_schema(s, echo_cols, N_ECHO, err);
}

static const char* const one_col[] = {"x"};
static int x_schema(void* user, struct ArrowSchema* s, gf_error* err) {
  (void)user;
  return str_schema(s, one_col, 1, err);
}

/* One-row table of strings (NULL = null) over schema s (consumed). */
static int one_row(struct ArrowSchema* s, const char* const* vals, int n, gf_table** out, gf_error* err) {
  gf_builder* b = NULL;
  int rc = gf_table_create(s, out, err);
  if (!rc) rc = gf_builder_create(s, &b, err);
  for (int i = 0; !rc && i < n; i++)
    rc = vals[i] ? gf_builder_append_string(gf_builder_child(b, i), vals[i])
                 : gf_builder_append_null(gf_builder_child(b, i), 1);
  if (!rc) rc = gf_builder_append_struct_end(b);
  struct ArrowArray batch;
  if (!rc) rc = gf_builder_finish(b, &batch, err);
  if (!rc) rc = gf_table_append(*out, &batch, NULL, 0, err);
  gf_builder_free(b);
  if (s->release) s->release(s);
  return rc;
}

static int echo(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  char cols[512] = "", filters[512] = "", header[256] = "";
  for (size_t i = 0; i < inv->n_columns; i++)
    snprintf(cols + strlen(cols), sizeof(cols) - strlen(cols), "%s%s", i ? "," : "", inv->columns[i]);
  gf_bytes h;
  if (gf_fc_header_get(inv, "x-test-header", &h)) snprintf(header, sizeof(header), "%.*s", (int)h.len, (const char*)h.data);
  const gf_fc_execution_context* c = inv->execution_context;
  for (size_t i = 0; c && i < c->n_filters; i++)
    snprintf(filters + strlen(filters), sizeof(filters) - strlen(filters), "%s%s:%s:%zu", i ? ";" : "",
             c->filters[i].filter_type, c->filters[i].label_identifier ? c->filters[i].label_identifier : "-",
             c->filters[i].n_values);
  const char* vals[N_ECHO] = {inv->function_name, inv->parameters_json, inv->columns ? cols : NULL, header,
                              c ? c->execution_type_text : NULL, c ? c->workspace_id : NULL,
                              c ? filters : NULL, inv->execution_context_error};
  struct ArrowSchema s = {0};
  int rc = echo_schema(NULL, &s, err);
  return rc ? rc : one_row(&s, vals, N_ECHO, &out->table, err);
}

static int bad_arg(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  (void)inv;
  (void)out;
  return gf_error_set(err, GF_INVALID_ARGUMENT, "bad input: %s", inv->parameters_json);
}

static int fail(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  (void)inv;
  (void)out;
  return gf_error_set(err, GF_IO_ERROR, "disk on fire");
}

static int custom_error(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  (void)inv;
  (void)err;
  return gf_fc_result_set_error(out, GF_UNAUTHORIZED, 1234, "custom msg", "custom detail");
}

static int nothing(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  (void)inv;
  (void)out;
  (void)err;
  return GF_OK;
}

static int stream(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  (void)inv;
  struct ArrowSchema s = {0};
  gf_table* t = NULL;
  const char* v[1] = {"streamed"};
  int rc = x_schema(NULL, &s, err);
  if (!rc) rc = one_row(&s, v, 1, &t, err);
  if (!rc) rc = gf_table_export_stream(t, &out->stream, err);
  if (t) gf_table_unref(t);
  return rc;
}

static int messages(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  (void)inv;
  struct ArrowSchema s = {0};
  const char* v[1] = {"with messages"};
  int rc = x_schema(NULL, &s, err);
  if (!rc) rc = gf_fc_add_data_source_message(&s, "test_source", "123", "test", NULL, err);
  if (!rc) rc = gf_fc_add_data_source_message(&s, "test_source", "456", "info", "{\"rows\":1}", err);
  return rc ? rc : one_row(&s, v, 1, &out->table, err);
}

/* Loops until its own cancel hook ran (at most 10 s). */
static atomic_int hook_calls;
static int cancel_hook_call(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  (void)out;
  (void)err;
  int start = atomic_load(&hook_calls);
  for (int i = 0; i < 1000 && atomic_load(&hook_calls) == start; i++) {
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  (void)inv;
  return GF_CANCELLED;
}
static void cancel_hook(gf_fc_invocation* inv) {
  (void)inv;
  atomic_fetch_add(&hook_calls, 1);
}

/* One row, one column: what the FlexConnect bench invokes. */
static int one_row_fun(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  (void)inv;
  struct ArrowSchema s = {0};
  const char* v[1] = {"one"};
  int rc = x_schema(NULL, &s, err);
  return rc ? rc : one_row(&s, v, 1, &out->table, err);
}

#define FN(var, nm, sch, fn, ...)                                                           \
  static const gf_fc_function var = {.struct_size = sizeof(gf_fc_function), .name = nm, \
                                     .schema = sch, .call = fn, __VA_ARGS__}
FN(f_echo, "EchoFun", echo_schema, echo, .metadata_json = "{\"kind\": \"test\", \"n\": [1, 2]}");
FN(f_bad, "BadArgFun", x_schema, bad_arg, .metadata_json = NULL);
FN(f_fail, "FailFun", x_schema, fail, .metadata_json = NULL);
FN(f_custom, "CustomErrorFun", x_schema, custom_error, .metadata_json = NULL);
FN(f_nothing, "NothingFun", x_schema, nothing, .metadata_json = NULL);
FN(f_stream, "StreamFun", x_schema, stream, .metadata_json = NULL);
FN(f_messages, "MessagesFun", x_schema, messages, .metadata_json = NULL);
FN(f_hook, "CancelHookFun", x_schema, cancel_hook_call, .cancel = cancel_hook);
FN(f_one, "OneRowFun", x_schema, one_row_fun, .metadata_json = NULL);

GF_FC_DECLARE_LIBRARY(&f_echo, &f_bad, &f_fail, &f_custom, &f_nothing, &f_stream, &f_messages, &f_hook, &f_one)
