/* The plugin ABI: what a data service implements (a table of Flight method
 * callbacks returned by one exported, versioned factory) and the objects the
 * server hands to those callbacks (call context, Flight messages, readers and
 * writers). No gRPC or protobuf type appears here; Arrow data crosses only as
 * the Arrow C Data / C Stream Interface.
 *
 * Threading: every callback runs on a server worker thread, never on a gRPC
 * completion-queue thread. Callbacks may block (DoPut/DoExchange/Handshake
 * usually do, reading their input); the worker pool is bounded
 * (`server.rpc_threads`). Methods tables are shared by all calls, so callbacks
 * must be thread-safe with respect to their `state`.
 *
 * Ownership: objects passed in (gf_call, descriptors, readers, writers, output
 * objects) are owned by the server and valid only until the callback returns
 * (gf_data_source contents handed back in DoGet are owned by the server from
 * then on). Strings/bytes given to setters are copied unless said otherwise. */
#ifndef GOODDATA_FLIGHT_SERVER_FLIGHT_H
#define GOODDATA_FLIGHT_SERVER_FLIGHT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "gooddata_flight_server/arrow_abi.h"
#include "gooddata_flight_server/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Opaque objects                                                             */

typedef struct gf_server_context gf_server_context; /* see server.h */
typedef struct gf_call gf_call;                     /* one RPC */
typedef struct gf_flight_info gf_flight_info;       /* FlightInfo */
typedef struct gf_flight_endpoint gf_flight_endpoint;
typedef struct gf_poll_info gf_poll_info;           /* PollInfo */
typedef struct gf_flight_list gf_flight_list;       /* ListFlights output */
typedef struct gf_result_list gf_result_list;       /* DoAction output */
typedef struct gf_action_type_list gf_action_type_list; /* ListActions output */
typedef struct gf_handshake gf_handshake;           /* Handshake stream */
typedef struct gf_data_reader gf_data_reader;       /* incoming FlightData */
typedef struct gf_data_writer gf_data_writer;       /* outgoing FlightData (DoExchange) */
typedef struct gf_put_writer gf_put_writer;         /* outgoing PutResult (DoPut) */

/* ------------------------------------------------------------------------ */
/* Flight messages passed into callbacks (borrowed, read-only)               */

typedef enum gf_descriptor_type {
  GF_DESCRIPTOR_UNKNOWN = 0,
  GF_DESCRIPTOR_PATH = 1,
  GF_DESCRIPTOR_CMD = 2
} gf_descriptor_type;

typedef struct gf_descriptor {
  gf_descriptor_type type;
  gf_bytes cmd;              /* CMD: command bytes */
  size_t n_path;             /* PATH: number of elements */
  const char* const* path;   /* PATH: NUL-terminated UTF-8 elements */
} gf_descriptor;

typedef struct gf_action {
  const char* type;          /* NUL-terminated */
  gf_bytes body;
} gf_action;

/* ------------------------------------------------------------------------ */
/* Call context                                                              */

/* Flight method name of the call: "Handshake", "ListFlights", "GetFlightInfo",
 * "PollFlightInfo", "GetSchema", "DoGet", "DoPut", "DoExchange", "DoAction",
 * "ListActions". */
GF_API const char* gf_call_method(const gf_call* call);
/* Peer address as reported by gRPC, e.g. "ipv4:127.0.0.1:50512". */
GF_API const char* gf_call_peer(const gf_call* call);
/* Request headers (gRPC metadata; keys are lower-case; -bin values decoded). */
GF_API size_t gf_call_header_count(const gf_call* call);
GF_API gf_status gf_call_header_at(const gf_call* call, size_t index, const char** key, gf_bytes* value);
/* First value of header `key` (case-insensitive): true and *value if found,
 * else false. Lookups by key are predicates; gf_call_header_at is indexed
 * and returns GF_INVALID_ARGUMENT for an index >= gf_call_header_count. */
