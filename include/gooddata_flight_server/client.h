/* The C Arrow Flight client: connects to any Flight server over gRPC
 * (plaintext, TLS, mTLS) and runs the ten Flight methods. Arrow data crosses
 * as the Arrow C Data / C Stream Interface; outgoing record batches are sent
 * zero-copy (the transport references the batch buffers until they are on the
 * socket), incoming bodies are referenced, not copied, where possible.
 *
 * Threading: a gf_client may be used by many threads at once (every call has
 * its own completion queue). A stream object (reader, put stream, exchange)
 * is used by one thread at a time, except that an exchange may be written by
 * one thread while another reads it. Every blocking call ends at the call's
 * deadline (gf_call_options.deadline_ms, else the client default).
 *
 * Errors: functions return a gf_status; the gRPC status of a failed call is
 * mapped back (UNKNOWN -> GF_UNKNOWN, NOT_FOUND -> GF_NOT_FOUND, ...) and the
 * message (x-arrow-status-message-bin when present, else grpc-message) is put
 * in `err`. Pass a gf_rpc_status in the call options to read the gRPC code,
 * the extra_info bytes (grpc-status-details-bin), response headers and
 * trailers. */
#ifndef GOODDATA_FLIGHT_SERVER_CLIENT_H
#define GOODDATA_FLIGHT_SERVER_CLIENT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "gooddata_flight_server/arrow_abi.h"
#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/flight.h"
#include "gooddata_flight_server/session.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_client gf_client;
typedef struct gf_rpc_status gf_rpc_status;
typedef struct gf_flight_reader gf_flight_reader;
typedef struct gf_put_stream gf_put_stream;
typedef struct gf_exchange gf_exchange;

/* A request header. Keys are lower-case; keys ending in "-bin" carry
 * arbitrary bytes. */
typedef struct gf_header {
  const char* key;
  const void* value;
  size_t len;
} gf_header;

typedef struct gf_client_options {
  uint32_t struct_size;          /* sizeof(gf_client_options); 0 is accepted */
  const char* tls_root_certs;    /* PEM; NULL = the system's roots (grpc+tls) */
  const char* tls_cert_chain;    /* mTLS client certificate (PEM) or NULL */
  const char* tls_private_key;   /* mTLS client key (PEM) or NULL */
  const char* tls_override_hostname; /* expected server name, or NULL */
  int64_t max_receive_message_bytes; /* <= 0: unlimited (default) */
  const gf_header* headers;      /* sent with every call (copied) */
  size_t n_headers;
  int64_t default_deadline_ms;   /* per call, 0 = none */
  /* Kept for source and ABI compatibility; no effect (the receive window is
   * fixed). */
  int disable_bdp_probe;
  int32_t stream_lookahead_bytes; /* > 0: per-stream receive window (default 4 MiB) */
} gf_client_options;

/* Per-call options; NULL means defaults. */
typedef struct gf_call_options {
  uint32_t struct_size;          /* sizeof(gf_call_options); 0 is accepted */
  const gf_header* headers;      /* added after the client's default headers */
  size_t n_headers;
  int64_t deadline_ms;           /* relative; 0 = client default; < 0 = none */
  gf_rpc_status* status;         /* optional: filled when the call ends */
} gf_call_options;

/* ---- connection ------------------------------------------------------------ */

/* uri: "grpc://host:port", "grpc+tcp://host:port", "grpc+tls://host:port" or
 * "grpc+unix:///path". Connection happens lazily on the first call. */
GF_API GF_WARN_UNUSED gf_status gf_client_create(const char* uri, const gf_client_options* options, gf_client** out,
                                                 gf_error* err);
/* Frees the client. Streams created from it must be freed first. */
GF_API void gf_client_free(gf_client* client);

/* ---- call status details ----------------------------------------------------- */

GF_API gf_rpc_status* gf_rpc_status_create(void);
GF_API void gf_rpc_status_free(gf_rpc_status* st);
GF_API gf_status gf_rpc_status_code(const gf_rpc_status* st);       /* gf_status; GF_OK on success */
GF_API int gf_rpc_status_grpc_code(const gf_rpc_status* st);  /* raw gRPC status code */
GF_API const char* gf_rpc_status_message(const gf_rpc_status* st); /* never NULL */
/* x-arrow-status trailer as a number, or -1 when absent. */
GF_API int gf_rpc_status_arrow_code(const gf_rpc_status* st);
/* grpc-status-details-bin (the server's extra_info), len 0 when absent. */
GF_API gf_bytes gf_rpc_status_extra_info(const gf_rpc_status* st);
GF_API size_t gf_rpc_status_header_count(const gf_rpc_status* st);
GF_API gf_status gf_rpc_status_header_at(const gf_rpc_status* st, size_t i, const char** key, gf_bytes* value);
GF_API bool gf_rpc_status_header(const gf_rpc_status* st, const char* key, gf_bytes* value); /* true if found */
GF_API size_t gf_rpc_status_trailer_count(const gf_rpc_status* st);
GF_API gf_status gf_rpc_status_trailer_at(const gf_rpc_status* st, size_t i, const char** key, gf_bytes* value);
GF_API bool gf_rpc_status_trailer(const gf_rpc_status* st, const char* key, gf_bytes* value);

