/* Validated [server] configuration tests: defaults, conversions, every
 * validation error message, @file resolution, unknown-key warnings,
 * redaction in the printout and the startup JSON. */
#include "config_test_util.h"
#include "config/server_config.h"
#include "test.h"

/* Loads doc+env and validates; returns the status, message in err. */
static int validate(const char* doc, char* const* envp, gf__server_config* cfg, gf_error* err) {
  gf_settings* s = load_doc(doc, envp, err);
  if (s == NULL) return err->code;
  int rc = gf__server_config_load(s, cfg, err);
  gf__settings_free(s);
  return rc;
}

static const char* file_src(int line) {
  static char b[400];
  snprintf(b, sizeof(b), "%s/cfg.toml:%d", tmp_dir(), line);
  return b;
}

TEST(defaults) {
  gf__server_config c;
  gf_error err;
  CHECK(validate("", NULL, &c, &err) == GF_OK);
  CHECK_EQ_STR(c.listen_host, "127.0.0.1");
  CHECK_EQ_INT(c.listen_port, 17001);
  CHECK(c.advertise_host != NULL && c.advertise_host[0] != '\0');
  CHECK_EQ_INT(c.advertise_port, 17001);
  CHECK_EQ_INT(c.use_tls, 0);
  CHECK(c.tls_certificate == NULL && c.token_verification == NULL && c.metrics_host == NULL);
  CHECK_EQ_INT(c.authentication_method, GF__AUTH_NONE);
  CHECK_EQ_INT(c.task_threads, 32);
  CHECK_EQ_INT(c.task_close_threads, 2);
  CHECK_EQ_INT(c.task_result_ttl_sec, 60);
  CHECK(c.task_result_max_bytes == 1073741824LL);
  CHECK_EQ_INT(c.metrics_port, 17101);
  CHECK_EQ_INT(c.health_check_port, 8877);
  CHECK_EQ_INT(c.malloc_trim_interval_sec, 30);
  CHECK_EQ_STR(c.log_event_key_name, "event");
  CHECK_EQ_STR(c.log_trace_key_trace_id, "trace_id");
  CHECK_EQ_STR(c.log_trace_key_span_id, "span_id");
  CHECK_EQ_STR(c.log_trace_key_parent_span_id, "parent_span_id");
  CHECK_EQ_INT(c.otel_exporter_type, GF__OTEL_NONE);
  CHECK(c.otel_service_instance_id != NULL);
  CHECK_EQ_INT(c.rpc_threads, 8);
  CHECK_EQ_INT(c.cq_threads, 2);
  CHECK_EQ_INT(c.shutdown_grace_sec, 10);
  CHECK(c.max_batch_bytes == 4 * 1024 * 1024 - 64 * 1024);
  CHECK(c.max_receive_message_bytes == 256 * 1024 * 1024);
  CHECK(c.max_metadata_bytes == 16384);
  CHECK_EQ_INT(c.max_concurrent_streams, 1000);
  CHECK(c.max_put_inflight_bytes == 64 * 1024 * 1024);
  CHECK_EQ_INT(c.keepalive_time_sec, 60);
  CHECK_EQ_INT(c.keepalive_timeout_sec, 20);
  CHECK_EQ_INT(c.max_connection_idle_sec, 0);
  CHECK_EQ_INT(c.stream_idle_timeout_sec, 60);
  CHECK_EQ_INT(c.stream_end_grace_ms, 50);
  CHECK(c.max_receive_buffer_bytes == 1024LL * 1024 * 1024);
  gf__server_config_free(&c);
}

TEST(values_and_conversions) {
  gf__server_config c;
  gf_error err;
  char* envp[] = {"GOODDATA_FLIGHT_SERVER__TASK_THREADS=4", "GOODDATA_FLIGHT_SERVER__USE_MTLS=TRUE",
                  NULL};
  CHECK_MSG(validate("[server]\nlisten_port = \"0\"\nadvertise_host = \"adv\"\nmetrics_host = \"0.0.0.0\"\n"
                     "authentication_method = \"TOKEN\"\notel_exporter_type = \"otlp-grpc\"\n"
                     "otel_extract_context = \"yes\"\nlog_trace_keys = { trace_id = \"tid\" }\n"
                     "max_batch_bytes = 1048576\ntoken_verification = \"/x/libstrategy.so\"\n",
                     envp, &c, &err) == GF_OK,
            "%s", err.message);
  CHECK_EQ_INT(c.listen_port, 0);
  CHECK_EQ_INT(c.advertise_port, 0); /* follows listen_port: the bound port */
  CHECK_EQ_STR(c.advertise_host, "adv");
  CHECK_EQ_STR(c.metrics_host, "0.0.0.0");
  CHECK_EQ_INT(c.authentication_method, GF__AUTH_TOKEN);
  CHECK_EQ_STR(c.token_verification, "/x/libstrategy.so");
  CHECK_EQ_INT(c.otel_exporter_type, GF__OTEL_OTLP_GRPC);
  CHECK_EQ_INT(c.otel_extract_context, 1);
  CHECK_EQ_INT(c.task_threads, 4);
  CHECK_EQ_INT(c.use_mtls, 1);
  CHECK_EQ_STR(c.log_trace_key_trace_id, "tid");
  CHECK_EQ_STR(c.log_trace_key_span_id, "span_id");
  CHECK(c.max_batch_bytes == 1048576);
  gf__server_config_free(&c);
}

