/* C client without a Flight server: URI and option validation, connection
 * failures map to UNAVAILABLE, deadlines bound every blocking call (a peer
 * that accepts TCP but never speaks HTTP/2), the gf_rpc_status object. */
#include <pthread.h>

#include "client/client_harness.h"
#include "test.h"


static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(bad_uris_are_rejected) {
  gf_client* c = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_create("http://127.0.0.1:1", NULL, &c, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "http://127.0.0.1:1") != NULL);
  CHECK(c == NULL);
  CHECK_EQ_INT(gf_client_create("grpc://", NULL, &c, &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_client_create(NULL, NULL, &c, &err), GF_INVALID_ARGUMENT);
  gf_client_options o = {0};
  o.struct_size = sizeof(o);
  o.tls_cert_chain = "-----BEGIN CERTIFICATE-----\n";
  CHECK_EQ_INT(gf_client_create("grpc+tls://127.0.0.1:1", &o, &c, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "private key") != NULL);
  gf_header h = {"", "x", 1};
  gf_client_options o2 = {0};
  o2.headers = &h;
  o2.n_headers = 1;
  CHECK_EQ_INT(gf_client_create("grpc://127.0.0.1:1", &o2, &c, &err), GF_INVALID_ARGUMENT);
}

TEST(closed_port_is_unavailable) {
  int port = test_free_port();
  char uri[64];
  snprintf(uri, sizeof(uri), "grpc://127.0.0.1:%d", port);
  gf_client* c = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf_client_create(uri, NULL, &c, &err), GF_OK);
  gf_rpc_status* st = gf_rpc_status_create();
  gf_call_options o = {sizeof(o), NULL, 0, 5000, st};
  gf_client_action_types t;
  double t0 = now_s();
  int rc = gf_client_list_actions(c, &o, &t, &err);
  double dt = now_s() - t0;
  CHECK_EQ_INT(rc, GF_UNAVAILABLE);
  CHECK(dt < 4.0);
  CHECK_EQ_INT(gf_rpc_status_code(st), GF_UNAVAILABLE);
  CHECK_EQ_INT(gf_rpc_status_grpc_code(st), 14);
  CHECK_EQ_INT(gf_rpc_status_arrow_code(st), -1);
  CHECK_EQ_INT(gf_rpc_status_extra_info(st).len, 0);
  CHECK(strlen(gf_rpc_status_message(st)) > 0);
  gf_rpc_status_free(st);
  /* the streaming entry points fail the same way */
  gf_flight_reader* r = NULL;
  rc = gf_client_do_get(c, NULL, "x", 1, &r, &err);
  if (rc == GF_OK) {
    struct ArrowSchema s;
    rc = gf_flight_reader_schema(r, &s, &err);
    gf_flight_reader_free(r);
  }
  CHECK_EQ_INT(rc, GF_UNAVAILABLE);
  gf_client_free(c);
}

/* A TCP peer that accepts connections and never answers. */
typedef struct mute_peer {
  int ls;
  int fds[8];
  int n;
} mute_peer;

static void* mute_accept(void* p) {
  mute_peer* m = p;
  while (m->n < 8) {
    int fd = accept(m->ls, NULL, NULL);
    if (fd < 0) break;
    m->fds[m->n++] = fd;
  }
  return NULL;
}

TEST(deadline_bounds_a_silent_peer) {
  mute_peer m = {socket(AF_INET, SOCK_STREAM, 0), {0}, 0};
  CHECK(m.ls >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof(a);
  CHECK(bind(m.ls, (struct sockaddr*)&a, sizeof(a)) == 0 && listen(m.ls, 8) == 0);
  CHECK(getsockname(m.ls, (struct sockaddr*)&a, &l) == 0);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, mute_accept, &m) == 0);
  char uri[64];
  snprintf(uri, sizeof(uri), "grpc://127.0.0.1:%d", ntohs(a.sin_port));
  gf_client* c = NULL;
  gf_error err = {0};
  gf_client_options co = {0};
  co.default_deadline_ms = 400;
  CHECK_EQ_INT(gf_client_create(uri, &co, &c, &err), GF_OK);
  double t0 = now_s();
  gf_client_bytes_list res;
  int rc = gf_client_do_action(c, NULL, "x", NULL, 0, &res, &err);
  double dt = now_s() - t0;
  CHECK_MSG(rc == GF_TIMED_OUT || rc == GF_UNAVAILABLE, "rc=%d %s", rc, err.message);
  CHECK_MSG(dt < 5.0, "took %.2f s", dt);
  /* per-call deadline overrides the default */
  gf_call_options o = {sizeof(o), NULL, 0, 200, NULL};
  t0 = now_s();
  rc = gf_client_do_action(c, &o, "x", NULL, 0, &res, &err);
  dt = now_s() - t0;
  CHECK_MSG(rc == GF_TIMED_OUT || rc == GF_UNAVAILABLE, "rc=%d %s", rc, err.message);
  CHECK_MSG(dt < 5.0, "took %.2f s", dt);
  gf_client_free(c);
  shutdown(m.ls, SHUT_RDWR);
  close(m.ls);
  pthread_join(th, NULL);
  for (int i = 0; i < m.n; i++) close(m.fds[i]);
}

TEST(empty_containers_clear_safely) {
  gf_client_bytes_list b = {0};
  gf_client_bytes_list_clear(&b);
  gf_client_action_types t = {0};
  gf_client_action_types_clear(&t);
  gf_client_flight_list f = {0};
  gf_client_flight_list_clear(&f);
  gf_client_poll_info p = {0};
  gf_client_poll_info_clear(&p);
  gf_rpc_status_free(NULL);
  gf_client_free(NULL);
  gf_flight_reader_free(NULL);
  gf_put_stream_free(NULL);
  gf_exchange_free(NULL);
  CHECK(1);
}

int main(void) {
  test_watchdog(60);
  RUN(bad_uris_are_rejected);
  RUN(closed_port_is_unavailable);
  RUN(deadline_bounds_a_silent_peer);
  RUN(empty_containers_clear_safely);
  TEST_MAIN_END();
}
