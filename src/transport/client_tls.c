/* TLS for the nghttp2 client transport: the OpenSSL client context (TLS
 * 1.2+, ALPN "h2", server verification against the given PEM roots or the
 * system's, and an optional client certificate for mTLS), and per
 * connection SNI and the name (or address) the server certificate must
 * match. Built when a channel is created (caller's thread). */
#include <arpa/inet.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "transport/client_h2.h"

static int load_roots(SSL_CTX* ctx, const char* pem) {
  BIO* b = BIO_new_mem_buf(pem, -1);
  if (!b) return -1;
  X509_STORE* st = SSL_CTX_get_cert_store(ctx);
  int n = 0;
  X509* x;
  while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
    if (X509_STORE_add_cert(st, x) == 1) n++;
    X509_free(x);
  }
  ERR_clear_error();
  BIO_free(b);
  return n > 0 ? 0 : -1;
}

int gf__ctls_context(const gf__cchannel_options* o, SSL_CTX** out, gf_error* err) {
  *out = NULL;
  if ((o->cert_chain == NULL) != (o->private_key == NULL))
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "tls: client certificate and private key must be given together");
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return gf_error_set(err, GF_INTERNAL, "tls: cannot create the client context");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  static const unsigned char alpn[] = {2, 'h', '2'};
  int rc = SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn)) == 0 ? GF_OK : GF_INTERNAL;
  if (rc == GF_OK && o->root_certs && load_roots(ctx, o->root_certs))
    rc = gf_error_set(err, GF_INVALID_ARGUMENT,
                      "tls: no certificate found in the root certificates");
  else if (rc == GF_OK && !o->root_certs && SSL_CTX_set_default_verify_paths(ctx) != 1)
    rc = gf_error_set(err, GF_INTERNAL, "tls: cannot load the system's root certificates");
  if (rc == GF_OK && o->cert_chain &&
      (gf__h2_tls_use_chain(ctx, o->cert_chain) || gf__h2_tls_use_key(ctx, o->private_key)))
    rc = gf_error_set(err, GF_INVALID_ARGUMENT, "tls: invalid client certificate or private key");
  if (rc) {
    SSL_CTX_free(ctx);
    return err ? err->code : rc;
  }
  *out = ctx;
  return GF_OK;
}

static int is_address(const char* name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

int gf__ctls_prepare(SSL* ssl, const char* name) {
  if (!name || !*name) return 0;
  if (is_address(name))
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 ? 0 : -1;
  if (SSL_set_tlsext_host_name(ssl, name) != 1) return -1;
  return SSL_set1_host(ssl, name) == 1 ? 0 : -1;
}
