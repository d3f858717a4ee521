/* The one whole-file reader: regular files, pipes and /proc alike, capped,
 * NUL-terminated. Used for config files, @file values, the logging config,
 * PEM files and Arrow IPC files. Any thread. */
#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gooddata_flight_server/common.h"

int gf__read_file(const char* path, size_t max, char** out, size_t* len, int* errno_out) {
  *out = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return *errno_out = errno, GF_IO_ERROR;
  struct stat st;
  int e = 0;
  if (fstat(fd, &st) != 0) e = errno;
  else if (S_ISDIR(st.st_mode)) e = EISDIR;
  else if (S_ISREG(st.st_mode) && (size_t)st.st_size > max) e = EFBIG;
  if (e != 0) {
    close(fd);
    return *errno_out = e, GF_IO_ERROR;
  }
  size_t cap = (S_ISREG(st.st_mode) ? (size_t)st.st_size : 4096) + 1, n = 0;
  char* buf = malloc(cap);
  if (buf == NULL) {
    close(fd);
    return *errno_out = ENOMEM, GF_NO_MEMORY;
  }
  for (;;) {
    if (n + 1 >= cap) { /* file grew (or is a pipe): read on up to the cap */
      if (cap > max) {
        free(buf);
        close(fd);
        return *errno_out = EFBIG, GF_IO_ERROR;
      }
      size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
      char* nb = realloc(buf, ncap);
      if (nb == NULL) break;
      buf = nb, cap = ncap;
    }
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      *errno_out = errno;
      free(buf);
      close(fd);
      return GF_IO_ERROR;
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd);
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return GF_OK;
}
