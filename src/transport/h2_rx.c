/* gRPC message assembly on receive (see h2_rx.h). I/O thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "transport/h2_rx.h"

/* A message up to this size gets its whole buffer at once (only touched
 * pages become resident); a larger one grows by doubling. */
#define RBUF_FIRST (64 * 1024 * 1024)
/* A message of at least ALIGN_MIN bytes has its first bytes (up to
 * PROBE_MAX) held back until payload_offset tells where its payload starts;
 * the buffer is then placed so that the payload is PAYLOAD_ALIGN aligned
 * and the layer above uses it without copying. */
#define ALIGN_MIN 4096
#define PROBE_MAX 4096
#define PAYLOAD_ALIGN 64

enum { ST_INTERNAL = 13, ST_RESOURCE = 8 };

void gf__h2_rx_stop(h2_rx* r) {
  r->failed = 1;
  free(r->rraw);
  r->rraw = r->rbuf = NULL;
  free(r->probe);
  r->probe = NULL;
  r->probing = 0;
}

static void fail(h2_rx* r, int code, const char* msg) {
  gf__h2_rx_stop(r);
  r->on_fail(r->user, code, msg);
}

int gf__h2_rx_partial(const h2_rx* r) { return r->pfx_have != 0; }

static void message_done(h2_rx* r) {
  gf__ibuf* m = gf__ibuf_from_owned_at(r->rraw, r->rbuf, r->rlen);
  size_t wire = r->rlen + 5;
  if (!m) free(r->rraw);
  r->rraw = r->rbuf = NULL;
  r->pfx_have = 0;
  if (!m) {
    fail(r, ST_RESOURCE, "out of memory");
    return;
  }
  r->on_message(r->user, m, wire);
}

/* The message's buffer; body_off (SIZE_MAX: unknown) is placed at a
 * PAYLOAD_ALIGN boundary. */
static int alloc_rbuf(h2_rx* r, size_t body_off) {
  r->rcap = r->rlen < RBUF_FIRST ? r->rlen : RBUF_FIRST;
  size_t extra = body_off < r->rlen && r->rcap == r->rlen ? PAYLOAD_ALIGN : 0;
  r->rraw = malloc(r->rcap + extra ? r->rcap + extra : 1);
  if (!r->rraw) {
    fail(r, ST_RESOURCE, "out of memory");
    return -1;
  }
  size_t shift =
      extra ? (PAYLOAD_ALIGN - ((uintptr_t)r->rraw + body_off) % PAYLOAD_ALIGN) % PAYLOAD_ALIGN : 0;
  r->rbuf = r->rraw + shift;
  return 0;
}

static int start_message(h2_rx* r) {
  if (r->pfx[0] & 1) {
    fail(r, ST_INTERNAL, "compressed message received without grpc-encoding (identity only)");
    return -1;
  }
  uint32_t n =
      (uint32_t)r->pfx[1] << 24 | (uint32_t)r->pfx[2] << 16 | (uint32_t)r->pfx[3] << 8 | r->pfx[4];
  if (r->max > 0 && (int64_t)n > r->max) {
    char msg[160];
    snprintf(msg, sizeof(msg), "Received message larger than max (%u vs. %lld)", n,
             (long long)r->max);
    fail(r, ST_RESOURCE, msg);
    return -1;
  }
  r->rlen = n;
  r->rhave = 0;
  if (n >= ALIGN_MIN && n <= RBUF_FIRST && r->payload_offset) {
    if (!r->probe) r->probe = malloc(PROBE_MAX);
    if (r->probe) {
      r->probing = 1;
      r->probe_have = 0;
      return 0;
    }
  }
  if (alloc_rbuf(r, SIZE_MAX)) return -1;
  if (n == 0) message_done(r);
  return 0;
}

/* Takes a message's first bytes until its payload offset is known (or
 * PROBE_MAX / the whole message is held), then moves them to its buffer.
 * Returns the bytes taken, or -1 when the receive failed. */
static ssize_t probe_take(h2_rx* r, const uint8_t* p, size_t len) {
  size_t room = PROBE_MAX - r->probe_have;
  if (room > r->rlen - r->probe_have) room = r->rlen - r->probe_have;
  size_t take = len < room ? len : room;
  memcpy(r->probe + r->probe_have, p, take);
  r->probe_have += take;
  size_t off = SIZE_MAX;
  int k = r->payload_offset(r->probe, r->probe_have, &off);
  if (k == 0 && r->probe_have < PROBE_MAX && r->probe_have < r->rlen) return (ssize_t)take;
  r->probing = 0;
  if (alloc_rbuf(r, k == 1 ? off : SIZE_MAX)) return -1;
  memcpy(r->rbuf, r->probe, r->probe_have);
  r->rhave = r->probe_have;
  free(r->probe); /* held only while a message start is probed */
  r->probe = NULL;
  if (r->rhave == r->rlen) message_done(r);
  return (ssize_t)take;
}

uint8_t* gf__h2_rx_direct(h2_rx* r, size_t* len) {
  if (r->failed || r->pfx_have < 5 || r->probing || !r->rbuf) return NULL;
  size_t lim = r->rcap < r->rlen ? r->rcap : r->rlen;
  if (r->rhave >= lim) return NULL;
  *len = lim - r->rhave;
  return r->rbuf + r->rhave;
}

/* Appends body bytes; grows the buffer past RBUF_FIRST. */
static int body_take(h2_rx* r, const uint8_t* p, size_t take) {
  if (r->rhave + take > r->rcap) {
    size_t cap = r->rcap ? r->rcap : 4096;
    while (cap < r->rhave + take) cap = cap * 2 > r->rlen ? r->rlen : cap * 2;
    uint8_t* b = realloc(r->rraw, cap); /* rbuf == rraw: no alignment beyond RBUF_FIRST */
    if (!b) {
      fail(r, ST_RESOURCE, "out of memory");
      return -1;
    }
    r->rraw = r->rbuf = b;
    r->rcap = cap;
  }
  if (p != r->rbuf + r->rhave) memcpy(r->rbuf + r->rhave, p, take); /* else read in place */
  r->rhave += take;
  if (r->rhave == r->rlen) message_done(r);
  return 0;
}

void gf__h2_rx_data(h2_rx* r, const uint8_t* p, size_t len) {
  while (len > 0 && !r->failed) {
    if (r->pfx_have < 5) {
      size_t take = 5 - (size_t)r->pfx_have < len ? 5 - (size_t)r->pfx_have : len;
      memcpy(r->pfx + r->pfx_have, p, take);
      r->pfx_have += (int)take;
      p += take;
      len -= take;
      if (r->pfx_have == 5 && start_message(r)) return;
      continue;
    }
    if (r->probing) {
      ssize_t t = probe_take(r, p, len);
      if (t < 0) return;
      p += t;
      len -= (size_t)t;
      continue;
    }
    size_t take = r->rlen - r->rhave < len ? r->rlen - r->rhave : len;
    if (body_take(r, p, take)) return;
    p += take;
    len -= take;
  }
}
