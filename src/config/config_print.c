/* Rendering of configuration: one-line values for error messages, the
 * effective-config printout (`gooddata-flight-server config`), the redacted
 * JSON for the server_startup log event, and host-name defaults. Secrets are
 * always redacted. Main thread (start-up / CLI); formatting is pure. */
#include <ctype.h>
#include <math.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/config_internal.h"

/* ---- small renderers ------------------------------------------------------- */

static void put_escaped(FILE* out, const char* s, size_t n, char quote) {
  fputc(quote, out);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c == '\n') fputs("\\n", out);
    else if (c == '\t') fputs("\\t", out);
    else if (c == '\r') fputs("\\r", out);
    else if (c < 0x20 || c == 0x7f) fprintf(out, quote == '"' ? "\\u%04X" : "\\u%04x", c);
    else fputc(c, out);
  }
  fputc(quote, out);
}

char* gf__redact_pem(const char* pem) {
  size_t n = strlen(pem);
  if (n <= 80) return strdup(pem);
  char* r = malloc(38 + 3 + 38 + 1);
  if (r == NULL) return NULL;
  memcpy(r, pem, 38);
  memcpy(r + 38, "...", 3);
  memcpy(r + 41, pem + n - 38, 38);
  r[79] = '\0';
  return r;
}

int gf__key_looks_secret(const char* key) {
  static const char* const words[] = {"password", "passwd", "secret", "token", "private_key",
                                      "api_key", "apikey", "credential", NULL};
  for (int i = 0; words[i]; i++)
    if (strcasestr(key, words[i])) return 1;
  return 0;
}

static void print_float(FILE* out, double f) {
  if (isnan(f)) fputs("nan", out);
  else if (isinf(f)) fputs(f < 0 ? "-inf" : "inf", out);
  else {
    char b[40];
    snprintf(b, sizeof(b), "%.17g", f);
    fputs(b, out);
    if (!strpbrk(b, ".eE")) fputs(".0", out);
  }
}

static void print_key(FILE* out, const char* k) {
  int bare = k[0] != '\0';
  for (const char* p = k; *p; p++)
    if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-')) bare = 0;
  if (bare) fputs(k, out);
  else put_escaped(out, k, strlen(k), '"');
}

void gf__print_value(FILE* out, const gf__toml_value* v, int secret) {
  switch (v->type) {
    case GF__TOML_STRING:
      if (secret) fputs("\"" GF__REDACTED "\"", out);
      else put_escaped(out, v->u.str.s, v->u.str.len, '"');
      break;
    case GF__TOML_INTEGER: fprintf(out, "%lld", (long long)v->u.i); break;
    case GF__TOML_FLOAT: print_float(out, v->u.f); break;
    case GF__TOML_BOOL: fputs(v->u.b ? "true" : "false", out); break;
    case GF__TOML_ARRAY:
      fputc('[', out);
      for (size_t i = 0; i < v->u.arr.n; i++) {
        if (i) fputs(", ", out);
        gf__print_value(out, v->u.arr.items[i], secret);
      }
      fputc(']', out);
      break;
    case GF__TOML_TABLE:
      fputc('{', out);
      for (size_t i = 0; i < v->u.tab.n; i++) {
        fputs(i ? ", " : " ", out);
        print_key(out, v->u.tab.keys[i]);
        fputs(" = ", out);
        gf__print_value(out, v->u.tab.vals[i], secret || gf__key_looks_secret(v->u.tab.keys[i]));
      }
      fputs(v->u.tab.n ? " }" : "}", out);
      break;
    default:
      if (secret) fputs("\"" GF__REDACTED "\"", out);
      else fputs(v->u.dt, out);
      break;
  }
}

void gf__fmt_value(const gf__toml_value* v, int secret, char* buf, size_t cap) {
  if (v == NULL) {
    snprintf(buf, cap, "nothing");
    return;
  }
  if (secret) {
    snprintf(buf, cap, "%s (%s)", GF__REDACTED, gf__toml_type_name(v->type));
    return;
  }
  if (v->type == GF__TOML_ARRAY || v->type == GF__TOML_TABLE) {
    snprintf(buf, cap, "%s %s", v->type == GF__TOML_ARRAY ? "an" : "a", gf__toml_type_name(v->type));
    return;
  }
  char* text = NULL;
  size_t len = 0;
  FILE* m = open_memstream(&text, &len);
  if (m == NULL) {
    snprintf(buf, cap, "a %s", gf__toml_type_name(v->type));
    return;
  }
  if (v->type == GF__TOML_STRING && v->u.str.len > 60) {
    put_escaped(m, v->u.str.s, 60, '"');
    fputs("...", m);
  } else {
    gf__print_value(m, v, 0);
  }
  fclose(m);
  snprintf(buf, cap, "%s", text ? text : "");
  free(text);
}

