/* End-to-end auth through the embedded server (gf_server_create/start on an
 * ephemeral loopback port) and the C client over a real socket: every
 * method without a token / with a wrong token / with a duplicated
 * authorization header fails with UNAUTHENTICATED and the seed's exact
 * message before any methods callback runs (counted here); a valid token
 * reaches the callbacks; the sample strategy library's identity and data
 * reach the plugin and its GF_UNAUTHORIZED becomes PERMISSION_DENIED. */
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gooddata_flight_server/client.h"
#include "gooddata_flight_server/server.h"
#include "test.h"

#define N_METHODS 10
static atomic_int counts[N_METHODS];

static int total_calls(void) {
  int n = 0;
  for (int i = 0; i < N_METHODS; i++) n += atomic_load(&counts[i]);
  return n;
}

static int m_handshake(void* s, gf_call* c, gf_handshake* h) {
  (void)s, (void)c, (void)h;
  atomic_fetch_add(&counts[0], 1);
  return GF_OK;
}
static int m_list_flights(void* s, gf_call* c, gf_bytes cr, gf_flight_list* o) {
  (void)s, (void)c, (void)cr, (void)o;
  atomic_fetch_add(&counts[1], 1);
  return GF_OK;
}
static int m_get_flight_info(void* s, gf_call* c, const gf_descriptor* d, gf_flight_info* o) {
  (void)s, (void)d, (void)o;
  atomic_fetch_add(&counts[2], 1);
  return gf_call_error(c, GF_NOT_FOUND, "nothing here");
}
static int m_poll(void* s, gf_call* c, const gf_descriptor* d, gf_poll_info* o) {
  (void)s, (void)d, (void)o;
  atomic_fetch_add(&counts[3], 1);
  return gf_call_error(c, GF_NOT_FOUND, "nothing here");
}
static int m_get_schema(void* s, gf_call* c, const gf_descriptor* d, struct ArrowSchema* o) {
  (void)s, (void)d, (void)o;
  atomic_fetch_add(&counts[4], 1);
  return gf_call_error(c, GF_NOT_FOUND, "nothing here");
}
static int m_do_get(void* s, gf_call* c, gf_bytes t, gf_data_source* o) {
  (void)s, (void)t, (void)o;
  atomic_fetch_add(&counts[5], 1);
  return gf_call_error(c, GF_NOT_FOUND, "nothing here");
}
static int m_do_put(void* s, gf_call* c, const gf_descriptor* d, gf_data_reader* in,
                    gf_put_writer* o) {
  (void)s, (void)d, (void)in, (void)o;
  atomic_fetch_add(&counts[6], 1);
  return gf_call_error(c, GF_NOT_FOUND, "nothing here");
}
static int m_do_exchange(void* s, gf_call* c, const gf_descriptor* d, gf_data_reader* in,
                         gf_data_writer* o) {
  (void)s, (void)d, (void)in, (void)o;
  atomic_fetch_add(&counts[7], 1);
  return gf_call_error(c, GF_NOT_FOUND, "nothing here");
}
static int m_do_action(void* s, gf_call* c, const gf_action* a, gf_result_list* o) {
  (void)s, (void)a;
  atomic_fetch_add(&counts[8], 1);
  const char* id = gf_call_identity(c);
  const char* data = gf_call_auth_data(c);
  char buf[256];
  snprintf(buf, sizeof(buf), "%s|%s", id ? id : "(null)", data ? data : "(null)");
  return gf_result_list_add(o, buf, strlen(buf));
}
static int m_list_actions(void* s, gf_call* c, gf_action_type_list* o) {
  (void)s, (void)c, (void)o;
  atomic_fetch_add(&counts[9], 1);
  return GF_OK;
}

