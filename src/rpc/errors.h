/* Mapping of gf_status errors to the wire: gRPC status code, grpc-message and
 * the Arrow trailers (x-arrow-status, x-arrow-status-message-bin,
 * x-arrow-status-detail-bin, grpc-status-details-bin) per docs/internals.md.
 * Any thread. */
#ifndef GF__FLIGHT_ERRORS_H
#define GF__FLIGHT_ERRORS_H

#include "transport/server_transport.h"

typedef struct gf__wire_status {
  gf__tstatus st;   /* points into the storage below */
  char* message;    /* grpc-message */
  gf__tmd* md;      /* trailers */
  char xstatus[16];
} gf__wire_status;

/* Builds the status for `code` (GF_OK: plain OK plus user trailers). */
int gf__wire_status_init(gf__wire_status* w, int code, const char* msg, const void* extra,
                         size_t extra_len, const gf__tmd* user_trailers, size_t n_user);
void gf__wire_status_free(gf__wire_status* w);

/* ErrorInfo JSON for server-produced errors: {"msg":M,"detail":null,"code":C,"body":null}.
 * Caller frees. */
char* gf__error_info_json(const char* msg, int code);

#define GF__ERRCODE_NOT_READY 197109
#define GF__ERRCODE_SHUTTING_DOWN 131574

#endif
