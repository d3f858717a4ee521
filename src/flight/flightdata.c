/* FlightData encoder (header segment + zero-copy body references) and
 * tolerant multi-segment decoder. Any thread; release callbacks may run on
 * gRPC-internal threads and only drop references. */
#include <stdlib.h>
#include <string.h>

#include "flight/descriptor.h"
#include "flight/flightdata.h"

static const uint8_t k_zeros[8] = {0};

size_t gf__varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

size_t gf__varint_put(uint8_t* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

/* ---- encoder ---------------------------------------------------------------- */

static void payload_release(void* user) { gf_ipc_payload_unref(user); }

static size_t field_size(size_t len) { return 1 + gf__varint_size(len) + len; }

static uint8_t* put_field(uint8_t* p, uint8_t tag, const void* data, size_t len) {
  *p++ = tag;
  p += gf__varint_put(p, len);
  if (len) memcpy(p, data, len);
  return p + len;
}

/* Sum of the body buffers padded to 8; must equal body_len for zero-copy. */
static int64_t padded_sum(const gf_ipc_payload* pl) {
  int64_t s = 0;
  for (size_t i = 0; i < pl->n_buffers; i++) s += (pl->buffers[i].len + 7) & ~(int64_t)7;
  return s;
}

static int add_body(gf_ipc_payload* pl, gf__obuf* out, gf_error* err) {
  if (pl->body_len == 0) return GF_OK;
  if (padded_sum(pl) != pl->body_len) {
    uint8_t* copy = malloc((size_t)pl->body_len);
    if (!copy) return gf_error_set(err, GF_NO_MEMORY, "FlightData body: out of memory");
    gf_ipc_payload_copy_body(pl, copy);
    return gf__obuf_add_owned(out, copy, (size_t)pl->body_len);
  }
  for (size_t i = 0; i < pl->n_buffers; i++) {
    int64_t len = pl->buffers[i].len;
    if (len <= 0 || !pl->buffers[i].data) {
      if (len > 0) return gf_error_set(err, GF_INVALID_ARGUMENT, "FlightData body: buffer %zu is NULL", i);
      continue;
    }
    gf_ipc_payload_ref(pl);
    if (gf__obuf_add_ref(out, pl->buffers[i].data, (size_t)len, payload_release, pl))
      return gf_error_set(err, GF_NO_MEMORY, "FlightData body: out of memory");
    size_t pad = (size_t)((8 - (len & 7)) & 7);
    if (pad && gf__obuf_add_static(out, k_zeros, pad))
      return gf_error_set(err, GF_NO_MEMORY, "FlightData body: out of memory");
  }
  return GF_OK;
}

int gf__flight_data_encode(const gf_descriptor* descriptor, gf_ipc_payload* payload,
                           const void* app_metadata, size_t app_metadata_len, gf__obuf* out,
                           gf_error* err) {
  uint8_t* desc = NULL;
  size_t desc_len = 0;
  if (descriptor && gf_descriptor_serialize(descriptor, &desc, &desc_len, err)) return err ? err->code : GF_NO_MEMORY;
  int with_body = payload && payload->type != GF_IPC_MESSAGE_SCHEMA;
  size_t size = 0;
  if (descriptor) size += field_size(desc_len);
  if (payload) size += field_size(payload->metadata_len);
  if (app_metadata_len) size += field_size(app_metadata_len);
  if (with_body) size += 2 + gf__varint_size((uint64_t)payload->body_len);
  uint8_t* hdr = malloc(size ? size : 1);
  if (!hdr) {
    free(desc);
    return gf_error_set(err, GF_NO_MEMORY, "FlightData header: out of memory");
  }
  uint8_t* p = hdr;
  if (descriptor) p = put_field(p, 0x0A, desc, desc_len);
  free(desc);
  if (payload) p = put_field(p, 0x12, payload->metadata, payload->metadata_len);
  if (app_metadata_len) p = put_field(p, 0x1A, app_metadata, app_metadata_len);
  if (with_body) {
    *p++ = 0xC2;
    *p++ = 0x3E;
    p += gf__varint_put(p, (uint64_t)payload->body_len);
  }
  if (gf__obuf_add_owned(out, hdr, (size_t)(p - hdr)))
    return gf_error_set(err, GF_NO_MEMORY, "FlightData header: out of memory");
  return with_body ? add_body(payload, out, err) : GF_OK;
}

/* ---- decoder ---------------------------------------------------------------- */

typedef struct cursor {
  gf__ibuf* msg;
  size_t seg, off; /* position: segment index and offset inside it */
  size_t left;     /* bytes remaining in the message */
} cursor;

static void cur_norm(cursor* c) {
  size_t n = gf__ibuf_count(c->msg);
  while (c->seg < n && c->off >= gf__ibuf_seg(c->msg, c->seg).len) {
    c->seg++;
    c->off = 0;
  }
}

static int cur_byte(cursor* c, uint8_t* b) {
  if (!c->left) return 0;
  cur_norm(c);
  *b = gf__ibuf_seg(c->msg, c->seg).data[c->off++];
  c->left--;
  return 1;
}

static int cur_varint(cursor* c, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b;
    if (!cur_byte(c, &b)) return 0;
    r |= (uint64_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return 1;
    }
  }
  return 0;
}

