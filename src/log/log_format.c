/* Formats one structured log event as a JSON object line or, in dev mode,
 * as a human-readable text line (log_format.h). Any thread; shared state is
 * the read-only format snapshot and the atomic trace-id provider. */
#include "log/log_format.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_VALUE_MAX (64 * 1024)   /* longer string values are truncated */
#define LOG_LINE_MAX (1024 * 1024)  /* longer lines are replaced by a notice */
#define LOG_MAX_FIELDS 256

static char* dup_or(const char* s, const char* dflt) {
  return strdup(s && *s ? s : dflt);
}

gf__log_format* gf__log_format_new(const gf__log_options* o) {
  gf__log_format* f = calloc(1, sizeof *f);
  if (!f) return NULL;
  f->dev = o->dev;
  f->fd = o->fd > 0 ? o->fd : 2;
  f->event_key = dup_or(o->event_key, "event");
  f->trace_id_key = dup_or(o->trace_id_key, "trace_id");
  f->span_id_key = dup_or(o->span_id_key, "span_id");
  f->parent_span_id_key = dup_or(o->parent_span_id_key, "parent_span_id");
  if (!f->event_key || !f->trace_id_key || !f->span_id_key || !f->parent_span_id_key) {
    gf__log_format_free(f);
    return NULL;
  }
  return f;
}

void gf__log_format_free(gf__log_format* f) {
  if (!f) return;
  free(f->event_key);
  free(f->trace_id_key);
  free(f->span_id_key);
  free(f->parent_span_id_key);
  free(f);
}

static void put_timestamp(gf__buf* b) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  gf__buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

static size_t capped_len(const char* s) { return s ? strnlen(s, LOG_VALUE_MAX) : 0; }

static void json_value(gf__buf* b, const gf_kv* kv) {
  switch (kv->type) {
    case GF_KV_STR:
      if (!kv->v.s) gf__buf_puts(b, "null");
      else gf__buf_json_strn(b, kv->v.s, capped_len(kv->v.s));
      break;
    case GF_KV_INT: gf__buf_printf(b, "%lld", (long long)kv->v.i); break;
    case GF_KV_DOUBLE: gf__buf_json_double(b, kv->v.d); break;
    case GF_KV_BOOL: gf__buf_puts(b, kv->v.b ? "true" : "false"); break;
    case GF_KV_RAW_JSON: gf__buf_puts(b, kv->v.s && *kv->v.s ? kv->v.s : "null"); break;
    default: gf__buf_puts(b, "null");
  }
}

static void json_key(gf__buf* b, const char* key) {
  gf__buf_putc(b, ',');
  gf__buf_json_str(b, key ? key : "");
  gf__buf_putc(b, ':');
}

/* Field keys that would duplicate a reserved key get a leading '_'. */
static const char* field_key(const gf__log_format* f, const char* key, char* tmp, size_t n) {
  if (!key) return "";
  if (strcmp(key, f->event_key) && strcmp(key, "timestamp") && strcmp(key, "level") &&
      strcmp(key, "logger"))
    return key;
  snprintf(tmp, n, "_%s", key);
  return tmp;
}

static _Atomic(gf__log_trace_provider) g_trace_provider;

void gf__log_set_trace_provider(gf__log_trace_provider fn) { atomic_store(&g_trace_provider, fn); }

static int current_ids(gf__log_trace_ids* ids) {
  gf__log_trace_provider fn = atomic_load_explicit(&g_trace_provider, memory_order_acquire);
  return fn ? fn(ids) : 0;
}

static void json_trace(gf__buf* b, const gf__log_format* f) {
  gf__log_trace_ids ids;
  if (!current_ids(&ids)) return;
  json_key(b, f->trace_id_key);
  gf__buf_json_str(b, ids.trace_id);
  json_key(b, f->span_id_key);
  gf__buf_json_str(b, ids.span_id);
  if (ids.parent_span_id[0]) {
    json_key(b, f->parent_span_id_key);
    gf__buf_json_str(b, ids.parent_span_id);
  }
}

