/* Arrow IPC: encoding C Data into IPC messages (flatbuffer Message metadata +
 * body buffers, zero-copy: the body buffers point into the caller's arrays)
 * and decoding IPC messages back into C Data (zero-copy where the received
 * body is suitably aligned). Also the IPC stream format (continuation marker
 * + length prefix) and the file format (.arrow, with footer) readers and
 * writers. Encoder/decoder objects are not thread-safe; payloads and bodies
 * are reference-counted with atomic counters and may be released from any
 * thread. */
#ifndef GOODDATA_FLIGHT_SERVER_IPC_H
#define GOODDATA_FLIGHT_SERVER_IPC_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gooddata_flight_server/arrow_abi.h"
#include "gooddata_flight_server/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gf_ipc_message_type {
  GF_IPC_MESSAGE_NONE = 0,
  GF_IPC_MESSAGE_SCHEMA = 1,
  GF_IPC_MESSAGE_DICTIONARY_BATCH = 2,
  GF_IPC_MESSAGE_RECORD_BATCH = 3
} gf_ipc_message_type;

typedef enum gf_ipc_compression {
  GF_IPC_COMPRESSION_NONE = -1,
  GF_IPC_COMPRESSION_LZ4_FRAME = 0,
  GF_IPC_COMPRESSION_ZSTD = 1
} gf_ipc_compression;

/* ======================================================================== */
/* Encoding                                                                   */

typedef struct gf_ipc_write_options {
  uint32_t struct_size;            /* sizeof(gf_ipc_write_options); 0 = defaults */
  gf_ipc_compression compression;  /* default NONE */
  int compression_level;           /* 0 = codec default */
  /* Dictionaries: when a batch's dictionary differs from the one already sent
   * for that id, emit a delta (if the new one extends the old) or a
   * replacement. 0 = always replacement. */
  int emit_dictionary_deltas;
} gf_ipc_write_options;

/* One body buffer of an encoded message. In the body each buffer is padded
 * with zeros to a multiple of 8 bytes; `len` is the unpadded length. */
typedef struct gf_ipc_body_buffer {
  const void* data;  /* NULL only when len == 0 */
  int64_t len;
} gf_ipc_body_buffer;

/* An encoded IPC message, ready to be framed (Flight: data_header = metadata,
 * data_body = buffers each padded to 8). Reference counted: it keeps alive the
 * arrays (moved into it) and any scratch memory its buffers point into. */
typedef struct gf_ipc_payload {
  gf_ipc_message_type type;
  const uint8_t* metadata;  /* flatbuffer Message, no continuation/length prefix */
  size_t metadata_len;      /* multiple of 8 */
  int64_t body_len;         /* sum of padded buffer lengths == Message.bodyLength */
  size_t n_buffers;
  const gf_ipc_body_buffer* buffers;
  void* private_data;       /* refcount and owned memory; do not touch */
} gf_ipc_payload;

/* Payload lifetime: a new payload has one reference. */
GF_API void gf_ipc_payload_ref(gf_ipc_payload* payload);
GF_API void gf_ipc_payload_unref(gf_ipc_payload* payload);
/* Copies the body (buffers + padding) into `dst` (body_len bytes). */
GF_API void gf_ipc_payload_copy_body(const gf_ipc_payload* payload, uint8_t* dst);

/* Encodes a Schema message. */
GF_API gf_status gf_ipc_encode_schema(const struct ArrowSchema* schema, gf_ipc_payload** out, gf_error* err);
/* The IPC-encapsulated schema (continuation + length + padded flatbuffer, no
 * body): the bytes of FlightInfo.schema and SchemaResult.schema. Free with free(). */
GF_API gf_status gf_ipc_serialize_schema(const struct ArrowSchema* schema, uint8_t** out, size_t* len,
                                         gf_error* err);
/* Parses those bytes (with or without the continuation marker). */
GF_API gf_status gf_ipc_deserialize_schema(const uint8_t* data, size_t len, struct ArrowSchema* out,
                                           gf_error* err);

/* Stateful encoder for one stream: tracks which dictionaries were sent. */
typedef struct gf_ipc_encoder gf_ipc_encoder;
GF_API GF_WARN_UNUSED gf_status gf_ipc_encoder_create(const struct ArrowSchema* schema, const gf_ipc_write_options* options,
                                                      gf_ipc_encoder** out, gf_error* err);
/* Encodes one record batch (a struct array matching the schema). Moves
 * `batch` (the caller's struct is released afterwards, also on error).
 * Produces the dictionary batches the batch needs (not yet sent, or changed)
 * followed by the record batch: *n_out payloads in *out (an array the caller
 * frees with free() after unref'ing each payload). */
GF_API gf_status gf_ipc_encoder_encode_batch(gf_ipc_encoder* enc, struct ArrowArray* batch,
                                             gf_ipc_payload*** out, size_t* n_out, gf_error* err);
GF_API void gf_ipc_encoder_free(gf_ipc_encoder* enc);

/* Slices a record batch into pieces whose encoded body is at most
 * max_body_bytes (at least one row per piece). Moves `batch`; *out is a
 * malloc'd array of *n_out batches (the caller releases each, frees array). */
GF_API gf_status gf_ipc_split_batch(struct ArrowArray* batch, const struct ArrowSchema* schema,
                                    int64_t max_body_bytes, struct ArrowArray** out, size_t* n_out,
                                    gf_error* err);

/* ======================================================================== */
/* Decoding                                                                   */

