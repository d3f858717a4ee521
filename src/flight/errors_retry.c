/* RetryInfo (the body of POLL errors): JSON with base64 protobuf of a
 * FlightInfo and two FlightDescriptors. Pure data, any thread. */
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/json.h"
#include "gooddata_flight_server/errors.h"

/* The base64 JSON string of bytes; NULL when out of memory. */
static json_t* b64_string(const uint8_t* bytes, size_t len) {
  char* b64 = NULL;
  size_t n = 0;
  json_t* v = NULL;
  if (gf__base64_encode(bytes, len, &b64, &n) == GF_OK) v = json_stringn_nocheck(b64, n);
  free(b64);
  return v;
}

static int put_bytes(json_t* o, const char* key, uint8_t* bytes, size_t len) {
  int bad = json_object_set_new(o, key, b64_string(bytes, len));
  free(bytes);
  return bad ? GF_NO_MEMORY : GF_OK;
}

static int put_descriptor(json_t* o, const char* key, const gf_descriptor* d, gf_error* err) {
  if (d == NULL) return json_object_set_new(o, key, json_null()) ? GF_NO_MEMORY : GF_OK;
  uint8_t* bytes = NULL;
  size_t len = 0;
  int rc = gf_descriptor_serialize(d, &bytes, &len, err);
  if (rc != GF_OK) {
    gf_error_prefix(err, "RetryInfo.%s", key);
    return rc;
  }
  return put_bytes(o, key, bytes, len);
}

static int put_flight_info(json_t* o, const gf_flight_info* fi, gf_error* err) {
  if (fi == NULL) return json_object_set_new(o, "flight_info", json_null()) ? GF_NO_MEMORY : GF_OK;
  uint8_t* bytes = NULL;
  size_t n = 0;
  int rc = gf_flight_info_serialize(fi, &bytes, &n, err);
  if (rc != GF_OK) {
    gf_error_prefix(err, "RetryInfo.flight_info");
    return rc;
  }
  return put_bytes(o, "flight_info", bytes, n);
}

gf_status gf_retry_info_to_json(const gf_retry_info* ri, char** out, size_t* len, gf_error* err) {
  json_t* o = json_object();
  int rc = o ? put_flight_info(o, ri->flight_info, err) : GF_NO_MEMORY;
  if (rc == GF_OK) rc = put_descriptor(o, "retry_descriptor", ri->retry_descriptor, err);
  if (rc == GF_OK) rc = put_descriptor(o, "cancel_descriptor", ri->cancel_descriptor, err);
  char* text = rc == GF_OK ? gf__json_dump(o, len) : NULL;
  json_decref(o);
  if (rc == GF_OK && text == NULL) rc = GF_NO_MEMORY;
  if (rc == GF_NO_MEMORY)
    return gf_error_set(err, GF_NO_MEMORY, "RetryInfo: out of memory while serialising");
  if (rc != GF_OK) return rc;
  *out = text;
  return GF_OK;
}

/* Decodes member `key` (null/absent -> *bytes NULL). */
static int member_bytes(const json_t* root, const char* key, uint8_t** bytes, size_t* n,
                        gf_error* err) {
  const json_t* v = json_object_get(root, key);
  *bytes = NULL;
  *n = 0;
  if (v == NULL || json_is_null(v)) return GF_OK;
  if (!json_is_string(v))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "member '%s' is not a string", key);
  int rc = gf__base64_decode(json_string_value(v), json_string_length(v), bytes, n, err);
  if (rc != GF_OK) gf_error_prefix(err, "member '%s'", key);
  return rc;
}

static int decode_descriptor(const json_t* root, const char* key, gf_descriptor** out,
                             gf_error* err) {
  uint8_t* bytes = NULL;
  size_t n = 0;
  int rc = member_bytes(root, key, &bytes, &n, err);
  if (rc == GF_OK && bytes != NULL) {
    rc = gf_descriptor_deserialize(bytes, n, out, err);
    if (rc != GF_OK) gf_error_prefix(err, "member '%s'", key);
  }
  free(bytes);
  return rc;
}

static int fill(const json_t* root, gf_retry_info_parsed* out, gf_error* err) {
  if (!json_is_object(root))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "the JSON value is not an object");
  uint8_t* bytes = NULL;
  size_t n = 0;
  int rc = member_bytes(root, "flight_info", &bytes, &n, err);
  if (rc == GF_OK && bytes != NULL) {
    rc = gf_flight_info_deserialize(bytes, n, &out->flight_info, err);
    if (rc != GF_OK) gf_error_prefix(err, "member 'flight_info'");
  }
  free(bytes);
  if (rc == GF_OK) rc = decode_descriptor(root, "retry_descriptor", &out->retry_descriptor, err);
  if (rc == GF_OK) rc = decode_descriptor(root, "cancel_descriptor", &out->cancel_descriptor, err);
  return rc;
}

gf_status gf_retry_info_from_json(const void* data, size_t len, gf_retry_info_parsed* out,
                                  gf_error* err) {
  memset(out, 0, sizeof(*out));
  gf_error inner = {0};
  json_t* root = gf__json_load(data, len, &inner);
  int rc = root ? fill(root, out, &inner) : inner.code;
  json_decref(root);
  if (rc != GF_OK) {
    gf_retry_info_parsed_clear(out);
    return gf_error_set(err, rc == GF_NO_MEMORY ? GF_NO_MEMORY : GF_INVALID_ARGUMENT,
                        "Unable to decode retry info from binary representation: %s",
                        inner.message);
  }
  return GF_OK;
}

void gf_retry_info_parsed_clear(gf_retry_info_parsed* p) {
  if (p == NULL) return;
  gf_flight_info_free(p->flight_info);
  gf_descriptor_free(p->retry_descriptor);
  gf_descriptor_free(p->cancel_descriptor);
  memset(p, 0, sizeof(*p));
}
