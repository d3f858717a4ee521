/* gooddata-flight: connection options (URI, token, headers, TLS files,
 * timeout) and the client built from them, the one-line error report with
 * the ErrorInfo code and the exit-code rules, @file values, descriptors from
 * command-line arguments. Main thread. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- files and values ----------------------------------------------------------------- */

char* read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  sbuf b = {0};
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) sb_put(&b, buf, n);
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    sb_free(&b);
    return NULL;
  }
  if (!b.data) sb_put(&b, "", 0);
  if (len) *len = b.len;
  return b.data;
}

int usage_error(cli* c, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", c->prog);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, " (see --help)\n");
  va_end(ap);
  return EXIT_USAGE;
}

char* cli_value(cli* c, const char* v, size_t* len) {
  if (v[0] == '@' && v[1] != '@') {
    char* d = read_file(v + 1, len);
    if (!d) usage_error(c, "cannot read '%s': %m", v + 1);
    return d;
  }
  if (v[0] == '@') v++; /* "@@text" is the literal "@text" */
  *len = strlen(v);
  return strdup(v);
}

static char* pem_file(cli* c, const char* opt, const char* path) {
  char* d = read_file(path, NULL);
  if (!d) usage_error(c, "%s: cannot read '%s': %m", opt, path);
  return d;
}

int conn_option(cli* c, const char* name, const char* v) {
  conn_opts* o = &c->conn;
  size_t len;
  if (strcmp(name, "uri") == 0) o->uri = v;
  else if (strcmp(name, "token") == 0) {
    free(o->token);
    if (!(o->token = cli_value(c, v, &len))) return EXIT_USAGE;
  } else if (strcmp(name, "header") == 0) {
    const char* eq = strchr(v, '=');
    if (!eq || eq == v) return usage_error(c, "--header '%s': expected KEY=VALUE", v);
    if (o->n_headers == sizeof(o->headers) / sizeof(o->headers[0]))
      return usage_error(c, "too many --header options");
    char* k = strndup(v, (size_t)(eq - v));
    for (char* p = k; *p; p++) *p = (char)tolower((unsigned char)*p);
    o->header_store[o->n_headers] = k;
    o->headers[o->n_headers++] = (gf_header){k, eq + 1, strlen(eq + 1)};
  } else if (strcmp(name, "tls-root-cert") == 0) {
    free(o->root_certs);
    if (!(o->root_certs = pem_file(c, "--tls-root-cert", v))) return EXIT_USAGE;
  } else if (strcmp(name, "tls-cert") == 0) {
    free(o->cert_chain);
    if (!(o->cert_chain = pem_file(c, "--tls-cert", v))) return EXIT_USAGE;
  } else if (strcmp(name, "tls-key") == 0) {
    free(o->private_key);
    if (!(o->private_key = pem_file(c, "--tls-key", v))) return EXIT_USAGE;
  } else if (strcmp(name, "tls-server-name") == 0) o->server_name = v;
  else if (strcmp(name, "timeout") == 0) {
    char* end;
    double s = strtod(v, &end);
    if (*end || !(s > 0) || s > 1e9) return usage_error(c, "--timeout '%s': expected seconds > 0", v);
    o->timeout_ms = (int64_t)(s * 1000 + 0.5);
    if (o->timeout_ms < 1) o->timeout_ms = 1;
  } else return -1;
  return 0;
}

static gf_client_options client_options(cli* c) {
  conn_opts* o = &c->conn;
  gf_client_options co;
  memset(&co, 0, sizeof(co));
  co.struct_size = sizeof(co);
  co.tls_root_certs = o->root_certs;
  co.tls_cert_chain = o->cert_chain;
  co.tls_private_key = o->private_key;
  co.tls_override_hostname = o->server_name;
  co.headers = o->headers;
  co.n_headers = o->n_headers;
  co.default_deadline_ms = o->timeout_ms;
  return co;
}

int cli_connect_to(cli* c, const char* uri, gf_client** out, gf_error* err) {
  gf_client_options co = client_options(c);
  return gf_client_create(uri, &co, out, err);
}

int cli_connect(cli* c) {
  conn_opts* o = &c->conn;
  if (!o->uri) o->uri = getenv("GOODDATA_FLIGHT_URI");
  if (!o->uri || !*o->uri) o->uri = "grpc://127.0.0.1:17001";
  if (!o->token) {
    const char* t = getenv("GOODDATA_FLIGHT_TOKEN");
    if (t && *t) {
      size_t len;
      if (!(o->token = cli_value(c, t, &len))) return EXIT_USAGE;
    }
  }
  if (!o->cert_chain != !o->private_key) return usage_error(c, "--tls-cert and --tls-key go together");
  if (o->token) {
    size_t n = strlen(o->token);
    while (n && (o->token[n - 1] == '\n' || o->token[n - 1] == '\r' || o->token[n - 1] == ' ')) o->token[--n] = 0;
    if (o->n_headers == sizeof(o->headers) / sizeof(o->headers[0])) return usage_error(c, "too many headers");
    char* v = malloc(n + 8);
    snprintf(v, n + 8, "Bearer %s", o->token);
    o->header_store[o->n_headers] = v;
    o->headers[o->n_headers++] = (gf_header){"authorization", v, strlen(v)};
  }
  if (c->progress < 0) c->progress = isatty(2);
  c->status = gf_rpc_status_create();
  gf_error err;
  if (cli_connect_to(c, o->uri, &c->client, &err)) {
    if (strncmp(err.message, "uri", 3) == 0) return usage_error(c, "%s", err.message);
    fprintf(stderr, "%s: cannot connect to %s: %s\n", c->prog, o->uri, err.message);
    return EXIT_CONNECT;
  }
  return EXIT_OK;
}

