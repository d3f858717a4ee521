/* Internal: the one growable text buffer (log lines, Prometheus pages, trace
 * exports, TOML strings), plus JSON string escaping. Used by any thread; a
 * buffer itself is owned by one thread at a time. */
#ifndef GF__COMMON_BUF_H
#define GF__COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

#define GF__BUF_INLINE 1024

typedef struct gf__buf {
  char* p;      /* NUL-terminated contents (inline or heap) */
  size_t len;
  size_t cap;
  size_t max;   /* hard cap on len (0 = 64 MiB); appends past it set truncated */
  int oom;      /* allocation failed or max reached: contents truncated */
  char inl[GF__BUF_INLINE];
} gf__buf;

void gf__buf_init(gf__buf* b);
void gf__buf_free(gf__buf* b);
void gf__buf_putn(gf__buf* b, const char* s, size_t n);
void gf__buf_puts(gf__buf* b, const char* s);
void gf__buf_putc(gf__buf* b, char c);
/* gf__buf_putn / gf__buf_putc, then GF_OK, or GF_NO_MEMORY once anything
 * appended to b was lost (allocation failure or max reached). */
int gf__buf_add(gf__buf* b, const char* s, size_t n);
int gf__buf_addc(gf__buf* b, char c);
void gf__buf_printf(gf__buf* b, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends s as a JSON string literal (with quotes): escapes quotes,
 * backslashes and control characters; invalid UTF-8 becomes U+FFFD. */
void gf__buf_json_str(gf__buf* b, const char* s);
void gf__buf_json_strn(gf__buf* b, const char* s, size_t n);
/* Appends a JSON number (shortest round-trip form); NaN/Inf become null. */
void gf__buf_json_double(gf__buf* b, double v);
/* Detaches a heap copy of the contents (malloc'd, NUL-terminated) or NULL;
 * b is freed (and re-initialised) either way. */
char* gf__buf_detach(gf__buf* b, size_t* len);
/* Shortest "%.Ng" text of v that parses back to v (no special cases). */
void gf__fmt_double(char out[32], double v);

#endif
