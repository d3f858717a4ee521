/* Basic-auth Handshake with server-issued bearer tokens (handshake_auth.h):
 * a mutex-guarded hash table token -> identity with expiry and a size cap.
 * Runs on worker threads (Handshake callbacks and authenticate hooks). */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/crypto.h>

#include "Flight.pb-c.h"
#include "gooddata_flight_server/handshake_auth.h"

#define NBUCKETS 4096
#define TOKEN_HEX 64
#define MAX_TRAILING_MESSAGES 64

typedef struct tok {
  char hex[TOKEN_HEX + 1];
  char* identity;
  int64_t expires_ms;
  struct tok* next;
} tok;

struct gf_basic_auth {
  gf_basic_auth_options o;
  pthread_mutex_t mu;
  tok* buckets[NBUCKETS];
  size_t n;
};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t bucket_of(const void* data, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++) h = (h ^ ((const uint8_t*)data)[i]) * 1099511628211ull;
  return (size_t)(h % NBUCKETS);
}

gf_status gf_basic_auth_create(const gf_basic_auth_options* o, gf_basic_auth** out, gf_error* err) {
  /* Options from older callers are shorter: the fields they lack stay 0. */
  size_t need = offsetof(gf_basic_auth_options, user);
  if (!o || o->struct_size < need || !o->check)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "gf_basic_auth_create: options need struct_size (>= %zu) and a check "
                        "callback",
                        need);
  gf_basic_auth* a = calloc(1, sizeof(*a));
  if (!a) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  memcpy(&a->o, o, o->struct_size < sizeof(a->o) ? o->struct_size : sizeof(a->o));
  if (a->o.token_ttl_sec <= 0) a->o.token_ttl_sec = 3600;
  if (a->o.max_tokens == 0) a->o.max_tokens = 100000;
  pthread_mutex_init(&a->mu, NULL);
  *out = a;
  return GF_OK;
}

static void tok_free(tok* t) {
  free(t->identity);
  free(t);
}

void gf_basic_auth_free(gf_basic_auth* a) {
  if (!a) return;
  for (size_t b = 0; b < NBUCKETS; b++)
    for (tok* t = a->buckets[b]; t;) {
      tok* n = t->next;
      tok_free(t);
      t = n;
    }
  pthread_mutex_destroy(&a->mu);
  free(a);
}

/* Removes expired tokens (all buckets). Caller holds mu. */
static void sweep_locked(gf_basic_auth* a, int64_t now) {
  for (size_t b = 0; b < NBUCKETS; b++)
    for (tok** pp = &a->buckets[b]; *pp;) {
      tok* t = *pp;
      if (t->expires_ms <= now) {
        *pp = t->next;
        tok_free(t);
        a->n--;
      } else {
        pp = &t->next;
      }
    }
}

static int issue(gf_basic_auth* a, char* identity, char hex[TOKEN_HEX + 1], gf_error* err) {
  uint8_t raw[TOKEN_HEX / 2];
  if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
    free(identity);
    return gf_error_set(err, GF_INTERNAL, "cannot read random bytes for the token");
  }
  for (size_t i = 0; i < sizeof(raw); i++) snprintf(hex + 2 * i, 3, "%02x", raw[i]);
  tok* t = calloc(1, sizeof(*t));
  if (!t) {
    free(identity);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  }
  memcpy(t->hex, hex, TOKEN_HEX + 1);
  t->identity = identity;
  int64_t now = now_ms();
  t->expires_ms = now + a->o.token_ttl_sec * 1000;
  pthread_mutex_lock(&a->mu);
  if (a->n >= a->o.max_tokens) sweep_locked(a, now);
  int full = a->n >= a->o.max_tokens;
  if (!full) {
    size_t b = bucket_of(hex, TOKEN_HEX);
    t->next = a->buckets[b];
    a->buckets[b] = t;
    a->n++;
  }
  pthread_mutex_unlock(&a->mu);
  if (full) {
    tok_free(t);
    return gf_error_set(err, GF_RESOURCE_EXHAUSTED, "too many active auth tokens (max %zu)",
                        a->o.max_tokens);
  }
  return GF_OK;
}

static char* str_or_empty(const char* s) { return strdup(s ? s : ""); }

