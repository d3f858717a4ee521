/* Internal: rendering of one log event into a line (JSON or dev text).
 * Pure functions over a gf__log_format snapshot; any thread. */
#ifndef GF__LOG_FORMAT_H
#define GF__LOG_FORMAT_H

#include "common/buf.h"
#include "log/log_internal.h"

typedef struct gf__log_format {
  int dev;
  int fd;
  char* event_key;
  char* trace_id_key;
  char* span_id_key;
  char* parent_span_id_key;
} gf__log_format;

gf__log_format* gf__log_format_new(const gf__log_options* opts);
void gf__log_format_free(gf__log_format* f);
/* Appends one complete line (ending in '\n') to b. */
void gf__log_format_line(gf__buf* b, const gf__log_format* f, const char* logger, int level,
                         const char* event, const gf_kv* fields);

#endif
