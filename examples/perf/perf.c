/* Example plugin "perf": the Arrow C++ flight-benchmark protocol
 * (arrow-flight-perf-server). DoAction "ping"; GetFlightInfo(CMD =
 * perf.Perf{1 schema, 2 stream_count, 3 records_per_stream,
 * 4 records_per_batch}) returns stream_count endpoints whose tickets are
 * perf.Token{1 definition, 2 start, 3 end}; DoGet(Token) streams four
 * nullable int64 columns a,b,c,d, generated once per batch size (the same
 * pseudo-random values every time) and re-sent zero-copy (the last batch
 * partial); DoGets that run at the same time with the same batch size share
 * one generated set, so n streams cost n sends, not n generations; DoPut reads and discards everything, echoing
 * app_metadata; DoExchange echoes: the client's schema, then every record
 * batch (moved, not copied) with its app_metadata and every metadata-only
 * message, in order. The tiny protobuf messages are hand-encoded. Worker
 * threads; the shared columns are the only shared state (one mutex). */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/config.h"
#include "gooddata_flight_server/server.h"

#define N_COLS 4
#define MAX_BATCH_ROWS (64 * 1024 * 1024)

typedef struct perf_def {
  int64_t stream_count, records_per_stream, records_per_batch;
} perf_def;

/* ---- protobuf (varint fields and one length-delimited field) --------------------------- */

static int get_varint(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  uint64_t r = 0;
  for (int s = 0; s < 64 && *p < end; s += 7) {
    uint8_t b = *(*p)++;
    r |= (uint64_t)(b & 0x7F) << s;
    if (!(b & 0x80)) {
      *v = r;
      return 0;
    }
  }
  return -1;
}

static size_t put_varint(uint8_t* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

/* Walks fields; varints go to vals[field] (fields 1..4), field `sub` (wire
 * type 2) to *sub_out. */
static int parse_fields(const uint8_t* p, size_t len, uint64_t vals[5], int sub, gf_bytes* sub_out) {
  const uint8_t* end = p + len;
  while (p < end) {
    uint64_t key, v;
    if (get_varint(&p, end, &key)) return -1;
    unsigned f = (unsigned)(key >> 3), wt = (unsigned)(key & 7);
    if (wt == 0) {
      if (get_varint(&p, end, &v)) return -1;
      if (f >= 1 && f <= 4) vals[f] = v;
    } else if (wt == 2) {
      if (get_varint(&p, end, &v) || v > (uint64_t)(end - p)) return -1;
      if ((int)f == sub && sub_out) *sub_out = (gf_bytes){p, (size_t)v};
      p += v;
    } else if (wt == 1 || wt == 5) {
      size_t n = wt == 1 ? 8 : 4;
      if ((size_t)(end - p) < n) return -1;
      p += n;
    } else {
      return -1;
    }
  }
  return 0;
}

static int parse_perf(gf_bytes b, perf_def* d) {
  uint64_t v[5] = {0};
  if (parse_fields(b.data, b.len, v, 1, NULL)) return -1;
  d->stream_count = (int32_t)v[2];
  d->records_per_stream = (int64_t)v[3];
  d->records_per_batch = (int32_t)v[4];
  if (d->stream_count < 0 || d->stream_count > 100000 || d->records_per_stream < 0 ||
      d->records_per_batch <= 0 || d->records_per_batch > MAX_BATCH_ROWS)
    return -1;
  return 0;
}

static int parse_token(gf_bytes b, perf_def* d, int64_t* start, int64_t* end) {
  uint64_t v[5] = {0};
  gf_bytes def = {NULL, 0};
  if (parse_fields(b.data, b.len, v, 1, &def) || parse_perf(def, d)) return -1;
  *start = (int64_t)v[2];
  *end = (int64_t)v[3];
  return *end < *start ? -1 : 0;
}

/* Token{1: perf bytes, 2: start, 3: end} */
static size_t make_token(uint8_t* out, gf_bytes perf, int64_t start, int64_t end) {
  size_t n = 0;
  out[n++] = 0x0A;
  n += put_varint(out + n, perf.len);
  memcpy(out + n, perf.data, perf.len);
  n += perf.len;
  out[n++] = 0x10;
  n += put_varint(out + n, (uint64_t)start);
  out[n++] = 0x18;
  n += put_varint(out + n, (uint64_t)end);
  return n;
}

/* ---- schema and the shared batch ------------------------------------------------------------ */

static gf_status make_schema(struct ArrowSchema* s, gf_error* err) {
  static const char* names[N_COLS] = {"a", "b", "c", "d"};
  int rc = gf_schema_init(s, "+s", "", 0, err);
  if (!rc) rc = gf_schema_allocate_children(s, N_COLS, err);
  for (int i = 0; !rc && i < N_COLS; i++) rc = gf_schema_init(s->children[i], "l", names[i], ARROW_FLAG_NULLABLE, err);
  return rc;
}

typedef struct columns {
  int64_t refs; /* under g_shared_lock */
  int64_t rows;
  int64_t* data[N_COLS];
} columns;

/* The most recently generated columns while any DoGet still uses them (a
 * weak reference: the last user's unref frees them and clears it). */
static pthread_mutex_t g_shared_lock = PTHREAD_MUTEX_INITIALIZER;
static columns* g_shared;

static void columns_free(columns* c) {
  for (int i = 0; i < N_COLS; i++) free(c->data[i]);
  free(c);
}

static void columns_ref(columns* c) {
  pthread_mutex_lock(&g_shared_lock);
  c->refs++;
  pthread_mutex_unlock(&g_shared_lock);
}

static void columns_unref(columns* c) {
  pthread_mutex_lock(&g_shared_lock);
  bool last = --c->refs == 0;
  if (last && g_shared == c) g_shared = NULL;
  pthread_mutex_unlock(&g_shared_lock);
  if (last) columns_free(c);
}

static columns* columns_new(int64_t rows) {
  columns* c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->refs = 1;
  c->rows = rows;
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < N_COLS; i++) {
    c->data[i] = malloc((size_t)rows * sizeof(int64_t));
    if (!c->data[i]) {
      columns_free(c);
      return NULL;
    }
    for (int64_t r = 0; r < rows; r++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      c->data[i][r] = (int64_t)(x >> 1);
    }
  }
  return c;
}

