/* ErrorCode names/flags and ErrorInfo: construction with the seed's length
 * limits, compact JSON serialisation and parsing. Pure data, any thread. */
#include "gooddata_flight_server/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/json.h"
#include "common/utf8.h"

#define TRUNC_SUFFIX " [truncated]"

static const struct { int32_t code; const char* name; } code_names[] = {
    {GF_EC_UNKNOWN, "unknown"},
    {GF_EC_BAD_ARGUMENT, "bad_argument"},
    {GF_EC_BAD_REQUEST, "bad_request"},
    {GF_EC_UNSUPPORTED_SERVICE, "unsupported_service"},
    {GF_EC_INVALID_TICKET, "invalid_ticket"},
    {GF_EC_COMMAND_FAILED, "command_failed"},
    {GF_EC_COMMAND_CANCELLED, "command_cancelled"},
    {GF_EC_COMMAND_CANCEL_NOT_POSSIBLE, "command_cancel_not_possible"},
    {GF_EC_COMMAND_RESULT_CONSUMED, "command_result_consumed"},
    {GF_EC_TIMEOUT, "timeout"},
    {GF_EC_POLL, "poll"},
    {GF_EC_BACKPRESSURE, "backpressure"},
    {GF_EC_INTERNAL_ERROR, "internal_error"},
    {GF_EC_NOT_READY, "not_ready"},
    {GF_EC_SHUTTING_DOWN, "shutting_down"},
    {GF_EC_NOT_IMPLEMENTED, "not_implemented"},
};

char* gf_error_code_name(int32_t code, char* buf, size_t size) {
  if (buf == NULL || size == 0) return buf;
  if (code < 0) {
    snprintf(buf, size, "unknown (%d)", (int)code);
    return buf;
  }
  int32_t low = code & GF_EC_CODE_MASK;
  if (low >= GF_EC_CUSTOM_START) {
    snprintf(buf, size, "custom (%d)", (int)low);
    return buf;
  }
  const char* name = "unknown";
  for (size_t i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++) {
    if ((code_names[i].code & GF_EC_CODE_MASK) == low) name = code_names[i].name;
  }
  snprintf(buf, size, "%s (%d)", name, (int)low);
  return buf;
}

bool gf_error_code_is_retry_here(int32_t code) { return (code & GF_EC_RETRY_HERE) != 0; }
bool gf_error_code_is_retry_other(int32_t code) { return (code & GF_EC_RETRY_OTHER) != 0; }
bool gf_error_code_is_retry_any(int32_t code) {
  return (code & GF_EC_RETRY_ANY) == GF_EC_RETRY_ANY;
}
bool gf_error_code_is_retryable(int32_t code) { return (code & GF_EC_RETRY_ANY) != 0; }

/* Copy of s limited to max_cp code points (+ suffix when cut). */
static char* truncated_copy(const char* s, size_t max_cp) {
  size_t n = strlen(s);
  size_t keep = gf__utf8_prefix(s, n, max_cp);
  int cut = keep < n;
  size_t total = keep + (cut ? strlen(TRUNC_SUFFIX) : 0);
  char* out = malloc(total + 1);
  if (out == NULL) return NULL;
  memcpy(out, s, keep);
  if (cut) memcpy(out + keep, TRUNC_SUFFIX, strlen(TRUNC_SUFFIX));
  out[total] = '\0';
  return out;
}

static int set_limited(char** slot, const char* s, size_t max_cp) {
  char* copy = NULL;
  if (s != NULL && (copy = truncated_copy(s, max_cp)) == NULL) return GF_NO_MEMORY;
  free(*slot);
  *slot = copy;
  return GF_OK;
}

gf_status gf_error_info_set_msg(gf_error_info* info, const char* msg) {
  return set_limited(&info->msg, msg, GF_ERROR_INFO_MAX_MSG);
}

gf_status gf_error_info_set_detail(gf_error_info* info, const char* detail) {
  return set_limited(&info->detail, detail, GF_ERROR_INFO_MAX_DETAIL);
}

gf_status gf_error_info_set_body(gf_error_info* info, const void* body, size_t len) {
  uint8_t* copy = NULL;
  if (body != NULL || len > 0) {
    copy = malloc(len ? len : 1);
    if (copy == NULL) return GF_NO_MEMORY;
    if (len) memcpy(copy, body, len);
  }
  free(info->body);
  info->body = copy;
  info->body_len = copy ? len : 0;
  return GF_OK;
}

gf_status gf_error_info_init(gf_error_info* info, int32_t code, const char* fmt, ...) {
  memset(info, 0, sizeof(*info));
  info->code = code;
  if (fmt == NULL) return GF_OK;
  va_list ap;
  va_start(ap, fmt);
  char* msg = NULL;
  int n = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (n < 0) return GF_NO_MEMORY;
  int rc = gf_error_info_set_msg(info, msg);
  free(msg);
  return rc;
}

