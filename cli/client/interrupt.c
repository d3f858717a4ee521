/* gooddata-flight: Ctrl-C. SIGINT, SIGTERM and SIGHUP are blocked in every
 * thread (gRPC's included) and taken by one thread with sigwait. It clears
 * the progress line, cancels a polled FlexConnect invocation with its cancel
 * descriptor (GetFlightInfo on a new connection, so the blocked call does
 * not matter), prints one line and exits with 130; the server sees the
 * connection go and cancels the calls still running. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static cli* the_cli;
static progress* the_progress;
static gf_descriptor* the_cancel;

void interrupt_set_progress(progress* p) {
  pthread_mutex_lock(&mu);
  the_progress = p;
  pthread_mutex_unlock(&mu);
}

static gf_descriptor* copy_cmd_descriptor(const gf_descriptor* d) {
  if (!d || d->type != GF_DESCRIPTOR_CMD) return NULL;
  gf_descriptor* n = calloc(1, sizeof(*n) + d->cmd.len + 1);
  if (!n) return NULL;
  uint8_t* bytes = (uint8_t*)(n + 1);
  memcpy(bytes, d->cmd.data, d->cmd.len);
  n->type = GF_DESCRIPTOR_CMD;
  n->cmd = (gf_bytes){bytes, d->cmd.len};
  return n;
}

void interrupt_set_cancel(const gf_descriptor* cancel) {
  gf_descriptor* n = copy_cmd_descriptor(cancel);
  pthread_mutex_lock(&mu);
  gf_descriptor* old = the_cancel;
  the_cancel = n;
  pthread_mutex_unlock(&mu);
  free(old);
}

static void cancel_invocation(cli* main_cli, const gf_descriptor* d) {
  /* A copy with its own status object: the main thread's call may still end
   * and write main_cli->status. */
  cli copy = *main_cli;
  cli* c = &copy;
  c->status = gf_rpc_status_create();
  gf_client* client = NULL;
  gf_error err;
  if (cli_connect_to(c, c->conn.uri, &client, &err)) {
    fprintf(stderr, "%s: cannot cancel: %s\n", c->prog, err.message);
    return;
  }
  gf_header h = {"x-quiver-pollable", "true", 4};
  gf_call_options o = cli_call_opts(c, &h, 1);
  o.deadline_ms = 10000;
  gf_flight_info* info = NULL;
  int rc = gf_client_get_flight_info(client, &o, d, &info, &err);
  gf_flight_info_free(info);
  /* The server answers a cancel with COMMAND_CANCELLED (accepted) or
   * COMMAND_CANCEL_NOT_POSSIBLE; either way it is reported as is. */
  if (rc) cli_report(c, "cancel", rc, &err);
  else fprintf(stderr, "%s: cancel: the server returned a FlightInfo\n", c->prog);
  gf_client_free(client);
  gf_rpc_status_free(c->status);
}

static void* interrupt_thread(void* arg) {
  sigset_t* set = arg;
  int sig = 0;
  if (sigwait(set, &sig) != 0) return NULL;
  pthread_mutex_lock(&mu);
  if (the_progress && the_progress->shown && write(2, "\r\033[K", 4) < 0) {
  }
  fprintf(stderr, "%s: interrupted (%s)\n", the_cli->prog, strsignal(sig));
  if (the_cancel) cancel_invocation(the_cli, the_cancel);
  _exit(EXIT_INTERRUPTED);
}

void interrupt_init(cli* c) {
  static sigset_t set;
  the_cli = c;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  pthread_t t;
  if (pthread_create(&t, NULL, interrupt_thread, &set) == 0) pthread_detach(t);
}
