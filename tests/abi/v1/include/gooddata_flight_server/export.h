/* The export macro of the public API. The library is built with
 * -fvisibility=hidden, so only declarations marked GF_API (every function in
 * these headers, all named gf_*) are exported from libgooddata_flight_server.so;
 * internals (gf__*) and the generated protobuf code stay private. Plugins use
 * GF_API too for the entry points the server looks up (GF_DECLARE_PLUGIN).
 * GF_WARN_UNUSED marks calls whose status must be read (create, parse, load,
 * decode, ...): ignoring it is a compiler warning. */
#ifndef GOODDATA_FLIGHT_SERVER_EXPORT_H
#define GOODDATA_FLIGHT_SERVER_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define GF_API __attribute__((visibility("default")))
#define GF_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define GF_API
#define GF_WARN_UNUSED
#endif

#endif
