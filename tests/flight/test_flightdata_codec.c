/* FlightData codec, descriptor and error-mapping tests: encode real IPC
 * payloads, decode them from every possible two-way segmentation, tolerate
 * unknown/reordered fields, reject lengths beyond the message, find the body
 * offset from a message's first bytes (as the transport does to align it),
 * and check the wire status/trailers for each error class. Single thread. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flight/descriptor.h"
#include "rpc/errors.h"
#include "common/grpc_status.h"
#include "flight/flightdata.h"
#include "gooddata_flight_server/arrow.h"
#include "test.h"


static void make_batch(struct ArrowSchema* schema, struct ArrowArray* batch) {
  gf_error err;
  memset(schema, 0, sizeof(*schema));
  memset(batch, 0, sizeof(*batch));
  gf_schema_init(schema, "+s", "", 0, &err);
  gf_schema_allocate_children(schema, 1, &err);
  gf_schema_init(schema->children[0], "l", "col1", ARROW_FLAG_NULLABLE, &err);
  gf_builder* b = NULL;
  if (gf_builder_create(schema, &b, &err) != GF_OK) {
    memset(batch, 0, sizeof(*batch)); /* callers see no batch */
    return;
  }
  for (int v = 1; v <= 3; v++) {
    gf_builder_append_int(gf_builder_child(b, 0), v * 11);
    gf_builder_append_struct_end(b);
  }
  gf_builder_finish(b, batch, &err);
  gf_builder_free(b);
}

/* Encodes schema + batch messages (batch with app_metadata "md"). */
static int encode_messages(gf__obuf** schema_msg, gf__obuf** batch_msg) {
  struct ArrowSchema schema;
  struct ArrowArray batch;
  make_batch(&schema, &batch);
  gf_error err;
  gf_ipc_payload* sp = NULL;
  gf_ipc_encoder* enc = NULL;
  gf_ipc_payload** pls = NULL;
  size_t n = 0;
  int rc = gf_ipc_encode_schema(&schema, &sp, &err);
  const char* path[2] = {"a", "b"};
  gf_descriptor d = {GF_DESCRIPTOR_PATH, {NULL, 0}, 2, path};
  *schema_msg = gf__obuf_new();
  *batch_msg = gf__obuf_new();
  if (!rc) rc = gf__flight_data_encode(&d, sp, NULL, 0, *schema_msg, &err);
  if (!rc) rc = gf_ipc_encoder_create(&schema, NULL, &enc, &err);
  if (!rc) rc = gf_ipc_encoder_encode_batch(enc, &batch, &pls, &n, &err);
  if (!rc && n == 1) rc = gf__flight_data_encode(NULL, pls[0], "md", 2, *batch_msg, &err);
  for (size_t i = 0; i < n; i++) gf_ipc_payload_unref(pls[i]);
  free(pls);
  if (sp) gf_ipc_payload_unref(sp);
  gf_ipc_encoder_free(enc);
  if (batch.release) batch.release(&batch);
  schema.release(&schema);
  return rc || n != 1;
}

TEST(encode_layout) {
  gf__obuf *s = NULL, *b = NULL;
  CHECK(encode_messages(&s, &b) == 0);
  /* schema: one header segment, descriptor tag first, no data_body */
  CHECK_EQ_INT(s->n, 1);
  CHECK_EQ_INT(s->segs[0].data[0], 0x0A);
  /* batch: header segment, then body buffer(s) (zero-copy refs) */
  CHECK(b->n >= 2);
  CHECK_EQ_INT(b->segs[0].data[0], 0x12);
  CHECK(b->segs[1].release != NULL);
  CHECK(b->total % 8 != 0 || b->total > 0);
  gf__obuf_free(s);
  gf__obuf_free(b);
}

static int decode_split(gf__obuf* m, size_t cut, gf__flight_data* fd, gf_error* err) {
  uint8_t* flat = NULL;
  size_t len = 0;
  gf__obuf_flatten(m, &flat, &len);
  gf_bytes segs[2] = {{flat, cut}, {flat + cut, len - cut}};
  gf__ibuf* in = gf__ibuf_from_segments(segs, 2);
  free(flat);
  int rc = gf__flight_data_decode(in, fd, err);
  gf__ibuf_free(in);
  return rc;
}