/* ---- result containers --------------------------------------------------------- */

/* Byte strings (Handshake responses, DoAction results). */
typedef struct gf_client_bytes_list {
  size_t n;
  gf_bytes* items; /* each items[i].data malloc'd */
} gf_client_bytes_list;
GF_API void gf_client_bytes_list_clear(gf_client_bytes_list* list);

typedef struct gf_client_action_type {
  char* type;
  char* description;
} gf_client_action_type;
typedef struct gf_client_action_types {
  size_t n;
  gf_client_action_type* items;
} gf_client_action_types;
GF_API void gf_client_action_types_clear(gf_client_action_types* list);

typedef struct gf_client_flight_list {
  size_t n;
  gf_flight_info** items; /* each freed by gf_client_flight_list_clear */
} gf_client_flight_list;
GF_API void gf_client_flight_list_clear(gf_client_flight_list* list);

typedef struct gf_client_poll_info {
  gf_flight_info* info;       /* NULL when the server sent none */
  gf_descriptor* descriptor;  /* NULL = query complete */
  int has_progress;
  double progress;
  int has_expiration;
  int64_t expiration_seconds;
  int32_t expiration_nanos;
} gf_client_poll_info;
GF_API void gf_client_poll_info_clear(gf_client_poll_info* poll);
/* Free poll_info.descriptor with gf_descriptor_free (flight.h). */

/* ---- unary and server-streaming calls -------------------------------------------- */

/* Sends `n` payloads (protocol_version 0), half-closes, and collects every
 * response payload. */
GF_API gf_status gf_client_handshake(gf_client* c, const gf_call_options* o, const gf_bytes* payloads,
                                     size_t n, gf_client_bytes_list* responses, gf_error* err);
GF_API gf_status gf_client_list_flights(gf_client* c, const gf_call_options* o, const void* criteria,
                                        size_t criteria_len, gf_client_flight_list* out, gf_error* err);
/* *out: free with gf_flight_info_free. */
GF_API gf_status gf_client_get_flight_info(gf_client* c, const gf_call_options* o, const gf_descriptor* d,
                                           gf_flight_info** out, gf_error* err);
GF_API gf_status gf_client_poll_flight_info(gf_client* c, const gf_call_options* o, const gf_descriptor* d,
                                            gf_client_poll_info* out, gf_error* err);
/* `out` is released by the caller. */
GF_API gf_status gf_client_get_schema(gf_client* c, const gf_call_options* o, const gf_descriptor* d,
                                      struct ArrowSchema* out, gf_error* err);
GF_API gf_status gf_client_do_action(gf_client* c, const gf_call_options* o, const char* type,
                                     const void* body, size_t body_len, gf_client_bytes_list* results,
                                     gf_error* err);
GF_API gf_status gf_client_list_actions(gf_client* c, const gf_call_options* o, gf_client_action_types* out,
                                        gf_error* err);

/* ---- typed protocol actions ------------------------------------------------------------
 * Each sends one DoAction with the protobuf request and decodes the first
 * Result (a server that sends none gets GF_INVALID_ARGUMENT). Session actions
 * need the session cookie: pass `cookie: <name>=<id>` in o->headers and read
 * the server's set-cookie with gf_rpc_status_cookie. */

GF_API gf_status gf_client_cancel_flight_info(gf_client* c, const gf_call_options* o,
                                              const gf_flight_info* info, gf_cancel_status* out,
                                              gf_error* err);
/* *out: the renewed endpoint (gf_flight_endpoint_free). */
GF_API gf_status gf_client_renew_flight_endpoint(gf_client* c, const gf_call_options* o,
                                                 const gf_flight_endpoint* endpoint,
                                                 gf_flight_endpoint** out, gf_error* err);
/* *out: per-option errors (gf_set_session_result_free). */
GF_API gf_status gf_client_set_session_options(gf_client* c, const gf_call_options* o,
                                               const gf_session_options* options,
                                               gf_set_session_result** out, gf_error* err);
/* *out: gf_session_options_free. */
GF_API gf_status gf_client_get_session_options(gf_client* c, const gf_call_options* o,
                                               gf_session_options** out, gf_error* err);
GF_API gf_status gf_client_close_session(gf_client* c, const gf_call_options* o, gf_close_session_status* out,
                                         gf_error* err);
