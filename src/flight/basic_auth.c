/* BasicAuth message encoding for the client side of the basic-auth
 * Handshake (gf_basic_auth_encode in handshake_auth.h). Pure function, any
 * thread. */
#include <stdlib.h>

#include "Flight.pb-c.h"
#include "gooddata_flight_server/handshake_auth.h"

gf_status gf_basic_auth_encode(const char* username, const char* password, uint8_t** out,
                               size_t* len, gf_error* err) {
  Arrow__Flight__Protocol__BasicAuth b;
  arrow__flight__protocol__basic_auth__init(&b);
  b.username = (char*)(username ? username : "");
  b.password = (char*)(password ? password : "");
  size_t n = arrow__flight__protocol__basic_auth__get_packed_size(&b);
  uint8_t* p = malloc(n ? n : 1);
  if (!p) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  arrow__flight__protocol__basic_auth__pack(&b, p);
  *out = p;
  *len = n;
  return GF_OK;
}
