/* gf_status -> gRPC status + Arrow trailers (the C++/pyarrow format). Any thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/errors.h"

#include "common/grpc_status.h"
#include "gooddata_flight_server/errors.h"

typedef struct mapping {
  int arrow;
  const char* detail; /* NULL: no ". Detail: " suffix */
} mapping;

static mapping map_status(int code) {
  switch (code) {
    case GF_OK: return (mapping){0, NULL};
    case GF_INTERNAL: return (mapping){5, "Internal"};
    case GF_TIMED_OUT: return (mapping){5, "TimedOut"};
    case GF_CANCELLED: return (mapping){5, "Cancelled"};
    case GF_UNAUTHENTICATED: return (mapping){5, "Unauthenticated"};
    case GF_UNAUTHORIZED: return (mapping){5, "Unauthorized"};
    case GF_UNAVAILABLE:
    case GF_IO_ERROR: return (mapping){5, "Unavailable"};
    case GF_INVALID_ARGUMENT: return (mapping){4, NULL};
    case GF_NOT_FOUND: return (mapping){2, NULL};
    case GF_ALREADY_EXISTS: return (mapping){45, NULL};
    case GF_UNIMPLEMENTED: return (mapping){10, NULL};
    case GF_RESOURCE_EXHAUSTED:
    case GF_NO_MEMORY: return (mapping){6, NULL};
    default: return (mapping){5, "Failed"};
  }
}

int gf__wire_status_init(gf__wire_status* w, int code, const char* msg, const void* extra,
                         size_t extra_len, const gf__tmd* user_trailers, size_t n_user) {
  memset(w, 0, sizeof(*w));
  mapping m = map_status(code);
  if (!msg) msg = "";
  w->md = calloc(n_user + 4, sizeof(gf__tmd));
  if (!w->md) return GF_NO_MEMORY;
  size_t n = 0;
  for (size_t i = 0; i < n_user; i++) w->md[n++] = user_trailers[i];
  if (code == GF_OK) {
    w->message = strdup("");
  } else {
    size_t ml = strlen(msg) + (m.detail ? strlen(m.detail) + 16 : 0) + 1;
    w->message = malloc(ml);
    if (w->message) {
      if (m.detail) snprintf(w->message, ml, "%s. Detail: %s", msg, m.detail);
      else snprintf(w->message, ml, "%s", msg);
    }
    snprintf(w->xstatus, sizeof(w->xstatus), "%d", m.arrow);
    w->md[n++] = (gf__tmd){"x-arrow-status", (const uint8_t*)w->xstatus, strlen(w->xstatus)};
    w->md[n++] = (gf__tmd){"x-arrow-status-message-bin", (const uint8_t*)msg, strlen(msg)};
    if (m.detail)
      w->md[n++] = (gf__tmd){"x-arrow-status-detail-bin", (const uint8_t*)m.detail, strlen(m.detail)};
    if (extra_len) w->md[n++] = (gf__tmd){"grpc-status-details-bin", extra, extra_len};
  }
  if (!w->message) {
    gf__wire_status_free(w);
    return GF_NO_MEMORY;
  }
  w->st = (gf__tstatus){gf__grpc_from_status(code), w->message, n, w->md};
  return GF_OK;
}

void gf__wire_status_free(gf__wire_status* w) {
  free(w->message);
  free(w->md);
  memset(w, 0, sizeof(*w));
}

char* gf__error_info_json(const char* msg, int code) {
  gf_error_info info;
  char* out = NULL;
  size_t len = 0;
  if (gf_error_info_init(&info, code, "%s", msg) == GF_OK) gf_error_info_to_json(&info, &out, &len, NULL);
  gf_error_info_clear(&info);
  return out;
}
