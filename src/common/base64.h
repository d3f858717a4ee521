/* Base64 (standard alphabet, with '=' padding) encoding and strict decoding,
 * as Python's base64.b64encode/b64decode produce and accept. Pure functions,
 * any thread. */
#ifndef GF__COMMON_BASE64_H
#define GF__COMMON_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"

/* Length of the encoding of n bytes (without the terminating NUL). */
size_t gf__base64_encoded_len(size_t n);
/* Encodes into `out`, which must hold gf__base64_encoded_len(n) + 1 bytes;
 * NUL-terminates and returns the encoded length. */
size_t gf__base64_encode_to(const void* data, size_t n, char* out);
/* Encodes into a malloc'd NUL-terminated string (free with free()). */
int gf__base64_encode(const void* data, size_t n, char** out, size_t* out_len);
/* Decodes `len` characters into a malloc'd buffer (free with free(); never
 * NULL on success, even for empty input). Rejects characters outside the
 * alphabet, a length that is not a multiple of 4 and misplaced padding; the
 * message names the offset. */
int gf__base64_decode(const char* s, size_t len, uint8_t** out, size_t* out_len, gf_error* err);

#endif
