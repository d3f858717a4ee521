/* IPC round-trip tests for every type family (plain, sliced, compressed,
 * unaligned bodies, stream and file formats, dictionaries with deltas and
 * replacements), and an interop CLI used by tests/node/ipc_interop.test.mjs:
 *   test_ipc_interop write-all DIR   one .arrows and one .arrow per family
 *   test_ipc_interop read FILE       decoded rows as JSON lines
 * Without arguments it runs the unit tests. */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

#include "ipc/ipc_test_util.h"
#include "test.h"

/* ---- plumbing -------------------------------------------------------------- */

static gf_ipc_body* body_of(const gf_ipc_payload* p, int misalign) {
  uint8_t* d;
  gf_ipc_body* b = gf_ipc_body_alloc((size_t)p->body_len + 8, &d);
  gf_ipc_payload_copy_body(p, d + misalign);
  if (!misalign) return b;
  /* wrap a misaligned view keeping b alive */
  return gf_ipc_body_wrap(d + misalign, (size_t)p->body_len, (void (*)(void*))gf_ipc_body_unref, b);
}

/* Encodes schema + batch (moved) and decodes them; renders the result. */
static int roundtrip(const struct ArrowSchema* s, struct ArrowArray* batch,
                     const gf_ipc_write_options* opt, int misalign, sbuf* out,
                     struct ArrowSchema* decoded_schema, gf_error* err) {
  gf_ipc_payload* sp;
  gf_ipc_encoder* enc;
  gf_ipc_decoder* dec;
  int rc = gf_ipc_encode_schema(s, &sp, err);
  if (rc) {
    batch->release(batch);
    return rc;
  }
  gf_ipc_message_type t;
  rc = gf_ipc_decoder_create(NULL, &dec, err);
  if (rc == GF_OK)
    rc = gf_ipc_decoder_decode(dec, sp->metadata, sp->metadata_len, NULL, &t, NULL, err);
  gf_ipc_payload_unref(sp);
  if (rc == GF_OK) rc = gf_ipc_encoder_create(s, opt, &enc, err);
  else batch->release(batch);
  if (rc) {
    gf_ipc_decoder_free(dec);
    return rc;
  }
  gf_ipc_payload** ps;
  size_t n;
  rc = gf_ipc_encoder_encode_batch(enc, batch, &ps, &n, err);
  for (size_t i = 0; rc == GF_OK && i < n; i++) {
    gf_ipc_body* body = body_of(ps[i], misalign);
    struct ArrowArray out_arr;
    rc = gf_ipc_decoder_decode(dec, ps[i]->metadata, ps[i]->metadata_len, body, &t, &out_arr, err);
    gf_ipc_body_unref(body);
    if (rc == GF_OK && t == GF_IPC_MESSAGE_RECORD_BATCH) {
      render_batch(out, &out_arr, gf_ipc_decoder_schema_ref(dec));
      out_arr.release(&out_arr);
    }
  }
  if (rc == GF_OK && decoded_schema) rc = gf_ipc_decoder_schema(dec, decoded_schema, err);
  for (size_t i = 0; rc == GF_OK && i < n; i++) gf_ipc_payload_unref(ps[i]);
  if (rc) for (size_t i = 0; i < n; i++) gf_ipc_payload_unref(ps[i]);
  if (n) free(ps);
  gf_ipc_encoder_free(enc);
  gf_ipc_decoder_free(dec);
  return rc;
}

static int family_roundtrip(const char* fam, const gf_ipc_write_options* opt, int misalign,
                            int64_t rows) {
  struct ArrowSchema s, ds;
  struct ArrowArray b;
  gf_error err;
  mk_schema(&s, fam);
  if (build_batch(&s, rows, &b)) {
    fprintf(stderr, "  %s: build failed\n", fam);
    s.release(&s);
    return 1;
  }
  sbuf want = {0}, got = {0};
  render_batch(&want, &b, &s);
  int rc = roundtrip(&s, &b, opt, misalign, &got, &ds, &err);
  int bad = rc != GF_OK;
  if (rc) fprintf(stderr, "  %s: %s\n", fam, err.message);
  if (!bad && !sb_eq(&got, &want)) {
    fprintf(stderr, "  %s: values differ\nwant:\n%s\ngot:\n%s\n", fam, want.p, got.p ? got.p : "");
    bad = 1;
  }
  if (!bad && !gf_schema_equals(&s, &ds)) {
    fprintf(stderr, "  %s: schema differs after round trip\n", fam);
    bad = 1;
  }
  if (rc == GF_OK) ds.release(&ds);
  free(want.p);
  free(got.p);
  s.release(&s);
  return bad;
}

