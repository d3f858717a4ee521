/* The server context handed to plugins (gf_server_context): settings,
 * location, health, task executor, metrics, the server's instance. Filled by server.c on the main
 * thread during start-up; read-only (and thread-safe) afterwards. */
#ifndef GF__SERVER_CONTEXT_H
#define GF__SERVER_CONTEXT_H

#include "common/instance.h"
#include "gooddata_flight_server/server.h"

struct gf_server_context {
  const gf_settings* settings;
  char* location; /* grpc[+tls]://advertise_host:advertise_port */
  gf_health* health;
  gf_task_executor* tasks;
  gf_metrics* metrics;
  gf__instance* inst; /* the server's logging and tracing (gf_context_enter) */
};

#endif