/* Columns of `rows` rows: the shared set when it has that size, else a new
 * one that becomes the shared set. Generated under the lock, so that DoGets
 * arriving together wait for one generation instead of each making its own. */
static columns* columns_get(int64_t rows) {
  pthread_mutex_lock(&g_shared_lock);
  columns* c = g_shared;
  if (c && c->rows == rows) {
    c->refs++;
  } else {
    c = columns_new(rows);
    if (c) g_shared = c;
  }
  pthread_mutex_unlock(&g_shared_lock);
  return c;
}

/* One exported batch view: the parent struct array and its 4 children. */
typedef struct view {
  columns* cols;
  struct ArrowArray children[N_COLS];
  struct ArrowArray* child_ptrs[N_COLS];
  const void* parent_buffers[1];
  const void* child_buffers[N_COLS][2];
} view;

static void child_release(struct ArrowArray* a) { a->release = NULL; }

static void view_release(struct ArrowArray* a) {
  view* v = a->private_data;
  columns_unref(v->cols);
  free(v);
  a->release = NULL;
}

static int make_view(columns* cols, int64_t rows, struct ArrowArray* out) {
  view* v = calloc(1, sizeof(*v));
  if (!v) return -1;
  columns_ref(cols);
  v->cols = cols;
  for (int i = 0; i < N_COLS; i++) {
    v->child_buffers[i][0] = NULL;
    v->child_buffers[i][1] = cols->data[i];
    v->children[i] = (struct ArrowArray){.length = rows, .null_count = 0, .n_buffers = 2,
                                         .buffers = v->child_buffers[i], .release = child_release};
    v->child_ptrs[i] = &v->children[i];
  }
  *out = (struct ArrowArray){.length = rows, .null_count = 0, .n_buffers = 1, .n_children = N_COLS,
                             .buffers = v->parent_buffers, .children = v->child_ptrs,
                             .release = view_release, .private_data = v};
  return 0;
}

/* ---- the DoGet stream ------------------------------------------------------------------------ */

typedef struct perf_stream {
  columns* cols;
  int64_t left;
} perf_stream;

static int ps_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  (void)s;
  return make_schema(out, NULL) ? 12 : 0;
}

static int ps_next(struct ArrowArrayStream* s, struct ArrowArray* out) {
  perf_stream* p = s->private_data;
  if (p->left <= 0) {
    out->release = NULL;
    return 0;
  }
  int64_t rows = p->left < p->cols->rows ? p->left : p->cols->rows;
  if (make_view(p->cols, rows, out)) return 12;
  p->left -= rows;
  return 0;
}

static const char* ps_error(struct ArrowArrayStream* s) {
  (void)s;
  return "out of memory";
}

static void ps_release(struct ArrowArrayStream* s) {
  perf_stream* p = s->private_data;
  columns_unref(p->cols);
  free(p);
  s->release = NULL;
}

/* ---- methods -------------------------------------------------------------------------------- */

static gf_status do_get(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out) {
  (void)state;
  perf_def d;
  int64_t start, end;
  if (parse_token(ticket, &d, &start, &end)) return gf_call_error(call, GF_INVALID_ARGUMENT, "Invalid perf.Token ticket");
  perf_stream* p = calloc(1, sizeof(*p));
  int64_t batch_rows = d.records_per_batch;
  if (p) p->cols = columns_get(batch_rows);
  if (!p || !p->cols) {
    free(p);
    return gf_call_error(call, GF_NO_MEMORY, "out of memory (records_per_batch %lld)", (long long)batch_rows);
  }
  p->left = end - start;
  out->stream = (struct ArrowArrayStream){.get_schema = ps_schema, .get_next = ps_next,
                                          .get_last_error = ps_error, .release = ps_release,
                                          .private_data = p};
  return GF_OK;
}

