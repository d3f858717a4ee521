/* Hardening tests of the IPC codec and the array helpers under it:
 * gf__array_concat / gf__array_range_equal for every type family (sliced
 * inputs, nested, dictionaries), delta dictionaries of nested value types
 * and nested dictionaries through the encoder and decoder, an all-null
 * dictionary column arriving before its dictionary, big-endian bodies
 * (built here by a test-side writer that byte-swaps what the encoder
 * produced) and the encoder's "dictionary changed" check ignoring bytes
 * under null slots. Single-threaded. */
#include <stdint.h>

#include "arrow/concat.h"
#include "ipc/ipc_internal.h"
#include "ipc/ipc_test_util.h"
#include "test.h"

/* ---- helpers ----------------------------------------------------------------- */

static void render_range(sbuf* b, const struct ArrowArray* a, const struct ArrowSchema* s,
                         int64_t off, int64_t len) {
  for (int64_t i = 0; i < len; i++) {
    render(b, a, s, off + i);
    sb_put(b, "\n", 1);
  }
}

/* Dictionary message info read back from the metadata: id and isDelta. */
static int dict_info(const gf_ipc_payload* p, int64_t* id, int* delta) {
  gf__fbr r;
  gf__fbt msg, hdr;
  uint8_t ht, d;
  int64_t bl;
  int v;
  if (gf__message_open(&r, p->metadata, p->metadata_len, &msg, &ht, &hdr, &bl, &v, NULL)) return -1;
  if (ht != GF__HDR_DICT) return -1;
  if (gf__fbt_i64(&hdr, 0, 0, id, "id", NULL) || gf__fbt_u8(&hdr, 2, 0, &d, "isDelta", NULL))
    return -1;
  *delta = d;
  return 0;
}

static gf_ipc_body* body_copy(const gf_ipc_payload* p) {
  uint8_t* d;
  gf_ipc_body* b = gf_ipc_body_alloc((size_t)p->body_len + 8, &d);
  gf_ipc_payload_copy_body(p, d);
  return b;
}

/* Fills the dictionary builders under b with n values each (recursively). */
static int fill_dicts_n(gf_builder* b, int64_t n) {
  if (b == NULL) return 0;
  gf_builder* d = gf_builder_dictionary(b);
  int rc = 0;
  if (d) {
    rc = fill_dicts_n(d, n < 4 ? 4 : n); /* fill() uses indices up to 3 in nested dictionaries */
    for (int64_t k = 0; k < n && rc == 0; k++) rc = fill(d, k + 1, 0);
    return rc;
  }
  const struct ArrowSchema* s = gf_builder_schema(b);
  for (int64_t k = 0; k < s->n_children && rc == 0; k++) rc = fill_dicts_n(gf_builder_child(b, k), n);
  return rc;
}

/* One-column batch: a dictionary column (int32 indices) over values of
 * family fam, with ndict dictionary values (prefix-stable across calls). */
static int build_dict_batch(const struct ArrowSchema* s, int64_t ndict, int64_t rows,
                            struct ArrowArray* out) {
  gf_builder* b;
  if (gf_builder_create(s, &b, NULL)) return 1;
  gf_builder* col = gf_builder_child(b, 0);
  int rc = fill_dicts_n(col, ndict);
  for (int64_t i = 0; i < rows && rc == 0; i++) {
    rc = i % 4 == 3 ? gf_builder_append_null(col, 1) : gf_builder_append_int(col, (i * 3) % ndict);
    if (rc == 0) rc = gf_builder_append_struct_end(b);
  }
  if (rc) fprintf(stderr, "build_dict_batch: %s\n", gf_builder_last_error(b));
  if (rc == 0 && gf_builder_finish(b, out, NULL)) rc = 1;
  gf_builder_free(b);
  return rc;
}

static void mk_dict_schema(struct ArrowSchema* s, const char* value_family) {
  if (strcmp(value_family, "nested_dictionary") == 0) {
    mk_schema(s, value_family); /* dictionary<int8, list<dictionary<int16, utf8>>> */
    return;
  }
  struct ArrowSchema** ch = mk(s, "+s", "", 1, 0);
  mk(ch[0], "i", "d", 0, ARROW_FLAG_NULLABLE);
  if (gf_schema_allocate_dictionary(ch[0], NULL)) abort();
  if (!mk_col(ch[0]->dictionary, value_family)) abort();
}

