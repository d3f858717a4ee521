/* Internal: a pure, bounds-checked HTTP/1.x request-head parser (request
 * line + header fields) for the health/metrics endpoint. No I/O and no
 * allocation; it only reads buf[0 .. min(len, max)). Any thread. */
#ifndef GF__HTTP_PARSE_H
#define GF__HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

typedef enum gf__http_parse_rc {
  GF__HTTP_HEAD_OK = 0,
  GF__HTTP_HEAD_INCOMPLETE,    /* valid so far; needs more bytes */
  GF__HTTP_HEAD_BAD,           /* 400: malformed line/field, unsupported version */
  GF__HTTP_HEAD_TOO_LARGE,     /* 431: no end of head within max bytes */
  GF__HTTP_HEAD_URI_TOO_LONG,  /* 414: request target runs past max bytes */
} gf__http_parse_rc;

/* What the server needs from one request head. method/target point into buf
 * (not NUL-terminated). */
typedef struct gf__http_head {
  size_t head_len;  /* bytes consumed: leading blank lines, request line, fields, blank line */
  const char* method;
  size_t method_len;
  const char* target;
  size_t target_len;
  int version_minor;         /* HTTP/1.<minor> */
  int has_content_length;
  uint64_t content_length;   /* saturates at UINT64_MAX */
  int has_transfer_encoding;
  int conn_close;            /* Connection: close */
  int conn_keep_alive;       /* Connection: keep-alive */
} gf__http_head;

/* Parses the head at the start of buf[0..len). The head (including its
 * terminating empty line, CRLF or bare LF line endings) must fit in `max`
 * bytes. Leading empty lines are skipped. Malformed input is reported as
 * soon as a complete offending line (or an impossible prefix of the request
 * line) is seen. On GF__HTTP_HEAD_OK *out is filled. */
gf__http_parse_rc gf__http_parse_head(const char* buf, size_t len, size_t max,
                                      gf__http_head* out);

/* The HTTP status to answer for a parse error (400, 414, 431), 0 otherwise. */
int gf__http_parse_status(gf__http_parse_rc rc);

#endif