TEST(every_family_roundtrips) {
  int failures = 0;
  for (size_t i = 0; i < N_FAMILIES; i++) failures += family_roundtrip(ALL_FAMILIES[i], NULL, 0, 23);
  CHECK_EQ_INT(failures, 0);
}

TEST(every_family_zero_rows) {
  int failures = 0;
  for (size_t i = 0; i < N_FAMILIES; i++) failures += family_roundtrip(ALL_FAMILIES[i], NULL, 0, 0);
  CHECK_EQ_INT(failures, 0);
}

TEST(every_family_misaligned_body) {
  int failures = 0;
  for (size_t i = 0; i < N_FAMILIES; i++) failures += family_roundtrip(ALL_FAMILIES[i], NULL, 1, 17);
  CHECK_EQ_INT(failures, 0);
}

TEST(every_family_compressed) {
  gf_ipc_write_options o = {sizeof(o), GF_IPC_COMPRESSION_LZ4_FRAME, 0, 0};
  int failures = 0;
  for (size_t i = 0; i < N_FAMILIES; i++) failures += family_roundtrip(ALL_FAMILIES[i], &o, 0, 40);
  o.compression = GF_IPC_COMPRESSION_ZSTD;
  for (size_t i = 0; i < N_FAMILIES; i++) failures += family_roundtrip(ALL_FAMILIES[i], &o, 0, 40);
  CHECK_EQ_INT(failures, 0);
}

/* Sliced inputs: split into small pieces (offset != 0), each must round trip
 * to exactly its rows. */
TEST(every_family_sliced) {
  int failures = 0;
  for (size_t f = 0; f < N_FAMILIES; f++) {
    struct ArrowSchema s;
    struct ArrowArray b, *pieces;
    size_t n;
    gf_error err;
    mk_schema(&s, ALL_FAMILIES[f]);
    CHECK(build_batch(&s, 29, &b) == 0);
    sbuf want = {0}, got = {0}, cat = {0};
    render_batch(&want, &b, &s);
    int rc = gf_ipc_split_batch(&b, &s, 24, &pieces, &n, &err);
    CHECK_MSG(rc == GF_OK, "%s: %s", ALL_FAMILIES[f], err.message);
    if (n < 2 && strcmp(ALL_FAMILIES[f], "null") != 0 && strcmp(ALL_FAMILIES[f], "bool") != 0) {
      fprintf(stderr, "  %s: expected several pieces, got %zu\n", ALL_FAMILIES[f], n);
      failures++;
    }
    for (size_t i = 0; i < n; i++) {
      render_batch(&cat, &pieces[i], &s);
      if (roundtrip(&s, &pieces[i], NULL, 0, &got, NULL, &err)) {
        fprintf(stderr, "  %s piece %zu: %s\n", ALL_FAMILIES[f], i, err.message);
        failures++;
      }
    }
    free(pieces);
    if (!sb_eq(&cat, &want) || !sb_eq(&got, &want)) {
      fprintf(stderr, "  %s: sliced values differ\nwant:\n%s\ngot:\n%s\n", ALL_FAMILIES[f], want.p,
              got.p ? got.p : "");
      failures++;
    }
    free(want.p);
    free(got.p);
    free(cat.p);
    s.release(&s);
  }
  CHECK_EQ_INT(failures, 0);
}

TEST(schema_metadata_and_flags_roundtrip) {
  struct ArrowSchema s, d;
  gf_error err;
  struct ArrowSchema** ch = mk(&s, "+s", "", 2, 0);
  mk(ch[0], "i", "a", 0, 0); /* not nullable */
  mk_col(ch[1], "map");
  ch[1]->flags |= ARROW_FLAG_MAP_KEYS_SORTED;
  gf_metadata_entry e[2] = {{{(const uint8_t*)"k1", 2}, {(const uint8_t*)"v1", 2}},
                            {{(const uint8_t*)"empty", 5}, {(const uint8_t*)"", 0}}};
  char* md;
  CHECK(gf_metadata_encode(e, 2, &md, &err) == GF_OK);
  gf_schema_set_metadata(&s, md);
  gf_schema_set_metadata(ch[0], md);
  free(md);
  uint8_t* bytes;
  size_t len;
  CHECK(gf_ipc_serialize_schema(&s, &bytes, &len, &err) == GF_OK);
  CHECK_EQ_INT(len % 8, 0);
  CHECK_EQ_INT(bytes[0], 0xFF);
  CHECK(gf_ipc_deserialize_schema(bytes, len, &d, &err) == GF_OK);
  CHECK(gf_schema_equals(&s, &d));
  d.release(&d);
  /* legacy form without continuation */
  CHECK(gf_ipc_deserialize_schema(bytes + 4, len - 4, &d, &err) == GF_OK);
  CHECK(gf_schema_equals(&s, &d));
  d.release(&d);
  free(bytes);
  s.release(&s);
}

