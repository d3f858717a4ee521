/* UTF-8 well-formedness check (RFC 3629: no overlongs, no surrogates, max
 * U+10FFFF), shared by Arrow validation, builders and the TOML reader. Pure
 * function, any thread. */
#include <string.h>

#include "common/utf8.h"

static int continuation(uint8_t c) { return (c & 0xC0) == 0x80; }

int gf__utf8_valid(const uint8_t* s, size_t n, size_t* bad) {
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
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
    } else if (c >= 0xC2 && c <= 0xDF) {
      if (i + 1 >= n || !continuation(s[i + 1])) goto fail;
      i += 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      if (i + 2 >= n || !continuation(s[i + 1]) || !continuation(s[i + 2])) goto fail;
      if (c == 0xE0 && s[i + 1] < 0xA0) goto fail; /* overlong */
      if (c == 0xED && s[i + 1] > 0x9F) goto fail; /* surrogates */
      i += 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      if (i + 3 >= n || !continuation(s[i + 1]) || !continuation(s[i + 2]) ||
          !continuation(s[i + 3]))
        goto fail;
      if (c == 0xF0 && s[i + 1] < 0x90) goto fail; /* overlong */
      if (c == 0xF4 && s[i + 1] > 0x8F) goto fail; /* > U+10FFFF */
      i += 4;
    } else {
      goto fail;
    }
  }
  return 1;
fail:
  if (bad != NULL) *bad = i;
  return 0;
}
