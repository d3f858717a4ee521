/* UTF-8 well-formedness, cutting, encoding and repair, shared by
 * Arrow validation, builders, the TOML reader, ErrorInfo, the log writer and
 * the OTLP exporter. Pure functions, any thread. */
#include "common/utf8.h"

#include <stdlib.h>
#include <string.h>

size_t gf__utf8_seq_len(const unsigned char* s, size_t avail) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t k;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) { k = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { k = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { k = 4; cp = c & 0x07; }
  else return 0;
  if (avail < k) return 0;
  for (size_t j = 1; j < k; j++) {
    if ((s[j] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[j] & 0x3F);
  }
  if (k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return k;
}

bool gf__utf8_valid(const uint8_t* s, size_t n, size_t* bad) {
  size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) { /* ASCII fast path */
      uint64_t w;
      memcpy(&w, s + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    size_t k = gf__utf8_seq_len(s + i, n - i);
    if (k == 0) {
      if (bad != NULL) *bad = i;
      return false;
    }
    i += k;
  }
  return true;
}

size_t gf__utf8_prefix(const char* s, size_t n, size_t max_cp) {
  size_t i = 0, count = 0;
  while (i < n && count < max_cp) {
    size_t k = gf__utf8_seq_len((const unsigned char*)s + i, n - i);
    i += k ? k : 1;
    count++;
  }
  return i;
}

/* True if s[i..end) is a lead byte followed only by continuation bytes. */
static bool cut_sequence(const unsigned char* s, size_t i, size_t end) {
  if (s[i] < 0xC0) return false;
  for (size_t j = i + 1; j < end; j++)
    if ((s[j] & 0xC0) != 0x80) return false;
  return end - i < (s[i] >= 0xF0 ? 4u : s[i] >= 0xE0 ? 3u : 2u);
}

size_t gf__utf8_cut(const char* s, size_t n, size_t max) {
  const unsigned char* p = (const unsigned char*)s;
  size_t end = n < max ? n : max, i = 0;
  while (i < end) {
    size_t k = gf__utf8_seq_len(p + i, end - i);
    if (k == 0 && cut_sequence(p, i, end)) return i;
    i += k ? k : 1;
  }
  return end;
}

size_t gf__utf8_encode(uint32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6)), out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12)), out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18)), out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

char* gf__utf8_repair(const char* s, size_t n, size_t* out_len) {
  const unsigned char* p = (const unsigned char*)s;
  size_t bad = 0;
  for (size_t i = 0, k; i < n; i += k ? k : 1) bad += (k = gf__utf8_seq_len(p + i, n - i)) == 0;
  if (bad > (SIZE_MAX - n - 1) / 2) return NULL;
  char* out = malloc(n + 2 * bad + 1);
  if (out == NULL) return NULL;
  size_t o = 0;
  for (size_t i = 0, k; i < n; i += k ? k : 1) {
    k = gf__utf8_seq_len(p + i, n - i);
    if (k) memcpy(out + o, p + i, k), o += k;
    else memcpy(out + o, "\xEF\xBF\xBD", 3), o += 3;
  }
  out[o] = '\0';
  if (out_len != NULL) *out_len = o;
  return out;
}
