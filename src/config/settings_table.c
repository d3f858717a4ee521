/* The table of known settings: name, type, default, bounds, allowed values,
 * secret/@file flags and help text for every [server] setting and
 * [enumerated_tokens] tokens. Static, read-only data; any thread. */
#include "config/settings_table.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/server_config.h"

#define OFF(f) offsetof(gf__server_config, f)
#define SPECIAL ((size_t)-1)
#define PORT_MAX 65535
#define INT_BIG 2147483647LL

static const char* const auth_methods[] = {"none", "token", NULL};
static const char* const otel_exporters[] = {"none", "console", "otlp-http", "otlp-grpc", "zipkin", NULL};

#define S(name, kind, dflt, dflt_doc, min, max, en, flags, off, help) \
  {"server", name, kind, dflt, dflt_doc, min, max, en, flags, off, help}

const gf__setting_def gf__settings_table[] = {
    S("listen_host", GF__SK_STR, "\"127.0.0.1\"", NULL, 0, 0, NULL, 0, OFF(listen_host),
      "Address the Flight RPC server binds to; a host name binds every address it resolves to "
      "(`localhost`: `127.0.0.1` and `::1`). Use `0.0.0.0` to listen on all interfaces."),
    S("listen_port", GF__SK_INT, "17001", NULL, 0, PORT_MAX, NULL, 0, OFF(listen_port),
      "Port the Flight RPC server binds to. `0` binds an ephemeral port (tests)."),
    S("advertise_host", GF__SK_STR, NULL, "this host's FQDN", 0, 0, NULL, 0, OFF(advertise_host),
      "Host name clients should use to reach this server; it goes into the locations of "
      "`FlightEndpoint`s. Must be resolvable by clients."),
    S("advertise_port", GF__SK_INT, NULL, "value of `listen_port`", 0, PORT_MAX, NULL, 0,
      OFF(advertise_port),
      "Port clients should use to reach this server. `0` means the port actually bound."),
    S("use_tls", GF__SK_BOOL, "false", NULL, 0, 0, NULL, 0, OFF(use_tls),
      "Serve over TLS (`grpc+tls://`). Requires `tls_certificate` and `tls_private_key`."),
    S("use_mtls", GF__SK_BOOL, "false", NULL, 0, 0, NULL, 0, OFF(use_mtls),
      "Require and verify client certificates (mutual TLS). Requires `use_tls` and "
      "`tls_root_certificate`."),
    S("tls_certificate", GF__SK_STR, NULL, NULL, 0, 0, NULL, GF__SF_AT_FILE | GF__SF_PEM,
      OFF(tls_certificate),
      "PEM server certificate (chain), inline or `@/path/to/cert.pem`."),
    S("tls_private_key", GF__SK_STR, NULL, NULL, 0, 0, NULL,
      GF__SF_AT_FILE | GF__SF_SECRET | GF__SF_PEM, OFF(tls_private_key),
      "PEM private key of the server certificate, inline or `@/path/to/key.pem`."),
    S("tls_root_certificate", GF__SK_STR, NULL, NULL, 0, 0, NULL, GF__SF_AT_FILE | GF__SF_PEM,
      OFF(tls_root_certificate),
      "PEM CA certificate(s) used to verify client certificates when `use_mtls` is on; inline "
      "or `@/path/to/ca.pem`. Not read unless `use_mtls = true`."),
    S("authentication_method", GF__SK_ENUM, "\"none\"", NULL, 0, 0, auth_methods, 0,
      OFF(authentication_method),
      "`none`, or `token` to require a token on every Flight RPC (see `token_verification`)."),
    S("token_verification", GF__SK_STR, NULL, "`EnumeratedTokenVerification` when "
      "`authentication_method = \"token\"`", 0, 0, NULL, 0, OFF(token_verification),
      "Token verification strategy: `EnumeratedTokenVerification` (tokens listed in "
      "`[enumerated_tokens] tokens`) or the path of a shared object implementing the "
      "token verification ABI."),
    S("token_header_name", GF__SK_STR, NULL, "`Authorization: Bearer <token>`", 0, 0, NULL, 0,
      OFF(token_header_name),
      "Custom header that carries the raw token. Unset: `Authorization: Bearer <token>`."),
    S("task_threads", GF__SK_INT, "32", NULL, 1, 4096, NULL, 0, OFF(task_threads),
      "Threads running long-running tasks (the task executor); started on demand up to this number."),
    S("task_close_threads", GF__SK_INT, "2", NULL, 1, 256, NULL, 0, OFF(task_close_threads),
      "Threads closing results of evicted or cancelled tasks."),
    S("task_result_ttl_sec", GF__SK_INT, "60", NULL, 1, INT_BIG, NULL, 0, OFF(task_result_ttl_sec),
      "How long (seconds) finished task results are kept for clients to pick up."),
    S("task_result_max_bytes", GF__SK_INT, "1073741824", NULL, 1024, 1099511627776LL, NULL,
      GF__SF_ADDED | GF__SF_I64, OFF(task_result_max_bytes),
      "Total bytes of finished task data results kept at once (1 GiB): a result that would "
      "pass it is dropped and its task fails with FlightUnavailableError, code BACKPRESSURE. "
      "Results count until they are closed (TTL, cancel, or the end of a single-use read)."),
    S("metrics_host", GF__SK_STR, NULL, "unset: no metrics endpoint", 0, 0, NULL, 0,
      OFF(metrics_host),
      "Address of the Prometheus `/metrics` HTTP endpoint; a host name binds every address it "
      "resolves to. Unset disables it."),
    S("metrics_port", GF__SK_INT, "17101", NULL, 0, PORT_MAX, NULL, 0, OFF(metrics_port),
      "Port of the Prometheus endpoint. `0` binds an ephemeral port (tests)."),
    S("health_check_host", GF__SK_STR, NULL, "unset: no health endpoint", 0, 0, NULL, 0,
      OFF(health_check_host),
      "Address of the health check HTTP endpoint (`/ready`, `/live`); a host name binds every "
      "address it resolves to. Unset disables it."),
    S("health_check_port", GF__SK_INT, "8877", NULL, 0, PORT_MAX, NULL, 0, OFF(health_check_port),
      "Port of the health check endpoint. `0` binds an ephemeral port (tests)."),
    S("malloc_trim_interval_sec", GF__SK_INT, "30", NULL, 1, INT_BIG, NULL, 0,
      OFF(malloc_trim_interval_sec),
      "Interval (seconds) at which the maintenance thread returns free heap memory to the OS."),
    S("log_event_key_name", GF__SK_STR, "\"event\"", NULL, 0, 0, NULL, 0, OFF(log_event_key_name),
      "JSON key holding the event name in structured logs."),
    S("log_trace_keys", GF__SK_TRACE_KEYS,
      "{ trace_id = \"trace_id\", span_id = \"span_id\", parent_span_id = \"parent_span_id\" }",
      NULL, 0, 0, NULL, 0, SPECIAL,
      "Table renaming the trace keys in structured logs; keys `trace_id`, `span_id`, "
      "`parent_span_id`, values the names to use."),
    S("otel_exporter_type", GF__SK_ENUM, "\"none\"", NULL, 0, 0, otel_exporters, 0,
      OFF(otel_exporter_type),
      "OpenTelemetry trace exporter; `none` disables tracing."),
    S("otel_service_name", GF__SK_STR, NULL, NULL, 0, 0, NULL, 0, OFF(otel_service_name),
      "OpenTelemetry `service.name`."),
    S("otel_service_namespace", GF__SK_STR, NULL, NULL, 0, 0, NULL, 0, OFF(otel_service_namespace),
      "OpenTelemetry `service.namespace`."),
    S("otel_service_instance_id", GF__SK_STR, NULL, "this host's name", 0, 0, NULL, 0,
      OFF(otel_service_instance_id), "OpenTelemetry `service.instance.id`."),
    S("otel_extract_context", GF__SK_BOOL, "false", NULL, 0, 0, NULL, 0, OFF(otel_extract_context),
      "Parent RPC spans on the W3C trace context found in request headers."),
    /* settings we add */
    S("rpc_threads", GF__SK_INT, "8", NULL, 1, 1024, NULL, GF__SF_ADDED, OFF(rpc_threads),
      "Worker threads running plugin callbacks (Flight RPC methods). DoPut, DoExchange and "
      "Handshake, whose callbacks wait for the client, run on a second pool of the same size "
      "(threads `gf-upload`, started on demand), so uploads never take the workers of other "
      "calls."),
    S("cq_threads", GF__SK_INT, "2", NULL, 1, 64, NULL, GF__SF_ADDED, OFF(cq_threads),
      "HTTP/2 I/O threads (`gf-io`, one epoll loop each; new connections go to them in turn). "
      "They never run plugin code. With many concurrent streams a second loop shares the socket "
      "copies (8 streams of 64 KiB-16 MiB batches: 5-20 % more throughput on a 2-core machine); "
      "1 is enough for a few connections."),
    S("shutdown_grace_sec", GF__SK_INT, "10", NULL, 0, 3600, NULL, GF__SF_ADDED,
      OFF(shutdown_grace_sec),
      "On stop, in-flight calls get this many seconds to finish before they are cancelled."),
    S("max_batch_bytes", GF__SK_INT, "4128768", NULL, 1024, INT_BIG, NULL,
      GF__SF_ADDED | GF__SF_I64, OFF(max_batch_bytes),
      "Outgoing record batches larger than this are sliced (4 MiB - 64 KiB by default, so a "
      "message fits gRPC's default 4 MiB client limit)."),
    S("max_receive_message_bytes", GF__SK_INT, "268435456", NULL, 1024, INT_BIG, NULL,
      GF__SF_ADDED | GF__SF_I64, OFF(max_receive_message_bytes),
      "Largest gRPC message accepted from clients (256 MiB)."),
    S("max_metadata_bytes", GF__SK_INT, "16384", NULL, 1024, 16777216, NULL,
      GF__SF_ADDED | GF__SF_I64, OFF(max_metadata_bytes),
      "Largest request metadata (headers) accepted (16 KiB)."),
    S("max_concurrent_streams", GF__SK_INT, "1000", NULL, 1, 1000000, NULL, GF__SF_ADDED,
      OFF(max_concurrent_streams), "Concurrent calls (HTTP/2 streams) allowed per connection."),
    S("max_queued_calls", GF__SK_INT, "1024", NULL, 1, 1000000, NULL, GF__SF_ADDED,
      OFF(max_queued_calls),
      "Server-wide: calls admitted and waiting for a worker, per pool (`rpc_threads` workers "
      "for most methods, as many upload workers for DoPut/DoExchange/Handshake); 1024 is 128 "
      "per worker at the default 8 `rpc_threads`, raise it with them. A new call beyond it is "
      "answered `RESOURCE_EXHAUSTED` naming this setting at once and counted in "
      "`gdfs_rpc_rejected_busy_total`."),
    S("max_put_inflight_bytes", GF__SK_INT, "67108864", NULL, 65536, 1099511627776LL, NULL,
      GF__SF_ADDED | GF__SF_I64, OFF(max_put_inflight_bytes),
      "Largest DoPut/DoExchange FlightData message handed to the plugin (64 MiB); checked once "
      "gRPC has received the whole message, so in transit a message is bounded by "
      "`max_receive_message_bytes`."),
    S("max_receive_buffer_bytes", GF__SK_INT, "1073741824", NULL, 65536, 1099511627776LL, NULL,
      GF__SF_ADDED | GF__SF_I64, OFF(max_receive_buffer_bytes),
      "Server-wide: bytes of DoPut/DoExchange messages the server holds (each reader's current "
      "message, from its arrival until the plugin asks for the next one), 1 GiB. A message that "
      "would go over it fails its call with `RESOURCE_EXHAUSTED` naming this setting. Upload "
      "receive memory stays under this plus `rpc_threads` x (`max_receive_message_bytes` + "
      "4.25 MiB) (messages gRPC is assembling and read-ahead, one stream per upload worker) "
      "plus 1 MiB (HTTP/2 window) per other open upload stream; see docs/security.md."),
    S("stream_idle_timeout_sec", GF__SK_INT, "60", NULL, 0, 86400, NULL, GF__SF_ADDED,
      OFF(stream_idle_timeout_sec),
      "A DoPut/DoExchange/Handshake whose client sends nothing while the plugin waits for its "
      "next message, or reads nothing while the plugin waits to send, for this many seconds is "
      "cancelled (`DEADLINE_EXCEEDED` naming this setting); `0` = never."),
    S("stream_end_grace_ms", GF__SK_INT, "50", NULL, 0, 10000, NULL, GF__SF_ADDED,
      OFF(stream_end_grace_ms),
      "grpc-js clients (user-agent `grpc-node-js`) end a DoPut/DoExchange/Handshake stream "
      "before resetting it when the call is cancelled; for them the plugin sees the end of "
      "the stream only after this many milliseconds without a reset, so a cancelled upload "
      "reads as an error, not as complete. Other clients reset without ending and never wait. "
      "`0` = no wait."),
    S("keepalive_time_sec", GF__SK_INT, "60", NULL, 1, INT_BIG, NULL, GF__SF_ADDED,
      OFF(keepalive_time_sec), "The server pings connections idle for this many seconds."),
    S("keepalive_timeout_sec", GF__SK_INT, "20", NULL, 1, INT_BIG, NULL, GF__SF_ADDED,
      OFF(keepalive_timeout_sec),
      "A connection whose keepalive ping is not answered within this many seconds is closed."),
    S("max_connection_idle_sec", GF__SK_INT, "0", NULL, 0, INT_BIG, NULL, GF__SF_ADDED,
      OFF(max_connection_idle_sec),
      "Close connections without calls for this many seconds; `0` = never."),
    {"enumerated_tokens", "tokens", GF__SK_STR_LIST, NULL, NULL, 0, 0, NULL,
     GF__SF_SECRET | GF__SF_AT_FILE, SPECIAL,
     "Tokens accepted by `EnumeratedTokenVerification` (a list of strings; an element "
     "`@/path` reads the token from that file; a single string counts as one token). "
     "Required when `authentication_method = \"token\"` with the enumerated strategy."},
    {"flexconnect", "functions", GF__SK_STR_LIST, "[]", NULL, 0, 0, NULL, 0, SPECIAL,
     "FlexConnect function libraries loaded by `--methods-provider flexconnect`, in order: each "
     "a path to a `.so` or a name resolved as `lib<name>.so` like `--methods-provider` (a single "
     "string counts as one library). Empty: the server starts with no functions."},
    {"flexconnect", "call_deadline_ms", GF__SK_INT, "180000", NULL, 1, 86400000, NULL, 0, SPECIAL,
     "Basic mode: longest GetFlightInfo wait for a FlexConnect invocation; polling mode: oldest "
     "age of an invocation before a poll answers TIMEOUT (the invocation is then cancelled). "
     "Cannot be disabled. Numeric strings are accepted, floats truncated."},
    {"flexconnect", "polling_interval_ms", GF__SK_INT, "2000", NULL, 1, 86400000, NULL, 0, SPECIAL,
     "Polling mode (`x-quiver-pollable`): longest wait inside one GetFlightInfo before it answers "
     "POLL with the retry and cancel descriptors."},
};

const size_t gf__settings_table_len = sizeof(gf__settings_table) / sizeof(gf__settings_table[0]);

const gf__setting_def* gf__setting_find(const char* section, const char* name) {
  for (size_t i = 0; i < gf__settings_table_len; i++) {
    const gf__setting_def* d = &gf__settings_table[i];
    if (strcasecmp(d->section, section) == 0 && strcasecmp(d->name, name) == 0) return d;
  }
  return NULL;
}

void gf__setting_env_name(const gf__setting_def* d, char* buf, size_t cap) {
  int n = snprintf(buf, cap, "GOODDATA_FLIGHT_%s__%s", d->section, d->name);
  for (int i = 0; i < n && (size_t)i < cap; i++) buf[i] = (char)toupper((unsigned char)buf[i]);
}
