/* Unit tests of the auth module: token extraction over header lists, the
 * built-in EnumeratedTokenVerification, strategy library loading (the sample
 * examples/auth_strategy library when built, libm for a missing symbol),
 * strategy table validation, and the authentication_failed log lines. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "log/log_internal.h"
#include "test.h"

/* ---- a fake header list ------------------------------------------------ */

typedef struct hdr {
  const char* key;
  const char* value;
} hdr;

typedef struct hdrs {
  const hdr* h;
  size_t n;
} hdrs;

static int hdr_at(const void* src, size_t i, const char** key, gf_bytes* value) {
  const hdrs* l = src;
  if (i >= l->n) return GF_INVALID_ARGUMENT;
  *key = l->h[i].key;
  value->data = (const uint8_t*)l->h[i].value;
  value->len = strlen(l->h[i].value);
  return GF_OK;
}

#define HEADERS(name, ...)                        \
  static const hdr name##_arr[] = {__VA_ARGS__};  \
  hdrs name##_l = {name##_arr, sizeof(name##_arr) / sizeof(hdr)}; \
  gf__auth_headers name = {&name##_l, name##_l.n, hdr_at}

static int extract(const char* header_name, const gf__auth_headers* h, char* tok, gf_error* err) {
  gf_bytes t = {NULL, 0};
  int rc = gf__auth_extract_token(header_name, h, &t, err);
  if (rc == GF_OK) {
    memcpy(tok, t.data, t.len);
    tok[t.len] = '\0';
  }
  return rc;
}

#define MSG_MISSING \
  "Authentication failed because the authentication header bearing the token was not included on the call."
#define MSG_NO_BEARER \
  "Authentication failed because the 'Authorization' header does not start with 'Bearer '"
#define MSG_INVALID "Authentication token is not valid."

TEST(extract_bearer_strips_whitespace) {
  HEADERS(h, {"user-agent", "x"}, {"authorization", "Bearer   tok en \t "});
  char tok[64];
  gf_error err = {0};
  CHECK_EQ_INT(extract(NULL, &h, tok, &err), GF_OK);
  CHECK_EQ_STR(tok, "tok en");
}

TEST(extract_missing_header) {
  HEADERS(h, {"x-other", "Bearer abc"});
  char tok[64];
  gf_error err = {0};
  CHECK_EQ_INT(extract(NULL, &h, tok, &err), GF_UNAUTHENTICATED);
  CHECK_EQ_STR(err.message, MSG_MISSING);
  CHECK_EQ_INT(gf__auth_extract_token(NULL, NULL, &(gf_bytes){0}, &err), GF_UNAUTHENTICATED);
}

TEST(extract_duplicate_header) {
  HEADERS(h, {"authorization", "Bearer a"}, {"authorization", "Bearer a"});
  char tok[64];
  gf_error err = {0};
  CHECK_EQ_INT(extract(NULL, &h, tok, &err), GF_UNAUTHENTICATED);
  CHECK_EQ_STR(err.message,
               "Authentication failed because the authentication header 'Authorization' is "
               "specified multiple times.");
}

TEST(extract_requires_exact_bearer) {
  const char* bad[] = {"bearer abc", "Basic abc", "Bearer", "Bearer\tabc", " Bearer abc", ""};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    hdr arr[] = {{"authorization", bad[i]}};
    hdrs l = {arr, 1};
    gf__auth_headers h = {&l, 1, hdr_at};
    char tok[64];
    gf_error err = {0};
    CHECK_EQ_INT(extract(NULL, &h, tok, &err), GF_UNAUTHENTICATED);
    CHECK_EQ_STR(err.message, MSG_NO_BEARER);
  }
  HEADERS(ok, {"authorization", "Bearer "});
  char tok[8];
  gf_error err = {0};
  CHECK_EQ_INT(extract(NULL, &ok, tok, &err), GF_OK);
  CHECK_EQ_STR(tok, "");
}

TEST(extract_custom_header_case_insensitive) {
  HEADERS(h, {"authorization", "Bearer ignored"}, {"x-api-key", "  Bearer raw-token\r\n"});
  char tok[64];
  gf_error err = {0};
  CHECK_EQ_INT(extract("X-Api-Key", &h, tok, &err), GF_OK);
  CHECK_EQ_STR(tok, "Bearer raw-token");
  HEADERS(dup, {"x-api-key", "a"}, {"X-API-KEY", "b"});
  CHECK_EQ_INT(extract("X-Api-Key", &dup, tok, &err), GF_UNAUTHENTICATED);
  CHECK_EQ_STR(err.message,
               "Authentication failed because the authentication header 'X-Api-Key' is "
               "specified multiple times.");
  HEADERS(none, {"authorization", "Bearer t"});
  CHECK_EQ_INT(extract("X-Api-Key", &none, tok, &err), GF_UNAUTHENTICATED);
  CHECK_EQ_STR(err.message, MSG_MISSING);
}

