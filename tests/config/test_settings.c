/* Settings loading tests: file order and deep merge, environment variables
 * (nesting, value parsing, precedence), missing files, lookups and the
 * public plugin API (gooddata_flight_server/config.h). */
#include "config_test_util.h"
#include "gooddata_flight_server/config.h"
#include "test.h"

TEST(missing_and_directory_files) {
  gf_settings* s = NULL;
  gf_error err;
  const char* f = "/nonexistent/gf/settings.toml";
  CHECK_EQ_INT(gf__settings_load(&f, 1, NULL, &s, &err), GF_NOT_FOUND);
  CHECK_EQ_STR(err.message, "Settings file /nonexistent/gf/settings.toml does not exist.");
  CHECK(s == NULL);
  const char* d = tmp_dir();
  CHECK_EQ_INT(gf__settings_load(&d, 1, NULL, &s, &err), GF_INVALID_ARGUMENT);
  char want[400];
  snprintf(want, sizeof(want), "Path %s is a directory and not a settings file.", d);
  CHECK_EQ_STR(err.message, want);
}

TEST(parse_error_names_file_line_col) {
  gf_error err;
  gf_settings* s = load_doc("[server]\nlisten_port = 01\n", NULL, &err);
  CHECK(s == NULL);
  char want[400];
  snprintf(want, sizeof(want), "%s/cfg.toml:2:15: invalid number", tmp_dir());
  CHECK_MSG(strncmp(err.message, want, strlen(want)) == 0, "%s", err.message);
}

TEST(later_file_overrides_key_by_key) {
  const char* files[2];
  files[0] = write_file("a.toml", "[server]\nlisten_port = 1\nlisten_host = \"h1\"\n[svc]\nx = [1, 2]\ny.z = 1\n");
  files[1] = write_file("b.toml", "[server]\nlisten_port = 2\n[svc]\nx = [3]\ny.w = 2\n");
  gf_settings* s = NULL;
  gf_error err;
  CHECK(gf__settings_load(files, 2, NULL, &s, &err) == GF_OK);
  int64_t i;
  const char* str;
  CHECK(gf_settings_get_int(s, "server.listen_port", 0, &i, &err) == GF_OK && i == 2);
  CHECK(gf_settings_get_string(s, "server.listen_host", NULL, &str, &err) == GF_OK);
  CHECK_EQ_STR(str, "h1"); /* kept from the first file */
  size_t n;
  CHECK(gf_settings_list_len(s, "svc.x", &n, &err) == GF_OK && n == 1); /* arrays replace */
  CHECK(gf_settings_get_int(s, "svc.y.z", 0, &i, &err) == GF_OK && i == 1);
  CHECK(gf_settings_get_int(s, "svc.y.w", 0, &i, &err) == GF_OK && i == 2);
  char want[400];
  snprintf(want, sizeof(want), "%s:2", files[1]);
  CHECK_EQ_STR(gf_settings_source(s, "server.listen_port"), want);
  gf__settings_free(s);
}

TEST(env_overrides_files_and_nests) {
  char* envp[] = {"GOODDATA_FLIGHT_SERVER__LISTEN_PORT=17005",
                  "GOODDATA_FLIGHT_MY_SERVICE__DEEP__ER__KEY=x",
                  "GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=[\"t1\",\"t2\"]",
                  "OTHER_VAR=1",
                  "gooddata_flight_server__listen_host=ignored",
                  "GOODDATA_FLIGHT_SERVER____BAD=1",
                  NULL};
  gf_error err;
  gf_settings* s = load_doc("[server]\nlisten_port = 1\nlisten_host = \"file\"\n[my_service]\nopt = 1\n",
                            envp, &err);
  CHECK_MSG(s != NULL, "%s", err.message);
  int64_t i;
  const char* str;
  CHECK(gf_settings_get_int(s, "server.listen_port", 0, &i, &err) == GF_OK && i == 17005);
  CHECK_EQ_STR(gf_settings_source(s, "server.listen_port"), "env GOODDATA_FLIGHT_SERVER__LISTEN_PORT");
  CHECK(gf_settings_get_string(s, "server.listen_host", NULL, &str, &err) == GF_OK);
  CHECK_EQ_STR(str, "file");
  CHECK(gf_settings_get_string(s, "my_service.deep.er.key", NULL, &str, &err) == GF_OK);
  CHECK_EQ_STR(str, "x");
  CHECK(gf_settings_get_int(s, "MY_SERVICE.OPT", 0, &i, &err) == GF_OK && i == 1); /* sibling kept */
  CHECK(gf_settings_get_string(s, "enumerated_tokens.tokens.1", NULL, &str, &err) == GF_OK);
  CHECK_EQ_STR(str, "t2");
  CHECK(!gf_settings_has(s, "server.bad"));
  gf__settings_free(s);
}