GF_API bool gf_call_header(const gf_call* call, const char* key, gf_bytes* value);
/* Identity established by authentication (token strategy or mTLS client
 * certificate subject), or NULL when the call is not authenticated. */
GF_API const char* gf_call_identity(const gf_call* call);
/* Opaque data returned by the token verification strategy, or NULL. */
GF_API void* gf_call_auth_data(const gf_call* call);
/* Sets the identity gf_call_identity returns for the rest of the call (copied;
 * used by a methods-table `authenticate` hook). GF_NO_MEMORY on failure. */
GF_API gf_status gf_call_set_identity(gf_call* call, const char* identity);
/* True once the client cancelled, the deadline passed or the connection broke. */
GF_API bool gf_call_is_cancelled(const gf_call* call);
/* Absolute deadline in milliseconds since the Unix epoch; INT64_MAX if none. */
GF_API int64_t gf_call_deadline_ms(const gf_call* call);
/* The server context (settings, location, health, tasks, logging). */
GF_API gf_server_context* gf_call_context(const gf_call* call);

/* Response headers: sent with the initial metadata, so they must be added
 * before the first response message (or they are merged into trailers). */
GF_API gf_status gf_call_add_header(gf_call* call, const char* key, const void* value, size_t len);
/* Response trailers, sent with the final status. */
GF_API gf_status gf_call_add_trailer(gf_call* call, const char* key, const void* value, size_t len);

/* Per-call finalizer (the seed's CallFinalizer): fn runs exactly once when the
 * RPC has ended (after the last message and the status were sent, or after the
 * call was cancelled), with the final gf_status. Finalizers run in
 * registration order on a worker thread. */
typedef void (*gf_call_end_fn)(void* user, int status);
GF_API gf_status gf_call_on_end(gf_call* call, gf_call_end_fn fn, void* user);

/* Records the call's error and returns `code`, so a callback can
 * `return gf_call_error(call, GF_NOT_FOUND, "no dataset '%s'", name);`.
 * The message reaches the client as grpc-message and x-arrow-status-message-bin. */
