/* The server's authenticator: chooses the strategy from the config at
 * start-up (main thread) and verifies every call before any plugin callback
 * (worker threads, concurrently; read-only state). Logs failures on
 * gooddata_flight_server.auth without ever logging the token. */
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/log.h"
#include "auth/auth.h"
#include "auth/auth_strategy.h"

#define ENUMERATED_NAME "EnumeratedTokenVerification"

struct gf__auth {
  gf__auth_method method;
  char* header_name;          /* NULL = authorization: Bearer */
  gf__loaded_strategy strategy;
  void* state;
  gf_logger* log;
};

static char* dup_or_null(const char* s) {
  if (s == NULL) return NULL;
  size_t n = strlen(s) + 1;
  char* d = malloc(n);
  if (d != NULL) memcpy(d, s, n);
  return d;
}

static int create_strategy(gf__auth* a, const gf__server_config* cfg, gf_server_context* ctx,
                           gf_error* err) {
  const char* spec = cfg->token_verification;
  if (spec == NULL || strcmp(spec, ENUMERATED_NAME) == 0) {
    a->strategy.table = gf__enumerated_strategy;
    return gf__enumerated_create(cfg->enumerated_tokens, cfg->n_enumerated_tokens, &a->state,
                                 err);
  }
  GF_LOG(a->log, GF_LOG_INFO, "load_token_verification", GF_STR("library", spec));
  int rc = gf__auth_strategy_load(spec, &a->strategy, err);
  if (rc != GF_OK) return rc;
  GF_LOG(a->log, GF_LOG_INFO, "auth_token_strategy_init", GF_STR("library", spec));
  rc = a->strategy.table.create(ctx, &a->state, err);
  if (rc != GF_OK) {
    if (err) err->code = rc;
    gf_error_prefix(err, "token_verification: strategy '%s' failed to initialise", spec);
    gf__auth_strategy_unload(&a->strategy);
    return rc;
  }
  return GF_OK;
}

int gf__auth_create(const gf__server_config* cfg, gf_server_context* ctx, gf__auth** out,
                    gf_error* err) {
  *out = NULL;
  gf__auth* a = calloc(1, sizeof(*a));
  if (a == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory creating authenticator");
  a->log = gf_logger_get("gooddata_flight_server.auth");
  a->method = cfg->authentication_method;
  if (a->method == GF__AUTH_TOKEN) {
    int rc = GF_OK;
    if (cfg->token_header_name != NULL) {
      a->header_name = dup_or_null(cfg->token_header_name);
      if (a->header_name == NULL) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
    }
    if (rc == GF_OK) rc = create_strategy(a, cfg, ctx, err);
    if (rc != GF_OK) {
      GF_LOG(a->log, GF_LOG_CRITICAL, "auth_token_init_failed",
             GF_STR("reason", err ? err->message : gf_status_name(rc)));
      free(a->header_name);
      free(a);
      return rc;
    }
  }
  *out = a;
  return GF_OK;
}

int gf__auth_enabled(const gf__auth* a) { return a != NULL && a->method == GF__AUTH_TOKEN; }

static void log_failure(gf__auth* a, int rc, const char* method, const char* peer,
                        const char* reason) {
  const char* event = rc == GF_UNAUTHORIZED ? "authorization_failed" : "authentication_failed";
  GF_LOG(a->log, GF_LOG_INFO, event, GF_STR("reason", reason),
         GF_STR("method", method ? method : ""), GF_STR("peer", peer ? peer : ""));
}

static int run_strategy(gf__auth* a, const gf_call* call, gf_bytes token, char** identity,
                        void** data, gf_error* err) {
  if (token.len > GF__AUTH_MAX_TOKEN)
    return gf_error_set(err, GF_UNAUTHENTICATED, "Authentication token is not valid.");
  char* t = malloc(token.len + 1);
  if (t == NULL) return gf_error_set(err, GF_NO_MEMORY, "out of memory verifying the token");
  memcpy(t, token.data, token.len);
  t[token.len] = '\0';
  gf_error e = {0};
  int rc = a->strategy.table.verify(a->state, call, t, token.len, identity, data, &e);
  free(t);
  if (rc != GF_OK) {
    if (e.message[0] == '\0')
      gf_error_set(&e, rc, rc == GF_UNAUTHORIZED ? "Not authorized." : "Authentication failed.");
    if (err) {
      *err = e;
      err->code = rc;
    }
  }
  return rc;
}

int gf__auth_verify_headers(gf__auth* a, const gf_call* call, const gf__auth_headers* headers,
                            const char* method, const char* peer, char** identity, void** data,
                            gf_error* err) {
  *identity = NULL;
  *data = NULL;
  if (!gf__auth_enabled(a)) return GF_OK;
  gf_error local = {0};
  gf_error* e = err ? err : &local;
  gf_bytes token;
  int rc = gf__auth_extract_token(a->header_name, headers, &token, e);
  if (rc == GF_OK) rc = run_strategy(a, call, token, identity, data, e);
  if (rc == GF_OK) return GF_OK;
  if (rc == GF_UNAUTHENTICATED || rc == GF_UNAUTHORIZED) log_failure(a, rc, method, peer, e->message);
  gf__auth_release_data(a, *data);
  free(*identity);
  *identity = NULL;
  *data = NULL;
  return rc;
}

static int call_header_at(const void* src, size_t i, const char** key, gf_bytes* value) {
  return gf_call_header_at((const gf_call*)src, i, key, value);
}

int gf__auth_verify(gf__auth* a, const gf_call* call, char** identity, void** data, gf_error* err) {
  if (!gf__auth_enabled(a)) {
    *identity = NULL;
    *data = NULL;
    return GF_OK;
  }
  gf__auth_headers h = {call, gf_call_header_count(call), call_header_at};
  return gf__auth_verify_headers(a, call, &h, gf_call_method(call), gf_call_peer(call), identity,
                                 data, err);
}

void gf__auth_release_data(gf__auth* a, void* data) {
  if (a != NULL && data != NULL && a->strategy.table.release_data != NULL)
    a->strategy.table.release_data(a->state, data);
}

void gf__auth_free(gf__auth* a) {
  if (a == NULL) return;
  if (a->method == GF__AUTH_TOKEN && a->strategy.table.release != NULL)
    a->strategy.table.release(a->state);
  gf__auth_strategy_unload(&a->strategy);
  free(a->header_name);
  free(a);
}
