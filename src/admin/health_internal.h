/* Internal health API (docs/internals.md): creation of the health monitor
 * and its HTTP endpoint (/ready, /live). Created/started/stopped by the
 * server lifecycle thread; the monitor is used from any thread. */
#ifndef GF__HEALTH_INTERNAL_H
#define GF__HEALTH_INTERNAL_H

#include <stdbool.h>

#include "gooddata_flight_server/health.h"

int gf__health_create(gf_health** out);
/* Stops the HTTP endpoint if running and frees h. NULL is a no-op. */
void gf__health_free(gf_health* h);
/* Binds host:port synchronously (port 0 = ephemeral) and serves on the gf-http
 * thread. Logs health_check_started. GF_ALREADY_EXISTS if already running. */
int gf__health_http_start(gf_health* h, const char* host, int port, gf_error* err);
void gf__health_http_stop(gf_health* h);
/* Adds a readiness condition: while check(user) is false gf_health_is_ready
 * (and /ready) says not ready. check runs under the monitor's lock on any
 * thread and must not block; NULL removes it (after which it no longer
 * runs). One check at a time. */
void gf__health_set_ready_check(gf_health* h, bool (*check)(void* user), void* user);
/* Bound port of the running endpoint, or -1. */
int gf__health_http_port(const gf_health* h);

#endif
