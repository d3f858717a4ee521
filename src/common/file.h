/* Internal: the one whole-file reader. */
#ifndef GF__COMMON_FILE_H
#define GF__COMMON_FILE_H

#include <stddef.h>

/* Reads the whole file at path (at most max bytes) into a malloc'd buffer
 * with a NUL after the data (*len excludes it). GF_IO_ERROR with *errno_out
 * set (EFBIG when larger than max, EISDIR for a directory, else open/read's
 * errno) or GF_NO_MEMORY (ENOMEM). */
int gf__read_file(const char* path, size_t max, char** out, size_t* len, int* errno_out);

#endif