char* gf__default_hostname(void) {
  char h[256];
  if (gethostname(h, sizeof(h)) != 0) strcpy(h, "localhost");
  h[sizeof(h) - 1] = '\0';
  return strdup(h);
}

char* gf__default_fqdn(void) {
  char* h = gf__default_hostname();
  if (h == NULL) return NULL;
  struct addrinfo hints = {.ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC};
  struct addrinfo* res = NULL;
  if (getaddrinfo(h, NULL, &hints, &res) == 0 && res && res->ai_canonname && res->ai_canonname[0]) {
    char* f = strdup(res->ai_canonname);
    if (f) {
      free(h);
      h = f;
    }
  }
  if (res) freeaddrinfo(res);
  return h;
}

/* ---- effective config printout --------------------------------------------- */

static void print_src(FILE* out, const gf__toml_value* v, const char* note) {
  if (v && v->src) fprintf(out, "  # %s\n", v->src);
  else if (note) fprintf(out, "  # default (%s)\n", note);
  else fputs("  # default\n", out);
}

static void print_known(FILE* out, const gf__setting_def* d, const gf__toml_value* v) {
  int secret = (d->flags & GF__SF_SECRET) != 0;
  if (v && v->type == GF__TOML_STRING && (d->flags & GF__SF_PEM) && !secret) {
    const char* t = v->u.str.s;
    while (isspace((unsigned char)*t)) t++;
    char* r = t[0] == '@' ? strdup(v->u.str.s) : gf__redact_pem(v->u.str.s);
    fprintf(out, "%s = ", d->name);
    if (r) put_escaped(out, r, strlen(r), '"');
    free(r);
    print_src(out, v, NULL);
    return;
  }
  if (v && v->type == GF__TOML_STRING && secret) { /* "@/path" is not the secret itself */
    const char* t = v->u.str.s;
    while (isspace((unsigned char)*t)) t++;
    if (t[0] == '@') secret = 0;
  }
  fprintf(out, "%s = ", d->name);
  gf__print_value(out, v, secret);
  print_src(out, v, NULL);
}

static const gf__toml_value* computed_default(const gf__setting_def* d, const gf_settings* s,
                                              gf__toml_value** owned) {
  *owned = NULL;
  char* text = NULL;
  if (strcmp(d->name, "advertise_host") == 0) text = gf__default_fqdn();
  else if (strcmp(d->name, "otel_service_instance_id") == 0) text = gf__default_hostname();
  else if (strcmp(d->name, "advertise_port") == 0) {
    const gf__toml_value* lp = gf__settings_lookup(s, "server.listen_port");
    if (lp) return lp;
    gf__toml_parse_value("17001", 5, NULL, owned, NULL);
    return *owned;
  } else if (strcmp(d->name, "token_verification") == 0) {
    const gf__toml_value* m = gf__settings_lookup(s, "server.authentication_method");
    if (m && m->type == GF__TOML_STRING && strcasecmp(m->u.str.s, "token") == 0)
      text = strdup("EnumeratedTokenVerification");
  }
  if (text) *owned = gf__toml_new_string(text, strlen(text), NULL);
  free(text);
  return *owned;
}

