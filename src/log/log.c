/* Logger registry, log domains and emit path (log.h, log_internal.h):
 * loggers by name with an atomically cached effective level per domain, the
 * process default domain and one domain per server instance (output format
 * swapped under the domain's rwlock, level rules under the registry lock),
 * and single-write(2) line output to the domain of the calling thread's
 * current instance (common/instance.h). Any thread. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/instance.h"
#include "common/file.h"
#include "log/log_format.h"
#include "log/log_internal.h"

struct gf_logger {
  char* name;
  atomic_int level[GF__LOG_DOMAINS]; /* effective level per domain slot */
  gf_logger* next;
};

struct gf__log_domain {
  int slot;                   /* index into gf_logger.level */
  pthread_rwlock_t cfg_lock;
  gf__log_format* fmt;        /* guarded by cfg_lock */
  gf__log_level_rule* rules;  /* guarded by g_reg_mu */
  size_t n_rules;
};

#define LOG_BUCKETS 128
#define LOG_FILE_MAX (1 << 20)

static pthread_mutex_t g_reg_mu = PTHREAD_MUTEX_INITIALIZER;
static gf_logger* g_buckets[LOG_BUCKETS];
static gf__log_format g_fmt_default = {0, 2, "event", "trace_id", "span_id", "parent_span_id"};
static gf__log_domain g_default = {0, PTHREAD_RWLOCK_INITIALIZER, &g_fmt_default, NULL, 0};
static gf__log_domain* g_domains[GF__LOG_DOMAINS] = {&g_default}; /* guarded by g_reg_mu */

static gf__log_domain* current_domain(void) {
  gf__instance* in = gf__instance_current();
  return in && in->log ? in->log : &g_default;
}

static unsigned name_hash(const char* s) {
  unsigned h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h % LOG_BUCKETS;
}

/* Longest dotted-prefix rule for name; root (or INFO) otherwise. */
static int effective_level(const gf__log_domain* d, const char* name) {
  int level = GF_LOG_INFO;
  size_t best = 0;
  int have = 0;
  for (size_t i = 0; i < d->n_rules; i++) {
    const char* rn = d->rules[i].name;
    size_t rl = strlen(rn);
    if (d->rules[i].level == 0) continue;
    if (rl == 0) {
      if (!have) level = d->rules[i].level;
      continue;
    }
    if (strncmp(name, rn, rl) != 0 || (name[rl] != '\0' && name[rl] != '.')) continue;
    if (!have || rl > best) {
      best = rl;
      level = d->rules[i].level;
      have = 1;
    }
  }
  return level;
}

gf_logger* gf__logger_cached(void* slot, const char* name) {
  _Atomic(gf_logger*)* p = slot;
  gf_logger* l = atomic_load_explicit(p, memory_order_acquire);
  if (!l) {
    l = gf_logger_get(name);
    atomic_store_explicit(p, l, memory_order_release);
  }
  return l;
}

gf_logger* gf_logger_get(const char* name) {
  static gf_logger fallback = {"gooddata_flight_server", {GF_LOG_INFO}, NULL};
  if (!name) name = "root";
  unsigned h = name_hash(name);
  pthread_mutex_lock(&g_reg_mu);
  gf_logger* lg = g_buckets[h];
  while (lg && strcmp(lg->name, name) != 0) lg = lg->next;
  if (!lg) {
    lg = calloc(1, sizeof *lg);
    char* copy = strdup(name);
    if (!lg || !copy) {
      free(lg);
      free(copy);
      pthread_mutex_unlock(&g_reg_mu);
      return &fallback;
    }
    lg->name = copy;
    for (int i = 0; i < GF__LOG_DOMAINS; i++)
      atomic_init(&lg->level[i], g_domains[i] ? effective_level(g_domains[i], name) : GF_LOG_INFO);
    lg->next = g_buckets[h];
    g_buckets[h] = lg;
  }
  pthread_mutex_unlock(&g_reg_mu);
  return lg;
}

bool gf_log_enabled(const gf_logger* logger, gf_log_level level) {
  if (!logger) return 0;
  int slot = current_domain()->slot;
  return (int)level >= atomic_load_explicit(&((gf_logger*)logger)->level[slot], memory_order_relaxed);
}

void gf__write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

void gf_log_kv(gf_logger* logger, gf_log_level level, const char* event, const gf_kv* fields) {
  if (!gf_log_enabled(logger, level)) return;
  gf__buf b;
  gf__buf_init(&b);
  gf__log_domain* d = current_domain();
  pthread_rwlock_rdlock(&d->cfg_lock);
  int fd = d->fmt->fd;
  gf__log_format_line(&b, d->fmt, logger->name, (int)level, event ? event : "", fields);
  pthread_rwlock_unlock(&d->cfg_lock);
  gf__write_all(fd, b.p, b.len);
  gf__buf_free(&b);
}

