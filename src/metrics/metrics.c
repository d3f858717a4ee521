/* Metrics registry (metrics.h, metrics_internal.h): family registration,
 * label-set cells and lock-free updates. Any thread; registration and cell
 * creation take short mutexes, updates are atomics. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "metrics/metrics_core.h"

static const double k_default_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                          0.5,   0.75, 1.0,   2.5,  5.0,   7.5, 10.0};

double gf__metrics_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int valid_name(const char* s, int allow_colon) {
  if (!s || !*s) return 0;
  for (const char* p = s; *p; p++) {
    char c = *p;
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
             (allow_colon && c == ':') || (p != s && c >= '0' && c <= '9');
    if (!ok) return 0;
  }
  return 1;
}

static int valid_label(const char* s, int type) {
  if (!valid_name(s, 0) || strncmp(s, "__", 2) == 0) return 0;
  if (type == GF__MT_HISTOGRAM && strcmp(s, "le") == 0) return 0;
  if (type == GF__MT_SUMMARY && strcmp(s, "quantile") == 0) return 0;
  return 1;
}

static double u2d(uint64_t u) {
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

static uint64_t d2u(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static void atomic_add_double(_Atomic uint64_t* p, double v) {
  uint64_t old = atomic_load_explicit(p, memory_order_relaxed);
  while (!atomic_compare_exchange_weak_explicit(p, &old, d2u(u2d(old) + v), memory_order_relaxed,
                                                memory_order_relaxed)) {
  }
}

static void free_strs(char** s, size_t n) {
  if (!s) return;
  for (size_t i = 0; i < n; i++) free(s[i]);
  free(s);
}

static char** dup_strs(const char* const* s, size_t n, size_t cap) {
  char** out = calloc(n ? n : 1, sizeof *out);
  if (!out) return NULL;
  for (size_t i = 0; i < n; i++) {
    out[i] = strndup(s && s[i] ? s[i] : "", cap);
    if (!out[i]) {
      free_strs(out, n);
      return NULL;
    }
  }
  return out;
}

static void cell_free(gf__mcell* c, size_t n_labels) {
  free_strs(c->values, n_labels);
  free((void*)c->buckets);
  free(c);
}

static gf__mcell* cell_new(const gf_metric* m, const char* const* values) {
  gf__mcell* c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->values = dup_strs(values, m->n_labels, GF__METRIC_LABEL_VALUE_MAX);
  if (m->type == GF__MT_HISTOGRAM) c->buckets = calloc(m->n_bounds + 1, sizeof *c->buckets);
  if (!c->values || (m->type == GF__MT_HISTOGRAM && !c->buckets)) {
    cell_free(c, m->n_labels);
    return NULL;
  }
  c->created = gf__metrics_now();
  return c;
}

static int cell_matches(const gf_metric* m, const gf__mcell* c, const char* const* values) {
  for (size_t i = 0; i < m->n_labels; i++) {
    const char* v = values && values[i] ? values[i] : "";
    if (strncmp(c->values[i], v, GF__METRIC_LABEL_VALUE_MAX) != 0) return 0;
  }
  return 1;
}

static gf__mcell* cell_find(gf_metric* m, const char* const* values) {
  gf__mcell* c = atomic_load_explicit(&m->head, memory_order_acquire);
  for (; c; c = atomic_load_explicit(&c->next, memory_order_acquire))
    if (cell_matches(m, c, values)) return c;
  return NULL;
}

gf__mcell* gf__metric_cell(gf_metric* m, const char* const* values) {
  if (!m) return NULL;
  gf__mcell* c = cell_find(m, values);
  if (c) return c;
  pthread_mutex_lock(&m->mu);
  c = cell_find(m, values);
  if (!c && m->n_cells < GF__METRIC_MAX_CELLS && (c = cell_new(m, values)) != NULL) {
    if (m->tail) atomic_store_explicit(&m->tail->next, c, memory_order_release);
    else atomic_store_explicit(&m->head, c, memory_order_release);
    m->tail = c;
    m->n_cells++;
  }
  pthread_mutex_unlock(&m->mu);
  return c;
}

void gf__cell_add(gf__mcell* c, double v) {
  if (c) atomic_add_double(&c->bits, v);
}

void gf__cell_set(gf__mcell* c, double v) {
  if (c) atomic_store_explicit(&c->bits, d2u(v), memory_order_relaxed);
}

void gf__cell_observe(gf_metric* m, gf__mcell* c, double v) {
  if (!m || !c || isnan(v)) return;
  if (m->type == GF__MT_HISTOGRAM) {
    size_t i = 0;
    while (i < m->n_bounds && v > m->bounds[i]) i++;
    atomic_fetch_add_explicit(&c->buckets[i], 1, memory_order_relaxed);
  }
  atomic_add_double(&c->bits, v);
  atomic_fetch_add_explicit(&c->count, 1, memory_order_relaxed);
}

double gf__cell_value(const gf__mcell* c) {
  if (!c) return 0;
  if (c->buckets || atomic_load(&((gf__mcell*)c)->count))
    return (double)atomic_load(&((gf__mcell*)c)->count);
  return u2d(atomic_load(&((gf__mcell*)c)->bits));
}

void gf_metric_inc(gf_metric* m, const char* const* values, double v) {
  if (!m || isnan(v)) return;
  if (m->type == GF__MT_COUNTER && v < 0) return;
  if (m->type != GF__MT_COUNTER && m->type != GF__MT_GAUGE) return;
  gf__cell_add(gf__metric_cell(m, values), v);
}

void gf_metric_set(gf_metric* m, const char* const* values, double v) {
  if (!m || m->type != GF__MT_GAUGE) return;
  gf__cell_set(gf__metric_cell(m, values), v);
}

void gf_metric_observe(gf_metric* m, const char* const* values, double v) {
  if (!m || (m->type != GF__MT_HISTOGRAM && m->type != GF__MT_SUMMARY)) return;
  gf__cell_observe(m, gf__metric_cell(m, values), v);
}

static void family_free(gf_metric* m) {
  gf__mcell* c = atomic_load(&m->head);
  while (c) {
    gf__mcell* n = atomic_load(&c->next);
    cell_free(c, m->n_labels);
    c = n;
  }
  free(m->name);
  free(m->help);
  free_strs(m->label_names, m->n_labels);
  free(m->bounds);
  pthread_mutex_destroy(&m->mu);
  free(m);
}

static int same_labels(const gf_metric* m, const char* const* names, size_t n) {
  if (m->n_labels != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (strcmp(m->label_names[i], names[i]) != 0) return 0;
  return 1;
}

static gf_metric* find_locked(gf_metrics* reg, const char* name) {
  for (gf_metric* m = reg->head; m; m = m->next)
    if (strcmp(m->name, name) == 0) return m;
  return NULL;
}

gf_metric* gf__metrics_find(gf_metrics* reg, const char* name) {
  if (!reg || !name) return NULL;
  pthread_mutex_lock(&reg->mu);
  gf_metric* m = find_locked(reg, name);
  pthread_mutex_unlock(&reg->mu);
  return m;
}

static int set_bounds(gf_metric* m, const double* bounds, size_t n) {
  if (!bounds || n == 0) {
    bounds = k_default_bounds;
    n = sizeof k_default_bounds / sizeof k_default_bounds[0];
  }
  if (n > GF__METRIC_MAX_BOUNDS) return 0;
  for (size_t i = 0; i < n; i++)
    if (isnan(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) return 0;
  if (isinf(bounds[n - 1]) && bounds[n - 1] > 0) n--; /* +Inf is implicit */
  m->bounds = malloc((n ? n : 1) * sizeof *m->bounds);
  if (!m->bounds) return 0;
  memcpy(m->bounds, bounds, n * sizeof *bounds);
  m->n_bounds = n;
  return 1;
}

