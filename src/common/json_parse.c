/* Bounded-depth JSON parser into a small DOM (gf__json). Strict RFC 8259:
 * valid UTF-8 only, no trailing commas, no comments. Memory use is bounded by
 * a small multiple of the input length. Any thread. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

typedef struct parser {
  const char* s;
  size_t len, pos;
  int max_depth;
  gf_error* err;
} parser;

static int fail(parser* p, const char* what) {
  return gf_error_set(p->err, GF_INVALID_ARGUMENT, "invalid JSON at offset %zu: %s", p->pos, what);
}

static void skip_ws(parser* p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static int parse_value(parser* p, gf__json* v, int depth);

static int literal(parser* p, const char* word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) return fail(p, "unexpected character");
  p->pos += n;
  return GF_OK;
}

static int hex4(parser* p, uint32_t* out) {
  if (p->len - p->pos < 4) return fail(p, "truncated \\u escape");
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->s[p->pos + i];
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d < 0) return fail(p, "invalid \\u escape");
    v = v << 4 | (uint32_t)d;
  }
  p->pos += 4;
  *out = v;
  return GF_OK;
}

static size_t put_utf8(char* o, uint32_t cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 63)); return 2; }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 63));
    o[2] = (char)(0x80 | (cp & 63));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 63));
  o[2] = (char)(0x80 | ((cp >> 6) & 63)); o[3] = (char)(0x80 | (cp & 63));
  return 4;
}

/* \uXXXX (with surrogate pairs); p->pos is just after the 'u'. */
static int unicode_escape(parser* p, char* o, size_t* olen) {
  uint32_t cp;
  if (hex4(p, &cp) != GF_OK) return GF_INVALID_ARGUMENT;
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    uint32_t lo;
    if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
      return fail(p, "unpaired surrogate in \\u escape");
    p->pos += 2;
    if (hex4(p, &lo) != GF_OK) return GF_INVALID_ARGUMENT;
    if (lo < 0xDC00 || lo > 0xDFFF) return fail(p, "unpaired surrogate in \\u escape");
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
  } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
    return fail(p, "unpaired surrogate in \\u escape");
  }
  *olen += put_utf8(o + *olen, cp);
  return GF_OK;
}

static int simple_escape(char c, char* out) {
  switch (c) {
    case '"': *out = '"'; return 1;
    case '\\': *out = '\\'; return 1;
    case '/': *out = '/'; return 1;
    case 'b': *out = '\b'; return 1;
    case 'f': *out = '\f'; return 1;
    case 'n': *out = '\n'; return 1;
    case 'r': *out = '\r'; return 1;
    case 't': *out = '\t'; return 1;
    default: return 0;
  }
}

/* p->pos at the opening quote. Decoded text never exceeds the raw length. */
static int parse_string(parser* p, char** out, size_t* out_len) {
  p->pos++;
  size_t end = p->pos;
  while (end < p->len && p->s[end] != '"') end += (p->s[end] == '\\') ? 2 : 1;
  if (end >= p->len) return fail(p, "unterminated string");
  char* o = malloc(end - p->pos + 1);
  if (o == NULL) return gf_error_set(p->err, GF_NO_MEMORY, "JSON: out of memory");
  size_t n = 0;
  while (p->pos < end) {
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c == '\\') {
      p->pos++;
      char e = p->s[p->pos++];
      if (e == 'u') {
        if (unicode_escape(p, o, &n) != GF_OK) { free(o); return GF_INVALID_ARGUMENT; }
      } else if (!simple_escape(e, &o[n++])) {
        p->pos--;
        free(o);
        return fail(p, "invalid escape");
      }
    } else if (c < 0x20) {
      free(o);
      return fail(p, "control character in string");
    } else {
      size_t k = gf__utf8_seq_len((const unsigned char*)p->s + p->pos, end - p->pos);
      if (k == 0) { free(o); return fail(p, "invalid UTF-8"); }
      memcpy(o + n, p->s + p->pos, k);
      n += k;
      p->pos += k;
    }
  }
  if (p->pos != end) { free(o); return fail(p, "invalid escape"); }
  p->pos++;
  o[n] = '\0';
  *out = o;
  *out_len = n;
  return GF_OK;
}

static int digits(parser* p) {
  size_t start = p->pos;
  while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
  return p->pos > start;
}

static int parse_number(parser* p, gf__json* v) {
  size_t start = p->pos;
  int is_int = 1;
  if (p->s[p->pos] == '-') p->pos++;
  if (p->pos < p->len && p->s[p->pos] == '0') p->pos++;
  else if (!digits(p)) return fail(p, "invalid number");
  if (p->pos < p->len && p->s[p->pos] == '.') {
    p->pos++;
    is_int = 0;
    if (!digits(p)) return fail(p, "invalid number");
  }
  if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
    p->pos++;
    is_int = 0;
    if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
    if (!digits(p)) return fail(p, "invalid number");
  }
  size_t n = p->pos - start;
  if (n > 400) return fail(p, "number too long");
  char tmp[401];
  memcpy(tmp, p->s + start, n);
  tmp[n] = '\0';
  v->type = GF__JSON_NUMBER;
  v->number = strtod(tmp, NULL);
  if (is_int) {
    errno = 0;
    long long ll = strtoll(tmp, NULL, 10);
    if (errno == 0) { v->is_int = 1; v->integer = ll; }
  }
  return GF_OK;
}

