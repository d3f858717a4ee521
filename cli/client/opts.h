/* gooddata-flight: the option table shared by every command (connection,
 * verbosity, progress, help) and the per-command parsing loop. Main thread. */
#ifndef GF_CLI_CLIENT_OPTS_H
#define GF_CLI_CLIENT_OPTS_H

#include <getopt.h>

#include "cli.h"

enum {
  OPT_URI = 1000, OPT_TOKEN, OPT_HEADER, OPT_ROOT_CERT, OPT_CERT, OPT_KEY, OPT_TIMEOUT,
  OPT_SERVER_NAME, OPT_PROGRESS, OPT_NO_PROGRESS,
  OPT_CMD = 1100, OPT_TICKET, OPT_FORMAT, OPT_OUTPUT, OPT_PARAMS, OPT_POLL, OPT_MAX_WIDTH
};

#define COMMON_LONGOPTS                                                                \
  {"uri", 1, 0, OPT_URI}, {"token", 1, 0, OPT_TOKEN}, {"header", 1, 0, OPT_HEADER},    \
      {"tls-root-cert", 1, 0, OPT_ROOT_CERT}, {"tls-cert", 1, 0, OPT_CERT},            \
      {"tls-key", 1, 0, OPT_KEY}, {"timeout", 1, 0, OPT_TIMEOUT},                      \
      {"tls-server-name", 1, 0, OPT_SERVER_NAME}, {"progress", 0, 0, OPT_PROGRESS},    \
      {"no-progress", 0, 0, OPT_NO_PROGRESS}, {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}

/* Command-specific option handler: returns 0 when handled, -1 when unknown,
 * or an exit code > 0 to stop. */
typedef int (*opt_fn)(cli* c, void* state, int opt, const char* arg);

/* Runs getopt_long over argv (argv[0] = command name). Returns -1 to go on
 * (positional arguments start at *first), else the exit code to return. */
int parse_opts(cli* c, int argc, char** argv, const struct option* longopts, opt_fn fn,
               void* state, const char* usage, int* first);

#endif
