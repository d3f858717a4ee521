/* Generic unary calls (client_raw.h): start, send one message with
 * half-close, receive one message (capped), wait for the status. Any
 * application thread; each call is independent (own completion queue). */
#include <stdlib.h>
#include <string.h>

#include "transport/client_raw.h"

void gf__craw_result_clear(gf__craw_result* r) {
  if (!r) return;
  free(r->resp);
  r->resp = NULL;
  r->resp_len = 0;
}

static int send_request(gf__ccall* c, const char* method, const void* req, size_t len,
                        gf_error* err) {
  gf__obuf* b = gf__obuf_new();
  if (!b) return gf_error_set(err, GF_NO_MEMORY, "%s: out of memory", method);
  if (len > 0 && gf__obuf_add_copy(b, req, len) != GF_OK) {
    gf__obuf_free(b);
    return gf_error_set(err, GF_NO_MEMORY, "%s: out of memory", method);
  }
  return gf__ccall_send(c, b, 1, err); /* consumes b */
}

/* Reads the single response message into out->resp. */
static int recv_response(gf__ccall* c, const char* method, size_t max_resp,
                         gf__craw_result* out, gf_error* err) {
  gf__ibuf* msg = NULL;
  int rc = gf__ccall_recv(c, &msg, err);
  if (rc == GF_END_OF_STREAM)
    return gf_error_set(err, GF_INTERNAL, "%s: the server sent no response message", method);
  if (rc != GF_OK) return rc;
  size_t len = gf__ibuf_length(msg);
  if (max_resp > 0 && len > max_resp) {
    gf__ibuf_free(msg);
    gf__ccall_cancel(c);
    return gf_error_set(err, GF_RESOURCE_EXHAUSTED, "%s: response of %zu bytes over the limit %zu",
                        method, len, max_resp);
  }
  rc = gf__ibuf_flatten(msg, &out->resp, &out->resp_len);
  gf__ibuf_free(msg);
  if (rc != GF_OK) return gf_error_set(err, GF_NO_MEMORY, "%s: out of memory", method);
  return GF_OK;
}

int gf__craw_unary(gf__cchannel* ch, const char* method, const gf__cheader* headers,
                   size_t n_headers, const void* req, size_t req_len, int64_t deadline_ms,
                   size_t max_resp, gf__craw_result* out, gf_error* err) {
  memset(out, 0, sizeof *out);
  out->grpc_code = -1;
  gf__ccall* c = NULL;
  int rc = gf__ccall_start(ch, method, headers, n_headers, deadline_ms, &c, err);
  if (rc != GF_OK) return rc;
  rc = send_request(c, method, req, req_len, err);
  if (rc == GF_OK) rc = recv_response(c, method, max_resp, out, err);
  if (rc == GF_OK) rc = gf__ccall_finish(c, err);
  else gf__ccall_finish(c, NULL);
  const gf__cstatus* st = gf__ccall_status(c);
  if (st->done) out->grpc_code = st->grpc_code;
  gf__ccall_free(c);
  if (rc != GF_OK) gf__craw_result_clear(out);
  return rc;
}
