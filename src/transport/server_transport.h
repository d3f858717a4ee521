/* gRPC-core server transport: listening socket (plain or TLS/mTLS), one
 * completion queue + one polling thread per `cq_threads`, pre-armed
 * registered-method requests for the ten Flight methods plus generic
 * catch-all requests, and the per-call state machine (gf__tcall) that
 * enforces gRPC core's rules: initial metadata always first, one outstanding
 * send and one outstanding recv, any failed start_batch cancels the call,
 * RECV_CLOSE_ON_SERVER outstanding from the start.
 *
 * Threads: on_call and every done/recv/close callback run on a CQ thread and
 * must not block (hand work to a worker). gf__tcall_* operations may be called
 * from any thread (per-call mutex). No gRPC type leaks out of this header. */
#ifndef GF__TRANSPORT_SERVER_TRANSPORT_H
#define GF__TRANSPORT_SERVER_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"
#include "transport/msg.h"

typedef struct gf__tserver gf__tserver;
typedef struct gf__tcall gf__tcall;

/* A metadata entry (request headers, response headers and trailers). */
typedef struct gf__tmd {
  const char* key;      /* lower-case, NUL-terminated */
  const uint8_t* value; /* raw bytes (-bin already decoded) */
  size_t len;
} gf__tmd;

typedef struct gf__tcall_info {
  int method;              /* what opts.method_of returned for the path */
  const char* method_path; /* "/arrow.flight.protocol.FlightService/DoGet" */
  const char* peer;        /* "ipv4:127.0.0.1:50512" */
  int64_t deadline_ms;     /* ms since the epoch, INT64_MAX when none */
  size_t n_headers;
  const gf__tmd* headers;  /* valid while the call lives */
  const char* identity;    /* TLS client certificate CN (or subject), or NULL */
  gf__ibuf* request;       /* unary request (the callee owns it), or NULL */
} gf__tcall_info;

typedef struct gf__tserver_options {
  const char* host;
  int port;                 /* 0 = ephemeral */
  int cq_threads;           /* >= 1 */
  int64_t max_receive_message_bytes; /* <= 0: unlimited */
  int64_t max_metadata_bytes;
  int max_concurrent_streams;
  int keepalive_time_sec;
  int keepalive_timeout_sec;
  int max_connection_idle_sec;
  /* HTTP/2 receive window per stream (DoPut/DoExchange uploads): > 0 turns
   * BDP probing off and fixes the window; 0 = GF__TSERVER_DEFAULT_LOOKAHEAD
   * (env GF_TRANSPORT_LOOKAHEAD_BYTES overrides; < 0 = gRPC's BDP probing). */
  int64_t stream_lookahead_bytes;
  int use_tls, use_mtls;
  const char* cert_pem, *key_pem, *root_pem;
  /* Which method a request path names (I/O thread, must not block): the
   * returned value becomes gf__tcall_info.method; *unary_request = 1 when the
   * call carries exactly one request message, read before on_call (in
   * gf__tcall_info.request). The transport itself knows no method names. */
  int (*method_of)(const char* path, int* unary_request);
  /* Optional (I/O thread, must not block): where the payload starts in a
   * streamed request message whose first n bytes are p: 1 with *off set, 0
   * when more bytes are needed, -1 when there is none. The transport then
   * places that offset of the receive buffer at a 64-byte aligned address,
   * so the layer above can use the payload in place. */
  int (*payload_offset)(const uint8_t* p, size_t n, size_t* off);
  /* New call (CQ thread). The callee owns one reference on `call` and must
   * end it with gf__tcall_release. */
  void (*on_call)(void* user, gf__tcall* call, const gf__tcall_info* info);
  void* user;
} gf__tserver_options;

/* Calls grpc_init, binds, starts serving. */
int gf__tserver_create(const gf__tserver_options* opts, gf__tserver** out, gf_error* err);
int gf__tserver_port(const gf__tserver* s);
/* Graceful shutdown: stop accepting, wait up to grace_ms for in-flight calls,
 * cancel the rest, wait for every call object to be released (bounded), stop
 * and join CQ threads. Blocking; call once. */
void gf__tserver_shutdown(gf__tserver* s, int64_t grace_ms);
/* Frees the server (after shutdown) and drops the grpc_init reference. */
void gf__tserver_destroy(gf__tserver* s);
/* Whether the listener accepts connections: false while accepting has
 * failed for lack of descriptors (EMFILE/ENFILE) for more than
 * GF__TSERVER_PAUSE_READY_MS; true again as soon as a descriptor is free.
 * The graceful drain (which closes the listener) does not count: readiness
 * stays as it was while draining, like the seed's. Any thread, lock-free. */
#define GF__TSERVER_PAUSE_READY_MS 250
bool gf__tserver_accepting(gf__tserver* s);

/* ---- calls ----------------------------------------------------------------- */

typedef void (*gf__tdone_fn)(void* user, int ok);
/* ok=0: failed (cancelled); msg NULL with ok=1: the peer half-closed. The
 * callee owns msg. */
typedef void (*gf__trecv_fn)(void* user, int ok, gf__ibuf* msg);
typedef void (*gf__tclose_fn)(void* user, int cancelled);

typedef struct gf__tstatus {
  int code;               /* gRPC status code */
  const char* message;    /* grpc-message (raw UTF-8), may be NULL */
  size_t n_trailers;
  const gf__tmd* trailers;
} gf__tstatus;

/* Close handler: runs once when RECV_CLOSE_ON_SERVER completes (end of the
 * RPC or cancellation). Must be set inside on_call. */
void gf__tcall_on_close(gf__tcall* c, gf__tclose_fn fn, void* user);
/* Adds a response header (copied); GF_ALREADY_EXISTS once the initial
 * metadata was sent. */
int gf__tcall_add_header(gf__tcall* c, const char* key, const void* value, size_t len);
/* Starts one send batch: initial metadata (if not yet sent), the message
 * (if msg != NULL; msg is consumed in all cases) and the status (if status !=
 * NULL; data copied). GF_OK: done(user, ok) will run on a CQ thread. Error
 * (another send outstanding, status already sent, call over, start_batch
 * failed): done does not run. */
int gf__tcall_send(gf__tcall* c, gf__obuf* msg, const gf__tstatus* status, gf__tdone_fn done,
                   void* user);
/* Starts one RECV_MESSAGE. Same rules, except that after the first call the
 * transport reads one message ahead: when that message is already there,
 * done runs at once on the calling thread (before this returns). */
int gf__tcall_recv(gf__tcall* c, gf__trecv_fn done, void* user);
void gf__tcall_cancel(gf__tcall* c);
/* Cancels the call sending the client `code` (gRPC status) and `message`. */
void gf__tcall_cancel_with_status(gf__tcall* c, int code, const char* message);
/* Queues a marker behind every completion of this call already on its
 * completion queue; done(user, !cancelled) runs on the CQ thread once those
 * ran (used to see a close notification queued behind a receive that
 * reported the end of the stream). One flush at a time per call. */
int gf__tcall_flush(gf__tcall* c, gf__tdone_fn done, void* user);
/* 1 once the call was cancelled (client, deadline, network, server). */
int gf__tcall_cancelled(const gf__tcall* c);
void gf__tcall_release(gf__tcall* c);

#endif