gf_status gf_error_info_copy(gf_error_info* dst, const gf_error_info* src) {
  memset(dst, 0, sizeof(*dst));
  dst->code = src->code;
  if (gf_error_info_set_msg(dst, src->msg) != GF_OK ||
      gf_error_info_set_detail(dst, src->detail) != GF_OK ||
      gf_error_info_set_body(dst, src->body, src->body_len) != GF_OK) {
    gf_error_info_clear(dst);
    return GF_NO_MEMORY;
  }
  return GF_OK;
}

void gf_error_info_clear(gf_error_info* info) {
  if (info == NULL) return;
  free(info->msg);
  free(info->detail);
  free(info->body);
  memset(info, 0, sizeof(*info));
}

/* The JSON string for s limited to max_cp code points, invalid UTF-8
 * repaired; json_null() for NULL; NULL when out of memory. */
static json_t* limited_string(const char* s, size_t max_cp) {
  if (s == NULL) return json_null();
  char* t = truncated_copy(s, max_cp);
  json_t* v = t ? gf__json_text(t, strlen(t)) : NULL;
  free(t);
  return v;
}

static json_t* body_string(const gf_error_info* info) {
  if (info->body == NULL || info->body_len == 0) return json_null();
  char* b64 = NULL;
  size_t n = 0;
  json_t* v = NULL;
  if (gf__base64_encode(info->body, info->body_len, &b64, &n) == GF_OK)
    v = json_stringn_nocheck(b64, n);
  free(b64);
  return v;
}

gf_status gf_error_info_to_json(const gf_error_info* info, char** out, size_t* len, gf_error* err) {
  json_t* o = json_object();
  int bad = o == NULL;
  bad |= json_object_set_new(o, "msg", limited_string(info->msg, GF_ERROR_INFO_MAX_MSG));
  bad |= json_object_set_new(o, "detail", limited_string(info->detail, GF_ERROR_INFO_MAX_DETAIL));
  bad |= json_object_set_new(o, "code", json_integer(info->code));
  bad |= json_object_set_new(o, "body", body_string(info));
  char* text = bad ? NULL : gf__json_dump(o, len);
  json_decref(o);
  if (text == NULL)
    return gf_error_set(err, GF_NO_MEMORY, "ErrorInfo: out of memory while serialising");
  *out = text;
  return GF_OK;
}

/* Optional string member: absent/null -> NULL. */
static int get_str(const json_t* obj, const char* key, const json_t** out, gf_error* err) {
  const json_t* v = json_object_get(obj, key);
  *out = NULL;
  if (v == NULL || json_is_null(v)) return GF_OK;
  if (!json_is_string(v))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "member '%s' is not a string", key);
  *out = v;
  return GF_OK;
}

static int fill_from_json(const json_t* root, gf_error_info* out, gf_error* err) {
  if (!json_is_object(root))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "the JSON value is not an object");
  const json_t *msg, *detail, *body;
  int rc;
  if ((rc = get_str(root, "msg", &msg, err)) || (rc = get_str(root, "detail", &detail, err)) ||
      (rc = get_str(root, "body", &body, err)))
    return rc;
  const json_t* code = json_object_get(root, "code");
  if (code != NULL && !json_is_null(code)) {
    if (!json_is_integer(code) || json_integer_value(code) < INT32_MIN ||
        json_integer_value(code) > INT32_MAX)
      return gf_error_set(err, GF_INVALID_ARGUMENT, "member 'code' is not a 32-bit integer");
    out->code = (int32_t)json_integer_value(code);
  }
  if ((msg && gf_error_info_set_msg(out, json_string_value(msg))) ||
      (detail && gf_error_info_set_detail(out, json_string_value(detail))))
    return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  if (body != NULL) {
    rc = gf__base64_decode(json_string_value(body), json_string_length(body), &out->body,
                           &out->body_len, err);
    if (rc != GF_OK) return rc;
  }
  return GF_OK;
}

gf_status gf_error_info_from_json(const void* data, size_t len, gf_error_info* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  gf_error inner = {0};
  json_t* root = gf__json_load(data, len, &inner);
  int rc = root ? fill_from_json(root, out, &inner) : inner.code;
  json_decref(root);
  if (rc != GF_OK) {
    gf_error_info_clear(out);
    return gf_error_set(err, rc == GF_NO_MEMORY ? GF_NO_MEMORY : GF_INVALID_ARGUMENT,
                        "Unable to parser ErrorInfo from binary representation: '%s'.",
                        inner.message);
  }
  return GF_OK;
}

gf_status gf_error_info_from_extra_info(const void* extra, size_t len, const char* message,
                                        gf_error_info* out) {
  if (extra != NULL && len > 0 && gf_error_info_from_json(extra, len, out, NULL) == GF_OK)
    return GF_OK;
  return gf_error_info_init(out, GF_EC_UNKNOWN,
                            "Call failed with error that does not contain ErrorInfo. The error "
                            "message was: %s",
                            message ? message : "");
}
