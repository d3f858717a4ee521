/* Generator of docs/configuration.md: a hand-written introduction followed by
 * the reference derived from the settings table. tests/config/test_docs.c
 * checks the committed file is up to date (and can rewrite it). Pure; any
 * thread. */
#include <ctype.h>
#include <string.h>

#include "config/config_internal.h"

static const char intro[] =
    "# Configuration\n"
    "\n"
    "<!-- GENERATED FILE: produced by gf__config_docs_markdown() from\n"
    "     src/config/config_docs.c (this introduction) and src/config/settings_table.c\n"
    "     (the reference). Do not edit by hand; regenerate with\n"
    "       make build/tests/config/test_docs && build/tests/config/test_docs --write docs/configuration.md\n"
    "     The test suite fails when this file is out of date. -->\n"
    "\n"
    "The server reads its settings from TOML files given on the command line and\n"
    "from `GOODDATA_FLIGHT_*` environment variables. The `[server]` section configures\n"
    "the server itself, `[enumerated_tokens]` holds the tokens of the built-in token\n"
    "authentication, and every other section is free for your service: plugins read\n"
    "them through `gooddata_flight_server/config.h`.\n"
    "\n"
    "## Files\n"
    "\n"
    "```shell\n"
    "$ gooddata-flight-server start --methods-provider ./libmy_service.so \\\n"
    "    --config server.toml my_service.toml\n"
    "```\n"
    "\n"
    "```toml\n"
    "[server]\n"
    "listen_host = \"0.0.0.0\"\n"
    "listen_port = 17001\n"
    "advertise_host = \"flight.example.com\"\n"
    "health_check_host = \"0.0.0.0\"\n"
    "\n"
    "[my_service]\n"
    "# env: GOODDATA_FLIGHT_MY_SERVICE__OPT1\n"
    "opt1 = \"value\"\n"
    "```\n"
    "\n"
    "* Files are read in the order given. Each must exist (`Settings file <f> does not\n"
    "  exist.`) and be a regular file (`Path <f> is a directory and not a settings\n"
    "  file.`). Relative paths are relative to the working directory.\n"
    "* Files are TOML 1.0. Syntax errors name the place: `server.toml:3:15: reason`.\n"
    "* **Later files override earlier ones key by key** (tables are merged deeply;\n"
    "  any other value, including arrays, is replaced). So an override file may\n"
    "  contain just `[server]` `listen_port = 18001` and every other `[server]` setting\n"
    "  of the earlier files stays.\n"
    "\n"
    "  The Python server (Dynaconf with merging off) instead replaces a whole\n"
    "  top-level table when a later file defines it again. We merge because a partial\n"
    "  override file is what operators mean when they write one, and nothing that\n"
    "  worked with the Python server changes meaning: a later file that repeats every\n"
    "  key gives the same result either way. Only a later file that *omits* keys\n"
    "  differs; there the Python server fell back to defaults, we keep the earlier\n"
    "  values.\n"
    "* Only TOML is read (Dynaconf also accepted YAML/JSON/INI and `*.local.*` files).\n"
    "\n"
    "## Environment variables\n"
    "\n"
    "Every setting can also be given as `GOODDATA_FLIGHT_{SECTION}__{KEY}`:\n"
    "\n"
    "```shell\n"
    "GOODDATA_FLIGHT_SERVER__LISTEN_PORT=17002           # server.listen_port = 17002\n"
    "GOODDATA_FLIGHT_SERVER__USE_TLS=true                # server.use_tls = true\n"
    "GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE=@/tls/cert.pem\n"
    "GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS='[\"t1\", \"t2\"]'\n"
    "GOODDATA_FLIGHT_MY_SERVICE__LIMITS__MAX_ROWS=1000   # my_service.limits.max_rows\n"
    "GOODDATA_FLIGHT_MY_SERVICE__OPTS='{a = \"b\"}'        # my_service.opts = { a = \"b\" }\n"
    "```\n"
    "\n"
    "* The prefix `GOODDATA_FLIGHT_` is case-sensitive; each further `__` nests one\n"
    "  level deeper. Keys are lower-cased and all lookups are case-insensitive.\n"
    "* A variable sets only its own leaf: sibling keys from the files stay. A value\n"
    "  that is a table is merged into an existing table.\n"
    "* The value is read as a TOML value when it is one: `17001` (integer), `true` /\n"
    "  `false` (also `True` / `False`), `1.5`, `[\"a\", \"b\"]`, `{a = \"b\"}`, `\"quoted\"`.\n"
    "  Anything else stays a plain string (`localhost`, `TRUE`, `@/path/cert.pem`).\n"
    "\n"
    "## Precedence\n"
    "\n"
    "default < first `--config` file < later files < environment variables.\n"
    "\n"
    "## Values read from files (`@/path`)\n"
    "\n"
    "A string setting marked *@file* below, and each element of\n"
    "`[enumerated_tokens] tokens`, may be `@/path/to/file` (blanks around it are\n"
    "ignored): the value is then the contents of that file (tokens: with surrounding\n"
    "whitespace removed). The TLS files are only read when TLS (and for the root\n"
    "certificate, mTLS) is on. A file that cannot be read fails start-up with the\n"
    "setting, the path and the reason.\n"
    "\n"
    "## Validation\n"
    "\n"
    "The `[server]` settings are checked at start-up. Each problem is reported on\n"
    "one line with the setting, the value (secrets redacted) and where it came from:\n"
    "\n"
    "```text\n"
    "server.listen_port: expected an integer in 0..65535, got \"abc\" (from env GOODDATA_FLIGHT_SERVER__LISTEN_PORT)\n"
    "server.task_threads: expected an integer in 1..4096, got 0 (from server.toml:7)\n"
    "```\n"
    "\n"
    "* Integers may also be written as strings of digits (`\"17001\"`); booleans accept\n"
    "  `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0` (any case). The Python server\n"
    "  turned any string, even `\"FALSE\"`, into true; we reject what is not one of\n"
    "  these.\n"
    "* Unknown keys in `[server]` are reported as warnings (event `unknown_setting`,\n"
    "  logger `gooddata_flight_server.config`) with the closest known name, e.g.\n"
    "  `server.listen_prot: unknown setting (from server.toml:2); did you mean\n"
    "  'listen_port'?`.\n"
    "* Secrets (`tls_private_key`, tokens, and keys in other sections whose name\n"
    "  contains `password`, `secret`, `token`, `private_key`, `api_key` or\n"
    "  `credential`) are never printed or logged; certificates are shortened to their\n"
    "  first and last 38 characters.\n"
    "\n"
    "The `config` command of the CLI prints the effective configuration: every\n"
    "known setting with its value and its source (`default`, `file:line` or\n"
    "`env NAME`), followed by the other sections.\n"
    "\n"
    "## Settings of your service\n"
    "\n"
    "```c\n"
    "#include \"gooddata_flight_server/config.h\"\n"
    "\n"
    "const gf_settings* s = gf_context_settings(ctx);\n"
    "const char* opt1;\n"
    "int64_t max_rows;\n"
    "gf_error err;\n"
    "if (gf_settings_get_string(s, \"my_service.opt1\", \"default\", &opt1, &err) != GF_OK ||\n"
    "    gf_settings_get_int(s, \"my_service.limits.max_rows\", 100, &max_rows, &err) != GF_OK)\n"
    "  return err.code; /* err.message: \"my_service.opt1: expected a string, got integer (from my.toml:3)\" */\n"
    "```\n"
    "\n"
    "Paths are dotted and case-insensitive; a numeric part indexes a list\n"
    "(`my_service.hosts.0`). `gf_settings_list_len`, `gf_settings_table_len`,\n"
    "`gf_settings_table_key` and `gf_settings_source` walk lists and tables and tell\n"
    "where a value came from.\n";

