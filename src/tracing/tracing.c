/* Span API (tracing.h): span creation with CSPRNG ids (for the tracer of
 * the thread's current instance), attributes, status, the thread-local
 * current span, W3C traceparent text, RPC server spans and
 * the trace ids added to log lines. Any thread; spans are single-owner. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/instance.h"
#include "flight/method.h"
#include "log/log_internal.h"
#include "tracing/tracing_internal.h"

#define SPAN_MAX_ATTRS 128
#define SPAN_TEXT_MAX 4096

static _Thread_local gf_span* t_current;

gf__tracer* gf__tracer_current(void) {
  gf__instance* in = gf__instance_current();
  return in ? in->tracer : gf__tracer_default();
}

bool gf_tracing_enabled(void) { return gf__tracer_on(gf__tracer_current()); }

void gf__hex(const uint8_t* p, size_t n, char* out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * n] = '\0';
}

static int all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

static void random_id(uint8_t* p, size_t n) {
  do {
    size_t got = 0;
    while (got < n) {
      ssize_t r = getrandom(p + got, n - got, 0);
      if (r > 0) got += (size_t)r;
    }
  } while (all_zero(p, n));
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gf_span* span_new(const char* name, int kind) {
  gf_span* s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->name = strndup(name ? name : "", SPAN_TEXT_MAX);
  if (!s->name) {
    free(s);
    return NULL;
  }
  s->kind = kind;
  random_id(s->span_id, sizeof s->span_id);
  s->start_ns = now_ns();
  return s;
}

gf_span* gf_span_start_child(const char* name, gf_span_kind kind, const gf_span* parent) {
  gf__tracer* t = gf__tracer_current();
  if (!gf__tracer_on(t)) return NULL;
  gf_span* s = span_new(name, (int)kind);
  if (!s) return NULL;
  s->tracer = t;
  if (parent) {
    memcpy(s->trace_id, parent->trace_id, sizeof s->trace_id);
    memcpy(s->parent_id, parent->span_id, sizeof s->parent_id);
    s->has_parent = 1;
    if (parent->trace_state) s->trace_state = strdup(parent->trace_state);
  } else {
    random_id(s->trace_id, sizeof s->trace_id);
  }
  return s;
}

gf_span* gf_span_start(const char* name, gf_span_kind kind) {
  return gf_span_start_child(name, kind, t_current);
}

static gf__span_attr* attr_slot(gf_span* s, const char* key) {
  if (!s || !key) return NULL;
  for (size_t i = 0; i < s->n_attrs; i++)
    if (strcmp(s->attrs[i].key, key) == 0) {
      if (s->attrs[i].type == GF_KV_STR) free(s->attrs[i].v.s);
      s->attrs[i].type = GF_KV_END;
      return &s->attrs[i];
    }
  if (s->n_attrs >= SPAN_MAX_ATTRS) return NULL;
  if (s->n_attrs == s->cap_attrs) {
    size_t cap = s->cap_attrs ? s->cap_attrs * 2 : 8;
    gf__span_attr* na = realloc(s->attrs, cap * sizeof *na);
    if (!na) return NULL;
    s->attrs = na;
    s->cap_attrs = cap;
  }
  gf__span_attr* a = &s->attrs[s->n_attrs];
  a->key = strndup(key, 256);
  if (!a->key) return NULL;
  a->type = GF_KV_END;
  s->n_attrs++;
  return a;
}

void gf_span_set_str(gf_span* s, const char* key, const char* value) {
  gf__span_attr* a = attr_slot(s, key);
  if (!a) return;
  a->v.s = strndup(value ? value : "", SPAN_TEXT_MAX);
  a->type = a->v.s ? GF_KV_STR : GF_KV_END;
}

void gf_span_set_int(gf_span* s, const char* key, int64_t value) {
  gf__span_attr* a = attr_slot(s, key);
  if (a) a->type = GF_KV_INT, a->v.i = value;
}

void gf_span_set_double(gf_span* s, const char* key, double value) {
  gf__span_attr* a = attr_slot(s, key);
  if (a) a->type = GF_KV_DOUBLE, a->v.d = value;
}

void gf_span_set_bool(gf_span* s, const char* key, int value) {
  gf__span_attr* a = attr_slot(s, key);
  if (a) a->type = GF_KV_BOOL, a->v.b = !!value;
}

void gf_span_set_error(gf_span* s, const char* message) {
  if (!s) return;
  free(s->status_msg);
  s->status_msg = message ? strndup(message, SPAN_TEXT_MAX) : NULL;
  s->status = 2;
}

void gf_span_set_ok(gf_span* s) {
  if (!s) return;
  free(s->status_msg);
  s->status_msg = NULL;
  s->status = 1;
}

gf_span* gf_span_enter(gf_span* s) {
  gf_span* prev = t_current;
  if (s) s->saved_current = prev;
  t_current = s;
  return prev;
}

void gf_span_exit(gf_span* previous) { t_current = previous; }

gf_span* gf_span_current(void) { return t_current; }

void gf__span_free(gf_span* s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_attrs; i++) {
    free(s->attrs[i].key);
    if (s->attrs[i].type == GF_KV_STR) free(s->attrs[i].v.s);
  }
  free(s->attrs);
  free(s->name);
  free(s->status_msg);
  free(s->trace_state);
  free(s);
}

void gf_span_end(gf_span* s) {
  if (!s) return;
  if (t_current == s) t_current = s->saved_current;
  s->end_ns = now_ns();
  gf__trace_enqueue(s);
}

gf_status gf_span_traceparent(const gf_span* s, char out[56]) {
  if (!s) return GF_INVALID_ARGUMENT;
  char t[33], p[17];
  gf__hex(s->trace_id, 16, t);
  gf__hex(s->span_id, 8, p);
  memcpy(out, "00-", 3);
  memcpy(out + 3, t, 32);
  out[35] = '-';
  memcpy(out + 36, p, 16);
  memcpy(out + 52, "-01", 4);
  return GF_OK;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static int unhex(const char* s, uint8_t* out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return 0;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 1;
}

int gf__traceparent_parse(const char* s, size_t n, uint8_t trace_id[16], uint8_t span_id[8],
                          uint8_t* flags) {
  uint8_t ver, fl;
  while (n > 0 && (s[0] == ' ' || s[0] == '\t')) s++, n--;
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (n < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-') return 0;
  if (!unhex(s, &ver, 1) || ver == 0xff) return 0;
  if (ver == 0 && n != 55) return 0;
  if (n > 55 && s[55] != '-') return 0;
  if (!unhex(s + 3, trace_id, 16) || !unhex(s + 36, span_id, 8) || !unhex(s + 53, &fl, 1)) return 0;
  if (all_zero(trace_id, 16) || all_zero(span_id, 8)) return 0;
  if (flags) *flags = fl;
  return 1;
}

gf_span* gf__tracing_rpc_start(int method, const char* tp, size_t tp_len) {
  if (!gf_tracing_enabled()) return NULL;
  const char* name = gf__method_get(method)->span;
  gf_span remote;
  gf_span* s;
  memset(&remote, 0, sizeof remote);
  if (tp && gf__traceparent_parse(tp, tp_len, remote.trace_id, remote.span_id, NULL))
    s = gf_span_start_child(name, GF_SPAN_SERVER, &remote);
  else
    s = gf_span_start(name, GF_SPAN_SERVER);
  gf_span_set_str(s, "rpc.system", "grpc");
  gf_span_set_str(s, "rpc.service", "FlightRPC");
  gf_span_set_str(s, "rpc.method", name);
  return s;
}

void gf__tracing_rpc_end(gf_span* s, int grpc_code, const char* message) {
  if (!s) return;
  gf_span_set_int(s, "rpc.grpc.status_code", grpc_code);
  if (grpc_code == 0) gf_span_set_ok(s);
  else gf_span_set_error(s, message && *message ? message : "RPC failed");
  gf_span_end(s);
}

int gf__tracing_current_ids(gf__log_trace_ids* out) {
  const gf_span* s = t_current;
  if (!s) return 0;
  gf__hex(s->trace_id, 16, out->trace_id);
  gf__hex(s->span_id, 8, out->span_id);
  out->parent_span_id[0] = '\0';
  if (s->has_parent) gf__hex(s->parent_id, 8, out->parent_span_id);
  return 1;
}

void gf__span_set_trace_state(gf_span* s, const char* v, size_t n) {
  if (!s || !v || !s->has_parent) return;
  while (n > 0 && (*v == ' ' || *v == '\t')) v++, n--;
  while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
  if (n == 0 || n > 512 || memchr(v, '\0', n)) return;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e) return;
  free(s->trace_state);
  s->trace_state = strndup(v, n);
}

void gf__span_set_peer(gf_span* s, const char* peer) {
  if (!s || !peer) return;
  const char* addr = peer;
  if (strncmp(addr, "ipv4:", 5) == 0 || strncmp(addr, "ipv6:", 5) == 0) addr += 5;
  const char* colon = strrchr(addr, ':');
  char host[256];
  size_t hn = colon ? (size_t)(colon - addr) : strlen(addr);
  if (hn >= 2 && addr[0] == '[' && addr[hn - 1] == ']') addr++, hn -= 2;
  if (hn >= sizeof host) hn = sizeof host - 1;
  memcpy(host, addr, hn);
  host[hn] = '\0';
  gf_span_set_str(s, "net.peer.ip", host);
  gf_span_set_str(s, "client.address", host);
  if (colon && colon[1]) {
    long port = strtol(colon + 1, NULL, 10);
    gf_span_set_int(s, "net.peer.port", port);
    gf_span_set_int(s, "client.port", port);
  }
}