TEST(roundtrip_every_split) {
  gf__obuf *s = NULL, *b = NULL;
  CHECK(encode_messages(&s, &b) == 0);
  for (size_t cut = 0; cut <= b->total; cut++) {
    gf__flight_data sfd, bfd;
    gf_error err;
    CHECK(decode_split(s, cut < s->total ? cut : s->total, &sfd, &err) == 0);
    CHECK_MSG(decode_split(b, cut, &bfd, &err) == 0, "cut %zu: %s", cut, err.message);
    CHECK(sfd.descriptor && sfd.descriptor->n_path == 2);
    CHECK_EQ_STR(sfd.descriptor->path[1], "b");
    CHECK(!sfd.has_body && sfd.has_header && !sfd.has_app_metadata);
    CHECK(bfd.has_body && bfd.body && bfd.has_app_metadata && bfd.app_metadata_len == 2);
    CHECK(memcmp(bfd.app_metadata, "md", 2) == 0);
    gf_ipc_decoder* dec = NULL;
    CHECK(gf_ipc_decoder_create(NULL, &dec, &err) == 0);
    gf_ipc_message_type type;
    struct ArrowArray arr = {0};
    CHECK(gf_ipc_decoder_decode(dec, sfd.header, sfd.header_len, NULL, &type, &arr, &err) == 0);
    CHECK_EQ_INT(type, GF_IPC_MESSAGE_SCHEMA);
    CHECK_MSG(gf_ipc_decoder_decode(dec, bfd.header, bfd.header_len, bfd.body, &type, &arr, &err) == 0, "%s", err.message);
    CHECK_EQ_INT(type, GF_IPC_MESSAGE_RECORD_BATCH);
    CHECK_EQ_INT(arr.length, 3);
    const int64_t* vals = arr.children[0]->buffers[1];
    CHECK_EQ_INT(vals[arr.children[0]->offset + 2], 33);
    arr.release(&arr);
    gf_ipc_decoder_free(dec);
    gf__flight_data_clear(&sfd);
    gf__flight_data_clear(&bfd);
  }
  gf__obuf_free(s);
  gf__obuf_free(b);
}

TEST(tolerant_fields) {
  /* unknown varint (field 5), fixed64 (6), fixed32 (7), bytes (8); app_metadata
   * before header; header repeated (last wins); body last. */
  const uint8_t msg[] = {0x28, 0x96, 0x01, 0x31, 1, 2, 3, 4, 5, 6, 7, 8, 0x3D, 1, 2, 3, 4,
                         0x42, 0x02, 'z', 'z', 0x1A, 0x01, 'm', 0x12, 0x01, 'X', 0x12, 0x02,
                         'h', 'h', 0xC2, 0x3E, 0x03, 'b', 'o', 'd'};
  gf__flight_data fd;
  gf_error err;
  for (size_t cut = 0; cut <= sizeof(msg); cut++) {
    gf_bytes segs[2] = {{msg, cut}, {msg + cut, sizeof(msg) - cut}};
    gf__ibuf* in = gf__ibuf_from_segments(segs, 2);
    CHECK_MSG(gf__flight_data_decode(in, &fd, &err) == 0, "cut %zu: %s", cut, err.message);
    gf__ibuf_free(in);
    CHECK(fd.header_len == 2 && memcmp(fd.header, "hh", 2) == 0);
    CHECK(fd.app_metadata_len == 1 && fd.app_metadata[0] == 'm');
    CHECK(fd.has_body && fd.body_len == 3 && fd.body);
    CHECK(fd.descriptor == NULL);
    gf__flight_data_clear(&fd);
  }
}