/* A contiguous received message body, reference counted. Arrays decoded
 * from it hold references; `release(ctx)` runs when the last one goes. */
typedef struct gf_ipc_body gf_ipc_body;
GF_API gf_ipc_body* gf_ipc_body_wrap(const uint8_t* data, size_t len, void (*release)(void* ctx),
                                     void* ctx);
/* Copies `len` bytes into a new 64-byte aligned body. */
GF_API gf_ipc_body* gf_ipc_body_copy(const uint8_t* data, size_t len);
/* Allocates an uninitialised 64-byte aligned body of `len` bytes to fill. */
GF_API gf_ipc_body* gf_ipc_body_alloc(size_t len, uint8_t** data);
GF_API void gf_ipc_body_ref(gf_ipc_body* body);
GF_API void gf_ipc_body_unref(gf_ipc_body* body);

typedef struct gf_ipc_read_options {
  uint32_t struct_size;        /* 0 = defaults */
  int validate_utf8;           /* check UTF-8 of string columns */
  int64_t max_nesting_depth;   /* default 64 */
  int64_t max_decompressed_bytes; /* per buffer; default 1 GiB */
  int64_t max_fields;          /* default 100000 */
} gf_ipc_read_options;

typedef struct gf_ipc_decoder gf_ipc_decoder;
GF_API GF_WARN_UNUSED gf_status gf_ipc_decoder_create(const gf_ipc_read_options* options, gf_ipc_decoder** out, gf_error* err);
GF_API void gf_ipc_decoder_free(gf_ipc_decoder* dec);

/* Decodes one message. `metadata` is the flatbuffer Message (no prefix; may be
 * unaligned, never trusted), `body` its body (may be NULL when the message has
 * none; the decoder takes its own reference). Results:
 *  - SCHEMA: the decoder now has the schema (gf_ipc_decoder_schema);
 *  - DICTIONARY_BATCH: the decoder's dictionary for that id is replaced or
 *    extended (delta); nothing is returned;
 *  - RECORD_BATCH: *batch is filled (a struct array, caller releases);
 *    dictionary-encoded columns reference the current dictionaries.
 * *type receives the message type. Malformed input -> GF_INVALID_ARGUMENT
 * with a message naming the field and buffer. */
GF_API GF_WARN_UNUSED gf_status gf_ipc_decoder_decode(gf_ipc_decoder* dec, const uint8_t* metadata, size_t metadata_len,
                                                      gf_ipc_body* body, gf_ipc_message_type* type, struct ArrowArray* batch,
                                                      gf_error* err);
/* Peeks at a message: type and bodyLength, after verifying the flatbuffer. */
GF_API gf_status gf_ipc_message_peek(const uint8_t* metadata, size_t metadata_len, gf_ipc_message_type* type,
                                     int64_t* body_len, gf_error* err);
/* True once a schema was decoded. */
GF_API bool gf_ipc_decoder_has_schema(const gf_ipc_decoder* dec);
/* Deep copy of the decoded schema (caller releases). */
GF_API gf_status gf_ipc_decoder_schema(const gf_ipc_decoder* dec, struct ArrowSchema* out, gf_error* err);
/* Borrowed pointer to the decoded schema (valid while the decoder lives). */
GF_API const struct ArrowSchema* gf_ipc_decoder_schema_ref(const gf_ipc_decoder* dec);

/* ======================================================================== */
/* Stream and file formats                                                   */

/* Writes a stream (schema, dictionaries, batches, EOS) from an ArrowArrayStream. */
GF_API gf_status gf_ipc_write_stream(FILE* out, struct ArrowArrayStream* stream,
                                     const gf_ipc_write_options* options, gf_error* err);
/* Serialises a whole stream into memory (free *out with free()). */
GF_API gf_status gf_ipc_write_stream_to_buffer(struct ArrowArrayStream* stream,
                                               const gf_ipc_write_options* options, uint8_t** out,
                                               size_t* len, gf_error* err);
/* Reads an IPC stream from memory into an ArrowArrayStream (the stream keeps
 * its own copy of / reference to the data). */
GF_API GF_WARN_UNUSED gf_status gf_ipc_read_stream_buffer(const uint8_t* data, size_t len, const gf_ipc_read_options* options,
                                                          struct ArrowArrayStream* out, gf_error* err);
/* Reads an IPC stream from a FILE (read incrementally). */
GF_API GF_WARN_UNUSED gf_status gf_ipc_read_stream_file(FILE* in, const gf_ipc_read_options* options,
                                                        struct ArrowArrayStream* out, gf_error* err);

/* File format (.arrow): magic, stream, footer with blocks, magic. */
GF_API gf_status gf_ipc_write_file(FILE* out, struct ArrowArrayStream* stream,
                                   const gf_ipc_write_options* options, gf_error* err);
GF_API gf_status gf_ipc_write_file_to_buffer(struct ArrowArrayStream* stream,
                                             const gf_ipc_write_options* options, uint8_t** out, size_t* len,
                                             gf_error* err);
GF_API GF_WARN_UNUSED gf_status gf_ipc_read_file_buffer(const uint8_t* data, size_t len, const gf_ipc_read_options* options,
                                                        struct ArrowArrayStream* out, gf_error* err);
/* Convenience: open a path, detect file vs stream format. */
GF_API GF_WARN_UNUSED gf_status gf_ipc_read_path(const char* path, const gf_ipc_read_options* options,
                                                 struct ArrowArrayStream* out, gf_error* err);

#ifdef __cplusplus
}
#endif

#endif