static void cur_copy(cursor* c, uint8_t* dst, size_t n) {
  while (n) {
    cur_norm(c);
    gf_bytes s = gf__ibuf_seg(c->msg, c->seg);
    size_t take = s.len - c->off < n ? s.len - c->off : n;
    if (dst) {
      memcpy(dst, s.data + c->off, take);
      dst += take;
    }
    c->off += take;
    c->left -= take;
    n -= take;
  }
}

static int copy_field(cursor* c, size_t len, uint8_t** out, size_t* out_len) {
  uint8_t* p = malloc(len ? len : 1);
  if (!p) return GF_NO_MEMORY;
  cur_copy(c, p, len);
  free(*out);
  *out = p;
  *out_len = len;
  return GF_OK;
}

static void body_seg_release(void* token) { gf__ibuf_seg_unref(token); }

static int read_body(cursor* c, size_t len, gf__flight_data* fd, gf_error* err) {
  if (fd->body) gf_ipc_body_unref(fd->body);
  fd->body = NULL;
  fd->has_body = 1;
  fd->body_len = len;
  if (len == 0) return GF_OK;
  cur_norm(c);
  gf_bytes s = gf__ibuf_seg(c->msg, c->seg);
  if (s.len - c->off >= len) {
    const uint8_t* kept = NULL;
    void* tok = gf__ibuf_seg_ref(c->msg, c->seg, &kept);
    if (tok) fd->body = gf_ipc_body_wrap(kept + c->off, len, body_seg_release, tok);
    if (!fd->body) {
      gf__ibuf_seg_unref(tok);
      return gf_error_set(err, GF_NO_MEMORY, "FlightData.data_body: out of memory");
    }
    cur_copy(c, NULL, len);
    return GF_OK;
  }
  uint8_t* dst = NULL;
  fd->body = gf_ipc_body_alloc(len, &dst);
  if (!fd->body) return gf_error_set(err, GF_NO_MEMORY, "FlightData.data_body: out of memory (%zu bytes)", len);
  cur_copy(c, dst, len);
  return GF_OK;
}

static int read_descriptor(cursor* c, size_t len, gf__flight_data* fd, gf_error* err) {
  uint8_t* tmp = NULL;
  size_t tl = 0;
  if (copy_field(c, len, &tmp, &tl)) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  gf_descriptor* d = NULL;
  int rc = gf__descriptor_decode(tmp, tl, &d, err);
  free(tmp);
  if (rc) return gf_error_prefix(err, "FlightData.flight_descriptor");
  gf__descriptor_free(fd->descriptor);
  fd->descriptor = d;
  return GF_OK;
}

static int skip_field(cursor* c, unsigned wt, gf_error* err) {
  uint64_t v;
  switch (wt) {
    case 0:
      if (!cur_varint(c, &v)) return gf_error_set(err, GF_INVALID_ARGUMENT, "FlightData: truncated varint");
      return GF_OK;
    case 1:
    case 5: {
      size_t n = wt == 1 ? 8 : 4;
      if (c->left < n) return gf_error_set(err, GF_INVALID_ARGUMENT, "FlightData: truncated fixed field");
      cur_copy(c, NULL, n);
      return GF_OK;
    }
    case 2:
      if (!cur_varint(c, &v) || v > c->left)
        return gf_error_set(err, GF_INVALID_ARGUMENT, "FlightData: unknown field length exceeds message");
      cur_copy(c, NULL, (size_t)v);
      return GF_OK;
    default:
      return gf_error_set(err, GF_INVALID_ARGUMENT, "FlightData: unsupported wire type %u", wt);
  }
}

