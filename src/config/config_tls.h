/* Start-up check (run by gf_server_create) of the TLS material of the
 * [server] configuration with OpenSSL (config_tls.c): the certificate and key
 * parse and belong together. Main thread, start-up. */
#ifndef GF__SERVER_CONFIG_TLS_H
#define GF__SERVER_CONFIG_TLS_H

#include "gooddata_flight_server/common.h"

/* cert_pem / key_pem / root_pem (NULL = not used) are the resolved PEM texts;
 * the *_src strings name where each setting came from. Errors are one line
 * naming the setting(s) and sources, e.g. "server.tls_private_key does not
 * match server.tls_certificate (...)". */
int gf__config_check_tls(const char* cert_pem, const char* cert_src, const char* key_pem,
                         const char* key_src, const char* root_pem, const char* root_src,
                         gf_error* err);

#endif
