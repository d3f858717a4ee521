/* Settings loading: config files in CLI order (deep-merged key by key), then
 * GOODDATA_FLIGHT_{SECTION}__{KEY} environment variables; dotted-path lookup.
 * Runs on the main thread at start-up. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/settings.h"

int gf__settings_empty(gf_settings** out) {
  gf_settings* s = calloc(1, sizeof(*s));
  if (s == NULL || (s->root = gf__toml_new(GF__TOML_TABLE, NULL)) == NULL) {
    free(s);
    return GF_NO_MEMORY;
  }
  *out = s;
  return GF_OK;
}

void gf__settings_free(gf_settings* s) {
  if (s == NULL) return;
  gf__toml_free(s->root);
  free(s);
}

static int load_file(gf_settings* s, const char* f, gf_error* err) {
  struct stat st;
  if (stat(f, &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return gf_error_set(err, GF_NOT_FOUND, "Settings file %s does not exist.", f);
    return gf_error_set(err, GF_IO_ERROR, "Settings file %s cannot be read: %s", f, strerror(errno));
  }
  if (S_ISDIR(st.st_mode))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "Path %s is a directory and not a settings file.", f);
  if (!S_ISREG(st.st_mode))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "Path %s is not a regular settings file.", f);
  char* text;
  size_t len;
  int e = 0;
  int rc = gf__read_file(f, GF__TOML_MAX_DOC_BYTES, &text, &len, &e);
  if (rc != GF_OK) {
    if (e == EFBIG)
      return gf_error_set(err, GF_INVALID_ARGUMENT, "Settings file %s is larger than %u bytes.", f,
                          GF__TOML_MAX_DOC_BYTES);
    return gf_error_set(err, rc, "Settings file %s cannot be read: %s", f, strerror(e));
  }
  gf__toml_value* doc = NULL;
  rc = gf__toml_parse(text, len, f, &doc, err);
  free(text);
  if (rc != GF_OK) return rc;
  if (gf__toml_merge(s->root, doc) != GF_OK) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  return GF_OK;
}

int gf__settings_parse_env_value(const char* text, const char* src, gf__toml_value** out) {
  *out = NULL;
  if (strcmp(text, "True") == 0 || strcmp(text, "False") == 0) {
    *out = gf__toml_new(GF__TOML_BOOL, src);
    if (*out == NULL) return GF_NO_MEMORY;
    (*out)->u.b = text[0] == 'T';
    return GF_OK;
  }
  gf_error e;
  if (gf__toml_parse_value(text, strlen(text), src, out, &e) == GF_OK) return GF_OK;
  if (e.code == GF_NO_MEMORY) return GF_NO_MEMORY;
  *out = gf__toml_new_string(text, strlen(text), src);
  return *out ? GF_OK : GF_NO_MEMORY;
}

/* Splits "SERVER__LISTEN_PORT" into lower-cased parts; 0 if a part is empty. */
static size_t split_env_name(const char* name, size_t len, char parts[][128], size_t max) {
  size_t n = 0, i = 0;
  while (i <= len) {
    const char* sep = NULL;
    for (size_t k = i; k + 1 < len; k++)
      if (name[k] == '_' && name[k + 1] == '_') {
        sep = name + k;
        break;
      }
    size_t end = sep ? (size_t)(sep - name) : len;
    size_t plen = end - i;
    if (plen == 0 || plen >= 128 || n >= max) return 0;
    for (size_t k = 0; k < plen; k++) parts[n][k] = (char)tolower((unsigned char)name[i + k]);
    parts[n][plen] = '\0';
    n++;
    if (!sep) break;
    i = end + 2;
  }
  return n;
}

static int set_path(gf__toml_value* t, char parts[][128], size_t n, gf__toml_value* v,
                    const char* src) {
  for (size_t i = 0; i + 1 < n; i++) {
    long idx = gf__toml_table_indexi(t, parts[i], strlen(parts[i]));
    if (idx >= 0 && t->u.tab.vals[idx]->type == GF__TOML_TABLE) {
      t = t->u.tab.vals[idx];
      continue;
    }
    gf__toml_value* c = gf__toml_new(GF__TOML_TABLE, src);
    if (c == NULL) goto oom;
    if (idx >= 0) {
      gf__toml_table_replace(t, (size_t)idx, c);
    } else if (gf__toml_table_put(t, parts[i], strlen(parts[i]), c) != GF_OK) {
      gf__toml_free(c);
      goto oom;
    }
    t = c;
  }
  long idx = gf__toml_table_indexi(t, parts[n - 1], strlen(parts[n - 1]));
  if (idx < 0) {
    if (gf__toml_table_put(t, parts[n - 1], strlen(parts[n - 1]), v) != GF_OK) goto oom;
  } else if (t->u.tab.vals[idx]->type == GF__TOML_TABLE && v->type == GF__TOML_TABLE) {
    return gf__toml_merge(t->u.tab.vals[idx], v);
  } else {
    gf__toml_table_replace(t, (size_t)idx, v);
  }
  return GF_OK;
oom:
  gf__toml_free(v);
  return GF_NO_MEMORY;
}