void cli_close(cli* c) {
  gf_client_free(c->client);
  gf_rpc_status_free(c->status);
  conn_opts* o = &c->conn;
  free(o->root_certs);
  free(o->cert_chain);
  free(o->private_key);
  free(o->token);
  for (size_t i = 0; i < o->n_headers; i++) free(o->header_store[i]);
  memset(o, 0, sizeof(*o));
  c->client = NULL;
  c->status = NULL;
}

gf_call_options cli_call_opts(cli* c, const gf_header* extra, size_t n_extra) {
  gf_call_options o;
  memset(&o, 0, sizeof(o));
  o.struct_size = sizeof(o);
  o.headers = extra;
  o.n_headers = n_extra;
  o.status = c->status;
  return o;
}

/* ---- errors --------------------------------------------------------------------------- */

/* The gRPC code of the status, or the nearest one for a local failure. */
static int grpc_code(cli* c, int rc) {
  if (c->status && gf_rpc_status_grpc_code(c->status)) return gf_rpc_status_grpc_code(c->status);
  return gf_status_grpc_code(rc);
}

int cli_exit_code(cli* c, int rc) {
  if (rc == GF_OK) return EXIT_OK;
  /* No answer from a server at all (no x-arrow-status, no headers): the
   * connection or the TLS handshake failed. */
  if (grpc_code(c, rc) == 14 && c->status && gf_rpc_status_arrow_code(c->status) < 0 &&
      gf_rpc_status_extra_info(c->status).len == 0 && gf_rpc_status_header_count(c->status) == 0)
    return EXIT_CONNECT;
  return EXIT_SERVER;
}

int cli_report(cli* c, const char* what, int rc, const gf_error* err) {
  int code = grpc_code(c, rc);
  const char* msg = err ? err->message : "";
  gf_bytes extra = c->status ? gf_rpc_status_extra_info(c->status) : (gf_bytes){NULL, 0};
  gf_error_info info;
  memset(&info, 0, sizeof(info));
  bool have_info = extra.len > 0 && gf_error_info_from_json(extra.data, extra.len, &info, NULL) == GF_OK;
  sbuf b = {0};
  sb_printf(&b, "%s: %s: %s: ", c->prog, what, gf_grpc_code_name(code));
  if (have_info) {
    char name[64];
    gf_error_code_name(info.code, name, sizeof(name));
    for (char* p = name; *p && *p != ' '; p++) *p = (char)toupper((unsigned char)*p);
    sb_printf(&b, "%s: %s", name, info.msg ? info.msg : msg);
  } else {
    sb_puts(&b, msg);
  }
  for (size_t i = 0; i < b.len; i++)
    if (b.data[i] == '\n' || b.data[i] == '\r') b.data[i] = ' ';
  fprintf(stderr, "%s\n", b.data);
  if (c->verbose && have_info) {
    if (info.detail) fprintf(stderr, "  detail: %s\n", info.detail);
    fprintf(stderr, "  error code: %ld (0x%lx)\n", (long)info.code, (unsigned long)(uint32_t)info.code);
    const char* hint = gf_error_code_is_retry_any(info.code)     ? "retry on any node"
                       : gf_error_code_is_retry_here(info.code)  ? "retry on the same node"
                       : gf_error_code_is_retry_other(info.code) ? "retry on another node"
                                                                 : "do not retry";
    fprintf(stderr, "  retry: %s\n", hint);
  }
  gf_error_info_clear(&info);
  sb_free(&b);
  return cli_exit_code(c, rc);
}

/* ---- descriptors ---------------------------------------------------------------------- */

int desc_from_args(cli* c, char** paths, int n, const char* cmd, desc_args* out) {
  memset(out, 0, sizeof(*out));
  if (cmd && n > 0) return usage_error(c, "give PATH... or --cmd, not both");
  if (cmd) {
    if (!(out->cmd = cli_value(c, cmd, &out->cmd_len))) return EXIT_USAGE;
    out->d.type = GF_DESCRIPTOR_CMD;
    out->d.cmd = (gf_bytes){(const uint8_t*)out->cmd, out->cmd_len};
    return EXIT_OK;
  }
  if (n == 0) return usage_error(c, "a PATH or --cmd is required");
  out->d.type = GF_DESCRIPTOR_PATH;
  out->d.n_path = (size_t)n;
  out->d.path = (const char* const*)paths;
  return EXIT_OK;
}
