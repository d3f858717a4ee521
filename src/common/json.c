/* The house's libjansson wrappers (load with an error naming the offset,
 * compact ordered dump) and the streaming JSON string escaper of the
 * log/metrics/trace text buffer: no allocation, valid UTF-8 copied in runs,
 * invalid bytes as U+FFFD. Pure functions, any thread. */
#include "common/json.h"

#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"

json_t* gf__json_load(const char* text, size_t len, gf_error* err) {
  json_error_t e;
  json_t* v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
  if (v != NULL) return v;
  if (json_error_code(&e) == json_error_out_of_memory)
    gf_error_set(err, GF_NO_MEMORY, "JSON: out of memory");
  else
    gf_error_set(err, GF_INVALID_ARGUMENT, "invalid JSON at offset %d: %s", e.position, e.text);
  return NULL;
}

json_t* gf__json_text(const char* s, size_t n) {
  if (s == NULL) return json_null();
  if (gf__utf8_valid((const uint8_t*)s, n, NULL)) return json_stringn_nocheck(s, n);
  size_t len = 0;
  char* fixed = gf__utf8_repair(s, n, &len);
  json_t* v = fixed ? json_stringn_nocheck(fixed, len) : NULL;
  free(fixed);
  return v;
}

char* gf__json_dump(const json_t* v, size_t* len) {
  char* s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
  if (s != NULL && len != NULL) *len = strlen(s);
  return s;
}

static const char* short_escape(unsigned char c) {
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default: return NULL;
  }
}

void gf__json_escape_to(gf__json_put_fn emit, void* ctx, const char* s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char* p = (const unsigned char*)s;
  emit(ctx, "\"", 1);
  size_t i = 0, run = 0; /* run: bytes before i copied verbatim in one go */
  while (i < n) {
    unsigned char c = p[i];
    size_t k = c >= 0x20 && c != '"' && c != '\\' ? gf__utf8_seq_len(p + i, n - i) : 0;
    if (k != 0) {
      i += k;
      run += k;
      continue;
    }
    if (run) emit(ctx, s + i - run, run);
    run = 0;
    const char* e = short_escape(c);
    if (e != NULL) {
      emit(ctx, e, 2);
    } else if (c < 0x20) {
      char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      emit(ctx, u, 6);
    } else {
      emit(ctx, "\xEF\xBF\xBD", 3); /* U+FFFD for an invalid byte */
    }
    i++;
  }
  if (run) emit(ctx, s + i - run, run);
  emit(ctx, "\"", 1);
}
