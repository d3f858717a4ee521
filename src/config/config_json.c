/* Redacted JSON rendering of the validated [server] configuration (plus the
 * enumerated tokens count; [flexconnect] is the provider's), logged in
 * the server_startup event. Table-driven from settings_table.c. Main thread. */
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static void json_str(FILE* out, const char* s) {
  if (s == NULL) {
    fputs("null", out);
    return;
  }
  fputc('"', out);
  for (const unsigned char* p = (const unsigned char*)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(out, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", out);
    else if (*p == '\r') fputs("\\r", out);
    else if (*p == '\t') fputs("\\t", out);
    else if (*p < 0x20 || *p == 0x7f) fprintf(out, "\\u%04x", *p);
    else fputc(*p, out);
  }
  fputc('"', out);
}

static void json_field(FILE* out, const gf__setting_def* d, const gf__server_config* cfg) {
  const char* f = (const char*)cfg + d->offset;
  switch (d->kind) {
    case GF__SK_STR: {
      const char* v = *(char* const*)f;
      if (v != NULL && (d->flags & GF__SF_SECRET)) {
        json_str(out, GF__REDACTED);
      } else if (v != NULL && (d->flags & GF__SF_PEM)) {
        char* r = gf__redact_pem(v);
        json_str(out, r ? r : GF__REDACTED);
        free(r);
      } else {
        json_str(out, v);
      }
      break;
    }
    case GF__SK_INT:
      fprintf(out, "%lld", (d->flags & GF__SF_I64) ? (long long)*(const int64_t*)f
                                                    : (long long)*(const int*)f);
      break;
    case GF__SK_BOOL: fputs(*(const int*)f ? "true" : "false", out); break;
    case GF__SK_ENUM: json_str(out, d->enum_values[*(const int*)f]); break;
    default: fputs("null", out); break;
  }
}

int gf__config_to_json(const gf__server_config* cfg, char** out) {
  size_t len = 0;
  *out = NULL;
  FILE* m = open_memstream(out, &len);
  if (m == NULL) return GF_NO_MEMORY;
  fputc('{', m);
  int first = 1;
  for (size_t i = 0; i < gf__settings_table_len; i++) {
    const gf__setting_def* d = &gf__settings_table[i];
    if (strcmp(d->section, "flexconnect") == 0) continue; /* not server config; read by the provider */
    if (!first) fputc(',', m);
    first = 0;
    if (d->kind == GF__SK_TRACE_KEYS) {
      fputs("\"log_trace_keys\":{\"trace_id\":", m);
      json_str(m, cfg->log_trace_key_trace_id);
      fputs(",\"span_id\":", m);
      json_str(m, cfg->log_trace_key_span_id);
      fputs(",\"parent_span_id\":", m);
      json_str(m, cfg->log_trace_key_parent_span_id);
      fputc('}', m);
    } else if (d->kind == GF__SK_STR_LIST) {
      fprintf(m, "\"enumerated_tokens\":\"%zu token(s), redacted\"", cfg->n_enumerated_tokens);
    } else {
      json_str(m, d->name);
      fputc(':', m);
      json_field(m, d, cfg);
    }
  }
  fputc('}', m);
  int bad = ferror(m);
  fclose(m);
  if (bad || *out == NULL) {
    free(*out);
    *out = NULL;
    return GF_NO_MEMORY;
  }
  return GF_OK;
}
