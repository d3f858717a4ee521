/* The one map between gf_status and gRPC status codes (both directions) and
 * the gRPC code names. Constant data, any thread. */
#ifndef GF__COMMON_GRPC_STATUS_H
#define GF__COMMON_GRPC_STATUS_H

#include "gooddata_flight_server/common.h"

/* gRPC status codes are 0 (OK) .. 16 (UNAUTHENTICATED). */
#define GF__GRPC_CODES 17

/* gRPC code sent for a gf_status: GF_OK and GF_END_OF_STREAM -> 0; library
 * conditions map to the nearest code (GF_NO_MEMORY -> RESOURCE_EXHAUSTED,
 * GF_IO_ERROR -> UNAVAILABLE); anything else -> UNKNOWN (2). Public as
 * gf_status_grpc_code. */
int gf__grpc_from_status(int status);
/* gf_status for a received gRPC code: the inverse of gf__grpc_from_status
 * where one exists; FAILED_PRECONDITION and OUT_OF_RANGE -> GF_INVALID_ARGUMENT,
 * ABORTED and DATA_LOSS -> GF_INTERNAL; out of range -> GF_UNKNOWN. */
int gf__status_from_grpc(int grpc_code);
/* "OK", "CANCELLED", ..., "UNAUTHENTICATED"; "UNKNOWN" out of range.
 * Public as gf_grpc_code_name. */
const char* gf__grpc_code_name(int grpc_code);

#endif