/* ---- concatenation and equality ------------------------------------------------ */

static int check_concat(const char* fam) {
  struct ArrowSchema s;
  struct ArrowArray b1, b2;
  gf_error err;
  mk_schema(&s, fam);
  if (build_batch(&s, 13, &b1) || build_batch(&s, 9, &b2)) {
    fprintf(stderr, "  %s: build failed\n", fam);
    return 1;
  }
  const struct ArrowSchema* cs = s.children[0];
  struct ArrowArray slice = *b2.children[0];
  slice.offset += 2;
  slice.length = 5;
  slice.null_count = -1;
  slice.release = NULL;
  const struct ArrowArray* parts[3] = {b1.children[0], &slice, b1.children[0]};
  struct ArrowArray out;
  int bad = 0;
  int rc = gf__array_concat(parts, 3, cs, &out, &err);
  if (rc) {
    fprintf(stderr, "  %s: concat: %s\n", fam, err.message);
    bad = 1;
  } else {
    if (out.length != 31) bad = 1;
    if (gf_array_validate(&out, cs, GF_VALIDATE_FULL | GF_VALIDATE_UTF8, &err)) {
      fprintf(stderr, "  %s: invalid result: %s\n", fam, err.message);
      bad = 1;
    }
    sbuf want = {0}, got = {0};
    render_range(&want, b1.children[0], cs, 0, 13);
    render_range(&want, &slice, cs, 0, 5);
    render_range(&want, b1.children[0], cs, 0, 13);
    render_range(&got, &out, cs, 0, 31);
    if (!bad && !sb_eq(&want, &got)) {
      fprintf(stderr, "  %s: values differ\nwant:\n%s\ngot:\n%s\n", fam, want.p, got.p);
      bad = 1;
    }
    if (!bad && (!gf__array_range_equal(&out, 0, b1.children[0], 0, 13, cs) ||
                 !gf__array_range_equal(&out, 13, &slice, 0, 5, cs) ||
                 !gf__array_range_equal(&out, 18, b1.children[0], 0, 13, cs))) {
      fprintf(stderr, "  %s: range_equal says the parts differ\n", fam);
      bad = 1;
    }
    free(want.p);
    free(got.p);
    out.release(&out);
  }
  b1.release(&b1);
  b2.release(&b2);
  s.release(&s);
  return bad;
}

TEST(concat_every_family_with_slices) {
  int bad = 0;
  for (size_t i = 0; i < N_FAMILIES; i++) bad += check_concat(ALL_FAMILIES[i]);
  CHECK_EQ_INT(bad, 0);
}

TEST(range_equal_detects_differences_and_ignores_null_slots) {
  const char* fams[] = {"int32", "utf8", "list", "struct", "dense_union", "ree", "utf8_view",
                        "dictionary"};
  for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
    struct ArrowSchema s;
    struct ArrowArray b;
    mk_schema(&s, fams[f]);
    CHECK(build_batch(&s, 12, &b) == 0);
    const struct ArrowArray* c = b.children[0];
    CHECK(gf__array_range_equal(c, 0, c, 0, 12, s.children[0]));
    CHECK(gf__array_range_equal(c, 1, c, 1, 5, s.children[0]));
    /* rows 1.. vs rows 2..: values differ for every family here */
    CHECK(!gf__array_range_equal(c, 1, c, 2, 5, s.children[0]));
    b.release(&b);
    s.release(&s);
  }
  /* int32 with a null at row 3: bytes under the null slot do not matter */
  struct ArrowSchema s;
  struct ArrowArray b;
  mk_schema(&s, "int32");
  CHECK(build_batch(&s, 8, &b) == 0);
  const struct ArrowArray* c = b.children[0];
  CHECK(c->null_count == 1);
  int32_t vals[8];
  memcpy(vals, c->buffers[1], sizeof(vals));
  vals[3] = 0x7eadbeef;
  const void* bufs[2] = {c->buffers[0], vals};
  struct ArrowArray v = *c;
  v.buffers = bufs;
  CHECK(gf__array_range_equal(c, 0, &v, 0, 8, s.children[0]));
  vals[2]++;
  CHECK(!gf__array_range_equal(c, 0, &v, 0, 8, s.children[0]));
  b.release(&b);
  s.release(&s);
}

