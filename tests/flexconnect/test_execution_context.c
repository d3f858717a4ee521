/* The FlexConnect execution-context view (gf_fc_execution_context_parse)
 * on a REPORT and a LABEL_ELEMENTS fixture, the four initiator types and the
 * error cases; the invocation command / ticket parsers; data source
 * messages on a schema. Runs from the repository root (reads fixtures). */
#include <stdlib.h>
#include <string.h>

#include "flexconnect/fc_internal.h"
#include "gooddata_flight_server/flexconnect.h"
#include "test.h"

static char* read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char* buf = malloc(1 << 16);
  *len = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
  fclose(f);
  if (buf) buf[*len] = 0;
  return buf;
}

static gf_fc_execution_context* parse_text(const char* text, gf_error* err) {
  gf_fc_execution_context* c = NULL;
  if (gf_fc_execution_context_parse(text, strlen(text), &c, err) != GF_OK) return NULL;
  return c;
}

TEST(report_fixture) {
  size_t len = 0;
  char* text = read_file("tests/flexconnect/fixtures/report.json", &len);
  CHECK_MSG(text != NULL, "run from the repository root");
  gf_error err = {0};
  gf_fc_execution_context* c = NULL;
  CHECK_EQ_INT(gf_fc_execution_context_parse(text, len, &c, &err), GF_OK);
  free(text);
  if (c == NULL) return;
  CHECK_EQ_INT(c->execution_type, GF_FC_EXECUTION_REPORT);
  CHECK_EQ_STR(c->organization_id, "default");
  CHECK_EQ_STR(c->workspace_id, "demo");
  CHECK_EQ_STR(c->user_id, "admin");
  CHECK_EQ_STR(c->timestamp, "2024-09-12T12:51:26+00:00");
  CHECK_EQ_STR(c->timezone, "Etc/UTC");
  CHECK_EQ_INT(c->week_start_kind, GF_FC_WEEK_START_SUNDAY);
  CHECK_EQ_INT((int)c->n_attributes, 2);
  CHECK_EQ_STR(c->attributes[0].attribute_title, "Region");
  CHECK_EQ_STR(c->attributes[0].sort_direction, "DESC");
  CHECK(c->attributes[0].date_granularity == NULL);
  CHECK_EQ_STR(c->attributes[1].date_granularity, "MONTH");
  CHECK(c->attributes[1].sort_column == NULL);
  CHECK_EQ_INT((int)c->n_filters, 5);
  const gf_fc_filter* f = c->filters;
  CHECK_EQ_INT(f[0].type, GF_FC_FILTER_NEGATIVE_ATTRIBUTE);
  CHECK_EQ_INT((int)f[0].n_values, 2);
  CHECK_EQ_STR(f[0].values[0], "West");
  CHECK(f[0].values[1] == NULL);
  CHECK_EQ_INT(f[1].type, GF_FC_FILTER_POSITIVE_ATTRIBUTE);
  CHECK_EQ_STR(f[1].label_identifier, "state");
  CHECK_EQ_INT(f[2].type, GF_FC_FILTER_MATCH_ATTRIBUTE);
  CHECK_EQ_STR(f[2].match_type, "STARTS_WITH");
  CHECK_EQ_INT(f[2].case_sensitive, 1);
  CHECK_EQ_INT(f[2].negate, 0);
  CHECK_EQ_INT(f[3].type, GF_FC_FILTER_RELATIVE_DATE);
  CHECK_EQ_INT((int)f[3].from, -11);
  CHECK_EQ_STR(f[3].granularity, "MONTH");
  CHECK_EQ_INT(f[4].type, GF_FC_FILTER_ABSOLUTE_DATE);
  CHECK_EQ_STR(f[4].to_text, "2024-12-31 23:59");
  CHECK_EQ_INT(c->initiator.type, GF_FC_INITIATOR_DISPLAY);
  CHECK_EQ_STR(c->initiator.dashboard_id, "dash1");
  CHECK_EQ_STR(c->initiator.visualization_id, "viz1");
  CHECK_EQ_STR(c->initiator.widget_id, "widget1");
  CHECK(c->report_execution_request_json != NULL &&
        strstr(c->report_execution_request_json, "\"negativeAttributeFilter\":{") != NULL);
  CHECK(strstr(c->report_execution_request_json, "\"aggregation\":\"SUM\"") != NULL);
  CHECK_EQ_STR(c->execution_request_json, "{\"attributes\":[],\"measures\":[],\"filters\":[],\"auxMeasures\":[]}");
  CHECK(c->label_elements_execution_request_json == NULL);
  CHECK(c->label_elements == NULL);
  gf_fc_execution_context_free(c);
}

