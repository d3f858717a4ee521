/* Parser for the logging levels file (--logging-config): the stdlib logging
 * INI shape of the seed ([loggers] keys=..., [logger_<key>] level/qualname)
 * and level-name helpers. Runs on the thread calling gf__log_configure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log/log_internal.h"

#define INI_MAX_ENTRIES 20000
#define INI_MAX_LOGGERS 4096

typedef struct ini_entry {
  char* section;
  char* key;    /* lower-case */
  char* value;
  int line;
} ini_entry;

typedef struct ini {
  ini_entry* e;
  size_t n;
} ini;

int gf__log_level_parse(const char* s) {
  static const struct { const char* name; int level; } names[] = {
      {"NOTSET", 0},  {"DEBUG", 10},    {"INFO", 20},     {"WARNING", 30},
      {"WARN", 30},   {"ERROR", 40},    {"CRITICAL", 50}, {"FATAL", 50}};
  if (!s || !*s) return -1;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcasecmp(s, names[i].name) == 0) return names[i].level;
  char* end = NULL;
  long v = strtol(s, &end, 10);
  if (*end == '\0' && v >= 0 && v <= 1000) return (int)v;
  return -1;
}

const char* gf__log_level_name(int level) {
  if (level >= GF_LOG_CRITICAL) return "critical";
  if (level >= GF_LOG_ERROR) return "error";
  if (level >= GF_LOG_WARNING) return "warning";
  if (level >= GF_LOG_INFO) return "info";
  return "debug";
}

static char* strip_dup(const char* s, size_t n) {
  while (n && isspace((unsigned char)*s)) s++, n--;
  while (n && isspace((unsigned char)s[n - 1])) n--;
  char* out = malloc(n + 1);
  if (!out) return NULL;
  memcpy(out, s, n);
  out[n] = '\0';
  return out;
}

static void ini_free(ini* in) {
  for (size_t i = 0; i < in->n; i++) {
    free(in->e[i].section);
    free(in->e[i].key);
    free(in->e[i].value);
  }
  free(in->e);
}

static int ini_add(ini* in, const char* section, const char* k, size_t kn, const char* v,
                   size_t vn, int line) {
  if (in->n >= INI_MAX_ENTRIES) return GF_RESOURCE_EXHAUSTED;
  if ((in->n & (in->n - 1)) == 0) {
    ini_entry* ne = realloc(in->e, sizeof *ne * (in->n ? in->n * 2 : 8));
    if (!ne) return GF_NO_MEMORY;
    in->e = ne;
  }
  ini_entry* e = &in->e[in->n];
  e->section = strdup(section);
  e->key = strip_dup(k, kn);
  e->value = strip_dup(v, vn);
  e->line = line;
  if (!e->section || !e->key || !e->value) {
    free(e->section), free(e->key), free(e->value);
    return GF_NO_MEMORY;
  }
  for (char* p = e->key; *p; p++) *p = (char)tolower((unsigned char)*p);
  in->n++;
  return GF_OK;
}

/* Appends an indented continuation line to the previous value. */
static int ini_continue(ini* in, const char* s, size_t n) {
  ini_entry* e = &in->e[in->n - 1];
  char* add = strip_dup(s, n);
  if (!add) return GF_NO_MEMORY;
  size_t ol = strlen(e->value), al = strlen(add);
  char* nv = realloc(e->value, ol + al + 2);
  if (!nv) {
    free(add);
    return GF_NO_MEMORY;
  }
  nv[ol] = '\n';
  memcpy(nv + ol + 1, add, al + 1);
  e->value = nv;
  free(add);
  return GF_OK;
}

static int ini_line(ini* in, char** section, const char* s, size_t n, int line,
                    const char* origin, gf_error* err) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) i++;
  if (i == n || s[i] == '#' || s[i] == ';') return GF_OK;
  if (i > 0 && in->n > 0 && *section && strcmp(in->e[in->n - 1].section, *section) == 0)
    return ini_continue(in, s + i, n - i);
  if (s[i] == '[') {
    const char* close = memchr(s + i, ']', n - i);
    if (!close)
      return gf_error_set(err, GF_INVALID_ARGUMENT, "%s:%d: section header without ']'", origin, line);
    free(*section);
    *section = strip_dup(s + i + 1, (size_t)(close - s - i - 1));
    return *section ? GF_OK : GF_NO_MEMORY;
  }
  if (!*section)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s:%d: key outside of any [section]", origin, line);
  size_t j = i;
  while (j < n && s[j] != '=' && s[j] != ':') j++;
  if (j == n)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s:%d: expected 'key = value'", origin, line);
  int rc = ini_add(in, *section, s + i, j - i, s + j + 1, n - j - 1, line);
  if (rc) return gf_error_set(err, rc, "%s:%d: too many entries or out of memory", origin, line);
  return GF_OK;
}