static int factory(gf_server_context* ctx, gf_methods* m, gf_error* err) {
  (void)ctx, (void)err;
  m->struct_size = sizeof(*m);
  m->abi_version = GF_PLUGIN_ABI_VERSION;
  m->handshake = m_handshake;
  m->list_flights = m_list_flights;
  m->get_flight_info = m_get_flight_info;
  m->poll_flight_info = m_poll;
  m->get_schema = m_get_schema;
  m->do_get = m_do_get;
  m->do_put = m_do_put;
  m->do_exchange = m_do_exchange;
  m->do_action = m_do_action;
  m->list_actions = m_list_actions;
  return GF_OK;
}

/* ---- server + client set-up ------------------------------------------------ */

typedef struct env {
  gf_server* srv;
  gf_client* client;
  char path[64];
} env;

static int start(env* e, const char* extra_server_lines) {
  memset(e, 0, sizeof(*e));
  snprintf(e->path, sizeof(e->path), "/tmp/gf-auth-e2e-XXXXXX");
  int fd = mkstemp(e->path);
  if (fd < 0) return 0;
  FILE* f = fdopen(fd, "w");
  fprintf(f,
          "[server]\nlisten_host = \"127.0.0.1\"\nlisten_port = 0\nadvertise_host = \"127.0.0.1\"\n"
          "authentication_method = \"token\"\nrpc_threads = 2\n%s\n"
          "[enumerated_tokens]\ntokens = [\"good-token\", \"second\"]\n",
          extra_server_lines);
  fclose(f);
  const char* files[] = {e->path};
  char* envp[] = {NULL};
  gf_server_options o = {sizeof(o), files, 1, NULL, 0, envp};
  gf_error err = {0};
  if (gf_server_create(&o, factory, &e->srv, &err) != GF_OK ||
      gf_server_start(e->srv, &err) != GF_OK) {
    fprintf(stderr, "  server start failed: %s\n", err.message);
    return 0;
  }
  char uri[64];
  snprintf(uri, sizeof(uri), "grpc://127.0.0.1:%d", gf_server_port(e->srv));
  gf_client_options co = {sizeof(co)};
  co.default_deadline_ms = 5000;
  if (gf_client_create(uri, &co, &e->client, &err) != GF_OK) {
    fprintf(stderr, "  client connect failed: %s\n", err.message);
    return 0;
  }
  for (int i = 0; i < N_METHODS; i++) atomic_store(&counts[i], 0);
  return 1;
}

static void stop(env* e) {
  if (e->client) gf_client_free(e->client);
  if (e->srv) {
    gf_server_stop(e->srv);
    gf_server_wait_for_stop(e->srv, 20000);
    gf_server_free(e->srv);
  }
  unlink(e->path);
}

static void no_release(struct ArrowSchema* s) { s->release = NULL; }

/* {n: int64}, static storage (release only marks it released). */
static void make_schema(struct ArrowSchema* out, struct ArrowSchema* child,
                        struct ArrowSchema** children) {
  *child = (struct ArrowSchema){.format = "l", .name = "n", .release = no_release};
  children[0] = child;
  *out = (struct ArrowSchema){.format = "+s", .name = "", .n_children = 1, .children = children,
                              .release = no_release};
}

