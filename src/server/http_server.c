/* Minimal GET-serving HTTP endpoint on libmicrohttpd (http_server.h): binds
 * the socket itself (so errors are synchronous and port 0 works), then runs
 * MHD's internal polling thread which calls the handler. */
#include "server/http_server.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTP_URI_MAX 8192
#define HTTP_SERVER_HEADER "gooddata-flight-server/" GF_VERSION_STRING

struct gf__http_server {
  struct MHD_Daemon* daemon;
  gf__http_handler handler;
  void* ctx;
  int port;
};

static int bind_socket(const char* name, const char* host, int port, int* out_fd, gf_error* err) {
  struct addrinfo hints = {0}, *res = NULL;
  char ports[16];
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  snprintf(ports, sizeof ports, "%d", port);
  int gai = getaddrinfo(host, ports, &hints, &res);
  if (gai != 0)
    return gf_error_set(err, GF_IO_ERROR, "%s: cannot resolve host '%s': %s", name, host,
                        gai_strerror(gai));
  int last = 0;
  for (struct addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0) {
      freeaddrinfo(res);
      *out_fd = fd;
      return GF_OK;
    }
    last = errno;
    close(fd);
  }
  freeaddrinfo(res);
  return gf_error_set(err, GF_IO_ERROR, "%s: cannot listen on %s:%d: %s", name, host, port,
                      strerror(last));
}

static int bound_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr*)&ss, &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in*)&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6*)&ss)->sin6_port);
  return -1;
}

static void* uri_log(void* cls, const char* uri, struct MHD_Connection* con) {
  (void)cls;
  (void)con;
  return strndup(uri ? uri : "", HTTP_URI_MAX);
}

static void completed(void* cls, struct MHD_Connection* con, void** req_cls,
                      enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)con;
  (void)toe;
  free(*req_cls);
  *req_cls = NULL;
}

static enum MHD_Result queue(struct MHD_Connection* con, gf__http_response* r) {
  struct MHD_Response* resp =
      r->body ? MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_FREE)
              : MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
  if (!resp) {
    free(r->body);
    return MHD_NO;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER, HTTP_SERVER_HEADER);
  if (r->content_type) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
  if (r->allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
  enum MHD_Result ret = MHD_queue_response(con, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result on_request(void* cls, struct MHD_Connection* con, const char* url,
                                  const char* method, const char* version,
                                  const char* upload_data, size_t* upload_size, void** req_cls) {
  gf__http_server* s = cls;
  (void)version;
  (void)upload_data;
  *upload_size = 0; /* request bodies are ignored */
  gf__http_request req = {method, *req_cls ? (const char*)*req_cls : url};
  gf__http_response resp = {404, NULL, 0, NULL, NULL};
  s->handler(s->ctx, &req, &resp);
  return queue(con, &resp);
}

int gf__http_start(const char* name, const char* host, int port, gf__http_handler handler,
                   void* ctx, gf__http_server** out, gf_error* err) {
  *out = NULL;
  if (!host || !*host) return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: empty host", name);
  if (port < 0 || port > 65535)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "%s: invalid port %d", name, port);
  gf__http_server* s = calloc(1, sizeof *s);
  if (!s) return gf_error_set(err, GF_NO_MEMORY, "%s: out of memory", name);
  int fd = -1;
  int rc = bind_socket(name, host, port, &fd, err);
  if (rc) {
    free(s);
    return rc;
  }
  s->handler = handler;
  s->ctx = ctx;
  s->port = bound_port(fd);
  s->daemon = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL, on_request, s,
      MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
      MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
      MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
  if (!s->daemon) {
    close(fd);
    free(s);
    return gf_error_set(err, GF_IO_ERROR, "%s: cannot start HTTP server on %s:%d", name, host, port);
  }
  *out = s;
  return GF_OK;
}

int gf__http_port(const gf__http_server* s) { return s ? s->port : -1; }

void gf__http_stop(gf__http_server* s) {
  if (!s) return;
  MHD_stop_daemon(s->daemon);
  free(s);
}
