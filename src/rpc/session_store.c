/* Cookie-based session store (session.h): session id -> options, found from
 * the call's `cookie` header, created on demand (answered with set-cookie),
 * dropped on close or after an idle TTL, with caps on sessions, options and
 * value sizes. Worker threads; the store lock guards the table, a session's
 * own lock serialises updates of its options (done on a copy, swapped in
 * only when within the limits). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "flight/cookie.h"
#include "gooddata_flight_server/session.h"

#define NBUCKETS 1024
#define ID_HEX 32

typedef struct session {
  char id[ID_HEX + 1];
  gf_session_options* opts;
  int64_t last_used_ms;
  int refs;    /* guarded by the store lock */
  int dropped; /* removed from the table */
  pthread_mutex_t mu;
  struct session* next;
} session;

struct gf_session_store {
  gf_session_store_options o;
  char* cookie;
  pthread_mutex_t mu;
  session* buckets[NBUCKETS];
  size_t n;
};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t bucket_of(const char* id, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)id[i]) * 1099511628211ull;
  return (size_t)(h % NBUCKETS);
}

gf_status gf_session_store_create(const gf_session_store_options* o, gf_session_store** out,
                                  gf_error* err) {
  gf_session_store* s = calloc(1, sizeof(*s));
  if (!s) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  if (o) memcpy(&s->o, o, o->struct_size < sizeof(s->o) ? o->struct_size : sizeof(s->o));
  if (s->o.idle_ttl_sec <= 0) s->o.idle_ttl_sec = 3600;
  if (!s->o.max_sessions) s->o.max_sessions = 10000;
  if (!s->o.max_options) s->o.max_options = 1024;
  if (!s->o.max_value_bytes) s->o.max_value_bytes = 65536;
  s->cookie = strdup(s->o.cookie_name && *s->o.cookie_name ? s->o.cookie_name
                                                           : "arrow_flight_session_id");
  if (!s->cookie || strpbrk(s->cookie, "=; \t\r\n,")) {
    free(s->cookie);
    free(s);
    return gf_error_set(err, GF_INVALID_ARGUMENT, "session store: bad cookie name");
  }
  s->o.cookie_name = s->cookie;
  pthread_mutex_init(&s->mu, NULL);
  *out = s;
  return GF_OK;
}

static void session_free(session* x) {
  gf_session_options_free(x->opts);
  pthread_mutex_destroy(&x->mu);
  free(x);
}

void gf_session_store_free(gf_session_store* s) {
  if (!s) return;
  for (size_t b = 0; b < NBUCKETS; b++)
    for (session* x = s->buckets[b]; x;) {
      session* n = x->next;
      session_free(x);
      x = n;
    }
  pthread_mutex_destroy(&s->mu);
  free(s->cookie);
  free(s);
}

size_t gf_session_store_count(gf_session_store* s) {
  pthread_mutex_lock(&s->mu);
  size_t n = s->n;
  pthread_mutex_unlock(&s->mu);
  return n;
}

/* Unlinks x from the table. Caller holds the store lock. */
static void unlink_locked(gf_session_store* s, session* x) {
  for (session** pp = &s->buckets[bucket_of(x->id, ID_HEX)]; *pp; pp = &(*pp)->next)
    if (*pp == x) {
      *pp = x->next;
      x->dropped = 1;
      s->n--;
      if (x->refs == 0) session_free(x);
      return;
    }
}

static void unref(gf_session_store* s, session* x) {
  pthread_mutex_lock(&s->mu);
  if (--x->refs == 0 && x->dropped) session_free(x);
  pthread_mutex_unlock(&s->mu);
}

static void sweep_locked(gf_session_store* s, int64_t now) {
  for (size_t b = 0; b < NBUCKETS; b++)
    for (session* x = s->buckets[b]; x;) {
      session* n = x->next;
      if (now - x->last_used_ms > s->o.idle_ttl_sec * 1000) unlink_locked(s, x);
      x = n;
    }
}

/* The session id in the call's cookie headers: 1 found (copied to id), 0 none;
 * *bad when the value does not fit. */
static int cookie_id(gf_session_store* s, gf_call* call, char* id, size_t cap, int* bad) {
  *bad = 0;
  for (size_t i = 0; i < gf_call_header_count(call); i++) {
    const char* key;
    gf_bytes v;
    if (gf_call_header_at(call, i, &key, &v) || strcmp(key, "cookie") != 0) continue;
    int r = gf__cookie_find(v, s->cookie, id, cap);
    if (r != 0) {
      *bad = r < 0;
      return r > 0;
    }
  }
  return 0;
}

