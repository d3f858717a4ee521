/* Health monitor (health.h, health_internal.h): module status map under a
 * mutex, readiness/liveness rules of the seed, and the /ready and /live
 * HTTP handler (runs on the gf-http thread). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/health_internal.h"
#include "admin/http_server.h"
#include "log/log_internal.h"

#define HEALTH_MAX_MODULES 4096
#define HEALTH_NAME_MAX 256

typedef struct module {
  char* name;
  gf_module_status status;
} module;

struct gf_health {
  pthread_mutex_t mu;
  module* mods;
  size_t n, cap;
  gf__http_server* http;
  bool (*ready_check)(void* user); /* under mu */
  void* ready_user;
};

static gf_logger* health_log(void) {
  return gf_logger_get("gooddata_flight_server.health_check_http_server");
}

int gf__health_create(gf_health** out) {
  gf_health* h = calloc(1, sizeof *h);
  if (!h) return GF_NO_MEMORY;
  pthread_mutex_init(&h->mu, NULL);
  *out = h;
  GF_LOG(gf_logger_get("gooddata_flight_server.server"), GF_LOG_DEBUG,
         "server_health_monitor_started");
  return GF_OK;
}

void gf__health_free(gf_health* h) {
  if (!h) return;
  gf__health_http_stop(h);
  for (size_t i = 0; i < h->n; i++) free(h->mods[i].name);
  free(h->mods);
  pthread_mutex_destroy(&h->mu);
  free(h);
}

static module* find_locked(gf_health* h, const char* name) {
  for (size_t i = 0; i < h->n; i++)
    if (strcmp(h->mods[i].name, name) == 0) return &h->mods[i];
  return NULL;
}

static int add_locked(gf_health* h, const char* name, gf_module_status st) {
  if (h->n >= HEALTH_MAX_MODULES) return GF_RESOURCE_EXHAUSTED;
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 8;
    module* nm = realloc(h->mods, cap * sizeof *nm);
    if (!nm) return GF_NO_MEMORY;
    h->mods = nm;
    h->cap = cap;
  }
  char* copy = strndup(name, HEALTH_NAME_MAX);
  if (!copy) return GF_NO_MEMORY;
  h->mods[h->n].name = copy;
  h->mods[h->n].status = st;
  h->n++;
  return GF_OK;
}

gf_status gf_health_set_module_status(gf_health* h, const char* name, gf_module_status status) {
  if (!h || !name) return GF_INVALID_ARGUMENT;
  if (status != GF_MODULE_OK && status != GF_MODULE_NOT_OK) return GF_INVALID_ARGUMENT;
  pthread_mutex_lock(&h->mu);
  module* m = find_locked(h, name);
  int rc = GF_OK;
  if (m) m->status = status;
  else rc = add_locked(h, name, status);
  pthread_mutex_unlock(&h->mu);
  return rc;
}

bool gf_health_is_ready(gf_health* h) {
  if (!h) return 0;
  pthread_mutex_lock(&h->mu);
  module* m = find_locked(h, "server");
  int ready = m && m->status == GF_MODULE_OK && (!h->ready_check || h->ready_check(h->ready_user));
  pthread_mutex_unlock(&h->mu);
  return ready;
}

void gf__health_set_ready_check(gf_health* h, bool (*check)(void* user), void* user) {
  if (!h) return;
  pthread_mutex_lock(&h->mu);
  h->ready_check = check;
  h->ready_user = user;
  pthread_mutex_unlock(&h->mu);
}

/* Returns 1 if alive; otherwise copies the first NOT_OK module name. */
static int alive_check(gf_health* h, char* bad, size_t n) {
  int alive = 1;
  pthread_mutex_lock(&h->mu);
  for (size_t i = 0; i < h->n && alive; i++) {
    if (h->mods[i].status != GF_MODULE_NOT_OK) continue;
    alive = 0;
    if (bad) snprintf(bad, n, "%s", h->mods[i].name);
  }
  pthread_mutex_unlock(&h->mu);
  return alive;
}

bool gf_health_is_alive(gf_health* h) { return h ? alive_check(h, NULL, 0) : 0; }

static void on_http(void* ctx, const gf__http_request* req, gf__http_response* resp) {
  gf_health* h = ctx;
  char bad[HEALTH_NAME_MAX + 1];
  if (strcmp(req->method, "GET") != 0) {
    resp->status = 501;
  } else if (strcmp(req->path, "/ready") == 0) {
    resp->status = gf_health_is_ready(h) ? 204 : 500;
    if (resp->status == 500) GF_LOG(health_log(), GF_LOG_WARNING, "flight_server_not_ready");
  } else if (strcmp(req->path, "/live") == 0) {
    resp->status = alive_check(h, bad, sizeof bad) ? 204 : 500;
    if (resp->status == 500)
      GF_LOG(health_log(), GF_LOG_WARNING, "unhealthy_module", GF_STR("module", bad));
  } else {
    resp->status = 404;
  }
}

int gf__health_http_start(gf_health* h, const char* host, int port, gf_error* err) {
  if (!h) return gf_error_set(err, GF_INVALID_ARGUMENT, "health: no monitor");
  if (h->http) return gf_error_set(err, GF_ALREADY_EXISTS, "health: endpoint already running");
  int rc = gf__http_start("health_check", host, port, on_http, h, &h->http, err);
  if (rc) return rc;
  GF_LOG(health_log(), GF_LOG_INFO, "health_check_started", GF_STR("host", host),
         GF_INT("port", gf__http_port(h->http)));
  return GF_OK;
}

void gf__health_http_stop(gf_health* h) {
  if (!h || !h->http) return;
  gf__http_stop(h->http);
  h->http = NULL;
}

int gf__health_http_port(const gf_health* h) { return h && h->http ? gf__http_port(h->http) : -1; }
