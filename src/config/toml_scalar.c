/* TOML scalar readers: basic/literal/multi-line strings with escapes,
 * booleans, integers (decimal/hex/octal/binary), floats (incl. inf/nan),
 * offset/local date-times, dates and times; plus UTF-8 validation. Called by
 * toml_parse.c; any thread. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml_parse_internal.h"

static int put_utf8(gf__buf* b, uint32_t cp) {
  char u[4];
  return gf__buf_add(b, u, gf__utf8_encode(cp, u));
}

/* ---- strings ----------------------------------------------------------------- */

static int is_ctrl(int c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

static int oom(gf__tp* p) { return gf__tp_err(p, "out of memory"); }

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* pos at the backslash. */
static int escape(gf__tp* p, gf__buf* out) {
  int c = AT(p, 1);
  const char* simple = "b\bt\tn\nf\fr\r\"\"\\\\";
  for (const char* s = simple; *s; s += 2) {
    if (c == s[0]) {
      p->pos += 2;
      return gf__buf_addc(out, s[1]) == GF_OK ? GF_OK : oom(p);
    }
  }
  if (c == 'u' || c == 'U') {
    int n = c == 'u' ? 4 : 8;
    uint32_t cp = 0;
    for (int k = 0; k < n; k++) {
      int h = hexval(AT(p, 2 + k));
      if (h < 0) return gf__tp_err(p, "\\%c escape needs %d hex digits", c, n);
      cp = (cp << 4) | (uint32_t)h;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return gf__tp_err(p, "\\%c%0*X is not a Unicode scalar value", c, n, (unsigned)cp);
    p->pos += 2 + (size_t)n;
    return put_utf8(out, cp) == GF_OK ? GF_OK : oom(p);
  }
  if (c < 0) return gf__tp_err(p, "unterminated string");
  if (c < 0x20 || c >= 0x7f) return gf__tp_err(p, "invalid escape sequence");
  return gf__tp_err(p, "invalid escape sequence '\\%c'", c);
}

int gf__tp_basic_string(gf__tp* p, gf__buf* out) {
  p->pos++;
  for (;;) {
    int c = AT(p, 0);
    if (c == '"') {
      p->pos++;
      return GF_OK;
    }
    if (c < 0 || c == '\n' || (c == '\r' && AT(p, 1) == '\n'))
      return gf__tp_err(p, "unterminated string (missing '\"' before the end of the line)");
    if (c == '\\') {
      if (escape(p, out) != GF_OK) return GF_INVALID_ARGUMENT;
      continue;
    }
    if (is_ctrl(c)) return gf__tp_err(p, "control character 0x%02x must be escaped in a string", c);
    if (gf__buf_addc(out, (char)c) != GF_OK) return oom(p);
    p->pos++;
  }
}

int gf__tp_literal_string(gf__tp* p, gf__buf* out) {
  p->pos++;
  for (;;) {
    int c = AT(p, 0);
    if (c == '\'') {
      p->pos++;
      return GF_OK;
    }
    if (c < 0 || c == '\n' || (c == '\r' && AT(p, 1) == '\n'))
      return gf__tp_err(p, "unterminated literal string (missing \"'\" before the end of the line)");
    if (is_ctrl(c)) return gf__tp_err(p, "control character 0x%02x is not allowed in a literal string", c);
    if (gf__buf_addc(out, (char)c) != GF_OK) return oom(p);
    p->pos++;
  }
}

/* Line-ending backslash: "\" blanks newline, then all blanks/newlines go. */
static int line_ending_backslash(gf__tp* p) {
  size_t k = 1;
  while (AT(p, k) == ' ' || AT(p, k) == '\t') k++;
  if (!(AT(p, k) == '\n' || (AT(p, k) == '\r' && AT(p, k + 1) == '\n'))) return 0;
  p->pos += k;
  for (;;) {
    gf__tp_skip_ws(p);
    if (!gf__tp_eat_newline(p)) return 1;
  }
}

/* Multi-line strings; pos at the first of three quotes `q`. */
static int ml_string(gf__tp* p, int q, gf__buf* out) {
  static const char qq[2][2] = {{'"', '"'}, {'\'', '\''}};
  const char* two = q == '"' ? qq[0] : qq[1];
  p->pos += 3;
  gf__tp_eat_newline(p);
  for (;;) {
    int c = AT(p, 0);
    if (c < 0) return gf__tp_err(p, "unterminated multi-line string");
    if (c == q) {
      size_t n = 0;
      while (AT(p, n) == q) n++;
      if (n >= 3) {
        if (n > 5) return gf__tp_err(p, "too many quotes at the end of a multi-line string");
        p->pos += n;
        return gf__buf_add(out, two, n - 3) == GF_OK ? GF_OK : oom(p);
      }
      if (gf__buf_add(out, two, n) != GF_OK) return oom(p);
      p->pos += n;
      continue;
    }
    if (c == '\\' && q == '"') {
      if (line_ending_backslash(p)) continue;
      if (escape(p, out) != GF_OK) return GF_INVALID_ARGUMENT;
      continue;
    }
    if (gf__tp_eat_newline(p)) {
      if (gf__buf_addc(out, '\n') != GF_OK) return oom(p);
      continue;
    }
    if (is_ctrl(c)) return gf__tp_err(p, "control character 0x%02x is not allowed in a string", c);
    if (gf__buf_addc(out, (char)c) != GF_OK) return oom(p);
    p->pos++;
  }
}

int gf__tp_string_value(gf__tp* p, gf__toml_value** out) {
  int q = AT(p, 0);
  gf__buf sb;
  gf__buf_init(&sb);
  const char* src = gf__tp_src(p); /* start line; srcbuf is stable until the next call */
  int rc;
  if (AT(p, 1) == q && AT(p, 2) == q) rc = ml_string(p, q, &sb);
  else rc = q == '"' ? gf__tp_basic_string(p, &sb) : gf__tp_literal_string(p, &sb);
  if (rc == GF_OK) {
    *out = gf__toml_new_string(sb.p, sb.len, src);
    if (*out == NULL) rc = oom(p);
  }
  gf__buf_free(&sb);
  return rc;
}

/* ---- numbers ----------------------------------------------------------------- */

static int is_digit_base(int c, int base) {
  if (base == 16) return hexval(c) >= 0;
  return c >= '0' && c < '0' + base;
}

/* Length of digit (_? digit)* at s, or 0 if none / misplaced underscore. */
static size_t scan_digits(const char* s, size_t n, int base) {
  size_t i = 0;
  if (n == 0 || !is_digit_base((unsigned char)s[0], base)) return 0;
  while (i < n) {
    if (is_digit_base((unsigned char)s[i], base)) {
      i++;
    } else if (s[i] == '_') {
      if (i + 1 >= n || !is_digit_base((unsigned char)s[i + 1], base)) return 0;
      i++;
    } else {
      break;
    }
  }
  return i;
}

static int make_int(gf__tp* p, const char* s, size_t n, int base, int neg, gf__toml_value** out) {
  uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '_') continue;
    uint64_t d = (uint64_t)hexval((unsigned char)s[i]);
    if (v > (limit - d) / (uint64_t)base) return gf__tp_err(p, "integer does not fit in 64 bits");
    v = v * (uint64_t)base + d;
  }
  *out = gf__toml_new(GF__TOML_INTEGER, gf__tp_src(p));
  if (*out == NULL) return oom(p);
  (*out)->u.i = neg ? (int64_t)(0 - v) : (int64_t)v;
  return GF_OK;
}

