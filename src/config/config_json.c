/* Redacted JSON rendering of the validated [server] configuration (plus the
 * enumerated tokens count; [flexconnect] is the provider's), logged in
 * the server_startup event. Table-driven from settings_table.c. Main thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "config/config_internal.h"

static json_t* str_value(const char* s) { return gf__json_text(s, s ? strlen(s) : 0); }

static json_t* field_value(const gf__setting_def* d, const gf__server_config* cfg) {
  const char* f = (const char*)cfg + d->offset;
  switch (d->kind) {
    case GF__SK_STR: {
      const char* v = *(char* const*)f;
      if (v == NULL || !(d->flags & (GF__SF_SECRET | GF__SF_PEM))) return str_value(v);
      char* r = (d->flags & GF__SF_SECRET) ? NULL : gf__redact_pem(v);
      json_t* j = str_value(r ? r : GF__REDACTED);
      free(r);
      return j;
    }
    case GF__SK_INT:
      return json_integer((d->flags & GF__SF_I64) ? (json_int_t)*(const int64_t*)f
                                                  : (json_int_t)*(const int*)f);
    case GF__SK_BOOL: return json_boolean(*(const int*)f);
    case GF__SK_ENUM: return str_value(d->enum_values[*(const int*)f]);
    default: return json_null();
  }
}

static json_t* trace_keys(const gf__server_config* cfg) {
  json_t* o = json_object();
  if (json_object_set_new(o, "trace_id", str_value(cfg->log_trace_key_trace_id)) ||
      json_object_set_new(o, "span_id", str_value(cfg->log_trace_key_span_id)) ||
      json_object_set_new(o, "parent_span_id", str_value(cfg->log_trace_key_parent_span_id))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static int add_setting(json_t* o, const gf__setting_def* d, const gf__server_config* cfg) {
  if (d->kind == GF__SK_TRACE_KEYS) return json_object_set_new(o, "log_trace_keys", trace_keys(cfg));
  if (d->kind == GF__SK_STR_LIST) {
    char text[64];
    snprintf(text, sizeof text, "%zu token(s), redacted", cfg->n_enumerated_tokens);
    return json_object_set_new(o, "enumerated_tokens", json_string(text));
  }
  return json_object_set_new(o, d->name, field_value(d, cfg));
}

int gf__config_to_json(const gf__server_config* cfg, char** out) {
  json_t* o = json_object();
  int bad = o == NULL;
  for (size_t i = 0; i < gf__settings_table_len && !bad; i++) {
    const gf__setting_def* d = &gf__settings_table[i];
    if (strcmp(d->section, "flexconnect") == 0) continue; /* not server config; read by the provider */
    bad = add_setting(o, d, cfg) != 0;
  }
  *out = bad ? NULL : gf__json_dump(o, NULL);
  json_decref(o);
  return *out ? GF_OK : GF_NO_MEMORY;
}
