/* FlightInfo, FlightEndpoint and PollInfo objects and their protobuf forms
 * (protoc-c). Any thread; not shared between threads while being built. */
#include <stdlib.h>
#include <string.h>

#include "flight/descriptor.h"
#include "flight/flightdata.h"
#include "flight/info.h"
#include "gooddata_flight_server/ipc.h"

struct gf_flight_endpoint {
  uint8_t* ticket;
  size_t ticket_len;
  char** locs;
  size_t n_locs;
  int has_exp;
  int64_t sec;
  int32_t nanos;
  uint8_t* app_md;
  size_t app_len;
};

struct gf_flight_info {
  uint8_t* schema;
  size_t schema_len;
  gf_descriptor* desc;
  gf_flight_endpoint** eps;
  size_t n_eps, cap_eps;
  int64_t total_records, total_bytes;
  int ordered;
  uint8_t* app_md;
  size_t app_len;
};

struct gf_poll_info {
  gf_flight_info* info;
  gf_descriptor* desc;
  int has_progress;
  double progress;
  int has_exp;
  int64_t sec;
  int32_t nanos;
};

static int set_bytes(uint8_t** dst, size_t* dst_len, const void* data, size_t len) {
  uint8_t* p = NULL;
  if (len) {
    p = malloc(len);
    if (!p) return GF_NO_MEMORY;
    memcpy(p, data, len);
  }
  free(*dst);
  *dst = p;
  *dst_len = len;
  return GF_OK;
}

gf_flight_info* gf_flight_info_create(void) {
  gf_flight_info* i = calloc(1, sizeof(*i));
  if (i) i->total_records = i->total_bytes = -1;
  return i;
}

static void endpoint_free(gf_flight_endpoint* e) {
  if (!e) return;
  free(e->ticket);
  for (size_t i = 0; i < e->n_locs; i++) free(e->locs[i]);
  free(e->locs);
  free(e->app_md);
  free(e);
}

void gf_flight_info_free(gf_flight_info* info) {
  if (!info) return;
  free(info->schema);
  gf__descriptor_free(info->desc);
  for (size_t i = 0; i < info->n_eps; i++) endpoint_free(info->eps[i]);
  free(info->eps);
  free(info->app_md);
  free(info);
}

gf_status gf_flight_info_set_schema(gf_flight_info* info, const struct ArrowSchema* schema,
                                    gf_error* err) {
  uint8_t* p = NULL;
  size_t n = 0;
  int rc = gf_ipc_serialize_schema(schema, &p, &n, err);
  if (rc) return rc;
  free(info->schema);
  info->schema = p;
  info->schema_len = n;
  return GF_OK;
}

gf_status gf_flight_info_set_schema_bytes(gf_flight_info* info, const void* data, size_t len) {
  return set_bytes(&info->schema, &info->schema_len, data, len);
}

gf_status gf_flight_info_set_descriptor(gf_flight_info* info, const gf_descriptor* d) {
  gf_descriptor* c = NULL;
  if (d && !(c = gf__descriptor_copy(d))) return GF_NO_MEMORY;
  gf__descriptor_free(info->desc);
  info->desc = c;
  return GF_OK;
}

void gf_flight_info_set_total_records(gf_flight_info* info, int64_t n) { info->total_records = n; }
void gf_flight_info_set_total_bytes(gf_flight_info* info, int64_t n) { info->total_bytes = n; }
void gf_flight_info_set_ordered(gf_flight_info* info, int ordered) { info->ordered = !!ordered; }

gf_status gf_flight_info_set_app_metadata(gf_flight_info* info, const void* data, size_t len) {
  return set_bytes(&info->app_md, &info->app_len, data, len);
}

gf_flight_endpoint* gf_flight_info_add_endpoint(gf_flight_info* info, const void* ticket, size_t len) {
  if (info->n_eps == info->cap_eps) {
    size_t cap = info->cap_eps ? info->cap_eps * 2 : 4;
    gf_flight_endpoint** e = realloc(info->eps, cap * sizeof(*e));
    if (!e) return NULL;
    info->eps = e;
    info->cap_eps = cap;
  }
  gf_flight_endpoint* ep = calloc(1, sizeof(*ep));
  if (!ep || set_bytes(&ep->ticket, &ep->ticket_len, ticket, len)) {
    free(ep);
    return NULL;
  }
  info->eps[info->n_eps++] = ep;
  return ep;
}