GF_API gf_status gf_call_error(gf_call* call, int code, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Same, with extra_info bytes (sent as grpc-status-details-bin; pyarrow
 * clients see them as FlightError.extra_info). */
GF_API gf_status gf_call_error_extra(gf_call* call, int code, const void* extra_info, size_t extra_len,
                                     const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* ------------------------------------------------------------------------ */
/* FlightInfo / endpoints / PollInfo (also used by the C client to read)    */

GF_API gf_flight_info* gf_flight_info_create(void);
GF_API void gf_flight_info_free(gf_flight_info* info);
/* Schema: serialised by the server as an IPC Schema message. Not consumed. */
GF_API gf_status gf_flight_info_set_schema(gf_flight_info* info, const struct ArrowSchema* schema, gf_error* err);
/* Raw IPC-encapsulated schema bytes (as on the wire). */
GF_API gf_status gf_flight_info_set_schema_bytes(gf_flight_info* info, const void* data, size_t len);
GF_API gf_status gf_flight_info_set_descriptor(gf_flight_info* info, const gf_descriptor* descriptor);
GF_API void gf_flight_info_set_total_records(gf_flight_info* info, int64_t n); /* default -1 */
GF_API void gf_flight_info_set_total_bytes(gf_flight_info* info, int64_t n);   /* default -1 */
GF_API void gf_flight_info_set_ordered(gf_flight_info* info, int ordered);
GF_API gf_status gf_flight_info_set_app_metadata(gf_flight_info* info, const void* data, size_t len);
/* Adds an endpoint with the given ticket; returns NULL on allocation failure. */
GF_API gf_flight_endpoint* gf_flight_info_add_endpoint(gf_flight_info* info, const void* ticket, size_t len);
GF_API gf_status gf_flight_endpoint_add_location(gf_flight_endpoint* ep, const char* uri);
GF_API void gf_flight_endpoint_set_expiration(gf_flight_endpoint* ep, int64_t seconds, int32_t nanos);
GF_API gf_status gf_flight_endpoint_set_app_metadata(gf_flight_endpoint* ep, const void* data, size_t len);

/* Readers (client side, and for services that inspect what they built). */
GF_API gf_bytes gf_flight_info_schema_bytes(const gf_flight_info* info);
/* Decodes the schema into `out` (caller releases). */
GF_API gf_status gf_flight_info_schema(const gf_flight_info* info, struct ArrowSchema* out, gf_error* err);
GF_API const gf_descriptor* gf_flight_info_descriptor(const gf_flight_info* info); /* NULL if absent */
GF_API int64_t gf_flight_info_total_records(const gf_flight_info* info);
GF_API int64_t gf_flight_info_total_bytes(const gf_flight_info* info);
GF_API bool gf_flight_info_ordered(const gf_flight_info* info);
GF_API gf_bytes gf_flight_info_app_metadata(const gf_flight_info* info);
GF_API size_t gf_flight_info_endpoint_count(const gf_flight_info* info);
GF_API const gf_flight_endpoint* gf_flight_info_endpoint(const gf_flight_info* info, size_t i);
GF_API gf_bytes gf_flight_endpoint_ticket(const gf_flight_endpoint* ep);
GF_API size_t gf_flight_endpoint_location_count(const gf_flight_endpoint* ep);
GF_API const char* gf_flight_endpoint_location(const gf_flight_endpoint* ep, size_t i);
/* Returns true and fills seconds/nanos when an expiration time is set. */
GF_API bool gf_flight_endpoint_expiration(const gf_flight_endpoint* ep, int64_t* seconds, int32_t* nanos);
GF_API gf_bytes gf_flight_endpoint_app_metadata(const gf_flight_endpoint* ep);

/* Protobuf wire form of a FlightInfo (used e.g. by RetryInfo). Caller frees *out with free(). */
GF_API gf_status gf_flight_info_serialize(const gf_flight_info* info, uint8_t** out, size_t* len, gf_error* err);
GF_API GF_WARN_UNUSED gf_status gf_flight_info_deserialize(const void* data, size_t len, gf_flight_info** out, gf_error* err);
/* Protobuf wire form of a FlightDescriptor. Caller frees *out with free(). */
GF_API gf_status gf_descriptor_serialize(const gf_descriptor* d, uint8_t** out, size_t* len, gf_error* err);

/* PollInfo: `info` is the FlightInfo to fill; descriptor absent = query done. */
GF_API gf_flight_info* gf_poll_info_info(gf_poll_info* poll);
GF_API gf_status gf_poll_info_set_descriptor(gf_poll_info* poll, const gf_descriptor* descriptor);
GF_API void gf_poll_info_set_progress(gf_poll_info* poll, double progress); /* in [0,1] */
GF_API void gf_poll_info_set_expiration(gf_poll_info* poll, int64_t seconds, int32_t nanos);

/* ListFlights output: returns a new FlightInfo appended to the list. */
GF_API gf_flight_info* gf_flight_list_add(gf_flight_list* list);
/* DoAction output: appends one Result (bytes copied). */
GF_API gf_status gf_result_list_add(gf_result_list* list, const void* body, size_t len);
/* ListActions output. */
GF_API gf_status gf_action_type_list_add(gf_action_type_list* list, const char* type, const char* description);

/* ------------------------------------------------------------------------ */
/* Streams                                                                    */

/* What DoGet returns: an Arrow stream the server pulls from on worker
 * threads, one batch at a time, sending each before pulling the next
 * (backpressure). The schema is sent first, also when there are no batches.
 * Dictionaries are sent before the batches that use them. The server owns the
 * source after a successful return and releases `stream` and `user` when the
 * call ends (normally, on error, or on cancellation). */
typedef struct gf_data_source {
  /* sizeof(gf_data_source) as compiled by the plugin. The server sets it to
   * its own size before calling do_get, so a callback that only fills the
   * fields below needs not touch it; one that assigns the whole struct sets it
   * (0 or a size outside GF_DATA_SOURCE_V1_SIZE..the server's fails the call). */
  uint32_t struct_size;
  struct ArrowArrayStream stream;
  /* Optional. Called after each batch pulled from `stream` (batch_index from
   * 0). Set *out to app_metadata bytes for that batch, valid until the next
   * call or release; leave out->len 0 for none. Non-zero return fails the call. */
  gf_status (*batch_app_metadata)(void* user, int64_t batch_index, gf_bytes* out);
  void* user;
  void (*release_user)(void* user);
} gf_data_source;

/* struct_size of gf_data_source in the first release (0.1). */
#define GF_DATA_SOURCE_V1_SIZE (offsetof(gf_data_source, release_user) + sizeof(void (*)(void*)))

/* Incoming FlightData (DoPut, DoExchange; client side DoGet too).
 * The schema message may arrive later than the first message (DoExchange). */

/* Blocks until the schema is known. GF_OK and `out` filled (caller releases);
 * GF_END_OF_STREAM when the peer ended without a schema; else an error. */
GF_API gf_status gf_data_reader_schema(gf_data_reader* r, struct ArrowSchema* out, gf_error* err);
/* Blocks for the next message. GF_OK: `batch` holds a record batch (a struct
 * array, caller releases) or is released (batch->release == NULL) for a
 * metadata-only message; `app_metadata` (may be NULL) is set to the message's
 * app_metadata, valid until the next call. GF_END_OF_STREAM at the end. */
GF_API gf_status gf_data_reader_next(gf_data_reader* r, struct ArrowArray* batch, gf_bytes* app_metadata,
                                     gf_error* err);
/* The descriptor sent by the client with its first message, or NULL. */
GF_API const gf_descriptor* gf_data_reader_descriptor(const gf_data_reader* r);
/* Exposes the remaining record batches as an ArrowArrayStream (metadata-only
 * messages are skipped). The stream borrows the reader: use it only inside the
 * callback. */
GF_API gf_status gf_data_reader_as_stream(gf_data_reader* r, struct ArrowArrayStream* out);

/* Outgoing FlightData (DoExchange). Calls block while the previous message is
 * still being sent (one outstanding write = backpressure). */
GF_API gf_status gf_data_writer_begin(gf_data_writer* w, const struct ArrowSchema* schema, gf_error* err);
/* Moves `batch` (a struct array matching the schema); app_metadata optional. */
GF_API gf_status gf_data_writer_write(gf_data_writer* w, struct ArrowArray* batch, const void* app_metadata,
                                      size_t len, gf_error* err);
GF_API gf_status gf_data_writer_write_metadata(gf_data_writer* w, const void* app_metadata, size_t len,
                                               gf_error* err);

/* DoPut acknowledgements: sends one PutResult now (blocks while the previous
 * one is being sent). */
GF_API gf_status gf_put_writer_write(gf_put_writer* w, const void* app_metadata, size_t len, gf_error* err);

/* Handshake stream. recv: GF_OK with a message, GF_END_OF_STREAM at the end. */
GF_API gf_status gf_handshake_recv(gf_handshake* h, uint64_t* protocol_version, gf_bytes* payload, gf_error* err);
GF_API gf_status gf_handshake_send(gf_handshake* h, uint64_t protocol_version, const void* payload, size_t len,
                                   gf_error* err);

/* ------------------------------------------------------------------------ */
/* The methods table and the factory                                          */

/* Each callback returns GF_OK or an error status (preferably the value of
 * gf_call_error(), which also sets the message). A NULL callback means the
 * method answers UNIMPLEMENTED. `state` is gf_methods.state. */
typedef struct gf_methods {
  uint32_t struct_size;   /* sizeof(gf_methods) as compiled by the plugin */
  uint32_t abi_version;   /* GF_PLUGIN_ABI_VERSION */
  void* state;
  /* Called once when the server is done with the methods (after the last call). */
  void (*release)(void* state);

  gf_status (*handshake)(void* state, gf_call* call, gf_handshake* stream);
  gf_status (*list_flights)(void* state, gf_call* call, gf_bytes criteria, gf_flight_list* out);
  gf_status (*get_flight_info)(void* state, gf_call* call, const gf_descriptor* descriptor,
                         gf_flight_info* out);
  gf_status (*poll_flight_info)(void* state, gf_call* call, const gf_descriptor* descriptor,
                          gf_poll_info* out);
  /* Fill `out` (moved to the server, which releases it). */
  gf_status (*get_schema)(void* state, gf_call* call, const gf_descriptor* descriptor,
                    struct ArrowSchema* out);
  gf_status (*do_get)(void* state, gf_call* call, gf_bytes ticket, gf_data_source* out);
  gf_status (*do_put)(void* state, gf_call* call, const gf_descriptor* descriptor, gf_data_reader* in,
                gf_put_writer* out);
  gf_status (*do_exchange)(void* state, gf_call* call, const gf_descriptor* descriptor,
                     gf_data_reader* in, gf_data_writer* out);
  gf_status (*do_action)(void* state, gf_call* call, const gf_action* action, gf_result_list* out);
  gf_status (*list_actions)(void* state, gf_call* call, gf_action_type_list* out);

  /* Fields below were added after the first release: the server accepts a
   * table whose struct_size ends before them (they read as NULL). */

  /* Optional: runs before every callback except `handshake` (after the
   * server's own token authentication), also for methods whose callback is
   * NULL. GF_OK lets the call proceed; any other status ends the call with
   * it (message from gf_call_error, else "Unauthenticated"). Typically
   * `return gf_basic_auth_authenticate(auth, call);` (handshake_auth.h). */
  gf_status (*authenticate)(void* state, gf_call* call);
} gf_methods;

/* struct_size of a methods table built against the first release. */
#define GF_METHODS_V1_SIZE offsetof(gf_methods, authenticate)

#define GF_PLUGIN_ABI_VERSION 1u

/* The factory a plugin exports. Called once at start-up on the main thread
 * with the server context; fills `out` (already zeroed by the server). Returns
 * GF_OK or an error (with `err` set); the server then exits with status 1. */
typedef gf_status (*gf_methods_factory)(gf_server_context* ctx, gf_methods* out, gf_error* err);

#define GF_PLUGIN_FACTORY_SYMBOL "gf_plugin_factory_v1"
#define GF_PLUGIN_ABI_SYMBOL "gf_plugin_abi_version"

/* Declares the plugin's entry points: put `GF_DECLARE_PLUGIN(my_factory)` in
 * exactly one source file of the shared library. */
#define GF_DECLARE_PLUGIN(factory)                                                        \
  GF_API extern const uint32_t gf_plugin_abi_version;                                     \
  GF_API const uint32_t gf_plugin_abi_version = GF_PLUGIN_ABI_VERSION;                    \
  GF_API gf_status gf_plugin_factory_v1(gf_server_context* ctx, gf_methods* out, gf_error* err); \
  GF_API gf_status gf_plugin_factory_v1(gf_server_context* ctx, gf_methods* out, gf_error* err) { \
    return (factory)(ctx, out, err);                                                      \
  }

/* ------------------------------------------------------------------------ */
/* Standalone endpoints and the CancelFlightInfo / RenewFlightEndpoint       */
/* actions (Flight protocol actions; bodies are plain protobuf, not Any)      */

#define GF_ACTION_CANCEL_FLIGHT_INFO "CancelFlightInfo"
#define GF_ACTION_RENEW_FLIGHT_ENDPOINT "RenewFlightEndpoint"
#define GF_ACTION_SET_SESSION_OPTIONS "SetSessionOptions"
#define GF_ACTION_GET_SESSION_OPTIONS "GetSessionOptions"
#define GF_ACTION_CLOSE_SESSION "CloseSession"

/* An endpoint not owned by a FlightInfo (RenewFlightEndpoint); the
 * gf_flight_endpoint_* setters and readers above apply. */
GF_API gf_flight_endpoint* gf_flight_endpoint_create(const void* ticket, size_t len);
GF_API void gf_flight_endpoint_free(gf_flight_endpoint* ep);
/* A standalone deep copy of `ep` (e.g. one taken from a FlightInfo). */
GF_API gf_flight_endpoint* gf_flight_endpoint_copy(const gf_flight_endpoint* ep);
/* Replaces the ticket bytes (copied). */
GF_API gf_status gf_flight_endpoint_set_ticket(gf_flight_endpoint* ep, const void* ticket, size_t len);
/* Protobuf wire form of a FlightEndpoint (the RenewFlightEndpoint result).
 * Caller frees *out with free() / the endpoint with gf_flight_endpoint_free. */
GF_API gf_status gf_flight_endpoint_serialize(const gf_flight_endpoint* ep, uint8_t** out, size_t* len,
                                              gf_error* err);
GF_API GF_WARN_UNUSED gf_status gf_flight_endpoint_deserialize(const void* data, size_t len, gf_flight_endpoint** out,
                                                               gf_error* err);

typedef enum gf_cancel_status {
  GF_CANCEL_STATUS_UNSPECIFIED = 0,
  GF_CANCEL_STATUS_CANCELLED = 1,
  GF_CANCEL_STATUS_CANCELLING = 2,
  GF_CANCEL_STATUS_NOT_CANCELLABLE = 3
} gf_cancel_status;

/* CancelFlightInfoRequest{info} <-> FlightInfo (*out freed with
 * gf_flight_info_free). A request without `info` is GF_INVALID_ARGUMENT. */
GF_API GF_WARN_UNUSED gf_status gf_cancel_flight_info_request_parse(gf_bytes body, gf_flight_info** out, gf_error* err);
GF_API gf_status gf_cancel_flight_info_request_serialize(const gf_flight_info* info, uint8_t** out,
                                                         size_t* len, gf_error* err);
/* CancelFlightInfoResult{status}. parse: unknown enum values are returned as is. */
GF_API gf_status gf_cancel_flight_info_result_serialize(gf_cancel_status status, uint8_t** out, size_t* len,
                                                        gf_error* err);
GF_API GF_WARN_UNUSED gf_status gf_cancel_flight_info_result_parse(gf_bytes body, gf_cancel_status* out, gf_error* err);
/* RenewFlightEndpointRequest{endpoint} <-> endpoint (*out freed with
 * gf_flight_endpoint_free). The result body is gf_flight_endpoint_serialize. */
GF_API GF_WARN_UNUSED gf_status gf_renew_flight_endpoint_request_parse(gf_bytes body, gf_flight_endpoint** out,
                                                                       gf_error* err);
GF_API gf_status gf_renew_flight_endpoint_request_serialize(const gf_flight_endpoint* ep, uint8_t** out,
                                                            size_t* len, gf_error* err);
/* DoAction convenience: appends the serialised message as one Result. */
GF_API gf_status gf_result_list_add_cancel_status(gf_result_list* list, gf_cancel_status status);
GF_API gf_status gf_result_list_add_endpoint(gf_result_list* list, const gf_flight_endpoint* ep);

/* Parses serialised FlightDescriptor protobuf bytes (the inverse of
 * gf_descriptor_serialize; e.g. the descriptors of a RetryInfo). *out is one
 * allocation owned by the caller: free it with gf_descriptor_free.
 * GF_INVALID_ARGUMENT (naming the input) when the bytes are malformed. */
GF_API GF_WARN_UNUSED gf_status gf_descriptor_deserialize(const void* data, size_t len, gf_descriptor** out, gf_error* err);
/* Frees a descriptor from gf_descriptor_deserialize (NULL is fine). */
GF_API void gf_descriptor_free(gf_descriptor* d);

#ifdef __cplusplus
}
#endif

#endif
