/* Helpers for the config tests: a private temp directory, writing files into
 * it, and loading settings from inline documents. */
#ifndef GF_CONFIG_TEST_UTIL_H
#define GF_CONFIG_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/settings.h"

static char cfg_tmpdir[256];

static const char* tmp_dir(void) {
  if (cfg_tmpdir[0] == '\0') {
    snprintf(cfg_tmpdir, sizeof(cfg_tmpdir), "/tmp/gf_config_test_XXXXXX");
    if (mkdtemp(cfg_tmpdir) == NULL) abort();
  }
  return cfg_tmpdir;
}

/* Writes `text` to <tmp>/<name>; returns the path (static buffer ring). */
static const char* write_file(const char* name, const char* text) {
  static char paths[8][512];
  static int next;
  char* p = paths[next++ % 8];
  snprintf(p, 512, "%s/%s", tmp_dir(), name);
  FILE* f = fopen(p, "wb");
  if (f == NULL) abort();
  fputs(text, f);
  fclose(f);
  return p;
}

static void cleanup_tmp(void) {
  if (cfg_tmpdir[0] == '\0') return;
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cfg_tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
}

/* Loads one inline document (file "<tmp>/cfg.toml") plus env entries. */
static gf_settings* load_doc(const char* doc, char* const* envp, gf_error* err) {
  const char* f = write_file("cfg.toml", doc);
  gf_settings* s = NULL;
  if (gf__settings_load(&f, 1, envp, &s, err) != GF_OK) return NULL;
  return s;
}

#endif
