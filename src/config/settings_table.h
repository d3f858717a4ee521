/* Internal: the ONE table of known settings ([server],
 * [enumerated_tokens] and [flexconnect]). Validation, defaults, the printout and
 * docs/configuration.md are all derived from it. Static data; any thread. */
#ifndef GF__SETTINGS_TABLE_H
#define GF__SETTINGS_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef enum gf__setting_kind {
  GF__SK_STR = 1,   /* non-empty string */
  GF__SK_INT,       /* integer in [min, max] */
  GF__SK_BOOL,
  GF__SK_ENUM,      /* one of enum_values */
  GF__SK_TRACE_KEYS,/* log_trace_keys table */
  GF__SK_STR_LIST   /* list of strings (tokens) */
} gf__setting_kind;

/* Flags. */
#define GF__SF_SECRET 0x1   /* value redacted in logs and printouts */
#define GF__SF_AT_FILE 0x2  /* "@/path" reads the file's contents */
#define GF__SF_ADDED 0x4    /* not in the Python seed: added by this implementation */
#define GF__SF_PEM 0x8      /* printed as first/last bytes like the seed's without_tls() */
#define GF__SF_I64 0x10     /* field is int64_t (else int) */

typedef struct gf__setting_def {
  const char* section; /* "server", "enumerated_tokens" or "flexconnect" */
  const char* name;
  gf__setting_kind kind;
  const char* dflt;    /* default as TOML text, NULL = unset */
  const char* dflt_doc;/* default for humans when computed (else NULL) */
  int64_t min, max;
  const char* const* enum_values; /* NULL-terminated, for GF__SK_ENUM */
  int flags;
  size_t offset;       /* field in gf__server_config, (size_t)-1 if special */
  const char* help;
} gf__setting_def;

extern const gf__setting_def gf__settings_table[];
extern const size_t gf__settings_table_len;

/* Looks up a known setting by section and (case-insensitive) name. */
const gf__setting_def* gf__setting_find(const char* section, const char* name);
/* "GOODDATA_FLIGHT_SERVER__LISTEN_PORT" into buf. */
void gf__setting_env_name(const gf__setting_def* d, char* buf, size_t cap);

#endif
