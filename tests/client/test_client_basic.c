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

/* Listens on a loopback port and accepts on a thread; returns the port. */
static int mute_start(mute_peer* m, pthread_t* th) {
  m->ls = socket(AF_INET, SOCK_STREAM, 0);
  m->n = 0;
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof(a);
  if (m->ls < 0 || bind(m->ls, (struct sockaddr*)&a, sizeof(a)) || listen(m->ls, 8) ||
      getsockname(m->ls, (struct sockaddr*)&a, &l) || pthread_create(th, NULL, mute_accept, m))
    return -1;
  return ntohs(a.sin_port);
}

static void mute_stop(mute_peer* m, pthread_t th) {
  shutdown(m->ls, SHUT_RDWR);
  close(m->ls);
  pthread_join(th, NULL);
  for (int i = 0; i < m->n; i++) close(m->fds[i]);
}

TEST(deadline_bounds_a_silent_peer) {
  mute_peer m;
  pthread_t th;
  int port = mute_start(&m, &th);
  CHECK(port > 0);
  char uri[64];
  snprintf(uri, sizeof(uri), "grpc://127.0.0.1:%d", port);
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
  mute_stop(&m, th);
}

typedef struct timed_call {
  gf_client* c;
  int64_t deadline_ms;
  int rc;
  double dt;
} timed_call;

static void* timed_action(void* p) {
  timed_call* t = p;
  gf_call_options o = {sizeof(o), NULL, 0, t->deadline_ms, NULL};
  gf_client_bytes_list res;
  gf_error err = {0};
  double t0 = now_s();
  t->rc = gf_client_do_action(t->c, &o, "x", NULL, 0, &res, &err);
  t->dt = now_s() - t0;
  return NULL;
}

/* A TLS peer that never answers the handshake: a call that waits for
 * another call's connection attempt still ends at its own deadline. */
TEST(a_stalled_connect_keeps_every_deadline) {
  mute_peer m;
  pthread_t th, ta, tb;
  int port = mute_start(&m, &th);
  CHECK(port > 0);
  char uri[64];
  snprintf(uri, sizeof(uri), "grpc+tls://127.0.0.1:%d", port);
  gf_client* c = NULL;
  CHECK_EQ_INT(gf_client_create(uri, NULL, &c, NULL), GF_OK);
  timed_call a = {c, 2500, 0, 0}, b = {c, 300, 0, 0};
  CHECK(pthread_create(&ta, NULL, timed_action, &a) == 0);
  usleep(100 * 1000);
  CHECK(pthread_create(&tb, NULL, timed_action, &b) == 0);
  pthread_join(tb, NULL);
  pthread_join(ta, NULL);
  CHECK_EQ_INT(b.rc, GF_TIMED_OUT);
  CHECK_MSG(b.dt < 1.2, "the short call took %.2f s", b.dt);
  CHECK_EQ_INT(a.rc, GF_TIMED_OUT);
  CHECK_MSG(a.dt > 2.0 && a.dt < 4.5, "the long call took %.2f s", a.dt);
  gf_client_free(c);
  mute_stop(&m, th);
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
  RUN(a_stalled_connect_keeps_every_deadline);
  RUN(empty_containers_clear_safely);
  TEST_MAIN_END();
}
