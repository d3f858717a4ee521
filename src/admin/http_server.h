/* Internal: a minimal HTTP/1.1 server (own code, no libraries; keep-alive,
 * pipelining, HEAD, 8 KiB request heads within 5 s, 64 connections, the
 * longest-waiting closed first at the limit) used
 * by the health and metrics endpoints. The handler runs on the server's own
 * "gf-http" thread. Start/stop on the lifecycle thread. */
#ifndef GF__HTTP_SERVER_H
#define GF__HTTP_SERVER_H

#include <stddef.h>

#include "gooddata_flight_server/common.h"

typedef struct gf__http_server gf__http_server;

typedef struct gf__http_request {
  const char* method;  /* "GET", ... */
  const char* path;    /* raw request target, query string included */
} gf__http_request;

typedef struct gf__http_response {
  int status;
  char* body;                /* malloc'd or NULL; freed by the server */
  size_t body_len;
  const char* content_type;  /* static string or NULL */
  const char* allow;         /* Allow header for 405, or NULL */
} gf__http_response;

typedef void (*gf__http_handler)(void* ctx, const gf__http_request* req, gf__http_response* resp);

/* Binds host:port (port 0 = ephemeral; host may be a name or an IPv4/IPv6
 * literal; a name binds every address it resolves to, all on one port)
 * synchronously and starts serving. `name` is used in errors. */
int gf__http_start(const char* name, const char* host, int port, gf__http_handler handler,
                   void* ctx, gf__http_server** out, gf_error* err);
/* The bound TCP port. */
int gf__http_port(const gf__http_server* s);
/* Stops serving, closes the sockets and frees s. NULL is a no-op. */
void gf__http_stop(gf__http_server* s);

#endif
