/* IPC encode/decode throughput: a 4 x int64 batch and a string-heavy batch
 * (64k rows each). Encode = encoder_encode_batch + copying the body out (the
 * bytes a writer would emit); decode = decoder_decode of that body
 * (zero-copy). Each figure is printed beside a memcpy of the same number of
 * bytes measured in the same run. Single thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/ipc.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void make_schema(struct ArrowSchema* s, int strings) {
  gf_schema_init(s, "+s", "", 0, NULL);
  gf_schema_allocate_children(s, 4, NULL);
  const char* names[] = {"a", "b", "c", "d"};
  for (int i = 0; i < 4; i++)
    gf_schema_init(s->children[i], strings && i > 0 ? "u" : "l", names[i], ARROW_FLAG_NULLABLE, NULL);
}

static void make_batch(const struct ArrowSchema* s, int64_t rows, struct ArrowArray* out) {
  gf_builder* b;
  if (gf_builder_create(s, &b, NULL)) abort();
  char tmp[64];
  for (int64_t r = 0; r < rows; r++) {
    for (int c = 0; c < 4; c++) {
      gf_builder* ch = gf_builder_child(b, c);
      if (gf_builder_type(ch)->id == GF_TYPE_STRING) {
        snprintf(tmp, sizeof(tmp), "row-%lld-col-%d-some-text", (long long)r, c);
        gf_builder_append_string(ch, tmp);
      } else {
        gf_builder_append_int(ch, r * 31 + c);
      }
    }
    gf_builder_append_struct_end(b);
  }
  if (gf_builder_finish(b, out, NULL)) abort();
  gf_builder_free(b);
}

static void share_release(struct ArrowArray* a) { a->release = NULL; }

/* A non-owning view of src (release is a no-op). */
static struct ArrowArray view_of(const struct ArrowArray* src) {
  struct ArrowArray v = *src;
  v.release = share_release;
  return v;
}

static void run(const char* name, int strings) {
  const int64_t rows = 65536;
  struct ArrowSchema s;
  struct ArrowArray batch;
  make_schema(&s, strings);
  make_batch(&s, rows, &batch);
  gf_ipc_encoder* enc;
  gf_ipc_decoder* dec;
  if (gf_ipc_encoder_create(&s, NULL, &enc, NULL) || gf_ipc_decoder_create(NULL, &dec, NULL)) {
    fprintf(stderr, "ipc_bench: encoder/decoder create failed\n");
    exit(1);
  }
  gf_ipc_payload* sp;
  gf_ipc_encode_schema(&s, &sp, NULL);
  gf_ipc_message_type t;
  if (gf_ipc_decoder_decode(dec, sp->metadata, sp->metadata_len, NULL, &t, NULL, NULL)) {
    fprintf(stderr, "ipc_bench: schema decode failed\n");
    exit(1);
  }
  gf_ipc_payload_unref(sp);

  int iters = 200;
  uint8_t* dst = NULL;
  int64_t body_len = 0;
  uint8_t* md = NULL;
  size_t md_len = 0;
  double t0 = now();
  for (int i = 0; i < iters; i++) {
    struct ArrowArray v = view_of(&batch);
    gf_ipc_payload** ps;
    size_t n;
    if (gf_ipc_encoder_encode_batch(enc, &v, &ps, &n, NULL)) abort();
    gf_ipc_payload* p = ps[n - 1];
    if (dst == NULL) {
      body_len = p->body_len;
      dst = aligned_alloc(64, (size_t)(body_len + 63) / 64 * 64);
      md_len = p->metadata_len;
      md = malloc(md_len);
      memcpy(md, p->metadata, md_len);
    }
    gf_ipc_payload_copy_body(p, dst);
    for (size_t k = 0; k < n; k++) gf_ipc_payload_unref(ps[k]);
    free(ps);
  }
  double enc_s = (now() - t0) / iters;

  gf_ipc_body* body = gf_ipc_body_wrap(dst, (size_t)body_len, NULL, NULL);
  t0 = now();
  for (int i = 0; i < iters; i++) {
    struct ArrowArray out;
    if (gf_ipc_decoder_decode(dec, md, md_len, body, &t, &out, NULL)) abort();
    out.release(&out);
  }
  double dec_s = (now() - t0) / iters;

  uint8_t* copy = aligned_alloc(64, (size_t)(body_len + 63) / 64 * 64);
  t0 = now();
  for (int i = 0; i < iters; i++) {
    memcpy(copy, dst, (size_t)body_len);
    __asm__ volatile("" : : "r"(copy) : "memory");
  }
  double cpy_s = (now() - t0) / iters;
  double gb = (double)body_len / 1e9;
  printf("ipc encode %s: %.2f GB/s (memcpy %.2f GB/s, ratio %.2f)\n", name, gb / enc_s, gb / cpy_s,
         cpy_s / enc_s);
  printf("ipc decode %s: %.2f GB/s (memcpy %.2f GB/s, ratio %.2f)\n", name, gb / dec_s, gb / cpy_s,
         cpy_s / dec_s);
  gf_ipc_body_unref(body);
  free(copy);
  free(dst);
  free(md);
  gf_ipc_encoder_free(enc);
  gf_ipc_decoder_free(dec);
  batch.release(&batch);
  s.release(&s);
}

int main(void) {
  run("4xint64", 0);
  run("strings", 1);
  return 0;
}
