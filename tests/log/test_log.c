/* Tests for structured logging: JSON lines, escaping, key names, dev text
 * format, per-logger levels from an INI file, whole lines under concurrent
 * writers, and log domains (a server instance's own output and levels,
 * picked by the thread's current instance and inherited by its threads). */
#include <pthread.h>
#include <stdint.h>

#include "common/instance.h"
#include "common/json.h"
#include "support/ops_util.h"
#include "log/log_internal.h"
#include "test.h"

static char g_path[64];
static int g_fd = -1;

/* Points logging at a fresh capture file with the given options. */
static int capture(gf__log_options o) {
  if (g_fd >= 0) close(g_fd), unlink(g_path);
  g_fd = capture_open(g_path);
  o.fd = g_fd;
  return gf__log_configure(&o, NULL);
}

static void capture_end(void) {
  gf__log_configure(NULL, NULL);
  if (g_fd >= 0) close(g_fd), unlink(g_path);
  g_fd = -1;
}

/* Parses the only line of the capture. */
static json_t* only_line(void) {
  size_t len = 0;
  char* text = read_all(g_path, &len);
  json_t* v = NULL;
  if (text && len > 0 && text[len - 1] == '\n' && memchr(text, '\n', len) == text + len - 1)
    v = gf__json_load(text, len, NULL);
  free(text);
  return v;
}

static const char* jstr(const json_t* o, const char* key) {
  return json_string_value(json_object_get(o, key));
}

TEST(json_line_fields_and_escaping) {
  CHECK_EQ_INT(capture((gf__log_options){0}), GF_OK);
  gf_logger* lg = gf_logger_get("gooddata_flight_server.test");
  GF_LOG(lg, GF_LOG_INFO, "some_event", GF_STR("s", "q\"b\\n\nt\t\x01 \xc3\xa9 bad\xff!"),
         GF_INT("i", -42), GF_DBL("d", 0.25), GF_DBL("nan", 0.0 / 0.0), GF_BOOL("b", 1),
         GF_JSON("j", "[1,{\"x\":2}]"), GF_STR("null", NULL), GF_STR("level", "clash"));
  json_t* v = only_line();
  CHECK(json_is_object(v));
  CHECK_EQ_STR(json_object_iter_key(json_object_iter(v)), "event");
  CHECK_EQ_STR(jstr(v, "event"), "some_event");
  CHECK_EQ_STR(jstr(v, "level"), "info");
  CHECK_EQ_STR(jstr(v, "logger"), "gooddata_flight_server.test");
  CHECK_EQ_STR(jstr(v, "s"), "q\"b\\n\nt\t\x01 \xc3\xa9 bad\xef\xbf\xbd!");
  CHECK_EQ_INT(json_integer_value(json_object_get(v, "i")), -42);
  CHECK(json_number_value(json_object_get(v, "d")) == 0.25);
  CHECK(json_is_null(json_object_get(v, "nan")));
  CHECK(json_is_true(json_object_get(v, "b")));
  CHECK(json_is_array(json_object_get(v, "j")));
  CHECK(json_is_null(json_object_get(v, "null")));
  CHECK_EQ_STR(jstr(v, "_level"), "clash");
  const char* ts = jstr(v, "timestamp");
  CHECK(ts && strlen(ts) == 27 && ts[4] == '-' && ts[10] == 'T' && ts[19] == '.' && ts[26] == 'Z');
  int y = 0;
  CHECK(sscanf(ts, "%4d-", &y) == 1 && y >= 2024);
  json_decref(v);
  capture_end();
}

TEST(custom_event_key_and_level_names) {
  CHECK_EQ_INT(capture((gf__log_options){.event_key = "msg"}), GF_OK);
  gf_logger* lg = gf_logger_get("custom");
  GF_LOG(lg, GF_LOG_CRITICAL, "boom");
  json_t* v = only_line();
  CHECK(v != NULL);
  CHECK_EQ_STR(jstr(v, "msg"), "boom");
  CHECK(json_object_get(v, "event") == NULL);
  CHECK_EQ_STR(jstr(v, "level"), "critical");
  json_decref(v);
  capture_end();
}

