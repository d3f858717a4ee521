/* Test plugin of an older minor version: compiled against the frozen v1
 * headers, it returns a methods table whose struct_size is that of the first
 * release (GF_METHODS_V1_SIZE), so the server must ignore every field past
 * it. The plugin leaves a trap there (an `authenticate` hook refusing every
 * call) to prove it: DoAction and ListActions answer, and the methods it does
 * not fill answer UNIMPLEMENTED. Callbacks run on server worker threads. */
#include <string.h>

#include <gooddata_flight_server.h>

static int do_action(void* s, gf_call* call, const gf_action* a, gf_result_list* out) {
  (void)s, (void)call;
  return gf_result_list_add(out, a->type, strlen(a->type));
}

static int list_actions(void* s, gf_call* call, gf_action_type_list* out) {
  (void)s, (void)call;
  return gf_action_type_list_add(out, "echo", "answers the action type");
}

static int trap(void* s, gf_call* call) {
  (void)s;
  return gf_call_error(call, GF_UNAUTHORIZED, "a field past struct_size was read");
}

static int factory(gf_server_context* ctx, gf_methods* m, gf_error* err) {
  (void)ctx, (void)err;
  m->struct_size = (uint32_t)GF_METHODS_V1_SIZE;
  m->abi_version = GF_PLUGIN_ABI_VERSION;
  m->do_action = do_action;
  m->list_actions = list_actions;
  m->authenticate = trap;
  return GF_OK;
}

GF_DECLARE_PLUGIN(factory)