/* The 136-byte example of the spec (flatbuffers-verified). */
static const uint8_t golden136[136] = {
    0x10, 0, 0, 0, 0x0c, 0, 0x17, 0, 0x14, 0, 0x16, 0, 0x10, 0, 0x08, 0,
    0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x10, 0, 0, 0, 0x04, 0, 0x01, 0, 0x08, 0, 0x08, 0, 0, 0, 0x04, 0,
    0x08, 0, 0, 0, 0x04, 0, 0, 0, 0x01, 0, 0, 0, 0x14, 0, 0, 0,
    0x10, 0, 0x12, 0, 0x04, 0, 0x10, 0, 0x11, 0, 0x08, 0, 0, 0, 0x0c, 0,
    0x10, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0, 0, 0x28, 0, 0, 0, 0x01, 0x02, 0, 0,
    0x01, 0, 0, 0, 0x61, 0, 0x08, 0, 0x09, 0, 0x04, 0, 0x08, 0, 0, 0, 0, 0, 0, 0,
    0x0e, 0, 0, 0, 0x20, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0};

TEST(golden_schema_example) {
  gf_error err;
  gf_ipc_decoder* dec;
  gf_ipc_message_type t;
  CHECK(gf_ipc_decoder_create(NULL, &dec, &err) == GF_OK);
  int rc = gf_ipc_decoder_decode(dec, golden136, sizeof(golden136), NULL, &t, NULL, &err);
  CHECK_MSG(rc == GF_OK, "%s", err.message);
  CHECK_EQ_INT(t, GF_IPC_MESSAGE_SCHEMA);
  const struct ArrowSchema* s = gf_ipc_decoder_schema_ref(dec);
  CHECK_EQ_INT(s->n_children, 1);
  CHECK_EQ_STR(s->children[0]->name, "a");
  CHECK_EQ_STR(s->children[0]->format, "i");
  CHECK_EQ_INT(s->children[0]->flags, ARROW_FLAG_NULLABLE);
  /* our encoder produces byte-identical output */
  gf_ipc_payload* p;
  CHECK(gf_ipc_encode_schema(s, &p, &err) == GF_OK);
  CHECK_EQ_INT(p->metadata_len, 136);
  CHECK(memcmp(p->metadata, golden136, 136) == 0);
  gf_ipc_payload_unref(p);
  /* misaligned copy decodes too */
  uint8_t buf[137];
  memcpy(buf + 1, golden136, 136);
  gf_ipc_decoder_free(dec);
  CHECK(gf_ipc_decoder_create(NULL, &dec, &err) == GF_OK);
  CHECK(gf_ipc_decoder_decode(dec, buf + 1, 136, NULL, &t, NULL, &err) == GF_OK);
  gf_ipc_decoder_free(dec);
}

/* ---- dictionaries across batches --------------------------------------------- */

static int dict_batch(const struct ArrowSchema* s, const char* const* vals, int nv, int64_t rows,
                      struct ArrowArray* out) {
  gf_builder* b;
  gf_error err;
  if (gf_builder_create(s, &b, &err)) return 1;
  gf_builder* col = gf_builder_child(b, 0);
  for (int k = 0; k < nv; k++) gf_builder_append_string(gf_builder_dictionary(col), vals[k]);
  for (int64_t i = 0; i < rows; i++) {
    gf_builder_append_int(col, i % nv);
    gf_builder_append_struct_end(b);
  }
  int rc = gf_builder_finish(b, out, &err);
  gf_builder_free(b);
  return rc;
}

static int count_dict_payloads(gf_ipc_payload** ps, size_t n, int* delta) {
  int c = 0;
  *delta = 0;
  for (size_t i = 0; i < n; i++)
    if (ps[i]->type == GF_IPC_MESSAGE_DICTIONARY_BATCH) {
      c++;
      /* isDelta is the last byte-ish field; detect via decode later */
    }
  return c;
}

