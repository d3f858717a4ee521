/* gooddata-flight: entry point. Finds the command (options may come before
 * or after it), runs it and returns its exit code. Main thread. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

static const struct {
  const char* name;
  int (*fn)(cli*, int, char**);
  const char* summary;
} commands[] = {
    {"list", cmd_list, "list the flights (ListFlights)"},
    {"info", cmd_info, "show a FlightInfo (GetFlightInfo)"},
    {"schema", cmd_schema, "show a schema (GetSchema)"},
    {"get", cmd_get, "download data (GetFlightInfo + DoGet of every endpoint)"},
    {"put", cmd_put, "upload an Arrow IPC file or stream (DoPut)"},
    {"actions", cmd_actions, "list the action types (ListActions)"},
    {"action", cmd_action, "run an action (DoAction)"},
    {"call", cmd_call, "invoke a FlexConnect function and download its result"},
};

static const char common_help[] =
    "Connection (every command):\n"
    "  --uri URI              grpc://host:port, grpc+tls://host:port, grpc+unix:///path\n"
    "                         (default: $GOODDATA_FLIGHT_URI, else grpc://127.0.0.1:17001)\n"
    "  --token TOKEN|@FILE    bearer token (default: $GOODDATA_FLIGHT_TOKEN)\n"
    "  --header KEY=VALUE     extra request header (repeatable)\n"
    "  --tls-root-cert FILE   PEM CA bundle that verifies the server\n"
    "  --tls-cert FILE, --tls-key FILE   client certificate and key (mTLS)\n"
    "  --tls-server-name NAME name expected in the server certificate\n"
    "  --timeout SECONDS      deadline of each call (default: none)\n"
    "  --progress, --no-progress   progress on stderr (default: when stderr is a TTY)\n"
    "  -v, --verbose          more detail (errors: detail and retry hint)\n"
    "  -h, --help             this help\n"
    "Exit codes: 0 ok, 1 server error, 2 usage, 3 connection or TLS failure, 130 interrupted.\n";

static void main_help(FILE* f) {
  fprintf(f, "usage: gooddata-flight COMMAND [OPTIONS] [ARGS]\n\nArrow Flight client for the terminal and for scripts.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\nRun 'gooddata-flight COMMAND --help' for a command's options.\n\n%s", common_help);
}

static int takes_value(const char* a) {
  static const char* const v[] = {"--uri", "--token", "--header", "--tls-root-cert", "--tls-cert",
                                  "--tls-key", "--timeout", "--tls-server-name"};
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    if (strcmp(a, v[i]) == 0) return 1;
  return 0;
}

int parse_opts(cli* c, int argc, char** argv, const struct option* longopts, opt_fn fn,
               void* state, const char* usage, int* first) {
  optind = 1;
  opterr = 0;
  int opt, idx;
  while ((opt = getopt_long(argc, argv, ":vho:f:", longopts, &idx)) != -1) {
    if (opt == 'h') {
      printf("%s\n%s", usage, common_help);
      return EXIT_OK;
    }
    if (opt == '?') return usage_error(c, "unknown option '%s'", argv[optind - 1]);
    if (opt == ':') return usage_error(c, "option '%s' needs a value", argv[optind - 1]);
    if (opt == 'v') {
      c->verbose++;
      continue;
    }
    if (opt == OPT_PROGRESS || opt == OPT_NO_PROGRESS) {
      c->progress = opt == OPT_PROGRESS;
      continue;
    }
    if (opt >= OPT_URI && opt < OPT_CMD) {
      int rc = conn_option(c, longopts[idx].name, optarg);
      if (rc) return rc;
      continue;
    }
    int rc = fn ? fn(c, state, opt, optarg) : -1;
    if (rc < 0) return usage_error(c, "unknown option '%s'", argv[optind - 1]);
    if (rc > 0) return rc;
  }
  *first = optind;
  return -1;
}

int main(int argc, char** argv) {
  /* Bulk receive buffers: keep glibc from mmap/munmap per message (docs/client.md). */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  /* gRPC's own log lines would break the one-line errors; GRPC_VERBOSITY set by the user wins. */
  setenv("GRPC_VERBOSITY", "NONE", 0);
  cli c;
  memset(&c, 0, sizeof(c));
  c.prog = "gooddata-flight";
  c.progress = -1;
  /* The command is the first argument that is neither an option nor an option's value. */
  int ci = 0;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] != '-') {
      ci = i;
      break;
    }
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      main_help(stdout);
      return EXIT_OK;
    }
    if (strcmp(argv[i], "--version") == 0) {
      printf("gooddata-flight %s\n", GF_VERSION_STRING);
      return EXIT_OK;
    }
    if (takes_value(argv[i])) i++;
  }
  if (!ci) {
    main_help(stderr);
    return EXIT_USAGE;
  }
  const char* name = argv[ci];
  for (int i = ci; i < argc - 1; i++) argv[i] = argv[i + 1];
  argc--;
  argv[0] = (char*)name; /* argv[0] = command, then every other argument in order */
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    if (strcmp(name, commands[i].name) != 0) continue;
    interrupt_init(&c);
    int rc = commands[i].fn(&c, argc, argv);
    cli_close(&c);
    return rc;
  }
  fprintf(stderr, "%s: unknown command '%s' (see --help)\n", c.prog, name);
  return EXIT_USAGE;
}