TEST(default_level_is_info) {
  gf_logger* lg = gf_logger_get("plain.logger");
  CHECK(!gf_log_enabled(lg, GF_LOG_DEBUG));
  CHECK(gf_log_enabled(lg, GF_LOG_INFO));
  CHECK(!gf_log_enabled(NULL, GF_LOG_CRITICAL));
}

static const char* k_ini =
    "# levels\n[loggers]\nkeys = root, ab,abc\n\n[handlers]\nkeys=h\n\n"
    "[logger_root]\nlevel=WARNING\nhandlers=h\n\n"
    "[logger_ab]\nlevel = DEBUG\nqualname = a.b\nhandlers=\n\n"
    "[logger_abc]\nlevel: ERROR\nqualname=a.b.c\n";

TEST(levels_from_ini_longest_prefix) {
  gf_logger* early = gf_logger_get("a.b.early");  /* created before configure */
  char ini[] = "/tmp/gf_ops_iniXXXXXX";
  int fd = mkstemp(ini);
  CHECK(fd >= 0);
  close(fd);
  write_file(ini, k_ini);
  gf_error err = {0};
  CHECK_EQ_INT(gf__log_configure(&(gf__log_options){.config_file = ini, .fd = 2}, &err), GF_OK);
  unlink(ini);
  CHECK(gf_log_enabled(early, GF_LOG_DEBUG));
  CHECK(!gf_log_enabled(gf_logger_get("a"), GF_LOG_INFO));
  CHECK(gf_log_enabled(gf_logger_get("a"), GF_LOG_WARNING));
  CHECK(gf_log_enabled(gf_logger_get("a.b"), GF_LOG_DEBUG));
  CHECK(gf_log_enabled(gf_logger_get("a.b.x.y"), GF_LOG_DEBUG));
  CHECK(!gf_log_enabled(gf_logger_get("a.b.c"), GF_LOG_WARNING));
  CHECK(gf_log_enabled(gf_logger_get("a.b.c.d"), GF_LOG_ERROR));
  CHECK(!gf_log_enabled(gf_logger_get("a.bc"), GF_LOG_INFO));
  gf__log_configure(NULL, NULL);
  CHECK(!gf_log_enabled(early, GF_LOG_DEBUG));
  CHECK(gf_log_enabled(gf_logger_get("a"), GF_LOG_INFO));
}

TEST(ini_errors_name_the_problem) {
  gf__log_level_rule* r = NULL;
  size_t n = 0;
  gf_error err = {0};
  const char* bad_level = "[loggers]\nkeys=root\n[logger_root]\nlevel=LOUD\n";
  CHECK_EQ_INT(gf__log_parse_ini(bad_level, strlen(bad_level), "x.ini", &r, &n, &err),
               GF_INVALID_ARGUMENT);
  CHECK_MSG(strstr(err.message, "x.ini:4") && strstr(err.message, "LOUD"), "%s", err.message);
  const char* missing = "[loggers]\nkeys=root,foo\n";
  CHECK(gf__log_parse_ini(missing, strlen(missing), "y.ini", &r, &n, &err) != GF_OK);
  CHECK_MSG(strstr(err.message, "logger_foo"), "%s", err.message);
  const char* noq = "[loggers]\nkeys=foo\n[logger_foo]\nlevel=INFO\n";
  CHECK(gf__log_parse_ini(noq, strlen(noq), "z.ini", &r, &n, &err) != GF_OK);
  CHECK_MSG(strstr(err.message, "qualname"), "%s", err.message);
  CHECK(gf__log_parse_ini("junk", 4, "w.ini", &r, &n, &err) != GF_OK);
  CHECK_EQ_INT(gf__log_configure(&(gf__log_options){.config_file = "/nonexistent/l.ini"}, &err),
               GF_IO_ERROR);
  CHECK(strstr(err.message, "/nonexistent/l.ini") != NULL);
  const char* ok = "[loggers]\nkeys=root,x\n[logger_root]\nlevel=15\n[logger_x]\nqualname=x\nlevel=NOTSET\n";
  CHECK_EQ_INT(gf__log_parse_ini(ok, strlen(ok), "ok.ini", &r, &n, &err), GF_OK);
  CHECK_EQ_INT(n, 2);
  CHECK_EQ_INT(r[0].level, 15);
  CHECK_EQ_STR(r[1].name, "x");
  CHECK_EQ_INT(r[1].level, 0);
  gf__log_rules_free(r, n);
}

