/* A FlexConnect library that is broken in the way FC_TEST_BROKEN names
 * (abi, empty_name, no_schema, no_call, bad_metadata, on_load_fails, none):
 * drives the start-up failure tests. Read on the main thread at start-up. */
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/flexconnect.h"

GF_API extern uint32_t gf_flexconnect_abi_version;
GF_API uint32_t gf_flexconnect_abi_version = GF_FC_ABI_VERSION;

static const char* mode(void) {
  const char* m = getenv("FC_TEST_BROKEN");
  return m ? m : "none";
}

__attribute__((constructor)) static void pick_abi(void) {
  if (strcmp(mode(), "abi") == 0) gf_flexconnect_abi_version = 99;
}

static int schema(void* user, struct ArrowSchema* s, gf_error* err) {
  (void)user;
  int rc = gf_schema_init(s, "+s", "", 0, err);
  if (!rc) rc = gf_schema_allocate_children(s, 1, err);
  if (!rc) rc = gf_schema_init(s->children[0], "l", "x", 0, err);
  return rc;
}

static int call(gf_fc_invocation* inv, gf_fc_result* out, gf_error* err) {
  (void)inv;
  (void)out;
  return gf_error_set(err, GF_INTERNAL, "never called");
}

static int fail_load(void* user, gf_server_context* ctx, void** state, gf_error* err) {
  (void)user;
  (void)ctx;
  (void)state;
  return gf_error_set(err, GF_INVALID_ARGUMENT, "missing setting my_fun.url");
}

static gf_fc_function fn = {.struct_size = sizeof(gf_fc_function), .name = "BrokenFun"};

GF_API const gf_fc_library* gf_flexconnect_library_v1(void);
GF_API const gf_fc_library* gf_flexconnect_library_v1(void) {
  static const gf_fc_function* fns[] = {&fn};
  static gf_fc_library lib = {sizeof(gf_fc_library), GF_FC_ABI_VERSION, fns, 1};
  const char* m = mode();
  fn.schema = strcmp(m, "no_schema") == 0 ? NULL : schema;
  fn.call = strcmp(m, "no_call") == 0 ? NULL : call;
  if (strcmp(m, "empty_name") == 0) fn.name = "";
  if (strcmp(m, "bad_metadata") == 0) fn.metadata_json = "{not json";
  if (strcmp(m, "on_load_fails") == 0) fn.on_load = fail_load;
  return &lib;
}
