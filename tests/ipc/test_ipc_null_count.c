/* RecordBatch field nodes with null_count = -1 ("unknown", as apache-arrow JS
 * writes for Null columns): every type family decodes, the count is derived
 * from the validity bitmap (or the type), values are unchanged, and a -1 never
 * loosens the bounds checks (-2 and a short bitmap still fail). */
#include "ipc/fb.h"
#include "ipc/ipc_test_util.h"
#include "test.h"

/* Sets null_count of every field node of the RecordBatch message to `v`. */
static void patch_null_counts(uint8_t* md, size_t len, int64_t v) {
  gf__fbr r;
  gf__fbt msg, rb;
  gf__fbv nodes;
  gf__fbr_init(&r, md, len);
  if (gf__fbr_root(&r, &msg, "Message", NULL) || gf__fbt_table(&msg, 2, &rb, "header", NULL) ||
      gf__fbt_vector(&rb, 1, 16, &nodes, "nodes", NULL))
    abort();
  for (uint32_t i = 0; i < nodes.n; i++) memcpy(md + nodes.pos + 16 * (size_t)i + 8, &v, 8);
}

typedef struct enc {
  struct ArrowSchema s;
  struct ArrowArray b;
  gf_ipc_payload** ps;
  size_t n;
  sbuf want;       /* rendering of the batch as built */
  int64_t nulls;   /* null count of its column as built */
} enc;

static void encode(const char* fam, enc* e) {
  gf_error err;
  mk_schema(&e->s, fam);
  if (build_batch(&e->s, 9, &e->b)) abort();
  render_batch(&e->want, &e->b, &e->s);
  e->nulls = gf_array_null_count(e->b.children[0], e->s.children[0]);
  gf_ipc_encoder* en;
  gf_ipc_payload** ps;
  size_t n;
  if (gf_ipc_encoder_create(&e->s, NULL, &en, &err)) abort();
  if (gf_ipc_encoder_encode_batch(en, &e->b, &ps, &n, &err)) abort();
  gf_ipc_encoder_free(en);
  e->ps = calloc(n + 1, sizeof(*e->ps));
  if (gf_ipc_encode_schema(&e->s, &e->ps[0], &err)) abort();
  memcpy(e->ps + 1, ps, n * sizeof(*ps));
  e->n = n + 1;
  free(ps);
}

static void enc_free(enc* e) {
  for (size_t i = 0; i < e->n; i++) gf_ipc_payload_unref(e->ps[i]);
  free(e->ps);
  free(e->want.p);
  e->s.release(&e->s);
}

#define KEEP INT64_MAX /* leave the encoder's null counts */

/* Decodes all messages, the last (the record batch) with null counts set to v
 * and its body shortened by cut_body bytes. */
static int decode_patched(const enc* e, int64_t v, size_t cut_body, struct ArrowArray* out,
                          gf_error* err) {
  gf_ipc_decoder* dec;
  if (gf_ipc_decoder_create(NULL, &dec, err)) abort();
  int rc = GF_OK;
  for (size_t i = 0; i < e->n && rc == GF_OK; i++) {
    const gf_ipc_payload* p = e->ps[i];
    uint8_t* md = malloc(p->metadata_len);
    memcpy(md, p->metadata, p->metadata_len);
    uint8_t* body = malloc((size_t)p->body_len + 1);
    gf_ipc_payload_copy_body(p, body);
    int last = i + 1 == e->n;
    if (last && v != KEEP) patch_null_counts(md, p->metadata_len, v);
    size_t bl = (size_t)p->body_len;
    if (last && cut_body && bl >= cut_body) bl -= cut_body;
    gf_ipc_body* b = gf_ipc_body_copy(body, bl);
    gf_ipc_message_type t;
    struct ArrowArray a;
    rc = gf_ipc_decoder_decode(dec, md, p->metadata_len, b, &t, &a, err);
    gf_ipc_body_unref(b);
    free(md);
    free(body);
    if (rc == GF_OK && last) *out = a;
    else if (rc == GF_OK && a.release) a.release(&a);
  }
  gf_ipc_decoder_free(dec);
  return rc;
}

TEST(unknown_null_count_accepted_for_every_type) {
  for (size_t f = 0; f < N_FAMILIES; f++) {
    enc e = {0};
    encode(ALL_FAMILIES[f], &e);
    struct ArrowArray got;
    gf_error err;
    int rc = decode_patched(&e, -1, 0, &got, &err);
    CHECK_MSG(rc == GF_OK, "%s: %s", ALL_FAMILIES[f], err.message);
    if (rc == GF_OK) {
      CHECK_MSG(gf_array_validate(&got, &e.s, GF_VALIDATE_FULL, &err) == GF_OK, "%s: %s",
                ALL_FAMILIES[f], err.message);
      const struct ArrowArray* col = got.children[0];
      CHECK_MSG(col->null_count >= 0, "%s: null_count left unknown", ALL_FAMILIES[f]);
      CHECK_MSG(col->null_count == e.nulls, "%s: derived %lld nulls, built %lld",
                ALL_FAMILIES[f], (long long)col->null_count, (long long)e.nulls);
      sbuf have = {0};
      render_batch(&have, &got, &e.s);
      CHECK_MSG(sb_eq(&e.want, &have), "%s: values differ\n%s\n%s", ALL_FAMILIES[f], e.want.p,
                have.p);
      free(have.p);
      got.release(&got);
    }
    enc_free(&e);
  }
}

TEST(null_column_count_is_its_length) {
  enc e = {0};
  encode("null", &e);
  struct ArrowArray got;
  gf_error err;
  CHECK(decode_patched(&e, -1, 0, &got, &err) == GF_OK);
  CHECK(got.children[0]->null_count == 9);
  got.release(&got);
  enc_free(&e);
}

TEST(other_negative_null_counts_rejected) {
  enc e = {0};
  encode("int32", &e);
  struct ArrowArray got;
  gf_error err;
  CHECK(decode_patched(&e, -2, 0, &got, &err) == GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "null_count -2") != NULL);
  enc_free(&e);
}

TEST(unknown_null_count_still_bounds_checks_buffers) {
  static const char* const fams[] = {"int32", "utf8", "bool", "list", "struct"};
  for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
    enc e = {0};
    encode(fams[f], &e);
    struct ArrowArray got;
    gf_error err;
    size_t body = (size_t)e.ps[e.n - 1]->body_len;
    int rejected = 0;
    for (size_t cut = 1; cut <= body; cut++) {
      int exact = decode_patched(&e, KEEP, cut, &got, &err);
      if (exact == GF_OK) got.release(&got);
      int rc = decode_patched(&e, -1, cut, &got, &err);
      if (rc == GF_OK) got.release(&got);
      else rejected++;
      CHECK_MSG(!(rc == GF_OK && exact != GF_OK), "%s: body cut by %zu accepted with -1 only",
                fams[f], cut);
    }
    CHECK_MSG(rejected > 0, "%s: no truncated body was rejected", fams[f]);
    enc_free(&e);
  }
}

int main(void) {
  RUN(unknown_null_count_accepted_for_every_type);
  RUN(null_column_count_is_its_length);
  RUN(other_negative_null_counts_rejected);
  RUN(unknown_null_count_still_bounds_checks_buffers);
  TEST_MAIN_END();
}
