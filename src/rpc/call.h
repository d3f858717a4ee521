/* The server-side call object (gf_call): request info, auth identity,
 * response headers/trailers, recorded error, on-end finalizers, and the
 * blocking send/recv helpers used by worker threads (DoPut, DoExchange,
 * Handshake). Reference counted: the processing side and the transport close
 * notification each hold one reference; the last one runs the finalizers on a
 * worker and frees the call. */
#ifndef GF__FLIGHT_CALL_H
#define GF__FLIGHT_CALL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "gooddata_flight_server/flight.h"
#include "transport/server_transport.h"

typedef struct gf__dispatcher gf__dispatcher;

typedef struct gf__finalizer {
  gf_call_end_fn fn;
  void* user;
} gf__finalizer;

struct gf_call {
  gf__dispatcher* d;
  gf__tcall* t;
  int method;
  const char* method_path; /* borrowed from the transport call */
  const char* peer;
  int64_t deadline_ms;
  const gf__tmd* headers;
  size_t n_headers;
  const char* tls_identity;
  gf__ibuf* request;
  char* identity; /* auth result (malloc'd) */
  void* auth_data;
  struct timespec started;
  atomic_int refs;

  pthread_mutex_t mu;
  pthread_cond_t cv;
  gf__tmd* trailers; /* owned copies */
  size_t n_trailers, cap_trailers;
  gf__finalizer* fins;
  size_t n_fins, cap_fins;
  int err_code;
  char* err_msg;
  uint8_t* err_extra;
  size_t err_extra_len;
  int final_status; /* what the client was sent */
  int closed, cancelled;

  /* blocking helpers */
  int send_busy, send_failed; /* gf__call_send_blocking: a message outstanding; one failed */
  int recv_busy, recv_done, recv_ok;
  int flush_done, flush_ok;
  gf__ibuf* recv_msg;
  int64_t msgs_in, msgs_out;
  /* The sends in flight (gf__call_send): [0] a message alone, [1] the final
   * send carrying the status. The transport runs at most one of each. */
  struct gf__call_out {
    size_t bytes;
    int has_msg;
    gf__tdone_fn done;
    void* user;
  } out[2];
  int64_t recv_held; /* bytes of the reader's current message charged to d->recv_held */

  void* stream; /* per-method streaming state (DoGet, lists) */
  void* span;   /* tracing span (server hooks), ended at finalisation */
  int admitted; /* passed the gate: counted in d->admitted_calls, listed in d->adm_head */
  gf_call *adm_prev, *adm_next; /* guarded by d->adm_mu */
};

/* Longest error message kept (bytes); longer ones are cut at a UTF-8
 * character boundary. */
#define GF__CALL_MSG_MAX 16384

gf_call* gf__call_new(gf__dispatcher* d, gf__tcall* t, const gf__tcall_info* info);
void gf__call_ref(gf_call* c);
/* Drops a reference; the last one finalises (posts to the worker pool). */
void gf__call_unref(gf_call* c);

/* Ends the call: sends `last` (may be NULL) with the status for `code`
 * (message/extra from gf_call_error, or a default). Drops the processing
 * reference when the send completes (or at once when it cannot start). */
void gf__call_finish(gf_call* c, gf__obuf* last, int code);
/* Sends one message from a worker thread: waits while the previous one is
 * still being sent (one outstanding message per call is the backpressure),
 * then hands this one over and returns. GF_OK, or GF_CANCELLED when the
 * call ended or an earlier message failed. gf__call_finish waits for the
 * last one. */
int gf__call_send_blocking(gf_call* c, gf__obuf* msg);
/* Blocking receive. GF_OK (*out owned), GF_END_OF_STREAM (client half-close
 * only), GF_CANCELLED (cancel, deadline, broken connection, idle timeout). */
int gf__call_recv_blocking(gf_call* c, gf__ibuf** out);
/* The one send path of a call: hands msg (may be NULL) and status (may be
 * NULL) to the transport, and when the transport reports msg written counts
 * it (msgs_out and the rpc_message hook with its bytes) before running
 * done(user, ok) on the CQ thread. Same return rules as gf__tcall_send. */
int gf__call_send(gf_call* c, gf__obuf* msg, const gf__tstatus* status, gf__tdone_fn done,
                  void* user);
/* Counts one received message of `bytes` (msgs_in and the rpc_message hook). */
void gf__call_count_received(gf_call* c, size_t bytes);
/* Async send of one message; done(call, ok) runs on a worker. */
int gf__call_send_async(gf_call* c, gf__obuf* msg, void (*done)(gf_call* c, int ok));
/* Records err as the call's error (if none recorded yet) and returns its code.
 * The message is copied, capped at GF__CALL_MSG_MAX bytes and never cut (or
 * left ending) inside a UTF-8 sequence. */
int gf__call_set_error(gf_call* c, int code, const char* msg, const void* extra, size_t extra_len);

/* Runs the methods table's `authenticate` hook (call_auth.c); on failure
 * finishes the call and returns the status, else GF_OK. */
int gf__call_plugin_authenticate(gf_call* c);

#endif