TEST(dictionary_delta_and_replacement) {
  struct ArrowSchema s;
  gf_error err;
  mk_schema(&s, "dictionary");
  gf_ipc_write_options o = {sizeof(o), GF_IPC_COMPRESSION_NONE, 0, 1};
  gf_ipc_encoder* enc;
  gf_ipc_decoder* dec;
  CHECK(gf_ipc_encoder_create(&s, &o, &enc, &err) == GF_OK);
  CHECK(gf_ipc_decoder_create(NULL, &dec, &err) == GF_OK);
  gf_ipc_payload* sp;
  gf_ipc_message_type t;
  CHECK(gf_ipc_encode_schema(&s, &sp, &err) == GF_OK);
  CHECK(gf_ipc_decoder_decode(dec, sp->metadata, sp->metadata_len, NULL, &t, NULL, &err) == 0);
  gf_ipc_payload_unref(sp);
  const char* v1[] = {"a", "b"};
  const char* v2[] = {"a", "b", "c"};       /* extends: delta */
  const char* v3[] = {"x", "y", "z"};       /* differs: replacement */
  const char* v4[] = {"x", "y", "z"};       /* same content: nothing */
  const char* const* vs[] = {v1, v2, v3, v4};
  int nvs[] = {2, 3, 3, 3};
  int want_dicts[] = {1, 1, 1, 0};
  const char* want_rows[] = {"{\"dictionary\":\"a\"}\n{\"dictionary\":\"b\"}\n",
                             "{\"dictionary\":\"a\"}\n{\"dictionary\":\"b\"}\n{\"dictionary\":\"c\"}\n",
                             "{\"dictionary\":\"x\"}\n{\"dictionary\":\"y\"}\n{\"dictionary\":\"z\"}\n",
                             "{\"dictionary\":\"x\"}\n{\"dictionary\":\"y\"}\n{\"dictionary\":\"z\"}\n"};
  for (int step = 0; step < 4; step++) {
    struct ArrowArray b;
    CHECK(dict_batch(&s, vs[step], nvs[step], nvs[step], &b) == 0);
    gf_ipc_payload** ps;
    size_t n;
    CHECK(gf_ipc_encoder_encode_batch(enc, &b, &ps, &n, &err) == GF_OK);
    int delta;
    CHECK_EQ_INT(count_dict_payloads(ps, n, &delta), want_dicts[step]);
    sbuf got = {0};
    for (size_t i = 0; i < n; i++) {
      gf_ipc_body* body = body_of(ps[i], 0);
      struct ArrowArray a;
      int rc = gf_ipc_decoder_decode(dec, ps[i]->metadata, ps[i]->metadata_len, body, &t, &a, &err);
      gf_ipc_body_unref(body);
      CHECK_MSG(rc == GF_OK, "%s", err.message);
      if (t == GF_IPC_MESSAGE_DICTIONARY_BATCH && step == 1) {
        /* delta: only the new value travels */
        CHECK(ps[i]->body_len < 40);
      }
      if (t == GF_IPC_MESSAGE_RECORD_BATCH) {
        render_batch(&got, &a, &s);
        a.release(&a);
      }
      gf_ipc_payload_unref(ps[i]);
    }
    free(ps);
    CHECK_EQ_STR(got.p, want_rows[step]);
    free(got.p);
  }
  gf_ipc_encoder_free(enc);
  gf_ipc_decoder_free(dec);
  s.release(&s);
}

/* ---- stream/file formats ------------------------------------------------------ */

typedef struct vec_stream {
  struct ArrowSchema schema;
  struct ArrowArray* batches;
  int n, next;
} vec_stream;

static int vs_schema(struct ArrowArrayStream* st, struct ArrowSchema* out) {
  vec_stream* v = st->private_data;
  return gf_schema_deep_copy(&v->schema, out, NULL) ? 22 : 0;
}
static int vs_next(struct ArrowArrayStream* st, struct ArrowArray* out) {
  vec_stream* v = st->private_data;
  if (v->next >= v->n) {
    memset(out, 0, sizeof(*out));
    return 0;
  }
  gf_array_move(&v->batches[v->next++], out);
  return 0;
}
static const char* vs_err(struct ArrowArrayStream* st) { (void)st; return "vec stream error"; }
static void vs_release(struct ArrowArrayStream* st) {
  vec_stream* v = st->private_data;
  for (int i = v->next; i < v->n; i++) v->batches[i].release(&v->batches[i]);
  free(v->batches);
  v->schema.release(&v->schema);
  free(v);
  st->release = NULL;
}

