/* gf_table: a schema plus record batches (with optional app_metadata),
 * reference counted (atomic), appendable under a write lock and readable
 * from any number of threads; exported as ArrowArrayStreams of zero-copy
 * shared views. Any thread. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"

typedef struct table_batch {
  struct ArrowArray array;
  uint8_t* app_metadata;
  size_t app_metadata_len;
} table_batch;

struct gf_table {
  atomic_long refs;
  pthread_rwlock_t lock;
  struct ArrowSchema schema;
  table_batch** batches; /* each entry stays at a fixed address */
  int64_t n_batches;
  int64_t cap_batches;
  int64_t n_rows;
};

gf_status gf_table_create(const struct ArrowSchema* schema, gf_table** out, gf_error* err) {
  if (out == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "table: out is NULL");
  *out = NULL;
  gf_type t;
  if (schema == NULL || schema->release == NULL || gf_type_parse(schema->format, &t, NULL) != GF_OK ||
      t.id != GF_TYPE_STRUCT)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "table: schema must be a \"+s\" struct");
  gf_table* tb = calloc(1, sizeof(*tb));
  if (tb == NULL) return gf_error_set(err, GF_NO_MEMORY, "table: out of memory");
  int rc = gf_schema_deep_copy(schema, &tb->schema, err);
  if (rc != GF_OK) {
    free(tb);
    return rc;
  }
  atomic_init(&tb->refs, 1);
  pthread_rwlock_init(&tb->lock, NULL);
  *out = tb;
  return GF_OK;
}

static int grow(gf_table* t) {
  if (t->n_batches < t->cap_batches) return GF_OK;
  int64_t cap = t->cap_batches ? t->cap_batches * 2 : 8;
  table_batch** nb = realloc(t->batches, (size_t)cap * sizeof(*nb));
  if (nb == NULL) return GF_NO_MEMORY;
  t->batches = nb;
  t->cap_batches = cap;
  return GF_OK;
}

gf_status gf_table_append(gf_table* t, struct ArrowArray* batch, const void* app_md, size_t len,
                          gf_error* err) {
  if (t == NULL || batch == NULL || batch->release == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "table append: NULL or released batch");
  int rc = gf_array_validate(batch, &t->schema, GF_VALIDATE_DEFAULT, err);
  if (rc != GF_OK) {
    batch->release(batch);
    return gf_error_prefix(err, "table append");
  }
  table_batch* e = calloc(1, sizeof(*e));
  if (e != NULL && len > 0) {
    if ((e->app_metadata = malloc(len)) != NULL) memcpy(e->app_metadata, app_md, len);
    e->app_metadata_len = len;
  }
  pthread_rwlock_wrlock(&t->lock);
  if (e == NULL || (len > 0 && e->app_metadata == NULL) || grow(t) != GF_OK) {
    pthread_rwlock_unlock(&t->lock);
    if (e) free(e->app_metadata);
    free(e);
    batch->release(batch);
    return gf_error_set(err, GF_NO_MEMORY, "table append: out of memory");
  }
  gf_array_move(batch, &e->array);
  t->batches[t->n_batches++] = e;
  t->n_rows += e->array.length;
  pthread_rwlock_unlock(&t->lock);
  return GF_OK;
}

const struct ArrowSchema* gf_table_schema(const gf_table* t) { return &t->schema; }

int64_t gf_table_num_batches(const gf_table* t) {
  pthread_rwlock_rdlock((pthread_rwlock_t*)&t->lock);
  int64_t n = t->n_batches;
  pthread_rwlock_unlock((pthread_rwlock_t*)&t->lock);
  return n;
}

int64_t gf_table_num_rows(const gf_table* t) {
  pthread_rwlock_rdlock((pthread_rwlock_t*)&t->lock);
  int64_t n = t->n_rows;
  pthread_rwlock_unlock((pthread_rwlock_t*)&t->lock);
  return n;
}

static const table_batch* entry(const gf_table* t, int64_t i) {
  pthread_rwlock_rdlock((pthread_rwlock_t*)&t->lock);
  const table_batch* e = (i >= 0 && i < t->n_batches) ? t->batches[i] : NULL;
  pthread_rwlock_unlock((pthread_rwlock_t*)&t->lock);
  return e;
}

const struct ArrowArray* gf_table_batch(const gf_table* t, int64_t i) {
  const table_batch* e = entry(t, i);
  return e ? &e->array : NULL;
}

