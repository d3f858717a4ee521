#!/usr/bin/env bash
# Generates throw-away TLS material for the security tests with the openssl
# CLI into directory $1 (created if missing). Nothing here is ever committed.
#   ca.pem/ca.key            test CA
#   server.pem/server.key    server cert signed by ca (SAN IP:127.0.0.1, DNS:localhost)
#   client.pem/client.key    client cert signed by ca (CN=test-client)
#   other-ca.pem/.key        an unrelated CA
#   other-client.pem/.key    client cert signed by other-ca
#   other-server.key         a key that does not match server.pem
set -euo pipefail
dir=${1:?usage: gen_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
days=2
q() { openssl "$@" >/dev/null 2>&1 || { echo "openssl $* failed" >&2; openssl "$@"; exit 1; }; }

key() { q genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

ca() { # name cn
  key "$1.key"
  q req -x509 -new -key "$1.key" -sha256 -days $days -subj "/CN=$2" -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

leaf() { # name cn ca ext
  key "$1.key"
  q req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf '%s\n' "$4" > "$1.ext"
  q x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -sha256 -days $days \
    -extfile "$1.ext" -out "$1.pem"
  rm -f "$1.csr" "$1.ext"
}

ca ca "gf-test-ca"
ca other-ca "gf-other-ca"
leaf server localhost ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
basicConstraints=CA:FALSE"
leaf client test-client ca "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
leaf other-client other-client other-ca "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
key other-server.key
chmod 600 ./*.key
echo "$dir"
