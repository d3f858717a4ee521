/* Internal: UTF-8 validation shared by every module. */
#ifndef GF__COMMON_UTF8_H
#define GF__COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns 1 if s[0..n) is well-formed UTF-8; else 0 and, if bad is not NULL,
 * the offset of the sequence that is not. */
int gf__utf8_valid(const uint8_t* s, size_t n, size_t* bad);

#endif
