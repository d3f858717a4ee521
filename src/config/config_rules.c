/* Cross-setting rules of the [server] configuration: computed defaults
 * (advertise host/port, instance id, trace keys, token strategy), "@file"
 * resolution for TLS material and tokens, and the TLS / mTLS / token
 * requirements. Main thread, start-up. */
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

#define ENUMERATED "EnumeratedTokenVerification"

static const char* src_at(const gf_settings* s, const char* path) {
  const gf__toml_value* v = gf__settings_lookup(s, path);
  return v && v->src ? v->src : "default";
}

static int oom(gf_error* err) { return gf_error_set(err, GF_NO_MEMORY, "out of memory"); }

static int set_default(char** f, char* v, gf_error* err) {
  if (*f != NULL) {
    free(v);
    return GF_OK;
  }
  *f = v;
  return v ? GF_OK : oom(err);
}

static int defaults(gf__server_config* cfg, gf_error* err) {
  int rc = set_default(&cfg->advertise_host, gf__default_fqdn(), err);
  if (rc == GF_OK) rc = set_default(&cfg->otel_service_instance_id, gf__default_hostname(), err);
  if (rc == GF_OK) rc = set_default(&cfg->log_event_key_name, strdup("event"), err);
  if (rc == GF_OK) rc = set_default(&cfg->log_trace_key_trace_id, strdup("trace_id"), err);
  if (rc == GF_OK) rc = set_default(&cfg->log_trace_key_span_id, strdup("span_id"), err);
  if (rc == GF_OK)
    rc = set_default(&cfg->log_trace_key_parent_span_id, strdup("parent_span_id"), err);
  if (rc == GF_OK && cfg->advertise_port < 0) cfg->advertise_port = cfg->listen_port;
  return rc;
}

static void drop(char** f) {
  if (*f) explicit_bzero(*f, strlen(*f));
  free(*f);
  *f = NULL;
}

/* Required-and-resolved PEM setting. */
static int pem(const gf_settings* s, char** f, const char* name, const char* flag, gf_error* err) {
  char path[64];
  snprintf(path, sizeof(path), "server.%s", name);
  if (*f == NULL) {
    char flag_path[64];
    snprintf(flag_path, sizeof(flag_path), "server.%s", flag);
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "%s: When you specify '%s = true', then you must provide '%s'. (%s = true "
                        "from %s)",
                        path, flag, name, flag, src_at(s, flag_path));
  }
  char* v = NULL;
  int rc = gf__config_resolve_at_file(err, path, *f, src_at(s, path), 0, &v);
  if (rc != GF_OK) return rc;
  drop(f);
  *f = v;
  if (v[0] == '\0')
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: expected non-empty PEM text, got an empty "
                        "file (from %s)", path, src_at(s, path));
  return GF_OK;
}

static int tls(gf__server_config* cfg, const gf_settings* s, gf_error* err) {
  if (!cfg->use_tls) {
    drop(&cfg->tls_certificate);
    drop(&cfg->tls_private_key);
    drop(&cfg->tls_root_certificate);
    return GF_OK;
  }
  int rc = pem(s, &cfg->tls_certificate, "tls_certificate", "use_tls", err);
  if (rc == GF_OK) rc = pem(s, &cfg->tls_private_key, "tls_private_key", "use_tls", err);
  if (rc != GF_OK) return rc;
  if (!cfg->use_mtls) {
    drop(&cfg->tls_root_certificate); /* not even read without mTLS (seed) */
    return GF_OK;
  }
  return pem(s, &cfg->tls_root_certificate, "tls_root_certificate", "use_mtls", err);
}

static int token_elem(gf__server_config* cfg, const gf__toml_value* e, size_t i, gf_error* err) {
  if (e->type != GF__TOML_STRING || e->u.str.len == 0 || memchr(e->u.str.s, '\0', e->u.str.len)) {
    char val[128];
    gf__fmt_value(e, 1, val, sizeof(val));
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "enumerated_tokens.tokens: expected a list of non-empty strings, got %s at "
                        "index %zu (from %s)",
                        val, i, e->src ? e->src : "default");
  }
  char* t = NULL;
  int rc = gf__config_resolve_at_file(err, "enumerated_tokens.tokens", e->u.str.s,
                                      e->src ? e->src : "default", 1, &t);
  if (rc != GF_OK) return rc;
  if (t[0] == '\0') {
    free(t);
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "enumerated_tokens.tokens: token at index %zu is empty (from %s)", i,
                        e->src ? e->src : "default");
  }
  cfg->enumerated_tokens[cfg->n_enumerated_tokens++] = t;
  return GF_OK;
}

static int tokens(gf__server_config* cfg, const gf_settings* s, gf_error* err) {
  const gf__toml_value* sec = gf__settings_lookup(s, "enumerated_tokens");
  if (sec != NULL && sec->type != GF__TOML_TABLE)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "enumerated_tokens: expected a table, got %s (from %s)",
                        gf__toml_type_name(sec->type), sec->src ? sec->src : "default");
  const gf__toml_value* v = gf__settings_lookup(s, "enumerated_tokens.tokens");
  if (v == NULL) return GF_OK;
  /* A single string is one token (the seed would split it into characters). */
  const gf__toml_value* const* items = (const gf__toml_value* const*)&v;
  size_t n = 1;
  if (v->type == GF__TOML_ARRAY) items = (const gf__toml_value* const*)v->u.arr.items, n = v->u.arr.n;
  else if (v->type != GF__TOML_STRING) return token_elem(cfg, v, 0, err);
  cfg->enumerated_tokens = calloc(n ? n : 1, sizeof(char*));
  if (cfg->enumerated_tokens == NULL) return oom(err);
  for (size_t i = 0; i < n; i++) {
    int rc = token_elem(cfg, items[i], i, err);
    if (rc != GF_OK) return rc;
  }
  return GF_OK;
}

static int auth(gf__server_config* cfg, const gf_settings* s, gf_error* err) {
  if (cfg->authentication_method != GF__AUTH_TOKEN) {
    free(cfg->token_verification);
    cfg->token_verification = NULL; /* seed: None when authentication is off */
    return GF_OK;
  }
  if (cfg->token_verification == NULL && (cfg->token_verification = strdup(ENUMERATED)) == NULL)
    return oom(err);
  if (strcmp(cfg->token_verification, ENUMERATED) != 0 || cfg->n_enumerated_tokens > 0)
    return GF_OK;
  return gf_error_set(err, GF_INVALID_ARGUMENT,
                      "enumerated_tokens.tokens: authentication_method = \"token\" with "
                      "token_verification = \"" ENUMERATED "\" requires at least one token; set "
                      "'tokens = [...]' in the [enumerated_tokens] section or the environment "
                      "variable GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS (authentication_method "
                      "from %s)",
                      src_at(s, "server.authentication_method"));
}

int gf__config_apply_rules(gf__server_config* cfg, const gf_settings* s, gf_error* err) {
  int rc = defaults(cfg, err);
  if (rc == GF_OK) rc = tls(cfg, s, err);
  if (rc == GF_OK) rc = tokens(cfg, s, err);
  if (rc == GF_OK) rc = auth(cfg, s, err);
  return rc;
}
