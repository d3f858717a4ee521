/* Types shared by every part of the public API: status codes, the error
 * out-parameter, and borrowed byte views. Header-only except gf_error_set. */
#ifndef GOODDATA_FLIGHT_SERVER_COMMON_H
#define GOODDATA_FLIGHT_SERVER_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Library version. The major number is the ABI generation: it is the SONAME's
 * number (libgooddata_flight_server.so.0) and changes only when a plugin or
 * program built against an older release could break. Minor releases add at
 * the end of structs and tables only (see docs/plugin-api.md). */
#define GF_VERSION_MAJOR 0
#define GF_VERSION_MINOR 1
#define GF_VERSION_PATCH 0
#define GF_VERSION_STRING "0.1.0"
/* 0xMMmmpp: compare with >= (e.g. GF_VERSION_HEX >= 0x000100). */
#define GF_VERSION_HEX ((GF_VERSION_MAJOR << 16) | (GF_VERSION_MINOR << 8) | GF_VERSION_PATCH)

/* GF_VERSION_HEX of the library loaded at run time (the headers a program
 * was compiled with may be older). */
GF_API uint32_t gf_version(void);
/* GF_VERSION_STRING of the library loaded at run time. */
GF_API const char* gf_version_string(void);

/* Status codes. Every public function that reports success or failure
 * returns a gf_status: GF_OK (0) on success, one of the codes below
 * otherwise. Predicates return bool. The non-zero codes start above
 * GF_STATUS_BASE so they never collide with errno values (what
 * ArrowArrayStream callbacks return); gf_status_from_errno and
 * gf_status_to_errno convert between the two. gf_status is an int, so a
 * status travels through int variables and callbacks unchanged. */
typedef int gf_status;

#define GF_STATUS_BASE 1000

enum gf_status_code {
  GF_OK = 0,
  GF_UNKNOWN = GF_STATUS_BASE + 1,             /* gRPC UNKNOWN */
  GF_INTERNAL = GF_STATUS_BASE + 2,            /* gRPC INTERNAL */
  GF_INVALID_ARGUMENT = GF_STATUS_BASE + 3,    /* gRPC INVALID_ARGUMENT; also malformed input */
  GF_TIMED_OUT = GF_STATUS_BASE + 4,           /* gRPC DEADLINE_EXCEEDED */
  GF_NOT_FOUND = GF_STATUS_BASE + 5,           /* gRPC NOT_FOUND */
  GF_ALREADY_EXISTS = GF_STATUS_BASE + 6,      /* gRPC ALREADY_EXISTS */
  GF_CANCELLED = GF_STATUS_BASE + 7,           /* gRPC CANCELLED */
  GF_UNAUTHENTICATED = GF_STATUS_BASE + 8,     /* gRPC UNAUTHENTICATED */
  GF_UNAUTHORIZED = GF_STATUS_BASE + 9,        /* gRPC PERMISSION_DENIED */
  GF_UNIMPLEMENTED = GF_STATUS_BASE + 10,      /* gRPC UNIMPLEMENTED */
  GF_UNAVAILABLE = GF_STATUS_BASE + 11,        /* gRPC UNAVAILABLE */
  GF_RESOURCE_EXHAUSTED = GF_STATUS_BASE + 12, /* gRPC RESOURCE_EXHAUSTED; limits exceeded */
  GF_NO_MEMORY = GF_STATUS_BASE + 13,          /* allocation failed (gRPC RESOURCE_EXHAUSTED) */
  GF_IO_ERROR = GF_STATUS_BASE + 14,           /* file or socket error (gRPC UNAVAILABLE) */
  GF_END_OF_STREAM = GF_STATUS_BASE + 15       /* not an error: nothing more to read */
};

/* The status for an errno value (0 -> GF_OK; ENOMEM -> GF_NO_MEMORY, EINVAL
 * -> GF_INVALID_ARGUMENT, EIO -> GF_IO_ERROR, ...; any other -> GF_UNKNOWN).
 * A value that already is a gf_status is returned unchanged. */
GF_API gf_status gf_status_from_errno(int errnum);
/* The errno value for a status, for returning from ArrowArrayStream
 * callbacks (GF_OK -> 0; GF_NO_MEMORY -> ENOMEM, GF_IO_ERROR -> EIO, ...;
 * any other -> EINVAL). */
GF_API int gf_status_to_errno(gf_status status);

/* Short stable name of a status ("ok", "invalid_argument", ...). */
GF_API const char* gf_status_name(gf_status status);
/* The gRPC status code a server sends for `status`: GF_OK and
 * GF_END_OF_STREAM -> 0 (OK), GF_NO_MEMORY -> 8 (RESOURCE_EXHAUSTED),
 * GF_IO_ERROR -> 14 (UNAVAILABLE), the others as noted on gf_status;
 * unknown values -> 2 (UNKNOWN). */
GF_API int gf_status_grpc_code(gf_status status);
/* Name of a gRPC status code ("OK", "NOT_FOUND", ..., "UNAUTHENTICATED");
 * "UNKNOWN" outside 0..16. */
GF_API const char* gf_grpc_code_name(int grpc_code);

#define GF_ERROR_MESSAGE_SIZE 512

/* Error out-parameter used by every fallible library call. Functions return a
 * gf_status and, when `err` is not NULL, fill it. Callers may pass NULL. */
typedef struct gf_error {
  gf_status code;                        /* GF_OK or the failure */
  char message[GF_ERROR_MESSAGE_SIZE];   /* NUL-terminated, truncated to fit */
} gf_error;

/* Sets err (if not NULL) and returns code. printf-style message. */
GF_API gf_status gf_error_set(gf_error* err, int code, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prefixes the existing message with "prefix: " (adds context) and returns err->code. */
GF_API gf_status gf_error_prefix(gf_error* err, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A borrowed view of bytes. Never owns memory. */
typedef struct gf_bytes {
  const uint8_t* data;
  size_t len;
} gf_bytes;

#ifdef __cplusplus
}
#endif

#endif
