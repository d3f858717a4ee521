/* gooddata-flight: the commands that describe what a server serves: list
 * (ListFlights), info (GetFlightInfo), schema (GetSchema), actions
 * (ListActions) and action (DoAction), with the FlightInfo and schema
 * printers. Main thread. */
#include <stdlib.h>
#include <string.h>

#include "opts.h"

/* Printable UTF-8 without control characters? */
static bool is_text(gf_bytes b) {
  for (size_t i = 0; i < b.len; i++) {
    unsigned char ch = b.data[i];
    if (ch < 0x20 && ch != '\t') return false;
    if (ch == 0x7f) return false;
    if (ch >= 0x80) { /* UTF-8 sequence */
      int n = ch >= 0xF0 ? 3 : ch >= 0xE0 ? 2 : ch >= 0xC2 ? 1 : -1;
      if (n < 0) return false;
      for (int k = 1; k <= n; k++)
        if (i + (size_t)k >= b.len || (b.data[i + k] & 0xC0) != 0x80) return false;
      i += (size_t)n;
    }
  }
  return true;
}

/* Text as is, else 0x<hex>. */
static void bytes_text(sbuf* sb, gf_bytes b) {
  if (is_text(b)) return sb_put(sb, b.data, b.len);
  sb_puts(sb, "0x");
  for (size_t i = 0; i < b.len; i++) sb_printf(sb, "%02x", b.data[i]);
}

void print_bytes_text(FILE* f, gf_bytes b) {
  sbuf sb = {0};
  bytes_text(&sb, b);
  if (sb.len) fwrite(sb.data, 1, sb.len, f);
  sb_free(&sb);
}

static void descriptor_text(sbuf* sb, const gf_descriptor* d) {
  if (!d) return sb_puts(sb, "(none)");
  if (d->type == GF_DESCRIPTOR_CMD) {
    sb_puts(sb, "cmd:");
    return bytes_text(sb, d->cmd);
  }
  sb_puts(sb, "path:");
  for (size_t i = 0; i < d->n_path; i++) {
    if (i) sb_putc(sb, '/');
    sb_puts(sb, d->path[i]);
  }
}

/* "name: type, ..." of the top-level fields. */
static void schema_line(sbuf* sb, const gf_flight_info* info) {
  struct ArrowSchema s;
  memset(&s, 0, sizeof(s));
  if (gf_flight_info_schema_bytes(info).len == 0) return sb_puts(sb, "(no schema)");
  if (gf_flight_info_schema(info, &s, NULL)) return sb_puts(sb, "(unreadable schema)");
  for (int64_t i = 0; i < s.n_children; i++) {
    if (i) sb_puts(sb, ", ");
    sb_printf(sb, "%s: ", s.children[i]->name ? s.children[i]->name : "");
    type_text(s.children[i], sb);
  }
  s.release(&s);
}

static void print_metadata(FILE* f, const char* md, int indent) {
  if (!md) return;
  size_t pos = 0;
  gf_metadata_entry e;
  while (gf_metadata_next(md, &pos, &e) == 1) {
    sbuf sb = {0};
    bytes_text(&sb, e.key);
    sb_puts(&sb, " = ");
    bytes_text(&sb, e.value);
    fprintf(f, "%*smetadata: %s\n", indent, "", sb.data);
    sb_free(&sb);
  }
}

void print_schema_tree(FILE* f, const struct ArrowSchema* s, int indent) {
  if (indent == 0) print_metadata(f, s->metadata, 0);
  for (int64_t i = 0; i < s->n_children; i++) {
    const struct ArrowSchema* ch = s->children[i];
    gf_type t;
    bool nested = gf_type_parse(ch->format, &t, NULL) == GF_OK && ch->n_children > 0 && !ch->dictionary;
    sbuf sb = {0};
    if (nested) {
      sb_puts(&sb, gf_type_id_name(t.id));
      if (t.id == GF_TYPE_FIXED_SIZE_LIST) sb_printf(&sb, "[%d]", t.list_size);
    } else {
      type_text(ch, &sb);
    }
    fprintf(f, "%*s%s: %s%s\n", indent, "", ch->name ? ch->name : "", sb.data,
            ch->flags & ARROW_FLAG_NULLABLE ? "" : " not null");
    sb_free(&sb);
    print_metadata(f, ch->metadata, indent + 2);
    if (nested) print_schema_tree(f, ch, indent + 2);
  }
}