TEST(validation_messages) {
  struct {
    const char* doc;
    char* env;
    const char* want; /* %s = file source */
    int line;
  } cases[] = {
      {"", "GOODDATA_FLIGHT_SERVER__LISTEN_PORT=abc",
       "server.listen_port: expected an integer in 0..65535, got \"abc\" (from env "
       "GOODDATA_FLIGHT_SERVER__LISTEN_PORT)", 0},
      {"[server]\nlisten_port = 70000\n", NULL,
       "server.listen_port: expected an integer in 0..65535, got 70000 (from %s)", 2},
      {"[server]\n\ntask_threads = 0\n", NULL,
       "server.task_threads: expected an integer in 1..4096, got 0 (from %s)", 3},
      {"[server]\ntask_close_threads = -1\n", NULL,
       "server.task_close_threads: expected an integer in 1..256, got -1 (from %s)", 2},
      {"[server]\nadvertise_port = 1.5\n", NULL,
       "server.advertise_port: expected an integer in 0..65535, got 1.5 (from %s)", 2},
      {"[server]\nuse_tls = \"maybe\"\n", NULL,
       "server.use_tls: expected a boolean (true or false), got \"maybe\" (from %s)", 2},
      {"[server]\nauthentication_method = \"basic\"\n", NULL,
       "server.authentication_method: expected one of none, token, got \"basic\" (from %s)", 2},
      {"[server]\notel_exporter_type = 3\n", NULL,
       "server.otel_exporter_type: expected one of none, console, otlp-http, otlp-grpc, zipkin, "
       "got 3 (from %s)", 2},
      {"[server]\nlisten_host = \"\"\n", NULL,
       "server.listen_host: expected a non-empty string, got \"\" (from %s)", 2},
      {"[server]\nmetrics_host = [1]\n", NULL,
       "server.metrics_host: expected a non-empty string, got an array (from %s)", 2},
      {"[server]\nlog_trace_keys = \"x\"\n", NULL,
       "server.log_trace_keys: expected a table mapping 'trace_id', 'span_id' and "
       "'parent_span_id' to log keys, got \"x\" (from %s)", 2},
      {"[server]\nlog_trace_keys.span_id = 1\n", NULL,
       "server.log_trace_keys.span_id: expected a non-empty string, got 1 (from %s)", 2},
      {"server = 1\n", NULL, "server: expected a table, got integer (from %s)", 1},
      {"[server]\nuse_tls = true\n", NULL,
       "server.tls_certificate: When you specify 'use_tls = true', then you must provide "
       "'tls_certificate'. (use_tls = true from %s)", 2},
      {"[server]\nuse_tls = true\ntls_certificate = \"C\"\n", NULL,
       "server.tls_private_key: When you specify 'use_tls = true', then you must provide "
       "'tls_private_key'. (use_tls = true from %s)", 2},
      {"[server]\nuse_tls = true\nuse_mtls = true\ntls_certificate = \"C\"\ntls_private_key = \"K\"\n",
       NULL,
       "server.tls_root_certificate: When you specify 'use_mtls = true', then you must provide "
       "'tls_root_certificate'. (use_mtls = true from %s)", 3},
      {"[server]\nauthentication_method = \"token\"\n", NULL,
       "enumerated_tokens.tokens: authentication_method = \"token\" with token_verification = "
       "\"EnumeratedTokenVerification\" requires at least one token; set 'tokens = [...]' in the "
       "[enumerated_tokens] section or the environment variable "
       "GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS (authentication_method from %s)", 2},
      {"[server]\nauthentication_method = \"token\"\n[enumerated_tokens]\ntokens = [\"ok\", 5]\n", NULL,
       "enumerated_tokens.tokens: expected a list of non-empty strings, got *** (integer) at index "
       "1 (from %s)", 4},
      {"[enumerated_tokens]\ntokens = 5\n", NULL,
       "enumerated_tokens.tokens: expected a list of non-empty strings, got *** (integer) at index "
       "0 (from %s)", 2},
      {"[server]\ntls_private_key = 5\n", NULL,
       "server.tls_private_key: expected a non-empty string, got *** (integer) (from %s)", 2},
      {"[server]\nmax_batch_bytes = 10\n", NULL,
       "server.max_batch_bytes: expected an integer in 1024..2147483647, got 10 (from %s)", 2},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    gf__server_config c;
    gf_error err = {0};
    char* envp[] = {cases[i].env, NULL};
    int rc = validate(cases[i].doc, envp, &c, &err);
    CHECK_MSG(rc == GF_INVALID_ARGUMENT, "case %zu: rc %d", i, rc);
    char want[1024];
    snprintf(want, sizeof(want), cases[i].want, file_src(cases[i].line));
    CHECK_MSG(strcmp(err.message, want) == 0, "case %zu:\n   got: %s\n  want: %s", i, err.message, want);
    CHECK(strchr(err.message, '\n') == NULL);
  }
}

