/* gf_context_* accessors (any thread; the context is immutable once the
 * factory runs). */
#include "gooddata_flight_server/log.h"
#include "server/context.h"

const gf_settings* gf_context_settings(const gf_server_context* ctx) { return ctx ? ctx->settings : NULL; }
const char* gf_context_location(const gf_server_context* ctx) {
  return ctx && ctx->location ? ctx->location : "";
}
gf_health* gf_context_health(const gf_server_context* ctx) { return ctx ? ctx->health : NULL; }
gf_task_executor* gf_context_task_executor(const gf_server_context* ctx) { return ctx ? ctx->tasks : NULL; }
gf_metrics* gf_context_metrics(const gf_server_context* ctx) { return ctx ? ctx->metrics : NULL; }
gf_logger* gf_context_logger(const gf_server_context* ctx, const char* name) {
  (void)ctx; /* loggers are shared; output and levels follow the thread's instance */
  return gf_logger_get(name && *name ? name : "gooddata_flight_server");
}

void* gf_context_enter(const gf_server_context* ctx) {
  return gf__instance_enter(ctx ? ctx->inst : NULL);
}

void gf_context_exit(void* previous) { gf__instance_exit(previous); }
