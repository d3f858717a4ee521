/* gooddata-flight: downloading data. The endpoints of a FlightInfo (or one
 * ticket) are read in order as one ArrowArrayStream, each DoGet going to the
 * endpoint's location when it names another server; the output file counts
 * the bytes written for the progress line. The `get` command. Main thread. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "opts.h"

typedef struct multi {
  cli* c;
  const gf_flight_info* info;  /* NULL: one ticket on the main client */
  gf_bytes ticket;
  size_t next_ep, n_eps;
  gf_client* ep_client;        /* owned when not c->client */
  gf_flight_reader* r;
  struct ArrowSchema schema;
  int rc;                      /* first failure */
  gf_error err;
  char what[96];
  progress* p;
} multi;

static bool reuse_location(cli* c, const char* loc) {
  return strcmp(loc, c->conn.uri) == 0 || strncmp(loc, "arrow-flight-reuse-connection:", 30) == 0;
}

static int fail(multi* m, const char* what, int rc, const gf_error* err) {
  m->rc = rc;
  if (err) m->err = *err;
  else gf_error_set(&m->err, rc, "%s", what);
  snprintf(m->what, sizeof(m->what), "%s", what);
  return EIO;
}

static void close_reader(multi* m) {
  gf_flight_reader_free(m->r);
  m->r = NULL;
  if (m->ep_client && m->ep_client != m->c->client) gf_client_free(m->ep_client);
  m->ep_client = NULL;
}

/* DoGet of `ticket` on `client`, waiting for the schema. */
static int open_on(multi* m, gf_client* client, gf_bytes t, struct ArrowSchema* schema, gf_error* err) {
  gf_call_options o = cli_call_opts(m->c, NULL, 0);
  int rc = gf_client_do_get(client, &o, t.data, t.len, &m->r, err);
  if (rc == GF_OK) rc = gf_flight_reader_schema(m->r, schema, err);
  if (rc == GF_END_OF_STREAM) rc = gf_error_set(err, GF_INTERNAL, "DoGet: the stream ended without a schema");
  return rc;
}

/* Opens endpoint m->next_ep (or the ticket); GF_END_OF_STREAM when none is left. */
static int open_next(multi* m, struct ArrowSchema* schema) {
  gf_error err;
  memset(&err, 0, sizeof(err));
  if (!m->info) {
    if (m->next_ep++) return GF_END_OF_STREAM;
    m->ep_client = m->c->client;
    int rc = open_on(m, m->c->client, m->ticket, schema, &err);
    return rc ? fail(m, "DoGet", rc, &err) : GF_OK;
  }
  if (m->next_ep >= m->n_eps) return GF_END_OF_STREAM;
  const gf_flight_endpoint* ep = gf_flight_info_endpoint(m->info, m->next_ep++);
  gf_bytes t = gf_flight_endpoint_ticket(ep);
  size_t nloc = gf_flight_endpoint_location_count(ep);
  int rc = GF_UNAVAILABLE;
  for (size_t i = 0; i < (nloc ? nloc : 1); i++) {
    const char* loc = nloc ? gf_flight_endpoint_location(ep, i) : NULL;
    gf_client* client = m->c->client;
    if (loc && !reuse_location(m->c, loc)) {
      rc = cli_connect_to(m->c, loc, &client, &err);
      if (rc) {
        gf_error_prefix(&err, "endpoint %zu location '%s'", m->next_ep - 1, loc);
        continue;
      }
    }
    m->ep_client = client;
    rc = open_on(m, client, t, schema, &err);
    if (rc == GF_OK) return GF_OK;
    int code = cli_exit_code(m->c, rc);
    close_reader(m);
    if (code != EXIT_CONNECT) break; /* a server answered: do not try elsewhere */
    if (loc) gf_error_prefix(&err, "endpoint %zu location '%s'", m->next_ep - 1, loc);
  }
  return fail(m, "DoGet", rc, &err);
}

static int m_get_schema(struct ArrowArrayStream* s, struct ArrowSchema* out) {
  multi* m = s->private_data;
  if (m->rc) return EIO;
  if (!m->schema.release) {
    int rc = open_next(m, &m->schema);
    if (rc == GF_END_OF_STREAM) { /* no endpoints: the FlightInfo's schema */
      gf_error err;
      if (!m->info || (rc = gf_flight_info_schema(m->info, &m->schema, &err)))
        return fail(m, "schema", rc ? rc : GF_INVALID_ARGUMENT, m->info ? &err : NULL);
    } else if (rc) {
      return rc;
    }
  }
  gf_error err;
  if (gf_schema_deep_copy(&m->schema, out, &err)) return fail(m, "schema", err.code, &err);
  return 0;
}

