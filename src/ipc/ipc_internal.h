/* Internal cross-file API of the IPC module: keep-alive holders shared by
 * decoded arrays and payloads, array node construction, the Schema
 * flatbuffer codec, record-batch body encoding/decoding, compression and
 * dictionary-id maps. Objects follow the thread rules of ipc.h. */
#ifndef GF_IPC_INTERNAL_H
#define GF_IPC_INTERNAL_H

#include <stdatomic.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/ipc.h"
#include "ipc/fb.h"

/* Flatbuffer enum values (Message.fbs / Schema.fbs). */
#define GF__MD_V5 4
#define GF__HDR_SCHEMA 1
#define GF__HDR_DICT 2
#define GF__HDR_BATCH 3

/* Schema.fbs union Type: the tag of Field.type, written by schema_write.c
 * and read by schema_read.c. */
typedef enum gf__fb_type {
  GF__FB_TYPE_NULL = 1,
  GF__FB_TYPE_INT = 2,
  GF__FB_TYPE_FLOATING_POINT = 3,
  GF__FB_TYPE_BINARY = 4,
  GF__FB_TYPE_UTF8 = 5,
  GF__FB_TYPE_BOOL = 6,
  GF__FB_TYPE_DECIMAL = 7,
  GF__FB_TYPE_DATE = 8,
  GF__FB_TYPE_TIME = 9,
  GF__FB_TYPE_TIMESTAMP = 10,
  GF__FB_TYPE_INTERVAL = 11,
  GF__FB_TYPE_LIST = 12,
  GF__FB_TYPE_STRUCT = 13,
  GF__FB_TYPE_UNION = 14,
  GF__FB_TYPE_FIXED_SIZE_BINARY = 15,
  GF__FB_TYPE_FIXED_SIZE_LIST = 16,
  GF__FB_TYPE_MAP = 17,
  GF__FB_TYPE_DURATION = 18,
  GF__FB_TYPE_LARGE_BINARY = 19,
  GF__FB_TYPE_LARGE_UTF8 = 20,
  GF__FB_TYPE_LARGE_LIST = 21,
  GF__FB_TYPE_RUN_END_ENCODED = 22,
  GF__FB_TYPE_BINARY_VIEW = 23,
  GF__FB_TYPE_UTF8_VIEW = 24,
  GF__FB_TYPE_LIST_VIEW = 25,
  GF__FB_TYPE_LARGE_LIST_VIEW = 26,
} gf__fb_type;

/* ---- keep-alive holder ------------------------------------------------- */

/* Reference-counted owner of the memory that decoded arrays point into: a
 * message body, malloc'd copies and other holders (nested dictionaries). */
struct gf__src;
typedef struct gf__keep {
  atomic_long refs;
  gf_ipc_body* body;
  struct gf__src* src; /* encoder-side source batch (split pieces) */
  void** allocs;
  size_t n_allocs, cap_allocs;
} gf__keep;

gf__keep* gf__keep_new(gf_ipc_body* body); /* takes a new ref on body */
void gf__keep_ref(gf__keep* k);
void gf__keep_unref(gf__keep* k);
/* Transfers p to k (freed on failure too). */
int gf__keep_add_alloc(gf__keep* k, void* p);

/* Initialises `a` as a node owning its buffer/children arrays and one ref on
 * k; children structs are zeroed (released); dictionary allocated if asked. */
int gf__node_init(struct ArrowArray* a, gf__keep* k, int64_t n_buffers, int64_t n_children,
                  int with_dict);
/* Structural copy of src (buffers shared), every node referencing k. */
int gf__array_share(const struct ArrowArray* src, gf__keep* k, struct ArrowArray* dst);

/* Body internals. */
const uint8_t* gf__body_data(const gf_ipc_body* b);
size_t gf__body_len(const gf_ipc_body* b);

/* ---- dictionary id map ------------------------------------------------- */

typedef struct gf__dict_entry {
  const struct ArrowSchema* node; /* the dictionary-encoded (index) node */
  int64_t id;
} gf__dict_entry;

typedef struct gf__dict_map {
  gf__dict_entry* e;
  size_t n, cap;
} gf__dict_map;

int gf__dict_map_add(gf__dict_map* m, const struct ArrowSchema* node, int64_t id);
/* Pre-order id assignment from 0 over a (+s) schema. */
int gf__dict_map_build(gf__dict_map* m, const struct ArrowSchema* schema);
int gf__dict_map_find(const gf__dict_map* m, const struct ArrowSchema* node, int64_t* id);
void gf__dict_map_free(gf__dict_map* m);

/* ---- schema flatbuffer codec ------------------------------------------- */

/* Writes a Schema table (and everything under it) at the end of b; returns
 * its position via *pos. */
int gf__schema_write(gf__fbb* b, const struct ArrowSchema* schema, const gf__dict_map* ids,
                     size_t* pos, gf_error* err);