TEST(at_file_resolution) {
  const char* cert = write_file("cert.pem", "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n");
  const char* key = write_file("key.pem", "KEYDATA\n");
  const char* tok = write_file("token.txt", "  secret-token\n");
  char e1[600], e2[600], e3[600];
  snprintf(e1, sizeof(e1), "GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE= @%s ", cert);
  snprintf(e2, sizeof(e2), "GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY=@%s", key);
  snprintf(e3, sizeof(e3), "GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=[\"inline\", \"@%s\"]", tok);
  char* envp[] = {e1, e2, e3, NULL};
  gf__server_config c;
  gf_error err;
  CHECK_MSG(validate("[server]\nuse_tls = true\nauthentication_method = \"token\"\n"
                     "tls_root_certificate = \"@/nonexistent/ignored-without-mtls\"\n",
                     envp, &c, &err) == GF_OK,
            "%s", err.message);
  CHECK_EQ_STR(c.tls_certificate, "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n");
  CHECK_EQ_STR(c.tls_private_key, "KEYDATA\n");
  CHECK(c.tls_root_certificate == NULL);
  CHECK_EQ_INT(c.n_enumerated_tokens, 2);
  CHECK_EQ_STR(c.enumerated_tokens[0], "inline");
  CHECK_EQ_STR(c.enumerated_tokens[1], "secret-token");
  CHECK_EQ_STR(c.token_verification, "EnumeratedTokenVerification");
  gf__server_config_free(&c);
}

TEST(at_file_errors) {
  gf__server_config c;
  gf_error err;
  CHECK(validate("[server]\nuse_tls = true\ntls_certificate = \"@/nonexistent/cert.pem\"\n"
                 "tls_private_key = \"k\"\n",
                 NULL, &c, &err) == GF_INVALID_ARGUMENT);
  char want[600];
  snprintf(want, sizeof(want),
           "server.tls_certificate: cannot read file \"/nonexistent/cert.pem\": No such file or "
           "directory (from %s)", file_src(3));
  CHECK_EQ_STR(err.message, want);
  char doc[600];
  snprintf(doc, sizeof(doc), "[enumerated_tokens]\ntokens = [\"@%s\"]\n", tmp_dir());
  CHECK(validate(doc, NULL, &c, &err) == GF_INVALID_ARGUMENT);
  snprintf(want, sizeof(want), "enumerated_tokens.tokens: cannot read file \"%s\": Is a directory (from %s)",
           tmp_dir(), file_src(2));
  CHECK_EQ_STR(err.message, want);
}

TEST(single_string_token_and_method_none_drops_strategy) {
  gf__server_config c;
  gf_error err;
  char* envp[] = {"GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=abc", NULL};
  CHECK(validate("[server]\ntoken_verification = \"X\"\n", envp, &c, &err) == GF_OK);
  CHECK_EQ_INT(c.n_enumerated_tokens, 1);
  CHECK_EQ_STR(c.enumerated_tokens[0], "abc");
  CHECK(c.token_verification == NULL);
  gf__server_config_free(&c);
}

TEST(unknown_key_warnings) {
  gf_error err;
  gf_settings* s = load_doc("[server]\nlisten_prot = 1\ncompletely_unrelated = 2\n"
                            "log_trace_keys = { span = \"s\" }\nuse_mtls = true\n"
                            "[enumerated_tokens]\ntoken = [\"a\"]\n",
                            NULL, &err);
  CHECK(s != NULL);
  char** w = NULL;
  size_t n = 0;
  CHECK(gf__server_config_warnings(s, &w, &n) == GF_OK);
  CHECK_EQ_INT(n, 5);
  char want[600];
  snprintf(want, sizeof(want), "server.listen_prot: unknown setting (from %s); did you mean 'listen_port'?",
           file_src(2));
  CHECK_EQ_STR(w[0], want);
  snprintf(want, sizeof(want), "server.completely_unrelated: unknown setting (from %s)", file_src(3));
  CHECK_EQ_STR(w[1], want);
  CHECK(strstr(w[2], "enumerated_tokens.token: unknown setting") && strstr(w[2], "did you mean 'tokens'?"));
  CHECK(strstr(w[3], "server.log_trace_keys.span: unknown setting") && strstr(w[3], "'span_id'"));
  CHECK(strstr(w[4], "server.use_mtls: has no effect without 'use_tls = true'"));
  gf__strv_free(w, n);
  /* warnings do not fail validation */
  gf__server_config c;
  CHECK(gf__server_config_load(s, &c, &err) == GF_OK);
  gf__server_config_free(&c);
  gf__settings_free(s);
}