static int m_get_next(struct ArrowArrayStream* s, struct ArrowArray* out) {
  multi* m = s->private_data;
  memset(out, 0, sizeof(*out));
  if (m->rc) return EIO;
  for (;;) {
    if (!m->r) {
      struct ArrowSchema sch;
      memset(&sch, 0, sizeof(sch));
      int rc = open_next(m, &sch);
      if (rc == GF_END_OF_STREAM) return 0;
      if (rc) return rc;
      bool same = gf_schema_equals(&sch, &m->schema);
      sch.release(&sch);
      if (!same) {
        gf_error e;
        gf_error_set(&e, GF_INVALID_ARGUMENT, "endpoint %zu sent a schema that differs from the first endpoint's", m->next_ep - 1);
        return fail(m, "DoGet", GF_INVALID_ARGUMENT, &e);
      }
    }
    gf_bytes md;
    gf_error err;
    int rc = gf_flight_reader_next(m->r, out, &md, &err);
    if (rc == GF_END_OF_STREAM) {
      close_reader(m);
      continue;
    }
    if (rc) return fail(m, "DoGet", rc, &err);
    if (!out->release) continue;
    m->p->rows += out->length;
    progress_update(m->p, NULL);
    return 0;
  }
}

static const char* m_last_error(struct ArrowArrayStream* s) {
  multi* m = s->private_data;
  return m->rc ? m->err.message : NULL;
}

static void m_release(struct ArrowArrayStream* s) { s->release = NULL; }

/* ---- counting output ------------------------------------------------------------------ */

static ssize_t count_write(void* cookie, const char* buf, size_t n) {
  counter* k = cookie;
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(k->fd, buf + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return done ? (ssize_t)done : -1;
    done += (size_t)w;
  }
  k->p->bytes += (int64_t)n;
  return (ssize_t)n;
}

/* ---- fetch -------------------------------------------------------------------------------- */

static int fetch(cli* c, const gf_flight_info* info, gf_bytes ticket, FILE* out, const out_opts* o, progress* p) {
  multi m;
  memset(&m, 0, sizeof(m));
  m.c = c;
  m.info = info;
  m.ticket = ticket;
  m.n_eps = info ? gf_flight_info_endpoint_count(info) : 1;
  m.p = p;
  struct ArrowArrayStream s = {m_get_schema, m_get_next, m_last_error, m_release, &m};
  gf_error err;
  memset(&err, 0, sizeof(err));
  int rc = write_stream(out, &s, o, p, &err);
  close_reader(&m);
  if (m.schema.release) m.schema.release(&m.schema);
  progress_end(p);
  if (m.rc) return cli_report(c, m.what, m.rc, &m.err);
  if (rc) {
    bool dict = o->format == FMT_ARROW_FILE && strstr(err.message, "dictionary");
    fprintf(stderr, "%s: %s%s\n", c->prog, err.message,
            dict ? " (the IPC file format cannot hold dictionaries that change between batches; use --format arrow)" : "");
    return EXIT_SERVER;
  }
  return EXIT_OK;
}

int fetch_info(cli* c, const gf_flight_info* info, FILE* out, const out_opts* o, progress* p) {
  return fetch(c, info, (gf_bytes){NULL, 0}, out, o, p);
}

/* ---- get -------------------------------------------------------------------------------------- */

typedef struct get_args {
  const char* cmd;
  const char* ticket;
  const char* format;
  const char* output;
  int max_width;
} get_args;

static int get_opt(cli* c, void* state, int opt, const char* arg) {
  get_args* g = state;
  switch (opt) {
    case OPT_CMD: g->cmd = arg; return 0;
    case OPT_TICKET: g->ticket = arg; return 0;
    case 'f': case OPT_FORMAT: g->format = arg; return 0;
    case 'o': case OPT_OUTPUT: g->output = arg; return 0;
    case OPT_MAX_WIDTH: g->max_width = atoi(arg);
      return g->max_width < 2 ? usage_error(c, "--max-width '%s': expected a number >= 2", arg) : 0;
    default: return -1;
  }
}

static const struct option get_longopts[] = {
    COMMON_LONGOPTS, {"cmd", 1, 0, OPT_CMD}, {"ticket", 1, 0, OPT_TICKET},
    {"format", 1, 0, 'f'}, {"output", 1, 0, 'o'}, {"max-width", 1, 0, OPT_MAX_WIDTH}, {0, 0, 0, 0}};

