/* The small-call floor of Debian's gRPC C core on this machine: a server
 * with one completion-queue thread that answers every call at once on that
 * thread (initial metadata + OK status, no message, no worker hand-off, no
 * Flight semantics). flight_bench --kinds ListActions against it measures
 * what any gRPC-core server pays per call; bench/run.sh prints it beside
 * our ListActions/GetFlightInfo figures. Prints "port=N", runs until
 * SIGTERM/SIGINT. Main thread only. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

typedef struct pending {
  grpc_call* call;
  grpc_call_details details;
  grpc_metadata_array md;
  int answering; /* 0: waiting for a call, 1: answer batch in flight */
  int cancelled;
} pending;

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

static int request(grpc_server* srv, grpc_completion_queue* cq, pending* p) {
  memset(p, 0, sizeof(*p));
  grpc_call_details_init(&p->details);
  grpc_metadata_array_init(&p->md);
  return grpc_server_request_call(srv, &p->call, &p->details, &p->md, cq, cq, p) == GRPC_CALL_OK ? 0 : -1;
}

static void answer(pending* p) {
  grpc_op ops[3];
  memset(ops, 0, sizeof(ops));
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  ops[1].data.recv_close_on_server.cancelled = &p->cancelled;
  ops[2].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[2].data.send_status_from_server.status = GRPC_STATUS_OK;
  p->answering = 1;
  if (grpc_call_start_batch(p->call, ops, 3, p, NULL) != GRPC_CALL_OK) {
    fprintf(stderr, "grpc_unary_floor: start_batch failed\n");
    exit(1);
  }
}

static void done(pending* p) {
  grpc_call_unref(p->call);
  grpc_call_details_destroy(&p->details);
  grpc_metadata_array_destroy(&p->md);
}

int main(void) {
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  grpc_init();
  grpc_completion_queue* cq = grpc_completion_queue_create_for_next(NULL);
  grpc_server* srv = grpc_server_create(NULL, NULL);
  grpc_server_register_completion_queue(srv, cq, NULL);
  grpc_server_credentials* creds = grpc_insecure_server_credentials_create();
  int port = grpc_server_add_http2_port(srv, "127.0.0.1:0", creds);
  grpc_server_credentials_release(creds);
  if (port <= 0) return 1;
  grpc_server_start(srv);
  enum { SLOTS = 64 };
  pending* slots = calloc(SLOTS, sizeof(pending));
  for (int i = 0; i < SLOTS; i++)
    if (request(srv, cq, &slots[i])) return 1;
  printf("port=%d\n", port);
  fflush(stdout);
  while (!g_stop) {
    grpc_event ev = grpc_completion_queue_next(cq, gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                                                 gpr_time_from_millis(100, GPR_TIMESPAN)), NULL);
    if (ev.type != GRPC_OP_COMPLETE) continue;
    pending* p = ev.tag;
    if (!p->answering && ev.success) {
      answer(p);
    } else {
      if (p->answering) done(p);
      if (request(srv, cq, p)) break;
    }
  }
  grpc_server_shutdown_and_notify(srv, cq, NULL);
  grpc_server_cancel_all_calls(srv);
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type == GRPC_OP_COMPLETE && ev.tag == NULL) break;
    if (ev.type == GRPC_OP_COMPLETE && ((pending*)ev.tag)->answering) done(ev.tag);
  }
  grpc_server_destroy(srv);
  grpc_completion_queue_shutdown(cq);
  while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(cq);
  free(slots);
  grpc_shutdown();
  return 0;
}
