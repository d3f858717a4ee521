/* gooddata-flight: writing a stream of record batches as an aligned table,
 * CSV (RFC 4180), JSON lines, an Arrow IPC stream or an Arrow IPC file.
 * Main thread. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gooddata_flight_server/ipc.h"

int parse_format(const char* s, out_format* f) {
  static const struct { const char* name; out_format f; } names[] = {
      {"table", FMT_TABLE}, {"csv", FMT_CSV}, {"jsonl", FMT_JSONL}, {"arrow", FMT_ARROW},
      {"arrow-file", FMT_ARROW_FILE}};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(s, names[i].name) == 0) {
      *f = names[i].f;
      return 0;
    }
  return -1;
}

/* Columns of one batch. */
typedef struct batch_cols {
  int64_t n;
  col** cols;
} batch_cols;

static void cols_free(batch_cols* bc) {
  for (int64_t i = 0; i < bc->n; i++) col_free(bc->cols[i]);
  free(bc->cols);
  memset(bc, 0, sizeof(*bc));
}

static int cols_init(batch_cols* bc, const struct ArrowSchema* s, const struct ArrowArray* a, gf_error* err) {
  memset(bc, 0, sizeof(*bc));
  if (s->n_children != a->n_children)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "batch has %lld columns, the schema %lld",
                        (long long)a->n_children, (long long)s->n_children);
  bc->cols = calloc((size_t)(s->n_children ? s->n_children : 1), sizeof(col*));
  if (!bc->cols) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  for (int64_t i = 0; i < s->n_children; i++) {
    if (!(bc->cols[i] = col_new(s->children[i], a->children[i], err))) {
      cols_free(bc);
      return err ? err->code : GF_INVALID_ARGUMENT;
    }
    bc->n = i + 1;
  }
  return GF_OK;
}

static const char* field_name(const struct ArrowSchema* s, int64_t i) {
  return s->children[i]->name ? s->children[i]->name : "";
}

/* ---- CSV ------------------------------------------------------------------------------ */

static void csv_field(sbuf* line, const char* p, size_t n, bool quote_empty) {
  bool q = n == 0 && quote_empty;
  for (size_t i = 0; i < n && !q; i++) q = p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n';
  if (!q) return sb_put(line, p, n);
  sb_putc(line, '"');
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '"') sb_putc(line, '"');
    sb_putc(line, p[i]);
  }
  sb_putc(line, '"');
}

/* ---- table ------------------------------------------------------------------------------ */

typedef struct table {
  int64_t ncols, nrows;
  sbuf cells;      /* NUL-separated cell texts, row-major */
  size_t* widths;  /* display width per column */
  bool* right;
} table;

static size_t display_width(const char* s, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
  return w;
}

/* Cell text for the table: control characters escaped. */
static void table_cell(sbuf* out, const char* p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (ch == '\n') sb_puts(out, "\\n");
    else if (ch == '\r') sb_puts(out, "\\r");
    else if (ch == '\t') sb_puts(out, "\\t");
    else if (ch < 0x20 || ch == 0x7f) sb_printf(out, "\\x%02x", ch);
    else sb_putc(out, (char)ch);
  }
}

static void table_add(table* t, int64_t col_i, const char* p, size_t n) {
  size_t start = t->cells.len;
  table_cell(&t->cells, p, n);
  size_t w = display_width(t->cells.data + start, t->cells.len - start);
  if (w > t->widths[col_i]) t->widths[col_i] = w;
  sb_putc(&t->cells, 0);
}

/* Writes `text` padded/truncated to width w. */
static void table_put(sbuf* line, const char* text, size_t w, bool right) {
  size_t dw = display_width(text, strlen(text));
  if (dw > w) { /* truncate to w-1 characters + "…" */
    size_t keep = 0, chars = 0, n = strlen(text);
    while (keep < n && chars < w - 1) {
      keep++;
      while (keep < n && ((unsigned char)text[keep] & 0xC0) == 0x80) keep++;
      chars++;
    }
    sb_put(line, text, keep);
    sb_puts(line, "\xe2\x80\xa6");
    return;
  }
  if (right)
    for (size_t i = dw; i < w; i++) sb_putc(line, ' ');
  sb_puts(line, text);
  if (!right)
    for (size_t i = dw; i < w; i++) sb_putc(line, ' ');
}

static void table_fit(table* t, const out_opts* o) {
  size_t maxw = o->max_width > 0 ? (size_t)o->max_width : 40;
  for (int64_t i = 0; i < t->ncols; i++)
    if (t->widths[i] > maxw) t->widths[i] = maxw;
  if (o->term_width <= 0 || t->ncols == 0) return;
  for (;;) {
    size_t total = 3 * (size_t)(t->ncols - 1), wi = 0;
    for (int64_t i = 0; i < t->ncols; i++) {
      total += t->widths[i];
      if (t->widths[i] > t->widths[wi]) wi = (size_t)i;
    }
    if (total <= (size_t)o->term_width || t->widths[wi] <= 8) return;
    t->widths[wi]--;
  }
}

static void line_out(FILE* out, sbuf* line) {
  while (line->len && line->data[line->len - 1] == ' ') line->len--;
  sb_putc(line, '\n');
  fwrite(line->data, 1, line->len, out);
  line->len = 0;
}