/* A stream of nb batches of `rows` rows of family fam; renders expected. */
static void make_stream(const char* fam, int nb, int64_t rows, struct ArrowArrayStream* st,
                        sbuf* want) {
  vec_stream* v = calloc(1, sizeof(*v));
  mk_schema(&v->schema, fam);
  v->batches = calloc((size_t)nb + 1, sizeof(struct ArrowArray));
  v->n = nb;
  for (int i = 0; i < nb; i++) {
    if (build_batch(&v->schema, rows + i, &v->batches[i])) abort();
    if (want) render_batch(want, &v->batches[i], &v->schema);
  }
  st->get_schema = vs_schema;
  st->get_next = vs_next;
  st->get_last_error = vs_err;
  st->release = vs_release;
  st->private_data = v;
}

static int drain(struct ArrowArrayStream* st, sbuf* got, gf_error* err) {
  struct ArrowSchema s;
  if (st->get_schema(st, &s)) return gf_error_set(err, GF_INVALID_ARGUMENT, "%s", st->get_last_error(st));
  for (;;) {
    struct ArrowArray a;
    if (st->get_next(st, &a)) {
      gf_error_set(err, GF_INVALID_ARGUMENT, "%s", st->get_last_error(st));
      s.release(&s);
      return GF_INVALID_ARGUMENT;
    }
    if (a.release == NULL) break;
    render_batch(got, &a, &s);
    a.release(&a);
  }
  s.release(&s);
  return GF_OK;
}

TEST(stream_and_file_roundtrip_all_families) {
  int failures = 0;
  for (size_t f = 0; f < N_FAMILIES; f++) {
    for (int file = 0; file < 2; file++) {
      struct ArrowArrayStream st, rd;
      sbuf want = {0}, got = {0};
      gf_error err;
      make_stream(ALL_FAMILIES[f], 3, 5, &st, &want);
      uint8_t* buf;
      size_t len;
      int rc = file ? gf_ipc_write_file_to_buffer(&st, NULL, &buf, &len, &err)
                    : gf_ipc_write_stream_to_buffer(&st, NULL, &buf, &len, &err);
      st.release(&st);
      if (rc == GF_OK) {
        rc = file ? gf_ipc_read_file_buffer(buf, len, NULL, &rd, &err)
                  : gf_ipc_read_stream_buffer(buf, len, NULL, &rd, &err);
        free(buf);
        if (rc == GF_OK) {
          rc = drain(&rd, &got, &err);
          rd.release(&rd);
        }
      }
      if (rc || !sb_eq(&got, &want)) {
        fprintf(stderr, "  %s (%s): %s\n", ALL_FAMILIES[f], file ? "file" : "stream",
                rc ? err.message : "values differ");
        failures++;
      }
      free(want.p);
      free(got.p);
    }
  }
  CHECK_EQ_INT(failures, 0);
}

TEST(stream_file_io_and_legacy) {
  struct ArrowArrayStream st, rd;
  sbuf want = {0}, got = {0};
  gf_error err;
  make_stream("utf8", 2, 4, &st, &want);
  FILE* f = tmpfile();
  CHECK(f != NULL);
  CHECK(gf_ipc_write_stream(f, &st, NULL, &err) == GF_OK);
  st.release(&st);
  rewind(f);
  CHECK(gf_ipc_read_stream_file(f, NULL, &rd, &err) == GF_OK);
  CHECK(drain(&rd, &got, &err) == GF_OK);
  rd.release(&rd);
  fclose(f);
  CHECK_EQ_STR(got.p, want.p);
  free(got.p);
  /* legacy framing: strip continuation markers */
  make_stream("utf8", 2, 4, &st, NULL);
  uint8_t* buf;
  size_t len;
  CHECK(gf_ipc_write_stream_to_buffer(&st, NULL, &buf, &len, &err) == GF_OK);
  st.release(&st);
  uint8_t* leg = malloc(len);
  size_t lp = 0, pos = 0;
  while (pos + 8 <= len) {
    uint32_t ml;
    memcpy(&ml, buf + pos + 4, 4);
    int64_t bl = 0;
    gf_ipc_message_type t;
    if (ml) CHECK(gf_ipc_message_peek(buf + pos + 8, ml, &t, &bl, &err) == GF_OK);
    memcpy(leg + lp, buf + pos + 4, 4 + ml + (size_t)bl);
    lp += 4 + ml + (size_t)bl;
    pos += 8 + ml + (size_t)bl;
    if (ml == 0) break;
  }
  free(buf);
  got = (sbuf){0};
  CHECK(gf_ipc_read_stream_buffer(leg, lp, NULL, &rd, &err) == GF_OK);
  free(leg);
  CHECK(drain(&rd, &got, &err) == GF_OK);
  rd.release(&rd);
  CHECK_EQ_STR(got.p, want.p);
  free(got.p);
  free(want.p);
}

