/* Read-only access to the merged settings (all --config files plus
 * GOODDATA_FLIGHT_* environment variables) for plugins: a service reads its
 * own sections, e.g. "my_service.opt1". Paths are dotted, keys are matched
 * case-insensitively, and a numeric part indexes an array ("svc.items.0").
 * Settings are immutable after start-up, so every function is thread-safe;
 * returned strings are borrowed and live as long as the settings. */
#ifndef GOODDATA_FLIGHT_SERVER_CONFIG_H
#define GOODDATA_FLIGHT_SERVER_CONFIG_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_settings gf_settings;

typedef enum gf_setting_type {
  GF_SETTING_MISSING = 0,
  GF_SETTING_STRING = 1,
  GF_SETTING_INT = 2,
  GF_SETTING_FLOAT = 3,
  GF_SETTING_BOOL = 4,
  GF_SETTING_DATETIME = 5, /* any TOML date/time; read it with get_string */
  GF_SETTING_LIST = 6,
  GF_SETTING_TABLE = 7
} gf_setting_type;

/* True if the path names a value. */
GF_API bool gf_settings_has(const gf_settings* s, const char* path);
GF_API gf_setting_type gf_settings_type(const gf_settings* s, const char* path);

/* Typed getters. A missing value yields `dflt` and GF_OK; a value of another
 * type yields GF_INVALID_ARGUMENT with err naming the path, the type found and
 * its source (file:line or env var). *out is always set. */
GF_API gf_status gf_settings_get_string(const gf_settings* s, const char* path, const char* dflt,
                                        const char** out, gf_error* err);
GF_API gf_status gf_settings_get_int(const gf_settings* s, const char* path, int64_t dflt, int64_t* out,
                                     gf_error* err);
/* Integers are accepted and converted. */
GF_API gf_status gf_settings_get_float(const gf_settings* s, const char* path, double dflt, double* out,
                                       gf_error* err);
GF_API gf_status gf_settings_get_bool(const gf_settings* s, const char* path, int dflt, int* out,
                                      gf_error* err);

/* Lists: number of elements (0 when missing; GF_INVALID_ARGUMENT if the value
 * is not a list). Elements are read with the getters above using an index
 * part, e.g. gf_settings_get_string(s, "my_service.hosts.2", ...). */
GF_API gf_status gf_settings_list_len(const gf_settings* s, const char* path, size_t* out, gf_error* err);

/* Tables: number of keys (0 when missing; GF_INVALID_ARGUMENT if not a
 * table) and the i-th key in file order. The root table is path "" . */
GF_API gf_status gf_settings_table_len(const gf_settings* s, const char* path, size_t* out, gf_error* err);
GF_API const char* gf_settings_table_key(const gf_settings* s, const char* path, size_t i);

/* Where a value came from: "file.toml:12", "env GOODDATA_FLIGHT_X__Y", or
 * NULL when missing. */
GF_API const char* gf_settings_source(const gf_settings* s, const char* path);

#ifdef __cplusplus
}
#endif

#endif
