/* Validated [server] configuration: walks the settings table, converts and
 * checks every value, applies defaults, resolves "@file" values, and checks
 * the cross-setting rules (TLS, mTLS, tokens). Every error is one line naming
 * the setting, the (redacted) value and its source. Main thread, start-up. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gooddata_flight_server/log.h"
#include "config/config_internal.h"

typedef struct ctx {
  gf__server_config* cfg;
  const gf__toml_value* server; /* [server] table or NULL */
  gf_error* err;
} ctx;

static const char* src_of(const gf__toml_value* v) {
  return v && v->src ? v->src : "default";
}

static int bad(ctx* c, const gf__setting_def* d, const gf__toml_value* v, const char* expected) {
  char val[128];
  gf__fmt_value(v, d->flags & GF__SF_SECRET, val, sizeof(val));
  return gf_error_set(c->err, GF_INVALID_ARGUMENT, "%s.%s: expected %s, got %s (from %s)",
                      d->section, d->name, expected, val, src_of(v));
}

static char* trimmed_dup(const char* s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) n--;
  return strndup(s, n);
}

/* "@/path" -> file contents; otherwise a copy. */
static int resolve_at_file(ctx* c, const char* setting, const char* text, const char* src,
                           int trim_content, char** out) {
  char* t = trimmed_dup(text);
  if (t == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory");
  if (t[0] != '@') {
    *out = t;
    return GF_OK;
  }
  char* path = trimmed_dup(t + 1);
  free(t);
  if (path == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory");
  char* data = NULL;
  size_t len = 0;
  int e = 0;
  int rc = gf__read_file(path, GF__AT_FILE_MAX, &data, &len, &e);
  if (rc != GF_OK) {
    rc = gf_error_set(c->err, GF_INVALID_ARGUMENT, "%s: cannot read file \"%s\": %s (from %s)",
                      setting, path, e == EFBIG ? "file is larger than 16 MiB" : strerror(e), src);
    free(path);
    return rc;
  }
  free(path);
  if (memchr(data, '\0', len) != NULL) {
    free(data);
    return gf_error_set(c->err, GF_INVALID_ARGUMENT, "%s: file contains a NUL byte (from %s)",
                        setting, src);
  }
  if (trim_content) {
    *out = trimmed_dup(data);
    free(data);
    if (*out == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory");
  } else {
    *out = data;
  }
  return GF_OK;
}

/* Parses a TOML default from the table (trusted text). */
static gf__toml_value* default_value(const gf__setting_def* d) {
  gf__toml_value* v = NULL;
  if (d->dflt) gf__toml_parse_value(d->dflt, strlen(d->dflt), NULL, &v, NULL);
  return v;
}

static int parse_int_text(const char* s, int64_t* out) {
  while (isspace((unsigned char)*s)) s++;
  if (*s == '\0') return 0;
  char* end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  while (isspace((unsigned char)*end)) end++;
  if (errno != 0 || *end != '\0') return 0;
  *out = x;
  return 1;
}

static int conv_int(ctx* c, const gf__setting_def* d, const gf__toml_value* v) {
  int64_t x = 0;
  int ok = 0;
  if (v->type == GF__TOML_INTEGER) x = v->u.i, ok = 1;
  else if (v->type == GF__TOML_STRING) ok = parse_int_text(v->u.str.s, &x);
  else if (v->type == GF__TOML_FLOAT && v->u.f == (double)(int64_t)v->u.f) x = (int64_t)v->u.f, ok = 1;
  if (!ok || x < d->min || x > d->max) {
    char exp[96];
    snprintf(exp, sizeof(exp), "an integer in %lld..%lld", (long long)d->min, (long long)d->max);
    return bad(c, d, v, exp);
  }
  char* f = (char*)c->cfg + d->offset;
  if (d->flags & GF__SF_I64) *(int64_t*)f = x;
  else *(int*)f = (int)x;
  return GF_OK;
}

static int conv_bool(ctx* c, const gf__setting_def* d, const gf__toml_value* v) {
  static const char* const yes[] = {"true", "yes", "on", "1", NULL};
  static const char* const no[] = {"false", "no", "off", "0", NULL};
  int b = -1;
  if (v->type == GF__TOML_BOOL) b = v->u.b;
  else if (v->type == GF__TOML_INTEGER && (v->u.i == 0 || v->u.i == 1)) b = (int)v->u.i;
  else if (v->type == GF__TOML_STRING) {
    char* t = trimmed_dup(v->u.str.s);
    for (int i = 0; t && yes[i]; i++) {
      if (strcasecmp(t, yes[i]) == 0) b = 1;
      if (strcasecmp(t, no[i]) == 0) b = 0;
    }
    free(t);
  }
  if (b < 0) return bad(c, d, v, "a boolean (true or false)");
  *(int*)((char*)c->cfg + d->offset) = b;
  return GF_OK;
}

static int conv_enum(ctx* c, const gf__setting_def* d, const gf__toml_value* v) {
  if (v->type == GF__TOML_STRING) {
    char* t = trimmed_dup(v->u.str.s);
    for (int i = 0; t && d->enum_values[i]; i++) {
      if (strcasecmp(t, d->enum_values[i]) == 0) {
        free(t);
        *(int*)((char*)c->cfg + d->offset) = i;
        return GF_OK;
      }
    }
    free(t);
  }
  char exp[160] = "one of ";
  for (int i = 0; d->enum_values[i]; i++) {
    strncat(exp, d->enum_values[i], sizeof(exp) - strlen(exp) - 3);
    if (d->enum_values[i + 1]) strcat(exp, ", ");
  }
  return bad(c, d, v, exp);
}

static int conv_str(ctx* c, const gf__setting_def* d, const gf__toml_value* v) {
  char** f = (char**)((char*)c->cfg + d->offset);
  if (v->type != GF__TOML_STRING || v->u.str.len == 0 || memchr(v->u.str.s, '\0', v->u.str.len))
    return bad(c, d, v, "a non-empty string");
  char* t = trimmed_dup(v->u.str.s);
  if (t == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory");
  if (t[0] == '\0') {
    free(t);
    return bad(c, d, v, "a non-empty string");
  }
  if (d->flags & GF__SF_AT_FILE) { /* PEM text is kept verbatim (seed strips it) */
    free(t);
    t = strdup(v->u.str.s);
    if (t == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory");
  }
  *f = t;
  return GF_OK;
}

static int conv_trace_keys(ctx* c, const gf__setting_def* d, const gf__toml_value* v) {
  static const char* const keys[] = {"trace_id", "span_id", "parent_span_id"};
  char** fields[] = {&c->cfg->log_trace_key_trace_id, &c->cfg->log_trace_key_span_id,
                     &c->cfg->log_trace_key_parent_span_id};
  if (v->type != GF__TOML_TABLE)
    return bad(c, d, v, "a table mapping 'trace_id', 'span_id' and 'parent_span_id' to log keys");
  for (int i = 0; i < 3; i++) {
    const gf__toml_value* e = gf__toml_table_geti(v, keys[i], strlen(keys[i]));
    if (e == NULL) continue;
    if (e->type != GF__TOML_STRING || e->u.str.len == 0 || memchr(e->u.str.s, '\0', e->u.str.len)) {
      char val[128];
      gf__fmt_value(e, 0, val, sizeof(val));
      return gf_error_set(c->err, GF_INVALID_ARGUMENT,
                          "server.log_trace_keys.%s: expected a non-empty string, got %s (from %s)",
                          keys[i], val, src_of(e));
    }
    char* s = strdup(e->u.str.s);
    if (s == NULL) return gf_error_set(c->err, GF_NO_MEMORY, "out of memory");
    free(*fields[i]);
    *fields[i] = s;
  }
  return GF_OK;
}

static int apply_setting(ctx* c, const gf__setting_def* d, const gf__toml_value* v) {
  switch (d->kind) {
    case GF__SK_STR: return conv_str(c, d, v);
    case GF__SK_INT: return conv_int(c, d, v);
    case GF__SK_BOOL: return conv_bool(c, d, v);
    case GF__SK_ENUM: return conv_enum(c, d, v);
    case GF__SK_TRACE_KEYS: return conv_trace_keys(c, d, v);
    default: return GF_OK;
  }
}

static int load_server_settings(ctx* c) {
  for (size_t i = 0; i < gf__settings_table_len; i++) {
    const gf__setting_def* d = &gf__settings_table[i];
    if (strcmp(d->section, "server") != 0) continue;
    const gf__toml_value* v = c->server ? gf__toml_table_geti(c->server, d->name, strlen(d->name)) : NULL;
    gf__toml_value* dv = NULL;
    if (v == NULL) v = dv = default_value(d);
    int rc = v ? apply_setting(c, d, v) : GF_OK;
    gf__toml_free(dv);
    if (rc != GF_OK) return rc;
  }
  return GF_OK;
}

static void log_warning(void* unused, const char* event, const char* setting, const char* source,
                        const char* suggestion, const char* message) {
  (void)unused;
  GF_LOG(gf_logger_get(GF__CONFIG_LOGGER), GF_LOG_WARNING, event, GF_STR("setting", setting),
         GF_STR("source", source ? source : ""), GF_STR("suggestion", suggestion ? suggestion : ""),
         GF_STR("message", message));
}

int gf__server_config_load(const gf_settings* settings, gf__server_config* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  ctx c = {.cfg = out, .server = gf__settings_lookup(settings, "server"), .err = err};
  if (c.server != NULL && c.server->type != GF__TOML_TABLE)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "server: expected a table, got %s (from %s)",
                        gf__toml_type_name(c.server->type), src_of(c.server));
  out->advertise_port = -1;
  int rc = load_server_settings(&c);
  if (rc == GF_OK) rc = gf__config_apply_rules(out, settings, err);
  if (rc != GF_OK) {
    gf__server_config_free(out);
    return rc;
  }
  gf__config_collect_warnings(settings, log_warning, NULL);
  return GF_OK;
}

void gf__server_config_free(gf__server_config* cfg) {
  if (cfg == NULL) return;
  char** strs[] = {&cfg->listen_host, &cfg->advertise_host, &cfg->tls_certificate,
                   &cfg->tls_private_key, &cfg->tls_root_certificate, &cfg->token_header_name,
                   &cfg->token_verification, &cfg->metrics_host, &cfg->health_check_host,
                   &cfg->log_event_key_name, &cfg->log_trace_key_trace_id,
                   &cfg->log_trace_key_span_id, &cfg->log_trace_key_parent_span_id,
                   &cfg->otel_service_name, &cfg->otel_service_namespace,
                   &cfg->otel_service_instance_id};
  for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
    if (*strs[i] == cfg->tls_private_key && *strs[i] != NULL)
      explicit_bzero(*strs[i], strlen(*strs[i]));
    free(*strs[i]);
    *strs[i] = NULL;
  }
  for (size_t i = 0; i < cfg->n_enumerated_tokens; i++) free(cfg->enumerated_tokens[i]);
  free(cfg->enumerated_tokens);
  cfg->enumerated_tokens = NULL;
  cfg->n_enumerated_tokens = 0;
}

/* Exposed for config_rules.c. */
int gf__config_resolve_at_file(gf_error* err, const char* setting, const char* text,
                               const char* src, int trim_content, char** out) {
  ctx c = {.err = err};
  return resolve_at_file(&c, setting, text, src, trim_content, out);
}