static gf_status get_flight_info(void* state, gf_call* call, const gf_descriptor* desc,
                                 gf_flight_info* out) {
  gf_server_context* ctx = state;
  perf_def d;
  if (desc->type != GF_DESCRIPTOR_CMD || parse_perf(desc->cmd, &d))
    return gf_call_error(call, GF_INVALID_ARGUMENT, "Expected a CMD descriptor holding a perf.Perf message");
  struct ArrowSchema schema = {0};
  gf_error err;
  int rc = make_schema(&schema, &err) || gf_flight_info_set_schema(out, &schema, &err);
  if (schema.release) schema.release(&schema);
  if (rc) return gf_call_error(call, GF_INTERNAL, "%s", err.message);
  gf_flight_info_set_descriptor(out, desc);
  uint8_t* tok = malloc(desc->cmd.len + 32);
  if (!tok) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  for (int64_t i = 0; i < d.stream_count && !rc; i++) {
    int64_t start = i * d.records_per_stream;
    size_t n = make_token(tok, desc->cmd, start, start + d.records_per_stream);
    gf_flight_endpoint* ep = gf_flight_info_add_endpoint(out, tok, n);
    if (!ep || gf_flight_endpoint_add_location(ep, gf_context_location(ctx))) rc = GF_NO_MEMORY;
  }
  free(tok);
  if (rc) return gf_call_error(call, GF_NO_MEMORY, "out of memory");
  gf_flight_info_set_total_records(out, d.stream_count * d.records_per_stream);
  gf_flight_info_set_total_bytes(out, -1);
  return GF_OK;
}

static gf_status do_put(void* state, gf_call* call, const gf_descriptor* d, gf_data_reader* in,
                        gf_put_writer* ack) {
  (void)state;
  (void)d;
  gf_error err;
  for (;;) {
    struct ArrowArray batch;
    gf_bytes md;
    int rc = gf_data_reader_next(in, &batch, &md, &err);
    if (rc == GF_END_OF_STREAM) return GF_OK;
    if (rc) return gf_call_error(call, rc, "%s", err.message);
    if (batch.release) batch.release(&batch);
    if (md.len && gf_put_writer_write(ack, md.data, md.len, &err)) return gf_call_error(call, GF_CANCELLED, "%s", err.message);
  }
}

/* Echo: the reader's schema starts the writer (none when the client sent
 * only metadata-only messages), then each message goes back as it came. */
static gf_status do_exchange(void* state, gf_call* call, const gf_descriptor* d, gf_data_reader* in,
                             gf_data_writer* out) {
  (void)state;
  (void)d;
  gf_error err;
  struct ArrowSchema schema;
  int rc = gf_data_reader_schema(in, &schema, &err);
  if (rc == GF_OK) {
    rc = gf_data_writer_begin(out, &schema, &err);
    schema.release(&schema);
    if (rc) return gf_call_error(call, rc, "DoExchange echo: %s", err.message);
  } else if (rc != GF_END_OF_STREAM) {
    return gf_call_error(call, rc, "%s", err.message);
  }
  for (;;) {
    struct ArrowArray batch;
    gf_bytes md;
    rc = gf_data_reader_next(in, &batch, &md, &err);
    if (rc == GF_END_OF_STREAM) return GF_OK;
    if (rc) return gf_call_error(call, rc, "%s", err.message);
    if (batch.release) rc = gf_data_writer_write(out, &batch, md.data, md.len, &err);
    else rc = gf_data_writer_write_metadata(out, md.data, md.len, &err);
    if (rc) return gf_call_error(call, rc, "DoExchange echo: %s", err.message);
  }
}

static gf_status do_action(void* state, gf_call* call, const gf_action* a, gf_result_list* out) {
  (void)state;
  if (strcmp(a->type, "ping") != 0) return gf_call_error(call, GF_UNIMPLEMENTED, "Unknown action '%s'", a->type);
  return gf_result_list_add(out, "ok", 2);
}

static gf_status list_actions(void* state, gf_call* call, gf_action_type_list* out) {
  (void)state;
  (void)call;
  return gf_action_type_list_add(out, "ping", "Checks that the server is up.");
}

static gf_status factory(gf_server_context* ctx, gf_methods* out, gf_error* err) {
  /* [perf] startup_delay_ms: simulates a slow start-up (calls meanwhile get
   * UNAVAILABLE "Try again later."). */
  int64_t delay = 0;
  int rc = gf_settings_get_int(gf_context_settings(ctx), "perf.startup_delay_ms", 0, &delay, err);
  if (rc) return rc;
  if (delay > 0 && delay < 60000) usleep((useconds_t)delay * 1000);
  out->struct_size = sizeof(*out);
  out->abi_version = GF_PLUGIN_ABI_VERSION;
  out->state = ctx;
  out->get_flight_info = get_flight_info;
  out->do_get = do_get;
  out->do_put = do_put;
  out->do_exchange = do_exchange;
  out->do_action = do_action;
  out->list_actions = list_actions;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