static const char get_usage[] =
    "usage: gooddata-flight get PATH... | --cmd TEXT|@FILE | --ticket TEXT|@FILE [OPTIONS]\n\n"
    "GetFlightInfo for the descriptor, then DoGet of every endpoint in order (on the\n"
    "endpoint's location when it names another server); --ticket skips GetFlightInfo.\n\n"
    "  -f, --format F     table | csv | jsonl | arrow (IPC stream) | arrow-file\n"
    "                     (default: table on a terminal, else from the -o extension\n"
    "                     .csv/.jsonl/.arrow/.arrows, else csv)\n"
    "  -o, --output FILE  write to FILE instead of stdout\n"
    "  --max-width N      table: widest cell before it is cut with '...' (default 40)\n";

int open_output(cli* c, const char* format, const char* output, int max_width, out_opts* o, FILE** out, counter* k, progress* p) {
  memset(o, 0, sizeof(*o));
  o->max_width = max_width;
  bool tty = !output && isatty(1);
  if (format) {
    if (parse_format(format, &o->format)) return usage_error(c, "--format '%s': expected table, csv, jsonl, arrow or arrow-file", format);
  } else {
    const char* ext = output ? strrchr(output, '.') : NULL;
    o->format = tty ? FMT_TABLE : FMT_CSV;
    if (ext && strcmp(ext, ".jsonl") == 0) o->format = FMT_JSONL;
    if (ext && strcmp(ext, ".arrow") == 0) o->format = FMT_ARROW_FILE;
    if (ext && strcmp(ext, ".arrows") == 0) o->format = FMT_ARROW;
  }
  if (tty && (o->format == FMT_ARROW || o->format == FMT_ARROW_FILE))
    return usage_error(c, "will not write Arrow IPC to a terminal; use -o FILE or a pipe");
  /* Rows printed to the terminal would run into the progress line; a table
   * is printed only at the end, after the line is erased. */
  if (tty && o->format != FMT_TABLE && c->progress < 0) c->progress = 0;
  if (tty) {
    struct winsize ws;
    if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) o->term_width = ws.ws_col;
  }
  int fd = 1;
  if (output && strcmp(output, "-") != 0) {
    fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return usage_error(c, "cannot open '%s': %m", output);
  }
  k->fd = fd;
  k->p = p;
  cookie_io_functions_t io = {NULL, count_write, NULL, NULL};
  *out = fopencookie(k, "w", io);
  if (!*out) return usage_error(c, "cannot open the output: %m");
  setvbuf(*out, NULL, _IOFBF, 1 << 20);
  return -1;
}

int cmd_get(cli* c, int argc, char** argv) {
  get_args g;
  memset(&g, 0, sizeof(g));
  int first;
  int rc = parse_opts(c, argc, argv, get_longopts, get_opt, &g, get_usage, &first);
  if (rc >= 0) return rc;
  if (g.ticket && (g.cmd || first < argc)) return usage_error(c, "--ticket goes alone, without PATH or --cmd");
  desc_args d;
  memset(&d, 0, sizeof(d));
  char* ticket = NULL;
  size_t ticket_len = 0;
  if (g.ticket) {
    if (!(ticket = cli_value(c, g.ticket, &ticket_len))) return EXIT_USAGE;
  } else if ((rc = desc_from_args(c, argv + first, argc - first, g.cmd, &d))) {
    return rc;
  }
  progress p;
  counter k;
  out_opts o;
  FILE* out = NULL;
  rc = open_output(c, g.format, g.output, g.max_width, &o, &out, &k, &p);
  if (rc < 0 && (rc = cli_connect(c)) == EXIT_OK) {
    progress_start(&p, c->progress > 0);
    if (ticket) {
      rc = fetch(c, NULL, (gf_bytes){(const uint8_t*)ticket, ticket_len}, out, &o, &p);
    } else {
      gf_flight_info* info = NULL;
      gf_error err;
      gf_call_options co = cli_call_opts(c, NULL, 0);
      int r = gf_client_get_flight_info(c->client, &co, &d.d, &info, &err);
      rc = r ? cli_report(c, "GetFlightInfo", r, &err) : fetch_info(c, info, out, &o, &p);
      gf_flight_info_free(info);
    }
  }
  if (out && fclose(out) != 0 && rc == EXIT_OK) rc = usage_error(c, "cannot write the output: %m");
  if (out && k.fd != 1) close(k.fd);
  free(ticket);
  free(d.cmd);
  return rc;
}