static int decode_field(cursor* c, uint64_t key, gf__flight_data* fd, gf_error* err) {
  uint64_t field = key >> 3;
  unsigned wt = (unsigned)(key & 7);
  if (wt != 2 || (field != 1 && field != 2 && field != 3 && field != 1000))
    return skip_field(c, wt, err);
  uint64_t len;
  if (!cur_varint(c, &len)) return gf_error_set(err, GF_INVALID_ARGUMENT, "FlightData: truncated length of field %llu", (unsigned long long)field);
  if (len > c->left)
    return gf_error_set(err, GF_INVALID_ARGUMENT,
                        "FlightData field %llu: length %llu exceeds the %zu bytes left in the message",
                        (unsigned long long)field, (unsigned long long)len, c->left);
  switch (field) {
    case 1:
      return read_descriptor(c, (size_t)len, fd, err);
    case 2:
      fd->has_header = 1;
      if (copy_field(c, (size_t)len, &fd->header, &fd->header_len)) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
      return GF_OK;
    case 3:
      fd->has_app_metadata = 1;
      if (copy_field(c, (size_t)len, &fd->app_metadata, &fd->app_metadata_len)) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
      return GF_OK;
    default:
      return read_body(c, (size_t)len, fd, err);
  }
}

int gf__flight_data_decode(gf__ibuf* msg, gf__flight_data* out, gf_error* err) {
  memset(out, 0, sizeof(*out));
  cursor c = {msg, 0, 0, gf__ibuf_length(msg)};
  while (c.left) {
    uint64_t key;
    int rc;
    if (!cur_varint(&c, &key) || key >> 3 == 0)
      rc = gf_error_set(err, GF_INVALID_ARGUMENT, "FlightData: malformed field tag");
    else
      rc = decode_field(&c, key, out, err);
    if (rc) {
      gf__flight_data_clear(out);
      return rc;
    }
  }
  return GF_OK;
}

int gf__flight_data_decode_bytes(const uint8_t* data, size_t len, gf__flight_data* out,
                                 gf_error* err) {
  gf_bytes seg = {data, len};
  gf__ibuf* b = gf__ibuf_from_segments(&seg, 1);
  if (!b) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  int rc = gf__flight_data_decode(b, out, err);
  gf__ibuf_free(b);
  return rc;
}

void gf__flight_data_clear(gf__flight_data* fd) {
  gf__descriptor_free(fd->descriptor);
  free(fd->header);
  free(fd->app_metadata);
  if (fd->body) gf_ipc_body_unref(fd->body);
  memset(fd, 0, sizeof(*fd));
}

/* One varint at p[*i..n): 1 read, 0 runs past n, -1 longer than 10 bytes. */
static int varint_at(const uint8_t* p, size_t n, size_t* i, uint64_t* v) {
  uint64_t r = 0;
  for (int k = 0; k < 10; k++) {
    if (*i >= n) return 0;
    uint8_t b = p[(*i)++];
    r |= (uint64_t)(b & 0x7F) << (7 * k);
    if (!(b & 0x80)) {
      *v = r;
      return 1;
    }
  }
  return -1;
}

int gf__flight_data_body_offset(const uint8_t* p, size_t n, size_t* off) {
  size_t i = 0;
  for (int fields = 0; fields < 64; fields++) {
    uint64_t key, v;
    int r = varint_at(p, n, &i, &key);
    if (r <= 0) return r;
    unsigned wt = (unsigned)(key & 7);
    if (wt == 0) {
      if ((r = varint_at(p, n, &i, &v)) <= 0) return r;
      continue;
    }
    if (wt == 1 || wt == 5) {
      i += wt == 1 ? 8 : 4;
      continue;
    }
    if (wt != 2) return -1;
    if ((r = varint_at(p, n, &i, &v)) <= 0) return r;
    if (key >> 3 == 1000) {
      *off = i;
      return 1;
    }
    if (v > SIZE_MAX - i) return -1;
    i += (size_t)v;
  }
  return -1;
}
