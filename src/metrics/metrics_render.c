/* Prometheus text exposition 0.0.4 of one metric family, shaped like
 * prometheus_client's generate_latest (counters as _total, *_created gauges,
 * summaries as _count/_sum, histograms as _bucket/_count/_sum). Runs on the
 * scraping thread; reads cells with atomic loads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics_core.h"

/* Python repr() of a float, then Go-style exponent as floatToGoString. */
void gf__prom_float(char out[48], double v) {
  if (isnan(v)) { snprintf(out, 48, "NaN"); return; }
  if (isinf(v)) { snprintf(out, 48, v > 0 ? "+Inf" : "-Inf"); return; }
  char e[40];
  int prec = 0;
  for (; prec < 17; prec++) {
    snprintf(e, sizeof e, "%.*e", prec, v);
    if (strtod(e, NULL) == v) break;
  }
  char* ep = strchr(e, 'e');
  int exp10 = atoi(ep + 1);
  *ep = '\0';
  char digits[24];
  size_t nd = 0;
  for (char* p = e; *p; p++)
    if (*p >= '0' && *p <= '9') digits[nd++] = *p;
  digits[nd] = '\0';
  const char* sign = v < 0 ? "-" : "";
  if (exp10 >= 16 || exp10 < -4) {  /* Python repr uses exponent form */
    snprintf(out, 48, "%s%c%s%s%se%c%02d", sign, digits[0], nd > 1 ? "." : "", digits + 1, "",
             exp10 < 0 ? '-' : '+', abs(exp10));
    return;
  }
  if (v > 0 && exp10 + 1 > 6) {  /* Go switches to exponents sooner */
    while (nd > 1 && digits[nd - 1] == '0') digits[--nd] = '\0';
    snprintf(out, 48, "%c%s%se+%02d", digits[0], nd > 1 ? "." : "", digits + 1, exp10);
    return;
  }
  char fixed[48];
  size_t k = 0;
  if (exp10 < 0) {
    k += (size_t)snprintf(fixed, sizeof fixed, "0.");
    for (int i = -1; i > exp10; i--) fixed[k++] = '0';
    for (size_t i = 0; i < nd; i++) fixed[k++] = digits[i];
  } else {
    for (int i = 0; i <= exp10; i++) fixed[k++] = (size_t)i < nd ? digits[i] : '0';
    fixed[k++] = '.';
    if ((size_t)exp10 + 1 >= nd) fixed[k++] = '0';
    for (size_t i = (size_t)exp10 + 1; i < nd; i++) fixed[k++] = digits[i];
  }
  fixed[k] = '\0';
  snprintf(out, 48, "%s%s", sign, fixed);
}

static void put_escaped(gf__buf* b, const char* s, int quote) {
  for (; *s; s++) {
    if (*s == '\\') gf__buf_puts(b, "\\\\");
    else if (*s == '\n') gf__buf_puts(b, "\\n");
    else if (quote && *s == '"') gf__buf_puts(b, "\\\"");
    else gf__buf_putc(b, *s);
  }
}

static void put_header(gf__buf* b, const char* name, const char* suffix, const char* help,
                       const char* type) {
  gf__buf_printf(b, "# HELP %s%s ", name, suffix);
  put_escaped(b, help, 0);
  gf__buf_printf(b, "\n# TYPE %s%s %s\n", name, suffix, type);
}

/* name{labels[,le="x"]} value */
static void put_sample(gf__buf* b, const gf_metric* m, const gf__mcell* c, const char* suffix,
                       const char* le, double v) {
  char num[48];
  gf__buf_printf(b, "%s%s", m->name, suffix);
  if (m->n_labels || le) {
    gf__buf_putc(b, '{');
    for (size_t i = 0; i < m->n_labels; i++) {
      gf__buf_printf(b, "%s%s=\"", i ? "," : "", m->label_names[i]);
      put_escaped(b, c->values[i], 1);
      gf__buf_putc(b, '"');
    }
    if (le) gf__buf_printf(b, "%sle=\"%s\"", m->n_labels ? "," : "", le);
    gf__buf_putc(b, '}');
  }
  gf__prom_float(num, v);
  gf__buf_printf(b, " %s\n", num);
}

static double cell_bits(const gf__mcell* c) {
  uint64_t u = atomic_load_explicit(&((gf__mcell*)c)->bits, memory_order_relaxed);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

static const gf__mcell* first(const gf_metric* m) {
  return atomic_load_explicit(&((gf_metric*)m)->head, memory_order_acquire);
}

static const gf__mcell* next(const gf__mcell* c) {
  return atomic_load_explicit(&((gf__mcell*)c)->next, memory_order_acquire);
}

static void render_histogram_cell(gf__buf* b, const gf_metric* m, const gf__mcell* c) {
  char le[48];
  uint64_t cum = 0;
  for (size_t i = 0; i <= m->n_bounds; i++) {
    cum += atomic_load_explicit(&((gf__mcell*)c)->buckets[i], memory_order_relaxed);
    if (i < m->n_bounds) gf__prom_float(le, m->bounds[i]);
    else snprintf(le, sizeof le, "+Inf");
    put_sample(b, m, c, "_bucket", le, (double)cum);
  }
  put_sample(b, m, c, "_count", NULL, (double)cum);
  put_sample(b, m, c, "_sum", NULL, cell_bits(c));
}

void gf__metrics_render_family(gf__buf* b, const gf_metric* m, int with_created) {
  switch (m->type) {
    case GF__MT_COUNTER:
      put_header(b, m->name, "_total", m->help, "counter");
      for (const gf__mcell* c = first(m); c; c = next(c)) put_sample(b, m, c, "_total", NULL, cell_bits(c));
      break;
    case GF__MT_GAUGE:
      put_header(b, m->name, "", m->help, "gauge");
      for (const gf__mcell* c = first(m); c; c = next(c)) put_sample(b, m, c, "", NULL, cell_bits(c));
      return;
    case GF__MT_SUMMARY:
      put_header(b, m->name, "", m->help, "summary");
      for (const gf__mcell* c = first(m); c; c = next(c)) {
        put_sample(b, m, c, "_count", NULL, (double)atomic_load(&((gf__mcell*)c)->count));
        put_sample(b, m, c, "_sum", NULL, cell_bits(c));
      }
      break;
    case GF__MT_HISTOGRAM:
      put_header(b, m->name, "", m->help, "histogram");
      for (const gf__mcell* c = first(m); c; c = next(c)) render_histogram_cell(b, m, c);
      break;
    default: return;
  }
  if (!with_created || !first(m)) return;
  put_header(b, m->name, "_created", m->help, "gauge");
  for (const gf__mcell* c = first(m); c; c = next(c)) put_sample(b, m, c, "_created", NULL, c->created);
}