/* Runs method i; returns its gf_status and fills st. */
static int call_method(gf_client* c, int i, const gf_header* h, size_t nh, gf_rpc_status* st,
                       gf_error* err) {
  gf_call_options o = {sizeof(o), h, nh, 5000, st};
  const char* path[] = {"x"};
  gf_descriptor d = {GF_DESCRIPTOR_PATH, {NULL, 0}, 1, path};
  int rc = GF_OK;
  switch (i) {
    case 0: {
      gf_client_bytes_list r = {0};
      gf_bytes p = {(const uint8_t*)"hi", 2};
      rc = gf_client_handshake(c, &o, &p, 1, &r, err);
      gf_client_bytes_list_clear(&r);
      break;
    }
    case 1: {
      gf_client_flight_list l = {0};
      rc = gf_client_list_flights(c, &o, NULL, 0, &l, err);
      gf_client_flight_list_clear(&l);
      break;
    }
    case 2: {
      gf_flight_info* info = NULL;
      rc = gf_client_get_flight_info(c, &o, &d, &info, err);
      gf_flight_info_free(info);
      break;
    }
    case 3: {
      gf_client_poll_info p = {0};
      rc = gf_client_poll_flight_info(c, &o, &d, &p, err);
      gf_client_poll_info_clear(&p);
      break;
    }
    case 4: {
      struct ArrowSchema s = {0};
      rc = gf_client_get_schema(c, &o, &d, &s, err);
      if (s.release) s.release(&s);
      break;
    }
    case 5: {
      gf_flight_reader* r = NULL;
      rc = gf_client_do_get(c, &o, "t", 1, &r, err);
      if (rc == GF_OK) {
        struct ArrowSchema s = {0};
        rc = gf_flight_reader_schema(r, &s, err);
        if (s.release) s.release(&s);
      }
      gf_flight_reader_free(r);
      break;
    }
    case 6: {
      gf_put_stream* p = NULL;
      struct ArrowSchema schema, child, *children[1];
      make_schema(&schema, &child, children);
      rc = gf_client_do_put(c, &o, &d, &schema, &p, err);
      if (rc == GF_OK) rc = gf_put_stream_finish(p, err);
      gf_put_stream_free(p);
      break;
    }
    case 7: {
      gf_exchange* x = NULL;
      rc = gf_client_do_exchange(c, &o, &d, &x, err);
      if (rc == GF_OK) rc = gf_exchange_finish(x, err);
      gf_exchange_free(x);
      break;
    }
    case 8: {
      gf_client_bytes_list r = {0};
      rc = gf_client_do_action(c, &o, "noop", NULL, 0, &r, err);
      gf_client_bytes_list_clear(&r);
      break;
    }
    default: {
      gf_client_action_types t = {0};
      rc = gf_client_list_actions(c, &o, &t, err);
      gf_client_action_types_clear(&t);
      break;
    }
  }
  return rc;
}

/* Every method with headers h fails with gRPC `grpc_code` and message msg. */
static int all_rejected(gf_client* c, const gf_header* h, size_t nh, int grpc_code,
                        const char* msg) {
  for (int i = 0; i < N_METHODS; i++) {
    gf_rpc_status* st = gf_rpc_status_create();
    gf_error err = {0};
    int rc = call_method(c, i, h, nh, st, &err);
    int code = gf_rpc_status_grpc_code(st);
    int ok = rc != GF_OK && code == grpc_code && strcmp(err.message, msg) == 0;
    if (!ok)
      fprintf(stderr, "  method %d: rc %d grpc %d message \"%s\" (want %d \"%s\")\n", i, rc, code,
              err.message, grpc_code, msg);
    gf_rpc_status_free(st);
    if (!ok) return 0;
  }
  return 1;
}

#define UNAUTHENTICATED 16
#define PERMISSION_DENIED 7
#define H(k, v) ((gf_header){k, v, sizeof(v) - 1})

