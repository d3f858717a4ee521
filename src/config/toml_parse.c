/* TOML 1.0 reader: documents (tables, arrays of tables, dotted keys, inline
 * tables) with the spec's redefinition rules, and single values (used for
 * environment variables). Scalars (strings, numbers, dates) live in
 * toml_scalar.c. Errors are "name:line:column: reason". Any thread; no
 * shared state. */
#include "config/toml_parse_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- positions and errors ------------------------------------------------- */

int gf__tp_err(gf__tp* p, const char* fmt, ...) {
  if (p->failed) return GF_INVALID_ARGUMENT;
  p->failed = 1;
  char reason[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  va_end(ap);
  size_t col = p->pos - p->line_start + 1;
  if (p->fixed_src)
    gf_error_set(p->err, GF_INVALID_ARGUMENT, "%s: column %zu: %s", p->name, col, reason);
  else
    gf_error_set(p->err, GF_INVALID_ARGUMENT, "%s:%d:%zu: %s", p->name, p->line, col, reason);
  return GF_INVALID_ARGUMENT;
}

const char* gf__tp_src(gf__tp* p) {
  if (p->fixed_src) return p->no_src ? NULL : p->name;
  snprintf(p->srcbuf, p->srcbuf_cap, "%s:%d", p->name, p->line);
  return p->srcbuf;
}

int gf__tp_eat_newline(gf__tp* p) {
  if (AT(p, 0) == '\n') {
    p->pos++;
  } else if (AT(p, 0) == '\r' && AT(p, 1) == '\n') {
    p->pos += 2;
  } else {
    return 0;
  }
  p->line++;
  p->line_start = p->pos;
  return 1;
}

void gf__tp_skip_ws(gf__tp* p) {
  while (AT(p, 0) == ' ' || AT(p, 0) == '\t') p->pos++;
}

/* Skips a comment if one starts here. Control characters are not allowed. */
static int skip_comment(gf__tp* p) {
  if (AT(p, 0) != '#') return GF_OK;
  for (;;) {
    int c = AT(p, 0);
    if (c < 0 || c == '\n' || (c == '\r' && AT(p, 1) == '\n')) return GF_OK;
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return gf__tp_err(p, "control character 0x%02x is not allowed in a comment", c);
    p->pos++;
  }
}

/* Whitespace, comments and newlines (inside arrays). */
static int skip_ws_nl(gf__tp* p) {
  for (;;) {
    gf__tp_skip_ws(p);
    if (skip_comment(p) != GF_OK) return GF_INVALID_ARGUMENT;
    if (!gf__tp_eat_newline(p)) return GF_OK;
  }
}

/* Rest of a line after an expression: blanks, optional comment, newline/EOF. */
static int end_of_line(gf__tp* p, const char* what) {
  gf__tp_skip_ws(p);
  if (skip_comment(p) != GF_OK) return GF_INVALID_ARGUMENT;
  if (AT(p, 0) < 0 || gf__tp_eat_newline(p)) return GF_OK;
  if (AT(p, 0) == '\r') return gf__tp_err(p, "bare carriage return (CR without LF)");
  if (AT(p, 0) < 0x20 || AT(p, 0) >= 0x7f)
    return gf__tp_err(p, "expected a newline after %s, found byte 0x%02x", what, AT(p, 0));
  return gf__tp_err(p, "expected a newline after %s, found '%c'", what, AT(p, 0));
}

/* ---- keys -------------------------------------------------------------------- */

typedef struct keypath {
  char* parts[GF__TOML_MAX_DEPTH];
  size_t lens[GF__TOML_MAX_DEPTH];
  size_t n;
} keypath;

static void keypath_free(keypath* k) {
  for (size_t i = 0; i < k->n; i++) free(k->parts[i]);
  k->n = 0;
}

static int is_bare(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

static int parse_key_part(gf__tp* p, keypath* k) {
  if (k->n >= GF__TOML_MAX_DEPTH)
    return gf__tp_err(p, "key has more than %d parts", GF__TOML_MAX_DEPTH);
  gf__buf sb;
  gf__buf_init(&sb);
  int c = AT(p, 0);
  int rc = GF_OK;
  if (c == '"' || c == '\'') {
    if (AT(p, 1) == c && AT(p, 2) == c)
      return gf__tp_err(p, "multi-line strings are not allowed as keys");
    rc = c == '"' ? gf__tp_basic_string(p, &sb) : gf__tp_literal_string(p, &sb);
  } else if (is_bare(c)) {
    while (is_bare(AT(p, 0))) rc |= gf__buf_addc(&sb, (char)p->s[p->pos++]);
  } else if (c < 0 || c == '\n' || c == '\r') {
    return gf__tp_err(p, "expected a key, found end of line");
  } else {
    return gf__tp_err(p, "invalid character '%c' in a key (bare keys allow A-Z a-z 0-9 _ -)", c);
  }
  size_t len = 0;
  char* part = rc == GF_OK ? gf__buf_detach(&sb, &len) : NULL;
  gf__buf_free(&sb);
  if (rc != GF_OK && rc != GF_NO_MEMORY) return rc;
  if (part == NULL) return gf__tp_err(p, "out of memory");
  k->parts[k->n] = part;
  k->lens[k->n] = len;
  k->n++;
  return GF_OK;
}

static int parse_keypath(gf__tp* p, keypath* k) {
  for (;;) {
    gf__tp_skip_ws(p);
    if (parse_key_part(p, k) != GF_OK) return GF_INVALID_ARGUMENT;
    gf__tp_skip_ws(p);
    if (AT(p, 0) != '.') return GF_OK;
    p->pos++;
  }
}

/* ---- tables ---------------------------------------------------------------- */

static int new_child(gf__tp* p, gf__toml_value* t, const char* key, size_t len, int flags,
                     gf__toml_value** out) {
  gf__toml_value* c = gf__toml_new(GF__TOML_TABLE, gf__tp_src(p));
  if (c == NULL || gf__toml_table_put(t, key, len, c) != GF_OK) {
    gf__toml_free(c);
    return gf__tp_err(p, "out of memory");
  }
  c->flags = flags;
  *out = c;
  return GF_OK;
}

/* Inserts `val` at dotted path `k` below `t` (key/value pair semantics).
 * Takes ownership of val in all cases. */
static int insert_kv(gf__tp* p, gf__toml_value* t, keypath* k, gf__toml_value* val) {
  for (size_t i = 0; i + 1 < k->n; i++) {
    gf__toml_value* c = gf__toml_table_get(t, k->parts[i], k->lens[i]);
    int rc = GF_OK;
    if (c == NULL)
      rc = new_child(p, t, k->parts[i], k->lens[i], GF__TOML_T_DOTTED, &c);
    else if (c->type != GF__TOML_TABLE)
      rc = gf__tp_err(p, "key '%s' is already defined as %s %s", k->parts[i],
                      c->type == GF__TOML_ARRAY ? "an" : "a", gf__toml_type_name(c->type));
    else if (c->flags & GF__TOML_FROZEN)
      rc = gf__tp_err(p, "inline table '%s' cannot be extended", k->parts[i]);
    else if (!(c->flags & GF__TOML_T_DOTTED))
      rc = gf__tp_err(p, "table '%s' is defined by a [header]; dotted keys cannot add to it",
                      k->parts[i]);
    if (rc != GF_OK) {
      gf__toml_free(val);
      return rc;
    }
    t = c;
  }
  const char* last = k->parts[k->n - 1];
  size_t last_len = k->lens[k->n - 1];
  if (gf__toml_table_get(t, last, last_len) != NULL) {
    gf__toml_free(val);
    return gf__tp_err(p, "duplicate key '%s'", last);
  }
  if (gf__toml_table_put(t, last, last_len, val) != GF_OK) {
    gf__toml_free(val);
    return gf__tp_err(p, "out of memory");
  }
  return GF_OK;
}

static void freeze(gf__toml_value* v) {
  v->flags |= GF__TOML_FROZEN;
  if (v->type != GF__TOML_TABLE) return;
  for (size_t i = 0; i < v->u.tab.n; i++)
    if (v->u.tab.vals[i]->type == GF__TOML_TABLE && !(v->u.tab.vals[i]->flags & GF__TOML_FROZEN))
      freeze(v->u.tab.vals[i]);
}

/* Walks the parent parts of a [header] / [[header]]. */
static int header_parent(gf__tp* p, keypath* k, gf__toml_value** out) {
  gf__toml_value* t = p->root;
  for (size_t i = 0; i + 1 < k->n; i++) {
    gf__toml_value* c = gf__toml_table_get(t, k->parts[i], k->lens[i]);
    if (c == NULL) {
      if (new_child(p, t, k->parts[i], k->lens[i], GF__TOML_T_IMPLICIT, &c) != GF_OK)
        return GF_INVALID_ARGUMENT;
    } else if (c->type == GF__TOML_ARRAY && (c->flags & GF__TOML_A_TABLES)) {
      c = c->u.arr.items[c->u.arr.n - 1];
    } else if (c->type != GF__TOML_TABLE) {
      return gf__tp_err(p, "key '%s' is already defined as %s", k->parts[i],
                        gf__toml_type_name(c->type));
    } else if (c->flags & GF__TOML_FROZEN) {
      return gf__tp_err(p, "inline table '%s' cannot be extended", k->parts[i]);
    }
    t = c;
  }
  *out = t;
  return GF_OK;
}

static int std_table(gf__tp* p, keypath* k) {
  gf__toml_value* t;
  if (header_parent(p, k, &t) != GF_OK) return GF_INVALID_ARGUMENT;
  const char* last = k->parts[k->n - 1];
  gf__toml_value* c = gf__toml_table_get(t, last, k->lens[k->n - 1]);
  if (c == NULL) {
    if (new_child(p, t, last, k->lens[k->n - 1], GF__TOML_T_EXPLICIT, &c) != GF_OK)
      return GF_INVALID_ARGUMENT;
  } else if (c->type == GF__TOML_TABLE && c->flags == GF__TOML_T_IMPLICIT) {
    c->flags = GF__TOML_T_EXPLICIT;
    free(c->src);
    c->src = strdup(gf__tp_src(p));
  } else if (c->type == GF__TOML_TABLE) {
    return gf__tp_err(p, "table '%s' is already defined", last);
  } else {
    return gf__tp_err(p, "key '%s' is already defined as %s", last, gf__toml_type_name(c->type));
  }
  p->cur = c;
  return GF_OK;
}

static int array_table(gf__tp* p, keypath* k) {
  gf__toml_value* t;
  if (header_parent(p, k, &t) != GF_OK) return GF_INVALID_ARGUMENT;
  const char* last = k->parts[k->n - 1];
  gf__toml_value* a = gf__toml_table_get(t, last, k->lens[k->n - 1]);
  if (a == NULL) {
    a = gf__toml_new(GF__TOML_ARRAY, gf__tp_src(p));
    if (a == NULL || gf__toml_table_put(t, last, k->lens[k->n - 1], a) != GF_OK) {
      gf__toml_free(a);
      return gf__tp_err(p, "out of memory");
    }
    a->flags = GF__TOML_A_TABLES;
  } else if (a->type != GF__TOML_ARRAY || !(a->flags & GF__TOML_A_TABLES)) {
    return gf__tp_err(p, "key '%s' is already defined as %s and cannot become an array of tables",
                      last, a->type == GF__TOML_ARRAY ? "a static array" : gf__toml_type_name(a->type));
  }
  gf__toml_value* c = gf__toml_new(GF__TOML_TABLE, gf__tp_src(p));
  if (c == NULL || gf__toml_array_push(a, c) != GF_OK) {
    gf__toml_free(c);
    return gf__tp_err(p, "out of memory");
  }
  c->flags = GF__TOML_T_EXPLICIT;
  p->cur = c;
  return GF_OK;
}

static int header(gf__tp* p) {
  int is_array = AT(p, 1) == '[';
  p->pos += is_array ? 2 : 1;
  keypath k = {.n = 0};
  int rc = parse_keypath(p, &k);
  if (rc == GF_OK) {
    if (AT(p, 0) != ']' || (is_array && AT(p, 1) != ']'))
      rc = gf__tp_err(p, is_array ? "expected ']]' to close the array-of-tables header"
                                  : "expected ']' to close the table header");
    else
      p->pos += is_array ? 2 : 1;
  }
  if (rc == GF_OK) rc = is_array ? array_table(p, &k) : std_table(p, &k);
  keypath_free(&k);
  if (rc != GF_OK) return rc;
  return end_of_line(p, "a table header");
}

/* ---- values ---------------------------------------------------------------- */

static int parse_keyval(gf__tp* p, gf__toml_value* t, int in_inline);

static int parse_array(gf__tp* p, gf__toml_value** out) {
  gf__toml_value* a = gf__toml_new(GF__TOML_ARRAY, gf__tp_src(p));
  if (a == NULL) return gf__tp_err(p, "out of memory");
  a->flags = GF__TOML_FROZEN;
  p->pos++; /* [ */
  for (;;) {
    if (skip_ws_nl(p) != GF_OK) goto fail;
    if (AT(p, 0) == ']') break;
    gf__toml_value* item = NULL;
    if (gf__tp_value(p, &item) != GF_OK) goto fail;
    if (gf__toml_array_push(a, item) != GF_OK) {
      gf__toml_free(item);
      gf__tp_err(p, "out of memory");
      goto fail;
    }
    if (skip_ws_nl(p) != GF_OK) goto fail;
    if (AT(p, 0) == ',') {
      p->pos++;
      continue;
    }
    if (AT(p, 0) == ']') break;
    if (AT(p, 0) < 0) gf__tp_err(p, "unterminated array (missing ']')");
    else gf__tp_err(p, "expected ',' or ']' in an array, found '%c'", AT(p, 0));
    goto fail;
  }
  p->pos++; /* ] */
  *out = a;
  return GF_OK;
fail:
  gf__toml_free(a);
  return GF_INVALID_ARGUMENT;
}

static int parse_inline_table(gf__tp* p, gf__toml_value** out) {
  gf__toml_value* t = gf__toml_new(GF__TOML_TABLE, gf__tp_src(p));
  if (t == NULL) return gf__tp_err(p, "out of memory");
  p->pos++; /* { */
  gf__tp_skip_ws(p);
  if (AT(p, 0) == '}') {
    p->pos++;
  } else {
    for (;;) {
      if (parse_keyval(p, t, 1) != GF_OK) goto fail;
      gf__tp_skip_ws(p);
      if (AT(p, 0) == ',') {
        p->pos++;
        gf__tp_skip_ws(p);
        if (AT(p, 0) == '}') {
          gf__tp_err(p, "trailing comma is not allowed in an inline table");
          goto fail;
        }
        continue;
      }
      if (AT(p, 0) == '}') {
        p->pos++;
        break;
      }
      if (AT(p, 0) == '\n' || AT(p, 0) == '\r')
        gf__tp_err(p, "newlines are not allowed in an inline table");
      else if (AT(p, 0) < 0)
        gf__tp_err(p, "unterminated inline table (missing '}')");
      else
        gf__tp_err(p, "expected ',' or '}' in an inline table, found '%c'", AT(p, 0));
      goto fail;
    }
  }
  freeze(t);
  *out = t;
  return GF_OK;
fail:
  gf__toml_free(t);
  return GF_INVALID_ARGUMENT;
}

int gf__tp_value(gf__tp* p, gf__toml_value** out) {
  int c = AT(p, 0);
  if (c == '[' || c == '{') {
    if (p->depth >= GF__TOML_MAX_DEPTH)
      return gf__tp_err(p, "values are nested more than %d levels deep", GF__TOML_MAX_DEPTH);
    p->depth++;
    int rc = c == '[' ? parse_array(p, out) : parse_inline_table(p, out);
    p->depth--;
    return rc;
  }
  if (c == '"' || c == '\'') return gf__tp_string_value(p, out);
  if (c < 0 || c == '\n' || c == '\r' || c == '#') return gf__tp_err(p, "missing value");
  return gf__tp_scalar(p, out);
}

static int parse_keyval(gf__tp* p, gf__toml_value* t, int in_inline) {
  keypath k = {.n = 0};
  int rc = parse_keypath(p, &k);
  if (rc == GF_OK && AT(p, 0) != '=') {
    if (AT(p, 0) < 0 || AT(p, 0) == '\n' || AT(p, 0) == '\r')
      rc = gf__tp_err(p, "expected '=' after key '%s'", k.parts[k.n - 1]);
    else
      rc = gf__tp_err(p, "expected '=' after key '%s', found '%c'", k.parts[k.n - 1], AT(p, 0));
  }
  if (rc == GF_OK) {
    p->pos++;
    gf__tp_skip_ws(p);
    size_t vpos = p->pos, vline_start = p->line_start;
    int vline = p->line;
    gf__toml_value* v = NULL;
    rc = gf__tp_value(p, &v);
    if (rc == GF_OK) {
      /* Report redefinitions at the value's position. */
      size_t epos = p->pos, eline_start = p->line_start;
      int eline = p->line;
      p->pos = vpos, p->line_start = vline_start, p->line = vline;
      rc = insert_kv(p, t, &k, v);
      if (rc == GF_OK) p->pos = epos, p->line_start = eline_start, p->line = eline;
    }
  }
  keypath_free(&k);
  (void)in_inline;
  return rc;
}

/* ---- entry points ---------------------------------------------------------- */

static int check_utf8(gf__tp* p) {
  size_t bad = 0;
  if (gf__utf8_valid((const uint8_t*)p->s, p->len, &bad)) return GF_OK;
  for (size_t i = 0; i < bad; i++) {
    if (p->s[i] == '\n') {
      p->line++;
      p->line_start = i + 1;
    }
  }
  p->pos = bad;
  return gf__tp_err(p, "invalid UTF-8 byte 0x%02x", (unsigned char)p->s[bad]);
}

static int tp_init(gf__tp* p, const char* text, size_t len, const char* name, int fixed,
                   gf_error* err) {
  memset(p, 0, sizeof(*p));
  p->s = text;
  p->len = len;
  p->line = 1;
  p->name = name ? name : "<toml>";
  p->fixed_src = fixed;
  p->no_src = name == NULL;
  p->err = err;
  p->srcbuf_cap = strlen(p->name) + 24;
  p->srcbuf = malloc(p->srcbuf_cap);
  if (p->srcbuf == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  if (len > GF__TOML_MAX_DOC_BYTES) {
    gf__tp_err(p, "document is larger than %u bytes", GF__TOML_MAX_DOC_BYTES);
    return GF_INVALID_ARGUMENT;
  }
  return check_utf8(p);
}

static int parse_document(gf__tp* p) {
  while (p->pos < p->len) {
    gf__tp_skip_ws(p);
    int c = AT(p, 0);
    int rc = GF_OK;
    if (c < 0) break;
    if (c == '#' || c == '\n' || c == '\r')
      rc = end_of_line(p, "a comment");
    else if (c == '[')
      rc = header(p);
    else if ((rc = parse_keyval(p, p->cur, 0)) == GF_OK)
      rc = end_of_line(p, "a key/value pair");
    if (rc != GF_OK) return rc;
  }
  return GF_OK;
}

int gf__toml_parse(const char* text, size_t len, const char* name, gf__toml_value** out,
                   gf_error* err) {
  gf__tp p;
  *out = NULL;
  int rc = tp_init(&p, text, len, name, 0, err);
  if (rc == GF_OK) {
    p.root = p.cur = gf__toml_new(GF__TOML_TABLE, NULL);
    if (p.root == NULL) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
    else p.root->flags = GF__TOML_T_EXPLICIT;
  }
  if (rc == GF_OK) rc = parse_document(&p);
  free(p.srcbuf);
  if (rc != GF_OK) {
    gf__toml_free(p.root);
    return rc;
  }
  *out = p.root;
  return GF_OK;
}

int gf__toml_parse_value(const char* text, size_t len, const char* src, gf__toml_value** out,
                         gf_error* err) {
  gf__tp p;
  *out = NULL;
  int rc = tp_init(&p, text, len, src, 1, err);
  gf__toml_value* v = NULL;
  if (rc == GF_OK) {
    while (p.pos < p.len && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' ||
                             p.s[p.pos] == '\r'))
      p.pos++;
    rc = gf__tp_value(&p, &v);
  }
  if (rc == GF_OK) {
    while (p.pos < p.len && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' ||
                             p.s[p.pos] == '\r'))
      p.pos++;
    if (p.pos != p.len) rc = gf__tp_err(&p, "unexpected text after the value");
  }
  free(p.srcbuf);
  if (rc != GF_OK) {
    gf__toml_free(v);
    return rc;
  }
  *out = v;
  return GF_OK;
}
