/* Internal to the config module (server_config.c, config_print.c,
 * config_docs.c, config_warn.c): value formatting with redaction, host name
 * defaults, and warning collection. Main thread at start-up; the formatting
 * helpers are pure and usable from any thread. */
#ifndef GF__CONFIG_INTERNAL_H
#define GF__CONFIG_INTERNAL_H

#include <stddef.h>

#include "config/settings.h"
#include "config/settings_table.h"

#define GF__CONFIG_LOGGER "gooddata_flight_server.config"
#define GF__REDACTED "***"

/* Short one-line rendering of a value for messages: strings quoted and
 * escaped (cut after ~60 chars), secrets as "***". */
void gf__fmt_value(const gf__toml_value* v, int secret, char* buf, size_t cap);
/* Full TOML rendering of a value (for the printout); secrets redacted. */
void gf__print_value(FILE* out, const gf__toml_value* v, int secret);
/* Seed-style PEM redaction: first 38 + "..." + last 38 bytes. malloc'd. */
char* gf__redact_pem(const char* pem);
/* Heuristic for other sections: key names that look secret. */
int gf__key_looks_secret(const char* key);
/* Default host names (malloc'd; never NULL unless out of memory). */
char* gf__default_fqdn(void);
char* gf__default_hostname(void);

typedef void (*gf__warn_fn)(void* ctx, const char* event, const char* setting, const char* source,
                            const char* suggestion, const char* message);
/* Calls fn for every warning about the settings. */
void gf__config_collect_warnings(const gf_settings* s, gf__warn_fn fn, void* ctx);

/* Defaults that depend on other settings, "@file" resolution and the
 * cross-setting rules (TLS, mTLS, tokens). config_rules.c. */
int gf__config_apply_rules(gf__server_config* cfg, const gf_settings* s, gf_error* err);
/* "@/path" -> contents of the file (trimmed if asked), else a trimmed copy. */
int gf__config_resolve_at_file(gf_error* err, const char* setting, const char* text,
                               const char* src, int trim_content, char** out);

#endif
