/* Flight method indices shared by transport, dispatcher, metrics and tracing. */
#ifndef GF__FLIGHT_METHOD_H
#define GF__FLIGHT_METHOD_H

enum gf__method {
  GF__M_HANDSHAKE = 0,
  GF__M_LIST_FLIGHTS,
  GF__M_GET_FLIGHT_INFO,
  GF__M_POLL_FLIGHT_INFO,
  GF__M_GET_SCHEMA,
  GF__M_DO_GET,
  GF__M_DO_PUT,
  GF__M_DO_EXCHANGE,
  GF__M_DO_ACTION,
  GF__M_LIST_ACTIONS,
  GF__M_UNKNOWN = 10,
  GF__M_COUNT
};

/* "Handshake", ..., "ListActions"; "Unknown" for GF__M_UNKNOWN. */
const char* gf__method_name(int method);

#endif
