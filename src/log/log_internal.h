/* Internal logging API (docs/internals.md): configuration of the process-wide
 * logger registry (output, format, key names, per-logger levels), the INI
 * level-file parser and the trace-id provider hook. Lives in src/common
 * because every layer logs. Configure runs on the main thread at start-up; the
 * emit path (log.c) runs on any thread. */
#ifndef GF__LOG_INTERNAL_H
#define GF__LOG_INTERNAL_H

#include <stddef.h>

#include "gooddata_flight_server/log.h"

/* The logger `name`, looked up once per call site: `slot` is the caller's
 * static _Atomic(gf_logger*). Loggers live as long as the process; the
 * registry lookup (gf_logger_get) takes a global lock, this does not. */
gf_logger* gf__logger_cached(void* slot, const char* name);

/* Writes all n bytes to fd (retrying short writes and EINTR); gives up
 * silently on other errors (log and span lines must never fail a caller). */
void gf__write_all(int fd, const char* p, size_t n);

typedef struct gf__log_options {
  int dev;                   /* --dev-log: text lines instead of JSON */
  const char* event_key;     /* log_event_key_name, default "event" */
  const char* trace_id_key, *span_id_key, *parent_span_id_key; /* NULL = defaults */
  const char* config_file;   /* --logging-config (levels per logger) or NULL */
  int fd;                    /* output; values <= 0 mean 2 (stderr) */
} gf__log_options;

/* Applies options (strings copied) to the process default domain (threads
 * without a current instance, common/instance.h). NULL opts restores the
 * defaults (JSON, INFO, stderr). On error nothing changes. Safe while other
 * threads log. */
int gf__log_configure(const gf__log_options* opts, gf_error* err);

/* A log domain: output, format and levels of one server instance. A thread
 * whose current instance has a domain logs through it; others through the
 * process default. At most GF__LOG_DOMAINS - 1 exist at once
 * (GF_RESOURCE_EXHAUSTED beyond). Free only after every thread that may log
 * through it has been joined. */
#define GF__LOG_DOMAINS 16
typedef struct gf__log_domain gf__log_domain;
int gf__log_domain_new(const gf__log_options* opts, gf__log_domain** out, gf_error* err);
void gf__log_domain_free(gf__log_domain* d);

/* One configured logger level from a levels file. */
typedef struct gf__log_level_rule {
  char* name;   /* qualname; "" for root */
  int level;    /* 0 = NOTSET (inherit) */
} gf__log_level_rule;

/* Parses the stdlib-logging INI shape ([loggers] keys=..., [logger_<key>]
 * level=..., qualname=...). text need not be NUL-terminated. `origin` names
 * the file in messages. Rules are malloc'd; free with gf__log_rules_free. */
int gf__log_parse_ini(const char* text, size_t len, const char* origin,
                      gf__log_level_rule** rules, size_t* n_rules, gf_error* err);
void gf__log_rules_free(gf__log_level_rule* rules, size_t n);
/* Level name ("DEBUG", "warn", "NOTSET", "15") -> number; -1 if unknown. */
int gf__log_level_parse(const char* s);
/* Lower-case name of a level ("info"); numbers between levels round down. */
const char* gf__log_level_name(int level);

/* Trace ids of the span current on this thread. Logging sits below tracing
 * (src/log vs src/tracing), so tracing registers the provider when it
 * starts (gf__log_set_trace_provider) and clears it (NULL) when it stops.
 * The provider returns 0 when there is no current span. */
typedef struct gf__log_trace_ids {
  char trace_id[33];
  char span_id[17];
  char parent_span_id[17];   /* "" when the span has no parent */
} gf__log_trace_ids;
typedef int (*gf__log_trace_provider)(gf__log_trace_ids* out);
void gf__log_set_trace_provider(gf__log_trace_provider fn);

#endif
