/* The typed, read-only view of parameters.executionContext
 * (gf_fc_execution_context): parsed with libjansson into one arena owned by
 * the view. Accepts the documented keys (spec: execution-context JSON
 * schemas), ignores unknown ones, rejects keys of the wrong JSON type. Pure;
 * runs on the RPC worker that submits an invocation (and in the fuzzer). */
#include <jansson.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gooddata_flight_server/flexconnect.h"

typedef struct block {
  struct block* next;
  max_align_t data[];
} block;

typedef struct ctx_impl {
  gf_fc_execution_context pub;
  block* mem;
} ctx_impl;

typedef struct parser {
  ctx_impl* c;
  gf_error* err;
  int failed;
} parser;

static void* arena(parser* p, size_t n) {
  block* b = calloc(1, sizeof(block) + (n ? n : 1));
  if (b == NULL) {
    if (!p->failed) gf_error_set(p->err, GF_NO_MEMORY, "out of memory while reading executionContext");
    p->failed = 1;
    return NULL;
  }
  b->next = p->c->mem;
  p->c->mem = b;
  return b->data;
}

static const char* dup_str(parser* p, const char* s) {
  size_t n = strlen(s);
  char* d = arena(p, n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

static int fail(parser* p, const char* where, const char* key, const char* want) {
  if (!p->failed)
    gf_error_set(p->err, GF_INVALID_ARGUMENT, "Invalid executionContext: '%s%s%s' must be %s.", where,
                 where[0] ? "." : "", key, want);
  p->failed = 1;
  return 0;
}

/* String member (NULL when absent or null). */
static const char* str(parser* p, json_t* obj, const char* where, const char* key) {
  json_t* v = json_object_get(obj, key);
  if (v == NULL || json_is_null(v)) return NULL;
  if (!json_is_string(v)) return fail(p, where, key, "a string"), NULL;
  return dup_str(p, json_string_value(v));
}

static int boolean(parser* p, json_t* obj, const char* where, const char* key, int dflt) {
  json_t* v = json_object_get(obj, key);
  if (v == NULL || json_is_null(v)) return dflt;
  if (!json_is_boolean(v)) return fail(p, where, key, "a boolean"), dflt;
  return json_is_true(v);
}

static int64_t integer(parser* p, json_t* obj, const char* where, const char* key, int64_t dflt) {
  json_t* v = json_object_get(obj, key);
  if (v == NULL || json_is_null(v)) return dflt;
  if (!json_is_integer(v)) return fail(p, where, key, "an integer"), dflt;
  return (int64_t)json_integer_value(v);
}

/* Array of string-or-null. */
static const char* const* str_array(parser* p, json_t* obj, const char* where, const char* key, size_t* n) {
  json_t* v = json_object_get(obj, key);
  *n = 0;
  if (v == NULL || json_is_null(v)) return NULL;
  if (!json_is_array(v)) return fail(p, where, key, "an array of strings"), NULL;
  size_t len = json_array_size(v);
  const char** out = arena(p, (len ? len : 1) * sizeof(char*));
  for (size_t i = 0; out && i < len; i++) {
    json_t* e = json_array_get(v, i);
    if (json_is_null(e)) continue;
    if (!json_is_string(e)) return fail(p, where, key, "an array of strings"), NULL;
    out[i] = dup_str(p, json_string_value(e));
  }
  if (out) *n = len;
  return out;
}

static const char* raw(parser* p, json_t* obj, const char* key) {
  json_t* v = json_object_get(obj, key);
  if (v == NULL || json_is_null(v)) return NULL;
  char* s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if (s == NULL) return p->failed = 1, NULL;
  const char* d = dup_str(p, s);
  free(s);
  return d;
}

static json_t* member_object(parser* p, json_t* obj, const char* where, const char* key) {
  json_t* v = json_object_get(obj, key);
  if (v == NULL || json_is_null(v)) return NULL;
  if (!json_is_object(v)) return fail(p, where, key, "an object"), NULL;
  return v;
}

static json_t* member_array(parser* p, json_t* obj, const char* key) {
  json_t* v = json_object_get(obj, key);
  if (v == NULL || json_is_null(v)) return NULL;
  if (!json_is_array(v)) return fail(p, "", key, "an array"), NULL;
  return v;
}

static void attribute(parser* p, json_t* o, gf_fc_attribute* a) {
  if (!json_is_object(o)) return (void)fail(p, "", "attributes", "an array of objects");
  a->attribute_identifier = str(p, o, "attributes", "attributeIdentifier");
  a->attribute_title = str(p, o, "attributes", "attributeTitle");
  a->label_identifier = str(p, o, "attributes", "labelIdentifier");
  a->label_title = str(p, o, "attributes", "labelTitle");
  a->date_granularity = str(p, o, "attributes", "dateGranularity");
  json_t* s = member_object(p, o, "attributes", "sorting");
  if (s) {
    a->sort_column = str(p, s, "attributes.sorting", "sortColumn");
    a->sort_direction = str(p, s, "attributes.sorting", "sortDirection");
  }
}

static const struct {
  const char* name;
  gf_fc_filter_type type;
} filter_types[] = {
    {"positiveAttributeFilter", GF_FC_FILTER_POSITIVE_ATTRIBUTE},
    {"negativeAttributeFilter", GF_FC_FILTER_NEGATIVE_ATTRIBUTE},
    {"matchAttributeFilter", GF_FC_FILTER_MATCH_ATTRIBUTE},
    {"relativeDateFilter", GF_FC_FILTER_RELATIVE_DATE},
    {"absoluteDateFilter", GF_FC_FILTER_ABSOLUTE_DATE},
};

static void filter(parser* p, json_t* o, gf_fc_filter* f) {
  if (!json_is_object(o)) return (void)fail(p, "", "filters", "an array of objects");
  f->filter_type = str(p, o, "filters", "filterType");
  for (size_t i = 0; f->filter_type && i < sizeof(filter_types) / sizeof(filter_types[0]); i++)
    if (strcmp(f->filter_type, filter_types[i].name) == 0) f->type = filter_types[i].type;
  if (f->type == GF_FC_FILTER_UNKNOWN && !p->failed) {
    gf_error_set(p->err, GF_INVALID_ARGUMENT, "Unsupported filter definition type: %s",
                 f->filter_type ? f->filter_type : "null");
    p->failed = 1;
    return;
  }
  f->label_identifier = str(p, o, "filters", "labelIdentifier");
  f->values = str_array(p, o, "filters", "values", &f->n_values);
  f->match_type = str(p, o, "filters", "matchType");
  f->literal = str(p, o, "filters", "literal");
  f->negate = boolean(p, o, "filters", "negate", 0);
  f->case_sensitive = boolean(p, o, "filters", "caseSensitive", 0);
  f->dataset_identifier = str(p, o, "filters", "datasetIdentifier");
  f->granularity = str(p, o, "filters", "granularity");
  if (f->type == GF_FC_FILTER_RELATIVE_DATE) {
    f->from = integer(p, o, "filters", "from", 0);
    f->to = integer(p, o, "filters", "to", 0);
  } else if (f->type == GF_FC_FILTER_ABSOLUTE_DATE) {
    f->from_text = str(p, o, "filters", "from");
    f->to_text = str(p, o, "filters", "to");
  }
}

static const struct {
  const char* name;
  gf_fc_initiator_type type;
} initiator_types[] = {
    {"display", GF_FC_INITIATOR_DISPLAY},
    {"adhocExport", GF_FC_INITIATOR_ADHOC_EXPORT},
    {"automation", GF_FC_INITIATOR_AUTOMATION},
    {"alert", GF_FC_INITIATOR_ALERT},
};

static void initiator(parser* p, json_t* root, gf_fc_initiator* in) {
  json_t* o = member_object(p, root, "", "executionInitiator");
  if (o == NULL) return;
  const char* w = "executionInitiator";
  in->type_text = str(p, o, w, "type");
  for (size_t i = 0; in->type_text && i < sizeof(initiator_types) / sizeof(initiator_types[0]); i++)
    if (strcmp(in->type_text, initiator_types[i].name) == 0) in->type = initiator_types[i].type;
  if (in->type == GF_FC_INITIATOR_NONE && !p->failed) {
    gf_error_set(p->err, GF_INVALID_ARGUMENT, "Unsupported execution initiator type: %s",
                 in->type_text ? in->type_text : "null");
    p->failed = 1;
    return;
  }
  in->dashboard_id = str(p, o, w, "dashboardId");
  in->visualization_id = str(p, o, w, "visualizationId");
  in->widget_id = str(p, o, w, "widgetId");
  in->export_type = str(p, o, w, "exportType");
  in->automation_id = str(p, o, w, "automationId");
}

static void label_elements(parser* p, json_t* root) {
  const char* w = "labelElementsExecutionRequest";
  json_t* o = member_object(p, root, "", w);
  if (o == NULL) return;
  gf_fc_label_elements* le = arena(p, sizeof(*le));
  if (le == NULL) return;
  le->label = str(p, o, w, "label");
  le->offset = integer(p, o, w, "offset", -1);
  le->limit = integer(p, o, w, "limit", -1);
  le->exclude_primary_label = boolean(p, o, w, "excludePrimaryLabel", 0);
  le->exact_filter = str_array(p, o, w, "exactFilter", &le->n_exact_filter);
  le->pattern_filter = str(p, o, w, "patternFilter");
  le->complement_filter = boolean(p, o, w, "complementFilter", 0);
  json_t* fb = member_object(p, o, w, "filterBy");
  le->filter_by_label_type = fb ? str(p, fb, "labelElementsExecutionRequest.filterBy", "labelType") : NULL;
  if (le->filter_by_label_type == NULL) le->filter_by_label_type = "REQUESTED";
  le->depends_on_json = raw(p, o, "dependsOn");
  le->validate_by_json = raw(p, o, "validateBy");
  p->c->pub.label_elements = le;
}

static void lists(parser* p, json_t* root) {
  gf_fc_execution_context* c = &p->c->pub;
  json_t* attrs = member_array(p, root, "attributes");
  size_t n = attrs ? json_array_size(attrs) : 0;
  gf_fc_attribute* a = n ? arena(p, n * sizeof(*a)) : NULL;
  for (size_t i = 0; a && i < n && !p->failed; i++) attribute(p, json_array_get(attrs, i), &a[i]);
  c->attributes = a;
  c->n_attributes = a ? n : 0;
  json_t* filters = member_array(p, root, "filters");
  n = filters ? json_array_size(filters) : 0;
  gf_fc_filter* f = n ? arena(p, n * sizeof(*f)) : NULL;
  for (size_t i = 0; f && i < n && !p->failed; i++) filter(p, json_array_get(filters, i), &f[i]);
  c->filters = f;
  c->n_filters = f ? n : 0;
}

static void top_level(parser* p, json_t* root) {
  gf_fc_execution_context* c = &p->c->pub;
  c->struct_size = sizeof(*c);
  c->execution_type_text = str(p, root, "", "executionType");
  if (c->execution_type_text && strcmp(c->execution_type_text, "REPORT") == 0)
    c->execution_type = GF_FC_EXECUTION_REPORT;
  else if (c->execution_type_text && strcmp(c->execution_type_text, "LABEL_ELEMENTS") == 0)
    c->execution_type = GF_FC_EXECUTION_LABEL_ELEMENTS;
  c->organization_id = str(p, root, "", "organizationId");
  c->workspace_id = str(p, root, "", "workspaceId");
  c->user_id = str(p, root, "", "userId");
  c->timestamp = str(p, root, "", "timestamp");
  c->timezone = str(p, root, "", "timezone");
  c->week_start = str(p, root, "", "weekStart");
  if (c->week_start == NULL) c->week_start_kind = GF_FC_WEEK_START_UNSET;
  else if (strcasecmp(c->week_start, "sunday") == 0) c->week_start_kind = GF_FC_WEEK_START_SUNDAY;
  else if (strcasecmp(c->week_start, "monday") == 0) c->week_start_kind = GF_FC_WEEK_START_MONDAY;
  else c->week_start_kind = GF_FC_WEEK_START_OTHER;
  lists(p, root);
  initiator(p, root, &c->initiator);
  c->report_execution_request_json = raw(p, root, "reportExecutionRequest");
  c->execution_request_json = raw(p, root, "executionRequest");
  c->label_elements_execution_request_json = raw(p, root, "labelElementsExecutionRequest");
  label_elements(p, root);
}

gf_status gf_fc_execution_context_parse(const char* json, size_t len, gf_fc_execution_context** out,
                                        gf_error* err) {
  *out = NULL;
  json_error_t jerr;
  json_t* root = json ? json_loadb(json, len, JSON_DECODE_ANY, &jerr) : NULL;
  if (root == NULL)
    return gf_error_set(err, GF_INVALID_ARGUMENT, "Invalid executionContext: not valid JSON (%s).",
                        json ? jerr.text : "no input");
  if (!json_is_object(root)) {
    json_decref(root);
    return gf_error_set(err, GF_INVALID_ARGUMENT, "Invalid executionContext: expected a JSON object.");
  }
  ctx_impl* c = calloc(1, sizeof(*c));
  if (c == NULL) {
    json_decref(root);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory while reading executionContext");
  }
  parser p = {c, err, 0};
  top_level(&p, root);
  json_decref(root);
  if (p.failed) {
    gf_fc_execution_context_free(&c->pub);
    return err && err->code ? err->code : GF_INVALID_ARGUMENT;
  }
  *out = &c->pub;
  return GF_OK;
}

void gf_fc_execution_context_free(gf_fc_execution_context* ctx) {
  if (ctx == NULL) return;
  ctx_impl* c = (ctx_impl*)ctx;
  for (block* b = c->mem; b != NULL;) {
    block* next = b->next;
    free(b);
    b = next;
  }
  free(c);
}
