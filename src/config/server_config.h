/* Internal: the validated [server] configuration, produced from gf_settings
 * by the config module (config.c / settings table) and consumed by the server
 * lifecycle. Plain data; built on the main thread at start-up, read-only after. */
#ifndef GF__SERVER_CONFIG_H
#define GF__SERVER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/server.h"

typedef struct gf_settings gf_settings;

typedef enum { GF__AUTH_NONE = 0, GF__AUTH_TOKEN = 1 } gf__auth_method;
typedef enum {
  GF__OTEL_NONE = 0,
  GF__OTEL_CONSOLE,
  GF__OTEL_OTLP_HTTP,
  GF__OTEL_OTLP_GRPC,
  GF__OTEL_ZIPKIN
} gf__otel_exporter;

typedef struct gf__server_config {
  /* seed settings */
  char* listen_host;            /* "127.0.0.1" */
  int listen_port;              /* 17001; 0 = ephemeral */
  char* advertise_host;         /* default: this host's FQDN */
  int advertise_port;           /* default: listen_port (the bound port if 0) */
  int use_tls;
  int use_mtls;
  char* tls_certificate;        /* PEM text (@file already resolved), or NULL */
  char* tls_private_key;        /* PEM text, secret */
  char* tls_root_certificate;   /* PEM text, or NULL */
  gf__auth_method authentication_method;
  char* token_header_name;      /* NULL = "authorization: Bearer" */
  char* token_verification;     /* NULL / "EnumeratedTokenVerification" / path of a .so */
  int task_threads;             /* 32 */
  int task_close_threads;       /* 2 */
  int task_result_ttl_sec;      /* 60 */
  int64_t task_result_max_bytes;/* retained task data results: 1 GiB (added) */
  char* metrics_host;           /* NULL = disabled */
  int metrics_port;             /* 17101 */
  char* health_check_host;      /* NULL = disabled */
  int health_check_port;        /* 8877 */
  int malloc_trim_interval_sec; /* 30 */
  char* log_event_key_name;     /* "event" */
  char* log_trace_key_trace_id; /* "trace_id" */
  char* log_trace_key_span_id;  /* "span_id" */
  char* log_trace_key_parent_span_id; /* "parent_span_id" */
  gf__otel_exporter otel_exporter_type;
  char* otel_service_name;
  char* otel_service_namespace;
  char* otel_service_instance_id; /* default: host name */
  int otel_extract_context;
  /* [enumerated_tokens] tokens */
  char** enumerated_tokens;
  size_t n_enumerated_tokens;

  /* settings we add (same [server] section, same env scheme) */
  int rpc_threads;               /* worker threads running plugin callbacks: 8 */
  int cq_threads;                /* gRPC completion-queue threads: 1 */
  int shutdown_grace_sec;        /* in-flight calls get this long on stop: 10 */
  int64_t max_batch_bytes;       /* outgoing batches sliced above this: 4 MiB - 64 KiB */
  int64_t max_receive_message_bytes; /* 256 MiB */
  int64_t max_metadata_bytes;    /* 16 KiB */
  int max_concurrent_streams;    /* per connection: 1000 */
  int max_queued_calls;          /* calls waiting for a worker, per pool: 1024 */
  int64_t max_put_inflight_bytes;/* largest DoPut/DoExchange message: 64 MiB */
  int64_t max_receive_buffer_bytes; /* server-wide upload messages held: 1 GiB */
  int keepalive_time_sec;        /* server pings idle connections: 60 */
  int keepalive_timeout_sec;     /* 20 */
  int max_connection_idle_sec;   /* 0 = unlimited */
  int stream_idle_timeout_sec;   /* 0 = unlimited */
  int stream_end_grace_ms;       /* 50 */
} gf__server_config;

/* Builds the validated config from merged settings. On error returns a status
 * and err->message is one line naming the setting, the bad value and its
 * source (file:line or env var). Warnings (unknown keys) are logged. */
int gf__server_config_load(const gf_settings* settings, gf__server_config* out, gf_error* err);
void gf__server_config_free(gf__server_config* cfg);

/* Copies the caller's gf_server_options (struct_size bytes of them) into a
 * zeroed full-size `out`; GF_INVALID_ARGUMENT naming the size when struct_size
 * is below the first release's or above this library's. */
int gf__server_options_read(const gf_server_options* in, gf_server_options* out, gf_error* err);

#endif