static int make_float(gf__tp* p, const char* s, size_t n, gf__toml_value** out) {
  char* buf = malloc(n + 1);
  if (buf == NULL) return oom(p);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] != '_') buf[k++] = s[i];
  buf[k] = '\0';
  double d = strtod(buf, NULL);
  free(buf);
  *out = gf__toml_new(GF__TOML_FLOAT, gf__tp_src(p));
  if (*out == NULL) return oom(p);
  (*out)->u.f = d;
  return GF_OK;
}

static int bad_number(gf__tp* p, const char* s, size_t n, const char* why) {
  return gf__tp_err(p, "invalid number '%.*s': %s", (int)(n > 40 ? 40 : n), s, why);
}

static int parse_number(gf__tp* p, const char* s, size_t n, gf__toml_value** out) {
  size_t i = 0;
  int neg = 0;
  if (s[0] == '+' || s[0] == '-') neg = s[0] == '-', i = 1;
  const char* r = s + i;
  size_t rn = n - i;
  if (rn == 3 && (memcmp(r, "inf", 3) == 0 || memcmp(r, "nan", 3) == 0)) return make_float(p, s, n, out);
  if (rn >= 2 && r[0] == '0' && (r[1] == 'x' || r[1] == 'o' || r[1] == 'b')) {
    int base = r[1] == 'x' ? 16 : r[1] == 'o' ? 8 : 2;
    if (i) return bad_number(p, s, n, "a sign is not allowed on hex/octal/binary integers");
    size_t d = scan_digits(r + 2, rn - 2, base);
    if (d == 0 || d != rn - 2) return bad_number(p, s, n, "bad digit or misplaced '_'");
    return make_int(p, r + 2, d, base, 0, out);
  }
  size_t ilen = scan_digits(r, rn, 10);
  if (ilen == 0) return bad_number(p, s, n, "expected digits");
  if (r[0] == '0' && ilen > 1) return bad_number(p, s, n, "leading zeros are not allowed");
  size_t j = ilen;
  int is_float = 0;
  if (j < rn && r[j] == '.') {
    size_t f = scan_digits(r + j + 1, rn - j - 1, 10);
    if (f == 0) return bad_number(p, s, n, "a decimal point must be followed by digits");
    j += 1 + f, is_float = 1;
  }
  if (j < rn && (r[j] == 'e' || r[j] == 'E')) {
    j++;
    if (j < rn && (r[j] == '+' || r[j] == '-')) j++;
    size_t e = scan_digits(r + j, rn - j, 10);
    if (e == 0) return bad_number(p, s, n, "exponent needs digits");
    j += e, is_float = 1;
  }
  if (j != rn) return bad_number(p, s, n, "unexpected characters");
  return is_float ? make_float(p, s, n, out) : make_int(p, r, ilen, 10, neg, out);
}

