/* gooddata-flight-server command line: `start` (load a methods plugin, create,
 * start and run the server until SIGINT/SIGTERM) and `config` (print the
 * effective configuration or the settings reference). Main thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/flexconnect.h"
#include "gooddata_flight_server/server.h"

#define MAX_FILES 64
#define BUILTIN_FLEXCONNECT "flexconnect" /* --methods-provider name of the built-in provider */

static const char* k_usage =
    "usage: gooddata-flight-server [--help] [--version] {start,config} ...\n";

static void print_main_help(void) {
  printf("%s\nGoodData Flight Server: an Arrow Flight RPC server running a data service plugin.\n\n"
         "commands:\n"
         "  start    start the server with a methods plugin\n"
         "  config   print the effective configuration (or --docs: the settings reference)\n\n"
         "options:\n"
         "  -h, --help  show this help message and exit\n"
         "  --version   print the version and exit\n",
         k_usage);
}

static void print_start_help(void) {
  printf("usage: gooddata-flight-server start [-h] --methods-provider PATH|NAME [--config FILE ...]\n"
         "                                    [--config-end] [--logging-config FILE] [--dev-log]\n\n"
         "options:\n"
         "  -h, --help            show this help message and exit\n"
         "  --methods-provider M  plugin shared library: a path to a .so, or a name resolved as\n"
         "                        lib<M>.so through the loader path and ../examples next to the binary;\n"
         "                        `flexconnect` is the built-in FlexConnect provider ([flexconnect])\n"
         "  --config FILE ...     settings files (TOML), loaded in order; later files win;\n"
         "                        GOODDATA_FLIGHT_* environment variables override them\n"
         "  --config-end          ends the --config list\n"
         "  --logging-config F    logger levels file (INI)\n"
         "  --dev-log             human-readable log lines instead of JSON\n");
}

static void print_config_help(void) {
  printf("usage: gooddata-flight-server config [-h] [--config FILE ...] [--config-end] [--docs]\n\n"
         "options:\n"
         "  -h, --help         show this help message and exit\n"
         "  --config FILE ...  settings files, loaded in order\n"
         "  --config-end       ends the --config list\n"
         "  --docs             print the settings reference (Markdown) instead\n");
}

typedef struct args {
  const char* provider;
  const char* files[MAX_FILES];
  size_t n_files;
  const char* logging_config;
  int dev_log;
  int docs;
  int help;
} args;

static int usage_error(const char* cmd, const char* msg) {
  fprintf(stderr, "usage: gooddata-flight-server %s ... (see --help)\ngooddata-flight-server %s: error: %s\n",
          cmd, cmd, msg);
  return 2;
}

/* Returns 0 or an exit code (2 = usage error). */
static int parse(const char* cmd, int argc, char** argv, args* a) {
  for (int i = 0; i < argc; i++) {
    const char* s = argv[i];
    if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
      a->help = 1;
    } else if (!strcmp(s, "--config")) {
      while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
        if (a->n_files == MAX_FILES) return usage_error(cmd, "too many --config files");
        a->files[a->n_files++] = argv[++i];
      }
    } else if (!strcmp(s, "--config-end")) {
    } else if (!strcmp(cmd, "start") && !strcmp(s, "--methods-provider")) {
      if (i + 1 >= argc) return usage_error(cmd, "argument --methods-provider: expected one argument");
      a->provider = argv[++i];
    } else if (!strcmp(cmd, "start") && !strcmp(s, "--logging-config")) {
      if (i + 1 >= argc) return usage_error(cmd, "argument --logging-config: expected one argument");
      a->logging_config = argv[++i];
    } else if (!strcmp(cmd, "start") && !strcmp(s, "--dev-log")) {
      a->dev_log = 1;
    } else if (!strcmp(cmd, "config") && !strcmp(s, "--docs")) {
      a->docs = 1;
    } else {
      char msg[300];
      snprintf(msg, sizeof(msg), "unrecognized arguments: %s", s);
      return usage_error(cmd, msg);
    }
  }
  return 0;
}

static int cmd_config(int argc, char** argv) {
  args a = {0};
  int rc = parse("config", argc, argv, &a);
  if (rc) return rc;
  if (a.help) {
    print_config_help();
    return 0;
  }
  if (a.docs) return gf_config_print_docs(stdout) ? 1 : 0;
  gf_server_options o = {0};
  o.struct_size = sizeof(o);
  o.config_files = a.files;
  o.n_config_files = a.n_files;
  gf_error err = {0};
  rc = gf_config_print(&o, stdout, &err);
  if (rc == GF_IO_ERROR) fprintf(stderr, "gooddata-flight-server config: %s\n", err.message);
  else if (rc) fprintf(stderr, "An error has occurred while reading settings: %s\n", err.message);
  return rc ? 1 : 0;
}

static int run_server(gf_server* srv) {
  gf_error err = {0};
  if (gf_server_handle_signals(srv, &err) || gf_server_start(srv, &err)) {
    fprintf(stderr, "An unexpected error has occurred while starting server: %s\n", err.message);
    return 1;
  }
  gf_server_wait_for_stop(srv, -1);
  return 0;
}

static int cmd_start(int argc, char** argv) {
  args a = {0};
  int rc = parse("start", argc, argv, &a);
  if (rc) return rc;
  if (a.help) {
    print_start_help();
    return 0;
  }
  if (!a.provider) return usage_error("start", "the following arguments are required: --methods-provider");
  gf_error err = {0};
  gf_plugin* plugin = NULL;
  gf_methods_factory factory = gf_flexconnect_factory; /* built-in provider */
  if (strcmp(a.provider, BUILTIN_FLEXCONNECT) != 0 && gf_plugin_load(a.provider, &plugin, &err)) {
    fprintf(stderr, "An error has occurred while getting the FlightMethodsFactory: %s\n", err.message);
    return 1;
  }
  gf_server_options o = {0};
  o.struct_size = sizeof(o);
  o.config_files = a.files;
  o.n_config_files = a.n_files;
  o.logging_config = a.logging_config;
  o.dev_log = a.dev_log;
  gf_server* srv = NULL;
  if (plugin != NULL) factory = gf_plugin_factory(plugin);
  if (gf_server_create(&o, factory, &srv, &err)) {
    fprintf(stderr, "An error has occurred while reading settings: %s\n", err.message);
    gf_plugin_unload(plugin);
    return 1;
  }
  /* this thread logs through the server's logging, like its own threads */
  void* prev = gf_context_enter(gf_server_get_context(srv));
  rc = run_server(srv);
  gf_context_exit(prev);
  gf_server_free(srv);
  gf_plugin_unload(plugin);
  return rc;
}

int main(int argc, char** argv) {
  /* First statement: glibc fixes the malloc arena limit when the first
   * thread arena is created, so tuning later has no effect. */
  gf_process_tune_malloc();
  if (argc < 2) {
    fputs(k_usage, stdout);
    return 1;
  }
  const char* cmd = argv[1];
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
    print_main_help();
    return 0;
  }
  if (!strcmp(cmd, "--version")) {
    printf("gooddata-flight-server %s\n", gf_version_string());
    return 0;
  }
  if (!strcmp(cmd, "start")) return cmd_start(argc - 2, argv + 2);
  if (!strcmp(cmd, "config")) return cmd_config(argc - 2, argv + 2);
  fprintf(stderr, "%sgooddata-flight-server: error: argument command: invalid choice: '%s' (choose from 'start', 'config')\n",
          k_usage, cmd);
  return 2;
}