TEST(concat_dictionaries_that_are_not_prefixes_shifts_indices) {
  /* dictionary<int8, utf8>: ["a","b"] idx [1,0] + ["c"] idx [0] */
  struct ArrowSchema s;
  struct ArrowArray x, y, out;
  gf_error err;
  mk(&s, "c", "d", 0, ARROW_FLAG_NULLABLE);
  CHECK(gf_schema_allocate_dictionary(&s, NULL) == GF_OK);
  mk(s.dictionary, "u", "", 0, 0);
  gf_builder* b;
  CHECK(gf_builder_create(&s, &b, &err) == GF_OK);
  gf_builder_append_string(gf_builder_dictionary(b), "a");
  gf_builder_append_string(gf_builder_dictionary(b), "b");
  gf_builder_append_int(b, 1);
  gf_builder_append_int(b, 0);
  CHECK(gf_builder_finish(b, &x, &err) == GF_OK);
  gf_builder_reset(b);
  gf_builder_append_string(gf_builder_dictionary(b), "c");
  gf_builder_append_int(b, 0);
  CHECK(gf_builder_finish(b, &y, &err) == GF_OK);
  gf_builder_free(b);
  const struct ArrowArray* parts[2] = {&x, &y};
  CHECK(gf__array_concat(parts, 2, &s, &out, &err) == GF_OK);
  CHECK(gf_array_validate(&out, &s, GF_VALIDATE_FULL, &err) == GF_OK);
  sbuf got = {0};
  render_range(&got, &out, &s, 0, out.length);
  CHECK_EQ_STR(got.p, "\"b\"\n\"a\"\n\"c\"\n");
  CHECK_EQ_INT(out.dictionary->length, 3);
  free(got.p);
  out.release(&out);
  x.release(&x);
  y.release(&y);
  s.release(&s);
}

/* ---- delta dictionaries through the codec ---------------------------------------- */

/* Encodes batches with ndict[i] dictionary values each (deltas on), decodes
 * them and compares the values; *n_delta counts delta messages. */
static int delta_stream(const struct ArrowSchema* s, const int64_t* ndict, int n, int* n_delta,
                        gf_error* err) {
  gf_ipc_write_options wo = {sizeof(wo), GF_IPC_COMPRESSION_NONE, 0, 1};
  gf_ipc_encoder* enc;
  gf_ipc_decoder* dec;
  gf_ipc_payload* sp;
  gf_ipc_message_type t;
  int bad = 0, n_kept = 0;
  struct ArrowArray kept[8];
  sbuf wants[8] = {{0}};
  if (n > 8) return 1;
  *n_delta = 0;
  if (gf_ipc_encode_schema(s, &sp, err) || gf_ipc_encoder_create(s, &wo, &enc, err)) return 1;
  if (gf_ipc_decoder_create(NULL, &dec, err)) return 1;
  if (gf_ipc_decoder_decode(dec, sp->metadata, sp->metadata_len, NULL, &t, NULL, err)) bad = 1;
  gf_ipc_payload_unref(sp);
  for (int k = 0; k < n && !bad; k++) {
    struct ArrowArray batch;
    if (build_dict_batch(s, ndict[k], 10 + k, &batch)) {
      fprintf(stderr, "  batch %d: build failed\n", k);
      bad = 1;
      break;
    }
    sbuf want = {0}, got = {0};
    render_batch(&want, &batch, s);
    gf_ipc_payload** ps;
    size_t np;
    if (gf_ipc_encoder_encode_batch(enc, &batch, &ps, &np, err)) {
      bad = 1;
      break;
    }
    for (size_t i = 0; i < np; i++) {
      int64_t id;
      int delta;
      if (dict_info(ps[i], &id, &delta) == 0 && delta) (*n_delta)++;
      gf_ipc_body* body = body_copy(ps[i]);
      struct ArrowArray out;
      if (!bad && gf_ipc_decoder_decode(dec, ps[i]->metadata, ps[i]->metadata_len, body, &t, &out, err))
        bad = 1;
      else if (!bad && t == GF_IPC_MESSAGE_RECORD_BATCH) {
        render_batch(&got, &out, s);
        kept[n_kept++] = out; /* kept alive across later deltas */
      }
      gf_ipc_body_unref(body);
      gf_ipc_payload_unref(ps[i]);
    }
    free(ps);
    if (!bad && !sb_eq(&want, &got)) {
      fprintf(stderr, "  batch %d differs\nwant:\n%s\ngot:\n%s\n", k, want.p, got.p);
      bad = 1;
    }
    wants[k] = want;
    free(got.p);
  }
  /* batches decoded before the deltas still show their values */
  for (int k = 0; k < n_kept && !bad; k++) {
    sbuf again = {0};
    render_batch(&again, &kept[k], s);
    if (!sb_eq(&again, &wants[k])) {
      fprintf(stderr, "  batch %d changed after later dictionary messages\n", k);
      bad = 1;
    }
    free(again.p);
  }
  for (int k = 0; k < n_kept; k++) kept[k].release(&kept[k]);
  for (int k = 0; k < n; k++) free(wants[k].p);
  gf_ipc_encoder_free(enc);
  gf_ipc_decoder_free(dec);
  return bad;
}