gf_status gf_flight_endpoint_add_location(gf_flight_endpoint* ep, const char* uri) {
  char** l = realloc(ep->locs, (ep->n_locs + 1) * sizeof(char*));
  if (!l) return GF_NO_MEMORY;
  ep->locs = l;
  if (!(l[ep->n_locs] = strdup(uri ? uri : ""))) return GF_NO_MEMORY;
  ep->n_locs++;
  return GF_OK;
}

void gf_flight_endpoint_set_expiration(gf_flight_endpoint* ep, int64_t seconds, int32_t nanos) {
  ep->has_exp = 1;
  ep->sec = seconds;
  ep->nanos = nanos;
}

gf_status gf_flight_endpoint_set_app_metadata(gf_flight_endpoint* ep, const void* data,
                                              size_t len) {
  return set_bytes(&ep->app_md, &ep->app_len, data, len);
}

gf_flight_endpoint* gf_flight_endpoint_create(const void* ticket, size_t len) {
  gf_flight_endpoint* ep = calloc(1, sizeof(*ep));
  if (ep && set_bytes(&ep->ticket, &ep->ticket_len, ticket, len)) {
    free(ep);
    return NULL;
  }
  return ep;
}

void gf_flight_endpoint_free(gf_flight_endpoint* ep) { endpoint_free(ep); }

gf_status gf_flight_endpoint_set_ticket(gf_flight_endpoint* ep, const void* ticket, size_t len) {
  return set_bytes(&ep->ticket, &ep->ticket_len, ticket, len);
}

gf_flight_endpoint* gf_flight_endpoint_copy(const gf_flight_endpoint* src) {
  gf_flight_endpoint* ep = gf_flight_endpoint_create(src->ticket, src->ticket_len);
  int rc = ep ? GF_OK : GF_NO_MEMORY;
  for (size_t i = 0; !rc && i < src->n_locs; i++) rc = gf_flight_endpoint_add_location(ep, src->locs[i]);
  if (!rc) rc = set_bytes(&ep->app_md, &ep->app_len, src->app_md, src->app_len);
  if (rc) {
    endpoint_free(ep);
    return NULL;
  }
  ep->has_exp = src->has_exp;
  ep->sec = src->sec;
  ep->nanos = src->nanos;
  return ep;
}

gf_bytes gf_flight_info_schema_bytes(const gf_flight_info* info) {
  return (gf_bytes){info->schema, info->schema_len};
}

gf_status gf_flight_info_schema(const gf_flight_info* info, struct ArrowSchema* out,
                                gf_error* err) {
  if (!info->schema_len) return gf_error_set(err, GF_NOT_FOUND, "FlightInfo has no schema");
  return gf_ipc_deserialize_schema(info->schema, info->schema_len, out, err);
}

const gf_descriptor* gf_flight_info_descriptor(const gf_flight_info* info) { return info->desc; }
int64_t gf_flight_info_total_records(const gf_flight_info* info) { return info->total_records; }
int64_t gf_flight_info_total_bytes(const gf_flight_info* info) { return info->total_bytes; }
bool gf_flight_info_ordered(const gf_flight_info* info) { return info->ordered; }
gf_bytes gf_flight_info_app_metadata(const gf_flight_info* info) { return (gf_bytes){info->app_md, info->app_len}; }
size_t gf_flight_info_endpoint_count(const gf_flight_info* info) { return info->n_eps; }

const gf_flight_endpoint* gf_flight_info_endpoint(const gf_flight_info* info, size_t i) {
  return i < info->n_eps ? info->eps[i] : NULL;
}

gf_bytes gf_flight_endpoint_ticket(const gf_flight_endpoint* ep) { return (gf_bytes){ep->ticket, ep->ticket_len}; }
size_t gf_flight_endpoint_location_count(const gf_flight_endpoint* ep) { return ep->n_locs; }

const char* gf_flight_endpoint_location(const gf_flight_endpoint* ep, size_t i) {
  return i < ep->n_locs ? ep->locs[i] : NULL;
}

bool gf_flight_endpoint_expiration(const gf_flight_endpoint* ep, int64_t* seconds, int32_t* nanos) {
  if (!ep->has_exp) return 0;
  if (seconds) *seconds = ep->sec;
  if (nanos) *nanos = ep->nanos;
  return 1;
}

gf_bytes gf_flight_endpoint_app_metadata(const gf_flight_endpoint* ep) { return (gf_bytes){ep->app_md, ep->app_len}; }

/* ---- protobuf views (borrowing) -------------------------------------------------------- */

