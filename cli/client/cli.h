/* gooddata-flight, the terminal Flight client: shared declarations of the
 * command implementations, the connection (options, client, error report),
 * output formats, value rendering and the progress line. Everything runs on
 * the main thread except the interrupt thread (interrupt.c). */
#ifndef GF_CLI_CLIENT_H
#define GF_CLI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/client.h"
#include "gooddata_flight_server/errors.h"

/* Exit codes (docs/cli-client.md). */
enum { EXIT_OK = 0, EXIT_SERVER = 1, EXIT_USAGE = 2, EXIT_CONNECT = 3, EXIT_INTERRUPTED = 130 };

/* ---- growable byte buffer ------------------------------------------------- */
typedef struct sbuf {
  char* data;
  size_t len, cap;
} sbuf;
void sb_put(sbuf* b, const void* p, size_t n);
void sb_puts(sbuf* b, const char* s);
void sb_putc(sbuf* b, char c);
void sb_printf(sbuf* b, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_json_string(sbuf* b, const void* p, size_t n);
void sb_free(sbuf* b);

/* ---- connection ------------------------------------------------------------- */
typedef struct conn_opts {
  const char* uri;
  char* root_certs;          /* PEM contents */
  char* cert_chain;
  char* private_key;
  const char* server_name;
  char* token;
  gf_header headers[64];
  char* header_store[64];
  size_t n_headers;
  int64_t timeout_ms;
} conn_opts;

typedef struct cli {
  conn_opts conn;
  gf_client* client;
  gf_rpc_status* status;
  int verbose;
  int progress;              /* 1: show the progress line */
  const char* prog;
} cli;

/* Parses one connection option (getopt long index name + value); 0 if handled. */
int conn_option(cli* c, const char* name, const char* value);
/* Fills defaults from the environment and connects. Returns an exit code. */
int cli_connect(cli* c);
/* Connects another client with the same options to `uri`. */
int cli_connect_to(cli* c, const char* uri, gf_client** out, gf_error* err);
void cli_close(cli* c);
/* Call options carrying c->status (and extra headers). */
gf_call_options cli_call_opts(cli* c, const gf_header* extra, size_t n_extra);
/* Prints the one-line error of a failed call and returns its exit code. */
int cli_report(cli* c, const char* what, int rc, const gf_error* err);
/* The exit code for a failed call (1 server, 3 connection). */
int cli_exit_code(cli* c, int rc);
/* Reads a value: "@file" -> file contents, else the text. *len set. NULL on error (message printed). */
char* cli_value(cli* c, const char* v, size_t* len);
char* read_file(const char* path, size_t* len);
int usage_error(cli* c, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

/* Descriptor from PATH... arguments or --cmd. */
typedef struct desc_args {
  gf_descriptor d;
  char* cmd;                 /* owned */
  size_t cmd_len;
} desc_args;
int desc_from_args(cli* c, char** paths, int n, const char* cmd, desc_args* out);

/* ---- progress ----------------------------------------------------------------- */
typedef struct progress {
  bool on;
  bool shown;
  double start, last;
  int64_t rows, bytes;
} progress;
double now_s(void);
void progress_start(progress* p, bool on);
void progress_update(progress* p, const char* label);
void progress_line(progress* p, const char* text);
/* Erases the line (it is drawn again on the next update). */
void progress_clear(progress* p);
void progress_end(progress* p);

/* ---- interrupt ------------------------------------------------------------------- */
/* Blocks SIGINT/SIGTERM/SIGHUP and starts the thread that handles them. */
void interrupt_init(cli* c);
/* What the interrupt thread does before exiting: clear the progress line and,
 * during a polled call, cancel the invocation with its cancel descriptor. */
void interrupt_set_progress(progress* p);
void interrupt_set_cancel(const gf_descriptor* cancel); /* NULL = none */

/* ---- output ---------------------------------------------------------------------- */
typedef enum out_format { FMT_TABLE, FMT_CSV, FMT_JSONL, FMT_ARROW, FMT_ARROW_FILE } out_format;
int parse_format(const char* s, out_format* f);

typedef struct out_opts {
  out_format format;
  int max_width;             /* table: widest cell */
  int term_width;            /* table: 0 = unknown */
} out_opts;

/* Writes a stream of record batches to `out` in the format. Returns a
 * gf_status; err filled. Counts rows/bytes into `p`. */
int write_stream(FILE* out, struct ArrowArrayStream* s, const out_opts* o, progress* p,
                 gf_error* err);

/* The output file: writes go to `fd` and count into p->bytes. */
typedef struct counter {
  int fd;
  progress* p;
} counter;
/* Output format and file from the options; returns an exit code, or -1 to go on. */
int open_output(cli* c, const char* format, const char* output, int max_width, out_opts* o,
                FILE** out, counter* k, progress* p);

/* ---- value rendering --------------------------------------------------------------- */
typedef struct col col;
/* Builds the accessor tree for one array with its schema (borrowed). */
col* col_new(const struct ArrowSchema* s, const struct ArrowArray* a, gf_error* err);
void col_free(col* c);
/* Renders row `i` (before the array's own offset). json = 1: a JSON value;
 * json = 0: text (strings bare; nested values as JSON). Nulls: JSON null,
 * text: nothing, and *is_null set. */
void col_render(const col* c, int64_t i, int json, sbuf* out, bool* is_null);
bool col_is_numeric(const col* c);
/* Shortest decimal text that reads back as the same value. */
void fmt_double(double v, sbuf* b);
void fmt_float(float v, sbuf* b);
void fmt_half(uint16_t h, sbuf* b);
/* One-line type name of a schema node ("int64", "list<item: int32>", ...). */
void type_text(const struct ArrowSchema* s, sbuf* b);

/* ---- commands ---------------------------------------------------------------------- */
int cmd_list(cli* c, int argc, char** argv);
int cmd_info(cli* c, int argc, char** argv);
int cmd_schema(cli* c, int argc, char** argv);
int cmd_get(cli* c, int argc, char** argv);
int cmd_put(cli* c, int argc, char** argv);
int cmd_actions(cli* c, int argc, char** argv);
int cmd_action(cli* c, int argc, char** argv);
int cmd_call(cli* c, int argc, char** argv);

/* Fetches every endpoint of `info` and writes the data (get, call). */
int fetch_info(cli* c, const gf_flight_info* info, FILE* out, const out_opts* o, progress* p);
/* Prints a schema as an indented tree. */
void print_schema_tree(FILE* f, const struct ArrowSchema* s, int indent);
void print_bytes_text(FILE* f, gf_bytes b);

#endif
