/* C Flight client: connection (URI parsing, TLS options, channel knobs),
 * default headers and deadlines, the gf_rpc_status object, and the helpers
 * every call uses (start, protobuf send/receive, end-of-call status capture).
 * Application threads; the client is shared, calls are independent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_internal.h"
#include "flight/flightdata.h"

struct gf_rpc_status {
  int code;
  int grpc_code;
  char* message;
  int arrow_code;
  uint8_t* extra;
  size_t extra_len;
  gf__cmeta headers;
  gf__cmeta trailers;
};

/* ---- gf_rpc_status ------------------------------------------------------------ */

gf_rpc_status* gf_rpc_status_create(void) {
  gf_rpc_status* s = calloc(1, sizeof(*s));
  if (s) s->arrow_code = -1;
  return s;
}

static void status_reset(gf_rpc_status* s) {
  free(s->message);
  free(s->extra);
  gf__cmeta_clear(&s->headers);
  gf__cmeta_clear(&s->trailers);
  memset(s, 0, sizeof(*s));
  s->arrow_code = -1;
}

void gf_rpc_status_free(gf_rpc_status* s) {
  if (!s) return;
  status_reset(s);
  free(s);
}

gf_status gf_rpc_status_code(const gf_rpc_status* s) { return s->code; }
int gf_rpc_status_grpc_code(const gf_rpc_status* s) { return s->grpc_code; }
const char* gf_rpc_status_message(const gf_rpc_status* s) { return s->message ? s->message : ""; }
int gf_rpc_status_arrow_code(const gf_rpc_status* s) { return s->arrow_code; }
gf_bytes gf_rpc_status_extra_info(const gf_rpc_status* s) {
  return (gf_bytes){s->extra, s->extra_len};
}

static int meta_at(const gf__cmeta* m, size_t i, const char** key, gf_bytes* value) {
  if (i >= m->n) return GF_INVALID_ARGUMENT;
  *key = m->keys[i];
  *value = m->values[i];
  return GF_OK;
}

size_t gf_rpc_status_header_count(const gf_rpc_status* s) { return s->headers.n; }
gf_status gf_rpc_status_header_at(const gf_rpc_status* s, size_t i, const char** k, gf_bytes* v) {
  return meta_at(&s->headers, i, k, v);
}
bool gf_rpc_status_header(const gf_rpc_status* s, const char* key, gf_bytes* value) {
  return gf__cmeta_get(&s->headers, key, value);
}
size_t gf_rpc_status_trailer_count(const gf_rpc_status* s) { return s->trailers.n; }
gf_status gf_rpc_status_trailer_at(const gf_rpc_status* s, size_t i, const char** k, gf_bytes* v) {
  return meta_at(&s->trailers, i, k, v);
}
bool gf_rpc_status_trailer(const gf_rpc_status* s, const char* key, gf_bytes* value) {
  return gf__cmeta_get(&s->trailers, key, value);
}

static void meta_copy(gf__cmeta* dst, const gf__cmeta* src) {
  gf__cmeta_clear(dst);
  if (src->n == 0) return;
  dst->keys = calloc(src->n, sizeof(char*));
  dst->values = calloc(src->n, sizeof(gf_bytes));
  if (!dst->keys || !dst->values) {
    gf__cmeta_clear(dst);
    return;
  }
  for (size_t i = 0; i < src->n; i++) {
    char* k = strdup(src->keys[i]);
    uint8_t* v = malloc(src->values[i].len + 1);
    if (!k || !v) {
      free(k);
      free(v);
      break;
    }
    memcpy(v, src->values[i].data, src->values[i].len);
    v[src->values[i].len] = 0;
    dst->keys[dst->n] = k;
    dst->values[dst->n] = (gf_bytes){v, src->values[i].len};
    dst->n++;
  }
}

