/* Data source messages: appends {"source","correlation_id","type","data"}
 * to the JSON array kept in the schema metadata key
 * x-gdc-data-source-messages (GoodData copies it into the execution result).
 * Runs on whatever thread builds the result (usually a task worker). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/flexconnect.h"

static json_t* existing_messages(const char* metadata) {
  gf_bytes v = {0};
  if (metadata == NULL || !gf_metadata_get(metadata, GF_FC_DATA_SOURCE_MESSAGES_KEY, &v)) return json_array();
  json_t* arr = json_loadb((const char*)v.data, v.len, 0, NULL);
  if (json_is_array(arr)) return arr;
  json_decref(arr);
  return json_array();
}

static char* messages_json(const char* metadata, const char* source, const char* correlation_id,
                           const char* type, const char* data_json, gf_error* err) {
  json_t* data = data_json ? json_loads(data_json, JSON_DECODE_ANY, NULL) : json_null();
  if (data == NULL) {
    gf_error_set(err, GF_INVALID_ARGUMENT, "data source message: 'data' is not valid JSON");
    return NULL;
  }
  json_t* msg = json_pack("{s:s?,s:s?,s:s?,s:o}", "source", source, "correlation_id", correlation_id,
                          "type", type, "data", data);
  json_t* arr = existing_messages(metadata);
  char* text = NULL;
  if (msg != NULL && arr != NULL && json_array_append_new(arr, msg) == 0) {
    msg = NULL;
    text = json_dumps(arr, JSON_COMPACT);
  }
  json_decref(msg);
  json_decref(arr);
  if (text == NULL) gf_error_set(err, GF_NO_MEMORY, "data source message: out of memory");
  return text;
}

gf_status gf_fc_add_data_source_message(struct ArrowSchema* schema, const char* source,
                                        const char* correlation_id, const char* type,
                                        const char* data_json, gf_error* err) {
  if (schema == NULL || schema->release == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "data source message: no schema");
  char* text = messages_json(schema->metadata, source, correlation_id, type, data_json, err);
  if (text == NULL) return err && err->code ? err->code : GF_NO_MEMORY;
  int32_t n = gf_metadata_count(schema->metadata);
  gf_metadata_entry* e = calloc((size_t)n + 1, sizeof(*e));
  size_t k = 0, pos = 0;
  gf_metadata_entry cur;
  while (e != NULL && schema->metadata && gf_metadata_next(schema->metadata, &pos, &cur)) {
    if (cur.key.len == strlen(GF_FC_DATA_SOURCE_MESSAGES_KEY) &&
        memcmp(cur.key.data, GF_FC_DATA_SOURCE_MESSAGES_KEY, cur.key.len) == 0)
      continue;
    e[k++] = cur;
  }
  char* blob = NULL;
  int rc = e ? GF_OK : gf_error_set(err, GF_NO_MEMORY, "data source message: out of memory");
  if (!rc) {
    e[k].key = (gf_bytes){(const uint8_t*)GF_FC_DATA_SOURCE_MESSAGES_KEY, strlen(GF_FC_DATA_SOURCE_MESSAGES_KEY)};
    e[k].value = (gf_bytes){(const uint8_t*)text, strlen(text)};
    rc = gf_metadata_encode(e, k + 1, &blob, err);
  }
  if (!rc && gf_schema_set_metadata(schema, blob) != GF_OK)
    rc = gf_error_set(err, GF_NO_MEMORY, "data source message: cannot set the schema metadata");
  free(blob);
  free(e);
  free(text);
  return rc;
}
