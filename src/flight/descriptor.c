/* gf_descriptor deep copies (one allocation), protobuf conversion and the
 * public (de)serialisation. Any thread. */
#include <stdlib.h>
#include <string.h>

#include "flight/descriptor.h"

static gf_descriptor* descriptor_build(int type, const uint8_t* cmd, size_t cmd_len, size_t n_path,
                                       const char* const* path) {
  size_t size = sizeof(gf_descriptor) + n_path * sizeof(char*) + cmd_len + 1;
  for (size_t i = 0; i < n_path; i++) size += strlen(path[i]) + 1;
  gf_descriptor* d = calloc(1, size);
  if (!d) return NULL;
  char** paths = (char**)(d + 1);
  char* p = (char*)(paths + n_path);
  d->type = (gf_descriptor_type)type;
  if (cmd_len) memcpy(p, cmd, cmd_len);
  d->cmd = (gf_bytes){(const uint8_t*)p, cmd_len};
  p += cmd_len + 1;
  for (size_t i = 0; i < n_path; i++) {
    size_t l = strlen(path[i]);
    memcpy(p, path[i], l + 1);
    paths[i] = p;
    p += l + 1;
  }
  d->n_path = n_path;
  d->path = (const char* const*)paths;
  return d;
}

gf_descriptor* gf__descriptor_copy(const gf_descriptor* d) {
  if (!d) return NULL;
  return descriptor_build(d->type, d->cmd.data, d->cmd.len, d->n_path, d->path);
}

gf_descriptor* gf__descriptor_from_pb(const Arrow__Flight__Protocol__FlightDescriptor* pb) {
  return descriptor_build((int)pb->type, pb->cmd.data, pb->cmd.len, pb->n_path,
                          (const char* const*)pb->path);
}

int gf__descriptor_decode(const uint8_t* data, size_t len, gf_descriptor** out, gf_error* err) {
  Arrow__Flight__Protocol__FlightDescriptor* pb =
      arrow__flight__protocol__flight_descriptor__unpack(NULL, len, data);
  if (!pb) return gf_error_set(err, GF_INVALID_ARGUMENT, "FlightDescriptor: malformed protobuf");
  *out = gf__descriptor_from_pb(pb);
  arrow__flight__protocol__flight_descriptor__free_unpacked(pb, NULL);
  if (!*out) return gf_error_set(err, GF_NO_MEMORY, "FlightDescriptor: out of memory");
  return GF_OK;
}

void gf__descriptor_free(gf_descriptor* d) { free(d); }

gf_status gf_descriptor_deserialize(const void* data, size_t len, gf_descriptor** out,
                                    gf_error* err) {
  if (!out) return gf_error_set(err, GF_INVALID_ARGUMENT, "gf_descriptor_deserialize: out is NULL");
  *out = NULL;
  if (!data && len) return gf_error_set(err, GF_INVALID_ARGUMENT, "FlightDescriptor: data is NULL");
  return gf__descriptor_decode(data ? data : (const uint8_t*)"", len, out, err);
}

void gf_descriptor_free(gf_descriptor* d) { free(d); }

int gf__descriptor_to_pb(const gf_descriptor* d, Arrow__Flight__Protocol__FlightDescriptor* pb) {
  arrow__flight__protocol__flight_descriptor__init(pb);
  pb->type = (Arrow__Flight__Protocol__FlightDescriptor__DescriptorType)d->type;
  pb->cmd.data = (uint8_t*)d->cmd.data;
  pb->cmd.len = d->cmd.len;
  if (d->n_path) {
    pb->path = malloc(d->n_path * sizeof(char*));
    if (!pb->path) return GF_NO_MEMORY;
    for (size_t i = 0; i < d->n_path; i++) pb->path[i] = (char*)d->path[i];
    pb->n_path = d->n_path;
  }
  return GF_OK;
}

gf_status gf_descriptor_serialize(const gf_descriptor* d, uint8_t** out, size_t* len,
                                  gf_error* err) {
  Arrow__Flight__Protocol__FlightDescriptor pb;
  if (gf__descriptor_to_pb(d, &pb)) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  size_t n = arrow__flight__protocol__flight_descriptor__get_packed_size(&pb);
  uint8_t* p = malloc(n ? n : 1);
  if (!p) {
    free(pb.path);
    return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  }
  arrow__flight__protocol__flight_descriptor__pack(&pb, p);
  free(pb.path);
  *out = p;
  *len = n;
  return GF_OK;
}
