/* Public read-only settings API for plugins (gooddata_flight_server/config.h):
 * typed getters by dotted path with defaults and type errors naming the
 * source, list/table access and source lookup. Settings are immutable after
 * start-up, so any thread. */
#include <string.h>

#include "config/settings.h"

static int type_error(const char* path, const gf__toml_value* v, const char* expected, gf_error* err) {
  return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: expected %s, got %s (from %s)", path, expected,
                      gf__toml_type_name(v->type), v->src ? v->src : "default");
}

bool gf_settings_has(const gf_settings* s, const char* path) {
  return gf__settings_lookup(s, path) != NULL;
}

gf_setting_type gf_settings_type(const gf_settings* s, const char* path) {
  const gf__toml_value* v = gf__settings_lookup(s, path);
  if (v == NULL) return GF_SETTING_MISSING;
  switch (v->type) {
    case GF__TOML_STRING: return GF_SETTING_STRING;
    case GF__TOML_INTEGER: return GF_SETTING_INT;
    case GF__TOML_FLOAT: return GF_SETTING_FLOAT;
    case GF__TOML_BOOL: return GF_SETTING_BOOL;
    case GF__TOML_ARRAY: return GF_SETTING_LIST;
    case GF__TOML_TABLE: return GF_SETTING_TABLE;
    default: return GF_SETTING_DATETIME;
  }
}

gf_status gf_settings_get_string(const gf_settings* s, const char* path, const char* dflt,
                                 const char** out, gf_error* err) {
  const gf__toml_value* v = gf__settings_lookup(s, path);
  *out = dflt;
  if (v == NULL) return GF_OK;
  if (v->type == GF__TOML_STRING) *out = v->u.str.s;
  else if (v->type >= GF__TOML_OFFSET_DATETIME && v->type <= GF__TOML_LOCAL_TIME) *out = v->u.dt;
  else return type_error(path, v, "a string", err);
  return GF_OK;
}

gf_status gf_settings_get_int(const gf_settings* s, const char* path, int64_t dflt, int64_t* out,
                              gf_error* err) {
  const gf__toml_value* v = gf__settings_lookup(s, path);
  *out = dflt;
  if (v == NULL) return GF_OK;
  if (v->type != GF__TOML_INTEGER) return type_error(path, v, "an integer", err);
  *out = v->u.i;
  return GF_OK;
}

gf_status gf_settings_get_float(const gf_settings* s, const char* path, double dflt, double* out,
                                gf_error* err) {
  const gf__toml_value* v = gf__settings_lookup(s, path);
  *out = dflt;
  if (v == NULL) return GF_OK;
  if (v->type == GF__TOML_FLOAT) *out = v->u.f;
  else if (v->type == GF__TOML_INTEGER) *out = (double)v->u.i;
  else return type_error(path, v, "a number", err);
  return GF_OK;
}

gf_status gf_settings_get_bool(const gf_settings* s, const char* path, int dflt, int* out,
                               gf_error* err) {
  const gf__toml_value* v = gf__settings_lookup(s, path);
  *out = dflt;
  if (v == NULL) return GF_OK;
  if (v->type != GF__TOML_BOOL) return type_error(path, v, "a boolean", err);
  *out = v->u.b;
  return GF_OK;
}

gf_status gf_settings_list_len(const gf_settings* s, const char* path, size_t* out, gf_error* err) {
  const gf__toml_value* v = gf__settings_lookup(s, path);
  *out = 0;
  if (v == NULL) return GF_OK;
  if (v->type != GF__TOML_ARRAY) return type_error(path, v, "a list", err);
  *out = v->u.arr.n;
  return GF_OK;
}

gf_status gf_settings_table_len(const gf_settings* s, const char* path, size_t* out,
                                gf_error* err) {
  const gf__toml_value* v = gf__settings_lookup(s, path);
  *out = 0;
  if (v == NULL) return GF_OK;
  if (v->type != GF__TOML_TABLE) return type_error(path, v, "a table", err);
  *out = v->u.tab.n;
  return GF_OK;
}

const char* gf_settings_table_key(const gf_settings* s, const char* path, size_t i) {
  const gf__toml_value* v = gf__settings_lookup(s, path);
  if (v == NULL || v->type != GF__TOML_TABLE || i >= v->u.tab.n) return NULL;
  return v->u.tab.keys[i];
}

const char* gf_settings_source(const gf_settings* s, const char* path) {
  const gf__toml_value* v = gf__settings_lookup(s, path);
  return v ? v->src : NULL;
}