static gf_metric* family_new(int type, const char* name, const char* help,
                             const char* const* labels, size_t n_labels, const double* bounds,
                             size_t n_bounds) {
  gf_metric* m = calloc(1, sizeof *m);
  if (!m) return NULL;
  pthread_mutex_init(&m->mu, NULL);
  m->type = type;
  m->n_labels = n_labels;
  m->name = strdup(name);
  m->help = strdup(help ? help : "");
  m->label_names = dup_strs(labels, n_labels, 256);
  int ok = m->name && m->help && m->label_names;
  if (ok && type == GF__MT_HISTOGRAM) ok = set_bounds(m, bounds, n_bounds);
  if (ok && n_labels == 0) ok = gf__metric_cell(m, NULL) != NULL;
  if (!ok) {
    family_free(m);
    return NULL;
  }
  return m;
}

static gf_metric* do_register(gf_metrics* reg, int type, const char* name, const char* help,
                              const char* const* labels, size_t n_labels, const double* bounds,
                              size_t n_bounds) {
  char base[256];
  if (!reg || !valid_name(name, 1) || strlen(name) >= sizeof base) return NULL;
  if (n_labels > GF__METRIC_MAX_LABELS || (n_labels && !labels)) return NULL;
  for (size_t i = 0; i < n_labels; i++)
    if (!valid_label(labels[i], type)) return NULL;
  snprintf(base, sizeof base, "%s", name);
  size_t bl = strlen(base);
  if (type == GF__MT_COUNTER && bl > 6 && strcmp(base + bl - 6, "_total") == 0) base[bl - 6] = 0;
  pthread_mutex_lock(&reg->mu);
  gf_metric* m = find_locked(reg, base);
  if (m) {
    if (m->type != type || !same_labels(m, labels, n_labels)) m = NULL;
  } else if ((m = family_new(type, base, help, labels, n_labels, bounds, n_bounds)) != NULL) {
    if (reg->tail) reg->tail->next = m;
    else reg->head = m;
    reg->tail = m;
  }
  pthread_mutex_unlock(&reg->mu);
  return m;
}