void gf__client_record_status(const gf_call_options* o, gf__ccall* call, int code,
                              const gf_error* err) {
  if (!o || !o->status) return;
  gf_rpc_status* s = o->status;
  status_reset(s);
  s->code = code;
  s->message = strdup(code != GF_OK && err ? err->message : "");
  if (!call) return;
  const gf__cstatus* ts = gf__ccall_status(call);
  meta_copy(&s->headers, gf__ccall_headers(call));
  if (!ts->done) return;
  s->grpc_code = ts->grpc_code;
  meta_copy(&s->trailers, &ts->trailers);
  gf_bytes v;
  if (gf__cmeta_get(&s->trailers, "x-arrow-status", &v) && v.len > 0 && v.len < 12) {
    char num[16];
    memcpy(num, v.data, v.len);
    num[v.len] = 0;
    s->arrow_code = atoi(num);
  }
  if (gf__cmeta_get(&s->trailers, "grpc-status-details-bin", &v) && v.len > 0) {
    s->extra = malloc(v.len);
    if (s->extra) {
      memcpy(s->extra, v.data, v.len);
      s->extra_len = v.len;
    }
  }
}

/* ---- connect ------------------------------------------------------------------------ */

static int parse_uri(const char* uri, char** target, int* tls, gf_error* err) {
  static const struct { const char* prefix; int tls; int unix_sock; } schemes[] = {
      {"grpc://", 0, 0}, {"grpc+tcp://", 0, 0}, {"grpc+tls://", 1, 0}, {"grpc+unix://", 0, 1}};
  for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
    size_t pl = strlen(schemes[i].prefix);
    if (strncmp(uri, schemes[i].prefix, pl) != 0) continue;
    const char* rest = uri + pl;
    if (!*rest) return gf_error_set(err, GF_INVALID_ARGUMENT, "uri '%s': no address", uri);
    size_t n = strlen(rest) + 6;
    *target = malloc(n);
    if (!*target) return gf_error_set(err, GF_NO_MEMORY, "uri: out of memory");
    if (schemes[i].unix_sock) snprintf(*target, n, "unix:%s", rest);
    else snprintf(*target, n, "%s", rest);
    if (!schemes[i].unix_sock && (*target)[strlen(*target) - 1] == '/')
      (*target)[strlen(*target) - 1] = 0;
    *tls = schemes[i].tls;
    return GF_OK;
  }
  return gf_error_set(err, GF_INVALID_ARGUMENT,
                      "uri '%s': scheme must be grpc://, grpc+tcp://, grpc+tls:// or grpc+unix://",
                      uri);
}

static int copy_headers(const gf_header* h, size_t n, gf__cheader** out, gf_error* err) {
  *out = NULL;
  if (n == 0) return GF_OK;
  gf__cheader* c = calloc(n, sizeof(*c));
  if (!c) return gf_error_set(err, GF_NO_MEMORY, "headers: out of memory");
  *out = c;
  for (size_t i = 0; i < n; i++) {
    if (!h[i].key || !h[i].key[0])
      return gf_error_set(err, GF_INVALID_ARGUMENT, "client header %zu: empty key", i);
    uint8_t* v = malloc(h[i].len + 1);
    c[i].key = strdup(h[i].key);
    if (!v || !c[i].key) {
      free(v);
      return gf_error_set(err, GF_NO_MEMORY, "headers: out of memory");
    }
    if (h[i].len) memcpy(v, h[i].value, h[i].len);
    c[i].value = (gf_bytes){v, h[i].len};
  }
  return GF_OK;
}

static void free_headers(gf__cheader* h, size_t n) {
  if (!h) return;
  for (size_t i = 0; i < n; i++) {
    free((void*)h[i].key);
    free((void*)h[i].value.data);
  }
  free(h);
}

gf_status gf_client_create(const char* uri, const gf_client_options* opts, gf_client** out,
                           gf_error* err) {
  *out = NULL;
  if (!uri) return gf_error_set(err, GF_INVALID_ARGUMENT, "uri: NULL");
  gf_client_options o;
  memset(&o, 0, sizeof(o));
  if (opts) {
    size_t sz = opts->struct_size ? opts->struct_size : sizeof(o);
    memcpy(&o, opts, sz < sizeof(o) ? sz : sizeof(o));
  }
  char* target = NULL;
  int tls = 0;
  int rc = parse_uri(uri, &target, &tls, err);
  if (rc) return rc;
  gf_client* c = calloc(1, sizeof(*c));
  if (!c) {
    free(target);
    return gf_error_set(err, GF_NO_MEMORY, "client: out of memory");
  }
  c->default_deadline_ms = o.default_deadline_ms;
  rc = copy_headers(o.headers, o.n_headers, &c->headers, err);
  c->n_headers = o.n_headers;
  if (rc == GF_OK) {
    gf__cchannel_options co = {target,
                               tls,
                               o.tls_root_certs,
                               o.tls_cert_chain,
                               o.tls_private_key,
                               o.tls_override_hostname,
                               o.max_receive_message_bytes,
                               o.disable_bdp_probe,
                               o.stream_lookahead_bytes,
                               gf__flight_data_body_offset};
    rc = gf__cchannel_create(&co, &c->channel, err);
  }
  free(target);
  if (rc) {
    gf_client_free(c);
    return rc;
  }
  *out = c;
  return GF_OK;
}