static session* find_locked(gf_session_store* s, const char* id, int64_t now) {
  if (strlen(id) != ID_HEX) return NULL;
  for (session* x = s->buckets[bucket_of(id, ID_HEX)]; x; x = x->next)
    if (memcmp(x->id, id, ID_HEX) == 0) {
      if (now - x->last_used_ms > s->o.idle_ttl_sec * 1000) {
        unlink_locked(s, x);
        return NULL;
      }
      return x;
    }
  return NULL;
}

static int create_locked(gf_session_store* s, int64_t now, session** out, gf_error* err) {
  if (s->n >= s->o.max_sessions) sweep_locked(s, now);
  if (s->n >= s->o.max_sessions)
    return gf_error_set(err, GF_RESOURCE_EXHAUSTED, "too many open sessions (max %zu)",
                        s->o.max_sessions);
  uint8_t raw[ID_HEX / 2];
  if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
    return gf_error_set(err, GF_INTERNAL, "cannot read random bytes for a session id");
  session* x = calloc(1, sizeof(*x));
  if (!x || !(x->opts = gf_session_options_create())) {
    free(x);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  }
  for (size_t i = 0; i < sizeof(raw); i++) snprintf(x->id + 2 * i, 3, "%02x", raw[i]);
  pthread_mutex_init(&x->mu, NULL);
  x->last_used_ms = now;
  size_t b = bucket_of(x->id, ID_HEX);
  x->next = s->buckets[b];
  s->buckets[b] = x;
  s->n++;
  *out = x;
  return GF_OK;
}

/* Finds (or creates) the call's session and takes a reference. */
static int acquire(gf_session_store* s, gf_call* call, int create, session** out) {
  char id[ID_HEX + 2];
  int bad;
  int has = cookie_id(s, call, id, sizeof(id), &bad);
  if (bad) return gf_call_error(call, GF_INVALID_ARGUMENT, "Invalid or expired session id");
  if (!has && !create)
    return gf_call_error(call, GF_INVALID_ARGUMENT, "No existing session to get options from.");
  gf_error err = {0};
  int64_t now = now_ms();
  int rc = GF_OK;
  session* x = NULL;
  pthread_mutex_lock(&s->mu);
  if (has) {
    x = find_locked(s, id, now);
    if (!x) rc = GF_INVALID_ARGUMENT;
  } else {
    rc = create_locked(s, now, &x, &err);
  }
  if (!rc) {
    x->refs++;
    x->last_used_ms = now;
  }
  pthread_mutex_unlock(&s->mu);
  if (rc == GF_INVALID_ARGUMENT) return gf_call_error(call, rc, "Invalid or expired session id");
  if (rc) return gf_call_error(call, rc, "%s", err.message);
  if (!has) {
    char hdr[256];
    int n = snprintf(hdr, sizeof(hdr), "%s=%s", s->cookie, x->id);
    gf_call_add_header(call, "set-cookie", hdr, (size_t)n);
  }
  *out = x;
  return GF_OK;
}

static int within_limits(gf_session_store* s, const gf_session_options* o) {
  if (gf_session_options_count(o) > s->o.max_options) return 0;
  return 1;
}

gf_status gf_session_store_update(gf_session_store* s, gf_call* call, int create,
                                  gf_session_update_fn fn, void* user) {
  session* x;
  int rc = acquire(s, call, create, &x);
  if (rc) return rc;
  pthread_mutex_lock(&x->mu);
  gf_session_options* copy = gf_session_options_copy(x->opts);
  if (!copy) rc = gf_call_error(call, GF_NO_MEMORY, "out of memory");
  else if ((rc = fn(user, copy, call)) == GF_OK && !within_limits(s, copy))
    rc = gf_call_error(call, GF_RESOURCE_EXHAUSTED, "a session holds at most %zu options",
                       s->o.max_options);
  if (rc == GF_OK) {
    gf_session_options_free(x->opts);
    x->opts = copy;
    copy = NULL;
  }
  pthread_mutex_unlock(&x->mu);
  gf_session_options_free(copy);
  unref(s, x);
  return rc;
}

gf_status gf_session_store_get(gf_session_store* s, gf_call* call, gf_session_options** out) {
  session* x;
  int rc = acquire(s, call, 0, &x);
  if (rc) return rc;
  pthread_mutex_lock(&x->mu);
  *out = gf_session_options_copy(x->opts);
  pthread_mutex_unlock(&x->mu);
  unref(s, x);
  return *out ? GF_OK : gf_call_error(call, GF_NO_MEMORY, "out of memory");
}

