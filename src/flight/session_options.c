/* Session option maps and the protobuf forms of the session actions'
 * messages (SetSessionOptionsRequest/Result, GetSessionOptionsResult,
 * CloseSessionResult). Pure data, any thread; one map per thread at a time. */
#include <stdlib.h>
#include <string.h>

#include "Flight.pb-c.h"
#include "gooddata_flight_server/session.h"

typedef struct opt {
  char* name;
  gf_session_value_type type;
  char* str;
  int64_t i64; /* bool and int64 */
  double dbl;
  char** list;
  size_t n_list;
} opt;

struct gf_session_options {
  opt* v;
  size_t n, cap;
};

static void opt_clear(opt* o) {
  free(o->str);
  for (size_t j = 0; j < o->n_list; j++) free(o->list[j]);
  free(o->list);
  char* name = o->name;
  memset(o, 0, sizeof(*o));
  o->name = name;
}

gf_session_options* gf_session_options_create(void) {
  return calloc(1, sizeof(gf_session_options));
}

void gf_session_options_free(gf_session_options* o) {
  if (!o) return;
  for (size_t i = 0; i < o->n; i++) {
    opt_clear(&o->v[i]);
    free(o->v[i].name);
  }
  free(o->v);
  free(o);
}

size_t gf_session_options_count(const gf_session_options* o) { return o ? o->n : 0; }

long gf_session_options_find(const gf_session_options* o, const char* name) {
  for (size_t i = 0; o && name && i < o->n; i++)
    if (strcmp(o->v[i].name, name) == 0) return (long)i;
  return -1;
}

static const opt* at(const gf_session_options* o, size_t i) { return o && i < o->n ? &o->v[i] : NULL; }

const char* gf_session_options_name(const gf_session_options* o, size_t i) {
  const opt* p = at(o, i);
  return p ? p->name : NULL;
}
gf_session_value_type gf_session_options_type(const gf_session_options* o, size_t i) {
  const opt* p = at(o, i);
  return p ? p->type : GF_SESSION_VALUE_UNSET;
}
const char* gf_session_options_string(const gf_session_options* o, size_t i) {
  const opt* p = at(o, i);
  return p && p->type == GF_SESSION_VALUE_STRING ? p->str : "";
}
bool gf_session_options_bool(const gf_session_options* o, size_t i) {
  const opt* p = at(o, i);
  return p && p->type == GF_SESSION_VALUE_BOOL ? (int)p->i64 : 0;
}
int64_t gf_session_options_int64(const gf_session_options* o, size_t i) {
  const opt* p = at(o, i);
  return p && p->type == GF_SESSION_VALUE_INT64 ? p->i64 : 0;
}
double gf_session_options_double(const gf_session_options* o, size_t i) {
  const opt* p = at(o, i);
  return p && p->type == GF_SESSION_VALUE_DOUBLE ? p->dbl : 0.0;
}
size_t gf_session_options_list_len(const gf_session_options* o, size_t i) {
  const opt* p = at(o, i);
  return p && p->type == GF_SESSION_VALUE_STRING_LIST ? p->n_list : 0;
}
const char* gf_session_options_list_at(const gf_session_options* o, size_t i, size_t j) {
  const opt* p = at(o, i);
  return p && p->type == GF_SESSION_VALUE_STRING_LIST && j < p->n_list ? p->list[j] : NULL;
}

/* The entry for `name`, cleared (created at the end when new). */
static opt* slot(gf_session_options* o, const char* name) {
  if (!name) return NULL;
  long k = gf_session_options_find(o, name);
  if (k >= 0) {
    opt_clear(&o->v[k]);
    return &o->v[k];
  }
  if (o->n == o->cap) {
    size_t cap = o->cap ? o->cap * 2 : 8;
    opt* v = realloc(o->v, cap * sizeof(*v));
    if (!v) return NULL;
    o->v = v;
    o->cap = cap;
  }
  opt* p = &o->v[o->n];
  memset(p, 0, sizeof(*p));
  if (!(p->name = strdup(name))) return NULL;
  o->n++;
  return p;
}