static void print_info(FILE* f, const gf_flight_info* info) {
  sbuf sb = {0};
  descriptor_text(&sb, gf_flight_info_descriptor(info));
  fprintf(f, "descriptor: %s\n", sb.data);
  sb.len = 0;
  fprintf(f, "total_records: %lld\n", (long long)gf_flight_info_total_records(info));
  fprintf(f, "total_bytes: %lld\n", (long long)gf_flight_info_total_bytes(info));
  fprintf(f, "ordered: %s\n", gf_flight_info_ordered(info) ? "true" : "false");
  gf_bytes md = gf_flight_info_app_metadata(info);
  if (md.len) {
    bytes_text(&sb, md);
    fprintf(f, "app_metadata: %s\n", sb.data);
    sb.len = 0;
  }
  size_t n = gf_flight_info_endpoint_count(info);
  fprintf(f, "endpoints: %zu\n", n);
  for (size_t i = 0; i < n; i++) {
    const gf_flight_endpoint* ep = gf_flight_info_endpoint(info, i);
    sb.len = 0;
    bytes_text(&sb, gf_flight_endpoint_ticket(ep));
    fprintf(f, "  [%zu] ticket: %s\n", i, sb.data ? sb.data : "");
    for (size_t k = 0; k < gf_flight_endpoint_location_count(ep); k++)
      fprintf(f, "      location: %s\n", gf_flight_endpoint_location(ep, k));
    int64_t secs;
    int32_t nanos;
    if (gf_flight_endpoint_expiration(ep, &secs, &nanos))
      fprintf(f, "      expiration: %lld.%09d\n", (long long)secs, (int)nanos);
    md = gf_flight_endpoint_app_metadata(ep);
    if (md.len) {
      sb.len = 0;
      bytes_text(&sb, md);
      fprintf(f, "      app_metadata: %s\n", sb.data);
    }
  }
  struct ArrowSchema s;
  memset(&s, 0, sizeof(s));
  if (gf_flight_info_schema_bytes(info).len == 0) fprintf(f, "schema: (none)\n");
  else if (gf_flight_info_schema(info, &s, NULL)) fprintf(f, "schema: (unreadable)\n");
  else {
    fprintf(f, "schema:\n");
    print_schema_tree(f, &s, 2);
    print_metadata(f, s.metadata, 2);
    s.release(&s);
  }
  sb_free(&sb);
}

/* ---- list ----------------------------------------------------------------------------------- */

static const struct option plain_longopts[] = {COMMON_LONGOPTS, {0, 0, 0, 0}};
static const struct option desc_longopts[] = {COMMON_LONGOPTS, {"cmd", 1, 0, OPT_CMD}, {0, 0, 0, 0}};

static int cmd_opt(cli* c, void* state, int opt, const char* arg) {
  (void)c;
  if (opt != OPT_CMD) return -1;
  *(const char**)state = arg;
  return 0;
}

int cmd_list(cli* c, int argc, char** argv) {
  int first;
  int rc = parse_opts(c, argc, argv, plain_longopts, NULL, NULL,
                      "usage: gooddata-flight list [CRITERIA|@FILE] [OPTIONS]\n\n"
                      "ListFlights: one line per flight with its descriptor, record count, bytes,\n"
                      "endpoint count and schema (tab-separated, after a header line).\n",
                      &first);
  if (rc >= 0) return rc;
  if (argc - first > 1) return usage_error(c, "list takes at most one CRITERIA");
  char* crit = NULL;
  size_t crit_len = 0;
  if (first < argc && !(crit = cli_value(c, argv[first], &crit_len))) return EXIT_USAGE;
  if ((rc = cli_connect(c))) {
    free(crit);
    return rc;
  }
  gf_client_flight_list list = {0};
  gf_error err;
  gf_call_options o = cli_call_opts(c, NULL, 0);
  int r = gf_client_list_flights(c->client, &o, crit, crit_len, &list, &err);
  free(crit);
  if (r) return cli_report(c, "ListFlights", r, &err);
  printf("descriptor\trecords\tbytes\tendpoints\tschema\n");
  sbuf sb = {0};
  for (size_t i = 0; i < list.n; i++) {
    sb.len = 0;
    descriptor_text(&sb, gf_flight_info_descriptor(list.items[i]));
    for (size_t k = 0; k < sb.len; k++)
      if (sb.data[k] == '\t') sb.data[k] = ' ';
    sb_printf(&sb, "\t%lld\t%lld\t%zu\t", (long long)gf_flight_info_total_records(list.items[i]),
              (long long)gf_flight_info_total_bytes(list.items[i]),
              gf_flight_info_endpoint_count(list.items[i]));
    schema_line(&sb, list.items[i]);
    printf("%s\n", sb.data);
  }
  sb_free(&sb);
  gf_client_flight_list_clear(&list);
  return EXIT_OK;
}

/* ---- info / schema ------------------------------------------------------------------------------- */