TEST(rejects_bad_lengths) {
  gf__flight_data fd;
  gf_error err;
  const uint8_t too_long[] = {0x12, 0x05, 'a', 'b'};
  CHECK(gf__flight_data_decode_bytes(too_long, sizeof(too_long), &fd, &err) == GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "exceeds") != NULL);
  const uint8_t huge_body[] = {0xC2, 0x3E, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0};
  CHECK(gf__flight_data_decode_bytes(huge_body, sizeof(huge_body), &fd, &err) == GF_INVALID_ARGUMENT);
  const uint8_t trunc_varint[] = {0x12, 0x80};
  CHECK(gf__flight_data_decode_bytes(trunc_varint, sizeof(trunc_varint), &fd, &err) == GF_INVALID_ARGUMENT);
  const uint8_t group[] = {0x1B, 0x1C};
  CHECK(gf__flight_data_decode_bytes(group, sizeof(group), &fd, &err) == GF_INVALID_ARGUMENT);
  const uint8_t tag0[] = {0x00, 0x01};
  CHECK(gf__flight_data_decode_bytes(tag0, sizeof(tag0), &fd, &err) == GF_INVALID_ARGUMENT);
  const uint8_t bad_desc[] = {0x0A, 0x02, 0x1A, 0x05};
  CHECK(gf__flight_data_decode_bytes(bad_desc, sizeof(bad_desc), &fd, &err) == GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "flight_descriptor") != NULL);
  const uint8_t empty[] = {0};
  CHECK(gf__flight_data_decode_bytes(empty, 0, &fd, &err) == GF_OK);
  CHECK(!fd.has_header && !fd.has_body);
}

