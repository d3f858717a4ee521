/* Parsing of FlexConnect invocation commands (GetFlightInfo descriptor
 * bytes) and DoGet tickets, and the small JSON texts the provider sends
 * (ListFlights commands, tickets). Pure functions on untrusted bytes (libjansson,
 * depth-limited by it); any thread. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "flexconnect/fc_internal.h"

#define MSG_NOT_JSON "Incorrect FlexConnect function invocation. The invocation payload is not a valid JSON."
#define MSG_NO_NAME "Incorrect FlexConnect function invocation. The invocation payload does not specify 'functionName'."
#define MSG_NOT_OBJECT "Incorrect FlexConnect function invocation. The invocation payload must be a JSON object."
#define MSG_NAME_TYPE "Incorrect FlexConnect function invocation. The 'functionName' must be a string."
#define MSG_PARAMS_TYPE "Incorrect FlexConnect function invocation. The 'parameters' must be a JSON object."
#define MSG_TICKET_JSON "Incorrect ticket payload. The ticket payload is not a valid JSON."
#define MSG_TICKET_ID "Incorrect ticket payload. The ticket payload does not specify 'task_id'."

static int bad(gf_error* err, const char* msg) { return gf_error_set(err, GF_INVALID_ARGUMENT, "%s", msg); }

static json_t* load(const void* data, size_t len) {
  if (data == NULL || len == 0) return NULL;
  return json_loadb(data, len, JSON_DECODE_ANY, NULL);
}

static int copy_columns(json_t* cols, gf__fc_command* out) {
  if (!json_is_array(cols)) return GF_OK; /* only a list of names is a hint */
  size_t n = json_array_size(cols);
  out->columns = calloc(n ? n : 1, sizeof(char*));
  if (out->columns == NULL) return GF_NO_MEMORY;
  for (size_t i = 0; i < n; i++) {
    const char* s = json_string_value(json_array_get(cols, i));
    if (s == NULL) continue;
    if ((out->columns[out->n_columns] = strdup(s)) == NULL) return GF_NO_MEMORY;
    out->n_columns++;
  }
  return GF_OK;
}

static int fill(json_t* root, gf__fc_command* out, gf_error* err) {
  if (!json_is_object(root)) return bad(err, MSG_NOT_OBJECT);
  json_t* name = json_object_get(root, "functionName");
  if (name == NULL || json_is_null(name)) return bad(err, MSG_NO_NAME);
  if (!json_is_string(name)) return bad(err, MSG_NAME_TYPE);
  if (json_string_length(name) == 0) return bad(err, MSG_NO_NAME);
  json_t* params = json_object_get(root, "parameters");
  if (params != NULL && !json_is_null(params) && !json_is_object(params)) return bad(err, MSG_PARAMS_TYPE);
  out->function_name = strdup(json_string_value(name));
  if (params == NULL || json_is_null(params)) out->parameters_json = strdup("{}");
  else out->parameters_json = json_dumps(params, JSON_COMPACT | JSON_ENCODE_ANY);
  if (out->function_name == NULL || out->parameters_json == NULL) goto oom;
  out->parameters_len = strlen(out->parameters_json);
  if (params != NULL && json_is_object(params)) {
    json_t* ec = json_object_get(params, "executionContext");
    if (ec != NULL && !json_is_null(ec) &&
        (out->exec_ctx_json = json_dumps(ec, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
      goto oom;
    json_t* cols = json_object_get(params, "columns");
    if (cols != NULL && copy_columns(cols, out) != GF_OK) goto oom;
  }
  return GF_OK;
oom:
  return gf_error_set(err, GF_NO_MEMORY, "out of memory while parsing the invocation");
}

int gf__fc_parse_command(const void* data, size_t len, gf__fc_command* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  json_t* root = load(data, len);
  if (root == NULL) return bad(err, MSG_NOT_JSON);
  int rc = fill(root, out, err);
  json_decref(root);
  if (rc != GF_OK) gf__fc_command_free(out);
  return rc;
}

void gf__fc_command_free(gf__fc_command* c) {
  if (c == NULL) return;
  free(c->function_name);
  free(c->parameters_json);
  for (size_t i = 0; i < c->n_columns; i++) free(c->columns[i]);
  free(c->columns);
  free(c->exec_ctx_json);
  memset(c, 0, sizeof(*c));
}

int gf__fc_parse_ticket(const void* data, size_t len, char** task_id, gf_error* err) {
  *task_id = NULL;
  json_t* root = load(data, len);
  if (root == NULL) return bad(err, MSG_TICKET_JSON);
  const char* id = json_string_value(json_object_get(root, "task_id"));
  int rc = GF_OK;
  if (id == NULL || id[0] == '\0') rc = bad(err, MSG_TICKET_ID);
  else if ((*task_id = strdup(id)) == NULL) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
  json_decref(root);
  return rc;
}

static char* dump_owned(json_t* v, size_t* len) {
  char* s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  json_decref(v);
  if (s != NULL && len != NULL) *len = strlen(s);
  return s;
}

char* gf__fc_ticket_json(const char* task_id, size_t* len) {
  return dump_owned(json_pack("{s:s}", "task_id", task_id), len);
}

char* gf__fc_list_command(const char* name, const char* metadata_json, size_t* len) {
  json_t* meta = metadata_json ? json_loads(metadata_json, JSON_DECODE_ANY, NULL) : json_null();
  if (meta == NULL) return NULL;
  return dump_owned(json_pack("{s:s,s:o}", "functionName", name, "metadata", meta), len);
}

char* gf__fc_json_compact(const char* text) {
  return dump_owned(json_loads(text, JSON_DECODE_ANY, NULL), NULL);
}
