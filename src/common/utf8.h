/* Internal: the one UTF-8 module (RFC 3629: no overlongs, no surrogates, max
 * U+10FFFF) shared by every component. */
#ifndef GF__COMMON_UTF8_H
#define GF__COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t gf__utf8_seq_len(const unsigned char* s, size_t avail);
/* True if s[0..n) is well-formed UTF-8; else false and, if bad is not NULL,
 * the offset of the sequence that is not. */
bool gf__utf8_valid(const uint8_t* s, size_t n, size_t* bad);
/* Byte length of the first max_cp code points of s[0..n). */
size_t gf__utf8_prefix(const char* s, size_t n, size_t max_cp);
/* Byte length of s[0..n) cut to at most max bytes without splitting a
 * sequence and without a trailing incomplete one (invalid bytes elsewhere
 * are kept). */
size_t gf__utf8_cut(const char* s, size_t n, size_t max);
/* Writes code point cp (<= U+10FFFF, not a surrogate) as UTF-8 into out;
 * returns its length 1..4. */
size_t gf__utf8_encode(uint32_t cp, char out[4]);
/* A malloc'd NUL-terminated copy of s[0..n) with each invalid byte replaced
 * by U+FFFD (*out_len its length, may be NULL); NULL when out of memory. */
char* gf__utf8_repair(const char* s, size_t n, size_t* out_len);

#endif
