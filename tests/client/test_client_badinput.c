/* Malformed input against the real server (store example), sent as raw
 * gRPC messages through the client transport: garbage FlightData bytes,
 * truncated field lengths, bodies shorter than Message.bodyLength, unknown
 * protobuf fields (accepted), an unknown method path, sends after the
 * server ended a call (also a DoPut failing after an unread ack), and a few thousand calls with random payloads on
 * every method; afterwards ListActions still answers normally and the
 * server exits cleanly. Last, a peer that resets the connection while the
 * client writes. */
#include <pthread.h>

#include "client/client_data.h"
#include "client/client_harness.h"
#include "flight/flightdata.h"
#include "gooddata_flight_server/ipc.h"
#include "test.h"
#include "transport/client_call.h"

static test_server srv;
static gf__cchannel* ch;
static gf_client* cl;

typedef struct raw_msg {
  uint8_t* data;
  size_t len;
} raw_msg;

/* Sends a copy of `len` bytes as one message on c (last: half-close too). */
static int send_copy(gf__ccall* c, const void* data, size_t len, int last, gf_error* err) {
  gf__obuf* ob = gf__obuf_new();
  gf__obuf_add_copy(ob, data, len);
  return gf__ccall_send(c, ob, last, err);
}

/* Receives and frees messages until the stream ends (GF_END_OF_STREAM) or
 * fails (its status); counts them in *got. */
static int drain(gf__ccall* c, int* got, gf_error* err) {
  int rc;
  for (;;) {
    gf__ibuf* b = NULL;
    rc = gf__ccall_recv(c, &b, err);
    if (rc != GF_OK) return rc;
    (*got)++;
    gf__ibuf_free(b);
  }
}

/* Runs one raw call: sends msgs, half-closes, drains responses; returns the
 * final gf_status (GF_OK on success). *n_resp = responses received. */
static int raw_call(const char* method, const raw_msg* msgs, size_t n, int* n_resp) {
  char path[128];
  snprintf(path, sizeof(path), "/arrow.flight.protocol.FlightService/%s", method);
  if (method[0] == '/') snprintf(path, sizeof(path), "%s", method);
  gf__ccall* c = NULL;
  gf_error err = {0};
  int rc = gf__ccall_start(ch, path, NULL, 0, 10000, &c, &err);
  if (rc) return rc;
  for (size_t i = 0; i < n && rc == GF_OK; i++) {
    rc = send_copy(c, msgs[i].data, msgs[i].len, i + 1 == n, &err);
  }
  if (rc == GF_OK && n == 0) rc = gf__ccall_close_send(c, &err);
  int got = 0;
  if (rc == GF_OK) rc = drain(c, &got, &err);
  if (rc == GF_END_OF_STREAM) rc = gf__ccall_finish(c, &err);
  gf__ccall_free(c);
  if (n_resp) *n_resp = got;
  return rc;
}

static raw_msg flatten(gf__obuf* ob) {
  raw_msg m = {NULL, 0};
  gf__obuf_flatten(ob, &m.data, &m.len);
  gf__obuf_free(ob);
  return m;
}

/* Valid DoPut messages: [0] descriptor + schema, [1] one record batch. */
static int valid_put(const char* name, raw_msg out[2]) {
  struct ArrowSchema s;
  struct ArrowArray a;
  if (td_schema(&s) || td_batch(&s, 0, 20, &a)) return -1;
  const char* p[1] = {name};
  gf_descriptor d = {GF_DESCRIPTOR_PATH, {NULL, 0}, 1, p};
  gf_ipc_payload* sp = NULL;
  gf_ipc_encoder* enc = NULL;
  gf_ipc_payload** ps = NULL;
  size_t n = 0;
  int rc = gf_ipc_encode_schema(&s, &sp, NULL) || gf_ipc_encoder_create(&s, NULL, &enc, NULL) ||
           gf_ipc_encoder_encode_batch(enc, &a, &ps, &n, NULL) || n != 1;
  if (rc == 0) {
    gf__obuf* o0 = gf__obuf_new();
    gf__obuf* o1 = gf__obuf_new();
    rc = gf__flight_data_encode(&d, sp, NULL, 0, o0, NULL) ||
         gf__flight_data_encode(NULL, ps[0], "0", 1, o1, NULL);
    out[0] = flatten(o0);
    out[1] = flatten(o1);
  }
  for (size_t i = 0; i < n; i++) gf_ipc_payload_unref(ps[i]);
  free(ps);
  if (sp) gf_ipc_payload_unref(sp);
  gf_ipc_encoder_free(enc);
  s.release(&s);
  return rc ? -1 : 0;
}