int gf__settings_apply_env(gf_settings* s, const char* entry, gf_error* err) {
  size_t plen = strlen(GF__ENV_PREFIX);
  const char* eq = strchr(entry, '=');
  if (eq == NULL || strncmp(entry, GF__ENV_PREFIX, plen) != 0) return GF_OK;
  char parts[GF__TOML_MAX_DEPTH][128];
  size_t n = split_env_name(entry + plen, (size_t)(eq - entry) - plen, parts, GF__TOML_MAX_DEPTH);
  if (n == 0) return GF_OK; /* malformed name (empty part): not ours */
  size_t name_len = (size_t)(eq - entry);
  char* src = malloc(name_len + 5);
  if (src == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  memcpy(src, "env ", 4);
  memcpy(src + 4, entry, name_len);
  src[name_len + 4] = '\0';
  gf__toml_value* v = NULL;
  int rc = gf__settings_parse_env_value(eq + 1, src, &v);
  if (rc == GF_OK) rc = set_path(s->root, parts, n, v, src);
  free(src);
  if (rc != GF_OK) return gf_error_set(err, rc, "out of memory applying %.*s", (int)name_len, entry);
  return GF_OK;
}

static int cmp_env(const void* a, const void* b) {
  const char* x = *(const char* const*)a;
  const char* y = *(const char* const*)b;
  size_t nx = strcspn(x, "="), ny = strcspn(y, "=");
  int c = strncmp(x, y, nx < ny ? nx : ny);
  return c != 0 ? c : (nx > ny) - (nx < ny);
}

static int load_env(gf_settings* s, char* const* envp, gf_error* err) {
  size_t n = 0;
  for (char* const* e = envp; *e; e++)
    if (strncmp(*e, GF__ENV_PREFIX, strlen(GF__ENV_PREFIX)) == 0) n++;
  if (n == 0) return GF_OK;
  const char** v = malloc(n * sizeof(*v));
  if (v == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  size_t k = 0;
  for (char* const* e = envp; *e && k < n; e++)
    if (strncmp(*e, GF__ENV_PREFIX, strlen(GF__ENV_PREFIX)) == 0) v[k++] = *e;
  qsort(v, k, sizeof(*v), cmp_env); /* parents before children: deterministic */
  int rc = GF_OK;
  for (size_t i = 0; i < k && rc == GF_OK; i++) rc = gf__settings_apply_env(s, v[i], err);
  free(v);
  return rc;
}

int gf__settings_load(const char* const* files, size_t n, char* const* envp, gf_settings** out,
                      gf_error* err) {
  *out = NULL;
  gf_settings* s;
  if (gf__settings_empty(&s) != GF_OK) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  int rc = GF_OK;
  for (size_t i = 0; i < n && rc == GF_OK; i++) rc = load_file(s, files[i], err);
  if (rc == GF_OK && envp != NULL) rc = load_env(s, envp, err);
  if (rc != GF_OK) {
    gf__settings_free(s);
    return rc;
  }
  *out = s;
  return GF_OK;
}

const gf__toml_value* gf__settings_lookup(const gf_settings* s, const char* path) {
  if (s == NULL || path == NULL) return NULL;
  const gf__toml_value* v = s->root;
  const char* p = path;
  if (*p == '\0') return v;
  for (;;) {
    size_t len = strcspn(p, ".");
    if (v->type == GF__TOML_TABLE) {
      v = gf__toml_table_geti(v, p, len);
    } else if (v->type == GF__TOML_ARRAY && len > 0 && len < 10 && strspn(p, "0123456789") >= len) {
      size_t idx = (size_t)strtoul(p, NULL, 10);
      v = idx < v->u.arr.n ? v->u.arr.items[idx] : NULL;
    } else {
      v = NULL;
    }
    if (v == NULL || p[len] == '\0') return v;
    p += len + 1;
  }
}
