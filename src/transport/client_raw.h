/* Generic unary gRPC calls on a gf__cchannel with already-encoded request
 * and response bytes (any protobuf service, e.g. the OTLP trace exporter):
 * one message out, exactly one message back, the final gRPC status. Built on
 * the blocking client call API (client_call.h). Any application thread; a
 * call blocks the calling thread until it ends or its deadline passes. */
#ifndef GF__TRANSPORT_CLIENT_RAW_H
#define GF__TRANSPORT_CLIENT_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "transport/client_call.h"

typedef struct gf__craw_result {
  int grpc_code;       /* final gRPC status code; -1 when the call did not start */
  uint8_t* resp;       /* response message (malloc'd, caller frees) or NULL */
  size_t resp_len;
} gf__craw_result;

/* Calls `method` ("/pkg.Service/Method") with request headers (gRPC
 * metadata, lower-case keys), sends `req` (copied) and half-closes, then
 * reads one response message of at most max_resp bytes (0: no cap). A call
 * still running after deadline_ms (> 0) ends with DEADLINE_EXCEEDED.
 * GF_OK when the status is OK and one message arrived; otherwise the
 * gf_status of the failure with the gRPC message in err. `out` is always
 * filled (grpc_code set whenever a status was received). */
int gf__craw_unary(gf__cchannel* ch, const char* method, const gf__cheader* headers,
                   size_t n_headers, const void* req, size_t req_len, int64_t deadline_ms,
                   size_t max_resp, gf__craw_result* out, gf_error* err);

/* Frees the response of a result (NULL-safe, idempotent). */
void gf__craw_result_clear(gf__craw_result* r);

#endif