/* Builds a complete Message flatbuffer (malloc'd into *out, *len multiple of
 * 8). header_fn writes the header table and returns its position. */
int gf__message_build_schema(const struct ArrowSchema* schema, const gf__dict_map* ids,
                             uint8_t** out, size_t* len, gf_error* err);
/* Same, declaring Schema.endianness = Big when big_endian (tests build
 * big-endian streams with it; the library itself only writes Little). */
int gf__message_build_schema_endian(const struct ArrowSchema* schema, const gf__dict_map* ids,
                                    int big_endian, uint8_t** out, size_t* len, gf_error* err);
/* Schema table -> ArrowSchema (+s). ids receives node -> dictionary id.
 * *big_endian receives Schema.endianness == Big (NULL: Big is refused). */
int gf__schema_read(const gf__fbt* schema_tbl, const gf_ipc_read_options* opt,
                    struct ArrowSchema* out, gf__dict_map* ids, int* big_endian, gf_error* err);
/* Verifies the Message envelope; returns header table and fields. */
int gf__message_open(gf__fbr* r, const uint8_t* md, size_t len, gf__fbt* msg, uint8_t* htype,
                     gf__fbt* header, int64_t* body_len, int* version, gf_error* err);

/* ---- record batch body encoding ---------------------------------------- */

struct gf__src {
  atomic_long refs;
  struct ArrowArray arr;
};
typedef struct gf__src gf__src;
gf__src* gf__src_new(struct ArrowArray* moved);
void gf__src_ref(gf__src* s);
void gf__src_unref(gf__src* s);

/* Encodes array a (schema s) restricted to [off, off+len) into a payload.
 * type: RECORD_BATCH (a is the +s batch, its children are the columns) or
 * DICTIONARY_BATCH (a is the dictionary value array). */
int gf__encode_batch(const struct ArrowArray* a, const struct ArrowSchema* s,
                     const gf__dict_map* ids, gf_ipc_message_type type, int64_t off,
                     int64_t len, int64_t dict_id, int is_delta,
                     const gf_ipc_write_options* opt, gf__src* src, gf_ipc_payload** out,
                     gf_error* err);
/* Payload built from an owned metadata buffer only (schema). */
int gf__payload_new(gf_ipc_message_type type, uint8_t* metadata, size_t len,
                    gf_ipc_payload** out);

/* ---- record batch body decoding ---------------------------------------- */

/* Attaches the current dictionary of a dictionary-encoded node to `out`
 * (structurally shared); *dict_len receives its length. all_null: every
 * value of the column is null, so a dictionary that has not arrived yet is
 * replaced by an empty one instead of an error. */
typedef int (*gf__dict_lookup_fn)(void* ctx, const struct ArrowSchema* node, int all_null,
                                  struct ArrowArray* out, int64_t* dict_len, gf_error* err);

typedef struct gf__decode_in {
  const gf__fbt* batch;   /* RecordBatch table */
  gf_ipc_body* body;      /* may be NULL */
  int64_t body_len;       /* Message.bodyLength (checked <= actual) */
  int version;            /* MetadataVersion */
  const gf_ipc_read_options* opt;
  gf__dict_lookup_fn lookup;
  void* lookup_ctx;
  const char* what;       /* "RecordBatch" or "DictionaryBatch(id=N)" */
  int big_endian;         /* Schema.endianness == Big: byte-swap while decoding */
} gf__decode_in;

/* Decodes the RecordBatch table into `out`: a +s batch (columns = children of
 * schema) when as_batch, else a single array of type `schema`. *keep_out
 * (optional) receives a ref to the holder of the decoded memory. */
int gf__decode_batch(const gf__decode_in* in, const struct ArrowSchema* schema, int as_batch,
                     struct ArrowArray* out, gf__keep** keep_out, gf_error* err);

/* ---- compression -------------------------------------------------------- */

/* Compresses src into a malloc'd buffer: int64 uncompressed length (or -1 and
 * the raw bytes when compression does not help). */
int gf__compress(int codec, int level, const uint8_t* src, int64_t len, uint8_t** out,
                 int64_t* out_len, gf_error* err);
/* Decompresses exactly `expected` bytes into dst. */
int gf__decompress(int codec, const uint8_t* src, size_t len, uint8_t* dst, int64_t expected,
                   gf_error* err);

/* Decoder from a Schema table (file footer). */
int gf__decoder_set_schema(gf_ipc_decoder* d, const gf__fbt* schema_tbl, gf_error* err);
void gf__read_options(const gf_ipc_read_options* in, gf_ipc_read_options* out);

/* ---- stream helpers ---------------------------------------------------- */

/* Frames a payload (continuation, length, metadata padded, body) via write fn. */
typedef int (*gf__sink_fn)(void* ctx, const void* data, size_t len);
int gf__write_payload(gf__sink_fn fn, void* ctx, const gf_ipc_payload* p, int64_t* written,
                      int64_t* md_len_out, gf_error* err);

#endif