TEST(delta_dictionaries_of_nested_value_types) {
  const char* fams[] = {"bool", "int64", "utf8", "utf8_view", "decimal128", "list", "large_list",
                        "list_view", "fixed_size_list", "struct", "map", "sparse_union",
                        "dense_union", "ree", "interval_mdn", "nested_dictionary"};
  const int64_t ndict[] = {2, 4, 4, 7};
  for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
    struct ArrowSchema s;
    gf_error err = {0};
    mk_dict_schema(&s, fams[f]);
    int n_delta = 0;
    int bad = delta_stream(&s, ndict, 4, &n_delta, &err);
    if (bad) fprintf(stderr, "  %s: %s\n", fams[f], err.message);
    CHECK_EQ_INT(bad, 0);
    /* 2 -> 4 and 4 -> 7 extend the dictionary: two deltas (bool's two
     * possible values repeat, so its dictionaries are not prefixes; nested
     * dictionaries add the inner deltas) */
    if (strcmp(fams[f], "bool") != 0 && strcmp(fams[f], "nested_dictionary") != 0)
      CHECK_EQ_INT(n_delta, 2);
    if (strcmp(fams[f], "nested_dictionary") == 0) CHECK_EQ_INT(n_delta, 3);
    s.release(&s);
  }
}

TEST(encoder_ignores_bytes_under_null_dictionary_slots) {
  struct ArrowSchema s;
  mk_dict_schema(&s, "int32");
  gf_ipc_write_options wo = {sizeof(wo), GF_IPC_COMPRESSION_NONE, 0, 1};
  gf_ipc_encoder* enc;
  gf_error err;
  CHECK(gf_ipc_encoder_create(&s, &wo, &enc, &err) == GF_OK);
  int dicts[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    /* dictionary [10, null, 30] whose null slot holds different garbage */
    gf_builder* b;
    CHECK(gf_builder_create(&s, &b, &err) == GF_OK);
    gf_builder* d = gf_builder_dictionary(gf_builder_child(b, 0));
    gf_builder_append_int(d, 10);
    gf_builder_append_null(d, 1);
    gf_builder_append_int(d, 30);
    gf_builder_append_int(gf_builder_child(b, 0), 2);
    gf_builder_append_struct_end(b);
    struct ArrowArray batch;
    CHECK(gf_builder_finish(b, &batch, &err) == GF_OK);
    gf_builder_free(b);
    int32_t* vals = (int32_t*)(uintptr_t)batch.children[0]->dictionary->buffers[1];
    vals[1] = k ? 12345 : -1;
    gf_ipc_payload** ps;
    size_t np;
    CHECK(gf_ipc_encoder_encode_batch(enc, &batch, &ps, &np, &err) == GF_OK);
    for (size_t i = 0; i < np; i++) {
      if (ps[i]->type == GF_IPC_MESSAGE_DICTIONARY_BATCH) dicts[k]++;
      gf_ipc_payload_unref(ps[i]);
    }
    free(ps);
  }
  CHECK_EQ_INT(dicts[0], 1);
  CHECK_EQ_INT(dicts[1], 0); /* same dictionary: not re-sent */
  gf_ipc_encoder_free(enc);
  s.release(&s);
}

/* ---- a dictionary column before its dictionary --------------------------------------- */

