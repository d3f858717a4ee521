/* The Flight method table: index, gRPC path, name, span name and call kind of
 * each FlightService method, shared by the dispatcher (rpc), the client,
 * metrics and tracing. */
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

/* Number of real methods (GF__M_UNKNOWN excluded). */
#define GF__M_FLIGHT GF__M_UNKNOWN

enum gf__method_kind {
  GF__MK_UNARY,         /* one request, one response */
  GF__MK_SERVER_STREAM, /* one request, a response stream */
  GF__MK_CLIENT_STREAM, /* a request stream, one response */
  GF__MK_BIDI           /* streams both ways */
};

typedef struct gf__method_info {
  const char* path; /* "/arrow.flight.protocol.FlightService/DoGet" (NULL for Unknown) */
  const char* name; /* "DoGet"; "Unknown" */
  const char* span; /* span name: "DO_GET"; "INVALID" */
  int kind;         /* enum gf__method_kind */
} gf__method_info;

/* The entry of `method`; out-of-range indices give the GF__M_UNKNOWN entry. */
const gf__method_info* gf__method_get(int method);
/* gf__method_get(method)->name. */
const char* gf__method_name(int method);
/* Index of the method called `name` ("DoGet"), or GF__M_UNKNOWN. */
int gf__method_by_name(const char* name);
/* Index of the method whose gRPC path is `path`, or GF__M_UNKNOWN; *unary_request
 * = 1 when its client sends exactly one message (unary and server-stream). */
int gf__method_by_path(const char* path, int* unary_request);

#endif
