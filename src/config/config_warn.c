/* Configuration warnings: unknown keys in [server] / [enumerated_tokens] / [flexconnect] /
 * log_trace_keys (with the closest known name as a suggestion) and settings
 * that have no effect (use_mtls without use_tls). Main thread, start-up. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_internal.h"

/* Case-insensitive Levenshtein distance, capped inputs (keys are short). */
static size_t edit_distance(const char* a, const char* b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > 64 || m > 64) return (size_t)-1;
  size_t row[65];
  for (size_t j = 0; j <= m; j++) row[j] = j;
  for (size_t i = 1; i <= n; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= m; j++) {
      size_t up = row[j];
      size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
      size_t best = diag + cost;
      if (row[j] + 1 < best) best = row[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[m];
}

static const char* suggest(const char* section, const char* key, const char* const* extra) {
  const char* best = NULL;
  size_t best_d = (size_t)-1;
  for (size_t i = 0; i < gf__settings_table_len; i++) {
    const gf__setting_def* d = &gf__settings_table[i];
    if (strcmp(d->section, section) != 0) continue;
    size_t dist = edit_distance(key, d->name);
    if (dist < best_d) best_d = dist, best = d->name;
  }
  for (int i = 0; extra && extra[i]; i++) {
    size_t dist = edit_distance(key, extra[i]);
    if (dist < best_d) best_d = dist, best = extra[i];
  }
  size_t len = strlen(key);
  size_t limit = len < 6 ? 2 : len / 3 + 1;
  if (best_d <= limit) return best;
  /* a prefix of a known name ("span" -> "span_id") */
  for (size_t i = 0; len >= 3 && i < gf__settings_table_len; i++)
    if (strcmp(gf__settings_table[i].section, section) == 0 &&
        strncasecmp(gf__settings_table[i].name, key, len) == 0)
      return gf__settings_table[i].name;
  for (int i = 0; len >= 3 && extra && extra[i]; i++)
    if (strncasecmp(extra[i], key, len) == 0) return extra[i];
  return NULL;
}

static void unknown_keys(const gf__toml_value* t, const char* section, const char* const* known,
                         gf__warn_fn fn, void* ctx) {
  if (t == NULL || t->type != GF__TOML_TABLE) return;
  for (size_t i = 0; i < t->u.tab.n; i++) {
    const char* k = t->u.tab.keys[i];
    int found = 0;
    for (int j = 0; known && known[j]; j++) found |= strcasecmp(k, known[j]) == 0;
    if (!known && gf__setting_find(section, k)) found = 1;
    if (found) continue;
    const char* sugg = known ? suggest("", k, known) : suggest(section, k, NULL);
    const char* src = t->u.tab.vals[i]->src ? t->u.tab.vals[i]->src : "?";
    char setting[200], msg[512];
    snprintf(setting, sizeof(setting), "%s.%s", section, k);
    if (sugg)
      snprintf(msg, sizeof(msg), "%s: unknown setting (from %s); did you mean '%s'?", setting, src, sugg);
    else
      snprintf(msg, sizeof(msg), "%s: unknown setting (from %s)", setting, src);
    fn(ctx, "unknown_setting", setting, src, sugg, msg);
  }
}

static int truthy(const gf__toml_value* v) {
  if (v == NULL) return 0;
  if (v->type == GF__TOML_BOOL) return v->u.b;
  if (v->type == GF__TOML_STRING)
    return strcasecmp(v->u.str.s, "true") == 0 || strcasecmp(v->u.str.s, "yes") == 0 ||
           strcasecmp(v->u.str.s, "on") == 0 || strcmp(v->u.str.s, "1") == 0;
  return v->type == GF__TOML_INTEGER && v->u.i == 1;
}

void gf__config_collect_warnings(const gf_settings* s, gf__warn_fn fn, void* ctx) {
  static const char* const trace_keys[] = {"trace_id", "span_id", "parent_span_id", NULL};
  unknown_keys(gf__settings_lookup(s, "server"), "server", NULL, fn, ctx);
  unknown_keys(gf__settings_lookup(s, "enumerated_tokens"), "enumerated_tokens", NULL, fn, ctx);
  unknown_keys(gf__settings_lookup(s, "flexconnect"), "flexconnect", NULL, fn, ctx);
  unknown_keys(gf__settings_lookup(s, "server.log_trace_keys"), "server.log_trace_keys", trace_keys,
               fn, ctx);
  const gf__toml_value* mtls = gf__settings_lookup(s, "server.use_mtls");
  if (truthy(mtls) && !truthy(gf__settings_lookup(s, "server.use_tls"))) {
    char msg[300];
    snprintf(msg, sizeof(msg),
             "server.use_mtls: has no effect without 'use_tls = true' (from %s)",
             mtls->src ? mtls->src : "?");
    fn(ctx, "ineffective_setting", "server.use_mtls", mtls->src, NULL, msg);
  }
}

typedef struct lines {
  char** v;
  size_t n, cap;
  int oom;
} lines;

static void add_line(void* ctx, const char* event, const char* setting, const char* source,
                     const char* suggestion, const char* message) {
  (void)event, (void)setting, (void)source, (void)suggestion;
  lines* l = ctx;
  if (l->oom) return;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 4;
    char** v = realloc(l->v, cap * sizeof(*v));
    if (v == NULL) {
      l->oom = 1;
      return;
    }
    l->v = v, l->cap = cap;
  }
  if ((l->v[l->n] = strdup(message)) == NULL) l->oom = 1;
  else l->n++;
}

int gf__server_config_warnings(const gf_settings* s, char*** out, size_t* n) {
  lines l = {0};
  gf__config_collect_warnings(s, add_line, &l);
  if (l.oom) {
    gf__strv_free(l.v, l.n);
    *out = NULL, *n = 0;
    return GF_NO_MEMORY;
  }
  *out = l.v;
  *n = l.n;
  return GF_OK;
}

void gf__strv_free(char** v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}