TEST(strip_matches_python) {
  gf_bytes b = gf__auth_strip((gf_bytes){(const uint8_t*)"\x1c\v\f a b \x1f", 9});
  CHECK_EQ_INT(b.len, 3);
  CHECK(memcmp(b.data, "a b", 3) == 0);
  b = gf__auth_strip((gf_bytes){(const uint8_t*)"   ", 3});
  CHECK_EQ_INT(b.len, 0);
}

TEST(digest_equal) {
  uint8_t a[32], b[32];
  memset(a, 7, 32);
  memcpy(b, a, 32);
  CHECK(gf__auth_digest_equal(a, b));
  b[31] ^= 1;
  CHECK(!gf__auth_digest_equal(a, b));
  b[31] ^= 1;
  b[0] ^= 0x80;
  CHECK(!gf__auth_digest_equal(a, b));
}

/* ---- authenticator ------------------------------------------------------ */

static char* tokens2[] = {"secret-one", "s2"};

static gf__server_config token_cfg(void) {
  gf__server_config c;
  memset(&c, 0, sizeof(c));
  c.authentication_method = GF__AUTH_TOKEN;
  c.enumerated_tokens = tokens2;
  c.n_enumerated_tokens = 2;
  return c;
}

static int verify(gf__auth* a, const gf__auth_headers* h, char** id, gf_error* err) {
  void* data = NULL;
  int rc = gf__auth_verify_headers(a, NULL, h, "DoGet", "ipv4:127.0.0.1:1", id, &data, err);
  gf__auth_release_data(a, data);
  return rc;
}

TEST(method_none_accepts_everything) {
  gf__server_config c;
  memset(&c, 0, sizeof(c));
  gf__auth* a = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__auth_create(&c, NULL, &a, &err), GF_OK);
  CHECK(!gf__auth_enabled(a));
  gf__auth_headers h = {NULL, 0, hdr_at};
  char* id = (char*)"x";
  CHECK_EQ_INT(verify(a, &h, &id, &err), GF_OK);
  CHECK(id == NULL);
  gf__auth_free(a);
}

TEST(enumerated_tokens) {
  gf__server_config c = token_cfg();
  gf__auth* a = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__auth_create(&c, NULL, &a, &err), GF_OK);
  CHECK(gf__auth_enabled(a));
  char* id = NULL;
  HEADERS(good1, {"authorization", "Bearer secret-one"});
  HEADERS(good2, {"authorization", "Bearer  s2 "});
  HEADERS(wrong, {"authorization", "Bearer secret-on"});
  HEADERS(longer, {"authorization", "Bearer secret-one1"});
  HEADERS(empty, {"authorization", "Bearer "});
  int rc1 = verify(a, &good1, &id, &err);
  int rc2 = verify(a, &good2, &id, &err);
  CHECK(id == NULL);
  CHECK_EQ_INT(rc1, GF_OK);
  CHECK_EQ_INT(rc2, GF_OK);
  CHECK_EQ_INT(verify(a, &wrong, &id, &err), GF_UNAUTHENTICATED);
  CHECK_EQ_STR(err.message, MSG_INVALID);
  CHECK_EQ_INT(verify(a, &longer, &id, &err), GF_UNAUTHENTICATED);
  CHECK_EQ_INT(verify(a, &empty, &id, &err), GF_UNAUTHENTICATED);
  gf__auth_free(a);
}

TEST(enumerated_custom_header) {
  gf__server_config c = token_cfg();
  c.token_header_name = "X-Token";
  gf__auth* a = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__auth_create(&c, NULL, &a, &err), GF_OK);
  char* id = NULL;
  HEADERS(good, {"x-token", "s2"});
  HEADERS(bearer, {"authorization", "Bearer s2"});
  CHECK_EQ_INT(verify(a, &good, &id, &err), GF_OK);
  CHECK_EQ_INT(verify(a, &bearer, &id, &err), GF_UNAUTHENTICATED);
  CHECK_EQ_STR(err.message, MSG_MISSING);
  gf__auth_free(a);
}

TEST(enumerated_needs_tokens) {
  gf__server_config c = token_cfg();
  c.n_enumerated_tokens = 0;
  c.enumerated_tokens = NULL;
  gf__auth* a = (gf__auth*)1;
  gf_error err = {0};
  CHECK(gf__auth_create(&c, NULL, &a, &err) != GF_OK);
  CHECK(a == NULL);
  CHECK(strstr(err.message, "enumerated_tokens") != NULL);
  CHECK(strstr(err.message, "GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS") != NULL);
  c = token_cfg();
  c.token_verification = "EnumeratedTokenVerification";
  CHECK_EQ_INT(gf__auth_create(&c, NULL, &a, &err), GF_OK);
  gf__auth_free(a);
}

