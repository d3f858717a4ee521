/* Format-string parsing (Arrow C Data Interface) into gf_type, type names and
 * buffer counts. Pure functions, any thread. */
#include <limits.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"

static const char* const type_names[GF_TYPE__COUNT] = {
    "null",          "bool",           "int8",           "uint8",
    "int16",         "uint16",         "int32",          "uint32",
    "int64",         "uint64",         "halffloat",      "float",
    "double",        "binary",         "large_binary",   "binary_view",
    "string",        "large_string",   "string_view",    "fixed_size_binary",
    "decimal32",     "decimal64",      "decimal128",     "decimal256",
    "date32",        "date64",         "time32",         "time64",
    "timestamp",     "duration",       "interval_months", "interval_day_time",
    "interval_month_day_nano", "list", "large_list",     "list_view",
    "large_list_view", "fixed_size_list", "struct",      "map",
    "sparse_union",  "dense_union",    "run_end_encoded"};

const char* gf_type_id_name(gf_type_id id) {
  if ((int)id < 0 || id >= GF_TYPE__COUNT) return "invalid";
  return type_names[id];
}

int gf_type_n_buffers(gf_type_id id) {
  switch (id) {
    case GF_TYPE_NA:
    case GF_TYPE_RUN_END_ENCODED:
      return 0;
    case GF_TYPE_FIXED_SIZE_LIST:
    case GF_TYPE_STRUCT:
    case GF_TYPE_SPARSE_UNION:
      return 1;
    case GF_TYPE_BINARY:
    case GF_TYPE_LARGE_BINARY:
    case GF_TYPE_STRING:
    case GF_TYPE_LARGE_STRING:
    case GF_TYPE_LIST_VIEW:
    case GF_TYPE_LARGE_LIST_VIEW:
      return 3;
    default:
      if ((int)id < 0 || id >= GF_TYPE__COUNT) return -1;
      return 2; /* validity + values/offsets/type ids; views add variadic + 1 */
  }
}

/* Parses a decimal integer in [lo, hi] starting at s; *end receives the first
 * unparsed char. Returns 0 on success, -1 when missing/overflowing/out of range. */
static int parse_int(const char* s, long lo, long hi, long* out, const char** end) {
  const char* p = s;
  int neg = 0;
  if (*p == '-' || *p == '+') neg = (*p++ == '-');
  if (*p < '0' || *p > '9') return -1;
  long v = 0;
  const char* digits = p;
  while (*p >= '0' && *p <= '9') {
    if (p - digits >= 10) return -1; /* overlong: no valid number needs more than 10 digits */
    v = v * 10 + (*p++ - '0');
  }
  if (neg) v = -v;
  if (v < lo || v > hi) return -1;
  *out = v;
  *end = p;
  return 0;
}

static void set_fixed(gf_type* t, gf_type_id id, int32_t width) {
  t->id = id;
  t->byte_width = width;
}

/* One-letter primitive formats. */
static int parse_primitive(char c, gf_type* t) {
  switch (c) {
    case 'n': set_fixed(t, GF_TYPE_NA, 0); return 0;
    case 'b': set_fixed(t, GF_TYPE_BOOL, 0); return 0;
    case 'c': set_fixed(t, GF_TYPE_INT8, 1); return 0;
    case 'C': set_fixed(t, GF_TYPE_UINT8, 1); return 0;
    case 's': set_fixed(t, GF_TYPE_INT16, 2); return 0;
    case 'S': set_fixed(t, GF_TYPE_UINT16, 2); return 0;
    case 'i': set_fixed(t, GF_TYPE_INT32, 4); return 0;
    case 'I': set_fixed(t, GF_TYPE_UINT32, 4); return 0;
    case 'l': set_fixed(t, GF_TYPE_INT64, 8); return 0;
    case 'L': set_fixed(t, GF_TYPE_UINT64, 8); return 0;
    case 'e': set_fixed(t, GF_TYPE_HALF_FLOAT, 2); return 0;
    case 'f': set_fixed(t, GF_TYPE_FLOAT, 4); return 0;
    case 'g': set_fixed(t, GF_TYPE_DOUBLE, 8); return 0;
    case 'z': set_fixed(t, GF_TYPE_BINARY, 0); return 0;
    case 'Z': set_fixed(t, GF_TYPE_LARGE_BINARY, 0); return 0;
    case 'u': set_fixed(t, GF_TYPE_STRING, 0); return 0;
    case 'U': set_fixed(t, GF_TYPE_LARGE_STRING, 0); return 0;
    default: return -1;
  }
}

