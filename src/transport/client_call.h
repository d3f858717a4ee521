/* Client side of the transport (libnghttp2; client_conn.c, client_call.c):
 * a channel to one server (plaintext or TLS) with its own I/O thread, and
 * blocking calls on it; one thread may send while another receives.
 * Messages are gf__obuf (out, zero-copy segments) and gf__ibuf (in, one
 * buffer per message). Nothing above src/transport sees an HTTP/2 type.
 * Threads: any application thread; a call is used by at most one sender and
 * one receiver thread at a time. */
#ifndef GF__TRANSPORT_CLIENT_CALL_H
#define GF__TRANSPORT_CLIENT_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"
#include "transport/msg.h"

typedef struct gf__cchannel gf__cchannel;
typedef struct gf__ccall gf__ccall;

typedef struct gf__cchannel_options {
  const char* target;          /* "host:port", "[v6addr]:port" or "unix:/path" */
  int tls;                     /* 1: TLS */
  const char* root_certs;      /* PEM or NULL (the system's roots) */
  const char* cert_chain;      /* mTLS client certificate PEM or NULL */
  const char* private_key;     /* mTLS client key PEM or NULL */
  const char* override_host;   /* name the server certificate must match, or NULL (the host) */
  int64_t max_receive_bytes;   /* <= 0: unlimited */
  int disable_bdp_probe;       /* accepted; the window is fixed (lookahead_bytes) */
  int32_t lookahead_bytes;     /* > 0: per-stream receive window (default 4 MiB) */
  /* Optional: where a received message's payload starts (see
   * gf__tserver_options.payload_offset); that offset is then placed at a
   * 64-byte boundary so the layer above uses the payload in place. */
  int (*payload_offset)(const uint8_t* p, size_t n, size_t* off);
} gf__cchannel_options;

int gf__cchannel_create(const gf__cchannel_options* opts, gf__cchannel** out, gf_error* err);
void gf__cchannel_free(gf__cchannel* ch);

/* One request/response header. Keys must be lower-case. */
typedef struct gf__cheader {
  const char* key;
  gf_bytes value;
} gf__cheader;

/* Received metadata: headers or trailers (keys and values copied). */
typedef struct gf__cmeta {
  size_t n;
  char** keys;
  gf_bytes* values; /* each value malloc'd */
} gf__cmeta;

void gf__cmeta_clear(gf__cmeta* m);
/* First value of `key` (case-insensitive); 1 if found. */
int gf__cmeta_get(const gf__cmeta* m, const char* key, gf_bytes* out);

/* Final status of a call. */
typedef struct gf__cstatus {
  int done;              /* 1 once received */
  int grpc_code;         /* grpc_status_code */
  char* details;         /* grpc-message (malloc'd, may be NULL) */
  gf__cmeta headers;     /* response initial metadata */
  gf__cmeta trailers;
} gf__cstatus;

/* Starts a call on `method` ("/pkg.Service/Method"). deadline_ms > 0: the call
 * is cancelled with DEADLINE_EXCEEDED after that many milliseconds. Sends the
 * request headers at once. */
int gf__ccall_start(gf__cchannel* ch, const char* method, const gf__cheader* headers,
                    size_t n_headers, int64_t deadline_ms, gf__ccall** out, gf_error* err);
/* Hands one message to the transport: waits while the previous message of
 * the call is still being written (one in flight per call), then returns;
 * the message's segments are released once written. Consumes `msg` (always,
 * also on error). last = 1 also half-closes. When the call has ended (or an
 * earlier message could not be written) returns the call's final status
 * (see gf__ccall_finish), GF_IO_ERROR when that status is OK; responses not
 * read yet stay readable. */
int gf__ccall_send(gf__ccall* c, gf__obuf* msg, int last, gf_error* err);
/* Half-close (no more messages from the client). Idempotent. */
int gf__ccall_close_send(gf__ccall* c, gf_error* err);
/* Blocks for the next message: GF_OK with *out (caller frees), or
 * GF_END_OF_STREAM when the server ended the stream (call gf__ccall_finish
 * for the status), or an error status. */
int gf__ccall_recv(gf__ccall* c, gf__ibuf** out, gf_error* err);
/* Waits for the final status and maps it: GF_OK, or the gf_status of the
 * gRPC code with the message in err. Idempotent. */
int gf__ccall_finish(gf__ccall* c, gf_error* err);
/* Cancels the call (any thread; idempotent). */
void gf__ccall_cancel(gf__ccall* c);
/* Status (valid after finish / end of stream / failure; headers once received). */
const gf__cstatus* gf__ccall_status(const gf__ccall* c);
/* Blocks until response headers arrived (or the call ended). */
const gf__cmeta* gf__ccall_headers(gf__ccall* c);
/* Cancels if still running, waits for outstanding operations, frees. */
void gf__ccall_free(gf__ccall* c);

/* gRPC status code -> gf_status (the reverse of the server's mapping). */
int gf__grpc_code_to_status(int grpc_code);

#endif