gf_status gf_session_options_set_string(gf_session_options* o, const char* name,
                                        const char* value) {
  char* c = strdup(value ? value : "");
  opt* p = c ? slot(o, name) : NULL;
  if (!p) {
    free(c);
    return GF_NO_MEMORY;
  }
  p->type = GF_SESSION_VALUE_STRING;
  p->str = c;
  return GF_OK;
}

gf_status gf_session_options_set_bool(gf_session_options* o, const char* name, int value) {
  opt* p = slot(o, name);
  if (!p) return GF_NO_MEMORY;
  p->type = GF_SESSION_VALUE_BOOL;
  p->i64 = !!value;
  return GF_OK;
}

gf_status gf_session_options_set_int64(gf_session_options* o, const char* name, int64_t value) {
  opt* p = slot(o, name);
  if (!p) return GF_NO_MEMORY;
  p->type = GF_SESSION_VALUE_INT64;
  p->i64 = value;
  return GF_OK;
}

gf_status gf_session_options_set_double(gf_session_options* o, const char* name, double value) {
  opt* p = slot(o, name);
  if (!p) return GF_NO_MEMORY;
  p->type = GF_SESSION_VALUE_DOUBLE;
  p->dbl = value;
  return GF_OK;
}

gf_status gf_session_options_set_string_list(gf_session_options* o, const char* name,
                                             const char* const* values, size_t n) {
  char** l = calloc(n ? n : 1, sizeof(char*));
  int rc = l ? GF_OK : GF_NO_MEMORY;
  for (size_t j = 0; !rc && j < n; j++)
    if (!(l[j] = strdup(values[j] ? values[j] : ""))) rc = GF_NO_MEMORY;
  opt* p = rc ? NULL : slot(o, name);
  if (!p) {
    for (size_t j = 0; l && j < n; j++) free(l[j]);
    free(l);
    return GF_NO_MEMORY;
  }
  p->type = GF_SESSION_VALUE_STRING_LIST;
  p->list = l;
  p->n_list = n;
  return GF_OK;
}

gf_status gf_session_options_set_unset(gf_session_options* o, const char* name) {
  return slot(o, name) ? GF_OK : GF_NO_MEMORY;
}

gf_status gf_session_options_set_from(gf_session_options* dst, const gf_session_options* src,
                                      size_t i) {
  const opt* p = at(src, i);
  if (!p) return GF_INVALID_ARGUMENT;
  switch (p->type) {
    case GF_SESSION_VALUE_STRING: return gf_session_options_set_string(dst, p->name, p->str);
    case GF_SESSION_VALUE_BOOL: return gf_session_options_set_bool(dst, p->name, (int)p->i64);
    case GF_SESSION_VALUE_INT64: return gf_session_options_set_int64(dst, p->name, p->i64);
    case GF_SESSION_VALUE_DOUBLE: return gf_session_options_set_double(dst, p->name, p->dbl);
    case GF_SESSION_VALUE_STRING_LIST:
      return gf_session_options_set_string_list(dst, p->name, (const char* const*)p->list,
                                                p->n_list);
    default: return gf_session_options_set_unset(dst, p->name);
  }
}

gf_session_options* gf_session_options_copy(const gf_session_options* o) {
  gf_session_options* c = gf_session_options_create();
  for (size_t i = 0; c && o && i < o->n; i++)
    if (gf_session_options_set_from(c, o, i)) {
      gf_session_options_free(c);
      return NULL;
    }
  return c;
}

bool gf_session_options_remove(gf_session_options* o, const char* name) {
  long k = gf_session_options_find(o, name);
  if (k < 0) return 0;
  opt_clear(&o->v[k]);
  free(o->v[k].name);
  memmove(&o->v[k], &o->v[k + 1], (o->n - (size_t)k - 1) * sizeof(opt));
  o->n--;
  return 1;
}

