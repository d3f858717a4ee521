/* RetryInfo (the body of POLL errors): JSON with base64 protobuf of a
 * FlightInfo and two FlightDescriptors. Pure data, any thread. */
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/json.h"
#include "gooddata_flight_server/errors.h"

static void write_b64(gf__json_writer* w, uint8_t* bytes, size_t len) {
  char* b64 = NULL;
  size_t n = 0;
  if (gf__base64_encode(bytes, len, &b64, &n) != GF_OK) w->oom = 1;
  else gf__jw_string_n(w, b64, n);
  free(b64);
}

static int write_descriptor(gf__json_writer* w, const char* key, const gf_descriptor* d,
                            gf_error* err) {
  gf__jw_key(w, key);
  if (d == NULL) { gf__jw_null(w); return GF_OK; }
  uint8_t* bytes = NULL;
  size_t len = 0;
  int rc = gf_descriptor_serialize(d, &bytes, &len, err);
  if (rc != GF_OK) {
    gf_error_prefix(err, "RetryInfo.%s", key);
    return rc;
  }
  write_b64(w, bytes, len);
  free(bytes);
  return GF_OK;
}

gf_status gf_retry_info_to_json(const gf_retry_info* ri, char** out, size_t* len, gf_error* err) {
  gf__json_writer w;
  gf__jw_init(&w);
  gf__jw_begin_object(&w);
  gf__jw_key(&w, "flight_info");
  int rc = GF_OK;
  if (ri->flight_info == NULL) {
    gf__jw_null(&w);
  } else {
    uint8_t* bytes = NULL;
    size_t n = 0;
    rc = gf_flight_info_serialize(ri->flight_info, &bytes, &n, err);
    if (rc != GF_OK) gf_error_prefix(err, "RetryInfo.flight_info");
    else write_b64(&w, bytes, n);
    free(bytes);
  }
  if (rc == GF_OK) rc = write_descriptor(&w, "retry_descriptor", ri->retry_descriptor, err);
  if (rc == GF_OK) rc = write_descriptor(&w, "cancel_descriptor", ri->cancel_descriptor, err);
  gf__jw_end_object(&w);
  if (rc != GF_OK) {
    gf__jw_free(&w);
    return rc;
  }
  if (gf__jw_finish(&w, out, len) != GF_OK)
    return gf_error_set(err, GF_NO_MEMORY, "RetryInfo: out of memory while serialising");
  return GF_OK;
}

/* Decodes member `key` (null/absent -> *bytes NULL). */
static int member_bytes(const gf__json* root, const char* key, uint8_t** bytes, size_t* n,
                        gf_error* err) {
  const gf__json* v = gf__json_get(root, key);
  *bytes = NULL;
  *n = 0;
  if (v == NULL || v->type == GF__JSON_NULL) return GF_OK;
  if (v->type != GF__JSON_STRING)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "member '%s' is not a string", key);
  int rc = gf__base64_decode(v->str, v->str_len, bytes, n, err);
  if (rc != GF_OK) gf_error_prefix(err, "member '%s'", key);
  return rc;
}

static int decode_descriptor(const gf__json* root, const char* key, gf_descriptor** out,
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

static int fill(const gf__json* root, gf_retry_info_parsed* out, gf_error* err) {
  if (root->type != GF__JSON_OBJECT)
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
  gf__json* root = NULL;
  gf_error inner = {0};
  int rc = gf__json_parse(data, len, 16, &root, &inner);
  if (rc == GF_OK) rc = fill(root, out, &inner);
  gf__json_free(root);
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
