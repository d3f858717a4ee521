/* gf_data_reader / gf_data_writer over an abstract blocking message source /
 * sink, so the server (DoPut, DoExchange) and the client (DoGet, DoPut,
 * DoExchange) share them. The reader decodes FlightData + Arrow IPC (schema
 * possibly later than message 1, dictionaries, metadata-only messages); the
 * writer encodes schema/dictionaries/batches (split above max_batch_bytes).
 * One thread uses a reader (and one a writer) at a time. */
#ifndef GF__FLIGHT_DATA_STREAM_H
#define GF__FLIGHT_DATA_STREAM_H

#include "flight/flightdata.h"
#include "gooddata_flight_server/flight.h"
#include "transport/msg.h"

/* Blocking: next received message. GF_OK (*out owned by the caller),
 * GF_END_OF_STREAM, or an error with err set. */
typedef int (*gf__msg_source_fn)(void* src, gf__ibuf** out, gf_error* err);
/* Blocking: sends `msg` (always consumed). GF_OK or an error. */
typedef int (*gf__msg_sink_fn)(void* sink, gf__obuf* msg, gf_error* err);

/* `first` (may be NULL) is a message already decoded by the caller (e.g. to
 * read the descriptor); it is moved into the reader. */
gf_data_reader* gf__data_reader_new(gf__msg_source_fn fn, void* src, gf__flight_data* first);
void gf__data_reader_free(gf_data_reader* r);
/* The last error code the reader returned to the plugin (0: none) and its
 * message. */
int gf__data_reader_last_error(const gf_data_reader* r, const char** message);

/* `descriptor` (may be NULL) is attached to the first message written (client
 * DoPut/DoExchange). max_batch_bytes <= 0: no splitting. */
gf_data_writer* gf__data_writer_new(gf__msg_sink_fn fn, void* sink, int64_t max_batch_bytes,
                                    const gf_descriptor* descriptor);
void gf__data_writer_free(gf_data_writer* w);
/* Encodes one batch into FlightData messages (dictionaries first, then the
 * batch pieces, app_metadata on each batch piece). Moves `batch`. *out is a
 * malloc'd array of *n obufs. Shared with the server's DoGet. */
int gf__flight_encode_batch(gf_ipc_encoder* enc, const struct ArrowSchema* schema, struct ArrowArray* batch,
                     int64_t max_batch_bytes, const void* app_md, size_t app_len,
                     gf__obuf*** out, size_t* n, gf_error* err);
/* Encodes the schema message (with an optional descriptor). */
int gf__flight_encode_schema(const struct ArrowSchema* schema, const gf_descriptor* descriptor,
                      gf__obuf** out, gf_error* err);
void gf__obuf_array_free(gf__obuf** a, size_t n);

#endif