TEST(dev_text_line) {
  CHECK_EQ_INT(capture((gf__log_options){.dev = 1}), GF_OK);
  gf_logger* lg = gf_logger_get("dev.logger");
  GF_LOG(lg, GF_LOG_WARNING, "event_name", GF_STR("key", "value"), GF_STR("sp", "a b"),
         GF_INT("n", 7));
  char* text = read_all(g_path, NULL);
  CHECK(text != NULL);
  const char* rest = strchr(text, ' ');
  CHECK(rest && rest - text == 27 && text[26] == 'Z');
  const char* want = " [warning  ] event_name                     key=value sp=\"a b\" n=7 logger=dev.logger\n";
  CHECK_MSG(strcmp(rest, want) == 0, "got '%s'", rest);
  CHECK(strchr(text, '\x1b') == NULL);
  free(text);
  capture_end();
}

typedef struct worker_arg {
  int id;
  gf_logger* lg;
} worker_arg;

#define THREADS 8
#define LINES 400

static void* worker(void* p) {
  worker_arg* a = p;
  char payload[3000];
  memset(payload, 'a' + a->id, sizeof payload - 1);
  payload[sizeof payload - 1] = '\0';
  for (int i = 0; i < LINES; i++)
    GF_LOG(a->lg, GF_LOG_INFO, "concurrent", GF_INT("thread", a->id), GF_INT("seq", i),
           GF_STR("payload", payload));
  return NULL;
}

TEST(concurrent_lines_are_whole) {
  CHECK_EQ_INT(capture((gf__log_options){0}), GF_OK);
  pthread_t t[THREADS];
  worker_arg args[THREADS];
  for (int i = 0; i < THREADS; i++) {
    args[i] = (worker_arg){i, gf_logger_get("concurrency")};
    pthread_create(&t[i], NULL, worker, &args[i]);
  }
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  size_t len = 0;
  char* text = read_all(g_path, &len);
  int seen[THREADS] = {0}, lines = 0, bad = 0;
  for (char *p = text, *nl; p < text + len; p = nl + 1) {
    nl = memchr(p, '\n', (size_t)(text + len - p));
    if (!nl) { bad++; break; }
    lines++;
    json_t* v = gf__json_load(p, (size_t)(nl - p), NULL);
    if (v == NULL) { bad++; continue; }
    int th = (int)json_integer_value(json_object_get(v, "thread"));
    int seq = (int)json_integer_value(json_object_get(v, "seq"));
    if (th >= 0 && th < THREADS && seq == seen[th]) seen[th]++;
    else bad++;
    json_decref(v);
  }
  free(text);
  capture_end();
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(lines, THREADS * LINES);
  for (int i = 0; i < THREADS; i++) CHECK_EQ_INT(seen[i], LINES);
}

TEST(huge_line_is_replaced_by_notice) {
  CHECK_EQ_INT(capture((gf__log_options){0}), GF_OK);
  size_t n = 60 * 1024;
  char* big = malloc(n + 1);
  memset(big, 'x', n);
  big[n] = '\0';
  gf_kv fields[40];
  for (int i = 0; i < 39; i++) fields[i] = GF_STR("f", big);
  fields[39] = (gf_kv){.type = GF_KV_END};
  gf_log_kv(gf_logger_get("big"), GF_LOG_ERROR, "big_event", fields);
  free(big);
  json_t* v = only_line();
  CHECK(v != NULL);
  CHECK_EQ_STR(jstr(v, "event"), "big_event");
  CHECK(json_is_true(json_object_get(v, "log_line_truncated")));
  json_decref(v);
  capture_end();
}

