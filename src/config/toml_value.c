/* TOML value tree: construction, lookup, deep merge, clone and free.
 * Pure data structure code; any thread (a tree is used by one thread while
 * it is built, read-only afterwards). */
#include "config/toml.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char* dup_or_null(const char* s) { return s ? strdup(s) : NULL; }

gf__toml_value* gf__toml_new(gf__toml_type type, const char* src) {
  gf__toml_value* v = calloc(1, sizeof(*v));
  if (v == NULL) return NULL;
  v->type = type;
  if (src != NULL && (v->src = strdup(src)) == NULL) {
    free(v);
    return NULL;
  }
  return v;
}

gf__toml_value* gf__toml_new_string(const char* s, size_t len, const char* src) {
  gf__toml_value* v = gf__toml_new(GF__TOML_STRING, src);
  if (v == NULL) return NULL;
  v->u.str.s = malloc(len + 1);
  if (v->u.str.s == NULL) {
    gf__toml_free(v);
    return NULL;
  }
  if (len) memcpy(v->u.str.s, s, len);
  v->u.str.s[len] = '\0';
  v->u.str.len = len;
  return v;
}

void gf__toml_free(gf__toml_value* v) {
  if (v == NULL) return;
  switch (v->type) {
    case GF__TOML_STRING: free(v->u.str.s); break;
    case GF__TOML_OFFSET_DATETIME:
    case GF__TOML_LOCAL_DATETIME:
    case GF__TOML_LOCAL_DATE:
    case GF__TOML_LOCAL_TIME: free(v->u.dt); break;
    case GF__TOML_ARRAY:
      for (size_t i = 0; i < v->u.arr.n; i++) gf__toml_free(v->u.arr.items[i]);
      free(v->u.arr.items);
      break;
    case GF__TOML_TABLE:
      for (size_t i = 0; i < v->u.tab.n; i++) {
        free(v->u.tab.keys[i]);
        gf__toml_free(v->u.tab.vals[i]);
      }
      free(v->u.tab.keys);
      free(v->u.tab.vals);
      break;
    default: break;
  }
  free(v->src);
  free(v);
}

int gf__toml_array_push(gf__toml_value* arr, gf__toml_value* item) {
  if (arr->u.arr.n == arr->u.arr.cap) {
    size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
    gf__toml_value** items = realloc(arr->u.arr.items, cap * sizeof(*items));
    if (items == NULL) return GF_NO_MEMORY;
    arr->u.arr.items = items;
    arr->u.arr.cap = cap;
  }
  arr->u.arr.items[arr->u.arr.n++] = item;
  return GF_OK;
}

int gf__toml_table_put(gf__toml_value* tab, const char* key, size_t key_len, gf__toml_value* val) {
  if (tab->u.tab.n == tab->u.tab.cap) {
    size_t cap = tab->u.tab.cap ? tab->u.tab.cap * 2 : 8;
    char** keys = realloc(tab->u.tab.keys, cap * sizeof(*keys));
    if (keys == NULL) return GF_NO_MEMORY;
    tab->u.tab.keys = keys;
    gf__toml_value** vals = realloc(tab->u.tab.vals, cap * sizeof(*vals));
    if (vals == NULL) return GF_NO_MEMORY;
    tab->u.tab.vals = vals;
    tab->u.tab.cap = cap;
  }
  char* k = malloc(key_len + 1);
  if (k == NULL) return GF_NO_MEMORY;
  memcpy(k, key, key_len);
  k[key_len] = '\0';
  tab->u.tab.keys[tab->u.tab.n] = k;
  tab->u.tab.vals[tab->u.tab.n] = val;
  tab->u.tab.n++;
  return GF_OK;
}

gf__toml_value* gf__toml_table_get(const gf__toml_value* tab, const char* key, size_t key_len) {
  for (size_t i = 0; i < tab->u.tab.n; i++) {
    const char* k = tab->u.tab.keys[i];
    if (strlen(k) == key_len && memcmp(k, key, key_len) == 0) return tab->u.tab.vals[i];
  }
  return NULL;
}