TEST(token_too_long) {
  gf__server_config c = token_cfg();
  gf__auth* a = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__auth_create(&c, NULL, &a, &err), GF_OK);
  size_t n = GF__AUTH_MAX_TOKEN + 100;
  char* v = malloc(n + 1);
  CHECK(v != NULL);
  memcpy(v, "Bearer ", 7);
  memset(v + 7, 'a', n - 7);
  v[n] = '\0';
  hdr arr[] = {{"authorization", v}};
  hdrs l = {arr, 1};
  gf__auth_headers h = {&l, 1, hdr_at};
  char* id = NULL;
  int rc = verify(a, &h, &id, &err);
  free(v);
  gf__auth_free(a);
  CHECK_EQ_INT(rc, GF_UNAUTHENTICATED);
  CHECK_EQ_STR(err.message, MSG_INVALID);
}

typedef struct thread_arg {
  gf__auth* a;
  int failures;
} thread_arg;

static void* verify_many(void* p) {
  thread_arg* t = p;
  HEADERS(good, {"authorization", "Bearer secret-one"});
  HEADERS(bad, {"authorization", "Bearer nope"});
  for (int i = 0; i < 2000; i++) {
    char* id = NULL;
    gf_error err = {0};
    if (verify(t->a, (i & 1) ? &bad : &good, &id, &err) != ((i & 1) ? GF_UNAUTHENTICATED : GF_OK))
      t->failures++;
  }
  return NULL;
}

TEST(concurrent_verify) {
  gf__server_config c = token_cfg();
  gf__auth* a = NULL;
  CHECK_EQ_INT(gf__auth_create(&c, NULL, &a, NULL), GF_OK);
  pthread_t th[4];
  thread_arg args[4];
  for (int i = 0; i < 4; i++) {
    args[i] = (thread_arg){a, 0};
    pthread_create(&th[i], NULL, verify_many, &args[i]);
  }
  int failures = 0;
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    failures += args[i].failures;
  }
  gf__auth_free(a);
  CHECK_EQ_INT(failures, 0);
}

/* ---- logging ------------------------------------------------------------- */

static char* read_all(FILE* f) {
  fflush(f);
  long n = ftell(f);
  char* buf = calloc(1, (size_t)n + 1);
  if (buf == NULL) return NULL;
  rewind(f);
  size_t got = fread(buf, 1, (size_t)n, f);
  buf[got] = '\0';
  return buf;
}

TEST(failures_are_logged_without_token) {
  FILE* f = tmpfile();
  CHECK(f != NULL);
  gf__log_options lo = {.fd = fileno(f)};
  CHECK_EQ_INT(gf__log_configure(&lo, NULL), GF_OK);
  gf__server_config c = token_cfg();
  gf__auth* a = NULL;
  CHECK_EQ_INT(gf__auth_create(&c, NULL, &a, NULL), GF_OK);
  HEADERS(bad, {"authorization", "Bearer WRONG-SECRET-VALUE"});
  HEADERS(nob, {"authorization", "Basic SECRET-BASIC"});
  char* id = NULL;
  gf_error err = {0};
  verify(a, &bad, &id, &err);
  verify(a, &nob, &id, &err);
  gf__auth_free(a);
  gf__log_configure(NULL, NULL);
  char* log = read_all(f);
  fclose(f);
  CHECK(log != NULL);
  int ok = strstr(log, "authentication_failed") != NULL &&
           strstr(log, "gooddata_flight_server.auth") != NULL &&
           strstr(log, "Authentication token is not valid.") != NULL &&
           strstr(log, "does not start with") != NULL && strstr(log, "DoGet") != NULL &&
           strstr(log, "WRONG-SECRET") == NULL && strstr(log, "SECRET-BASIC") == NULL;
  if (!ok) fprintf(stderr, "log was:\n%s\n", log);
  free(log);
  CHECK(ok);
}

/* ---- strategy libraries --------------------------------------------------- */

static int sample_library(char* out, size_t cap) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return 0;
  exe[n] = '\0';
  /* <B>/tests/auth/test_auth -> <B>/examples/libauth_strategy.so */
  for (int i = 0; i < 3; i++) {
    char* s = strrchr(exe, '/');
    if (s == NULL) return 0;
    *s = '\0';
  }
  snprintf(out, cap, "%s/examples/libauth_strategy.so", exe);
  return access(out, R_OK) == 0;
}

