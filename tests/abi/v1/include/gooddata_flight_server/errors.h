/* Structured errors compatible with the Python gooddata-flight-server:
 * ErrorCode values (low 16 bits = code, high 16 bits = retry flags),
 * ErrorInfo (msg/detail/code/body, sent as compact JSON in the Flight error's
 * extra_info = grpc-status-details-bin) and RetryInfo (the body of POLL
 * errors). Pure data functions work on any thread; the gf_call_* helpers run
 * inside a Flight callback. See docs/errors.md. */
#ifndef GOODDATA_FLIGHT_SERVER_ERRORS_H
#define GOODDATA_FLIGHT_SERVER_ERRORS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/flight.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ErrorCode -------------------------------------------------------------- */

#define GF_EC_RETRY_HERE 0x00010000   /* retry on the same node */
#define GF_EC_RETRY_OTHER 0x00020000  /* retry on another node */
#define GF_EC_RETRY_ANY 0x00030000    /* retry anywhere */
#define GF_EC_CODE_MASK 0x0000FFFF
#define GF_EC_FLAGS_MASK 0xFFFF0000u
#define GF_EC_CUSTOM_START 1000       /* codes >= 1000 (low 16 bits) are "custom" */

enum {
  GF_EC_UNKNOWN = 0,
  GF_EC_BAD_ARGUMENT = 1,
  GF_EC_BAD_REQUEST = 2,
  GF_EC_UNSUPPORTED_SERVICE = 3,
  GF_EC_INVALID_TICKET = 4,
  GF_EC_COMMAND_FAILED = 5,
  GF_EC_COMMAND_CANCELLED = 6,
  GF_EC_COMMAND_CANCEL_NOT_POSSIBLE = 7,
  GF_EC_COMMAND_RESULT_CONSUMED = 8,
  GF_EC_TIMEOUT = 100,
  GF_EC_POLL = GF_EC_RETRY_HERE | 101,            /* 0x10065 */
  GF_EC_BACKPRESSURE = GF_EC_RETRY_ANY | 102,     /* 0x30066 */
  GF_EC_INTERNAL_ERROR = GF_EC_RETRY_OTHER | 500, /* 0x201F4 */
  GF_EC_NOT_READY = GF_EC_RETRY_ANY | 501,        /* 0x301F5 */
  GF_EC_SHUTTING_DOWN = GF_EC_RETRY_OTHER | 502,  /* 0x201F6 */
  GF_EC_NOT_IMPLEMENTED = 503
};

/* Renders the seed's ErrorCode.name(): "poll (101)", "custom (1000)",
 * "unknown (666)", "unknown (-3)" for negative codes. Always NUL-terminates
 * (size > 0); returns buf. */
GF_API char* gf_error_code_name(int32_t code, char* buf, size_t size);
GF_API bool gf_error_code_is_retry_here(int32_t code);  /* RETRY_HERE bit set (also ANY) */
GF_API bool gf_error_code_is_retry_other(int32_t code); /* RETRY_OTHER bit set (also ANY) */
GF_API bool gf_error_code_is_retry_any(int32_t code);   /* both bits */
GF_API bool gf_error_code_is_retryable(int32_t code);   /* either bit */

/* ---- ErrorInfo ------------------------------------------------------------- */

#define GF_ERROR_INFO_MAX_MSG 256     /* code points; longer -> prefix + " [truncated]" */
#define GF_ERROR_INFO_MAX_DETAIL 512

/* All members are owned (malloc'd) by the struct; free with
 * gf_error_info_clear. A zeroed struct is a valid empty ErrorInfo (msg null,
 * code 0). The setters truncate msg/detail; gf_error_info_to_json applies the
 * same limits to members set directly. */
typedef struct gf_error_info {
  char* msg;        /* UTF-8, NUL-terminated, or NULL (JSON null) */
  char* detail;     /* UTF-8 or NULL */
  int32_t code;     /* ErrorCode */
  uint8_t* body;    /* or NULL; empty body serialises as null */
  size_t body_len;
} gf_error_info;