void gf_client_free(gf_client* c) {
  if (!c) return;
  free_headers(c->headers, c->n_headers);
  gf__cchannel_free(c->channel);
  free(c);
}

/* ---- per-call helpers -------------------------------------------------------------- */

int gf__client_start(gf_client* c, const gf_call_options* o, int method,
                     gf__ccall** out, gf_error* err) {
  gf_call_options co;
  memset(&co, 0, sizeof(co));
  if (o) {
    size_t sz = o->struct_size ? o->struct_size : sizeof(co);
    memcpy(&co, o, sz < sizeof(co) ? sz : sizeof(co));
  }
  size_t n = c->n_headers + co.n_headers;
  gf__cheader stack[16];
  gf__cheader* h = n <= 16 ? stack : malloc(n * sizeof(*h));
  if (!h) return gf_error_set(err, GF_NO_MEMORY, "headers: out of memory");
  for (size_t i = 0; i < c->n_headers; i++) h[i] = c->headers[i];
  for (size_t i = 0; i < co.n_headers; i++)
    h[c->n_headers + i] = (gf__cheader){co.headers[i].key,
                                         {(const uint8_t*)co.headers[i].value, co.headers[i].len}};
  int64_t deadline = co.deadline_ms == 0 ? c->default_deadline_ms : co.deadline_ms;
  int rc = gf__ccall_start(c->channel, gf__method_get(method)->path, h, n, deadline, out, err);
  if (h != stack) free(h);
  return rc;
}

int gf__client_send_pb(gf__ccall* call, const ProtobufCMessage* msg, int last, gf_error* err) {
  size_t len = protobuf_c_message_get_packed_size(msg);
  uint8_t* buf = malloc(len ? len : 1);
  gf__obuf* ob = gf__obuf_new();
  if (!buf || !ob) {
    free(buf);
    gf__obuf_free(ob);
    return gf_error_set(err, GF_NO_MEMORY, "request: out of memory");
  }
  protobuf_c_message_pack(msg, buf);
  int rc = len ? gf__obuf_add_owned(ob, buf, len) : (free(buf), GF_OK);
  if (rc) {
    gf__obuf_free(ob);
    return gf_error_set(err, rc, "request: out of memory");
  }
  return gf__ccall_send(call, ob, last, err);
}

int gf__client_recv_flat(gf__ccall* call, uint8_t** data, size_t* len, gf_error* err) {
  *data = NULL;
  *len = 0;
  gf__ibuf* b = NULL;
  int rc = gf__ccall_recv(call, &b, err);
  if (rc) return rc;
  rc = gf__ibuf_flatten(b, data, len);
  gf__ibuf_free(b);
  return rc ? gf_error_set(err, rc, "response: out of memory") : GF_OK;
}

int gf__client_end(const gf_call_options* o, gf__ccall* call, int rc, gf_error* err) {
  if (call && (rc == GF_OK || rc == GF_END_OF_STREAM)) rc = gf__ccall_finish(call, err);
  else if (call && rc != GF_OK && !gf__ccall_status(call)->done) gf__ccall_cancel(call);
  gf__client_record_status(o, call, rc, err);
  gf__ccall_free(call);
  return rc;
}

/* ---- result containers -------------------------------------------------------------- */

void gf_client_bytes_list_clear(gf_client_bytes_list* l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) free((void*)l->items[i].data);
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

void gf_client_action_types_clear(gf_client_action_types* l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) {
    free(l->items[i].type);
    free(l->items[i].description);
  }
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

void gf_client_flight_list_clear(gf_client_flight_list* l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) gf_flight_info_free(l->items[i]);
  free(l->items);
  l->items = NULL;
  l->n = 0;
}
