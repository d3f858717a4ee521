/* Internal: merged settings (config files in CLI order, then GOODDATA_FLIGHT_*
 * environment variables) and the config printing/doc helpers. Loaded once on
 * the main thread at start-up; read-only (and thread-safe) afterwards. */
#ifndef GF__SETTINGS_H
#define GF__SETTINGS_H

#include <stddef.h>
#include <stdio.h>

#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/config.h"
#include "config/server_config.h"
#include "config/toml.h"
#include "common/file.h"

#define GF__ENV_PREFIX "GOODDATA_FLIGHT_"

struct gf_settings {
  gf__toml_value* root; /* TABLE */
};

/* Loads files in order (later files override earlier ones key by key), then
 * applies GOODDATA_FLIGHT_* variables from envp (NULL = no environment). */
int gf__settings_load(const char* const* files, size_t n, char* const* envp, gf_settings** out,
                      gf_error* err);
void gf__settings_free(gf_settings* s);
/* An empty settings object (defaults only). */
int gf__settings_empty(gf_settings** out);

/* Parses an environment variable value: TOML value if it parses as one
 * (plus Dynaconf's True/False), else the raw string. `src` is recorded. */
int gf__settings_parse_env_value(const char* text, const char* src, gf__toml_value** out);
/* Applies one "NAME=value" entry (ignored unless it has the prefix). */
int gf__settings_apply_env(gf_settings* s, const char* entry, gf_error* err);

/* Value at a dotted path (case-insensitive keys, numeric parts index arrays);
 * NULL if missing. "" is the root. */
const gf__toml_value* gf__settings_lookup(const gf_settings* s, const char* path);

/* Warnings about the settings (unknown [server] keys with suggestions...).
 * *out is a malloc'd array of malloc'd lines; free with gf__strv_free. */
int gf__server_config_warnings(const gf_settings* s, char*** out, size_t* n);
void gf__strv_free(char** v, size_t n);

/* Effective configuration: every known setting with value and source
 * ("default", "file:line", "env NAME"), then the other sections; secrets
 * redacted. */
int gf__config_print(const gf_settings* s, FILE* out);
/* Redacted JSON object of the validated config (for the startup log). */
int gf__config_to_json(const gf__server_config* cfg, char** out);
/* The full docs/configuration.md text. */
int gf__config_docs_markdown(FILE* out);

/* "@path" values are read whole, capped at GF__AT_FILE_MAX bytes. */
#define GF__AT_FILE_MAX (16u * 1024u * 1024u)

#endif