TEST(all_null_dictionary_column_before_its_dictionary) {
  const char* fams[] = {"utf8", "struct", "nested_dictionary"};
  for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
    struct ArrowSchema s;
    mk_dict_schema(&s, fams[f]);
    gf_error err;
    gf_ipc_payload* sp;
    gf_ipc_decoder* dec;
    gf_ipc_encoder* enc;
    gf_ipc_message_type t;
    CHECK(gf_ipc_encode_schema(&s, &sp, &err) == GF_OK);
    CHECK(gf_ipc_decoder_create(NULL, &dec, &err) == GF_OK);
    CHECK(gf_ipc_decoder_decode(dec, sp->metadata, sp->metadata_len, NULL, &t, NULL, &err) == GF_OK);
    gf_ipc_payload_unref(sp);
    CHECK(gf_ipc_encoder_create(&s, NULL, &enc, &err) == GF_OK);
    for (int all_null = 1; all_null >= 0; all_null--) {
      gf_builder* b;
      CHECK(gf_builder_create(&s, &b, &err) == GF_OK);
      gf_builder* col = gf_builder_child(b, 0);
      CHECK(fill_dicts_n(col, 2) == 0);
      for (int i = 0; i < 3; i++) {
        if (all_null) gf_builder_append_null(col, 1);
        else gf_builder_append_int(col, i % 2);
        gf_builder_append_struct_end(b);
      }
      struct ArrowArray batch;
      CHECK(gf_builder_finish(b, &batch, &err) == GF_OK);
      gf_builder_free(b);
      gf_ipc_payload** ps;
      size_t np;
      CHECK(gf_ipc_encoder_encode_batch(enc, &batch, &ps, &np, &err) == GF_OK);
      /* deliver only the record batch (last payload), never the dictionaries */
      gf_ipc_body* body = body_copy(ps[np - 1]);
      struct ArrowArray out;
      int rc = gf_ipc_decoder_decode(dec, ps[np - 1]->metadata, ps[np - 1]->metadata_len, body, &t,
                                     &out, &err);
      if (all_null) {
        CHECK_EQ_INT(rc, GF_OK);
        if (rc == GF_OK) {
          CHECK_EQ_INT(out.length, 3);
          CHECK_EQ_INT(out.children[0]->null_count, 3);
          CHECK_EQ_INT(out.children[0]->dictionary->length, 0);
          CHECK(gf_array_validate(&out, &s, GF_VALIDATE_FULL, &err) == GF_OK);
          out.release(&out);
        }
      } else {
        CHECK_EQ_INT(rc, GF_INVALID_ARGUMENT);
        CHECK(strstr(err.message, "before any DictionaryBatch") != NULL);
      }
      gf_ipc_body_unref(body);
      for (size_t i = 0; i < np; i++) gf_ipc_payload_unref(ps[i]);
      free(ps);
    }
    gf_ipc_encoder_free(enc);
    gf_ipc_decoder_free(dec);
    s.release(&s);
  }
}

/* ---- big-endian bodies (test-side writer) ----------------------------------------------- */

typedef struct swalk {
  uint8_t* body;
  const gf_ipc_payload* p;
  size_t bi;
  int64_t pos;
} swalk;