TEST(strategy_missing_library) {
  gf__server_config c = token_cfg();
  c.token_verification = "/nonexistent/dir/libnope.so";
  gf__auth* a = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__auth_create(&c, NULL, &a, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "token_verification") != NULL);
  CHECK(strstr(err.message, "/nonexistent/dir/libnope.so") != NULL);
  c.token_verification = "surely_no_such_strategy";
  CHECK(gf__auth_create(&c, NULL, &a, &err) != GF_OK);
  CHECK(strstr(err.message, "libsurely_no_such_strategy.so") != NULL);
}

TEST(strategy_missing_symbol) {
  gf__server_config c = token_cfg();
  c.token_verification = "libm.so.6";
  gf__auth* a = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__auth_create(&c, NULL, &a, &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "token_verification") != NULL);
  CHECK(strstr(err.message, "libm.so.6") != NULL);
  CHECK(strstr(err.message, GF_TOKEN_STRATEGY_SYMBOL) != NULL);
}

static int dummy_verify(void* s, const gf_call* c, const char* t, size_t n, char** i, void** d,
                        gf_error* e) {
  (void)s, (void)c, (void)t, (void)n, (void)i, (void)d, (void)e;
  return GF_OK;
}
static int dummy_create(gf_server_context* c, void** s, gf_error* e) {
  (void)c, (void)s, (void)e;
  return GF_OK;
}

TEST(strategy_table_checks) {
  gf_error err = {0};
  gf_token_strategy s = {sizeof(s), GF_TOKEN_STRATEGY_ABI_VERSION, dummy_create, dummy_verify,
                         NULL, NULL};
  CHECK_EQ_INT(gf__auth_check_strategy(&s, "p.so", &err), GF_OK);
  s.abi_version = 2;
  CHECK_EQ_INT(gf__auth_check_strategy(&s, "p.so", &err), GF_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "ABI version 2") != NULL && strstr(err.message, "p.so") != NULL);
  s.abi_version = GF_TOKEN_STRATEGY_ABI_VERSION;
  s.struct_size = 8;
  CHECK_EQ_INT(gf__auth_check_strategy(&s, "p.so", &err), GF_INVALID_ARGUMENT);
  s.struct_size = sizeof(s);
  s.verify = NULL;
  CHECK_EQ_INT(gf__auth_check_strategy(&s, "p.so", &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf__auth_check_strategy(NULL, "p.so", &err), GF_INVALID_ARGUMENT);
}

TEST(strategy_sample_library) {
  char path[PATH_MAX + 64];
  if (!sample_library(path, sizeof(path))) {
    fprintf(stderr, "  note: sample strategy library not built (%s); skipped\n", path);
    return;
  }
  gf__server_config c = token_cfg();
  c.token_verification = path;
  gf__auth* a = NULL;
  gf_error err = {0};
  CHECK_EQ_INT(gf__auth_create(&c, NULL, &a, &err), GF_OK);
  HEADERS(good, {"authorization", "Bearer test_token_alice"});
  HEADERS(bad, {"authorization", "Bearer secret-one"});
  HEADERS(deny, {"authorization", "Bearer deny_bob"});
  char* id = NULL;
  void* data = NULL;
  int rc = gf__auth_verify_headers(a, NULL, &good, "DoGet", NULL, &id, &data, &err);
  int same = id != NULL && strcmp(id, "_alice") == 0 && data != NULL &&
             strcmp((const char*)data, "_alice") == 0;
  free(id);
  gf__auth_release_data(a, data);
  int rc_bad = verify(a, &bad, &id, &err);
  int bad_msg = strcmp(err.message, MSG_INVALID) == 0;
  int rc_deny = verify(a, &deny, &id, &err);
  gf__auth_free(a);
  CHECK_EQ_INT(rc, GF_OK);
  CHECK(same);
  CHECK_EQ_INT(rc_bad, GF_UNAUTHENTICATED);
  CHECK(bad_msg);
  CHECK_EQ_INT(rc_deny, GF_UNAUTHORIZED);
  CHECK(id == NULL);
}

int main(void) {
  RUN(extract_bearer_strips_whitespace);
  RUN(extract_missing_header);
  RUN(extract_duplicate_header);
  RUN(extract_requires_exact_bearer);
  RUN(extract_custom_header_case_insensitive);
  RUN(strip_matches_python);
  RUN(digest_equal);
  RUN(method_none_accepts_everything);
  RUN(enumerated_tokens);
  RUN(enumerated_custom_header);
  RUN(enumerated_needs_tokens);
  RUN(token_too_long);
  RUN(concurrent_verify);
  RUN(failures_are_logged_without_token);
  RUN(strategy_missing_library);
  RUN(strategy_missing_symbol);
  RUN(strategy_table_checks);
  RUN(strategy_sample_library);
  TEST_MAIN_END();
}