typedef struct ep_pb {
  Arrow__Flight__Protocol__FlightEndpoint ep;
  Arrow__Flight__Protocol__Ticket ticket;
  Google__Protobuf__Timestamp ts;
  Arrow__Flight__Protocol__Location* locs;
  Arrow__Flight__Protocol__Location** loc_ptrs;
} ep_pb;

static int ep_to_pb(const gf_flight_endpoint* e, ep_pb* v) {
  memset(v, 0, sizeof(*v));
  arrow__flight__protocol__flight_endpoint__init(&v->ep);
  arrow__flight__protocol__ticket__init(&v->ticket);
  v->ticket.ticket = (ProtobufCBinaryData){e->ticket_len, e->ticket};
  v->ep.ticket = &v->ticket;
  if (e->n_locs) {
    v->locs = calloc(e->n_locs, sizeof(*v->locs));
    v->loc_ptrs = calloc(e->n_locs, sizeof(*v->loc_ptrs));
    if (!v->locs || !v->loc_ptrs) return GF_NO_MEMORY;
    for (size_t i = 0; i < e->n_locs; i++) {
      arrow__flight__protocol__location__init(&v->locs[i]);
      v->locs[i].uri = e->locs[i];
      v->loc_ptrs[i] = &v->locs[i];
    }
    v->ep.n_location = e->n_locs;
    v->ep.location = v->loc_ptrs;
  }
  if (e->has_exp) {
    google__protobuf__timestamp__init(&v->ts);
    v->ts.seconds = e->sec;
    v->ts.nanos = e->nanos;
    v->ep.expiration_time = &v->ts;
  }
  v->ep.app_metadata = (ProtobufCBinaryData){e->app_len, e->app_md};
  return GF_OK;
}

static void ep_pb_free(ep_pb* v) {
  free(v->locs);
  free(v->loc_ptrs);
}

typedef struct info_pb {
  Arrow__Flight__Protocol__FlightInfo info;
  Arrow__Flight__Protocol__FlightDescriptor desc;
  ep_pb* eps;
  Arrow__Flight__Protocol__FlightEndpoint** ep_ptrs;
  size_t n_eps;
} info_pb;

static void info_pb_free(info_pb* v) {
  for (size_t i = 0; i < v->n_eps; i++) ep_pb_free(&v->eps[i]);
  free(v->eps);
  free(v->ep_ptrs);
  free(v->desc.path);
}

static int info_to_pb(const gf_flight_info* in, info_pb* v) {
  memset(v, 0, sizeof(*v));
  arrow__flight__protocol__flight_info__init(&v->info);
  v->info.schema = (ProtobufCBinaryData){in->schema_len, in->schema};
  if (in->desc) {
    if (gf__descriptor_to_pb(in->desc, &v->desc)) return GF_NO_MEMORY;
    v->info.flight_descriptor = &v->desc;
  }
  if (in->n_eps) {
    v->eps = calloc(in->n_eps, sizeof(*v->eps));
    v->ep_ptrs = calloc(in->n_eps, sizeof(*v->ep_ptrs));
    if (!v->eps || !v->ep_ptrs) return GF_NO_MEMORY;
    for (size_t i = 0; i < in->n_eps; i++) {
      v->n_eps++;
      if (ep_to_pb(in->eps[i], &v->eps[i])) return GF_NO_MEMORY;
      v->ep_ptrs[i] = &v->eps[i].ep;
    }
    v->info.n_endpoint = in->n_eps;
    v->info.endpoint = v->ep_ptrs;
  }
  v->info.total_records = in->total_records;
  v->info.total_bytes = in->total_bytes;
  v->info.ordered = in->ordered;
  v->info.app_metadata = (ProtobufCBinaryData){in->app_len, in->app_md};
  return GF_OK;
}

static int pack_msg(const ProtobufCMessage* m, uint8_t** out, size_t* len, gf_error* err) {
  size_t n = protobuf_c_message_get_packed_size(m);
  uint8_t* p = malloc(n ? n : 1);
  if (!p) return gf_error_set(err, GF_NO_MEMORY, "out of memory");
  protobuf_c_message_pack(m, p);
  *out = p;
  *len = n;
  return GF_OK;
}

gf_status gf_flight_info_serialize(const gf_flight_info* info, uint8_t** out, size_t* len,
                                   gf_error* err) {
  info_pb v;
  int rc = info_to_pb(info, &v);
  if (rc) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
  else rc = pack_msg(&v.info.base, out, len, err);
  info_pb_free(&v);
  return rc;
}