/* Basic-auth Handshake (BasicAuth payload); *token: the first response
 * payload, malloc'd (free token->data). Send it back as the
 * "auth-token-bin" header (GF_BASIC_AUTH_TOKEN_HEADER) on later calls. */
GF_API gf_status gf_client_authenticate_basic(gf_client* c, const gf_call_options* o, const char* username,
                                              const char* password, gf_bytes* token, gf_error* err);
/* Value of cookie `name` set by the call (set-cookie in headers or trailers),
 * malloc'd into *value; true when found, false when not (or set with Max-Age<=0). */
GF_API bool gf_rpc_status_cookie(const gf_rpc_status* st, const char* name, char** value);

/* ---- reading Flight data (DoGet, the read side of DoExchange) ---------------------- */

GF_API GF_WARN_UNUSED gf_status gf_client_do_get(gf_client* c, const gf_call_options* o, const void* ticket, size_t len,
                                                 gf_flight_reader** out, gf_error* err);
/* Blocks until the schema arrived; `out` is released by the caller.
 * GF_END_OF_STREAM if the stream ended without one. */
GF_API gf_status gf_flight_reader_schema(gf_flight_reader* r, struct ArrowSchema* out, gf_error* err);
/* Next message: GF_OK with `batch` filled (a struct array the caller
 * releases), or batch->release == NULL for a metadata-only message;
 * *app_metadata (may be NULL) is valid until the next call. GF_END_OF_STREAM
 * when the server finished successfully; an error status otherwise. */
GF_API gf_status gf_flight_reader_next(gf_flight_reader* r, struct ArrowArray* batch, gf_bytes* app_metadata,
                                       gf_error* err);
/* Record batches as an ArrowArrayStream that takes over the reader (do not
 * free it; releasing the stream does). DoGet readers only. */
GF_API gf_status gf_flight_reader_to_stream(gf_flight_reader* r, struct ArrowArrayStream* out, gf_error* err);
/* Cancels the call if it has not ended, frees. */
GF_API void gf_flight_reader_free(gf_flight_reader* r);

/* ---- DoPut ------------------------------------------------------------------------- */

/* Starts a DoPut: sends the descriptor and the schema. */
GF_API GF_WARN_UNUSED gf_status gf_client_do_put(gf_client* c, const gf_call_options* o, const gf_descriptor* d,
                                                 const struct ArrowSchema* schema, gf_put_stream** out, gf_error* err);
/* Sends one batch (moved; released also on error) with optional app_metadata
 * (dictionary messages first when needed). Blocks while the transport is busy. */
GF_API gf_status gf_put_stream_write(gf_put_stream* p, struct ArrowArray* batch, const void* app_metadata,
                                     size_t len, gf_error* err);
GF_API gf_status gf_put_stream_write_metadata(gf_put_stream* p, const void* app_metadata, size_t len,
                                              gf_error* err);
/* Next PutResult: GF_OK with *app_metadata (valid until the next call), or
 * GF_END_OF_STREAM after the server finished successfully. */
GF_API gf_status gf_put_stream_read(gf_put_stream* p, gf_bytes* app_metadata, gf_error* err);
/* Half-close: no more batches. Idempotent. */
GF_API gf_status gf_put_stream_done_writing(gf_put_stream* p, gf_error* err);
/* Half-closes, discards unread PutResults, returns the final status. */
GF_API gf_status gf_put_stream_finish(gf_put_stream* p, gf_error* err);
GF_API void gf_put_stream_free(gf_put_stream* p);

/* ---- DoExchange -------------------------------------------------------------------- */

/* Starts a DoExchange: sends a first message holding only the descriptor. */
GF_API GF_WARN_UNUSED gf_status gf_client_do_exchange(gf_client* c, const gf_call_options* o, const gf_descriptor* d,
                                                      gf_exchange** out, gf_error* err);
GF_API gf_status gf_exchange_begin(gf_exchange* x, const struct ArrowSchema* schema, gf_error* err);
GF_API gf_status gf_exchange_write(gf_exchange* x, struct ArrowArray* batch, const void* app_metadata,
                                   size_t len, gf_error* err);
GF_API gf_status gf_exchange_write_metadata(gf_exchange* x, const void* app_metadata, size_t len,
                                            gf_error* err);
GF_API gf_status gf_exchange_done_writing(gf_exchange* x, gf_error* err);
/* The read side (borrowed; valid until gf_exchange_free). */
GF_API gf_flight_reader* gf_exchange_reader(gf_exchange* x);
/* Half-closes, drains the read side, returns the final status. */
GF_API gf_status gf_exchange_finish(gf_exchange* x, gf_error* err);
GF_API void gf_exchange_free(gf_exchange* x);

#ifdef __cplusplus
}
#endif

#endif
