/* The server context handed to plugins, and the embedding API (create a server
 * from a methods factory and config files, start, wait, stop) used by the CLI
 * and by users who embed the server in their own executable. */
#ifndef GOODDATA_FLIGHT_SERVER_SERVER_H
#define GOODDATA_FLIGHT_SERVER_SERVER_H

#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/flight.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_settings gf_settings;           /* config.h */
typedef struct gf_health gf_health;               /* health.h */
typedef struct gf_task_executor gf_task_executor; /* tasks.h */
typedef struct gf_logger gf_logger;               /* log.h */
typedef struct gf_metrics gf_metrics;             /* metrics.h */
typedef struct gf_server gf_server;

/* Server context accessors. The context lives as long as the server. */
const gf_settings* gf_context_settings(const gf_server_context* ctx);
/* Location clients should use, e.g. "grpc://host:17001" or "grpc+tls://...". */
const char* gf_context_location(const gf_server_context* ctx);
gf_health* gf_context_health(const gf_server_context* ctx);
gf_task_executor* gf_context_task_executor(const gf_server_context* ctx);
gf_metrics* gf_context_metrics(const gf_server_context* ctx);
/* Logger named `name` (e.g. "my_service"); never NULL. */
gf_logger* gf_context_logger(const gf_server_context* ctx, const char* name);

typedef struct gf_server_options {
  uint32_t struct_size;            /* sizeof(gf_server_options) */
  const char* const* config_files; /* loaded in order, later wins */
  size_t n_config_files;
  const char* logging_config;      /* optional --logging-config file */
  int dev_log;                     /* human-readable logs instead of JSON */
  /* Optional extra environment (NULL = the process environment). */
  char* const* envp;
} gf_server_options;

/* Creates a server: reads and validates configuration, sets up logging and
 * tracing. Does not bind or call the factory yet. */
int gf_server_create(const gf_server_options* options, gf_methods_factory factory,
                     gf_server** out, gf_error* err);
/* Binds the ports, starts health/metrics endpoints, calls the factory and
 * starts serving. Returns once the server accepts calls (or failed). */
int gf_server_start(gf_server* server, gf_error* err);
/* Port the Flight server listens on (useful with listen_port = 0). */
int gf_server_port(const gf_server* server);
gf_server_context* gf_server_get_context(gf_server* server);
/* Graceful stop: new calls get UNAVAILABLE (SHUTTING_DOWN), in-flight calls
 * get the grace period, then are cancelled. Non-blocking, idempotent,
 * async-signal-safe. */
void gf_server_stop(gf_server* server);
/* Blocks until the server has stopped (timeout_ms < 0 = forever). Returns 1
 * when stopped, 0 on timeout. */
int gf_server_wait_for_stop(gf_server* server, int64_t timeout_ms);
/* Installs SIGINT/SIGTERM handling that calls gf_server_stop (a second signal
 * exits the process at once). */
int gf_server_handle_signals(gf_server* server, gf_error* err);
void gf_server_destroy(gf_server* server);

#ifdef __cplusplus
}
#endif

#endif
