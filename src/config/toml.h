/* Internal: TOML 1.0 value tree and reader. The tree keeps table keys in
 * insertion order and every value remembers where it came from ("file:line"
 * or "env NAME"). Parsing is pure (no globals); any thread, one tree per
 * thread at a time. Trees are read-only once built. */
#ifndef GF__TOML_H
#define GF__TOML_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"

typedef enum gf__toml_type {
  GF__TOML_STRING = 1,
  GF__TOML_INTEGER,
  GF__TOML_FLOAT,
  GF__TOML_BOOL,
  GF__TOML_OFFSET_DATETIME,
  GF__TOML_LOCAL_DATETIME,
  GF__TOML_LOCAL_DATE,
  GF__TOML_LOCAL_TIME,
  GF__TOML_ARRAY,
  GF__TOML_TABLE
} gf__toml_type;

/* Definition state used while parsing (TOML's redefinition rules). */
#define GF__TOML_T_IMPLICIT 0x1  /* table created as a parent of a [header] */
#define GF__TOML_T_EXPLICIT 0x2  /* table defined by its own [header] */
#define GF__TOML_T_DOTTED 0x4    /* table created by a dotted key */
#define GF__TOML_FROZEN 0x8      /* inline table / literal array: closed */
#define GF__TOML_A_TABLES 0x10   /* array created by [[header]] */

typedef struct gf__toml_value gf__toml_value;

struct gf__toml_value {
  gf__toml_type type;
  int flags;
  char* src; /* "file:line" / "env NAME"; owned, may be NULL */
  union {
    struct { char* s; size_t len; } str;        /* STRING; s NUL-terminated */
    int64_t i;                                   /* INTEGER */
    double f;                                    /* FLOAT */
    int b;                                       /* BOOL */
    char* dt;                                    /* date/time kinds: text as written */
    struct { gf__toml_value** items; size_t n, cap; } arr;
    struct { char** keys; gf__toml_value** vals; size_t n, cap; } tab;
  } u;
};

/* Caps that keep hostile input bounded. */
#define GF__TOML_MAX_DEPTH 128
#define GF__TOML_MAX_DOC_BYTES (16u * 1024u * 1024u)

/* Parses a whole document. `name` prefixes error positions and sources
 * ("name:line:col: reason"). On success *out is a TABLE. */
int gf__toml_parse(const char* text, size_t len, const char* name, gf__toml_value** out,
                   gf_error* err);
/* Parses exactly one TOML value (surrounding blanks allowed). Values get
 * source `src`. Returns GF_INVALID_ARGUMENT if `text` is not one value. */
int gf__toml_parse_value(const char* text, size_t len, const char* src, gf__toml_value** out,
                         gf_error* err);

/* Tree helpers. */
gf__toml_value* gf__toml_new(gf__toml_type type, const char* src);
gf__toml_value* gf__toml_new_string(const char* s, size_t len, const char* src);
void gf__toml_free(gf__toml_value* v);
gf__toml_value* gf__toml_clone(const gf__toml_value* v);
int gf__toml_array_push(gf__toml_value* arr, gf__toml_value* item);
/* Appends key -> val (takes ownership of val). */
int gf__toml_table_put(gf__toml_value* tab, const char* key, size_t key_len, gf__toml_value* val);
/* Exact key lookup (TOML semantics) / case-insensitive lookup (settings). */
gf__toml_value* gf__toml_table_get(const gf__toml_value* tab, const char* key, size_t key_len);
gf__toml_value* gf__toml_table_geti(const gf__toml_value* tab, const char* key, size_t key_len);
/* Replaces the value at index i (frees the old one). */
void gf__toml_table_replace(gf__toml_value* tab, size_t i, gf__toml_value* val);
/* Index of a key (case-insensitive) or -1. */
long gf__toml_table_indexi(const gf__toml_value* tab, const char* key, size_t key_len);
/* Deep merge: keys of src override dst key by key; tables merge
 * recursively, anything else replaces. Consumes src. */
int gf__toml_merge(gf__toml_value* dst, gf__toml_value* src);
const char* gf__toml_type_name(gf__toml_type t);

#endif