TEST(rejections_before_plugin) {
  env e;
  int up = start(&e, "");
  int ok = up;
  ok = ok && all_rejected(e.client, NULL, 0, UNAUTHENTICATED,
                          "Authentication failed because the authentication header bearing the "
                          "token was not included on the call.");
  gf_header wrong[] = {H("authorization", "Bearer good-tokenX")};
  ok = ok && all_rejected(e.client, wrong, 1, UNAUTHENTICATED, "Authentication token is not valid.");
  gf_header basic[] = {H("authorization", "Basic good-token")};
  ok = ok && all_rejected(e.client, basic, 1, UNAUTHENTICATED,
                          "Authentication failed because the 'Authorization' header does not "
                          "start with 'Bearer '");
  gf_header dup[] = {H("authorization", "Bearer good-token"), H("authorization", "Bearer good-token")};
  ok = ok && all_rejected(e.client, dup, 2, UNAUTHENTICATED,
                          "Authentication failed because the authentication header "
                          "'Authorization' is specified multiple times.");
  int reached = total_calls();
  gf_header good[] = {H("authorization", "Bearer  second ")};
  gf_error err = {0};
  int rc_good = up ? call_method(e.client, 9, good, 1, NULL, &err) : -1;
  int after_good = atomic_load(&counts[9]);
  stop(&e);
  CHECK(up);
  CHECK(ok);
  CHECK_EQ_INT(reached, 0);
  CHECK_EQ_INT(rc_good, GF_OK);
  CHECK_EQ_INT(after_good, 1);
}

TEST(custom_header) {
  env e;
  int up = start(&e, "token_header_name = \"X-Api-Token\"");
  int ok = up;
  gf_header bearer[] = {H("authorization", "Bearer good-token")};
  ok = ok && all_rejected(e.client, bearer, 1, UNAUTHENTICATED,
                          "Authentication failed because the authentication header bearing the "
                          "token was not included on the call.");
  gf_header dup[] = {H("x-api-token", "good-token"), H("x-api-token", "good-token")};
  ok = ok && all_rejected(e.client, dup, 2, UNAUTHENTICATED,
                          "Authentication failed because the authentication header 'X-Api-Token' "
                          "is specified multiple times.");
  int reached = total_calls();
  gf_header good[] = {H("x-api-token", "  good-token ")};
  gf_error err = {0};
  int rc_good = up ? call_method(e.client, 1, good, 1, NULL, &err) : -1;
  stop(&e);
  CHECK(up);
  CHECK(ok);
  CHECK_EQ_INT(reached, 0);
  CHECK_EQ_INT(rc_good, GF_OK);
}

static int sample_library(char* out, size_t cap) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return 0;
  exe[n] = '\0';
  for (int i = 0; i < 3; i++) {
    char* s = strrchr(exe, '/');
    if (s == NULL) return 0;
    *s = '\0';
  }
  snprintf(out, cap, "%s/examples/libauth_strategy.so", exe);
  return access(out, R_OK) == 0;
}

TEST(strategy_identity_and_permission_denied) {
  char lib[PATH_MAX + 64], line[PATH_MAX + 128];
  if (!sample_library(lib, sizeof(lib))) {
    fprintf(stderr, "  note: %s not built; skipped\n", lib);
    return;
  }
  snprintf(line, sizeof(line), "token_verification = \"%s\"", lib);
  env e;
  int up = start(&e, line);
  int ok = up;
  gf_header deny[] = {H("authorization", "Bearer deny_me")};
  ok = ok && all_rejected(e.client, deny, 1, PERMISSION_DENIED,
                          "This token is not allowed to use the service.");
  int reached = total_calls();
  gf_header good[] = {H("authorization", "Bearer test_token:carol")};
  gf_call_options o = {sizeof(o), good, 1, 5000, NULL};
  gf_client_bytes_list r = {0};
  gf_error err = {0};
  int rc = up ? gf_client_do_action(e.client, &o, "whoami", NULL, 0, &r, &err) : -1;
  char got[256] = "";
  if (rc == GF_OK && r.n == 1 && r.items[0].len < sizeof(got))
    memcpy(got, r.items[0].data, r.items[0].len);
  gf_client_bytes_list_clear(&r);
  stop(&e);
  CHECK(up);
  CHECK(ok);
  CHECK_EQ_INT(reached, 0);
  CHECK_EQ_INT(rc, GF_OK);
  CHECK_EQ_STR(got, ":carol|:carol");
}

int main(void) {
  RUN(rejections_before_plugin);
  RUN(custom_header);
  RUN(strategy_identity_and_permission_denied);
  TEST_MAIN_END();
}
