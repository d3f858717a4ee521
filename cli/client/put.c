/* gooddata-flight: the put command (DoPut of an Arrow IPC file or stream,
 * or stdin) and the call command (a FlexConnect invocation, basic or with
 * the polling protocol, then the download of its result). Main thread. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gooddata_flight_server/ipc.h"
#include "opts.h"

static int put_batches(cli* c, gf_put_stream* ps, struct ArrowArrayStream* in, progress* p, gf_error* err) {
  for (;;) {
    struct ArrowArray a;
    memset(&a, 0, sizeof(a));
    if (in->get_next(in, &a)) {
      const char* m = in->get_last_error(in);
      fprintf(stderr, "%s: reading the input: %s\n", c->prog, m ? m : "failed");
      return -1;
    }
    if (!a.release) return GF_OK;
    p->rows += a.length;
    int rc = gf_put_stream_write(ps, &a, NULL, 0, err);
    if (rc) return rc;
    progress_update(p, "put");
  }
}

int cmd_put(cli* c, int argc, char** argv) {
  static const struct option longopts[] = {COMMON_LONGOPTS, {0, 0, 0, 0}};
  int first;
  int rc = parse_opts(c, argc, argv, longopts, NULL, NULL,
                      "usage: gooddata-flight put PATH... FILE [OPTIONS]\n\n"
                      "DoPut: uploads the record batches of FILE (an Arrow IPC file or stream;\n"
                      "'-' reads a stream from stdin) under the PATH descriptor. With -v, prints\n"
                      "the app_metadata of each PutResult, one per line.\n",
                      &first);
  if (rc >= 0) return rc;
  if (argc - first < 2) return usage_error(c, "put takes PATH... and FILE");
  const char* file = argv[argc - 1];
  struct ArrowArrayStream in;
  memset(&in, 0, sizeof(in));
  gf_error err;
  int r = strcmp(file, "-") == 0 ? gf_ipc_read_stream_file(stdin, NULL, &in, &err)
                                 : gf_ipc_read_path(file, NULL, &in, &err);
  if (r) return usage_error(c, "cannot read '%s': %s", file, err.message);
  struct ArrowSchema schema;
  memset(&schema, 0, sizeof(schema));
  if (in.get_schema(&in, &schema)) {
    const char* m = in.get_last_error(&in);
    in.release(&in);
    return usage_error(c, "'%s': %s", file, m ? m : "no schema");
  }
  desc_args d;
  if ((rc = desc_from_args(c, argv + first, argc - first - 1, NULL, &d)) || (rc = cli_connect(c))) {
    schema.release(&schema);
    in.release(&in);
    return rc;
  }
  progress p;
  progress_start(&p, c->progress > 0);
  gf_put_stream* ps = NULL;
  gf_call_options o = cli_call_opts(c, NULL, 0);
  r = gf_client_do_put(c->client, &o, &d.d, &schema, &ps, &err);
  if (r == GF_OK) r = put_batches(c, ps, &in, &p, &err);
  if (r == GF_OK) r = gf_put_stream_done_writing(ps, &err);
  gf_bytes md;
  while (r == GF_OK && (r = gf_put_stream_read(ps, &md, &err)) == GF_OK) {
    if (!c->verbose) continue;
    print_bytes_text(stdout, md);
    putchar('\n');
  }
  if (r == GF_END_OF_STREAM) r = gf_put_stream_finish(ps, &err);
  progress_end(&p);
  if (r > 0) rc = cli_report(c, "DoPut", r, &err);
  else if (r < 0) rc = EXIT_USAGE;
  gf_put_stream_free(ps);
  schema.release(&schema);
  in.release(&in);
  return rc;
}

/* ---- call ------------------------------------------------------------------------------------ */

typedef struct call_args {
  const char* params;
  bool poll;
  const char* format;
  const char* output;
  int max_width;
} call_args;

static int call_opt(cli* c, void* state, int opt, const char* arg) {
  call_args* a = state;
  switch (opt) {
    case OPT_PARAMS: a->params = arg; return 0;
    case OPT_POLL: a->poll = true; return 0;
    case 'f': a->format = arg; return 0;
    case 'o': a->output = arg; return 0;
    case OPT_MAX_WIDTH: a->max_width = atoi(arg);
      return a->max_width < 2 ? usage_error(c, "--max-width '%s': expected a number >= 2", arg) : 0;
    default: return -1;
  }
}

/* The invocation command {"functionName":..,"parameters":..}. */
static char* invocation(cli* c, const char* fn, const char* params_arg, size_t* len) {
  char* params = NULL;
  size_t plen = 0;
  if (params_arg && !(params = cli_value(c, params_arg, &plen))) return NULL;
  const char* p = params ? params : "{}";
  size_t k = 0;
  while (p[k] == ' ' || p[k] == '\n' || p[k] == '\t' || p[k] == '\r') k++;
  if (p[k] != '{') {
    usage_error(c, "--params: expected a JSON object");
    free(params);
    return NULL;
  }
  sbuf b = {0};
  sb_puts(&b, "{\"functionName\":");
  sb_json_string(&b, fn, strlen(fn));
  sb_puts(&b, ",\"parameters\":");
  sb_puts(&b, p);
  sb_putc(&b, '}');
  free(params);
  *len = b.len;
  return b.data;
}

