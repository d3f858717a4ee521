/* TLS configuration check at start-up (config_tls.h): parses the server
 * certificate (chain), the private key and the mTLS root certificates with
 * OpenSSL and verifies that the key matches the leaf certificate, so a
 * mistake stops start-up with a line naming the setting instead of failing
 * later inside gRPC. Main thread, start-up. */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "config/config_tls.h"

/* Text of the first queued OpenSSL error (the queue is cleared). */
static void ssl_reason(char* out, size_t cap) {
  unsigned long e = ERR_get_error();
  const char* r = e ? ERR_reason_error_string(e) : NULL;
  snprintf(out, cap, "%s", r ? r : "no PEM data found");
  ERR_clear_error();
}

static X509* read_cert(const char* pem, BIO** bio_out) {
  BIO* bio = BIO_new_mem_buf(pem, (int)strlen(pem));
  *bio_out = bio;
  return bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
}

static int check_roots(const char* pem, const char* src, gf_error* err) {
  BIO* bio = NULL;
  X509* x = read_cert(pem, &bio);
  int rc = GF_OK;
  if (!x) {
    char why[160];
    ssl_reason(why, sizeof(why));
    rc = gf_error_set(err, GF_INVALID_ARGUMENT,
                      "server.tls_root_certificate: not a PEM certificate (%s) (from %s)", why, src);
  }
  X509_free(x);
  BIO_free(bio);
  return rc;
}

int gf__config_check_tls(const char* cert_pem, const char* cert_src, const char* key_pem,
                         const char* key_src, const char* root_pem, const char* root_src,
                         gf_error* err) {
  if (!cert_pem || !key_pem) return GF_OK;
  char why[160];
  BIO* cb = NULL;
  X509* cert = read_cert(cert_pem, &cb);
  BIO* kb = NULL;
  EVP_PKEY* key = NULL;
  int rc = GF_OK;
  if (!cert) {
    ssl_reason(why, sizeof(why));
    rc = gf_error_set(err, GF_INVALID_ARGUMENT,
                      "server.tls_certificate: not a PEM certificate (%s) (from %s)", why, cert_src);
  }
  if (rc == GF_OK) {
    kb = BIO_new_mem_buf(key_pem, (int)strlen(key_pem));
    key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    if (!key) {
      ssl_reason(why, sizeof(why));
      rc = gf_error_set(err, GF_INVALID_ARGUMENT,
                        "server.tls_private_key: not an unencrypted PEM private key (%s) (from %s)",
                        why, key_src);
    }
  }
  if (rc == GF_OK && X509_check_private_key(cert, key) != 1) {
    ERR_clear_error();
    rc = gf_error_set(err, GF_INVALID_ARGUMENT,
                      "server.tls_private_key does not match server.tls_certificate "
                      "(tls_private_key from %s, tls_certificate from %s)",
                      key_src, cert_src);
  }
  EVP_PKEY_free(key);
  BIO_free(kb);
  X509_free(cert);
  BIO_free(cb);
  if (rc == GF_OK && root_pem) rc = check_roots(root_pem, root_src, err);
  return rc;
}
