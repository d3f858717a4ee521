/* Internal: libcurl loaded on first use with dlopen (only the OTLP/HTTP and
 * Zipkin span exporters need it), so a server that does not export spans
 * over HTTP neither maps libcurl and its ~30 dependencies nor pays their
 * start-up cost. Loading is thread-safe (once); the table is read-only
 * afterwards. */
#ifndef GF__CURL_DL_H
#define GF__CURL_DL_H

#include <curl/curl.h>

#include "gooddata_flight_server/common.h"

typedef struct gf__curl_api {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)(void);
  CURLcode (*easy_setopt)(CURL* curl, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* curl);
  CURLcode (*easy_getinfo)(CURL* curl, CURLINFO info, ...);
  void (*easy_cleanup)(CURL* curl);
  const char* (*easy_strerror)(CURLcode code);
  struct curl_slist* (*slist_append)(struct curl_slist* list, const char* s);
  void (*slist_free_all)(struct curl_slist* list);
} gf__curl_api;

/* The loaded API (curl_global_init done), or NULL with err naming the
 * library and the loader's message. */
const gf__curl_api* gf__curl_load(gf_error* err);

#endif
