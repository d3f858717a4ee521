/* TLS for the nghttp2 server transport: the OpenSSL server context (certificate
 * chain and key from PEM text, ALPN "h2" only, TLS 1.2+, and for mTLS the
 * client CA list with verification required) and the identity taken from a
 * client certificate (CN, else the RFC 2253 subject). The PEM loaders serve
 * the client's context too (client_tls.c). The context is built
 * at server start (caller's thread); gf__h2_tls_identity runs on an I/O loop
 * after a handshake. */
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "transport/h2.h"

static int alpn_select(SSL* ssl, const unsigned char** out, unsigned char* outlen,
                       const unsigned char* in, unsigned int inlen, void* arg) {
  (void)ssl;
  (void)arg;
  for (unsigned int i = 0; i < inlen;) {
    unsigned int l = in[i];
    if (i + 1 + l > inlen) break;
    if (l == 2 && !memcmp(in + i + 1, "h2", 2)) {
      *out = in + i + 1;
      *outlen = 2;
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + l;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

int gf__h2_tls_use_chain(SSL_CTX* ctx, const char* pem) {
  BIO* b = BIO_new_mem_buf(pem, -1);
  if (!b) return -1;
  X509* leaf = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL);
  int rc = leaf && SSL_CTX_use_certificate(ctx, leaf) == 1 ? 0 : -1;
  X509_free(leaf);
  X509* x;
  while (!rc && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
    if (!SSL_CTX_add_extra_chain_cert(ctx, x)) {
      X509_free(x);
      rc = -1;
    }
  ERR_clear_error();
  BIO_free(b);
  return rc;
}

int gf__h2_tls_use_key(SSL_CTX* ctx, const char* pem) {
  BIO* b = BIO_new_mem_buf(pem, -1);
  EVP_PKEY* k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
  int rc = k && SSL_CTX_use_PrivateKey(ctx, k) == 1 && SSL_CTX_check_private_key(ctx) == 1 ? 0 : -1;
  EVP_PKEY_free(k);
  BIO_free(b);
  return rc;
}

static int load_roots(SSL_CTX* ctx, const char* pem) {
  BIO* b = BIO_new_mem_buf(pem, -1);
  if (!b) return -1;
  X509_STORE* st = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  int n = 0;
  X509* x;
  while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
    if (X509_STORE_add_cert(st, x) == 1) n++;
    if (names) sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(x)));
    X509_free(x);
  }
  ERR_clear_error();
  BIO_free(b);
  if (names) SSL_CTX_set_client_CA_list(ctx, names);
  return n > 0 ? 0 : -1;
}

int gf__h2_tls_context(const gf__tserver_options* o, SSL_CTX** out, gf_error* err) {
  if (!o->use_tls) return GF_OK;
  if (!o->cert_pem || !o->key_pem)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "TLS is enabled but tls_certificate or tls_private_key is not set");
  if (o->use_mtls && !o->root_pem)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "mTLS is enabled but tls_root_certificate is not set");
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return gf_error_set(err, GF_INTERNAL, "cannot create the TLS context");
  *out = ctx; /* freed by the caller, also on error */
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
  if (gf__h2_tls_use_chain(ctx, o->cert_pem) || gf__h2_tls_use_key(ctx, o->key_pem))
    return gf_error_set(err, GF_INVALID_ARGUMENT, "invalid TLS certificate or private key");
  if (o->use_mtls) {
    if (load_roots(ctx, o->root_pem))
      return gf_error_set(err, GF_INVALID_ARGUMENT, "invalid tls_root_certificate");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  return GF_OK;
}

char* gf__h2_tls_identity(SSL* ssl) {
  X509* x = SSL_get_peer_certificate(ssl);
  if (!x) return NULL;
  char* out = NULL;
  X509_NAME* nm = X509_get_subject_name(x);
  char cn[512];
  int n = nm ? X509_NAME_get_text_by_NID(nm, NID_commonName, cn, sizeof(cn)) : -1;
  if (n > 0) {
    out = strndup(cn, (size_t)n);
  } else if (nm) {
    BIO* b = BIO_new(BIO_s_mem());
    if (b && X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
      char* p;
      long l = BIO_get_mem_data(b, &p);
      if (l > 0) out = strndup(p, (size_t)l);
    }
    BIO_free(b);
  }
  X509_free(x);
  return out;
}