TEST(env_value_parsing) {
  struct {
    const char* text;
    gf__toml_type type;
  } cases[] = {
      {"17001", GF__TOML_INTEGER}, {"true", GF__TOML_BOOL},      {"True", GF__TOML_BOOL},
      {"False", GF__TOML_BOOL},    {"TRUE", GF__TOML_STRING},    {"1.5", GF__TOML_FLOAT},
      {"[\"a\",\"b\"]", GF__TOML_ARRAY}, {"{a=\"b\"}", GF__TOML_TABLE}, {"localhost", GF__TOML_STRING},
      {"@/path/cert.pem", GF__TOML_STRING}, {"\"quoted\"", GF__TOML_STRING}, {"", GF__TOML_STRING},
      {"0.0.0.0", GF__TOML_STRING}, {"2024-01-02", GF__TOML_LOCAL_DATE}, {"[1, 2", GF__TOML_STRING},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    gf__toml_value* v = NULL;
    CHECK(gf__settings_parse_env_value(cases[i].text, "env X", &v) == GF_OK);
    CHECK_MSG(v->type == cases[i].type, "'%s' -> %s", cases[i].text, gf__toml_type_name(v->type));
    if (v->type == GF__TOML_BOOL) CHECK(v->u.b == (cases[i].text[0] == 't' || cases[i].text[0] == 'T'));
    if (strcmp(cases[i].text, "\"quoted\"") == 0) CHECK_EQ_STR(v->u.str.s, "quoted");
    if (strcmp(cases[i].text, "localhost") == 0) CHECK_EQ_STR(v->u.str.s, "localhost");
    gf__toml_free(v);
  }
}

TEST(env_table_value_merges_and_scalar_replaces_table) {
  char* envp[] = {"GOODDATA_FLIGHT_SVC={b = 2}", "GOODDATA_FLIGHT_SVC__C=3",
                  "GOODDATA_FLIGHT_OTHER=plain", NULL};
  gf_error err;
  gf_settings* s = load_doc("[svc]\na = 1\n[other]\nx = 1\n", envp, &err);
  CHECK(s != NULL);
  int64_t i;
  CHECK(gf_settings_get_int(s, "svc.a", 0, &i, &err) == GF_OK && i == 1);
  CHECK(gf_settings_get_int(s, "svc.b", 0, &i, &err) == GF_OK && i == 2);
  CHECK(gf_settings_get_int(s, "svc.c", 0, &i, &err) == GF_OK && i == 3);
  CHECK_EQ_INT(gf_settings_type(s, "other"), GF_SETTING_STRING);
  gf__settings_free(s);
}