TEST(label_elements_fixture) {
  size_t len = 0;
  char* text = read_file("tests/flexconnect/fixtures/label_elements.json", &len);
  CHECK(text != NULL);
  gf_error err = {0};
  gf_fc_execution_context* c = NULL;
  CHECK_EQ_INT(gf_fc_execution_context_parse(text, len, &c, &err), GF_OK);
  free(text);
  if (c == NULL) return;
  CHECK_EQ_INT(c->execution_type, GF_FC_EXECUTION_LABEL_ELEMENTS);
  CHECK_EQ_STR(c->timestamp, "");
  CHECK_EQ_INT(c->week_start_kind, GF_FC_WEEK_START_MONDAY);
  CHECK_EQ_INT(c->initiator.type, GF_FC_INITIATOR_NONE);
  CHECK(c->report_execution_request_json == NULL);
  const gf_fc_label_elements* le = c->label_elements;
  CHECK(le != NULL);
  if (le == NULL) return;
  CHECK_EQ_STR(le->label, "region");
  CHECK_EQ_INT((int)le->offset, 0);
  CHECK_EQ_INT((int)le->limit, 1000);
  CHECK_EQ_INT(le->exclude_primary_label, 1);
  CHECK_EQ_INT((int)le->n_exact_filter, 2);
  CHECK(le->exact_filter[1] == NULL);
  CHECK_EQ_STR(le->pattern_filter, "ea");
  CHECK_EQ_STR(le->filter_by_label_type, "REQUESTED");
  CHECK_EQ_STR(le->depends_on_json, "[{\"label\":\"state\",\"values\":[\"Texas\"],\"complementFilter\":false}]");
  CHECK_EQ_STR(le->validate_by_json, "[{\"id\":\"price\",\"type\":\"fact\"}]");
  gf_fc_execution_context_free(c);
}

TEST(initiators) {
  const char* cases[][2] = {
      {"{\"executionInitiator\":{\"type\":\"display\",\"widgetId\":\"w\"}}", "w"},
      {"{\"executionInitiator\":{\"type\":\"adhocExport\",\"exportType\":\"CSV\"}}", "CSV"},
      {"{\"executionInitiator\":{\"type\":\"automation\",\"automationId\":\"a1\"}}", "a1"},
      {"{\"executionInitiator\":{\"type\":\"alert\",\"dashboardId\":\"d\"}}", "d"},
  };
  gf_fc_initiator_type want[] = {GF_FC_INITIATOR_DISPLAY, GF_FC_INITIATOR_ADHOC_EXPORT,
                                 GF_FC_INITIATOR_AUTOMATION, GF_FC_INITIATOR_ALERT};
  for (int i = 0; i < 4; i++) {
    gf_error err = {0};
    gf_fc_execution_context* c = parse_text(cases[i][0], &err);
    CHECK_MSG(c != NULL, "%s: %s", cases[i][0], err.message);
    if (c == NULL) continue;
    CHECK_EQ_INT(c->initiator.type, want[i]);
    const char* got = i == 0 ? c->initiator.widget_id : i == 1 ? c->initiator.export_type
                    : i == 2 ? c->initiator.automation_id : c->initiator.dashboard_id;
    CHECK_EQ_STR(got, cases[i][1]);
    gf_fc_execution_context_free(c);
  }
}

TEST(errors) {
  gf_error err = {0};
  CHECK(parse_text("{\"executionInitiator\":{\"type\":\"robot\"}}", &err) == NULL);
  CHECK_EQ_STR(err.message, "Unsupported execution initiator type: robot");
  CHECK(parse_text("{\"filters\":[{\"filterType\":\"rankingFilter\"}]}", &err) == NULL);
  CHECK_EQ_STR(err.message, "Unsupported filter definition type: rankingFilter");
  CHECK(parse_text("{\"workspaceId\":5}", &err) == NULL);
  CHECK_EQ_STR(err.message, "Invalid executionContext: 'workspaceId' must be a string.");
  CHECK(parse_text("{\"filters\":[{\"filterType\":\"positiveAttributeFilter\",\"values\":[5]}]}", &err) == NULL);
  CHECK(strstr(err.message, "filters.values") != NULL);
  CHECK(parse_text("[1]", &err) == NULL);
  CHECK(parse_text("{", &err) == NULL);
  CHECK_EQ_INT(err.code, GF_INVALID_ARGUMENT);
  gf_fc_execution_context* c = parse_text("{\"weekStart\":\"Tuesday\",\"unknownKey\":[1]}", &err);
  CHECK(c != NULL);
  if (c) CHECK_EQ_INT(c->week_start_kind, GF_FC_WEEK_START_OTHER);
  gf_fc_execution_context_free(c);
}