long gf__toml_table_indexi(const gf__toml_value* tab, const char* key, size_t key_len) {
  if (tab == NULL || tab->type != GF__TOML_TABLE) return -1;
  long ci = -1;
  for (size_t i = 0; i < tab->u.tab.n; i++) {
    const char* k = tab->u.tab.keys[i];
    if (strlen(k) != key_len) continue;
    if (memcmp(k, key, key_len) == 0) return (long)i; /* exact match wins */
    if (ci < 0 && strncasecmp(k, key, key_len) == 0) ci = (long)i;
  }
  return ci;
}

gf__toml_value* gf__toml_table_geti(const gf__toml_value* tab, const char* key, size_t key_len) {
  long i = gf__toml_table_indexi(tab, key, key_len);
  return i < 0 ? NULL : tab->u.tab.vals[i];
}

void gf__toml_table_replace(gf__toml_value* tab, size_t i, gf__toml_value* val) {
  gf__toml_free(tab->u.tab.vals[i]);
  tab->u.tab.vals[i] = val;
}

int gf__toml_merge(gf__toml_value* dst, gf__toml_value* src) {
  int rc = GF_OK;
  for (size_t i = 0; i < src->u.tab.n; i++) {
    const char* key = src->u.tab.keys[i];
    gf__toml_value* sv = src->u.tab.vals[i];
    src->u.tab.vals[i] = NULL;
    if (rc != GF_OK) {
      gf__toml_free(sv);
      continue;
    }
    long di = gf__toml_table_indexi(dst, key, strlen(key));
    if (di < 0) {
      rc = gf__toml_table_put(dst, key, strlen(key), sv);
      if (rc != GF_OK) gf__toml_free(sv);
    } else if (dst->u.tab.vals[di]->type == GF__TOML_TABLE && sv->type == GF__TOML_TABLE) {
      rc = gf__toml_merge(dst->u.tab.vals[di], sv);
    } else {
      gf__toml_table_replace(dst, (size_t)di, sv);
    }
  }
  gf__toml_free(src);
  return rc;
}

gf__toml_value* gf__toml_clone(const gf__toml_value* v) {
  gf__toml_value* c = gf__toml_new(v->type, v->src);
  if (c == NULL) return NULL;
  c->flags = v->flags;
  switch (v->type) {
    case GF__TOML_STRING:
      c->u.str.s = malloc(v->u.str.len + 1);
      if (c->u.str.s == NULL) goto fail;
      memcpy(c->u.str.s, v->u.str.s, v->u.str.len + 1);
      c->u.str.len = v->u.str.len;
      break;
    case GF__TOML_OFFSET_DATETIME:
    case GF__TOML_LOCAL_DATETIME:
    case GF__TOML_LOCAL_DATE:
    case GF__TOML_LOCAL_TIME:
      if ((c->u.dt = dup_or_null(v->u.dt)) == NULL) goto fail;
      break;
    case GF__TOML_ARRAY:
      for (size_t i = 0; i < v->u.arr.n; i++) {
        gf__toml_value* e = gf__toml_clone(v->u.arr.items[i]);
        if (e == NULL || gf__toml_array_push(c, e) != GF_OK) {
          gf__toml_free(e);
          goto fail;
        }
      }
      break;
    case GF__TOML_TABLE:
      for (size_t i = 0; i < v->u.tab.n; i++) {
        gf__toml_value* e = gf__toml_clone(v->u.tab.vals[i]);
        const char* k = v->u.tab.keys[i];
        if (e == NULL || gf__toml_table_put(c, k, strlen(k), e) != GF_OK) {
          gf__toml_free(e);
          goto fail;
        }
      }
      break;
    default: c->u = v->u; break;
  }
  return c;
fail:
  gf__toml_free(c);
  return NULL;
}

const char* gf__toml_type_name(gf__toml_type t) {
  switch (t) {
    case GF__TOML_STRING: return "string";
    case GF__TOML_INTEGER: return "integer";
    case GF__TOML_FLOAT: return "float";
    case GF__TOML_BOOL: return "boolean";
    case GF__TOML_OFFSET_DATETIME: return "offset date-time";
    case GF__TOML_LOCAL_DATETIME: return "local date-time";
    case GF__TOML_LOCAL_DATE: return "local date";
    case GF__TOML_LOCAL_TIME: return "local time";
    case GF__TOML_ARRAY: return "array";
    case GF__TOML_TABLE: return "table";
  }
  return "unknown";
}
