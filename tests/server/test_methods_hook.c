/* The methods table across ABI growth and its `authenticate` hook, through
 * the embedded server and the C client over a socket: a table sized like the
 * first release (struct_size = GF_METHODS_V1_SIZE) still loads and serves;
 * an oversized one is refused naming both sizes; the hook runs before every
 * method except Handshake (also before UNIMPLEMENTED ones), its error reaches
 * the client with code and message and no callback runs, and the identity it
 * sets is what gf_call_identity returns in the callback; gf_server_options
 * sizes outside first-release..current are refused. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gooddata_flight_server/client.h"
#include "gooddata_flight_server/server.h"
#include "test.h"

static atomic_int hook_runs, action_runs;
static uint32_t table_size;
static int with_hook;

static int hook(void* state, gf_call* call) {
  (void)state;
  atomic_fetch_add(&hook_runs, 1);
  gf_bytes v;
  if (!gf_call_header(call, "x-user", &v))
    return gf_call_error(call, GF_UNAUTHENTICATED, "who are you, %s?", gf_call_method(call));
  char name[64];
  snprintf(name, sizeof(name), "user:%.*s", (int)(v.len > 40 ? 40 : v.len), (const char*)v.data);
  return gf_call_set_identity(call, name);
}

static int do_action(void* s, gf_call* c, const gf_action* a, gf_result_list* o) {
  (void)s, (void)a;
  atomic_fetch_add(&action_runs, 1);
  const char* id = gf_call_identity(c);
  return gf_result_list_add(o, id ? id : "-", strlen(id ? id : "-"));
}

static int handshake(void* s, gf_call* c, gf_handshake* h) {
  (void)s, (void)c;
  gf_bytes p;
  gf_error err;
  while (gf_handshake_recv(h, NULL, &p, &err) == GF_OK) {
    if (gf_handshake_send(h, 0, p.data, p.len, &err)) return err.code;
  }
  return GF_OK;
}

static int factory(gf_server_context* ctx, gf_methods* m, gf_error* err) {
  (void)ctx, (void)err;
  m->struct_size = table_size;
  m->abi_version = GF_PLUGIN_ABI_VERSION;
  m->do_action = do_action;
  m->handshake = handshake;
  if (with_hook) m->authenticate = hook;
  return GF_OK;
}

typedef struct env {
  gf_server* srv;
  gf_client* client;
  char path[64];
} env;

static int start(env* e, gf_error* err) {
  memset(e, 0, sizeof(*e));
  snprintf(e->path, sizeof(e->path), "/tmp/gf-methods-hook-XXXXXX");
  int fd = mkstemp(e->path);
  if (fd < 0) return GF_IO_ERROR;
  FILE* f = fdopen(fd, "w");
  fprintf(f, "[server]\nlisten_host = \"127.0.0.1\"\nlisten_port = 0\nrpc_threads = 2\n");
  fclose(f);
  const char* files[] = {e->path};
  char* envp[] = {NULL};
  gf_server_options o = {sizeof(o), files, 1, NULL, 0, envp};
  int rc = gf_server_create(&o, factory, &e->srv, err);
  if (!rc) rc = gf_server_start(e->srv, err);
  if (rc) return rc;
  char uri[64];
  snprintf(uri, sizeof(uri), "grpc://127.0.0.1:%d", gf_server_port(e->srv));
  gf_client_options co = {sizeof(co)};
  co.default_deadline_ms = 5000;
  return gf_client_create(uri, &co, &e->client, err);
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

TEST(first_release_sized_table_still_loads) {
  table_size = (uint32_t)GF_METHODS_V1_SIZE;
  with_hook = 0;
  env e;
  gf_error err = {0};
  CHECK_EQ_INT(start(&e, &err), GF_OK);
  gf_client_bytes_list r;
  CHECK_EQ_INT(gf_client_do_action(e.client, NULL, "x", NULL, 0, &r, &err), GF_OK);
  CHECK(r.n == 1 && r.items[0].len == 1 && r.items[0].data[0] == '-');
  gf_client_bytes_list_clear(&r);
  stop(&e);
}

TEST(oversized_table_is_refused) {
  table_size = (uint32_t)sizeof(gf_methods) + 8;
  with_hook = 0;
  env e;
  gf_error err = {0};
  CHECK(start(&e, &err) != GF_OK);
  CHECK(strstr(err.message, "struct_size") != NULL);
  stop(&e);
}

/* gf_server_options.struct_size: 0 and larger-than-known are refused with
 * both bounds named; nothing is created. */
TEST(server_options_size_is_checked) {
  char* envp[] = {NULL};
  gf_server* srv = NULL;
  gf_error err = {0};
  gf_server_options o = {0};
  o.envp = envp;
  CHECK_EQ_INT(gf_server_create(&o, factory, &srv, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "gf_server_options.struct_size is 0") != NULL);
  CHECK(srv == NULL);
  o.struct_size = sizeof(o) + 16;
  CHECK_EQ_INT(gf_server_create(&o, factory, &srv, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "sizeof(gf_server_options)") != NULL);
  CHECK(srv == NULL);
  o.struct_size = (uint32_t)GF_SERVER_OPTIONS_V1_SIZE;
  CHECK_EQ_INT(gf_server_create(&o, factory, &srv, &err), GF_OK);
  gf_server_free(srv);
}

TEST(hook_guards_every_method_but_handshake) {
  table_size = sizeof(gf_methods);
  with_hook = 1;
  atomic_store(&hook_runs, 0);
  atomic_store(&action_runs, 0);
  env e;
  gf_error err = {0};
  CHECK_EQ_INT(start(&e, &err), GF_OK);
  gf_client_bytes_list r;
  gf_rpc_status* st = gf_rpc_status_create();
  gf_call_options o = {sizeof(o), NULL, 0, 0, st};
  CHECK_EQ_INT(gf_client_do_action(e.client, &o, "x", NULL, 0, &r, &err), GF_UNAUTHENTICATED);
  CHECK_EQ_INT(gf_rpc_status_grpc_code(st), 16);
  CHECK(strstr(err.message, "who are you, DoAction?") != NULL);
  CHECK_EQ_INT(atomic_load(&action_runs), 0);
  /* a NULL callback: the hook still decides first */
  gf_client_action_types t;
  CHECK_EQ_INT(gf_client_list_actions(e.client, NULL, &t, &err), GF_UNAUTHENTICATED);
  gf_header h = {"x-user", "ann", 3};
  gf_call_options ok = {sizeof(ok), &h, 1, 0, NULL};
  CHECK_EQ_INT(gf_client_list_actions(e.client, &ok, &t, &err), GF_UNIMPLEMENTED);
  CHECK_EQ_INT(gf_client_do_action(e.client, &ok, "x", NULL, 0, &r, &err), GF_OK);
  CHECK(r.n == 1 && r.items[0].len == 8 && memcmp(r.items[0].data, "user:ann", 8) == 0);
  gf_client_bytes_list_clear(&r);
  int before = atomic_load(&hook_runs);
  gf_bytes p = {(const uint8_t*)"hi", 2};
  CHECK_EQ_INT(gf_client_handshake(e.client, NULL, &p, 1, &r, &err), GF_OK);
  CHECK_EQ_INT(atomic_load(&hook_runs), before);
  gf_client_bytes_list_clear(&r);
  gf_rpc_status_free(st);
  stop(&e);
}

int main(void) {
  RUN(first_release_sized_table_still_loads);
  RUN(oversized_table_is_refused);
  RUN(server_options_size_is_checked);
  RUN(hook_guards_every_method_but_handshake);
  TEST_MAIN_END();
}
