/* Cookie header parsing (cookie.h): `cookie:` lists for the session store,
 * `set-cookie:` values for the client. Pure functions, any thread. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flight/cookie.h"

int gf__cookie_find(gf_bytes v, const char* name, char* out, size_t cap) {
  size_t nl = strlen(name);
  size_t p = 0;
  while (p < v.len) {
    while (p < v.len && (v.data[p] == ' ' || v.data[p] == ';')) p++;
    size_t e = p;
    while (e < v.len && v.data[e] != ';') e++;
    if (e - p > nl && memcmp(v.data + p, name, nl) == 0 && v.data[p + nl] == '=') {
      size_t vl = e - p - nl - 1;
      while (vl && v.data[p + nl + vl] == ' ') vl--;
      if (vl >= cap) return -1;
      memcpy(out, v.data + p + nl + 1, vl);
      out[vl] = 0;
      return 1;
    }
    p = e;
  }
  return 0;
}

/* 1 when the attributes after the first ';' hold Max-Age <= 0. */
static int expired(gf_bytes v, size_t from) {
  for (size_t p = from; p + 8 < v.len; p++)
    if (strncasecmp((const char*)v.data + p, "max-age=", 8) == 0)
      return v.data[p + 8] == '0' || v.data[p + 8] == '-';
  return 0;
}

int gf__set_cookie_parse(gf_bytes v, const char* name, char** value) {
  size_t nl = strlen(name);
  *value = NULL;
  if (v.len <= nl || memcmp(v.data, name, nl) != 0 || v.data[nl] != '=') return 0;
  size_t e = nl + 1;
  while (e < v.len && v.data[e] != ';') e++;
  if (!expired(v, e)) *value = strndup((const char*)v.data + nl + 1, e - nl - 1);
  return 1;
}