gf_status gf_session_store_close_session(gf_session_store* s, gf_call* call) {
  session* x;
  int rc = acquire(s, call, 0, &x);
  if (rc) return rc;
  char hdr[256];
  int n = snprintf(hdr, sizeof(hdr), "%s=%s; Max-Age=0", s->cookie, x->id);
  pthread_mutex_lock(&s->mu);
  if (!x->dropped) unlink_locked(s, x);
  pthread_mutex_unlock(&s->mu);
  unref(s, x);
  gf_call_add_header(call, "set-cookie", hdr, (size_t)n);
  return GF_OK;
}

/* ---- the standard actions -------------------------------------------------------------------- */

typedef struct set_ctx {
  gf_session_store* s;
  const gf_session_options* req;
  gf_session_validate_fn validate;
  void* user;
  gf_set_session_result* res;
} set_ctx;

static size_t value_bytes(const gf_session_options* o, size_t i) {
  size_t n = strlen(gf_session_options_string(o, i)) + 8;
  for (size_t j = 0; j < gf_session_options_list_len(o, i); j++)
    n += strlen(gf_session_options_list_at(o, i, j)) + 1;
  return n;
}

static int apply_set(void* user, gf_session_options* opts, gf_call* call) {
  set_ctx* c = user;
  for (size_t i = 0; i < gf_session_options_count(c->req); i++) {
    const char* name = gf_session_options_name(c->req, i);
    gf_session_option_error e =
        c->validate ? c->validate(c->user, name, c->req, i) : GF_SESSION_OPTION_ERROR_UNSPECIFIED;
    int rc;
    if (e != GF_SESSION_OPTION_ERROR_UNSPECIFIED) rc = gf_set_session_result_add(c->res, name, e);
    else if (gf_session_options_type(c->req, i) == GF_SESSION_VALUE_UNSET)
      rc = (gf_session_options_remove(opts, name), GF_OK);
    else
      rc = gf_session_options_set_from(opts, c->req, i);
    if (rc) return gf_call_error(call, rc, "out of memory");
  }
  return GF_OK;
}

static int add_result(gf_call* call, gf_result_list* out, int rc, uint8_t* p, size_t n,
                      const gf_error* err) {
  if (!rc) rc = gf_result_list_add(out, p, n);
  free(p);
  return rc ? gf_call_error(call, rc, "%s", err->message[0] ? err->message : "out of memory") : GF_OK;
}

static int do_set(gf_session_store* s, gf_call* call, const gf_action* a,
                  gf_session_validate_fn validate, void* user, gf_result_list* out) {
  gf_error err = {0};
  gf_session_options* req = NULL;
  int rc = gf_session_options_parse(a->body, &req, &err);
  if (rc) return gf_call_error(call, rc, "SetSessionOptions: %s", err.message);
  for (size_t i = 0; !rc && i < gf_session_options_count(req); i++)
    if (value_bytes(req, i) > s->o.max_value_bytes)
      rc = gf_call_error(call, GF_INVALID_ARGUMENT,
                         "SetSessionOptions: the value of '%.100s' exceeds %zu bytes",
                         gf_session_options_name(req, i), s->o.max_value_bytes);
  set_ctx c = {s, req, validate, user, gf_set_session_result_create()};
  if (!rc && !c.res) rc = gf_call_error(call, GF_NO_MEMORY, "out of memory");
  if (!rc) rc = gf_session_store_update(s, call, 1, apply_set, &c);
  uint8_t* p = NULL;
  size_t n = 0;
  if (!rc) {
    rc = gf_set_session_result_serialize(c.res, &p, &n, &err);
    rc = add_result(call, out, rc, p, n, &err);
  }
  gf_set_session_result_free(c.res);
  gf_session_options_free(req);
  return rc;
}

gf_status gf_session_store_do_action(gf_session_store* s, gf_call* call, const gf_action* a,
                                     gf_session_validate_fn validate, void* user,
                                     gf_result_list* out) {
  gf_error err = {0};
  uint8_t* p = NULL;
  size_t n = 0;
  if (strcmp(a->type, GF_ACTION_SET_SESSION_OPTIONS) == 0)
    return do_set(s, call, a, validate, user, out);
  if (strcmp(a->type, GF_ACTION_GET_SESSION_OPTIONS) == 0) {
    gf_session_options* o = NULL;
    int rc = gf_session_store_get(s, call, &o);
    if (rc) return rc;
    rc = gf_session_options_serialize(o, &p, &n, &err);
    gf_session_options_free(o);
    return add_result(call, out, rc, p, n, &err);
  }
  if (strcmp(a->type, GF_ACTION_CLOSE_SESSION) == 0) {
    int rc = gf_session_store_close_session(s, call);
    if (rc) return rc;
    rc = gf_close_session_result_serialize(GF_CLOSE_SESSION_CLOSED, &p, &n, &err);
    return add_result(call, out, rc, p, n, &err);
  }
  return GF_NOT_FOUND;
}
