/* gf_status <-> gRPC status code table. Any thread (constant data). */
#include "common/grpc_status.h"

static const struct {
  const char* name;
  int status; /* gf_status a received code means */
} k_codes[GF__GRPC_CODES] = {
    {"OK", GF_OK},
    {"CANCELLED", GF_CANCELLED},
    {"UNKNOWN", GF_UNKNOWN},
    {"INVALID_ARGUMENT", GF_INVALID_ARGUMENT},
    {"DEADLINE_EXCEEDED", GF_TIMED_OUT},
    {"NOT_FOUND", GF_NOT_FOUND},
    {"ALREADY_EXISTS", GF_ALREADY_EXISTS},
    {"PERMISSION_DENIED", GF_UNAUTHORIZED},
    {"RESOURCE_EXHAUSTED", GF_RESOURCE_EXHAUSTED},
    {"FAILED_PRECONDITION", GF_INVALID_ARGUMENT},
    {"ABORTED", GF_INTERNAL},
    {"OUT_OF_RANGE", GF_INVALID_ARGUMENT},
    {"UNIMPLEMENTED", GF_UNIMPLEMENTED},
    {"INTERNAL", GF_INTERNAL},
    {"UNAVAILABLE", GF_UNAVAILABLE},
    {"DATA_LOSS", GF_INTERNAL},
    {"UNAUTHENTICATED", GF_UNAUTHENTICATED},
};

int gf__grpc_from_status(int status) {
  switch (status) {
    case GF_OK:
    case GF_END_OF_STREAM: return 0;
    case GF_CANCELLED: return 1;
    case GF_INVALID_ARGUMENT: return 3;
    case GF_TIMED_OUT: return 4;
    case GF_NOT_FOUND: return 5;
    case GF_ALREADY_EXISTS: return 6;
    case GF_UNAUTHORIZED: return 7;
    case GF_RESOURCE_EXHAUSTED:
    case GF_NO_MEMORY: return 8;
    case GF_UNIMPLEMENTED: return 12;
    case GF_INTERNAL: return 13;
    case GF_UNAVAILABLE:
    case GF_IO_ERROR: return 14;
    case GF_UNAUTHENTICATED: return 16;
    default: return 2;
  }
}

int gf__status_from_grpc(int grpc_code) {
  return grpc_code >= 0 && grpc_code < GF__GRPC_CODES ? k_codes[grpc_code].status : GF_UNKNOWN;
}

const char* gf__grpc_code_name(int grpc_code) {
  return grpc_code >= 0 && grpc_code < GF__GRPC_CODES ? k_codes[grpc_code].name : "UNKNOWN";
}

int gf_status_grpc_code(gf_status status) { return gf__grpc_from_status(status); }

const char* gf_grpc_code_name(int grpc_code) { return gf__grpc_code_name(grpc_code); }
