/* The /metrics HTTP endpoint (metrics_internal.h): renders the registry on
 * each scrape on the gf-http thread. Start/stop on the lifecycle thread. */
#include <string.h>

#include "admin/http_server.h"
#include "log/log_internal.h"
#include "metrics/metrics_core.h"

static void on_http(void* ctx, const gf__http_request* req, gf__http_response* resp) {
  gf_metrics* m = ctx;
  const char* path = req->path;
  size_t plen = strcspn(path, "?");
  if (plen != 8 || strncmp(path, "/metrics", 8) != 0) {
    resp->status = 404;
    return;
  }
  if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
    resp->status = 405;
    resp->allow = "GET, HEAD";
    return;
  }
  char* body = NULL;
  size_t len = 0;
  if (gf_metrics_render(m, &body, &len) != GF_OK) {
    resp->status = 500;
    return;
  }
  resp->status = 200;
  resp->body = body;
  resp->body_len = len;
  resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

int gf__metrics_http_start(gf_metrics* m, const char* host, int port, gf_error* err) {
  gf_logger* lg = gf_logger_get("gooddata_flight_server.server");
  if (!m) return gf_error_set(err, GF_INVALID_ARGUMENT, "metrics: no registry");
  if (m->http) return gf_error_set(err, GF_ALREADY_EXISTS, "metrics: endpoint already running");
  GF_LOG(lg, GF_LOG_DEBUG, "metrics_starting", GF_STR("host", host), GF_INT("port", port));
  int rc = gf__http_start("metrics", host, port, on_http, m, &m->http, err);
  if (rc) return rc;
  GF_LOG(lg, GF_LOG_INFO, "metrics_started", GF_STR("host", host),
         GF_INT("port", gf__http_port(m->http)));
  return GF_OK;
}

void gf__metrics_http_stop(gf_metrics* m) {
  if (!m || !m->http) return;
  gf__http_stop(m->http);
  m->http = NULL;
}

int gf__metrics_http_port(const gf_metrics* m) { return m && m->http ? gf__http_port(m->http) : -1; }