static void json_line(gf__buf* b, const gf__log_format* f, const char* logger, int level,
                      const char* event, const gf_kv* fields) {
  char tmp[128];
  gf__buf_putc(b, '{');
  gf__buf_json_str(b, f->event_key);
  gf__buf_putc(b, ':');
  gf__buf_json_strn(b, event, capped_len(event));
  json_key(b, "timestamp");
  gf__buf_putc(b, '"');
  put_timestamp(b);
  gf__buf_putc(b, '"');
  json_key(b, "level");
  gf__buf_json_str(b, gf__log_level_name(level));
  json_key(b, "logger");
  gf__buf_json_str(b, logger);
  json_trace(b, f);
  for (int i = 0; fields && fields[i].type != GF_KV_END && i < LOG_MAX_FIELDS; i++) {
    json_key(b, field_key(f, fields[i].key, tmp, sizeof tmp));
    json_value(b, &fields[i]);
  }
  gf__buf_puts(b, "}\n");
}

/* Dev text: strings are bare unless they need quoting (then JSON-escaped). */
static void text_str(gf__buf* b, const char* s) {
  size_t n = capped_len(s);
  int plain = n > 0;
  for (size_t i = 0; i < n && plain; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c == '"' || c == '=' || c == '\\' || c >= 0x7f) plain = 0;
  }
  if (plain) gf__buf_putn(b, s, n);
  else gf__buf_json_strn(b, s, n);
}

static void text_value(gf__buf* b, const gf_kv* kv) {
  if (kv->type == GF_KV_STR && kv->v.s) text_str(b, kv->v.s);
  else if (kv->type == GF_KV_RAW_JSON && kv->v.s) text_str(b, kv->v.s);
  else json_value(b, kv);
}

static void text_trace(gf__buf* b, const gf__log_format* f) {
  gf__log_trace_ids ids;
  if (!current_ids(&ids)) return;
  gf__buf_printf(b, " %s=%s %s=%s", f->trace_id_key, ids.trace_id, f->span_id_key, ids.span_id);
  if (ids.parent_span_id[0]) gf__buf_printf(b, " %s=%s", f->parent_span_id_key, ids.parent_span_id);
}

static void text_line(gf__buf* b, const gf__log_format* f, const char* logger, int level,
                      const char* event, const gf_kv* fields) {
  put_timestamp(b);
  gf__buf_printf(b, " [%-9s] ", gf__log_level_name(level));
  size_t start = b->len;
  text_str(b, event);
  for (size_t w = b->len - start; w < 30; w++) gf__buf_putc(b, ' ');
  for (int i = 0; fields && fields[i].type != GF_KV_END && i < LOG_MAX_FIELDS; i++) {
    gf__buf_putc(b, ' ');
    text_str(b, fields[i].key ? fields[i].key : "");
    gf__buf_putc(b, '=');
    text_value(b, &fields[i]);
  }
  text_trace(b, f);
  gf__buf_puts(b, " logger=");
  text_str(b, logger);
  gf__buf_putc(b, '\n');
}

void gf__log_format_line(gf__buf* b, const gf__log_format* f, const char* logger, int level,
                         const char* event, const gf_kv* fields) {
  size_t start = b->len;
  b->max = LOG_LINE_MAX;
  if (f->dev) text_line(b, f, logger, level, event, fields);
  else json_line(b, f, logger, level, event, fields);
  if (!b->oom) return;
  /* Too long (or out of memory): replace with a short notice without fields. */
  b->len = start;
  b->p[start] = '\0';
  b->oom = 0;
  const gf_kv none[] = {{.key = "log_line_truncated", .type = GF_KV_BOOL, .v.b = 1},
                        {.type = GF_KV_END}};
  if (f->dev) text_line(b, f, logger, level, event, none);
  else json_line(b, f, logger, level, event, none);
}
