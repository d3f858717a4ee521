/* gooddata-flight: the growable byte buffer every printer writes into, and
 * JSON string escaping. Any thread (one buffer per thread). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void sb_grow(sbuf* b, size_t n) {
  if (b->len + n + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + n + 1) cap *= 2;
  char* d = realloc(b->data, cap);
  if (!d) {
    fprintf(stderr, "gooddata-flight: out of memory\n");
    exit(EXIT_SERVER);
  }
  b->data = d;
  b->cap = cap;
}
void sb_put(sbuf* b, const void* p, size_t n) {
  sb_grow(b, n);
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
}
void sb_puts(sbuf* b, const char* s) { sb_put(b, s, strlen(s)); }
void sb_putc(sbuf* b, char c) { sb_put(b, &c, 1); }
void sb_printf(sbuf* b, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  sb_grow(b, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}
void sb_json_string(sbuf* b, const void* p, size_t n) {
  const unsigned char* s = p;
  sb_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = s[i];
    switch (ch) {
      case '"': sb_puts(b, "\\\""); break;
      case '\\': sb_puts(b, "\\\\"); break;
      case '\n': sb_puts(b, "\\n"); break;
      case '\r': sb_puts(b, "\\r"); break;
      case '\t': sb_puts(b, "\\t"); break;
      case '\b': sb_puts(b, "\\b"); break;
      case '\f': sb_puts(b, "\\f"); break;
      default:
        if (ch < 0x20 || ch == 0x7f) sb_printf(b, "\\u%04x", ch);
        else sb_putc(b, (char)ch);
    }
  }
  sb_putc(b, '"');
}
void sb_free(sbuf* b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}