/* ---- protobuf ------------------------------------------------------------------------------ */

typedef Arrow__Flight__Protocol__SessionOptionValue pb_value;

static int value_from_pb(gf_session_options* o, const char* name, const pb_value* v) {
  switch (v ? v->option_value_case : 0) {
    case ARROW__FLIGHT__PROTOCOL__SESSION_OPTION_VALUE__OPTION_VALUE_STRING_VALUE:
      return gf_session_options_set_string(o, name, v->string_value);
    case ARROW__FLIGHT__PROTOCOL__SESSION_OPTION_VALUE__OPTION_VALUE_BOOL_VALUE:
      return gf_session_options_set_bool(o, name, v->bool_value);
    case ARROW__FLIGHT__PROTOCOL__SESSION_OPTION_VALUE__OPTION_VALUE_INT64_VALUE:
      return gf_session_options_set_int64(o, name, v->int64_value);
    case ARROW__FLIGHT__PROTOCOL__SESSION_OPTION_VALUE__OPTION_VALUE_DOUBLE_VALUE:
      return gf_session_options_set_double(o, name, v->double_value);
    case ARROW__FLIGHT__PROTOCOL__SESSION_OPTION_VALUE__OPTION_VALUE_STRING_LIST_VALUE: {
      const Arrow__Flight__Protocol__SessionOptionValue__StringListValue* l = v->string_list_value;
      return gf_session_options_set_string_list(o, name, l ? (const char* const*)l->values : NULL,
                                                l ? l->n_values : 0);
    }
    default: return gf_session_options_set_unset(o, name);
  }
}

gf_status gf_session_options_parse(gf_bytes body, gf_session_options** out, gf_error* err) {
  /* SetSessionOptionsRequest and GetSessionOptionsResult share the layout. */
  Arrow__Flight__Protocol__SetSessionOptionsRequest* pb =
      arrow__flight__protocol__set_session_options_request__unpack(NULL, body.len, body.data);
  if (!pb) return gf_error_set(err, GF_INVALID_ARGUMENT, "session options: malformed protobuf");
  gf_session_options* o = gf_session_options_create();
  int rc = o ? GF_OK : GF_NO_MEMORY;
  for (size_t i = 0; !rc && i < pb->n_session_options; i++)
    rc = value_from_pb(o, pb->session_options[i]->key ? pb->session_options[i]->key : "",
                       pb->session_options[i]->value);
  arrow__flight__protocol__set_session_options_request__free_unpacked(pb, NULL);
  if (rc) {
    gf_session_options_free(o);
    return gf_error_set(err, rc, "session options: out of memory");
  }
  *out = o;
  return GF_OK;
}

typedef struct value_pb {
  Arrow__Flight__Protocol__SetSessionOptionsRequest__SessionOptionsEntry entry;
  pb_value value;
  Arrow__Flight__Protocol__SessionOptionValue__StringListValue list;
} value_pb;