/* ---- interop CLI -------------------------------------------------------------- */

static int write_all(const char* dir) {
  mkdir(dir, 0755);
  for (size_t f = 0; f < N_FAMILIES; f++) {
    for (int file = 0; file < 2; file++) {
      char path[1024];
      snprintf(path, sizeof(path), "%s/%s.%s", dir, ALL_FAMILIES[f], file ? "arrow" : "arrows");
      FILE* out = fopen(path, "wb");
      if (out == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
      }
      struct ArrowArrayStream st;
      gf_error err;
      make_stream(ALL_FAMILIES[f], 2, 7, &st, NULL);
      int rc = file ? gf_ipc_write_file(out, &st, NULL, &err) : gf_ipc_write_stream(out, &st, NULL, &err);
      st.release(&st);
      fclose(out);
      if (rc) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        return 1;
      }
    }
  }
  return 0;
}

/* Seed corpora for fuzz/fuzz_ipc_{message,stream,file}. */
static int write_corpus(const char* root) {
  static const char* fams[] = {"int32", "utf8", "list", "struct", "dense_union", "ree",
                               "utf8_view", "dictionary", "map", "decimal128"};
  char path[1024];
  for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
    for (int file = 0; file < 2; file++) {
      struct ArrowArrayStream st;
      gf_error err;
      uint8_t* buf;
      size_t len;
      make_stream(fams[f], 1, 4, &st, NULL);
      int rc = file ? gf_ipc_write_file_to_buffer(&st, NULL, &buf, &len, &err)
                    : gf_ipc_write_stream_to_buffer(&st, NULL, &buf, &len, &err);
      st.release(&st);
      if (rc) return 1;
      snprintf(path, sizeof(path), "%s/ipc_%s/%s", root, file ? "file" : "stream", fams[f]);
      FILE* out = fopen(path, "wb");
      if (out == NULL) return 1;
      fwrite(buf, 1, len, out);
      fclose(out);
      if (!file) { /* message framing: [u32 md][md][u32 body][body] */
        snprintf(path, sizeof(path), "%s/ipc_message/%s", root, fams[f]);
        out = fopen(path, "wb");
        if (out == NULL) return 1;
        size_t pos = 0;
        while (pos + 8 <= len) {
          uint32_t ml;
          memcpy(&ml, buf + pos + 4, 4);
          if (ml == 0) break;
          gf_ipc_message_type t;
          int64_t bl = 0;
          gf_ipc_message_peek(buf + pos + 8, ml, &t, &bl, &err);
          uint32_t bl32 = (uint32_t)bl;
          fwrite(&ml, 4, 1, out);
          fwrite(buf + pos + 8, 1, ml, out);
          fwrite(&bl32, 4, 1, out);
          fwrite(buf + pos + 8 + ml, 1, (size_t)bl, out);
          pos += 8 + ml + (size_t)bl;
        }
        fclose(out);
      }
      free(buf);
    }
  }
  return 0;
}

static int read_one(const char* path) {
  struct ArrowArrayStream st;
  gf_error err;
  sbuf out = {0};
  if (gf_ipc_read_path(path, NULL, &st, &err) || drain(&st, &out, &err)) {
    fprintf(stderr, "%s\n", err.message);
    if (st.release) st.release(&st);
    return 1;
  }
  st.release(&st);
  if (out.p) fputs(out.p, stdout);
  free(out.p);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "write-all") == 0) return write_all(argv[2]);
  if (argc == 3 && strcmp(argv[1], "read") == 0) return read_one(argv[2]);
  if (argc == 3 && strcmp(argv[1], "write-corpus") == 0) return write_corpus(argv[2]);
  RUN(golden_schema_example);
  RUN(schema_metadata_and_flags_roundtrip);
  RUN(every_family_roundtrips);
  RUN(every_family_zero_rows);
  RUN(every_family_misaligned_body);
  RUN(every_family_compressed);
  RUN(every_family_sliced);
  RUN(dictionary_delta_and_replacement);
  RUN(stream_and_file_roundtrip_all_families);
  RUN(stream_file_io_and_legacy);
  TEST_MAIN_END();
}
