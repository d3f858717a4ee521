/* Types shared by every part of the public API: status codes, the error
 * out-parameter, and borrowed byte views. Header-only except gf_error_set. */
#ifndef GOODDATA_FLIGHT_SERVER_COMMON_H
#define GOODDATA_FLIGHT_SERVER_COMMON_H

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

/* Status codes. Values 1..11 are the Arrow Flight status codes (the
 * TransportStatusCode numbering); the rest are library conditions that map
 * onto the nearest Flight code when they reach the wire. 0 is success. */
typedef enum gf_status {
  GF_OK = 0,
  GF_UNKNOWN = 1,            /* Flight "Failed"/unknown, gRPC UNKNOWN */
  GF_INTERNAL = 2,           /* gRPC INTERNAL */
  GF_INVALID_ARGUMENT = 3,   /* gRPC INVALID_ARGUMENT; also malformed input */
  GF_TIMED_OUT = 4,          /* gRPC DEADLINE_EXCEEDED */
  GF_NOT_FOUND = 5,          /* gRPC NOT_FOUND */
  GF_ALREADY_EXISTS = 6,     /* gRPC ALREADY_EXISTS */
  GF_CANCELLED = 7,          /* gRPC CANCELLED */
  GF_UNAUTHENTICATED = 8,    /* gRPC UNAUTHENTICATED */
  GF_UNAUTHORIZED = 9,       /* gRPC PERMISSION_DENIED */
  GF_UNIMPLEMENTED = 10,     /* gRPC UNIMPLEMENTED */
  GF_UNAVAILABLE = 11,       /* gRPC UNAVAILABLE */
  GF_RESOURCE_EXHAUSTED = 12,/* gRPC RESOURCE_EXHAUSTED; limits exceeded */
  GF_NO_MEMORY = 13,         /* allocation failed (gRPC RESOURCE_EXHAUSTED) */
  GF_IO_ERROR = 14,          /* file or socket error (gRPC UNAVAILABLE) */
  GF_END_OF_STREAM = 15      /* not an error: nothing more to read */
} gf_status;

/* Short stable name of a status ("ok", "invalid_argument", ...). */
GF_API const char* gf_status_name(int status);
/* The gRPC status code a server sends for `status`: GF_OK and
 * GF_END_OF_STREAM -> 0 (OK), GF_NO_MEMORY -> 8 (RESOURCE_EXHAUSTED),
 * GF_IO_ERROR -> 14 (UNAVAILABLE), the others as noted on gf_status;
 * unknown values -> 2 (UNKNOWN). */
GF_API int gf_status_grpc_code(int status);
/* Name of a gRPC status code ("OK", "NOT_FOUND", ..., "UNAUTHENTICATED");
 * "UNKNOWN" outside 0..16. */
GF_API const char* gf_grpc_code_name(int grpc_code);

#define GF_ERROR_MESSAGE_SIZE 512

/* Error out-parameter used by every fallible library call. Functions return a
 * gf_status and, when `err` is not NULL, fill it. Callers may pass NULL. */
typedef struct gf_error {
  int code;                              /* a gf_status */
  char message[GF_ERROR_MESSAGE_SIZE];   /* NUL-terminated, truncated to fit */
} gf_error;

/* Sets err (if not NULL) and returns code. printf-style message. */
GF_API int gf_error_set(gf_error* err, int code, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prefixes the existing message with "prefix: " (used to add context). */
GF_API int gf_error_prefix(gf_error* err, const char* fmt, ...)
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