/* Growable vector of items (and keys for objects). */
typedef struct vec {
  gf__json* items;
  char** keys;
  size_t* key_lens;
  size_t n, cap;
} vec;

static int vec_push(vec* a, int with_keys) {
  if (a->n < a->cap) return 1;
  size_t cap = a->cap ? a->cap * 2 : 4;
  gf__json* it = realloc(a->items, cap * sizeof(*it));
  if (it == NULL) return 0;
  a->items = it;
  if (with_keys) {
    char** k = realloc(a->keys, cap * sizeof(*k));
    if (k == NULL) return 0;
    a->keys = k;
    size_t* kl = realloc(a->key_lens, cap * sizeof(*kl));
    if (kl == NULL) return 0;
    a->key_lens = kl;
  }
  a->cap = cap;
  return 1;
}

static void free_members(gf__json* v);

static void vec_free(vec* a, int with_keys) {
  for (size_t i = 0; i < a->n; i++) {
    free_members(&a->items[i]);
    if (with_keys) free(a->keys[i]);
  }
  free(a->items);
  free(a->keys);
  free(a->key_lens);
}

/* Parses "[...]" or "{...}"; p->pos at the opening bracket. */
static int parse_container(parser* p, gf__json* v, int depth, int is_object) {
  char close = is_object ? '}' : ']';
  vec a = {0};
  int rc = GF_OK;
  p->pos++;
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == close) { p->pos++; goto done; }
  for (;;) {
    if (!vec_push(&a, is_object)) { rc = gf_error_set(p->err, GF_NO_MEMORY, "JSON: out of memory"); break; }
    gf__json* item = &a.items[a.n];
    memset(item, 0, sizeof(*item));
    skip_ws(p);
    if (is_object) {
      if (p->pos >= p->len || p->s[p->pos] != '"') { rc = fail(p, "expected object key"); break; }
      if ((rc = parse_string(p, &a.keys[a.n], &a.key_lens[a.n])) != GF_OK) break;
      skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != ':') {
        free(a.keys[a.n]);
        rc = fail(p, "expected ':'");
        break;
      }
      p->pos++;
    }
    rc = parse_value(p, item, depth + 1);
    if (rc != GF_OK) {
      free_members(item);
      if (is_object) free(a.keys[a.n]);
      break;
    }
    a.n++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ',') { p->pos++; continue; }
    if (p->pos < p->len && p->s[p->pos] == close) { p->pos++; break; }
    rc = fail(p, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
    break;
  }
  if (rc != GF_OK) { vec_free(&a, is_object); return rc; }
done:
  v->type = is_object ? GF__JSON_OBJECT : GF__JSON_ARRAY;
  v->items = a.items;
  v->n = a.n;
  if (is_object) { v->keys = a.keys; v->key_lens = a.key_lens; }
  return GF_OK;
}

static int parse_value(parser* p, gf__json* v, int depth) {
  if (depth > p->max_depth) return fail(p, "nesting too deep");
  skip_ws(p);
  if (p->pos >= p->len) return fail(p, "unexpected end of input");
  char c = p->s[p->pos];
  switch (c) {
    case '{': return parse_container(p, v, depth, 1);
    case '[': return parse_container(p, v, depth, 0);
    case '"':
      v->type = GF__JSON_STRING;
      return parse_string(p, &v->str, &v->str_len);
    case 't': v->type = GF__JSON_BOOL; v->boolean = 1; return literal(p, "true");
    case 'f': v->type = GF__JSON_BOOL; v->boolean = 0; return literal(p, "false");
    case 'n': v->type = GF__JSON_NULL; return literal(p, "null");
    default:
      if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p, v);
      return fail(p, "unexpected character");
  }
}

int gf__json_parse(const char* text, size_t len, int max_depth, gf__json** out, gf_error* err) {
  parser p = {text, len, 0, max_depth > 0 ? max_depth : 64, err};
  gf__json* v = calloc(1, sizeof(*v));
  if (v == NULL) return gf_error_set(err, GF_NO_MEMORY, "JSON: out of memory");
  int rc = parse_value(&p, v, 1);
  if (rc == GF_OK) {
    skip_ws(&p);
    if (p.pos != p.len) rc = fail(&p, "trailing data after the value");
  }
  if (rc != GF_OK) {
    gf__json_free(v);
    return rc;
  }
  *out = v;
  return GF_OK;
}

static void free_members(gf__json* v) {
  if (v->type == GF__JSON_STRING) free(v->str);
  if (v->type == GF__JSON_ARRAY || v->type == GF__JSON_OBJECT) {
    for (size_t i = 0; i < v->n; i++) {
      free_members(&v->items[i]);
      if (v->type == GF__JSON_OBJECT) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->key_lens);
  }
}

void gf__json_free(gf__json* v) {
  if (v == NULL) return;
  free_members(v);
  free(v);
}

const gf__json* gf__json_get(const gf__json* obj, const char* key) {
  if (obj == NULL || obj->type != GF__JSON_OBJECT) return NULL;
  size_t klen = strlen(key);
  for (size_t i = obj->n; i > 0; i--) {
    if (obj->key_lens[i - 1] == klen && memcmp(obj->keys[i - 1], key, klen) == 0)
      return &obj->items[i - 1];
  }
  return NULL;
}