static char* print_to_string(const gf_settings* s) {
  char* text = NULL;
  size_t len = 0;
  FILE* m = open_memstream(&text, &len);
  if (m == NULL) return NULL;
  gf__config_print(s, m);
  fclose(m);
  return text;
}

TEST(print_shows_sources_and_redacts) {
  char* envp[] = {"GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY=-----BEGIN PRIVATE KEY-----SUPERSECRET",
                  "GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=[\"tok-AAA\", \"tok-BBB\"]", NULL};
  gf_error err;
  gf_settings* s = load_doc("[server]\nlisten_port = 18000\nlisten_prot = 1\n"
                            "[my_service]\nopt1 = \"value\"\ndb.password = \"hunter2\"\n",
                            envp, &err);
  CHECK(s != NULL);
  char* text = print_to_string(s);
  CHECK(text != NULL);
  char want[600];
  snprintf(want, sizeof(want), "listen_port = 18000  # %s\n", file_src(2));
  CHECK_MSG(strstr(text, want), "%s", text);
  CHECK(strstr(text, "listen_host = \"127.0.0.1\"  # default\n"));
  CHECK(strstr(text, "task_threads = 32  # default\n"));
  CHECK(strstr(text, "advertise_port = 18000  # "));
  CHECK(strstr(text, "tls_private_key = \"***\"  # env GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY\n"));
  CHECK(strstr(text, "tokens = [\"***\", \"***\"]  # env GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS\n"));
  CHECK(strstr(text, "# tls_certificate is not set\n"));
  CHECK(strstr(text, "listen_prot = 1  # "));
  CHECK(strstr(text, "[my_service]\nopt1 = \"value\"  # "));
  CHECK(strstr(text, "db.password = \"***\"  # "));
  CHECK(strstr(text, "SUPERSECRET") == NULL && strstr(text, "tok-AAA") == NULL &&
        strstr(text, "hunter2") == NULL);
  free(text);
  gf__settings_free(s);
}

TEST(json_is_redacted) {
  const char* cert_text =
      "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
      "GHIJKLMNOPQRSTUVWXYZ\n-----END CERTIFICATE-----\n";
  const char* cert = write_file("c2.pem", cert_text);
  char e1[600];
  snprintf(e1, sizeof(e1), "GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE=@%s", cert);
  char* envp[] = {e1, "GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY=KEY-SECRET-XYZ",
                  "GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=[\"tok-AAA\"]", NULL};
  gf__server_config c;
  gf_error err;
  CHECK_MSG(validate("[server]\nuse_tls = true\nauthentication_method = \"token\"\n", envp, &c, &err) == GF_OK,
            "%s", err.message);
  char* json = NULL;
  CHECK(gf__config_to_json(&c, &json) == GF_OK);
  CHECK(json[0] == '{' && json[strlen(json) - 1] == '}');
  CHECK(strstr(json, "\"listen_port\":17001"));
  CHECK(strstr(json, "\"use_tls\":true"));
  CHECK(strstr(json, "\"authentication_method\":\"token\""));
  CHECK(strstr(json, "\"tls_private_key\":\"***\""));
  CHECK(strstr(json, "\"tls_certificate\":\"-----BEGIN CERTIFICATE-----\\nMIIBszCCAV...") != NULL);
  CHECK(strstr(json, "\"log_trace_keys\":{\"trace_id\":\"trace_id\""));
  CHECK(strstr(json, "\"enumerated_tokens\":\"1 token(s), redacted\""));
  CHECK(strstr(json, "KEY-SECRET") == NULL && strstr(json, "tok-AAA") == NULL);
  CHECK(strstr(json, "\"tls_root_certificate\":null"));
  free(json);
  gf__server_config_free(&c);
}

int main(void) {
  RUN(defaults);
  RUN(values_and_conversions);
  RUN(validation_messages);
  RUN(at_file_resolution);
  RUN(at_file_errors);
  RUN(single_string_token_and_method_none_drops_strategy);
  RUN(unknown_key_warnings);
  RUN(print_shows_sources_and_redacts);
  RUN(json_is_redacted);
  cleanup_tmp();
  TEST_MAIN_END();
}