gf_bytes gf_table_batch_app_metadata(const gf_table* t, int64_t i) {
  const table_batch* e = entry(t, i);
  gf_bytes b = {NULL, 0};
  if (e != NULL && e->app_metadata_len > 0) {
    b.data = e->app_metadata;
    b.len = e->app_metadata_len;
  }
  return b;
}

void gf_table_ref(gf_table* t) { atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed); }

void gf_table_unref(gf_table* t) {
  if (t == NULL || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1) return;
  for (int64_t i = 0; i < t->n_batches; i++) {
    table_batch* e = t->batches[i];
    if (e->array.release) e->array.release(&e->array);
    free(e->app_metadata);
    free(e);
  }
  free(t->batches);
  if (t->schema.release) t->schema.release(&t->schema);
  pthread_rwlock_destroy(&t->lock);
  free(t);
}

/* ---- stream export ---------------------------------------------------------- */

typedef struct table_stream {
  gf_table* table;
  int64_t next;
  int64_t end;
  char last_error[GF_ERROR_MESSAGE_SIZE];
} table_stream;

static void ref_cb(void* t) { gf_table_ref(t); }
static void unref_cb(void* t) { gf_table_unref(t); }

static int stream_get_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  table_stream* p = s->private_data;
  gf_error err;
  if (gf_schema_deep_copy(&p->table->schema, out, &err) != GF_OK) {
    snprintf(p->last_error, sizeof(p->last_error), "%s", err.message);
    return err.code == GF_NO_MEMORY ? ENOMEM : EINVAL;
  }
  return 0;
}

static int stream_get_next(struct ArrowArrayStream* s, struct ArrowArray* out) {
  table_stream* p = s->private_data;
  out->release = NULL;
  if (p->next >= p->end) return 0;
  const struct ArrowArray* src = gf_table_batch(p->table, p->next);
  gf_error err;
  if (gf_array_share(src, ref_cb, unref_cb, p->table, out, &err) != GF_OK) {
    snprintf(p->last_error, sizeof(p->last_error), "%s", err.message);
    return err.code == GF_NO_MEMORY ? ENOMEM : EINVAL;
  }
  p->next++;
  return 0;
}

static const char* stream_last_error(struct ArrowArrayStream* s) {
  table_stream* p = s->private_data;
  return p->last_error[0] ? p->last_error : NULL;
}

static void stream_release(struct ArrowArrayStream* s) {
  if (s == NULL || s->release == NULL) return;
  table_stream* p = s->private_data;
  gf_table_unref(p->table);
  free(p);
  s->release = NULL;
}

gf_status gf_table_export_stream(gf_table* t, struct ArrowArrayStream* out, gf_error* err) {
  if (t == NULL || out == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "table export: NULL argument");
  table_stream* p = calloc(1, sizeof(*p));
  if (p == NULL) return gf_error_set(err, GF_NO_MEMORY, "table export: out of memory");
  gf_table_ref(t);
  p->table = t;
  p->end = gf_table_num_batches(t);
  out->get_schema = stream_get_schema;
  out->get_next = stream_get_next;
  out->get_last_error = stream_last_error;
  out->release = stream_release;
  out->private_data = p;
  return GF_OK;
}

static int stream_error(struct ArrowArrayStream* in, int rc, const char* what, gf_error* err) {
  const char* msg = in->get_last_error ? in->get_last_error(in) : NULL;
  return gf_error_set(err, rc == ENOMEM ? GF_NO_MEMORY : GF_INVALID_ARGUMENT, "stream %s failed (%d): %s",
                      what, rc, msg ? msg : "no message");
}

gf_status gf_table_from_stream(struct ArrowArrayStream* in, gf_table** out, gf_error* err) {
  if (out == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "table from stream: out is NULL");
  *out = NULL;
  if (in == NULL || in->release == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "table from stream: stream is released");
  struct ArrowSchema schema;
  int rc = in->get_schema(in, &schema);
  if (rc != 0) {
    rc = stream_error(in, rc, "get_schema", err);
    in->release(in);
    return rc;
  }
  gf_table* t = NULL;
  rc = gf_table_create(&schema, &t, err);
  schema.release(&schema);
  while (rc == GF_OK) {
    struct ArrowArray batch;
    int erc = in->get_next(in, &batch);
    if (erc != 0) {
      rc = stream_error(in, erc, "get_next", err);
      break;
    }
    if (batch.release == NULL) break;
    rc = gf_table_append(t, &batch, NULL, 0, err);
  }
  in->release(in);
  if (rc != GF_OK) {
    gf_table_unref(t);
    return rc;
  }
  *out = t;
  return GF_OK;
}
