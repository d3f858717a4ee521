/* C Data Interface custom metadata blobs: counting, iteration, lookup,
 * encoding and validation of untrusted blobs. Pure functions, any thread. */
#include <stdlib.h>
#include <string.h>

#include "gooddata_flight_server/arrow.h"

static int32_t read_i32(const char* p) {
  int32_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

int32_t gf_metadata_count(const char* metadata) {
  if (metadata == NULL) return 0;
  return read_i32(metadata);
}

/* *pos packs the number of entries consumed (high 32 bits) and the byte
 * offset of the next entry (low 32 bits; blobs are < 2 GiB). */
bool gf_metadata_next(const char* metadata, size_t* pos, gf_metadata_entry* entry) {
  if (metadata == NULL || pos == NULL || entry == NULL) return 0;
  uint64_t st = (uint64_t)*pos;
  uint32_t index = (uint32_t)(st >> 32);
  size_t p = st == 0 ? 4 : (size_t)(st & 0xffffffffu);
  if ((int64_t)index >= (int64_t)read_i32(metadata)) return 0;
  int32_t kl = read_i32(metadata + p);
  entry->key.data = (const uint8_t*)metadata + p + 4;
  entry->key.len = (size_t)kl;
  p += 4 + (size_t)kl;
  int32_t vl = read_i32(metadata + p);
  entry->value.data = (const uint8_t*)metadata + p + 4;
  entry->value.len = (size_t)vl;
  p += 4 + (size_t)vl;
  *pos = (size_t)(((uint64_t)(index + 1) << 32) | (uint64_t)p);
  return 1;
}

bool gf_metadata_get(const char* metadata, const char* key, gf_bytes* value) {
  if (metadata == NULL || key == NULL) return 0;
  size_t klen = strlen(key);
  int32_t n = read_i32(metadata);
  size_t p = 4;
  for (int32_t i = 0; i < n; i++) {
    int32_t kl = read_i32(metadata + p);
    const char* k = metadata + p + 4;
    p += 4 + (size_t)kl;
    int32_t vl = read_i32(metadata + p);
    const char* v = metadata + p + 4;
    p += 4 + (size_t)vl;
    if ((size_t)kl == klen && memcmp(k, key, klen) == 0) {
      if (value != NULL) {
        value->data = (const uint8_t*)v;
        value->len = (size_t)vl;
      }
      return 1;
    }
  }
  return 0;
}

size_t gf_metadata_size(const char* metadata) {
  if (metadata == NULL) return 0;
  int32_t n = read_i32(metadata);
  size_t p = 4;
  for (int32_t i = 0; i < n; i++) {
    p += 4 + (size_t)read_i32(metadata + p);
    p += 4 + (size_t)read_i32(metadata + p);
  }
  return p;
}

gf_status gf_metadata_encode(const gf_metadata_entry* entries, size_t n, char** out,
                             gf_error* err) {
  if (out == NULL) return gf_error_set(err, GF_INVALID_ARGUMENT, "gf_metadata_encode: out is NULL");
  *out = NULL;
  if (n == 0) return GF_OK;
  if (n > INT32_MAX) return gf_error_set(err, GF_INVALID_ARGUMENT, "metadata: too many entries");
  size_t total = 4;
  for (size_t i = 0; i < n; i++) {
    if (entries[i].key.len > INT32_MAX || entries[i].value.len > INT32_MAX)
      return gf_error_set(err, GF_INVALID_ARGUMENT, "metadata entry %zu: key or value too long", i);
    total += 8 + entries[i].key.len + entries[i].value.len;
    if (total > INT32_MAX)
      return gf_error_set(err, GF_INVALID_ARGUMENT, "metadata: encoded size exceeds 2 GiB");
  }
  char* buf = malloc(total);
  if (buf == NULL) return gf_error_set(err, GF_NO_MEMORY, "metadata: out of memory");
  int32_t v = (int32_t)n;
  memcpy(buf, &v, 4);
  size_t p = 4;
  for (size_t i = 0; i < n; i++) {
    const gf_bytes* parts[2] = {&entries[i].key, &entries[i].value};
    for (int j = 0; j < 2; j++) {
      v = (int32_t)parts[j]->len;
      memcpy(buf + p, &v, 4);
      if (parts[j]->len) memcpy(buf + p + 4, parts[j]->data, parts[j]->len);
      p += 4 + parts[j]->len;
    }
  }
  *out = buf;
  return GF_OK;
}

gf_status gf_metadata_validate(const char* metadata, size_t avail, gf_error* err) {
  if (metadata == NULL) return GF_OK;
  if (avail < 4) return gf_error_set(err, GF_INVALID_ARGUMENT, "metadata: truncated entry count");
  int32_t n = read_i32(metadata);
  if (n < 0) return gf_error_set(err, GF_INVALID_ARGUMENT, "metadata: negative entry count %d", n);
  size_t p = 4;
  for (int32_t i = 0; i < n; i++) {
    for (int j = 0; j < 2; j++) {
      const char* what = j == 0 ? "key" : "value";
      if (avail - p < 4)
        return gf_error_set(err, GF_INVALID_ARGUMENT, "metadata entry %d: truncated %s length", i, what);
      int32_t l = read_i32(metadata + p);
      p += 4;
      if (l < 0 || (size_t)l > avail - p)
        return gf_error_set(err, GF_INVALID_ARGUMENT, "metadata entry %d: %s length %d out of bounds",
                            i, what, l);
      p += (size_t)l;
    }
  }
  return GF_OK;
}
