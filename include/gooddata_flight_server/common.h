/* Types shared by every part of the public API: status codes, the error
 * out-parameter, and borrowed byte views. Header-only except gf_error_set. */
#ifndef GOODDATA_FLIGHT_SERVER_COMMON_H
#define GOODDATA_FLIGHT_SERVER_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GF_VERSION_STRING "0.1.0"

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
const char* gf_status_name(int status);

#define GF_ERROR_MESSAGE_SIZE 512

/* Error out-parameter used by every fallible library call. Functions return a
 * gf_status and, when `err` is not NULL, fill it. Callers may pass NULL. */
typedef struct gf_error {
  int code;                              /* a gf_status */
  char message[GF_ERROR_MESSAGE_SIZE];   /* NUL-terminated, truncated to fit */
} gf_error;

/* Sets err (if not NULL) and returns code. printf-style message. */
int gf_error_set(gf_error* err, int code, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prefixes the existing message with "prefix: " (used to add context). */
int gf_error_prefix(gf_error* err, const char* fmt, ...)
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
