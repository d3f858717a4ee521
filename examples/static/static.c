/* Example plugin "static" (the seed README example): DoGet serves a fixed
 * 3-row table {col1: int64 [1, 2, 3]} for any ticket. The table is built once
 * by the factory (main thread) and shared read-only by every call (worker
 * threads); each DoGet exports a stream of shared views of it. */
#include <stdlib.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/server.h"

static gf_status make_schema(struct ArrowSchema* schema, gf_error* err) {
  int rc = gf_schema_init(schema, "+s", "", 0, err);
  if (!rc) rc = gf_schema_allocate_children(schema, 1, err);
  if (!rc) rc = gf_schema_init(schema->children[0], "l", "col1", ARROW_FLAG_NULLABLE, err);
  return rc;
}

static gf_status make_table(gf_table** out, gf_error* err) {
  struct ArrowSchema schema = {0};
  struct ArrowArray batch = {0};
  gf_builder* b = NULL;
  int rc = make_schema(&schema, err);
  if (!rc) rc = gf_builder_create(&schema, &b, err);
  for (int64_t v = 1; !rc && v <= 3; v++) {
    rc = gf_builder_append_int(gf_builder_child(b, 0), v);
    if (!rc) rc = gf_builder_append_struct_end(b);
    if (rc) gf_error_set(err, rc, "%s", gf_builder_last_error(b));
  }
  if (!rc) rc = gf_builder_finish(b, &batch, err);
  if (!rc) rc = gf_table_create(&schema, out, err);
  if (!rc) {
    rc = gf_table_append(*out, &batch, NULL, 0, err);
    if (rc) gf_table_unref(*out);
  }
  if (batch.release) batch.release(&batch);
  gf_builder_free(b);
  if (schema.release) schema.release(&schema);
  return rc;
}

static gf_status do_get(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  (void)ticket;
  gf_error err;
  if (gf_table_export_stream(state, &out->stream, &err))
    return gf_call_error(call, GF_INTERNAL, "cannot export the table: %s", err.message);
  return GF_OK;
}

static void release(void* state) { gf_table_unref(state); }

static gf_status factory(gf_server_context* ctx, gf_methods* out, gf_error* err) {
  (void)ctx;
  gf_table* table = NULL;
  int rc = make_table(&table, err);
  if (rc) return rc;
  out->struct_size = sizeof(*out);
  out->abi_version = GF_PLUGIN_ABI_VERSION;
  out->state = table;
  out->release = release;
  out->do_get = do_get;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
