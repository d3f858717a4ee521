/* Structured logging: one event per line, JSON by default (text with
 * --dev-log). Fields are key/value pairs; the level check happens before any
 * formatting. Thread-safe. */
#ifndef GOODDATA_FLIGHT_SERVER_LOG_H
#define GOODDATA_FLIGHT_SERVER_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gf_log_level {
  GF_LOG_DEBUG = 10,
  GF_LOG_INFO = 20,
  GF_LOG_WARNING = 30,
  GF_LOG_ERROR = 40,
  GF_LOG_CRITICAL = 50
} gf_log_level;

typedef struct gf_logger gf_logger;

typedef enum gf_kv_type {
  GF_KV_END = 0,
  GF_KV_STR = 1,
  GF_KV_INT = 2,
  GF_KV_DOUBLE = 3,
  GF_KV_BOOL = 4,
  GF_KV_RAW_JSON = 5  /* value is already valid JSON text */
} gf_kv_type;

typedef struct gf_kv {
  const char* key;
  gf_kv_type type;
  union {
    const char* s;
    int64_t i;
    double d;
    int b;
  } v;
} gf_kv;

#define GF_STR(k, val) ((gf_kv){.key = (k), .type = GF_KV_STR, .v.s = (val)})
#define GF_INT(k, val) ((gf_kv){.key = (k), .type = GF_KV_INT, .v.i = (int64_t)(val)})
#define GF_DBL(k, val) ((gf_kv){.key = (k), .type = GF_KV_DOUBLE, .v.d = (double)(val)})
#define GF_BOOL(k, val) ((gf_kv){.key = (k), .type = GF_KV_BOOL, .v.b = !!(val)})
#define GF_JSON(k, val) ((gf_kv){.key = (k), .type = GF_KV_RAW_JSON, .v.s = (val)})

/* Logger by name (dotted, e.g. "gooddata_flight_server.rpc"); created on first
 * use, never freed, never NULL. */
GF_API gf_logger* gf_logger_get(const char* name);
GF_API bool gf_log_enabled(const gf_logger* logger, gf_log_level level);
/* `fields` is terminated by an entry with type GF_KV_END (key may be NULL). */
GF_API void gf_log_kv(gf_logger* logger, gf_log_level level, const char* event, const gf_kv* fields);

/* Variadic form: fields are gf_kv values passed by value, terminated by an
 * entry of type GF_KV_END (at most 64 fields are used). */
GF_API void gf_log_fields(gf_logger* logger, gf_log_level level, const char* event, ...);

/* GF_LOG(logger, GF_LOG_INFO, "event_name", GF_STR("k", v), GF_INT("n", 3));
 * The level is checked before any argument is formatted. */
#define GF_LOG(logger, level, ...)                                                   \
  do {                                                                               \
    gf_logger* gf__lg = (logger);                                                    \
    if (gf_log_enabled(gf__lg, (level)))                                             \
      gf_log_fields(gf__lg, (level), __VA_ARGS__, ((gf_kv){.type = GF_KV_END}));      \
  } while (0)

#ifdef __cplusplus
}
#endif

#endif