static int ini_parse(const char* text, size_t len, const char* origin, ini* in, gf_error* err) {
  char* section = NULL;
  int line = 0, rc = GF_OK;
  size_t pos = 0;
  while (pos < len && rc == GF_OK) {
    const char* nl = memchr(text + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
    line++;
    if (memchr(text + pos, '\0', n))
      rc = gf_error_set(err, GF_INVALID_ARGUMENT, "%s:%d: NUL byte in file", origin, line);
    else
      rc = ini_line(in, &section, text + pos, n, line, origin, err);
    pos += n + 1;
  }
  free(section);
  return rc;
}

static const ini_entry* ini_get(const ini* in, const char* section, const char* key) {
  const ini_entry* found = NULL;
  for (size_t i = 0; i < in->n; i++)
    if (strcmp(in->e[i].section, section) == 0 && strcmp(in->e[i].key, key) == 0) found = &in->e[i];
  return found;
}

static int ini_has_section(const ini* in, const char* section) {
  for (size_t i = 0; i < in->n; i++)
    if (strcmp(in->e[i].section, section) == 0) return 1;
  return 0;
}

void gf__log_rules_free(gf__log_level_rule* rules, size_t n) {
  for (size_t i = 0; i < n; i++) free(rules[i].name);
  free(rules);
}

/* Builds the rule for one key of [loggers] keys. */
static int one_logger(const ini* in, const char* key, const char* origin, int kline,
                      gf__log_level_rule* out, gf_error* err) {
  char sect[300];
  snprintf(sect, sizeof sect, "logger_%s", key);
  int is_root = strcmp(key, "root") == 0;
  if (!ini_has_section(in, sect) && !is_root)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "%s:%d: [loggers] keys lists '%s' but there is no [%s] section", origin,
                        kline, key, sect);
  const ini_entry* lv = ini_get(in, sect, "level");
  const ini_entry* qn = ini_get(in, sect, "qualname");
  out->level = 0;
  if (lv) {
    out->level = gf__log_level_parse(lv->value);
    if (out->level < 0)
      return gf_error_set(err, GF_INVALID_ARGUMENT, "%s:%d: [%s] level: unknown level '%s'", origin,
                          lv->line, sect, lv->value);
  }
  if (!is_root && (!qn || !*qn->value))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: [%s] has no qualname", origin, sect);
  out->name = strdup(is_root ? "" : qn->value);
  return out->name ? GF_OK : gf_error_set(err, GF_NO_MEMORY, "%s: out of memory", origin);
}

static int build_rules(const ini* in, const char* origin, gf__log_level_rule** rules, size_t* n,
                       gf_error* err) {
  const ini_entry* keys = ini_get(in, "loggers", "keys");
  if (!keys)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: no [loggers] section with 'keys'", origin);
  gf__log_level_rule* r = calloc(INI_MAX_LOGGERS, sizeof *r);
  if (!r) return gf_error_set(err, GF_NO_MEMORY, "%s: out of memory", origin);
  size_t cnt = 0;
  int rc = GF_OK;
  const char* p = keys->value;
  while (*p && rc == GF_OK) {
    const char* comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    char* key = strip_dup(p, len);
    if (!key) rc = gf_error_set(err, GF_NO_MEMORY, "%s: out of memory", origin);
    else if (*key && cnt >= INI_MAX_LOGGERS)
      rc = gf_error_set(err, GF_RESOURCE_EXHAUSTED, "%s: more than %d loggers", origin,
                        INI_MAX_LOGGERS);
    else if (*key && strlen(key) < 256)
      rc = one_logger(in, key, origin, keys->line, &r[cnt++], err);
    else if (*key)
      rc = gf_error_set(err, GF_INVALID_ARGUMENT, "%s:%d: logger key too long", origin, keys->line);
    free(key);
    p = comma ? comma + 1 : p + len;
  }
  if (rc) {
    gf__log_rules_free(r, cnt);
    return rc;
  }
  *rules = r;
  *n = cnt;
  return GF_OK;
}

int gf__log_parse_ini(const char* text, size_t len, const char* origin,
                      gf__log_level_rule** rules, size_t* n_rules, gf_error* err) {
  ini in = {0};
  *rules = NULL;
  *n_rules = 0;
  if (!origin) origin = "logging config";
  int rc = ini_parse(text, len, origin, &in, err);
  if (rc == GF_OK) rc = build_rules(&in, origin, rules, n_rules, err);
  ini_free(&in);
  return rc;
}