static int read_file(const char* path, char** out, size_t* len, gf_error* err) {
  int e = 0;
  int rc = gf__read_file(path, LOG_FILE_MAX, out, len, &e);
  if (rc == GF_OK) return GF_OK;
  if (e == EFBIG)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "logging config %s: larger than %d bytes", path,
                        LOG_FILE_MAX);
  if (rc == GF_NO_MEMORY) return gf_error_set(err, rc, "logging config %s: out of memory", path);
  return gf_error_set(err, GF_IO_ERROR, "logging config %s: %s", path, strerror(e));
}

static void recompute_levels(const gf__log_domain* d) {
  for (int i = 0; i < LOG_BUCKETS; i++)
    for (gf_logger* lg = g_buckets[i]; lg; lg = lg->next)
      atomic_store(&lg->level[d->slot], effective_level(d, lg->name));
}

static int load_rules(const char* path, gf__log_level_rule** rules, size_t* n, gf_error* err) {
  *rules = NULL;
  *n = 0;
  if (!path) return GF_OK;
  char* text = NULL;
  size_t len = 0;
  int rc = read_file(path, &text, &len, err);
  if (rc) return rc;
  rc = gf__log_parse_ini(text, len, path, rules, n, err);
  free(text);
  return rc;
}

static int domain_configure(gf__log_domain* d, const gf__log_options* opts, gf_error* err) {
  gf__log_level_rule* rules = NULL;
  size_t n_rules = 0;
  gf__log_format* fmt = NULL;
  if (opts) {
    int rc = load_rules(opts->config_file, &rules, &n_rules, err);
    if (rc) return rc;
    fmt = gf__log_format_new(opts);
    if (!fmt) {
      gf__log_rules_free(rules, n_rules);
      return gf_error_set(err, GF_NO_MEMORY, "logging: out of memory");
    }
  }
  pthread_rwlock_wrlock(&d->cfg_lock);
  gf__log_format* old = d->fmt;
  d->fmt = fmt ? fmt : &g_fmt_default;
  pthread_rwlock_unlock(&d->cfg_lock);
  if (old != &g_fmt_default) gf__log_format_free(old);

  pthread_mutex_lock(&g_reg_mu);
  gf__log_rules_free(d->rules, d->n_rules);
  d->rules = rules;
  d->n_rules = n_rules;
  recompute_levels(d);
  pthread_mutex_unlock(&g_reg_mu);
  return GF_OK;
}

int gf__log_configure(const gf__log_options* opts, gf_error* err) {
  return domain_configure(&g_default, opts, err);
}

static int claim_slot(gf__log_domain* d) {
  pthread_mutex_lock(&g_reg_mu);
  for (int i = 1; i < GF__LOG_DOMAINS; i++)
    if (!g_domains[i]) {
      d->slot = i;
      g_domains[i] = d;
      recompute_levels(d);
      pthread_mutex_unlock(&g_reg_mu);
      return 1;
    }
  pthread_mutex_unlock(&g_reg_mu);
  return 0;
}

int gf__log_domain_new(const gf__log_options* opts, gf__log_domain** out, gf_error* err) {
  gf__log_domain* d = calloc(1, sizeof *d);
  if (!d) return gf_error_set(err, GF_NO_MEMORY, "logging: out of memory");
  pthread_rwlock_init(&d->cfg_lock, NULL);
  d->fmt = &g_fmt_default;
  if (!claim_slot(d)) {
    pthread_rwlock_destroy(&d->cfg_lock);
    free(d);
    return gf_error_set(err, GF_RESOURCE_EXHAUSTED,
                        "logging: at most %d servers with their own logging in one process",
                        GF__LOG_DOMAINS - 1);
  }
  int rc = domain_configure(d, opts, err);
  if (rc) {
    gf__log_domain_free(d);
    return rc;
  }
  *out = d;
  return GF_OK;
}

void gf__log_domain_free(gf__log_domain* d) {
  if (!d || d == &g_default) return;
  pthread_mutex_lock(&g_reg_mu);
  g_domains[d->slot] = NULL;
  gf__log_rules_free(d->rules, d->n_rules);
  pthread_mutex_unlock(&g_reg_mu);
  if (d->fmt != &g_fmt_default) gf__log_format_free(d->fmt);
  pthread_rwlock_destroy(&d->cfg_lock);
  free(d);
}

#define GF__LOG_MAX_FIELDS 64

void gf_log_fields(gf_logger* logger, gf_log_level level, const char* event, ...) {
  if (!gf_log_enabled(logger, level)) return;
  gf_kv fields[GF__LOG_MAX_FIELDS + 1];
  size_t n = 0;
  va_list ap;
  va_start(ap, event);
  for (;;) {
    gf_kv kv = va_arg(ap, gf_kv);
    if (kv.type == GF_KV_END || n == GF__LOG_MAX_FIELDS) break;
    fields[n++] = kv;
  }
  va_end(ap);
  fields[n] = (gf_kv){.type = GF_KV_END};
  gf_log_kv(logger, level, event, fields);
}