static int unit_of(char c, gf_time_unit* u) {
  switch (c) {
    case 's': *u = GF_TIME_UNIT_SECOND; return 0;
    case 'm': *u = GF_TIME_UNIT_MILLI; return 0;
    case 'u': *u = GF_TIME_UNIT_MICRO; return 0;
    case 'n': *u = GF_TIME_UNIT_NANO; return 0;
    default: return -1;
  }
}

/* "d:P,S" or "d:P,S,N" (s points after "d:"). */
static int parse_decimal(const char* s, gf_type* t) {
  long p, sc, bits = 128;
  const char* e;
  if (parse_int(s, 1, INT32_MAX, &p, &e) != 0 || *e != ',') return -1;
  if (parse_int(e + 1, INT32_MIN, INT32_MAX, &sc, &e) != 0) return -1;
  if (*e == ',') {
    if (parse_int(e + 1, 0, 256, &bits, &e) != 0) return -1;
  }
  if (*e != 0) return -1;
  long max_p;
  switch (bits) {
    case 32: t->id = GF_TYPE_DECIMAL32; max_p = 9; break;
    case 64: t->id = GF_TYPE_DECIMAL64; max_p = 18; break;
    case 128: t->id = GF_TYPE_DECIMAL128; max_p = 38; break;
    case 256: t->id = GF_TYPE_DECIMAL256; max_p = 76; break;
    default: return -1;
  }
  if (p > max_p) return -1;
  t->byte_width = (int32_t)(bits / 8);
  t->decimal_precision = (int32_t)p;
  t->decimal_scale = (int32_t)sc;
  t->decimal_bit_width = (int32_t)bits;
  return 0;
}

static int parse_temporal(const char* f, gf_type* t) {
  /* f points after 't' */
  char k = f[0];
  if (k == 0 || f[1] == 0) return -1;
  if (k == 's') { /* timestamp: ts<unit>:<tz> */
    if (unit_of(f[1], &t->unit) != 0 || f[2] != ':') return -1;
    set_fixed(t, GF_TYPE_TIMESTAMP, 8);
    t->timezone = f + 3;
    t->timezone_len = strlen(f + 3);
    return 0;
  }
  if (f[2] != 0) return -1;
  switch (k) {
    case 'd':
      if (f[1] == 'D') { set_fixed(t, GF_TYPE_DATE32, 4); return 0; }
      if (f[1] == 'm') { set_fixed(t, GF_TYPE_DATE64, 8); return 0; }
      return -1;
    case 't':
      if (unit_of(f[1], &t->unit) != 0) return -1;
      if (t->unit <= GF_TIME_UNIT_MILLI) set_fixed(t, GF_TYPE_TIME32, 4);
      else set_fixed(t, GF_TYPE_TIME64, 8);
      return 0;
    case 'D':
      if (unit_of(f[1], &t->unit) != 0) return -1;
      set_fixed(t, GF_TYPE_DURATION, 8);
      return 0;
    case 'i':
      if (f[1] == 'M') { set_fixed(t, GF_TYPE_INTERVAL_MONTHS, 4); return 0; }
      if (f[1] == 'D') { set_fixed(t, GF_TYPE_INTERVAL_DAY_TIME, 8); return 0; }
      if (f[1] == 'n') { set_fixed(t, GF_TYPE_INTERVAL_MONTH_DAY_NANO, 16); return 0; }
      return -1;
    default:
      return -1;
  }
}