static void print_section(FILE* out, const char* section, const gf__toml_value* t,
                          const gf_settings* s) {
  fprintf(out, "\n[%s]\n", section);
  for (size_t i = 0; i < gf__settings_table_len; i++) {
    const gf__setting_def* d = &gf__settings_table[i];
    if (strcmp(d->section, section) != 0) continue;
    const gf__toml_value* v = t ? gf__toml_table_geti(t, d->name, strlen(d->name)) : NULL;
    gf__toml_value* owned = NULL;
    const char* note = NULL;
    if (v == NULL && d->dflt) {
      gf__toml_parse_value(d->dflt, strlen(d->dflt), NULL, &owned, NULL);
      v = owned;
    } else if (v == NULL) {
      v = computed_default(d, s, &owned);
      note = d->dflt_doc;
      if (v && v->src) { /* advertise_port copying listen_port */
        fprintf(out, "%s = ", d->name);
        gf__print_value(out, v, 0);
        fprintf(out, "  # %s (via listen_port)\n", v->src);
        continue;
      }
    }
    if (v == NULL) {
      fprintf(out, "# %s is not set%s%s%s\n", d->name, d->dflt_doc ? " (" : "",
              d->dflt_doc ? d->dflt_doc : "", d->dflt_doc ? ")" : "");
    } else if (owned != NULL && note != NULL) {
      fprintf(out, "%s = ", d->name);
      gf__print_value(out, v, d->flags & GF__SF_SECRET);
      print_src(out, NULL, note);
    } else {
      print_known(out, d, v);
    }
    gf__toml_free(owned);
  }
  for (size_t i = 0; t && t->type == GF__TOML_TABLE && i < t->u.tab.n; i++) {
    if (gf__setting_find(section, t->u.tab.keys[i])) continue;
    print_key(out, t->u.tab.keys[i]);
    fputs(" = ", out);
    gf__print_value(out, t->u.tab.vals[i], gf__key_looks_secret(t->u.tab.keys[i]));
    fprintf(out, "  # %s (unknown setting)\n", t->u.tab.vals[i]->src ? t->u.tab.vals[i]->src : "?");
  }
}

static void print_table_body(FILE* out, const char* prefix, const gf__toml_value* t, int secret) {
  for (size_t i = 0; i < t->u.tab.n; i++) {
    const gf__toml_value* v = t->u.tab.vals[i];
    int sec = secret || gf__key_looks_secret(t->u.tab.keys[i]);
    if (v->type == GF__TOML_TABLE && v->u.tab.n > 0) {
      char* p = NULL;
      size_t len = 0;
      FILE* m = open_memstream(&p, &len);
      if (m == NULL) continue;
      fputs(prefix, m);
      print_key(m, t->u.tab.keys[i]);
      fputc('.', m);
      fclose(m);
      print_table_body(out, p, v, sec);
      free(p);
      continue;
    }
    fputs(prefix, out);
    print_key(out, t->u.tab.keys[i]);
    fputs(" = ", out);
    gf__print_value(out, v, sec);
    fprintf(out, "  # %s\n", v->src ? v->src : "?");
  }
}

int gf__config_print(const gf_settings* s, FILE* out) {
  const gf__toml_value* root = s ? s->root : NULL;
  fputs("# Effective configuration (secrets redacted); each value is followed by its source.\n", out);
  for (size_t i = 0; root && i < root->u.tab.n; i++) { /* top-level plain keys first */
    const gf__toml_value* v = root->u.tab.vals[i];
    if (v->type == GF__TOML_TABLE) continue;
    print_key(out, root->u.tab.keys[i]);
    fputs(" = ", out);
    gf__print_value(out, v, gf__key_looks_secret(root->u.tab.keys[i]));
    fprintf(out, "  # %s\n", v->src ? v->src : "?");
  }
  const gf__toml_value* server = gf__settings_lookup(s, "server");
  print_section(out, "server", server && server->type == GF__TOML_TABLE ? server : NULL, s);
  const gf__toml_value* et = gf__settings_lookup(s, "enumerated_tokens");
  print_section(out, "enumerated_tokens", et && et->type == GF__TOML_TABLE ? et : NULL, s);
  const gf__toml_value* fc = gf__settings_lookup(s, "flexconnect");
  print_section(out, "flexconnect", fc && fc->type == GF__TOML_TABLE ? fc : NULL, s);
  for (size_t i = 0; root && i < root->u.tab.n; i++) {
    const gf__toml_value* v = root->u.tab.vals[i];
    const char* k = root->u.tab.keys[i];
    if (v->type != GF__TOML_TABLE || strcasecmp(k, "server") == 0 ||
        strcasecmp(k, "enumerated_tokens") == 0 || strcasecmp(k, "flexconnect") == 0)
      continue;
    fputs("\n[", out);
    print_key(out, k);
    fputs("]\n", out);
    print_table_body(out, "", v, gf__key_looks_secret(k));
  }
  return ferror(out) ? GF_IO_ERROR : GF_OK;
}
