/* Example plugin "store" (the default service): an in-memory dataset store.
 * DoPut stores a stream under its descriptor path (elements joined by "/"),
 * acknowledging each batch at once with a PutResult carrying that batch's
 * app_metadata; GetFlightInfo/GetSchema describe a dataset; DoGet streams it
 * back with app_metadata "0", "1", ...; ListFlights lists datasets; DoAction
 * "drop" removes one. Callbacks run concurrently on worker threads; the
 * dataset map is guarded by a rwlock and datasets are immutable tables
 * shared by reference. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/server.h"

typedef struct dataset {
  char* key;
  gf_table* table;
} dataset;

typedef struct store {
  gf_server_context* ctx;
  pthread_rwlock_t lock;
  dataset* items;
  size_t n, cap;
} store;

/* ---- dataset map -------------------------------------------------------------------------- */

static char* join_path(const gf_descriptor* d) {
  size_t len = 1;
  for (size_t i = 0; i < d->n_path; i++) len += strlen(d->path[i]) + 1;
  char* key = malloc(len);
  if (!key) return NULL;
  key[0] = 0;
  for (size_t i = 0; i < d->n_path; i++) {
    if (i) strcat(key, "/");
    strcat(key, d->path[i]);
  }
  return key;
}

static gf_table* find_ref(store* s, const char* key, size_t len) {
  gf_table* t = NULL;
  pthread_rwlock_rdlock(&s->lock);
  for (size_t i = 0; i < s->n; i++) {
    if (strlen(s->items[i].key) == len && memcmp(s->items[i].key, key, len) == 0) {
      t = s->items[i].table;
      gf_table_ref(t);
      break;
    }
  }
  pthread_rwlock_unlock(&s->lock);
  return t;
}

/* Takes ownership of key and the table reference. */
static int put_dataset(store* s, char* key, gf_table* t) {
  gf_table* old = NULL;
  int rc = GF_OK;
  pthread_rwlock_wrlock(&s->lock);
  size_t i = 0;
  while (i < s->n && strcmp(s->items[i].key, key) != 0) i++;
  if (i < s->n) {
    old = s->items[i].table;
    s->items[i].table = t;
    free(key);
  } else if (s->n == s->cap && !(s->cap = s->cap ? s->cap * 2 : 8, s->items = realloc(s->items, s->cap * sizeof(dataset)))) {
    rc = GF_NO_MEMORY;
    old = t;
    free(key);
  } else {
    s->items[s->n++] = (dataset){key, t};
  }
  pthread_rwlock_unlock(&s->lock);
  if (old) gf_table_unref(old);
  return rc;
}

