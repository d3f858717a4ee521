/* Flight session options: the SetSessionOptions / GetSessionOptions /
 * CloseSession actions, their protobuf messages as typed objects, and a
 * cookie-based session store a service can use to keep options per client
 * session (cookie `arrow_flight_session_id`, as Arrow Flight clients expect).
 *
 * gf_session_options is an ordered name -> value map (a name appears once;
 * setting it again replaces the value). It is not thread-safe by itself; the
 * store serialises access to a session's options. */
#ifndef GOODDATA_FLIGHT_SERVER_SESSION_H
#define GOODDATA_FLIGHT_SERVER_SESSION_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/flight.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- option values ------------------------------------------------------------------------ */

typedef enum gf_session_value_type {
  GF_SESSION_VALUE_UNSET = 0, /* "remove this option" in SetSessionOptions */
  GF_SESSION_VALUE_STRING = 1,
  GF_SESSION_VALUE_BOOL = 2,
  GF_SESSION_VALUE_INT64 = 3,
  GF_SESSION_VALUE_DOUBLE = 4,
  GF_SESSION_VALUE_STRING_LIST = 5
} gf_session_value_type;

typedef struct gf_session_options gf_session_options;

GF_API gf_session_options* gf_session_options_create(void);
GF_API void gf_session_options_free(gf_session_options* o);
GF_API gf_session_options* gf_session_options_copy(const gf_session_options* o);
GF_API size_t gf_session_options_count(const gf_session_options* o);
/* Index of `name`, or -1. */
GF_API long gf_session_options_find(const gf_session_options* o, const char* name);
/* Readers of entry i (i < count). A reader of another type returns its zero
 * value ("" / 0 / empty list). Strings are borrowed until the next change. */
GF_API const char* gf_session_options_name(const gf_session_options* o, size_t i);
GF_API gf_session_value_type gf_session_options_type(const gf_session_options* o, size_t i);
GF_API const char* gf_session_options_string(const gf_session_options* o, size_t i);
GF_API bool gf_session_options_bool(const gf_session_options* o, size_t i);
GF_API int64_t gf_session_options_int64(const gf_session_options* o, size_t i);
GF_API double gf_session_options_double(const gf_session_options* o, size_t i);
GF_API size_t gf_session_options_list_len(const gf_session_options* o, size_t i);
GF_API const char* gf_session_options_list_at(const gf_session_options* o, size_t i, size_t j);
/* Setters (copy their arguments; replace an existing entry of that name). */
GF_API gf_status gf_session_options_set_string(gf_session_options* o, const char* name, const char* value);
GF_API gf_status gf_session_options_set_bool(gf_session_options* o, const char* name, int value);
GF_API gf_status gf_session_options_set_int64(gf_session_options* o, const char* name, int64_t value);
GF_API gf_status gf_session_options_set_double(gf_session_options* o, const char* name, double value);
GF_API gf_status gf_session_options_set_string_list(gf_session_options* o, const char* name,
                                                    const char* const* values, size_t n);
GF_API gf_status gf_session_options_set_unset(gf_session_options* o, const char* name);
/* Copies entry i of `src` (any type) into `dst` under the same name. */
GF_API gf_status gf_session_options_set_from(gf_session_options* dst, const gf_session_options* src, size_t i);
/* Removes `name`; returns true when it was present. */
GF_API bool gf_session_options_remove(gf_session_options* o, const char* name);

/* ---- action messages ---------------------------------------------------------------------- */

/* SetSessionOptionsRequest / GetSessionOptionsResult (both a map of
 * options). parse: GF_INVALID_ARGUMENT on malformed bytes, a value of unknown
 * kind reads as UNSET. serialize: *out freed with free(). */
GF_API GF_WARN_UNUSED gf_status gf_session_options_parse(gf_bytes body, gf_session_options** out, gf_error* err);
GF_API gf_status gf_session_options_serialize(const gf_session_options* o, uint8_t** out, size_t* len,
                                              gf_error* err);

typedef enum gf_session_option_error {
  GF_SESSION_OPTION_ERROR_UNSPECIFIED = 0,
  GF_SESSION_OPTION_ERROR_INVALID_NAME = 1,
  GF_SESSION_OPTION_ERROR_INVALID_VALUE = 2,
  GF_SESSION_OPTION_ERROR_ERROR = 3
} gf_session_option_error;