TEST(public_api_types_and_defaults) {
  gf_error err;
  gf_settings* s = load_doc(
      "[svc]\nname = \"n\"\ncount = 3\nratio = 0.5\nflag = true\nwhen = 2024-01-02\n"
      "hosts = [\"a\", \"b\"]\n[[svc.items]]\nk = 1\n[[svc.items]]\nk = 2\n",
      NULL, &err);
  CHECK(s != NULL);
  const char* str;
  int64_t i;
  double d;
  int b;
  size_t n;
  CHECK(gf_settings_get_string(s, "svc.missing", "dflt", &str, &err) == GF_OK);
  CHECK_EQ_STR(str, "dflt");
  CHECK(gf_settings_get_int(s, "svc.missing", 42, &i, &err) == GF_OK && i == 42);
  CHECK(gf_settings_get_float(s, "svc.count", 0, &d, &err) == GF_OK && d == 3.0);
  CHECK(gf_settings_get_float(s, "svc.ratio", 0, &d, &err) == GF_OK && d == 0.5);
  CHECK(gf_settings_get_bool(s, "svc.flag", 0, &b, &err) == GF_OK && b == 1);
  CHECK(gf_settings_get_string(s, "svc.when", NULL, &str, &err) == GF_OK);
  CHECK_EQ_STR(str, "2024-01-02");
  CHECK_EQ_INT(gf_settings_type(s, "svc.when"), GF_SETTING_DATETIME);
  CHECK(gf_settings_list_len(s, "svc.hosts", &n, &err) == GF_OK && n == 2);
  CHECK(gf_settings_get_string(s, "svc.hosts.1", NULL, &str, &err) == GF_OK);
  CHECK_EQ_STR(str, "b");
  CHECK(gf_settings_get_int(s, "svc.items.1.k", 0, &i, &err) == GF_OK && i == 2);
  CHECK(gf_settings_table_len(s, "svc", &n, &err) == GF_OK && n == 7);
  CHECK_EQ_STR(gf_settings_table_key(s, "svc", 0), "name");
  CHECK_EQ_STR(gf_settings_table_key(s, "svc", 6), "items");
  CHECK(gf_settings_table_key(s, "svc", 7) == NULL);
  CHECK(gf_settings_table_len(s, "", &n, &err) == GF_OK && n == 1);
  CHECK(gf_settings_has(s, "SVC.Name"));
  CHECK(!gf_settings_has(s, "svc.hosts.2"));
  /* type errors name path, type and source */
  CHECK_EQ_INT(gf_settings_get_int(s, "svc.name", 7, &i, &err), GF_INVALID_ARGUMENT);
  CHECK(i == 7);
  char want[400];
  snprintf(want, sizeof(want), "svc.name: expected an integer, got string (from %s/cfg.toml:2)", tmp_dir());
  CHECK_EQ_STR(err.message, want);
  CHECK_EQ_INT(gf_settings_get_bool(s, "svc.count", 0, &b, &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_settings_get_string(s, "svc.hosts", NULL, &str, &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_settings_list_len(s, "svc.name", &n, &err), GF_INVALID_ARGUMENT);
  CHECK_EQ_INT(gf_settings_table_len(s, "svc.name", &n, &err), GF_INVALID_ARGUMENT);
  CHECK(gf_settings_source(s, "svc.nope") == NULL);
  gf__settings_free(s);
}

TEST(env_only_and_empty) {
  gf_settings* s = NULL;
  gf_error err;
  char* envp[] = {"GOODDATA_FLIGHT_SERVER__USE_TLS=True", NULL};
  CHECK(gf__settings_load(NULL, 0, envp, &s, &err) == GF_OK);
  int b = 0;
  CHECK(gf_settings_get_bool(s, "server.use_tls", 0, &b, &err) == GF_OK && b == 1);
  gf__settings_free(s);
  CHECK(gf__settings_load(NULL, 0, NULL, &s, &err) == GF_OK);
  CHECK(!gf_settings_has(s, "server"));
  gf__settings_free(s);
}

int main(void) {
  RUN(missing_and_directory_files);
  RUN(parse_error_names_file_line_col);
  RUN(later_file_overrides_key_by_key);
  RUN(env_overrides_files_and_nests);
  RUN(env_value_parsing);
  RUN(env_table_value_merges_and_scalar_replaces_table);
  RUN(public_api_types_and_defaults);
  RUN(env_only_and_empty);
  cleanup_tmp();
  TEST_MAIN_END();
}
