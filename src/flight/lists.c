/* Output lists filled by plugin callbacks: ListFlights (FlightInfo objects),
 * DoAction (Result bodies), ListActions (ActionType). One worker at a time. */
#include <stdlib.h>
#include <string.h>

#include "flight/info.h"

struct gf_flight_list {
  gf_flight_info** items;
  size_t n, cap;
};

typedef struct result_item {
  uint8_t* body;
  size_t len;
} result_item;

struct gf_result_list {
  result_item* items;
  size_t n, cap;
};

typedef struct action_item {
  char* type;
  char* description;
} action_item;

struct gf_action_type_list {
  action_item* items;
  size_t n, cap;
};

static int grow(void** items, size_t* cap, size_t n, size_t elem) {
  if (n < *cap) return GF_OK;
  size_t c = *cap ? *cap * 2 : 8;
  void* p = realloc(*items, c * elem);
  if (!p) return GF_NO_MEMORY;
  *items = p;
  *cap = c;
  return GF_OK;
}

gf_flight_list* gf__flight_list_new(void) { return calloc(1, sizeof(gf_flight_list)); }

void gf__flight_list_free(gf_flight_list* l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) gf_flight_info_free(l->items[i]);
  free(l->items);
  free(l);
}

size_t gf__flight_list_count(const gf_flight_list* l) { return l->n; }
gf_flight_info* gf__flight_list_at(const gf_flight_list* l, size_t i) { return l->items[i]; }

gf_flight_info* gf_flight_list_add(gf_flight_list* list) {
  if (grow((void**)&list->items, &list->cap, list->n, sizeof(gf_flight_info*))) return NULL;
  gf_flight_info* i = gf_flight_info_create();
  if (i) list->items[list->n++] = i;
  return i;
}

gf_result_list* gf__result_list_new(void) { return calloc(1, sizeof(gf_result_list)); }

void gf__result_list_free(gf_result_list* l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) free(l->items[i].body);
  free(l->items);
  free(l);
}

size_t gf__result_list_count(const gf_result_list* l) { return l->n; }
gf_bytes gf__result_list_at(const gf_result_list* l, size_t i) { return (gf_bytes){l->items[i].body, l->items[i].len}; }

gf_status gf_result_list_add(gf_result_list* list, const void* body, size_t len) {
  if (grow((void**)&list->items, &list->cap, list->n, sizeof(result_item))) return GF_NO_MEMORY;
  uint8_t* p = malloc(len ? len : 1);
  if (!p) return GF_NO_MEMORY;
  if (len) memcpy(p, body, len);
  list->items[list->n++] = (result_item){p, len};
  return GF_OK;
}

gf_action_type_list* gf__action_type_list_new(void) { return calloc(1, sizeof(gf_action_type_list)); }

void gf__action_type_list_free(gf_action_type_list* l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) {
    free(l->items[i].type);
    free(l->items[i].description);
  }
  free(l->items);
  free(l);
}

size_t gf__action_type_list_count(const gf_action_type_list* l) { return l->n; }

void gf__action_type_list_at(const gf_action_type_list* l, size_t i, const char** type,
                             const char** description) {
  if (type) *type = l->items[i].type;
  if (description) *description = l->items[i].description;
}

gf_status gf_action_type_list_add(gf_action_type_list* list, const char* type,
                                  const char* description) {
  if (!type) return GF_INVALID_ARGUMENT;
  if (grow((void**)&list->items, &list->cap, list->n, sizeof(action_item))) return GF_NO_MEMORY;
  char* t = strdup(type);
  char* d = strdup(description ? description : "");
  if (!t || !d) {
    free(t);
    free(d);
    return GF_NO_MEMORY;
  }
  list->items[list->n++] = (action_item){t, d};
  return GF_OK;
}
