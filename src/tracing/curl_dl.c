/* libcurl on demand (curl_dl.h): dlopen of the versioned soname, dlsym of
 * the handful of entry points the span exporters use, curl_global_init.
 * Runs once, on the thread that starts tracing. */
#include "tracing/curl_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static gf__curl_api g_api;
static int g_ok;
static char g_why[256];

static int sym(void* h, const char* name, void* out) {
  void* p = dlsym(h, name);
  if (!p) {
    snprintf(g_why, sizeof g_why, "symbol %s missing in libcurl.so.4", name);
    return 0;
  }
  memcpy(out, &p, sizeof p); /* object pointer to function pointer, as POSIX allows */
  return 1;
}

static void load(void) {
  void* h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    snprintf(g_why, sizeof g_why, "%s", e ? e : "dlopen failed");
    return;
  }
  gf__curl_api a;
  if (!sym(h, "curl_global_init", &a.global_init) || !sym(h, "curl_easy_init", &a.easy_init) ||
      !sym(h, "curl_easy_setopt", &a.easy_setopt) || !sym(h, "curl_easy_perform", &a.easy_perform) ||
      !sym(h, "curl_easy_getinfo", &a.easy_getinfo) || !sym(h, "curl_easy_cleanup", &a.easy_cleanup) ||
      !sym(h, "curl_easy_strerror", &a.easy_strerror) || !sym(h, "curl_slist_append", &a.slist_append) ||
      !sym(h, "curl_slist_free_all", &a.slist_free_all))
    return; /* the handle stays open: harmless, and dlclose of libcurl is not worth the risk */
  if (a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    snprintf(g_why, sizeof g_why, "curl_global_init failed");
    return;
  }
  g_api = a;
  g_ok = 1;
}

const gf__curl_api* gf__curl_load(gf_error* err) {
  pthread_once(&g_once, load);
  if (g_ok) return &g_api;
  gf_error_set(err, GF_UNAVAILABLE, "tracing: the HTTP span exporters need libcurl (Debian package libcurl4): %s",
               g_why);
  return NULL;
}