/* Sets code and msg (printf-style; NULL fmt = msg null). */
GF_API gf_status gf_error_info_init(gf_error_info* info, int32_t code, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
GF_API gf_status gf_error_info_set_msg(gf_error_info* info, const char* msg);       /* NULL clears */
GF_API gf_status gf_error_info_set_detail(gf_error_info* info, const char* detail); /* NULL clears */
GF_API gf_status gf_error_info_set_body(gf_error_info* info, const void* body, size_t len); /* copied */
GF_API gf_status gf_error_info_copy(gf_error_info* dst, const gf_error_info* src);  /* dst uninitialised */
GF_API void gf_error_info_clear(gf_error_info* info);

/* Compact JSON, keys in this order:
 * {"msg":...,"detail":...|null,"code":N,"body":<base64>|null}.
 * *out is malloc'd and NUL-terminated (free with free()). */
GF_API gf_status gf_error_info_to_json(const gf_error_info* info, char** out, size_t* len, gf_error* err);
/* Parses the JSON form (missing keys -> NULL/0). On failure the message is the
 * seed's "Unable to parser ErrorInfo from binary representation: '<why>'.". */
GF_API GF_WARN_UNUSED gf_status gf_error_info_from_json(const void* data, size_t len, gf_error_info* out, gf_error* err);
/* Client side: ErrorInfo from a Flight error's extra_info, or the seed's
 * placeholder (code 0, msg "Call failed with error that does not contain
 * ErrorInfo. The error message was: <message>") when it is absent/invalid. */
GF_API GF_WARN_UNUSED gf_status gf_error_info_from_extra_info(const void* extra, size_t len, const char* message,
                                                              gf_error_info* out);

/* Raises the error on `call` as the Flight error class `flight_status`
 * (GF_UNKNOWN = FlightServerError/"Failed", GF_TIMED_OUT, GF_INTERNAL,
 * GF_CANCELLED, GF_UNAVAILABLE, GF_UNAUTHENTICATED, GF_UNAUTHORIZED): message
 * = info->msg, extra_info = the JSON. Returns flight_status (GF_OK is turned
 * into GF_UNKNOWN) so a callback can `return gf_call_error_info(...)`. */
GF_API gf_status gf_call_error_info(gf_call* call, int flight_status, const gf_error_info* info);
/* Shorthand for ErrorInfo.for_reason(code, msg).to_*_error(). */
GF_API gf_status gf_call_error_code(gf_call* call, int flight_status, int32_t code, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* The seed's ErrorInfo.bad_argument(msg): FlightServerError, code BAD_ARGUMENT. */
GF_API gf_status gf_error_info_bad_argument(gf_call* call, const char* msg);

/* ---- RetryInfo --------------------------------------------------------------- */

/* Borrowed views; any member may be NULL (JSON null). */
typedef struct gf_retry_info {
  const gf_flight_info* flight_info;      /* cumulative FlightInfo so far */
  const gf_descriptor* retry_descriptor;  /* absent when finished */
  const gf_descriptor* cancel_descriptor; /* absent when not cancellable */
} gf_retry_info;

/* {"flight_info":..,"retry_descriptor":..,"cancel_descriptor":..}: base64 of
 * each message's protobuf wire form, or null. */
GF_API gf_status gf_retry_info_to_json(const gf_retry_info* ri, char** out, size_t* len, gf_error* err);

/* Parsed RetryInfo; all owned; free with gf_retry_info_parsed_clear. */
typedef struct gf_retry_info_parsed {
  gf_flight_info* flight_info;       /* or NULL */
  gf_descriptor* retry_descriptor;   /* or NULL */
  gf_descriptor* cancel_descriptor;  /* or NULL */
} gf_retry_info_parsed;
/* Errors: "Unable to decode retry info from binary representation: <why>". */
GF_API GF_WARN_UNUSED gf_status gf_retry_info_from_json(const void* data, size_t len, gf_retry_info_parsed* out, gf_error* err);
GF_API void gf_retry_info_parsed_clear(gf_retry_info_parsed* p);

/* The seed's ErrorInfo.poll(): FlightTimedOutError "Work in progress. Retry."
 * with code POLL and body = RetryInfo JSON. Returns GF_TIMED_OUT. */
GF_API gf_status gf_call_error_poll(gf_call* call, const gf_retry_info* retry_info);

#ifdef __cplusplus
}
#endif

#endif