static int check_payload(gf_basic_auth* a, gf_call* call, gf_bytes payload, char** identity) {
  Arrow__Flight__Protocol__BasicAuth* ba =
      arrow__flight__protocol__basic_auth__unpack(NULL, payload.len, payload.data);
  if (!ba) return gf_call_error(call, GF_UNAUTHENTICATED, "Handshake: malformed BasicAuth payload");
  char* user = str_or_empty(ba->username);
  char* pass = str_or_empty(ba->password);
  arrow__flight__protocol__basic_auth__free_unpacked(ba, NULL);
  gf_error err = {0};
  int rc = (!user || !pass) ? gf_error_set(&err, GF_NO_MEMORY, "out of memory")
                            : a->o.check(a->o.user, user, pass, identity, &err);
  if (rc == GF_OK && !*identity && !(*identity = strdup(user)))
    rc = gf_error_set(&err, GF_NO_MEMORY, "out of memory");
  if (pass) OPENSSL_cleanse(pass, strlen(pass));
  free(user);
  free(pass);
  if (rc == GF_OK) return GF_OK;
  free(*identity);
  *identity = NULL;
  return gf_call_error(call, rc, "%s", err.message[0] ? err.message : "Invalid credentials");
}

gf_status gf_basic_auth_handshake(gf_basic_auth* a, gf_call* call, gf_handshake* stream) {
  gf_error err = {0};
  gf_bytes payload;
  int rc = gf_handshake_recv(stream, NULL, &payload, &err);
  if (rc == GF_END_OF_STREAM)
    return gf_call_error(call, GF_UNAUTHENTICATED, "Handshake: no request was sent");
  if (rc) return gf_call_error(call, rc, "Handshake: %s", err.message);
  char* identity = NULL;
  if ((rc = check_payload(a, call, payload, &identity))) return rc;
  char hex[TOKEN_HEX + 1];
  if ((rc = issue(a, identity, hex, &err))) return gf_call_error(call, rc, "Handshake: %s", err.message);
  if ((rc = gf_handshake_send(stream, 0, hex, TOKEN_HEX, &err))) {
    gf_basic_auth_revoke(a, hex, TOKEN_HEX);
    return gf_call_error(call, rc, "Handshake: %s", err.message);
  }
  for (int i = 0; i < MAX_TRAILING_MESSAGES; i++) {
    rc = gf_handshake_recv(stream, NULL, &payload, &err);
    if (rc == GF_END_OF_STREAM) return GF_OK;
    if (rc) return gf_call_error(call, rc, "Handshake: %s", err.message);
  }
  return gf_call_error(call, GF_INVALID_ARGUMENT,
                       "Handshake: more than %d messages after the credentials",
                       MAX_TRAILING_MESSAGES);
}

gf_status gf_basic_auth_authenticate(gf_basic_auth* a, gf_call* call) {
  gf_bytes v;
  if (!gf_call_header(call, GF_BASIC_AUTH_TOKEN_HEADER, &v))
    return gf_call_error(call, GF_UNAUTHENTICATED, "No auth token");
  char* identity = NULL;
  int found = 0;
  if (v.len == TOKEN_HEX) {
    int64_t now = now_ms();
    pthread_mutex_lock(&a->mu);
    for (tok** pp = &a->buckets[bucket_of(v.data, v.len)]; *pp; pp = &(*pp)->next) {
      tok* t = *pp;
      if (CRYPTO_memcmp(t->hex, v.data, TOKEN_HEX) != 0) continue;
      if (t->expires_ms <= now) {
        *pp = t->next;
        tok_free(t);
        a->n--;
      } else {
        found = 1;
        identity = strdup(t->identity);
      }
      break;
    }
    pthread_mutex_unlock(&a->mu);
  }
  if (!found) return gf_call_error(call, GF_UNAUTHENTICATED, "Invalid token");
  int rc = identity ? gf_call_set_identity(call, identity) : GF_NO_MEMORY;
  free(identity);
  return rc ? gf_call_error(call, rc, "out of memory") : GF_OK;
}

bool gf_basic_auth_revoke(gf_basic_auth* a, const void* token, size_t len) {
  if (len != TOKEN_HEX) return 0;
  int found = 0;
  pthread_mutex_lock(&a->mu);
  for (tok** pp = &a->buckets[bucket_of(token, len)]; *pp; pp = &(*pp)->next) {
    tok* t = *pp;
    if (CRYPTO_memcmp(t->hex, token, TOKEN_HEX) == 0) {
      *pp = t->next;
      tok_free(t);
      a->n--;
      found = 1;
      break;
    }
  }
  pthread_mutex_unlock(&a->mu);
  return found;
}
