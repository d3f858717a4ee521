/* Flight method names and request kinds. Any thread (constant data). */
#include "flight/method.h"

static const char* const k_names[GF__M_COUNT] = {
    "Handshake", "ListFlights", "GetFlightInfo", "PollFlightInfo", "GetSchema", "DoGet",
    "DoPut",     "DoExchange",  "DoAction",      "ListActions",    "Unknown"};

const char* gf__method_name(int method) {
  return method >= 0 && method < GF__M_COUNT ? k_names[method] : "Unknown";
}