TEST(body_offset) {
  /* the tolerant_fields message: body bytes start at 34 */
  const uint8_t msg[] = {0x28, 0x96, 0x01, 0x31, 1, 2, 3, 4, 5, 6, 7, 8, 0x3D, 1, 2, 3, 4,
                         0x42, 0x02, 'z', 'z', 0x1A, 0x01, 'm', 0x12, 0x01, 'X', 0x12, 0x02,
                         'h', 'h', 0xC2, 0x3E, 0x03, 'b', 'o', 'd'};
  size_t off = 0;
  CHECK(gf__flight_data_body_offset(msg, sizeof(msg), &off) == 1 && off == 34);
  for (size_t n = 0; n < 34; n++)
    CHECK_MSG(gf__flight_data_body_offset(msg, n, &off) == 0, "prefix %zu needs more", n);
  CHECK(gf__flight_data_body_offset(msg, 34, &off) == 1 && off == 34);
  /* body first, with a 2-byte length */
  const uint8_t first[] = {0xC2, 0x3E, 0x80, 0x01, 'x'};
  CHECK(gf__flight_data_body_offset(first, sizeof(first), &off) == 1 && off == 4);
  /* an encoded batch: the offset is where the decoder finds the body */
  gf__obuf *sm = NULL, *bm = NULL;
  CHECK(encode_messages(&sm, &bm) == 0);
  uint8_t* flat = NULL;
  size_t len = 0;
  CHECK(gf__obuf_flatten(bm, &flat, &len) == 0);
  gf__flight_data fd;
  gf_error err;
  CHECK(gf__flight_data_body_offset(flat, len, &off) == 1);
  CHECK(gf__flight_data_decode_bytes(flat, len, &fd, &err) == 0 && fd.has_body);
  CHECK(off + fd.body_len == len); /* data_body is the last field our encoder writes */
  gf__flight_data_clear(&fd);
  /* the schema message has no body field: more bytes could still bring one */
  free(flat);
  CHECK(gf__obuf_flatten(sm, &flat, &len) == 0);
  CHECK(gf__flight_data_body_offset(flat, len, &off) == 0);
  free(flat);
  gf__obuf_free(sm);
  gf__obuf_free(bm);
  /* malformed: group wire type, an 11-byte varint */
  const uint8_t group[] = {0x1B, 0x1C};
  CHECK(gf__flight_data_body_offset(group, sizeof(group), &off) == -1);
  const uint8_t long_varint[] = {0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  CHECK(gf__flight_data_body_offset(long_varint, sizeof(long_varint), &off) == -1);
}

TEST(metadata_only_encode) {
  gf__obuf* m = gf__obuf_new();
  gf_error err;
  CHECK(gf__flight_data_encode(NULL, NULL, "abc", 3, m, &err) == 0);
  uint8_t* flat;
  size_t len;
  gf__obuf_flatten(m, &flat, &len);
  CHECK_EQ_INT(len, 5);
  CHECK(memcmp(flat, "\x1A\x03" "abc", 5) == 0);
  free(flat);
  gf__obuf_free(m);
  m = gf__obuf_new();
  CHECK(gf__flight_data_encode(NULL, NULL, NULL, 0, m, &err) == 0);
  CHECK_EQ_INT(m->total, 0);
  gf__obuf_free(m);
}

TEST(descriptor_roundtrip) {
  const char* path[3] = {"x", "", "zz"};
  gf_descriptor d = {GF_DESCRIPTOR_PATH, {(const uint8_t*)"c\0md", 4}, 3, path};
  uint8_t* bytes;
  size_t len;
  gf_error err;
  CHECK(gf_descriptor_serialize(&d, &bytes, &len, &err) == 0);
  gf_descriptor* back = NULL;
  CHECK(gf__descriptor_decode(bytes, len, &back, &err) == 0);
  free(bytes);
  CHECK_EQ_INT(back->type, GF_DESCRIPTOR_PATH);
  CHECK_EQ_INT(back->n_path, 3);
  CHECK_EQ_STR(back->path[2], "zz");
  CHECK(back->cmd.len == 4 && memcmp(back->cmd.data, "c\0md", 4) == 0);
  gf_descriptor* copy = gf__descriptor_copy(back);
  CHECK_EQ_STR(copy->path[0], "x");
  gf__descriptor_free(copy);
  gf__descriptor_free(back);
}

static const gf__tmd* find(const gf__wire_status* w, const char* key) {
  for (size_t i = 0; i < w->st.n_trailers; i++)
    if (!strcmp(w->st.trailers[i].key, key)) return &w->st.trailers[i];
  return NULL;
}

TEST(wire_status) {
  gf__wire_status w;
  CHECK(gf__wire_status_init(&w, GF_NOT_FOUND, "no such", NULL, 0, NULL, 0) == 0);
  CHECK_EQ_INT(w.st.code, 5);
  CHECK_EQ_STR(w.st.message, "no such");
  CHECK(find(&w, "x-arrow-status")->value[0] == '2');
  CHECK(find(&w, "x-arrow-status-detail-bin") == NULL);
  CHECK(find(&w, "grpc-status-details-bin") == NULL);
  gf__wire_status_free(&w);
  gf__tmd user = {"x-user", (const uint8_t*)"v", 1};
  CHECK(gf__wire_status_init(&w, GF_UNAVAILABLE, "Try again later.", "{}", 2, &user, 1) == 0);
  CHECK_EQ_INT(w.st.code, 14);
  CHECK_EQ_STR(w.st.message, "Try again later.. Detail: Unavailable");
  CHECK(find(&w, "x-user") != NULL);
  CHECK(memcmp(find(&w, "x-arrow-status-message-bin")->value, "Try again later.", 16) == 0);
  CHECK(memcmp(find(&w, "x-arrow-status-detail-bin")->value, "Unavailable", 11) == 0);
  CHECK_EQ_INT(find(&w, "grpc-status-details-bin")->len, 2);
  gf__wire_status_free(&w);
  int codes[][2] = {{GF_UNKNOWN, 2}, {GF_INTERNAL, 13}, {GF_TIMED_OUT, 4}, {GF_CANCELLED, 1},
                    {GF_UNAUTHENTICATED, 16}, {GF_UNAUTHORIZED, 7}, {GF_INVALID_ARGUMENT, 3},
                    {GF_ALREADY_EXISTS, 6}, {GF_UNIMPLEMENTED, 12}, {GF_NO_MEMORY, 8},
                    {GF_IO_ERROR, 14}, {GF_OK, 0}};
  for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) CHECK_EQ_INT(gf__grpc_from_status(codes[i][0]), codes[i][1]);
  CHECK(gf__wire_status_init(&w, GF_OK, NULL, NULL, 0, NULL, 0) == 0);
  CHECK_EQ_INT(w.st.n_trailers, 0);
  gf__wire_status_free(&w);
}

int main(void) {
  RUN(encode_layout);
  RUN(roundtrip_every_split);
  RUN(tolerant_fields);
  RUN(rejects_bad_lengths);
  RUN(body_offset);
  RUN(metadata_only_encode);
  RUN(descriptor_roundtrip);
  RUN(wire_status);
  TEST_MAIN_END();
}