static void value_to_pb(const opt* p, value_pb* v) {
  arrow__flight__protocol__set_session_options_request__session_options_entry__init(&v->entry);
  arrow__flight__protocol__session_option_value__init(&v->value);
  v->entry.key = p->name;
  v->entry.value = &v->value;
  switch (p->type) {
    case GF_SESSION_VALUE_STRING:
      v->value.option_value_case = ARROW__FLIGHT__PROTOCOL__SESSION_OPTION_VALUE__OPTION_VALUE_STRING_VALUE;
      v->value.string_value = p->str;
      break;
    case GF_SESSION_VALUE_BOOL:
      v->value.option_value_case = ARROW__FLIGHT__PROTOCOL__SESSION_OPTION_VALUE__OPTION_VALUE_BOOL_VALUE;
      v->value.bool_value = (protobuf_c_boolean)p->i64;
      break;
    case GF_SESSION_VALUE_INT64:
      v->value.option_value_case = ARROW__FLIGHT__PROTOCOL__SESSION_OPTION_VALUE__OPTION_VALUE_INT64_VALUE;
      v->value.int64_value = p->i64;
      break;
    case GF_SESSION_VALUE_DOUBLE:
      v->value.option_value_case = ARROW__FLIGHT__PROTOCOL__SESSION_OPTION_VALUE__OPTION_VALUE_DOUBLE_VALUE;
      v->value.double_value = p->dbl;
      break;
    case GF_SESSION_VALUE_STRING_LIST:
      arrow__flight__protocol__session_option_value__string_list_value__init(&v->list);
      v->list.n_values = p->n_list;
      v->list.values = p->list;
      v->value.option_value_case = ARROW__FLIGHT__PROTOCOL__SESSION_OPTION_VALUE__OPTION_VALUE_STRING_LIST_VALUE;
      v->value.string_list_value = &v->list;
      break;
    default: break;
  }
}

static int pack(const ProtobufCMessage* m, uint8_t** out, size_t* len, gf_error* err) {
  size_t n = protobuf_c_message_get_packed_size(m);
  uint8_t* p = malloc(n ? n : 1);
  if (!p) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  protobuf_c_message_pack(m, p);
  *out = p;
  *len = n;
  return GF_OK;
}

gf_status gf_session_options_serialize(const gf_session_options* o, uint8_t** out, size_t* len,
                                       gf_error* err) {
  size_t n = gf_session_options_count(o);
  value_pb* vs = calloc(n ? n : 1, sizeof(*vs));
  Arrow__Flight__Protocol__SetSessionOptionsRequest__SessionOptionsEntry** ptrs =
      calloc(n ? n : 1, sizeof(*ptrs));
  int rc = (vs && ptrs) ? GF_OK : gf_error_set(err, GF_NO_MEMORY, "out of memory");
  if (!rc) {
    Arrow__Flight__Protocol__SetSessionOptionsRequest req;
    arrow__flight__protocol__set_session_options_request__init(&req);
    for (size_t i = 0; i < n; i++) {
      value_to_pb(&o->v[i], &vs[i]);
      ptrs[i] = &vs[i].entry;
    }
    req.n_session_options = n;
    req.session_options = ptrs;
    rc = pack(&req.base, out, len, err);
  }
  free(vs);
  free(ptrs);
  return rc;
}

/* ---- SetSessionOptionsResult --------------------------------------------------------------- */

typedef struct res_entry {
  char* name;
  gf_session_option_error error;
} res_entry;

struct gf_set_session_result {
  res_entry* v;
  size_t n, cap;
};

gf_set_session_result* gf_set_session_result_create(void) {
  return calloc(1, sizeof(gf_set_session_result));
}

void gf_set_session_result_free(gf_set_session_result* r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) free(r->v[i].name);
  free(r->v);
  free(r);
}

gf_status gf_set_session_result_add(gf_set_session_result* r, const char* name,
                                    gf_session_option_error error) {
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->v[i].name, name) == 0) {
      r->v[i].error = error;
      return GF_OK;
    }
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 4;
    res_entry* v = realloc(r->v, cap * sizeof(*v));
    if (!v) return GF_NO_MEMORY;
    r->v = v;
    r->cap = cap;
  }
  if (!(r->v[r->n].name = strdup(name ? name : ""))) return GF_NO_MEMORY;
  r->v[r->n++].error = error;
  return GF_OK;
}

size_t gf_set_session_result_count(const gf_set_session_result* r) { return r ? r->n : 0; }
const char* gf_set_session_result_name(const gf_set_session_result* r, size_t i) {
  return r && i < r->n ? r->v[i].name : NULL;
}
gf_session_option_error gf_set_session_result_error(const gf_set_session_result* r, size_t i) {
  return r && i < r->n ? r->v[i].error : GF_SESSION_OPTION_ERROR_UNSPECIFIED;
}

