/* C client over TLS and mTLS against the real server (store example). A
 * throw-away CA, server certificate (SAN 127.0.0.1, localhost) and client
 * certificate are made with the openssl command line in a temp directory.
 * Checks: TLS with the right CA works (DoPut + DoGet), an unknown CA and a
 * plaintext client fail with UNAVAILABLE, mTLS accepts a CA-signed client
 * certificate and rejects a client without one. Skips when the binaries or
 * openssl are missing. */
#include "client/client_data.h"
#include "client/client_harness.h"
#include "test.h"

static char dir[64];

static int sh(const char* fmt, const char* a) {
  char cmd[2048];
  snprintf(cmd, sizeof(cmd), fmt, a, a, a, a, a, a, a, a);
  return system(cmd);
}

static char* slurp(const char* name) {
  char p[256];
  snprintf(p, sizeof(p), "%s/%s", dir, name);
  FILE* f = fopen(p, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* b = calloc(1, (size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  return b;
}

static int make_certs(void) {
  snprintf(dir, sizeof(dir), "/tmp/gf-tls-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  const char* ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  char fmt[1536];
  snprintf(fmt, sizeof(fmt),
           "cd %%s && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext && "
           "openssl req -x509 %s -keyout ca.key -out ca.pem -days 2 -subj /CN=gf-test-ca && "
           "openssl req -x509 %s -keyout other.key -out other.pem -days 2 -subj /CN=other-ca && "
           "openssl req %s -keyout srv.key -out srv.csr -subj /CN=localhost && "
           "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem "
           "-days 2 -extfile san.ext && "
           "openssl req %s -keyout cli.key -out cli.csr -subj /CN=gf-client && "
           "openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cli.pem -days 2",
           ec, ec, ec, ec);
  char full[2048];
  snprintf(full, sizeof(full), "(%s) > /dev/null 2>&1", fmt);
  return sh(full, dir);
}

static void rm_certs(void) { sh("rm -rf '%s'", dir); }

/* DoPut + GetFlightInfo + DoGet of a small dataset through `c`. */
static int roundtrip(gf_client* c, const char* name) {
  const char* p[1] = {name};
  gf_descriptor d = {GF_DESCRIPTOR_PATH, {NULL, 0}, 1, p};
  struct ArrowSchema s;
  struct ArrowArray a;
  gf_error err = {0};
  gf_put_stream* ps = NULL;
  if (td_schema(&s) || td_batch(&s, 0, 50, &a)) return -1;
  int rc = gf_client_do_put(c, NULL, &d, &s, &ps, &err);
  if (rc == GF_OK) rc = gf_put_stream_write(ps, &a, "0", 1, &err);
  else a.release(&a);
  if (rc == GF_OK) rc = gf_put_stream_finish(ps, &err);
  gf_put_stream_free(ps);
  s.release(&s);
  gf_flight_info* info = NULL;
  if (rc == GF_OK) rc = gf_client_get_flight_info(c, NULL, &d, &info, &err);
  gf_flight_reader* r = NULL;
  if (rc == GF_OK) {
    gf_bytes t = gf_flight_endpoint_ticket(gf_flight_info_endpoint(info, 0));
    rc = gf_client_do_get(c, NULL, t.data, t.len, &r, &err);
  }
  gf_flight_info_free(info);
  int64_t rows = 0;
  while (rc == GF_OK) {
    gf_bytes md;
    rc = gf_flight_reader_next(r, &a, &md, &err);
    if (rc == GF_OK && a.release) {
      if (td_check(&a, rows)) rc = -2;
      rows += a.length;
      a.release(&a);
    }
  }
  gf_flight_reader_free(r);
  if (rc != GF_END_OF_STREAM) {
    fprintf(stderr, "  roundtrip: rc=%d %s\n", rc, err.message);
    return rc ? rc : -1;
  }
  return rows == 50 ? 0 : -3;
}

static int list_with(const char* uri, const gf_client_options* o) {
  gf_client* c = NULL;
  if (gf_client_create(uri, o, &c, NULL)) return -1;
  gf_client_action_types t;
  gf_call_options co = {sizeof(co), NULL, 0, 5000, NULL};
  int rc = gf_client_list_actions(c, &co, &t, NULL);
  if (rc == GF_OK) gf_client_action_types_clear(&t);
  gf_client_free(c);
  return rc;
}

static char *ca, *other, *cli_pem, *cli_key;

TEST(tls_server) {
  char extra[512];
  snprintf(extra, sizeof(extra), "use_tls = true\ntls_certificate = \"@%s/srv.pem\"\n"
           "tls_private_key = \"@%s/srv.key\"\n", dir, dir);
  gf_client_options o = {0};
  o.tls_root_certs = ca;
  test_server srv;
  CHECK_EQ_INT(test_server_start_ex(&srv, "store", extra, 1, &o), 0);
  gf_client* c = NULL;
  int rc = gf_client_create(srv.uri, &o, &c, NULL);
  int rt = rc == GF_OK ? roundtrip(c, "tls") : rc;
  gf_client_free(c);
  gf_client_options wrong = {0};
  wrong.tls_root_certs = other;
  int bad_ca = list_with(srv.uri, &wrong);
  char plain[64];
  snprintf(plain, sizeof(plain), "grpc://127.0.0.1:%d", srv.port);
  int plaintext = list_with(plain, NULL);
  gf_client_options name = {0};
  name.tls_root_certs = ca;
  name.tls_override_hostname = "localhost";
  int by_name = list_with(srv.uri, &name);
  CHECK_EQ_INT(test_server_stop(&srv), 0);
  CHECK_EQ_INT(rt, 0);
  CHECK_EQ_INT(bad_ca, GF_UNAVAILABLE);
  CHECK_EQ_INT(plaintext, GF_UNAVAILABLE);
  CHECK_EQ_INT(by_name, GF_OK);
}

TEST(mtls_server) {
  char extra[768];
  snprintf(extra, sizeof(extra), "use_tls = true\nuse_mtls = true\n"
           "tls_certificate = \"@%s/srv.pem\"\ntls_private_key = \"@%s/srv.key\"\n"
           "tls_root_certificate = \"@%s/ca.pem\"\n", dir, dir, dir);
  gf_client_options o = {0};
  o.tls_root_certs = ca;
  o.tls_cert_chain = cli_pem;
  o.tls_private_key = cli_key;
  test_server srv;
  CHECK_EQ_INT(test_server_start_ex(&srv, "store", extra, 1, &o), 0);
  gf_client* c = NULL;
  int rc = gf_client_create(srv.uri, &o, &c, NULL);
  int rt = rc == GF_OK ? roundtrip(c, "mtls") : rc;
  gf_client_free(c);
  gf_client_options anon = {0};
  anon.tls_root_certs = ca;
  int no_cert = list_with(srv.uri, &anon);
  CHECK_EQ_INT(test_server_stop(&srv), 0);
  CHECK_EQ_INT(rt, 0);
  CHECK_EQ_INT(no_cert, GF_UNAVAILABLE);
}

int main(void) {
  test_watchdog(120);
  if (!test_have_server("store") || system("openssl version > /dev/null 2>&1") != 0) {
    fprintf(stderr, "skipping: server/store example or openssl missing\n");
    TEST_MAIN_END();
  }
  if (make_certs() != 0) {
    fprintf(stderr, "cannot create test certificates\n");
    rm_certs();
    return 1;
  }
  ca = slurp("ca.pem");
  other = slurp("other.pem");
  cli_pem = slurp("cli.pem");
  cli_key = slurp("cli.key");
  if (ca && other && cli_pem && cli_key) {
    RUN(tls_server);
    RUN(mtls_server);
  } else {
    gf_test_failed++;
  }
  free(ca);
  free(other);
  free(cli_pem);
  free(cli_key);
  rm_certs();
  TEST_MAIN_END();
}