int gf__flight_endpoint_serialize(const gf_flight_endpoint* ep, uint8_t** out, size_t* len, gf_error* err) {
  ep_pb v;
  int rc = ep_to_pb(ep, &v);
  if (rc) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
  else rc = pack_msg(&v.ep.base, out, len, err);
  ep_pb_free(&v);
  return rc;
}

/* ---- from protobuf --------------------------------------------------------------------- */

/* Fills `ep` (already holding the ticket) from the protobuf endpoint. */
static int ep_fill_from_pb(gf_flight_endpoint* ep, const Arrow__Flight__Protocol__FlightEndpoint* e) {
  int rc = GF_OK;
  for (size_t j = 0; !rc && j < e->n_location; j++) rc = gf_flight_endpoint_add_location(ep, e->location[j]->uri);
  if (!rc && e->expiration_time) gf_flight_endpoint_set_expiration(ep, e->expiration_time->seconds, e->expiration_time->nanos);
  if (!rc) rc = gf_flight_endpoint_set_app_metadata(ep, e->app_metadata.data, e->app_metadata.len);
  return rc;
}

int gf__flight_endpoint_from_pb(const Arrow__Flight__Protocol__FlightEndpoint* e, gf_flight_endpoint** out) {
  const Arrow__Flight__Protocol__Ticket* t = e->ticket;
  gf_flight_endpoint* ep =
      gf_flight_endpoint_create(t ? t->ticket.data : NULL, t ? t->ticket.len : 0);
  if (!ep) return GF_NO_MEMORY;
  int rc = ep_fill_from_pb(ep, e);
  if (rc) {
    endpoint_free(ep);
    return rc;
  }
  *out = ep;
  return GF_OK;
}

static int info_from_pb(const Arrow__Flight__Protocol__FlightInfo* pb, gf_flight_info** out) {
  gf_flight_info* in = gf_flight_info_create();
  if (!in) return GF_NO_MEMORY;
  int rc = gf_flight_info_set_schema_bytes(in, pb->schema.data, pb->schema.len);
  if (!rc && pb->flight_descriptor && !(in->desc = gf__descriptor_from_pb(pb->flight_descriptor))) rc = GF_NO_MEMORY;
  for (size_t i = 0; !rc && i < pb->n_endpoint; i++) {
    const Arrow__Flight__Protocol__FlightEndpoint* e = pb->endpoint[i];
    const Arrow__Flight__Protocol__Ticket* t = e->ticket;
    gf_flight_endpoint* ep = gf_flight_info_add_endpoint(in, t ? t->ticket.data : NULL, t ? t->ticket.len : 0);
    if (!ep) rc = GF_NO_MEMORY;
    else rc = ep_fill_from_pb(ep, e);
  }
  in->total_records = pb->total_records;
  in->total_bytes = pb->total_bytes;
  in->ordered = pb->ordered;
  if (!rc) rc = gf_flight_info_set_app_metadata(in, pb->app_metadata.data, pb->app_metadata.len);
  if (rc) {
    gf_flight_info_free(in);
    return rc;
  }
  *out = in;
  return GF_OK;
}

int gf__flight_info_from_pb(const Arrow__Flight__Protocol__FlightInfo* pb, gf_flight_info** out) {
  return info_from_pb(pb, out);
}

gf_status gf_flight_info_deserialize(const void* data, size_t len, gf_flight_info** out,
                                     gf_error* err) {
  Arrow__Flight__Protocol__FlightInfo* pb = arrow__flight__protocol__flight_info__unpack(NULL, len, data);
  if (!pb) return gf_error_set(err, GF_INVALID_ARGUMENT, "FlightInfo: malformed protobuf");
  int rc = info_from_pb(pb, out);
  arrow__flight__protocol__flight_info__free_unpacked(pb, NULL);
  if (rc) return gf_error_set(err, rc, "FlightInfo: out of memory");
  return GF_OK;
}

/* ---- PollInfo ---------------------------------------------------------------------------- */

gf_poll_info* gf__poll_info_new(void) {
  gf_poll_info* p = calloc(1, sizeof(*p));
  if (p && !(p->info = gf_flight_info_create())) {
    free(p);
    return NULL;
  }
  return p;
}

void gf__poll_info_free(gf_poll_info* p) {
  if (!p) return;
  gf_flight_info_free(p->info);
  gf__descriptor_free(p->desc);
  free(p);
}

gf_flight_info* gf_poll_info_info(gf_poll_info* poll) { return poll->info; }

gf_status gf_poll_info_set_descriptor(gf_poll_info* poll, const gf_descriptor* d) {
  gf_descriptor* c = NULL;
  if (d && !(c = gf__descriptor_copy(d))) return GF_NO_MEMORY;
  gf__descriptor_free(poll->desc);
  poll->desc = c;
  return GF_OK;
}