static int drop_dataset(store* s, const char* key, size_t len) {
  gf_table* old = NULL;
  char* old_key = NULL;
  pthread_rwlock_wrlock(&s->lock);
  for (size_t i = 0; i < s->n; i++) {
    if (strlen(s->items[i].key) == len && memcmp(s->items[i].key, key, len) == 0) {
      old = s->items[i].table;
      old_key = s->items[i].key;
      s->items[i] = s->items[--s->n];
      break;
    }
  }
  pthread_rwlock_unlock(&s->lock);
  free(old_key);
  if (old) gf_table_unref(old);
  return old ? GF_OK : GF_NOT_FOUND;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static gf_status path_key(gf_call* call, const gf_descriptor* d, char** key) {
  if (d->type != GF_DESCRIPTOR_PATH)
    return gf_call_error(call, GF_UNIMPLEMENTED, "Only PATH descriptors are supported");
  if (d->n_path == 0) return gf_call_error(call, GF_INVALID_ARGUMENT, "Descriptor path is empty");
  if (!(*key = join_path(d))) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

static gf_status fill_info(store* s, gf_call* call, const char* key, gf_table* t,
                           const gf_descriptor* d, gf_flight_info* out) {
  gf_error err;
  if (gf_flight_info_set_schema(out, gf_table_schema(t), &err))
    return gf_call_error(call, GF_INTERNAL, "cannot serialise the schema: %s", err.message);
  gf_flight_info_set_descriptor(out, d);
  gf_flight_info_set_total_records(out, gf_table_num_rows(t));
  gf_flight_info_set_total_bytes(out, -1);
  gf_flight_endpoint* ep = gf_flight_info_add_endpoint(out, key, strlen(key));
  if (!ep || gf_flight_endpoint_add_location(ep, gf_context_location(s->ctx)))
    return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

/* ---- methods ------------------------------------------------------------------------------ */

static gf_status get_flight_info(void* state, gf_call* call, const gf_descriptor* d,
                                 gf_flight_info* out) {
  store* s = state;
  char* key = NULL;
  int rc = path_key(call, d, &key);
  if (rc) return rc;
  gf_table* t = find_ref(s, key, strlen(key));
  if (!t) rc = gf_call_error(call, GF_NOT_FOUND, "Unknown dataset '%s'", key);
  else rc = fill_info(s, call, key, t, d, out);
  if (t) gf_table_unref(t);
  free(key);
  return rc;
}

static gf_status get_schema(void* state, gf_call* call, const gf_descriptor* d,
                            struct ArrowSchema* out) {
  store* s = state;
  char* key = NULL;
  int rc = path_key(call, d, &key);
  if (rc) return rc;
  gf_table* t = find_ref(s, key, strlen(key));
  gf_error err;
  if (!t) rc = gf_call_error(call, GF_NOT_FOUND, "Unknown dataset '%s'", key);
  else if (gf_schema_deep_copy(gf_table_schema(t), out, &err))
    rc = gf_call_error(call, GF_INTERNAL, "%s", err.message);
  if (t) gf_table_unref(t);
  free(key);
  return rc;
}

static gf_status read_into(gf_call* call, gf_data_reader* in, gf_put_writer* ack, gf_table** out) {
  struct ArrowSchema schema = {0};
  gf_error err;
  int rc = gf_data_reader_schema(in, &schema, &err);
  if (rc == GF_END_OF_STREAM) return gf_call_error(call, GF_INVALID_ARGUMENT, "DoPut stream has no schema");
  if (rc) return gf_call_error(call, rc, "%s", err.message);
  rc = gf_table_create(&schema, out, &err);
  schema.release(&schema);
  if (rc) return gf_call_error(call, rc, "%s", err.message);
  for (;;) {
    struct ArrowArray batch;
    gf_bytes md;
    rc = gf_data_reader_next(in, &batch, &md, &err);
    if (rc == GF_END_OF_STREAM) return GF_OK;
    if (rc) return gf_call_error(call, rc, "%s", err.message);
    if (!batch.release) continue; /* metadata-only message */
    rc = gf_table_append(*out, &batch, md.data, md.len, &err);
    if (rc) return gf_call_error(call, rc, "Invalid batch: %s", err.message);
    rc = gf_put_writer_write(ack, md.data, md.len, &err);
    if (rc) return gf_call_error(call, rc, "%s", err.message);
  }
}

static gf_status do_put(void* state, gf_call* call, const gf_descriptor* d, gf_data_reader* in,
                        gf_put_writer* ack) {
  store* s = state;
  char* key = NULL;
  int rc = path_key(call, d, &key);
  if (rc == GF_UNIMPLEMENTED) rc = gf_call_error(call, GF_INVALID_ARGUMENT, "DoPut requires a PATH descriptor");
  if (rc) {
    free(key);
    return rc;
  }
  gf_table* t = NULL;
  rc = read_into(call, in, ack, &t);
  if (rc) {
    if (t) gf_table_unref(t);
    free(key);
    return rc;
  }
  if (put_dataset(s, key, t)) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

typedef struct get_state {
  gf_table* table;
  char buf[24];
} get_state;

static int batch_md(void* user, int64_t i, gf_bytes* out) {
  get_state* g = user;
  int n = snprintf(g->buf, sizeof(g->buf), "%lld", (long long)i);
  *out = (gf_bytes){(const uint8_t*)g->buf, (size_t)n};
  return 0;
}

static void release_get(void* user) {
  get_state* g = user;
  gf_table_unref(g->table);
  free(g);
}

static gf_status do_get(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  store* s = state;
  gf_table* t = find_ref(s, (const char*)ticket.data, ticket.len);
  if (!t) return gf_call_error(call, GF_NOT_FOUND, "Unknown dataset '%.*s'", (int)ticket.len, (const char*)ticket.data);
  get_state* g = calloc(1, sizeof(*g));
  gf_error err;
  if (!g || gf_table_export_stream(t, &out->stream, &err)) {
    free(g);
    gf_table_unref(t);
    return gf_call_error(call, GF_INTERNAL, "cannot export dataset");
  }
  g->table = t;
  out->user = g;
  out->release_user = release_get;
  out->batch_app_metadata = batch_md;
  return GF_OK;
}

static gf_status list_flights(void* state, gf_call* call, gf_bytes criteria, gf_flight_list* out) {
  (void)criteria;
  store* s = state;
  int rc = GF_OK;
  pthread_rwlock_rdlock(&s->lock);
  for (size_t i = 0; i < s->n && !rc; i++) {
    const char* key = s->items[i].key;
    const char* path[1] = {key};
    gf_descriptor d = {GF_DESCRIPTOR_PATH, {NULL, 0}, 1, path};
    gf_flight_info* info = gf_flight_list_add(out);
    rc = info ? fill_info(s, call, key, s->items[i].table, &d, info) : gf_call_error(call, GF_NO_MEMORY, "out of memory");
  }
  pthread_rwlock_unlock(&s->lock);
  return rc;
}

static gf_status do_action(void* state, gf_call* call, const gf_action* a, gf_result_list* out) {
  store* s = state;
  if (strcmp(a->type, "drop") != 0) return gf_call_error(call, GF_INVALID_ARGUMENT, "Unknown action '%s'", a->type);
  if (drop_dataset(s, (const char*)a->body.data, a->body.len))
    return gf_call_error(call, GF_NOT_FOUND, "Unknown dataset '%.*s'", (int)a->body.len, (const char*)a->body.data);
  return gf_result_list_add(out, "dropped", 7);
}

static gf_status list_actions(void* state, gf_call* call, gf_action_type_list* out) {
  (void)state;
  (void)call;
  return gf_action_type_list_add(out, "drop", "Removes a dataset. Body: the dataset path (elements joined by '/').");
}

static void release(void* state) {
  store* s = state;
  for (size_t i = 0; i < s->n; i++) {
    free(s->items[i].key);
    gf_table_unref(s->items[i].table);
  }
  free(s->items);
  pthread_rwlock_destroy(&s->lock);
  free(s);
}

static gf_status factory(gf_server_context* ctx, gf_methods* out, gf_error* err) {
  store* s = calloc(1, sizeof(*s));
  if (!s) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  s->ctx = ctx;
  pthread_rwlock_init(&s->lock, NULL);
  out->struct_size = sizeof(*out);
  out->abi_version = GF_PLUGIN_ABI_VERSION;
  out->state = s;
  out->release = release;
  out->get_flight_info = get_flight_info;
  out->get_schema = get_schema;
  out->do_put = do_put;
  out->do_get = do_get;
  out->list_flights = list_flights;
  out->do_action = do_action;
  out->list_actions = list_actions;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