/* ---- dates and times ------------------------------------------------------- */

static int dig(gf__tp* p, size_t off, int n, int* v) {
  *v = 0;
  for (int k = 0; k < n; k++) {
    int c = AT(p, off + (size_t)k);
    if (c < '0' || c > '9') return 0;
    *v = *v * 10 + (c - '0');
  }
  return 1;
}

static int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : d[m - 1];
}

/* HH:MM:SS[.frac] at pos+*k; advances *k. */
static int time_at(gf__tp* p, size_t* k) {
  int h, m, s;
  size_t o = *k;
  if (!dig(p, o, 2, &h) || AT(p, o + 2) != ':' || !dig(p, o + 3, 2, &m) || AT(p, o + 5) != ':' ||
      !dig(p, o + 6, 2, &s))
    return gf__tp_err(p, "invalid time (expected HH:MM:SS)");
  if (h > 23 || m > 59 || s > 60) return gf__tp_err(p, "time %02d:%02d:%02d is out of range", h, m, s);
  o += 8;
  if (AT(p, o) == '.') {
    size_t f = 0;
    while (AT(p, o + 1 + f) >= '0' && AT(p, o + 1 + f) <= '9') f++;
    if (f == 0) return gf__tp_err(p, "fractional seconds need digits");
    o += 1 + f;
  }
  *k = o;
  return GF_OK;
}

static int make_dt(gf__tp* p, gf__toml_type t, size_t n, gf__toml_value** out) {
  *out = gf__toml_new(t, gf__tp_src(p));
  if (*out == NULL || ((*out)->u.dt = strndup(p->s + p->pos, n)) == NULL) return oom(p);
  p->pos += n;
  return GF_OK;
}

static int parse_date(gf__tp* p, gf__toml_value** out) {
  int y, m, d;
  if (!dig(p, 0, 4, &y) || AT(p, 4) != '-' || !dig(p, 5, 2, &m) || AT(p, 7) != '-' ||
      !dig(p, 8, 2, &d))
    return gf__tp_err(p, "invalid date (expected YYYY-MM-DD)");
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
    return gf__tp_err(p, "date %04d-%02d-%02d does not exist", y, m, d);
  size_t k = 10;
  int c = AT(p, k);
  int c1 = AT(p, k + 1), c2 = AT(p, k + 2);
  if (!(c == 'T' || c == 't' ||
        (c == ' ' && c1 >= '0' && c1 <= '9' && c2 >= '0' && c2 <= '9' && AT(p, k + 3) == ':')))
    return make_dt(p, GF__TOML_LOCAL_DATE, k, out);
  k++;
  if (time_at(p, &k) != GF_OK) return GF_INVALID_ARGUMENT;
  c = AT(p, k);
  if (c == 'Z' || c == 'z') return make_dt(p, GF__TOML_OFFSET_DATETIME, k + 1, out);
  if (c == '+' || c == '-') {
    int oh, om;
    if (!dig(p, k + 1, 2, &oh) || AT(p, k + 3) != ':' || !dig(p, k + 4, 2, &om) || oh > 23 || om > 59)
      return gf__tp_err(p, "invalid time offset (expected +HH:MM or -HH:MM)");
    return make_dt(p, GF__TOML_OFFSET_DATETIME, k + 6, out);
  }
  return make_dt(p, GF__TOML_LOCAL_DATETIME, k, out);
}

/* ---- booleans, numbers, dates ---------------------------------------------- */

static int is_numch(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == '+' || c == '-' || c == '.';
}

static int word(gf__tp* p, const char* w) {
  size_t n = strlen(w);
  return p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0;
}

int gf__tp_scalar(gf__tp* p, gf__toml_value** out) {
  if (word(p, "true") || word(p, "false")) {
    int b = AT(p, 0) == 't';
    *out = gf__toml_new(GF__TOML_BOOL, gf__tp_src(p));
    if (*out == NULL) return oom(p);
    (*out)->u.b = b;
    p->pos += b ? 4 : 5;
    return GF_OK;
  }
  int d4 = 1;
  for (int k = 0; k < 4; k++) d4 &= AT(p, k) >= '0' && AT(p, k) <= '9';
  if (d4 && AT(p, 4) == '-') return parse_date(p, out);
  if (AT(p, 0) >= '0' && AT(p, 0) <= '9' && AT(p, 1) >= '0' && AT(p, 1) <= '9' && AT(p, 2) == ':') {
    size_t k = 0;
    if (time_at(p, &k) != GF_OK) return GF_INVALID_ARGUMENT;
    return make_dt(p, GF__TOML_LOCAL_TIME, k, out);
  }
  size_t n = 0;
  while (is_numch(AT(p, n))) n++;
  if (n == 0) return gf__tp_err(p, "invalid value starting with '%c'", AT(p, 0));
  if (parse_number(p, p->s + p->pos, n, out) != GF_OK) return GF_INVALID_ARGUMENT;
  p->pos += n;
  return GF_OK;
}