/* Comma-separated type ids in [0,127], distinct, at most 128. */
static int parse_union_ids(const char* s, gf_type* t) {
  uint8_t seen[GF_MAX_UNION_TYPE_IDS] = {0};
  t->n_union_type_ids = 0;
  if (*s == 0) return 0;
  for (;;) {
    long v;
    const char* e;
    if (t->n_union_type_ids >= GF_MAX_UNION_TYPE_IDS) return -1;
    if (*s == '-' || *s == '+' || parse_int(s, 0, 127, &v, &e) != 0 || e - s > 3) return -1;
    if (seen[v]) return -1;
    seen[v] = 1;
    t->union_type_ids[t->n_union_type_ids++] = (int8_t)v;
    if (*e == 0) return 0;
    if (*e != ',') return -1;
    s = e + 1;
  }
}

static int parse_nested(const char* f, gf_type* t) {
  /* f points after '+' */
  long n;
  const char* e;
  if (strcmp(f, "l") == 0) t->id = GF_TYPE_LIST;
  else if (strcmp(f, "L") == 0) t->id = GF_TYPE_LARGE_LIST;
  else if (strcmp(f, "vl") == 0) t->id = GF_TYPE_LIST_VIEW;
  else if (strcmp(f, "vL") == 0) t->id = GF_TYPE_LARGE_LIST_VIEW;
  else if (strcmp(f, "s") == 0) t->id = GF_TYPE_STRUCT;
  else if (strcmp(f, "m") == 0) t->id = GF_TYPE_MAP;
  else if (strcmp(f, "r") == 0) t->id = GF_TYPE_RUN_END_ENCODED;
  else if (strncmp(f, "w:", 2) == 0) {
    if (f[2] == '-' || f[2] == '+' || parse_int(f + 2, 0, INT32_MAX, &n, &e) != 0 || *e != 0)
      return -1;
    t->id = GF_TYPE_FIXED_SIZE_LIST;
    t->list_size = (int32_t)n;
  } else if (strncmp(f, "ud:", 3) == 0) {
    t->id = GF_TYPE_DENSE_UNION;
    return parse_union_ids(f + 3, t);
  } else if (strncmp(f, "us:", 3) == 0) {
    t->id = GF_TYPE_SPARSE_UNION;
    return parse_union_ids(f + 3, t);
  } else {
    return -1;
  }
  return 0;
}

static int parse_format(const char* f, gf_type* t) {
  long n;
  const char* e;
  if (f[0] == 0) return -1;
  if (f[1] == 0) return parse_primitive(f[0], t);
  switch (f[0]) {
    case 'v':
      if (strcmp(f, "vz") == 0) { set_fixed(t, GF_TYPE_BINARY_VIEW, 0); return 0; }
      if (strcmp(f, "vu") == 0) { set_fixed(t, GF_TYPE_STRING_VIEW, 0); return 0; }
      return -1;
    case 'w':
      if (f[1] != ':' || f[2] == '-' || f[2] == '+') return -1;
      if (parse_int(f + 2, 0, INT32_MAX, &n, &e) != 0 || *e != 0) return -1;
      set_fixed(t, GF_TYPE_FIXED_SIZE_BINARY, (int32_t)n);
      return 0;
    case 'd':
      if (f[1] != ':') return -1;
      return parse_decimal(f + 2, t);
    case 't':
      return parse_temporal(f + 1, t);
    case '+':
      return parse_nested(f + 1, t);
    default:
      return -1;
  }
}

gf_status gf_type_parse(const char* format, gf_type* out, gf_error* err) {
  if (out == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "gf_type_parse: out is NULL");
  memset(out, 0, sizeof(*out));
  if (format == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "format string is NULL");
  if (parse_format(format, out) != 0) {
    memset(out, 0, sizeof(*out));
    return gf_error_set(err, GF_INVALID_ARGUMENT, "invalid format string \"%.64s\"", format);
  }
  return GF_OK;
}