static int describe(cli* c, int argc, char** argv, bool schema_only) {
  const char* cmd = NULL;
  int first;
  int rc = parse_opts(c, argc, argv, desc_longopts, cmd_opt, &cmd,
                      schema_only ? "usage: gooddata-flight schema PATH... | --cmd TEXT|@FILE [OPTIONS]\n\n"
                                    "GetSchema: the schema as an indented tree of fields (name: type,\n"
                                    "'not null' when not nullable) with their metadata.\n"
                                  : "usage: gooddata-flight info PATH... | --cmd TEXT|@FILE [OPTIONS]\n\n"
                                    "GetFlightInfo: descriptor, totals, endpoints (ticket, locations,\n"
                                    "expiration, app_metadata) and the schema as an indented tree.\n"
                                    "Bytes that are not printable UTF-8 are shown as 0x<hex>.\n",
                      &first);
  if (rc >= 0) return rc;
  desc_args d;
  if ((rc = desc_from_args(c, argv + first, argc - first, cmd, &d))) return rc;
  if ((rc = cli_connect(c))) {
    free(d.cmd);
    return rc;
  }
  gf_error err;
  gf_call_options o = cli_call_opts(c, NULL, 0);
  if (schema_only) {
    struct ArrowSchema s;
    memset(&s, 0, sizeof(s));
    int r = gf_client_get_schema(c->client, &o, &d.d, &s, &err);
    if (r) rc = cli_report(c, "GetSchema", r, &err);
    else {
      print_schema_tree(stdout, &s, 0);
      s.release(&s);
    }
  } else {
    gf_flight_info* info = NULL;
    int r = gf_client_get_flight_info(c->client, &o, &d.d, &info, &err);
    if (r) rc = cli_report(c, "GetFlightInfo", r, &err);
    else print_info(stdout, info);
    gf_flight_info_free(info);
  }
  free(d.cmd);
  return rc;
}

int cmd_info(cli* c, int argc, char** argv) { return describe(c, argc, argv, false); }
int cmd_schema(cli* c, int argc, char** argv) { return describe(c, argc, argv, true); }

/* ---- actions ---------------------------------------------------------------------------------------- */

int cmd_actions(cli* c, int argc, char** argv) {
  int first;
  int rc = parse_opts(c, argc, argv, plain_longopts, NULL, NULL,
                      "usage: gooddata-flight actions [OPTIONS]\n\n"
                      "ListActions: one line per action type: TYPE<tab>DESCRIPTION.\n",
                      &first);
  if (rc >= 0) return rc;
  if (first < argc) return usage_error(c, "actions takes no arguments");
  if ((rc = cli_connect(c))) return rc;
  gf_client_action_types types = {0};
  gf_error err;
  gf_call_options o = cli_call_opts(c, NULL, 0);
  int r = gf_client_list_actions(c->client, &o, &types, &err);
  if (r) return cli_report(c, "ListActions", r, &err);
  for (size_t i = 0; i < types.n; i++)
    printf("%s\t%s\n", types.items[i].type, types.items[i].description ? types.items[i].description : "");
  gf_client_action_types_clear(&types);
  return EXIT_OK;
}

int cmd_action(cli* c, int argc, char** argv) {
  int first;
  int rc = parse_opts(c, argc, argv, plain_longopts, NULL, NULL,
                      "usage: gooddata-flight action TYPE [BODY|@FILE] [OPTIONS]\n\n"
                      "DoAction: prints each result's body followed by a newline (bodies that\n"
                      "are not printable UTF-8 as 0x<hex>; with -v, raw).\n",
                      &first);
  if (rc >= 0) return rc;
  int n = argc - first;
  if (n < 1 || n > 2) return usage_error(c, "action takes TYPE and an optional BODY");
  char* body = NULL;
  size_t body_len = 0;
  if (n == 2 && !(body = cli_value(c, argv[first + 1], &body_len))) return EXIT_USAGE;
  if ((rc = cli_connect(c))) {
    free(body);
    return rc;
  }
  gf_client_bytes_list results = {0};
  gf_error err;
  gf_call_options o = cli_call_opts(c, NULL, 0);
  int r = gf_client_do_action(c->client, &o, argv[first], body, body_len, &results, &err);
  free(body);
  if (r) return cli_report(c, "DoAction", r, &err);
  for (size_t i = 0; i < results.n; i++) {
    if (c->verbose) fwrite(results.items[i].data, 1, results.items[i].len, stdout);
    else print_bytes_text(stdout, results.items[i]);
    putchar('\n');
  }
  gf_client_bytes_list_clear(&results);
  return EXIT_OK;
}
