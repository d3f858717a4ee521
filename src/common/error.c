/* gf_error helpers, status names and the library version. Pure functions, any thread. */
#include "gooddata_flight_server/common.h"

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

const char* gf_status_name(int status) {
  if (status < 0 || (size_t)status >= sizeof(status_names) / sizeof(status_names[0])) return "invalid_status";
  return status_names[status];
}

int gf_error_set(gf_error* err, int code, const char* fmt, ...) {
  if (err != NULL) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
  }
  return code;
}

int gf_error_prefix(gf_error* err, const char* fmt, ...) {
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