/* ErrorInfo code POLL: *retry and the cancel descriptor (to the interrupt
 * thread) from its RetryInfo. Returns true when the call should be retried. */
static bool poll_answer(cli* c, gf_descriptor** retry) {
  gf_bytes extra = gf_rpc_status_extra_info(c->status);
  gf_error_info info;
  memset(&info, 0, sizeof(info));
  bool again = false;
  if (extra.len && gf_error_info_from_json(extra.data, extra.len, &info, NULL) == GF_OK &&
      info.code == GF_EC_POLL && info.body) {
    gf_retry_info_parsed ri;
    memset(&ri, 0, sizeof(ri));
    if (gf_retry_info_from_json(info.body, info.body_len, &ri, NULL) == GF_OK && ri.retry_descriptor) {
      if (ri.cancel_descriptor) interrupt_set_cancel(ri.cancel_descriptor);
      gf_descriptor_free(*retry);
      *retry = ri.retry_descriptor;
      ri.retry_descriptor = NULL;
      again = true;
    }
    gf_retry_info_parsed_clear(&ri);
  }
  gf_error_info_clear(&info);
  return again;
}

/* GetFlightInfo with the polling protocol until a FlightInfo or an error. */
static int poll_invocation(cli* c, const char* fn, const gf_descriptor* submit, progress* p,
                           gf_flight_info** info, gf_error* err) {
  gf_header h = {"x-quiver-pollable", "true", 4};
  gf_descriptor* retry = NULL;
  int rc;
  for (int polls = 1;; polls++) {
    gf_call_options o = cli_call_opts(c, &h, 1);
    rc = gf_client_get_flight_info(c->client, &o, retry ? retry : submit, info, err);
    if (rc == GF_OK || !poll_answer(c, &retry)) break;
    char text[200];
    snprintf(text, sizeof(text), "%s: running (poll %d)", fn, polls);
    progress_line(p, text);
  }
  gf_descriptor_free(retry);
  interrupt_set_cancel(NULL);
  return rc;
}

int cmd_call(cli* c, int argc, char** argv) {
  static const struct option longopts[] = {
      COMMON_LONGOPTS, {"params", 1, 0, OPT_PARAMS}, {"poll", 0, 0, OPT_POLL},
      {"format", 1, 0, 'f'}, {"output", 1, 0, 'o'}, {"max-width", 1, 0, OPT_MAX_WIDTH}, {0, 0, 0, 0}};
  call_args a;
  memset(&a, 0, sizeof(a));
  int first;
  int rc = parse_opts(c, argc, argv, longopts, call_opt, &a,
                      "usage: gooddata-flight call FUNCTION [--params JSON|@FILE] [--poll] [OPTIONS]\n\n"
                      "Invokes a FlexConnect function: GetFlightInfo with the command\n"
                      "{\"functionName\":FUNCTION,\"parameters\":JSON}, then downloads the result as\n"
                      "'get' does. --poll uses the polling protocol (header x-quiver-pollable): the\n"
                      "progress line shows the wait, and Ctrl-C cancels the invocation on the server\n"
                      "with its cancel descriptor. Output options as for 'get':\n"
                      "  -f, --format F, -o, --output FILE, --max-width N\n",
                      &first);
  if (rc >= 0) return rc;
  if (argc - first != 1) return usage_error(c, "call takes one FUNCTION");
  const char* fn = argv[first];
  size_t cmd_len = 0;
  char* cmd = invocation(c, fn, a.params, &cmd_len);
  if (!cmd) return EXIT_USAGE;
  progress p;
  counter k;
  out_opts o;
  FILE* out = NULL;
  rc = open_output(c, a.format, a.output, a.max_width, &o, &out, &k, &p);
  if (rc < 0 && (rc = cli_connect(c)) == EXIT_OK) {
    progress_start(&p, c->progress > 0);
    gf_descriptor d = {GF_DESCRIPTOR_CMD, {(const uint8_t*)cmd, cmd_len}, 0, NULL};
    gf_flight_info* info = NULL;
    gf_error err;
    int r;
    if (a.poll) {
      r = poll_invocation(c, fn, &d, &p, &info, &err);
    } else {
      gf_call_options co = cli_call_opts(c, NULL, 0);
      r = gf_client_get_flight_info(c->client, &co, &d, &info, &err);
    }
    if (r) {
      progress_end(&p);
      rc = cli_report(c, "GetFlightInfo", r, &err);
    } else {
      rc = fetch_info(c, info, out, &o, &p);
    }
    gf_flight_info_free(info);
  }
  if (out && fclose(out) != 0 && rc == EXIT_OK) rc = usage_error(c, "cannot write the output: %m");
  if (out && k.fd != 1) close(k.fd);
  free(cmd);
  return rc;
}