/* SetSessionOptionsResult: per-option errors. */
typedef struct gf_set_session_result gf_set_session_result;
GF_API gf_set_session_result* gf_set_session_result_create(void);
GF_API void gf_set_session_result_free(gf_set_session_result* r);
GF_API gf_status gf_set_session_result_add(gf_set_session_result* r, const char* name,
                                           gf_session_option_error error);
GF_API size_t gf_set_session_result_count(const gf_set_session_result* r);
GF_API const char* gf_set_session_result_name(const gf_set_session_result* r, size_t i);
GF_API gf_session_option_error gf_set_session_result_error(const gf_set_session_result* r, size_t i);
GF_API GF_WARN_UNUSED gf_status gf_set_session_result_parse(gf_bytes body, gf_set_session_result** out, gf_error* err);
GF_API gf_status gf_set_session_result_serialize(const gf_set_session_result* r, uint8_t** out, size_t* len,
                                                 gf_error* err);

typedef enum gf_close_session_status {
  GF_CLOSE_SESSION_UNSPECIFIED = 0,
  GF_CLOSE_SESSION_CLOSED = 1,
  GF_CLOSE_SESSION_CLOSING = 2,
  GF_CLOSE_SESSION_NOT_CLOSEABLE = 3
} gf_close_session_status;

GF_API gf_status gf_close_session_result_serialize(gf_close_session_status status, uint8_t** out, size_t* len,
                                                   gf_error* err);
GF_API GF_WARN_UNUSED gf_status gf_close_session_result_parse(gf_bytes body, gf_close_session_status* out, gf_error* err);

/* ---- cookie session store ----------------------------------------------------------------- */

typedef struct gf_session_store gf_session_store;

typedef struct gf_session_store_options {
  uint32_t struct_size;       /* sizeof(gf_session_store_options) */
  const char* cookie_name;    /* NULL: "arrow_flight_session_id" */
  int64_t idle_ttl_sec;       /* <= 0: 3600; a session unused that long is dropped */
  size_t max_sessions;        /* 0: 10000; more: RESOURCE_EXHAUSTED */
  size_t max_options;         /* per session; 0: 1024; more: RESOURCE_EXHAUSTED */
  size_t max_value_bytes;     /* per option value; 0: 65536; more: INVALID_ARGUMENT */
} gf_session_store_options;

GF_API GF_WARN_UNUSED gf_status gf_session_store_create(const gf_session_store_options* options, gf_session_store** out,
                                                        gf_error* err);
GF_API void gf_session_store_free(gf_session_store* s);

/* Changes the options of the call's session (the session named by the
 * call's cookie). With `create` and no cookie, a new session is made and
 * the call answers `set-cookie: <name>=<id>`. fn runs with the session's
 * options under the session lock; its status is returned. Errors (with the
 * call error set): no session cookie and !create -> GF_INVALID_ARGUMENT
 * "No existing session ..."; an unknown or expired id -> GF_INVALID_ARGUMENT. */
typedef gf_status (*gf_session_update_fn)(void* user, gf_session_options* options, gf_call* call);
GF_API gf_status gf_session_store_update(gf_session_store* s, gf_call* call, int create,
                                         gf_session_update_fn fn, void* user);
/* A copy of the call's session options (*out freed with gf_session_options_free). */
GF_API gf_status gf_session_store_get(gf_session_store* s, gf_call* call, gf_session_options** out);
/* Drops the call's session and answers `set-cookie: <name>=<id>; Max-Age=0`. */
GF_API gf_status gf_session_store_close_session(gf_session_store* s, gf_call* call);
GF_API size_t gf_session_store_count(gf_session_store* s);

/* The standard actions served from a store, for a service's do_action:
 * SetSessionOptions applies each entry (validate may reject a name or value
 * with a gf_session_option_error, else UNSPECIFIED = accept; NULL accepts
 * all; an UNSET value removes the option), GetSessionOptions returns the
 * options, CloseSession closes the session. Each appends exactly one Result.
 * Returns GF_NOT_FOUND without touching the call for other action types. */
typedef gf_session_option_error (*gf_session_validate_fn)(void* user, const char* name,
                                                          const gf_session_options* request,
                                                          size_t i);
GF_API gf_status gf_session_store_do_action(gf_session_store* s, gf_call* call, const gf_action* action,
                                            gf_session_validate_fn validate, void* user, gf_result_list* out);

#ifdef __cplusplus
}
#endif

#endif