gf_status gf_set_session_result_parse(gf_bytes body, gf_set_session_result** out, gf_error* err) {
  Arrow__Flight__Protocol__SetSessionOptionsResult* pb =
      arrow__flight__protocol__set_session_options_result__unpack(NULL, body.len, body.data);
  if (!pb) return gf_error_set(err, GF_INVALID_ARGUMENT, "SetSessionOptionsResult: malformed protobuf");
  gf_set_session_result* r = gf_set_session_result_create();
  int rc = r ? GF_OK : GF_NO_MEMORY;
  for (size_t i = 0; !rc && i < pb->n_errors; i++) {
    const Arrow__Flight__Protocol__SetSessionOptionsResult__ErrorsEntry* e = pb->errors[i];
    rc = gf_set_session_result_add(r, e->key ? e->key : "",
                                   e->value ? (gf_session_option_error)e->value->value : 0);
  }
  arrow__flight__protocol__set_session_options_result__free_unpacked(pb, NULL);
  if (rc) {
    gf_set_session_result_free(r);
    return gf_error_set(err, rc, "SetSessionOptionsResult: out of memory");
  }
  *out = r;
  return GF_OK;
}

gf_status gf_set_session_result_serialize(const gf_set_session_result* r, uint8_t** out,
                                          size_t* len, gf_error* err) {
  size_t n = gf_set_session_result_count(r);
  Arrow__Flight__Protocol__SetSessionOptionsResult__ErrorsEntry* es = calloc(n ? n : 1, sizeof(*es));
  Arrow__Flight__Protocol__SetSessionOptionsResult__Error* vs = calloc(n ? n : 1, sizeof(*vs));
  Arrow__Flight__Protocol__SetSessionOptionsResult__ErrorsEntry** ptrs = calloc(n ? n : 1, sizeof(*ptrs));
  int rc = (es && vs && ptrs) ? GF_OK : gf_error_set(err, GF_NO_MEMORY, "out of memory");
  if (!rc) {
    Arrow__Flight__Protocol__SetSessionOptionsResult res;
    arrow__flight__protocol__set_session_options_result__init(&res);
    for (size_t i = 0; i < n; i++) {
      arrow__flight__protocol__set_session_options_result__errors_entry__init(&es[i]);
      arrow__flight__protocol__set_session_options_result__error__init(&vs[i]);
      vs[i].value = (Arrow__Flight__Protocol__SetSessionOptionsResult__ErrorValue)r->v[i].error;
      es[i].key = r->v[i].name;
      es[i].value = &vs[i];
      ptrs[i] = &es[i];
    }
    res.n_errors = n;
    res.errors = ptrs;
    rc = pack(&res.base, out, len, err);
  }
  free(es);
  free(vs);
  free(ptrs);
  return rc;
}

/* ---- CloseSessionResult -------------------------------------------------------------------- */

gf_status gf_close_session_result_serialize(gf_close_session_status status, uint8_t** out,
                                            size_t* len, gf_error* err) {
  Arrow__Flight__Protocol__CloseSessionResult r;
  arrow__flight__protocol__close_session_result__init(&r);
  r.status = (Arrow__Flight__Protocol__CloseSessionStatus)status;
  return pack(&r.base, out, len, err);
}

gf_status gf_close_session_result_parse(gf_bytes body, gf_close_session_status* out,
                                        gf_error* err) {
  Arrow__Flight__Protocol__CloseSessionResult* pb =
      arrow__flight__protocol__close_session_result__unpack(NULL, body.len, body.data);
  if (!pb) return gf_error_set(err, GF_INVALID_ARGUMENT, "CloseSessionResult: malformed protobuf");
  *out = (gf_close_session_status)pb->status;
  arrow__flight__protocol__close_session_result__free_unpacked(pb, NULL);
  return GF_OK;
}
