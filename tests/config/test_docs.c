/* docs/configuration.md must equal gf__config_docs_markdown() output (the
 * docs are generated from the settings table). Regenerate with
 *   build/tests/config/test_docs --write docs/configuration.md
 * Also checks that every known setting is documented with its env name. */
#include <stdlib.h>

#include "config/settings.h"
#include "config/settings_table.h"
#include "test.h"

static const char* docs_path = "docs/configuration.md";

static char* generated(void) {
  char* text = NULL;
  size_t len = 0;
  FILE* m = open_memstream(&text, &len);
  if (m == NULL) return NULL;
  gf__config_docs_markdown(m);
  fclose(m);
  return text;
}

static char* read_all(const char* path) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char* buf = NULL;
  size_t len = 0;
  FILE* m = open_memstream(&buf, &len);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) fwrite(chunk, 1, n, m);
  fclose(m);
  fclose(f);
  return buf;
}

TEST(docs_up_to_date) {
  char* want = generated();
  char* have = read_all(docs_path);
  CHECK(want != NULL);
  CHECK_MSG(have != NULL, "cannot read %s (run from the repository root)", docs_path);
  int same = strcmp(want, have) == 0;
  free(want);
  free(have);
  CHECK_MSG(same, "%s is out of date: run build/tests/config/test_docs --write %s", docs_path, docs_path);
}

TEST(every_setting_documented) {
  char* text = generated();
  CHECK(text != NULL);
  for (size_t i = 0; i < gf__settings_table_len; i++) {
    char env[160], head[200];
    gf__setting_env_name(&gf__settings_table[i], env, sizeof(env));
    snprintf(head, sizeof(head), "### `%s.%s`", gf__settings_table[i].section, gf__settings_table[i].name);
    if (!strstr(text, env) || !strstr(text, head)) {
      free(text);
      CHECK_MSG(0, "%s not documented", head);
    }
  }
  CHECK(strstr(text, "GOODDATA_FLIGHT_SERVER__LISTEN_PORT"));
  free(text);
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "--write") == 0) {
    FILE* f = fopen(argv[2], "wb");
    if (f == NULL || gf__config_docs_markdown(f) != GF_OK || fclose(f) != 0) {
      perror(argv[2]);
      return 1;
    }
    return 0;
  }
  RUN(docs_up_to_date);
  RUN(every_setting_documented);
  TEST_MAIN_END();
}