static void free_msgs(raw_msg* m, size_t n) {
  for (size_t i = 0; i < n; i++) free(m[i].data);
}

TEST(valid_raw_put_is_accepted) {
  raw_msg m[2];
  CHECK_EQ_INT(valid_put("raw_ok", m), 0);
  int acks = 0;
  int rc = raw_call("DoPut", m, 2, &acks);
  free_msgs(m, 2);
  CHECK_EQ_INT(rc, GF_OK);
  CHECK(acks >= 1);
}

TEST(garbage_flight_data) {
  uint8_t junk[64];
  for (size_t i = 0; i < sizeof(junk); i++) junk[i] = (uint8_t)(i * 37 + 11);
  raw_msg m = {junk, sizeof(junk)};
  int rc = raw_call("DoPut", &m, 1, NULL);
  CHECK(rc != GF_OK && rc != GF_TIMED_OUT);
}

TEST(truncated_header_length) {
  /* data_header (field 2) claims 1000 bytes, 5 follow */
  uint8_t b[] = {0x12, 0xe8, 0x07, 's', 'h', 'o', 'r', 't'};
  raw_msg m = {b, sizeof(b)};
  CHECK_EQ_INT(raw_call("DoPut", &m, 1, NULL), GF_INVALID_ARGUMENT);
  /* a varint that never ends */
  uint8_t v[] = {0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  raw_msg m2 = {v, sizeof(v)};
  CHECK_EQ_INT(raw_call("DoPut", &m2, 1, NULL), GF_INVALID_ARGUMENT);
}

TEST(body_shorter_than_declared) {
  raw_msg m[2];
  CHECK_EQ_INT(valid_put("raw_short", m), 0);
  /* Re-encode message 1 with a truncated body: decode, cut, encode by hand. */
  gf__flight_data fd;
  memset(&fd, 0, sizeof(fd));
  int rc = gf__flight_data_decode_bytes(m[1].data, m[1].len, &fd, NULL);
  CHECK_EQ_INT(rc, GF_OK);
  uint8_t buf[4096];
  size_t n = 0;
  buf[n++] = 0x12;
  n += gf__varint_put(buf + n, fd.header_len);
  memcpy(buf + n, fd.header, fd.header_len);
  n += fd.header_len;
  buf[n++] = 0xc2;
  buf[n++] = 0x3e;
  buf[n++] = 8; /* 8 bytes of body instead of bodyLength */
  memset(buf + n, 0, 8);
  n += 8;
  gf__flight_data_clear(&fd);
  raw_msg bad[2] = {m[0], {buf, n}};
  rc = raw_call("DoPut", bad, 2, NULL);
  free_msgs(m, 2);
  CHECK_EQ_INT(rc, GF_INVALID_ARGUMENT);
}

TEST(unknown_fields_are_skipped) {
  raw_msg m[2];
  CHECK_EQ_INT(valid_put("raw_unknown", m), 0);
  /* field 77 varint + field 99 bytes, before and after the known fields */
  static const uint8_t extra[] = {0xe8, 0x04, 0xb9, 0x60, 0x9a, 0x06, 0x03, 'x', 'y', 'z'};
  raw_msg x[2];
  for (int i = 0; i < 2; i++) {
    x[i].len = m[i].len + sizeof(extra);
    x[i].data = malloc(x[i].len);
    if (i == 0) {
      memcpy(x[i].data, m[i].data, m[i].len);
      memcpy(x[i].data + m[i].len, extra, sizeof(extra));
    } else {
      memcpy(x[i].data, extra, sizeof(extra));
      memcpy(x[i].data + sizeof(extra), m[i].data, m[i].len);
    }
  }
  int rc = raw_call("DoPut", x, 2, NULL);
  free_msgs(m, 2);
  free_msgs(x, 2);
  CHECK_EQ_INT(rc, GF_OK);
  const char* p[1] = {"raw_unknown"};
  gf_descriptor d = {GF_DESCRIPTOR_PATH, {NULL, 0}, 1, p};
  gf_flight_info* info = NULL;
  CHECK_EQ_INT(gf_client_get_flight_info(cl, NULL, &d, &info, NULL), GF_OK);
  int64_t rows = gf_flight_info_total_records(info);
  gf_flight_info_free(info);
  CHECK_EQ_INT(rows, 20);
}

TEST(unknown_method_path) {
  uint8_t b[1] = {0};
  raw_msg m = {b, 0};
  CHECK_EQ_INT(raw_call("/arrow.flight.protocol.FlightService/Nope", &m, 1, NULL), GF_UNIMPLEMENTED);
  CHECK_EQ_INT(raw_call("/x.Y/Z", &m, 1, NULL), GF_UNIMPLEMENTED);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A unary call that keeps sending after the server answered: the server
 * ends the stream (response messages, trailers, RST_STREAM NO_ERROR) on the
 * first message; the second send, made once the response has arrived and
 * with the response messages unread, returns at once (GF_IO_ERROR: not
 * taken) instead of waiting for the deadline, and the call's status is the
 * server's OK. */
TEST(send_after_the_server_ended_the_call) {
  for (int round = 0; round < 20; round++) {
    gf__ccall* c = NULL;
    gf_error err = {0};
    CHECK_EQ_INT(gf__ccall_start(ch, "/arrow.flight.protocol.FlightService/ListActions", NULL, 0,
                                 5000, &c, &err),
                 GF_OK);
    double t0 = now_s();
    CHECK_EQ_INT(send_copy(c, "\x0a\x01x", 3, 0, &err), GF_OK);
    gf__ccall_headers(c); /* the response has arrived: the server ended the stream */
    int sent = send_copy(c, "\x0a\x01y", 3, 1, &err);
    CHECK_MSG(sent == GF_OK || sent == GF_IO_ERROR, "round %d: second send %d %s", round, sent,
              err.message);
    int got = 0;
    drain(c, &got, &err);
    CHECK_MSG(now_s() - t0 < 2.0, "round %d took %.1f s", round, now_s() - t0);
    CHECK_EQ_INT(gf__ccall_finish(c, &err), GF_OK);
    gf__ccall_free(c);
  }
}

/* DoPut that fails after an ack: the server acknowledges a batch, then
 * rejects a malformed message; the client, not reading the ack, keeps
 * writing. gRPC may take further writes after the server ended the call;
 * a write that fails does so at once with the server's INVALID_ARGUMENT
 * (the unread ack is dropped to get it), else the end of the call reports
 * it; either way within two seconds of a 5 s deadline. */
TEST(writes_after_a_put_failed_get_its_status) {
  raw_msg m[2];
  CHECK_EQ_INT(valid_put("raw_fail_after_ack", m), 0);
  gf__ccall* c = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__ccall_start(ch, "/arrow.flight.protocol.FlightService/DoPut", NULL, 0, 5000, &c,
                               &err), GF_OK);
  double t0 = now_s();
  uint8_t bad[] = {0x12, 0xe8, 0x07, 's', 'h', 'o', 'r', 't'}; /* data_header claims 1000 bytes */
  raw_msg seq[3] = {m[0], m[1], {bad, sizeof(bad)}};
  int rc = GF_OK;
  for (int i = 0; i < 3 && rc == GF_OK; i++) {
    rc = send_copy(c, seq[i].data, seq[i].len, 0, &err);
  }
  gf__ccall_headers(c); /* the ack has arrived */
  for (int i = 0; i < 40 && rc == GF_OK; i++) {
    rc = send_copy(c, m[1].data, m[1].len, 0, &err);
    if (rc == GF_OK) test_sleep_ms(5);
  }
  if (rc == GF_OK) {
    int got = 0;
    rc = gf__ccall_close_send(c, &err);
    if (rc == GF_OK) rc = drain(c, &got, &err);
  }
  CHECK_MSG(rc == GF_INVALID_ARGUMENT, "rc %d: %s", rc, err.message);
  CHECK_MSG(strstr(err.message, "length 1000") != NULL, "%s", err.message);
  CHECK_MSG(now_s() - t0 < 2.0, "the call took %.1f s to end", now_s() - t0);
  gf__ccall_free(c);
  free_msgs(m, 2);
}

TEST(random_payloads_then_healthy) {
  static const char* methods[10] = {"Handshake", "ListFlights", "GetFlightInfo", "PollFlightInfo",
                                    "GetSchema", "DoGet", "DoPut", "DoExchange", "DoAction",
                                    "ListActions"};
  uint32_t seed = 12345;
  uint8_t buf[3][256];
  int timeouts = 0;
  for (int i = 0; i < 2000; i++) {
    raw_msg m[3];
    size_t n = 1 + (size_t)(i % 3);
    for (size_t k = 0; k < n; k++) {
      seed = seed * 1664525u + 1013904223u;
      size_t len = (seed >> 8) % sizeof(buf[k]);
      for (size_t j = 0; j < len; j++) {
        seed = seed * 1664525u + 1013904223u;
        buf[k][j] = (uint8_t)(seed >> 24);
      }
      m[k] = (raw_msg){buf[k], len};
    }
    int rc = raw_call(methods[i % 10], m, n, NULL);
    if (rc == GF_TIMED_OUT) timeouts++;
  }
  CHECK_EQ_INT(timeouts, 0);
  gf_client_action_types at;
  CHECK_EQ_INT(gf_client_list_actions(cl, NULL, &at, NULL), GF_OK);
  int n = (int)at.n;
  gf_client_action_types_clear(&at);
  CHECK(n >= 1);
}

/* A peer that reads the start of the first connection, then resets it. */
typedef struct reset_peer {
  int ls;
} reset_peer;

static void* reset_accept(void* p) {
  reset_peer* r = p;
  int fd = accept(r->ls, NULL, NULL);
  if (fd < 0) return NULL;
  char buf[65536];
  size_t got = 0;
  while (got < sizeof(buf)) {
    ssize_t n = read(fd, buf, sizeof(buf) - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  struct linger lg = {1, 0}; /* close with RST */
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close(fd);
  return NULL;
}

/* A peer resets the connection while the client is writing 1 MiB messages:
 * a write fails, the call ends UNAVAILABLE, and the program lives on with
 * SIGPIPE at its default action during the test (as in an application
 * that never touched it; the transport writes with MSG_NOSIGNAL and its
 * I/O thread blocks SIGPIPE for OpenSSL's writes). */
TEST(a_reset_while_writing_fails_the_call) {
  reset_peer r = {socket(AF_INET, SOCK_STREAM, 0)};
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof(a);
  CHECK(r.ls >= 0 && bind(r.ls, (struct sockaddr*)&a, sizeof(a)) == 0 && listen(r.ls, 4) == 0 &&
        getsockname(r.ls, (struct sockaddr*)&a, &l) == 0);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, reset_accept, &r) == 0);
  char target[64];
  snprintf(target, sizeof(target), "127.0.0.1:%d", ntohs(a.sin_port));
  gf__cchannel_options co = {target, 0, NULL, NULL, NULL, NULL, 0, 0, 0, NULL};
  gf__cchannel* rch = NULL;
  CHECK_EQ_INT(gf__cchannel_create(&co, &rch, NULL), GF_OK);
  signal(SIGPIPE, SIG_DFL);
  gf__ccall* c = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__ccall_start(rch, "/arrow.flight.protocol.FlightService/DoPut", NULL, 0, 10000,
                               &c, &err),
               GF_OK);
  size_t len = 1 << 20;
  uint8_t* big = calloc(1, len);
  int rc = GF_OK, sent = 0;
  while (rc == GF_OK && sent < 256) {
    rc = send_copy(c, big, len, 0, &err);
    sent++;
  }
  int fin = gf__ccall_finish(c, &err);
  signal(SIGPIPE, SIG_IGN);
  CHECK_MSG(rc != GF_OK, "all %d sends of 1 MiB went through a reset connection", sent);
  CHECK_MSG(fin == GF_UNAVAILABLE || fin == GF_INTERNAL, "status %d %s", fin, err.message);
  free(big);
  gf__ccall_free(c);
  gf__cchannel_free(rch);
  pthread_join(th, NULL);
  close(r.ls);
}

int main(void) {
  test_watchdog(240);
  if (!test_have_server("store")) {
    fprintf(stderr, "skipping: server binary or libstore.so not built\n");
    TEST_MAIN_END();
  }
  if (test_server_start(&srv, "store", NULL) != 0) return 1;
  char target[64];
  snprintf(target, sizeof(target), "127.0.0.1:%d", srv.port);
  gf__cchannel_options co = {target, 0, NULL, NULL, NULL, NULL, 0, 0, 0};
  if (gf__cchannel_create(&co, &ch, NULL)) return 1;
  if (gf_client_create(srv.uri, NULL, &cl, NULL)) return 1;
  RUN(valid_raw_put_is_accepted);
  RUN(garbage_flight_data);
  RUN(truncated_header_length);
  RUN(body_shorter_than_declared);
  RUN(unknown_fields_are_skipped);
  RUN(unknown_method_path);
  RUN(send_after_the_server_ended_the_call);
  RUN(writes_after_a_put_failed_get_its_status);
  RUN(random_payloads_then_healthy);
  RUN(a_reset_while_writing_fails_the_call);
  gf_client_free(cl);
  gf__cchannel_free(ch);
  if (test_server_stop(&srv) != 0) gf_test_failed++;
  TEST_MAIN_END();
}