gf_metric* gf_metrics_counter(gf_metrics* reg, const char* name, const char* help,
                              const char* const* label_names, size_t n_labels) {
  return do_register(reg, GF__MT_COUNTER, name, help, label_names, n_labels, NULL, 0);
}

gf_metric* gf_metrics_gauge(gf_metrics* reg, const char* name, const char* help,
                            const char* const* label_names, size_t n_labels) {
  return do_register(reg, GF__MT_GAUGE, name, help, label_names, n_labels, NULL, 0);
}

gf_metric* gf_metrics_histogram(gf_metrics* reg, const char* name, const char* help,
                                const char* const* label_names, size_t n_labels,
                                const double* bounds, size_t n_bounds) {
  return do_register(reg, GF__MT_HISTOGRAM, name, help, label_names, n_labels, bounds, n_bounds);
}

gf_metric* gf_metrics_summary(gf_metrics* reg, const char* name, const char* help,
                              const char* const* label_names, size_t n_labels) {
  return do_register(reg, GF__MT_SUMMARY, name, help, label_names, n_labels, NULL, 0);
}

static int env_true(const char* name) {
  const char* v = getenv(name);
  return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0);
}

int gf__metrics_create_bare(gf_metrics** out) {
  gf_metrics* r = calloc(1, sizeof *r);
  if (!r) return GF_NO_MEMORY;
  pthread_mutex_init(&r->mu, NULL);
  r->no_created = env_true("PROMETHEUS_DISABLE_CREATED_SERIES");
  *out = r;
  return GF_OK;
}

int gf__metrics_create(gf_metrics** out) {
  gf_metrics* r = NULL;
  int rc = gf__metrics_create_bare(&r);
  if (rc) return rc;
  r->standard = 1;
  int ok = gf_metrics_summary(r, "gdfs_malloc_trim", "Summary of malloc trim call durations.",
                              NULL, 0) != NULL;
  ok = ok && gf_metrics_counter(r, "gdfs_malloc_trim_error",
                                "Number of times malloc_trim has failed. Repeated failures means "
                                "big trouble incoming.",
                                NULL, 0) != NULL;
  if (!ok || gf__rpc_metrics_create(r, &r->rpc) != GF_OK) {
    gf__metrics_free(r);
    return GF_NO_MEMORY;
  }
  *out = r;
  return GF_OK;
}

void gf__metrics_free(gf_metrics* r) {
  if (!r) return;
  gf__metrics_http_stop(r);
  gf__rpc_metrics_free(r->rpc);
  gf_metric* m = r->head;
  while (m) {
    gf_metric* n = m->next;
    family_free(m);
    m = n;
  }
  pthread_mutex_destroy(&r->mu);
  free(r);
}

gf_status gf_metrics_render(gf_metrics* reg, char** out, size_t* len) {
  if (!reg || !out) return GF_INVALID_ARGUMENT;
  gf__buf b;
  gf__buf_init(&b);
  pthread_mutex_lock(&reg->mu);
  for (gf_metric* m = reg->head; m; m = m->next) gf__metrics_render_family(&b, m, !reg->no_created);
  pthread_mutex_unlock(&reg->mu);
  if (reg->standard) gf__metrics_render_process(&b);
  if (b.oom) {
    gf__buf_free(&b);
    return GF_NO_MEMORY;
  }
  *out = gf__buf_detach(&b, len);
  return *out ? GF_OK : GF_NO_MEMORY;
}
