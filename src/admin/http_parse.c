/* HTTP/1.x request-head parser (http_parse.h): request line, header field
 * syntax (RFC 9112 tokens, no obs-fold) and the few fields the server acts
 * on (Content-Length, Transfer-Encoding, Connection). Pure; any thread. */
#include "admin/http_parse.h"

#include <string.h>

#define NO_LF ((size_t)-1)

static int is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_target_char(unsigned char c) { return c > 0x20 && c < 0x7f; }

static int is_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Case-insensitive s[0..n) == lit (lit is lower case). */
static int ieq(const char* s, size_t n, const char* lit) {
  if (n != strlen(lit)) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower(s[i]) != lit[i]) return 0;
  return 1;
}

static size_t find_lf(const char* buf, size_t from, size_t lim) {
  if (from >= lim) return NO_LF;
  const char* p = memchr(buf + from, '\n', lim - from);
  return p ? (size_t)(p - buf) : NO_LF;
}

/* End of the line content [start, lf) without a trailing CR. */
static size_t strip_cr(const char* buf, size_t start, size_t lf) {
  return lf > start && buf[lf - 1] == '\r' ? lf - 1 : lf;
}

static size_t skip_blank_lines(const char* buf, size_t lim) {
  size_t p = 0;
  for (;;) {
    if (p < lim && buf[p] == '\n')
      p++;
    else if (p + 1 < lim && buf[p] == '\r' && buf[p + 1] == '\n')
      p += 2;
    else
      return p;
  }
}

/* "HTTP/1." DIGIT; with !complete, s[0..n) only has to be a prefix of it. */
static int version(const char* s, size_t n, int complete, gf__http_head* h) {
  static const char v[] = "HTTP/1.";
  for (size_t k = 0; k < n && k < 7; k++)
    if (s[k] != v[k]) return -1;
  if (n > 8 || (n == 8 && (s[7] < '0' || s[7] > '9'))) return -1;
  if (!complete) return 0;
  if (n != 8) return -1;
  h->version_minor = s[7] - '0';
  return 0;
}

/* Request line s[0..n) without its line ending. With !complete the line has
 * not ended yet: s only has to be a valid prefix; *in_target tells whether it
 * ends inside the request target. */
static int request_line(const char* s, size_t n, int complete, gf__http_head* h, int* in_target) {
  size_t i = 0;
  while (i < n && is_tchar((unsigned char)s[i])) i++;
  if (i == n) return complete ? -1 : 0;
  if (i == 0 || s[i] != ' ') return -1;
  h->method = s;
  h->method_len = i;
  size_t t = ++i;
  while (i < n && is_target_char((unsigned char)s[i])) i++;
  if (i == n) {
    *in_target = !complete;
    return complete ? -1 : 0;
  }
  if (i == t || s[i] != ' ') return -1;
  h->target = s + t;
  h->target_len = i - t;
  i++;
  return version(s + i, n - i, complete, h);
}

static int content_length(const char* v, size_t n, gf__http_head* h) {
  if (n == 0) return -1;
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') return -1;
    unsigned d = (unsigned)(v[i] - '0');
    x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
  }
  if (h->has_content_length && h->content_length != x) return -1;
  h->has_content_length = 1;
  h->content_length = x;
  return 0;
}

static void connection_tokens(const char* v, size_t n, gf__http_head* h) {
  size_t i = 0;
  while (i < n) {
    size_t e = i;
    while (e < n && v[e] != ',') e++;
    size_t a = i, b = e;
    while (a < b && is_ows(v[a])) a++;
    while (b > a && is_ows(v[b - 1])) b--;
    if (ieq(v + a, b - a, "close")) h->conn_close = 1;
    if (ieq(v + a, b - a, "keep-alive")) h->conn_keep_alive = 1;
    i = e + 1;
  }
}

static int apply_field(const char* name, size_t nlen, const char* v, size_t vlen, gf__http_head* h) {
  if (ieq(name, nlen, "content-length")) return content_length(v, vlen, h);
  if (ieq(name, nlen, "transfer-encoding")) h->has_transfer_encoding = 1;
  if (ieq(name, nlen, "connection")) connection_tokens(v, vlen, h);
  return 0;
}

/* One header field line s[0..n): token ":" OWS value OWS. */
static int field_line(const char* s, size_t n, gf__http_head* h) {
  size_t i = 0;
  while (i < n && is_tchar((unsigned char)s[i])) i++;
  if (i == 0 || i == n || s[i] != ':') return -1;
  size_t nlen = i++;
  while (i < n && is_ows(s[i])) i++;
  size_t ve = n;
  while (ve > i && is_ows(s[ve - 1])) ve--;
  for (size_t k = i; k < ve; k++)
    if (!is_value_char((unsigned char)s[k])) return -1;
  return apply_field(s, nlen, s + i, ve - i, h);
}

/* The request line has not ended within buf[p..lim). */
static gf__http_parse_rc partial_request_line(const char* buf, size_t p, size_t lim, size_t max,
                                              gf__http_head* h) {
  size_t n = lim - p;
  if (n > 0 && buf[lim - 1] == '\r') n--; /* may be the CR of CRLF */
  int in_target = 0;
  if (request_line(buf + p, n, 0, h, &in_target) != 0) return GF__HTTP_HEAD_BAD;
  if (lim < max) return GF__HTTP_HEAD_INCOMPLETE;
  return in_target ? GF__HTTP_HEAD_URI_TOO_LONG : GF__HTTP_HEAD_BAD;
}

gf__http_parse_rc gf__http_parse_head(const char* buf, size_t len, size_t max,
                                      gf__http_head* out) {
  gf__http_head h;
  memset(&h, 0, sizeof h);
  if (!buf) return GF__HTTP_HEAD_INCOMPLETE;
  size_t lim = len < max ? len : max;
  size_t p = skip_blank_lines(buf, lim);
  size_t lf = find_lf(buf, p, lim);
  if (lf == NO_LF) return partial_request_line(buf, p, lim, max, &h);
  int in_target = 0;
  if (request_line(buf + p, strip_cr(buf, p, lf) - p, 1, &h, &in_target) != 0)
    return GF__HTTP_HEAD_BAD;
  for (size_t q = lf + 1;; q = lf + 1) {
    lf = find_lf(buf, q, lim);
    if (lf == NO_LF) return lim >= max ? GF__HTTP_HEAD_TOO_LARGE : GF__HTTP_HEAD_INCOMPLETE;
    size_t end = strip_cr(buf, q, lf);
    if (end == q) break;
    if (field_line(buf + q, end - q, &h) != 0) return GF__HTTP_HEAD_BAD;
  }
  h.head_len = lf + 1;
  *out = h;
  return GF__HTTP_HEAD_OK;
}

int gf__http_parse_status(gf__http_parse_rc rc) {
  switch (rc) {
    case GF__HTTP_HEAD_BAD: return 400;
    case GF__HTTP_HEAD_TOO_LARGE: return 431;
    case GF__HTTP_HEAD_URI_TOO_LONG: return 414;
    default: return 0;
  }
}
