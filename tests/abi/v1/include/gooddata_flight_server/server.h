/* The server context handed to plugins, and the embedding API (create a server
 * from a methods factory and config files, start, wait, stop) used by the CLI
 * and by users who embed the server in their own executable. */
#ifndef GOODDATA_FLIGHT_SERVER_SERVER_H
#define GOODDATA_FLIGHT_SERVER_SERVER_H

#include <stddef.h>
#include <stdio.h>

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
GF_API const gf_settings* gf_context_settings(const gf_server_context* ctx);
/* Location clients should use, e.g. "grpc://host:17001" or "grpc+tls://...". */
GF_API const char* gf_context_location(const gf_server_context* ctx);
GF_API gf_health* gf_context_health(const gf_server_context* ctx);
GF_API gf_task_executor* gf_context_task_executor(const gf_server_context* ctx);
GF_API gf_metrics* gf_context_metrics(const gf_server_context* ctx);
/* Logger named `name` (e.g. "my_service"); never NULL. A line logged
 * through it goes to the output, format and levels of the server whose
 * thread logs it: the server's own threads (RPC workers, task threads, ...)
 * belong to it; other threads use the process defaults unless bound with
 * gf_context_enter. */
GF_API gf_logger* gf_context_logger(const gf_server_context* ctx, const char* name);
/* Binds the calling thread (one the plugin started) to the server of ctx:
 * its log lines and spans (gf_span_start, GF_LOG) then go to that server's
 * logging and tracing. Returns the previous binding, to pass to
 * gf_context_exit before the thread ends or the server is destroyed. */
GF_API void* gf_context_enter(const gf_server_context* ctx);
GF_API void gf_context_exit(void* previous);

typedef struct gf_server_options {
  uint32_t struct_size;            /* sizeof(gf_server_options) */
  const char* const* config_files; /* loaded in order, later wins */
  size_t n_config_files;
  const char* logging_config;      /* optional --logging-config file */
  int dev_log;                     /* human-readable logs instead of JSON */
  /* Optional extra environment (NULL = the process environment). */
  char* const* envp;
  /* Added in 0.2 (zero = default): this server's log output (default 2,
   * stderr) and console span exporter output (default 1, stdout). Each
   * server in a process has its own logging and tracing. */
  int log_fd;
  int trace_console_fd;
} gf_server_options;

/* struct_size of gf_server_options in the first release (0.1): the server
 * accepts any size from this up to its own sizeof, zero-filling the rest. */
#define GF_SERVER_OPTIONS_V1_SIZE (offsetof(gf_server_options, envp) + sizeof(char* const*))

/* Creates a server: reads and validates configuration, sets up logging and
 * tracing. Does not bind or call the factory yet. */
GF_API GF_WARN_UNUSED gf_status gf_server_create(const gf_server_options* options, gf_methods_factory factory,
                                                 gf_server** out, gf_error* err);
/* Binds the ports, starts health/metrics endpoints, calls the factory and
 * starts serving. Returns once the server accepts calls (or failed). */
GF_API GF_WARN_UNUSED gf_status gf_server_start(gf_server* server, gf_error* err);
/* Port the Flight server listens on (useful with listen_port = 0). */
GF_API int gf_server_port(const gf_server* server);
GF_API gf_server_context* gf_server_get_context(gf_server* server);
/* Graceful stop: new calls get UNAVAILABLE (SHUTTING_DOWN), in-flight calls
 * get the grace period, then are cancelled. Non-blocking, idempotent,
 * async-signal-safe. */
GF_API void gf_server_stop(gf_server* server);
/* Blocks until the server has stopped (timeout_ms < 0 = forever). Returns true
 * when stopped, false on timeout. */
GF_API bool gf_server_wait_for_stop(gf_server* server, int64_t timeout_ms);
/* Installs SIGINT/SIGTERM handling that calls gf_server_stop (a second signal
 * exits the process at once). */
GF_API gf_status gf_server_handle_signals(gf_server* server, gf_error* err);
GF_API void gf_server_free(gf_server* server);

/* ------------------------------------------------------------------------ */
/* For server executables (what the gooddata-flight-server command uses)     */

/* Tunes glibc malloc for a Flight server: large mmap and trim thresholds (no
 * mmap/munmap churn on gRPC read buffers) and one malloc arena (so the
 * maintenance thread's malloc_trim can give memory back), unless
 * MALLOC_ARENA_MAX is set. glibc fixes the arena limit when the first thread
 * arena is created: call this first thing in main, before any thread starts. */
GF_API void gf_process_tune_malloc(void);

typedef struct gf_plugin gf_plugin; /* a loaded methods plugin */

/* Loads a methods plugin (a shared library using GF_DECLARE_PLUGIN): `spec`
 * is a path (contains '/' or ".so") or a name resolved as lib<spec>.so
 * through the dynamic loader path, then ../examples, ../lib and the
 * directory of the running executable. The plugin resolves gf_* symbols from
 * this library. GF_NOT_FOUND (library or entry point missing, with the loader
 * error) or GF_INVALID_ARGUMENT (built for another plugin ABI version). */
GF_API GF_WARN_UNUSED gf_status gf_plugin_load(const char* spec, gf_plugin** out, gf_error* err);
/* The plugin's methods factory, for gf_server_create. */
GF_API gf_methods_factory gf_plugin_factory(const gf_plugin* plugin);
/* Unloads the plugin (after the server that used its factory was destroyed;
 * GF_NO_DLCLOSE in the environment keeps the code mapped). NULL is ignored. */
GF_API void gf_plugin_unload(gf_plugin* plugin);

/* Reads the settings the way gf_server_create does (options->config_files
 * in order, then GOODDATA_FLIGHT_* variables from options->envp or the
 * process environment), validates them, and writes the effective
 * configuration (every setting with value and source, secrets redacted) to
 * `out`. Errors name the bad file, key or variable; GF_IO_ERROR when writing
 * fails. */
GF_API gf_status gf_config_print(const gf_server_options* options, FILE* out, gf_error* err);
/* Writes the settings reference (Markdown, docs/configuration.md). */
GF_API gf_status gf_config_print_docs(FILE* out);

#ifdef __cplusplus
}
#endif

#endif
