/* The [flexconnect] settings (functions, call_deadline_ms,
 * polling_interval_ms) read from the merged settings, with the Python
 * server's validation messages: by the FlexConnect provider when it starts
 * and by the `config` printout. Main thread. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_flexconnect.h"

#define MSG_DEADLINE                                                                            \
  "Value of flexconnect.call_deadline_ms must be a positive number - duration, in milliseconds, " \
  "that FlexConnect function calls are expected to run."
#define MSG_INTERVAL                                                                               \
  "Value of flexconnect.polling_interval_ms must be a positive number - duration, in milliseconds, " \
  "that FlexConnect function waits for the result during one polling iteration."
#define MAX_MS 86400000LL /* one day */

/* Python int(): integers, floats truncated, integer text (blanks allowed). */
static int to_int(const gf_settings* s, const char* path, int64_t* out) {
  gf_error e = {0};
  switch (gf_settings_type(s, path)) {
    case GF_SETTING_INT:
      return gf_settings_get_int(s, path, 0, out, &e) == GF_OK;
    case GF_SETTING_FLOAT: {
      double d = 0;
      if (gf_settings_get_float(s, path, 0, &d, &e) != GF_OK || !isfinite(d) || fabs(d) > 9e15) return 0;
      *out = (int64_t)d;
      return 1;
    }
    case GF_SETTING_STRING: {
      const char* t = NULL;
      if (gf_settings_get_string(s, path, NULL, &t, &e) != GF_OK || t == NULL) return 0;
      char* end = NULL;
      errno = 0;
      long long v = strtoll(t, &end, 10);
      if (end == t || errno != 0) return 0;
      while (isspace((unsigned char)*end)) end++;
      if (*end != '\0') return 0;
      *out = v;
      return 1;
    }
    default:
      return 0;
  }
}

static int positive_ms(const gf_settings* s, const char* path, int64_t dflt, const char* msg,
                       int64_t* out, gf_error* err) {
  *out = dflt;
  if (!gf_settings_has(s, path)) return GF_OK;
  if (!to_int(s, path, out) || *out <= 0) return gf_error_set(err, GF_INVALID_ARGUMENT, "%s", msg);
  if (*out > MAX_MS) *out = MAX_MS;
  return GF_OK;
}

static int add_function(gf__fc_settings* out, const char* spec, gf_error* err) {
  char** grown = realloc(out->functions, (out->n_functions + 1) * sizeof(char*));
  if (grown == NULL || (grown[out->n_functions] = strdup(spec)) == NULL) {
    if (grown) out->functions = grown;
    return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  }
  out->functions = grown;
  out->n_functions++;
  return GF_OK;
}

static int load_functions(const gf_settings* s, gf__fc_settings* out, gf_error* err) {
  const char* path = "flexconnect.functions";
  gf_setting_type t = gf_settings_type(s, path);
  if (t == GF_SETTING_MISSING) return GF_OK;
  const char* one = NULL;
  if (t == GF_SETTING_STRING) { /* one library (upstream would iterate the characters) */
    int rc = gf_settings_get_string(s, path, NULL, &one, err);
    return rc ? rc : add_function(out, one, err);
  }
  size_t n = 0;
  int rc = gf_settings_list_len(s, path, &n, err);
  if (rc) return gf_error_set(err, GF_INVALID_ARGUMENT,
                              "Value of flexconnect.functions must be a list of library names or paths.");
  for (size_t i = 0; i < n && !rc; i++) {
    char elem[64];
    snprintf(elem, sizeof(elem), "%s.%zu", path, i);
    if (gf_settings_get_string(s, elem, NULL, &one, err) != GF_OK || one == NULL || one[0] == '\0')
      return gf_error_set(err, GF_INVALID_ARGUMENT,
                          "Value of flexconnect.functions must be a list of library names or paths "
                          "(element %zu is not a non-empty string).", i);
    rc = add_function(out, one, err);
  }
  return rc;
}

int gf__fc_settings_load(const gf_settings* s, gf__fc_settings* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  int rc = positive_ms(s, "flexconnect.call_deadline_ms", 180000, MSG_DEADLINE, &out->call_deadline_ms, err);
  if (!rc) rc = positive_ms(s, "flexconnect.polling_interval_ms", 2000, MSG_INTERVAL,
                            &out->polling_interval_ms, err);
  if (!rc) rc = load_functions(s, out, err);
  if (rc) gf__fc_settings_free(out);
  return rc;
}

void gf__fc_settings_free(gf__fc_settings* s) {
  for (size_t i = 0; i < s->n_functions; i++) free(s->functions[i]);
  free(s->functions);
  s->functions = NULL;
  s->n_functions = 0;
}