void gf_poll_info_set_progress(gf_poll_info* poll, double progress) {
  poll->has_progress = 1;
  poll->progress = progress < 0 ? 0 : progress > 1 ? 1 : progress;
}

void gf_poll_info_set_expiration(gf_poll_info* poll, int64_t seconds, int32_t nanos) {
  poll->has_exp = 1;
  poll->sec = seconds;
  poll->nanos = nanos;
}

const gf_descriptor* gf__poll_info_descriptor(const gf_poll_info* p) { return p->desc; }

int gf__poll_info_progress(const gf_poll_info* p, double* progress) {
  if (p->has_progress && progress) *progress = p->progress;
  return p->has_progress;
}

int gf__poll_info_expiration(const gf_poll_info* p, int64_t* seconds, int32_t* nanos) {
  if (!p->has_exp) return 0;
  if (seconds) *seconds = p->sec;
  if (nanos) *nanos = p->nanos;
  return 1;
}

int gf__poll_info_serialize(const gf_poll_info* p, uint8_t** out, size_t* len, gf_error* err) {
  Arrow__Flight__Protocol__PollInfo pb;
  arrow__flight__protocol__poll_info__init(&pb);
  Arrow__Flight__Protocol__FlightDescriptor desc;
  Google__Protobuf__Timestamp ts;
  memset(&desc, 0, sizeof(desc));
  info_pb v;
  int rc = info_to_pb(p->info, &v);
  pb.info = &v.info;
  if (!rc && p->desc) {
    rc = gf__descriptor_to_pb(p->desc, &desc);
    pb.flight_descriptor = &desc;
  }
  if (p->has_progress) {
    pb._progress_case = ARROW__FLIGHT__PROTOCOL__POLL_INFO___PROGRESS_PROGRESS;
    pb.progress = p->progress;
  }
  if (p->has_exp) {
    google__protobuf__timestamp__init(&ts);
    ts.seconds = p->sec;
    ts.nanos = p->nanos;
    pb.expiration_time = &ts;
  }
  if (rc) rc = gf_error_set(err, GF_NO_MEMORY, "out of memory");
  else rc = pack_msg(&pb.base, out, len, err);
  info_pb_free(&v);
  free(desc.path);
  return rc;
}

int gf__poll_info_deserialize(const void* data, size_t len, gf_poll_info** out, gf_error* err) {
  Arrow__Flight__Protocol__PollInfo* pb = arrow__flight__protocol__poll_info__unpack(NULL, len, data);
  if (!pb) return gf_error_set(err, GF_INVALID_ARGUMENT, "PollInfo: malformed protobuf");
  gf_poll_info* p = calloc(1, sizeof(*p));
  int rc = p ? GF_OK : GF_NO_MEMORY;
  if (!rc)
    rc = pb->info ? info_from_pb(pb->info, &p->info)
                  : ((p->info = gf_flight_info_create()) ? GF_OK : GF_NO_MEMORY);
  if (!rc && pb->flight_descriptor && !(p->desc = gf__descriptor_from_pb(pb->flight_descriptor))) rc = GF_NO_MEMORY;
  if (!rc && pb->_progress_case == ARROW__FLIGHT__PROTOCOL__POLL_INFO___PROGRESS_PROGRESS) {
    p->has_progress = 1;
    p->progress = pb->progress;
  }
  if (!rc && pb->expiration_time) gf_poll_info_set_expiration(p, pb->expiration_time->seconds, pb->expiration_time->nanos);
  arrow__flight__protocol__poll_info__free_unpacked(pb, NULL);
  if (rc) {
    gf__poll_info_free(p);
    return gf_error_set(err, rc, "PollInfo: out of memory");
  }
  *out = p;
  return GF_OK;
}

/* ---- single bytes field messages ---------------------------------------------------------- */

int gf__pb_bytes_field1(const void* data, size_t len, uint8_t** out, size_t* out_len) {
  uint8_t* p = malloc(1 + 10 + len);
  if (!p) return GF_NO_MEMORY;
  size_t n = 0;
  if (len) {
    p[n++] = 0x0A;
    n += gf__varint_put(p + n, len);
    memcpy(p + n, data, len);
    n += len;
  }
  *out = p;
  *out_len = n;
  return GF_OK;
}

int gf__schema_result_serialize(const uint8_t* schema, size_t len, uint8_t** out, size_t* out_len) {
  return gf__pb_bytes_field1(schema, len, out, out_len);
}
