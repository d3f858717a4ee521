/* The Flight method table (constant data). Any thread. */
#include "flight/method.h"

#include <string.h>

#define PATH "/arrow.flight.protocol.FlightService/"

static const gf__method_info k_methods[GF__M_COUNT] = {
    [GF__M_HANDSHAKE] = {PATH "Handshake", "Handshake", "HANDSHAKE", GF__MK_BIDI},
    [GF__M_LIST_FLIGHTS] = {PATH "ListFlights", "ListFlights", "LIST_FLIGHTS", GF__MK_SERVER_STREAM},
    [GF__M_GET_FLIGHT_INFO] = {PATH "GetFlightInfo", "GetFlightInfo", "GET_FLIGHT_INFO", GF__MK_UNARY},
    [GF__M_POLL_FLIGHT_INFO] = {PATH "PollFlightInfo", "PollFlightInfo", "POLL_FLIGHT_INFO",
                                GF__MK_UNARY},
    [GF__M_GET_SCHEMA] = {PATH "GetSchema", "GetSchema", "GET_SCHEMA", GF__MK_UNARY},
    [GF__M_DO_GET] = {PATH "DoGet", "DoGet", "DO_GET", GF__MK_SERVER_STREAM},
    [GF__M_DO_PUT] = {PATH "DoPut", "DoPut", "DO_PUT", GF__MK_BIDI},
    [GF__M_DO_EXCHANGE] = {PATH "DoExchange", "DoExchange", "DO_EXCHANGE", GF__MK_BIDI},
    [GF__M_DO_ACTION] = {PATH "DoAction", "DoAction", "DO_ACTION", GF__MK_SERVER_STREAM},
    [GF__M_LIST_ACTIONS] = {PATH "ListActions", "ListActions", "LIST_ACTIONS", GF__MK_SERVER_STREAM},
    [GF__M_UNKNOWN] = {NULL, "Unknown", "INVALID", GF__MK_BIDI},
};

const gf__method_info* gf__method_get(int method) {
  return &k_methods[method >= 0 && method < GF__M_COUNT ? method : GF__M_UNKNOWN];
}

const char* gf__method_name(int method) { return gf__method_get(method)->name; }

int gf__method_by_name(const char* name) {
  for (int m = 0; m < GF__M_FLIGHT; m++)
    if (name && strcmp(k_methods[m].name, name) == 0) return m;
  return GF__M_UNKNOWN;
}

int gf__method_by_path(const char* path, int* unary_request) {
  int found = GF__M_UNKNOWN;
  for (int m = 0; m < GF__M_FLIGHT && found == GF__M_UNKNOWN; m++)
    if (path && strcmp(k_methods[m].path, path) == 0) found = m;
  int kind = k_methods[found].kind;
  *unary_request = found != GF__M_UNKNOWN && (kind == GF__MK_UNARY || kind == GF__MK_SERVER_STREAM);
  return found;
}
