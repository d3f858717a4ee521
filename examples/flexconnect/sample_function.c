/* Example FlexConnect function (like the public template's sample):
 * SampleFlexConnectFunction returns six rows with three attributes
 * (attribute1, attribute2: string; attribute3: bool) and three facts
 * (fact1, fact2: float64; fact3: int64). It keeps only the rows whose
 * attribute1 passes a positiveAttributeFilter on label "attribute1" of the
 * execution context, returns only the columns of the `columns` hint (all
 * when absent) and attaches an "info" data source message. Built as
 * build/examples/libflexconnect_sample.so; call runs on task workers. */
#include <stdio.h>
#include <string.h>

#include "gooddata_flight_server/flexconnect.h"

#define N_COLS 6
#define N_ROWS 6

static const char* const col_names[N_COLS] = {"attribute1", "attribute2", "attribute3", "fact1", "fact2", "fact3"};
static const char* const col_formats[N_COLS] = {"u", "u", "b", "g", "g", "l"};
static const char* const attr1[N_ROWS] = {"a", "a", "b", "b", "c", "c"};
static const char* const attr2[N_ROWS] = {"x", "y", "x", "y", "x", "y"};
static const int attr3[N_ROWS] = {1, 0, 1, 0, 1, 0};
static const double fact1[N_ROWS] = {1.5, 2.5, 3.5, 4.5, 5.5, 6.5};
static const double fact2[N_ROWS] = {10, 20, 30, 40, 50, 60};
static const long fact3[N_ROWS] = {100, 200, 300, 400, 500, 600};

static gf_status schema_of(const int* cols, int n, struct ArrowSchema* s, gf_error* err) {
  int rc = gf_schema_init(s, "+s", "", 0, err);
  if (!rc) rc = gf_schema_allocate_children(s, n, err);
  for (int i = 0; !rc && i < n; i++)
    rc = gf_schema_init(s->children[i], col_formats[cols[i]], col_names[cols[i]], ARROW_FLAG_NULLABLE, err);
  return rc;
}

static gf_status declared_schema(void* user, struct ArrowSchema* s, gf_error* err) {
  (void)user;
  static const int all[N_COLS] = {0, 1, 2, 3, 4, 5};
  return schema_of(all, N_COLS, s, err);
}

/* Columns to return: the hint's known names in schema order, or all. */
static int pick_columns(const gf_fc_invocation* inv, int* cols) {
  int n = 0;
  for (int c = 0; c < N_COLS; c++) {
    int wanted = inv->columns == NULL;
    for (size_t i = 0; !wanted && i < inv->n_columns; i++) wanted = strcmp(inv->columns[i], col_names[c]) == 0;
    if (wanted) cols[n++] = c;
  }
  return n;
}

/* The positiveAttributeFilter on attribute1, or NULL. */
static const gf_fc_filter* attribute1_filter(const gf_fc_invocation* inv) {
  const gf_fc_execution_context* ctx = inv->execution_context;
  for (size_t i = 0; ctx && i < ctx->n_filters; i++) {
    const gf_fc_filter* f = &ctx->filters[i];
    if (f->type == GF_FC_FILTER_POSITIVE_ATTRIBUTE && f->label_identifier &&
        strcmp(f->label_identifier, "attribute1") == 0)
      return f;
  }
  return NULL;
}

static int row_passes(const gf_fc_filter* f, int row) {
  if (f == NULL) return 1;
  for (size_t i = 0; i < f->n_values; i++)
    if (f->values[i] && strcmp(f->values[i], attr1[row]) == 0) return 1;
  return 0;
}

static int append_cell(gf_builder* b, int col, int row) {
  switch (col) {
    case 0: return gf_builder_append_string(b, attr1[row]);
    case 1: return gf_builder_append_string(b, attr2[row]);
    case 2: return gf_builder_append_bool(b, attr3[row]);
    case 3: return gf_builder_append_double(b, fact1[row]);
    case 4: return gf_builder_append_double(b, fact2[row]);
    default: return gf_builder_append_int(b, fact3[row]);
  }
}

static int build(const gf_fc_invocation* inv, struct ArrowSchema* s, const int* cols, int n,
                 gf_table** out, gf_error* err) {
  const gf_fc_filter* f = attribute1_filter(inv);
  gf_builder* b = NULL;
  int rc = gf_table_create(s, out, err);
  if (!rc) rc = gf_builder_create(s, &b, err);
  for (int row = 0; !rc && row < N_ROWS; row++) {
    if (!row_passes(f, row)) continue;
    for (int i = 0; !rc && i < n; i++) rc = append_cell(gf_builder_child(b, i), cols[i], row);
    if (!rc) rc = gf_builder_append_struct_end(b);
    if (rc) rc = gf_error_set(err, rc, "%s", gf_builder_last_error(b));
  }
  struct ArrowArray batch;
  if (!rc) rc = gf_builder_finish(b, &batch, err);
  if (!rc) rc = gf_table_append(*out, &batch, NULL, 0, err);
  gf_builder_free(b);
  return rc;
}

static gf_status call(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  int cols[N_COLS];
  int n = pick_columns(inv, cols);
  if (n == 0) return gf_error_set(err, GF_INVALID_ARGUMENT, "None of the requested columns exists.");
  struct ArrowSchema s = {0};
  char data[128];
  snprintf(data, sizeof(data), "{\"columns\":%d}", n);
  int rc = schema_of(cols, n, &s, err);
  if (!rc) rc = gf_fc_add_data_source_message(&s, "SampleFlexConnectFunction", inv->task_id, "info", data, err);
  if (!rc) rc = build(inv, &s, cols, n, &out->table, err);
  if (s.release) s.release(&s);
  return rc;
}

static const gf_fc_function sample = {
    .struct_size = sizeof(gf_fc_function),
    .name = "SampleFlexConnectFunction",
    .schema = declared_schema,
    .metadata_json = NULL,
    .call = call,
};

GF_FC_DECLARE_LIBRARY(&sample)