static void table_print(FILE* out, table* t, const struct ArrowSchema* s) {
  sbuf line = {0};
  for (int64_t i = 0; i < t->ncols; i++) {
    if (i) sb_puts(&line, " | ");
    table_put(&line, field_name(s, i), t->widths[i], false);
  }
  line_out(out, &line);
  for (int64_t i = 0; i < t->ncols; i++) {
    if (i) sb_puts(&line, "-+-");
    for (size_t k = 0; k < t->widths[i]; k++) sb_putc(&line, '-');
  }
  line_out(out, &line);
  const char* p = t->cells.data;
  for (int64_t r = 0; r < t->nrows; r++) {
    for (int64_t i = 0; i < t->ncols; i++) {
      if (i) sb_puts(&line, " | ");
      table_put(&line, p, t->widths[i], t->right[i]);
      p += strlen(p) + 1;
    }
    line_out(out, &line);
  }
  fprintf(out, "(%lld row%s)\n", (long long)t->nrows, t->nrows == 1 ? "" : "s");
  sb_free(&line);
}

/* ---- the writer ------------------------------------------------------------------------- */

static int text_batch(FILE* out, const out_opts* o, const struct ArrowSchema* s,
                      const struct ArrowArray* a, table* t, sbuf* line, sbuf* cell, gf_error* err) {
  /* Rendering follows offsets and indices: check them all first (the
   * decoder's checks do not cover every index). */
  int rc = gf_array_validate(a, s, GF_VALIDATE_FULL, err);
  if (rc) return rc;
  batch_cols bc;
  rc = cols_init(&bc, s, a, err);
  if (rc) return rc;
  if (t && t->nrows == 0)
    for (int64_t i = 0; i < bc.n; i++) t->right[i] = col_is_numeric(bc.cols[i]);
  for (int64_t r = 0; r < a->length; r++) {
    line->len = 0;
    if (o->format == FMT_JSONL) sb_putc(line, '{');
    for (int64_t i = 0; i < bc.n; i++) {
      bool is_null = false;
      cell->len = 0;
      col_render(bc.cols[i], a->offset + r, o->format == FMT_JSONL, cell, &is_null);
      if (o->format == FMT_JSONL) {
        if (i) sb_putc(line, ',');
        sb_json_string(line, field_name(s, i), strlen(field_name(s, i)));
        sb_putc(line, ':');
        sb_put(line, cell->data, cell->len);
      } else if (o->format == FMT_CSV) {
        if (i) sb_putc(line, ',');
        if (!is_null) csv_field(line, cell->data ? cell->data : "", cell->len, true);
      } else {
        if (is_null) table_add(t, i, "null", 4);
        else table_add(t, i, cell->data ? cell->data : "", cell->len);
      }
    }
    if (o->format == FMT_JSONL) sb_puts(line, "}\n");
    if (o->format == FMT_CSV) sb_puts(line, "\r\n");
    if (t) t->nrows++;
    else if (fwrite(line->data, 1, line->len, out) != line->len) {
      cols_free(&bc);
      return gf_error_set(err, GF_IO_ERROR, "cannot write the output: %m");
    }
  }
  cols_free(&bc);
  return GF_OK;
}

static int text_stream(FILE* out, struct ArrowArrayStream* st, const out_opts* o, progress* p, gf_error* err) {
  struct ArrowSchema s;
  memset(&s, 0, sizeof(s));
  if (st->get_schema(st, &s))
    return gf_error_set(err, GF_INTERNAL, "%s", st->get_last_error(st) ? st->get_last_error(st) : "no schema");
  table t;
  memset(&t, 0, sizeof(t));
  sbuf line = {0}, cell = {0};
  int rc = GF_OK;
  if (o->format == FMT_TABLE) {
    t.ncols = s.n_children;
    t.widths = calloc((size_t)t.ncols + 1, sizeof(size_t));
    t.right = calloc((size_t)t.ncols + 1, sizeof(bool));
    for (int64_t i = 0; i < t.ncols; i++) t.widths[i] = display_width(field_name(&s, i), strlen(field_name(&s, i)));
  }
  if (o->format == FMT_CSV) {
    for (int64_t i = 0; i < s.n_children; i++) {
      if (i) sb_putc(&line, ',');
      csv_field(&line, field_name(&s, i), strlen(field_name(&s, i)), false);
    }
    sb_puts(&line, "\r\n");
    fwrite(line.data, 1, line.len, out);
  }
  for (;;) {
    struct ArrowArray a;
    memset(&a, 0, sizeof(a));
    if (st->get_next(st, &a)) {
      const char* m = st->get_last_error(st);
      /* the stream reports its own gf_status through the message prefix */
      rc = gf_error_set(err, GF_UNKNOWN, "%s", m ? m : "stream failed");
      break;
    }
    if (!a.release) break;
    rc = text_batch(out, o, &s, &a, o->format == FMT_TABLE ? &t : NULL, &line, &cell, err);
    a.release(&a);
    if (rc) break;
  }
  if (rc == GF_OK && o->format == FMT_TABLE) {
    table_fit(&t, o);
    progress_clear(p); /* the table may go to the same terminal */
    table_print(out, &t, &s);
  }
  sb_free(&t.cells);
  free(t.widths);
  free(t.right);
  sb_free(&line);
  sb_free(&cell);
  s.release(&s);
  return rc;
}

int write_stream(FILE* out, struct ArrowArrayStream* s, const out_opts* o, progress* p, gf_error* err) {
  int rc;
  if (o->format == FMT_ARROW) rc = gf_ipc_write_stream(out, s, NULL, err);
  else if (o->format == FMT_ARROW_FILE) rc = gf_ipc_write_file(out, s, NULL, err);
  else rc = text_stream(out, s, o, p, err);
  if (rc == GF_OK && fflush(out) != 0) rc = gf_error_set(err, GF_IO_ERROR, "cannot write the output: %m");
  return rc;
}
