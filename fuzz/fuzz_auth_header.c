/* libFuzzer target: token extraction ("Bearer " parsing, custom header,
 * duplicates, whitespace stripping) and enumerated-token verification on
 * arbitrary header bytes. Input: byte 0 selects the header mode (bit 0:
 * custom header "X-Token"); the rest is split on '\n' into headers, each
 * "key:value" at the first ':'. Single-threaded. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "log/log_internal.h"

#define MAX_HEADERS 64

typedef struct fhdr {
  char* key;
  gf_bytes value;
} fhdr;

typedef struct flist {
  fhdr h[MAX_HEADERS];
  size_t n;
} flist;

static int at(const void* src, size_t i, const char** key, gf_bytes* value) {
  const flist* l = src;
  if (i >= l->n) return GF_INVALID_ARGUMENT;
  *key = l->h[i].key;
  *value = l->h[i].value;
  return GF_OK;
}

static void parse(const uint8_t* d, size_t n, flist* l) {
  size_t i = 0;
  while (i < n && l->n < MAX_HEADERS) {
    const uint8_t* nl = memchr(d + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - d) : n;
    const uint8_t* colon = memchr(d + i, ':', end - i);
    size_t kend = colon ? (size_t)(colon - d) : end;
    char* key = malloc(kend - i + 1);
    if (key == NULL) return;
    memcpy(key, d + i, kend - i);
    key[kend - i] = '\0';
    size_t vstart = colon ? kend + 1 : end;
    l->h[l->n].key = key;
    l->h[l->n].value = (gf_bytes){d + vstart, end - vstart};
    l->n++;
    i = end + 1;
  }
}

static gf__auth* auth_for(int custom) {
  static gf__auth* auths[2];
  static char* tokens[] = {"secret", "s2"};
  if (auths[custom] == NULL) {
    int fd = open("/dev/null", O_WRONLY);
    gf__log_options lo = {.fd = fd};
    gf__log_configure(&lo, NULL);
    gf__server_config c;
    memset(&c, 0, sizeof(c));
    c.authentication_method = GF__AUTH_TOKEN;
    c.enumerated_tokens = tokens;
    c.n_enumerated_tokens = 2;
    c.token_header_name = custom ? "X-Token" : NULL;
    if (gf__auth_create(&c, NULL, &auths[custom], NULL) != GF_OK) abort();
  }
  return auths[custom];
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  int custom = data[0] & 1;
  flist l;
  memset(&l, 0, sizeof(l));
  parse(data + 1, size - 1, &l);
  gf__auth_headers h = {&l, l.n, at};
  gf_bytes token = {NULL, 0};
  gf_error err = {0};
  int rc = gf__auth_extract_token(custom ? "X-Token" : NULL, &h, &token, &err);
  if (rc == GF_OK) {
    /* the token lies inside the input and is stripped */
    if (token.len > 0 && (token.data < data || token.data + token.len > data + size)) abort();
  } else if (rc != GF_UNAUTHENTICATED || err.message[0] == '\0') {
    abort();
  }
  char* id = NULL;
  void* d = NULL;
  rc = gf__auth_verify_headers(auth_for(custom), NULL, &h, "DoGet", "fuzz", &id, &d, &err);
  if (rc != GF_OK && rc != GF_UNAUTHENTICATED) abort();
  if (id != NULL || d != NULL) abort();
  for (size_t i = 0; i < l.n; i++) free(l.h[i].key);
  return 0;
}
