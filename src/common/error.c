/* gf_error helpers, status names and the library version. Pure functions, any thread. */
#include "gooddata_flight_server/common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char* const status_names[] = {
    "ok",          "unknown",      "internal",          "invalid_argument", "timed_out",
    "not_found",   "already_exists", "cancelled",       "unauthenticated",  "unauthorized",
    "unimplemented", "unavailable", "resource_exhausted", "no_memory",      "io_error",
    "end_of_stream"};

uint32_t gf_version(void) { return GF_VERSION_HEX; }

const char* gf_version_string(void) { return GF_VERSION_STRING; }

const char* gf_status_name(gf_status status) {
  if (status == GF_OK) return status_names[0];
  if (status <= GF_STATUS_BASE ||
      (size_t)(status - GF_STATUS_BASE) >= sizeof(status_names) / sizeof(status_names[0]))
    return "invalid_status";
  return status_names[status - GF_STATUS_BASE];
}

static const struct {
  int errnum;
  gf_status status;
} errno_map[] = {{ENOMEM, GF_NO_MEMORY},
                 {EINVAL, GF_INVALID_ARGUMENT},
                 {EIO, GF_IO_ERROR},
                 {ECANCELED, GF_CANCELLED},
                 {ETIMEDOUT, GF_TIMED_OUT},
                 {ENOENT, GF_NOT_FOUND},
                 {EEXIST, GF_ALREADY_EXISTS},
                 {EACCES, GF_UNAUTHORIZED},
                 {EPERM, GF_UNAUTHORIZED},
                 {ENOSYS, GF_UNIMPLEMENTED},
                 {ENOTSUP, GF_UNIMPLEMENTED},
                 {EAGAIN, GF_UNAVAILABLE},
                 {EOVERFLOW, GF_RESOURCE_EXHAUSTED},
                 {ENODATA, GF_END_OF_STREAM}};

#define ERRNO_MAP_LEN (sizeof(errno_map) / sizeof(errno_map[0]))

gf_status gf_status_from_errno(int errnum) {
  if (errnum == 0) return GF_OK;
  if (errnum > GF_STATUS_BASE && errnum <= GF_END_OF_STREAM) return errnum;
  for (size_t i = 0; i < ERRNO_MAP_LEN; i++)
    if (errno_map[i].errnum == errnum) return errno_map[i].status;
  return GF_UNKNOWN;
}

int gf_status_to_errno(gf_status status) {
  if (status == GF_OK) return 0;
  for (size_t i = 0; i < ERRNO_MAP_LEN; i++)
    if (errno_map[i].status == status) return errno_map[i].errnum;
  return EINVAL;
}

gf_status gf_error_set(gf_error* err, int code, const char* fmt, ...) {
  if (err != NULL) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
  }
  return code;
}

gf_status gf_error_prefix(gf_error* err, const char* fmt, ...) {
  if (err == NULL) return GF_OK;
  char prefix[GF_ERROR_MESSAGE_SIZE];
  char old[GF_ERROR_MESSAGE_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof(prefix), fmt, ap);
  va_end(ap);
  memcpy(old, err->message, sizeof(old));
  snprintf(err->message, sizeof(err->message), "%s: %s", prefix, old);
  return err->code;
}
