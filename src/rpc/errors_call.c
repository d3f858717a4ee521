/* Raising ErrorInfo-carrying Flight errors on a call (the seed's
 * ErrorInfo.to_*_error() and ErrorInfo.poll()). Runs on the callback's
 * worker thread. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "gooddata_flight_server/errors.h"

gf_status gf_call_error_info(gf_call* call, int flight_status, const gf_error_info* info) {
  if (flight_status == GF_OK) flight_status = GF_UNKNOWN;
  char* json = NULL;
  size_t len = 0;
  if (gf_error_info_to_json(info, &json, &len, NULL) != GF_OK)
    return gf_call_error(call, flight_status, "%s", info->msg ? info->msg : "");
  /* The message is the (truncated) msg, as the seed passes ErrorInfo.msg. */
  gf_error_info shown = {0};
  int have = info->msg != NULL && gf_error_info_set_msg(&shown, info->msg) == GF_OK;
  gf_call_error_extra(call, flight_status, json, len, "%s", have ? shown.msg : "");
  gf_error_info_clear(&shown);
  free(json);
  return flight_status;
}

gf_status gf_call_error_code(gf_call* call, int flight_status, int32_t code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char* msg = NULL;
  int n = vasprintf(&msg, fmt, ap);
  va_end(ap);
  gf_error_info info = {0};
  info.code = code;
  if (n < 0 || gf_error_info_set_msg(&info, msg) != GF_OK) {
    free(msg);
    return gf_call_error(call, GF_NO_MEMORY, "out of memory while raising an error");
  }
  free(msg);
  int rc = gf_call_error_info(call, flight_status, &info);
  gf_error_info_clear(&info);
  return rc;
}

gf_status gf_error_info_bad_argument(gf_call* call, const char* msg) {
  return gf_call_error_code(call, GF_UNKNOWN, GF_EC_BAD_ARGUMENT, "%s", msg ? msg : "");
}

gf_status gf_call_error_poll(gf_call* call, const gf_retry_info* retry_info) {
  gf_error_info info = {0};
  gf_error err = {0};
  char* body = NULL;
  size_t body_len = 0;
  gf_retry_info none = {0};
  int rc = gf_retry_info_to_json(retry_info ? retry_info : &none, &body, &body_len, &err);
  if (rc != GF_OK) return gf_call_error(call, GF_INTERNAL, "%s", err.message);
  info.code = GF_EC_POLL;
  if (gf_error_info_set_msg(&info, "Work in progress. Retry.") != GF_OK ||
      gf_error_info_set_body(&info, body, body_len) != GF_OK) {
    free(body);
    gf_error_info_clear(&info);
    return gf_call_error(call, GF_NO_MEMORY, "out of memory while raising an error");
  }
  free(body);
  rc = gf_call_error_info(call, GF_TIMED_OUT, &info);
  gf_error_info_clear(&info);
  return rc;
}