static void rev_bytes(uint8_t* p, int w) {
  for (int i = 0, j = w - 1; i < j; i++, j--) {
    uint8_t t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
}

/* Swaps the next body buffer: elements of width w (w <= 1: untouched);
 * kind 'd' day-time, 'm' month-day-nano, 'v' views. */
static void sw_next(swalk* w, int width, char kind) {
  const gf_ipc_body_buffer* b = &w->p->buffers[w->bi++];
  uint8_t* d = w->body + w->pos;
  w->pos += (b->len + 7) / 8 * 8;
  for (int64_t i = 0; kind == 'v' && i + 16 <= b->len; i += 16) {
    int32_t l;
    memcpy(&l, d + i, 4);
    rev_bytes(d + i, 4);
    if (l > 12) {
      rev_bytes(d + i + 8, 4);
      rev_bytes(d + i + 12, 4);
    }
  }
  for (int64_t i = 0; kind == 'd' && i + 4 <= b->len; i += 4) rev_bytes(d + i, 4);
  for (int64_t i = 0; kind == 'm' && i + 16 <= b->len; i += 16) {
    rev_bytes(d + i, 4);
    rev_bytes(d + i + 4, 4);
    rev_bytes(d + i + 8, 8);
  }
  for (int64_t i = 0; kind == 0 && width > 1 && i + width <= b->len; i += width) rev_bytes(d + i, width);
}

static void sw_field(swalk* w, const struct ArrowSchema* s, const struct ArrowArray* a) {
  gf_type t;
  if (gf_type_parse(s->format, &t, NULL)) abort();
  if (s->dictionary) {
    sw_next(w, 1, 0);
    sw_next(w, t.byte_width, 0);
    return;
  }
  switch (t.id) {
    case GF_TYPE_NA: return;
    case GF_TYPE_SPARSE_UNION:
    case GF_TYPE_DENSE_UNION:
      sw_next(w, 1, 0);
      if (t.id == GF_TYPE_DENSE_UNION) sw_next(w, 4, 0);
      break;
    case GF_TYPE_RUN_END_ENCODED: break;
    case GF_TYPE_BINARY_VIEW:
    case GF_TYPE_STRING_VIEW:
      sw_next(w, 1, 0);
      sw_next(w, 16, 'v');
      for (int64_t k = 0; k < a->n_buffers - 3; k++) sw_next(w, 1, 0);
      return;
    case GF_TYPE_BINARY:
    case GF_TYPE_STRING:
    case GF_TYPE_LARGE_BINARY:
    case GF_TYPE_LARGE_STRING:
      sw_next(w, 1, 0);
      sw_next(w, t.id == GF_TYPE_BINARY || t.id == GF_TYPE_STRING ? 4 : 8, 0);
      sw_next(w, 1, 0);
      return;
    case GF_TYPE_LIST:
    case GF_TYPE_MAP:
    case GF_TYPE_LARGE_LIST:
      sw_next(w, 1, 0);
      sw_next(w, t.id == GF_TYPE_LARGE_LIST ? 8 : 4, 0);
      break;
    case GF_TYPE_LIST_VIEW:
    case GF_TYPE_LARGE_LIST_VIEW:
      sw_next(w, 1, 0);
      sw_next(w, t.id == GF_TYPE_LIST_VIEW ? 4 : 8, 0);
      sw_next(w, t.id == GF_TYPE_LIST_VIEW ? 4 : 8, 0);
      break;
    case GF_TYPE_FIXED_SIZE_LIST:
    case GF_TYPE_STRUCT: sw_next(w, 1, 0); break;
    case GF_TYPE_BOOL:
    case GF_TYPE_FIXED_SIZE_BINARY:
      sw_next(w, 1, 0);
      sw_next(w, 1, 0);
      return;
    default:
      sw_next(w, 1, 0);
      sw_next(w, t.byte_width, t.id == GF_TYPE_INTERVAL_DAY_TIME ? 'd'
                               : t.id == GF_TYPE_INTERVAL_MONTH_DAY_NANO ? 'm' : 0);
      return;
  }
  for (int64_t k = 0; k < s->n_children; k++) sw_field(w, s->children[k], a->children[k]);
}

/* Finds the array node matching schema node `target` (for dictionary payloads). */
static const struct ArrowArray* find_node(const struct ArrowSchema* s, const struct ArrowArray* a,
                                          const struct ArrowSchema* target) {
  if (s == target) return a;
  for (int64_t k = 0; k < s->n_children; k++) {
    const struct ArrowArray* r = find_node(s->children[k], a->children[k], target);
    if (r) return r;
  }
  return s->dictionary ? find_node(s->dictionary, a->dictionary, target) : NULL;
}

static int big_endian_roundtrip(const char* fam) {
  struct ArrowSchema s;
  struct ArrowArray batch;
  gf_error err = {0};
  mk_schema(&s, fam);
  if (build_batch(&s, 11, &batch)) return 1;
  sbuf want = {0}, got = {0};
  render_batch(&want, &batch, &s);
  gf__dict_map ids = {0};
  uint8_t* md;
  size_t mdn;
  gf_ipc_decoder* dec;
  gf_ipc_encoder* enc;
  gf_ipc_message_type t;
  int bad = gf__dict_map_build(&ids, &s) != GF_OK ||
            gf__message_build_schema_endian(&s, &ids, 1, &md, &mdn, &err) != GF_OK;
  if (!bad) {
    bad = gf_ipc_decoder_create(NULL, &dec, &err) != GF_OK ||
          gf_ipc_decoder_decode(dec, md, mdn, NULL, &t, NULL, &err) != GF_OK;
    free(md);
    bad = gf_ipc_encoder_create(&s, NULL, &enc, &err) != GF_OK || bad;
  }
  struct ArrowArray keep = {0};
  gf_ipc_payload** ps = NULL;
  size_t np = 0;
  if (!bad) {
    /* the same data again (deterministic) for the walk: the encoder moves batch */
    bad = build_batch(&s, 11, &keep) != 0;
    if (!bad) bad = gf_ipc_encoder_encode_batch(enc, &batch, &ps, &np, &err) != GF_OK;
    else batch.release(&batch);
  }
  for (size_t i = 0; !bad && i < np; i++) {
    uint8_t* d;
    gf_ipc_body* body = gf_ipc_body_alloc((size_t)ps[i]->body_len + 8, &d);
    gf_ipc_payload_copy_body(ps[i], d);
    swalk w = {d, ps[i], 0, 0};
    int64_t id;
    int delta;
    if (dict_info(ps[i], &id, &delta) == 0) {
      const struct ArrowSchema* node = NULL;
      for (size_t k = 0; k < ids.n; k++)
        if (ids.e[k].id == id) node = ids.e[k].node;
      sw_field(&w, node->dictionary, find_node(&s, &keep, node)->dictionary);
    } else {
      for (int64_t c = 0; c < s.n_children; c++) sw_field(&w, s.children[c], keep.children[c]);
    }
    struct ArrowArray out;
    if (gf_ipc_decoder_decode(dec, ps[i]->metadata, ps[i]->metadata_len, body, &t, &out, &err)) {
      bad = 1;
    } else if (t == GF_IPC_MESSAGE_RECORD_BATCH) {
      render_batch(&got, &out, &s);
      out.release(&out);
    }
    gf_ipc_body_unref(body);
  }
  if (bad) fprintf(stderr, "  %s: %s\n", fam, err.message);
  if (!bad && !sb_eq(&want, &got)) {
    fprintf(stderr, "  %s: big-endian values differ\nwant:\n%s\ngot:\n%s\n", fam, want.p, got.p);
    bad = 1;
  }
  for (size_t i = 0; i < np; i++) gf_ipc_payload_unref(ps[i]);
  free(ps);
  if (keep.release) keep.release(&keep);
  gf_ipc_encoder_free(enc);
  gf_ipc_decoder_free(dec);
  gf__dict_map_free(&ids);
  free(want.p);
  free(got.p);
  s.release(&s);
  return bad;
}

TEST(big_endian_bodies_every_family) {
  int bad = 0;
  for (size_t i = 0; i < N_FAMILIES; i++) bad += big_endian_roundtrip(ALL_FAMILIES[i]);
  CHECK_EQ_INT(bad, 0);
}

TEST(big_endian_schema_is_reported) {
  /* a big-endian int32 column decodes to the same values as little-endian */
  struct ArrowSchema s;
  mk_schema(&s, "int64");
  gf__dict_map ids = {0};
  uint8_t* md;
  size_t n;
  gf_error err;
  CHECK(gf__dict_map_build(&ids, &s) == GF_OK);
  CHECK(gf__message_build_schema_endian(&s, &ids, 1, &md, &n, &err) == GF_OK);
  /* the FlightInfo schema parser accepts it too (no body involved) */
  uint8_t* framed = malloc(n + 8);
  memcpy(framed, "\xff\xff\xff\xff", 4);
  uint32_t l = (uint32_t)n;
  memcpy(framed + 4, &l, 4);
  memcpy(framed + 8, md, n);
  struct ArrowSchema back;
  CHECK(gf_ipc_deserialize_schema(framed, n + 8, &back, &err) == GF_OK);
  CHECK(gf_schema_equals(&s, &back));
  back.release(&back);
  free(framed);
  free(md);
  gf__dict_map_free(&ids);
  s.release(&s);
}

int main(void) {
  RUN(concat_every_family_with_slices);
  RUN(range_equal_detects_differences_and_ignores_null_slots);
  RUN(concat_dictionaries_that_are_not_prefixes_shifts_indices);
  RUN(delta_dictionaries_of_nested_value_types);
  RUN(encoder_ignores_bytes_under_null_dictionary_slots);
  RUN(all_null_dictionary_column_before_its_dictionary);
  RUN(big_endian_bodies_every_family);
  RUN(big_endian_schema_is_reported);
  TEST_MAIN_END();
}
