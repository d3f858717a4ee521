/* libFuzzer target: the FlexConnect execution-context parser
 * (gf_fc_execution_context_parse) on arbitrary bytes; every string of an
 * accepted view is readable and counts match the arrays. Single-threaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/flexconnect.h"

static size_t touch(const char* s) { return s ? strlen(s) : 0; }

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size); /* called by libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gf_fc_execution_context* c = NULL;
  gf_error err = {0};
  if (gf_fc_execution_context_parse((const char*)data, size, &c, &err) != GF_OK) {
    if (c != NULL || err.message[0] == 0) abort();
    return 0;
  }
  size_t sum = touch(c->workspace_id) + touch(c->report_execution_request_json) + touch(c->week_start);
  for (size_t i = 0; i < c->n_attributes; i++) sum += touch(c->attributes[i].label_identifier);
  for (size_t i = 0; i < c->n_filters; i++) {
    const gf_fc_filter* f = &c->filters[i];
    if (f->type == GF_FC_FILTER_UNKNOWN) abort();
    for (size_t k = 0; k < f->n_values; k++) sum += touch(f->values[k]);
  }
  if (c->label_elements) sum += touch(c->label_elements->depends_on_json) + touch(c->label_elements->label);
  gf_fc_execution_context_free(c);
  return sum == (size_t)-1;
}