static const char* kind_text(const gf__setting_def* d) {
  switch (d->kind) {
    case GF__SK_STR: return "string";
    case GF__SK_INT: return "integer";
    case GF__SK_BOOL: return "boolean";
    case GF__SK_ENUM: return "string, one of";
    case GF__SK_TRACE_KEYS: return "table";
    case GF__SK_STR_LIST: return "list of strings";
  }
  return "?";
}

static void setting_doc(FILE* out, const gf__setting_def* d) {
  char env[160];
  gf__setting_env_name(d, env, sizeof(env));
  fprintf(out, "### `%s.%s`\n\n%s\n\n", d->section, d->name, d->help);
  fprintf(out, "* env: `%s`\n* type: %s", env, kind_text(d));
  if (d->kind == GF__SK_INT) fprintf(out, " in %lld..%lld", (long long)d->min, (long long)d->max);
  for (int i = 0; d->enum_values && d->enum_values[i]; i++)
    fprintf(out, "%s`%s`", i ? ", " : " ", d->enum_values[i]);
  fputc('\n', out);
  if (d->dflt) fprintf(out, "* default: `%s`\n", d->dflt);
  else if (d->dflt_doc) fprintf(out, "* default: %s\n", d->dflt_doc);
  else fputs("* default: unset\n", out);
  if (d->flags & (GF__SF_SECRET | GF__SF_AT_FILE)) {
    fputs("* ", out);
    if (d->flags & GF__SF_SECRET) fputs("secret (redacted in logs and printouts)", out);
    if ((d->flags & GF__SF_SECRET) && (d->flags & GF__SF_AT_FILE)) fputs("; ", out);
    if (d->flags & GF__SF_AT_FILE) fputs("@file: `@/path` reads the value from a file", out);
    fputc('\n', out);
  }
  if (d->flags & GF__SF_ADDED) fputs("* added by this implementation (not in the Python server)\n", out);
  fputc('\n', out);
}

int gf__config_docs_markdown(FILE* out) {
  fputs(intro, out);
  fputs("\n## Reference: `[server]`\n\n", out);
  for (size_t i = 0; i < gf__settings_table_len; i++)
    if (strcmp(gf__settings_table[i].section, "server") == 0 &&
        !(gf__settings_table[i].flags & GF__SF_ADDED))
      setting_doc(out, &gf__settings_table[i]);
  fputs("## Reference: `[server]` settings added by this implementation\n\n", out);
  for (size_t i = 0; i < gf__settings_table_len; i++)
    if (gf__settings_table[i].flags & GF__SF_ADDED) setting_doc(out, &gf__settings_table[i]);
  fputs("## Reference: `[enumerated_tokens]`\n\n", out);
  for (size_t i = 0; i < gf__settings_table_len; i++)
    if (strcmp(gf__settings_table[i].section, "enumerated_tokens") == 0)
      setting_doc(out, &gf__settings_table[i]);
  fputs("## Reference: `[flexconnect]`\n\n"
        "Read by the built-in FlexConnect methods provider (`--methods-provider flexconnect`) when "
        "it starts; see docs/flexconnect.md.\n\n", out);
  for (size_t i = 0; i < gf__settings_table_len; i++)
    if (strcmp(gf__settings_table[i].section, "flexconnect") == 0)
      setting_doc(out, &gf__settings_table[i]);
  return ferror(out) ? GF_IO_ERROR : GF_OK;
}