TEST(command_and_ticket) {
  gf__fc_command cmd;
  gf_error err = {0};
  const char* text = "{\"functionName\":\"F\",\"parameters\":{\"columns\":[\"a\",5,\"b\"],\"executionContext\":{\"x\":1}}}";
  CHECK_EQ_INT(gf__fc_parse_command(text, strlen(text), &cmd, &err), GF_OK);
  CHECK_EQ_STR(cmd.function_name, "F");
  CHECK_EQ_INT((int)cmd.n_columns, 2);
  CHECK_EQ_STR(cmd.columns[1], "b");
  CHECK_EQ_STR(cmd.exec_ctx_json, "{\"x\":1}");
  gf__fc_command_free(&cmd);
  CHECK_EQ_INT(gf__fc_parse_command("{\"functionName\":\"F\"}", 20, &cmd, &err), GF_OK);
  CHECK_EQ_STR(cmd.parameters_json, "{}");
  CHECK(cmd.columns == NULL && cmd.exec_ctx_json == NULL);
  gf__fc_command_free(&cmd);
  CHECK_EQ_INT(gf__fc_parse_command("\"F\"", 3, &cmd, &err), GF_INVALID_ARGUMENT);
  char* id = NULL;
  CHECK_EQ_INT(gf__fc_parse_ticket("{\"task_id\":\"abc\"}", 17, &id, &err), GF_OK);
  CHECK_EQ_STR(id, "abc");
  free(id);
  CHECK_EQ_INT(gf__fc_parse_ticket("{\"task_id\":null}", 16, &id, &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_STR(err.message, "Incorrect ticket payload. The ticket payload does not specify 'task_id'.");
  size_t n = 0;
  char* t = gf__fc_ticket_json("abc", &n);
  CHECK_EQ_STR(t, "{\"task_id\":\"abc\"}");
  free(t);
  t = gf__fc_list_command("F", "{\"b\": 1, \"a\": [true]}", &n);
  CHECK_EQ_STR(t, "{\"functionName\":\"F\",\"metadata\":{\"b\":1,\"a\":[true]}}");
  free(t);
}

TEST(data_source_messages) {
  struct ArrowSchema s = {0};
  gf_error err = {0};
  CHECK_EQ_INT(gf_schema_init(&s, "+s", "", 0, &err), GF_OK);
  gf_metadata_entry foo = {{(const uint8_t*)"foo", 3}, {(const uint8_t*)"bar", 3}};
  char* blob = NULL;
  CHECK_EQ_INT(gf_metadata_encode(&foo, 1, &blob, &err), GF_OK);
  gf_schema_set_metadata(&s, blob);
  free(blob);
  CHECK_EQ_INT(gf_fc_add_data_source_message(&s, "test_source", "123", "test", NULL, &err), GF_OK);
  gf_bytes v = {0};
  CHECK(gf_metadata_get(s.metadata, "foo", &v) && v.len == 3 && memcmp(v.data, "bar", 3) == 0);
  CHECK(gf_metadata_get(s.metadata, GF_FC_DATA_SOURCE_MESSAGES_KEY, &v));
  const char* want = "[{\"source\":\"test_source\",\"correlation_id\":\"123\",\"type\":\"test\",\"data\":null}]";
  CHECK(v.len == strlen(want) && memcmp(v.data, want, v.len) == 0);
  CHECK_EQ_INT(gf_fc_add_data_source_message(&s, "s", "2", "info", "[1]", &err), GF_OK);
  CHECK(gf_metadata_get(s.metadata, GF_FC_DATA_SOURCE_MESSAGES_KEY, &v));
  CHECK(v.len > strlen(want) && memmem(v.data, v.len, "\"data\":[1]", 10) != NULL);
  CHECK_EQ_INT(gf_metadata_count(s.metadata), 2);
  CHECK_EQ_INT(gf_fc_add_data_source_message(&s, "s", "3", "info", "{bad", &err), GF_INVALID_ARGUMENT);
  s.release(&s);
}

int main(void) {
  RUN(report_fixture);
  RUN(label_elements_fixture);
  RUN(initiators);
  RUN(errors);
  RUN(command_and_ticket);
  RUN(data_source_messages);
  TEST_MAIN_END();
}