typedef struct domain_arg {
  gf__instance* in;
  int n;
} domain_arg;

static void* domain_logger(void* p) {
  domain_arg* a = p;
  gf_logger* lg = gf_logger_get("dom.worker");
  for (int i = 0; i < a->n; i++) GF_LOG(lg, GF_LOG_DEBUG, "worker_debug", GF_INT("i", i));
  return NULL;
}

static void* inherited(void* p) {
  (void)p;
  GF_LOG(gf_logger_get("dom.child"), GF_LOG_INFO, "child_line");
  return NULL;
}

/* A domain has its own output and levels; threads log through the domain of
 * their current instance, threads started with gf__thread_create inherit it,
 * the others keep the process default. Loggers created while domains come
 * and go get the right level in each. */
TEST(domains_route_by_current_instance) {
  char ini[] = "/tmp/gf_log_domXXXXXX";
  close(mkstemp(ini));
  write_file(ini, "[loggers]\nkeys=root,w\n[logger_root]\nlevel=INFO\n"
                  "[logger_w]\nlevel=DEBUG\nqualname=dom\n");
  char dpath[64];
  int dfd = capture_open(dpath);
  CHECK_EQ_INT(capture((gf__log_options){0}), GF_OK);
  gf__log_domain* d = NULL;
  CHECK_EQ_INT(gf__log_domain_new(&(gf__log_options){.fd = dfd, .dev = 1, .config_file = ini}, &d, NULL),
               GF_OK);
  unlink(ini);
  gf__instance in = {.log = d};
  pthread_t th[4];
  domain_arg a = {&in, 50};
  gf__instance* prev = gf__instance_enter(&in);
  for (int i = 0; i < 2; i++) CHECK_EQ_INT(gf__thread_create(&th[i], domain_logger, &a), 0);
  CHECK_EQ_INT(gf__thread_create(&th[2], inherited, NULL), 0);
  gf__instance_exit(prev);
  CHECK_EQ_INT(pthread_create(&th[3], NULL, domain_logger, &a), 0); /* default: DEBUG off */
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  GF_LOG(gf_logger_get("dom.main"), GF_LOG_INFO, "main_line");
  char* dt = read_all(dpath, NULL);
  char* mt = read_all(g_path, NULL);
  int n = 0;
  for (const char* q = strstr(dt, "worker_debug"); q; q = strstr(q + 1, "worker_debug")) n++;
  CHECK_EQ_INT(n, 100);
  CHECK(dt[0] != '{' && strstr(dt, "child_line") != NULL && strstr(dt, "main_line") == NULL);
  CHECK(strstr(mt, "worker_debug") == NULL && strstr(mt, "child_line") == NULL);
  CHECK(strstr(mt, "\"event\":\"main_line\"") != NULL);
  free(dt), free(mt);
  gf__log_domain* more[GF__LOG_DOMAINS];
  int made = 0;
  gf_error err = {0};
  while (made < GF__LOG_DOMAINS && gf__log_domain_new(&(gf__log_options){.fd = dfd}, &more[made], &err) == GF_OK)
    made++;
  CHECK_EQ_INT(made, GF__LOG_DOMAINS - 2); /* slot 0 is the default, d holds one */
  CHECK_EQ_INT(err.code, GF_RESOURCE_EXHAUSTED);
  for (int i = 0; i < made; i++) gf__log_domain_free(more[i]);
  gf__log_domain_free(d);
  close(dfd), unlink(dpath);
  capture_end();
}

int main(void) {
  RUN(json_line_fields_and_escaping);
  RUN(custom_event_key_and_level_names);
  RUN(default_level_is_info);
  RUN(levels_from_ini_longest_prefix);
  RUN(ini_errors_name_the_problem);
  RUN(dev_text_line);
  RUN(concurrent_lines_are_whole);
  RUN(huge_line_is_replaced_by_notice);
  RUN(domains_route_by_current_instance);
  TEST_MAIN_END();
}
