/* Example plugin "hello" (the five-minute tutorial, docs/tutorial.md): a
 * service that reads its own config section, lists one flight, describes it in
 * GetFlightInfo and generates its rows in DoGet. The factory runs once on the
 * main thread; callbacks run on server worker threads and only read `state`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gooddata_flight_server.h>

typedef struct hello {
  gf_server_context* ctx;
  int64_t rows;         /* [hello] rows */
  char greeting[64];    /* [hello] greeting */
} hello;

/* Schema of the data: {id: int64, message: utf8}. */
static gf_status make_schema(struct ArrowSchema* s, gf_error* err) {
  int rc = gf_schema_init(s, "+s", "", 0, err);
  if (!rc) rc = gf_schema_allocate_children(s, 2, err);
  if (!rc) rc = gf_schema_init(s->children[0], "l", "id", 0, err);
  if (!rc) rc = gf_schema_init(s->children[1], "u", "message", ARROW_FLAG_NULLABLE, err);
  return rc;
}

/* Builds one batch of `rows` rows into a new table. */
static gf_status make_table(const hello* h, gf_table** out, gf_error* err) {
  struct ArrowSchema schema = {0};
  struct ArrowArray batch = {0};
  gf_builder* b = NULL;
  char text[96];
  int rc = make_schema(&schema, err);
  if (!rc) rc = gf_builder_create(&schema, &b, err);
  for (int64_t i = 0; !rc && i < h->rows; i++) {
    snprintf(text, sizeof(text), "%s #%lld", h->greeting, (long long)i);
    rc = gf_builder_append_int(gf_builder_child(b, 0), i);
    if (!rc) rc = gf_builder_append_string(gf_builder_child(b, 1), text);
    if (!rc) rc = gf_builder_append_struct_end(b);
    if (rc) gf_error_set(err, rc, "%s", gf_builder_last_error(b));
  }
  if (!rc) rc = gf_builder_finish(b, &batch, err);
  if (!rc) rc = gf_table_create(&schema, out, err);
  if (!rc && (rc = gf_table_append(*out, &batch, NULL, 0, err)) != GF_OK) gf_table_unref(*out);
  if (batch.release) batch.release(&batch);
  gf_builder_free(b);
  if (schema.release) schema.release(&schema);
  return rc;
}

static int is_hello(const gf_descriptor* d) {
  return d->type == GF_DESCRIPTOR_PATH && d->n_path == 1 && strcmp(d->path[0], "hello") == 0;
}

static gf_status fill_info(const hello* h, gf_flight_info* info, gf_error* err) {
  struct ArrowSchema schema = {0};
  const char* path[] = {"hello"};
  gf_descriptor d = {.type = GF_DESCRIPTOR_PATH, .n_path = 1, .path = path};
  int rc = make_schema(&schema, err);
  if (!rc) rc = gf_flight_info_set_schema(info, &schema, err);
  if (schema.release) schema.release(&schema);
  if (rc) return rc;
  gf_flight_info_set_descriptor(info, &d);
  gf_flight_info_set_total_records(info, h->rows);
  gf_flight_endpoint* ep = gf_flight_info_add_endpoint(info, "hello", 5);
  if (ep == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  return gf_flight_endpoint_add_location(ep, gf_context_location(h->ctx));
}

static gf_status list_flights(void* state, gf_call* call, gf_bytes criteria, gf_flight_list* out) {
  (void)criteria;
  gf_error err;
  gf_flight_info* info = gf_flight_list_add(out);
  if (info == NULL || fill_info(state, info, &err) != GF_OK)
    return gf_call_error(call, GF_INTERNAL, "cannot describe the flight");
  return GF_OK;
}

static gf_status get_flight_info(void* state, gf_call* call, const gf_descriptor* d,
                                 gf_flight_info* out) {
  gf_error err;
  if (!is_hello(d)) return gf_call_error(call, GF_NOT_FOUND, "unknown flight; try path [\"hello\"]");
  if (fill_info(state, out, &err) != GF_OK)
    return gf_call_error(call, GF_INTERNAL, "cannot describe the flight: %s", err.message);
  return GF_OK;
}

static gf_status do_get(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  gf_error err;
  gf_table* table = NULL;
  if (ticket.len != 5 || memcmp(ticket.data, "hello", 5) != 0)
    return gf_call_error(call, GF_NOT_FOUND, "unknown ticket");
  if (make_table(state, &table, &err) != GF_OK)
    return gf_call_error(call, GF_INTERNAL, "cannot build the data: %s", err.message);
  int rc = gf_table_export_stream(table, &out->stream, &err); /* the stream holds a reference */
  gf_table_unref(table);
  return rc ? gf_call_error(call, GF_INTERNAL, "cannot export: %s", err.message) : GF_OK;
}

static void release(void* state) { free(state); }

static gf_status factory(gf_server_context* ctx, gf_methods* out, gf_error* err) {
  const gf_settings* settings = gf_context_settings(ctx);
  const char* greeting = NULL;
  hello* h = calloc(1, sizeof(*h));
  if (h == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  h->ctx = ctx;
  int rc = gf_settings_get_int(settings, "hello.rows", 3, &h->rows, err);
  if (!rc) rc = gf_settings_get_string(settings, "hello.greeting", "hello", &greeting, err);
  if (rc) {
    free(h);
    return rc;
  }
  if (h->rows < 0 || h->rows > 1000000) {
    long long rows = (long long)h->rows;
    free(h);
    return gf_error_set(err, GF_INVALID_ARGUMENT, "hello.rows must be in 0..1000000, got %lld", rows);
  }
  snprintf(h->greeting, sizeof(h->greeting), "%s", greeting);
  GF_LOG(gf_context_logger(ctx, "hello"), GF_LOG_INFO, "hello_ready", GF_INT("rows", h->rows));

  out->struct_size = sizeof(*out);
  out->abi_version = GF_PLUGIN_ABI_VERSION;
  out->state = h;
  out->release = release;
  out->list_flights = list_flights;
  out->get_flight_info = get_flight_info;
  out->do_get = do_get;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
