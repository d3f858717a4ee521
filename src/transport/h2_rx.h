/* gRPC message assembly on receive, shared by the server and the client
 * transports: the 5-byte length prefix, then the message into one buffer we
 * own (its whole size at once up to a bound, only touched pages resident),
 * read in place when h2_io puts DATA payload there, with the payload placed
 * at a 64-byte boundary when payload_offset says where it starts. Runs on
 * the connection's I/O thread. */
#ifndef GF__TRANSPORT_H2_RX_H
#define GF__TRANSPORT_H2_RX_H

#include <stddef.h>
#include <stdint.h>

#include "transport/msg.h"

typedef struct h2_rx {
  /* set by the owner before the first byte */
  int64_t max; /* largest message accepted; <= 0: no limit */
  int (*payload_offset)(const uint8_t* p, size_t n, size_t* off); /* NULL: not probed */
  /* a message completed, or the assembly failed (failed is then set and
   * nothing more is assembled) */
  void (*on_message)(void* user, gf__ibuf* msg, size_t wire);
  void (*on_fail)(void* user, int grpc_code, const char* msg);
  void* user;
  int failed;
  /* state */
  uint8_t pfx[5];
  int pfx_have;
  uint8_t* rraw; /* the allocation; rbuf may start past it (payload alignment) */
  uint8_t* rbuf;
  size_t rlen, rhave, rcap;
  uint8_t* probe; /* a message's first bytes until its payload offset is known */
  size_t probe_have;
  int probing;
} h2_rx;

/* Receive read-ahead, the same policy on both sides: while fewer than this
 * many complete messages / bytes wait for the consumer, the stream window
 * is given back as bytes arrive; once the queue is full, only as the
 * consumer takes messages. */
#define GF__H2_RA_MSGS 8
#define GF__H2_RA_BYTES (1024 * 1024)
static inline int gf__h2_ra_full(size_t queued_msgs, size_t queued_bytes) {
  return queued_msgs >= GF__H2_RA_MSGS || queued_bytes >= GF__H2_RA_BYTES;
}

/* Takes len DATA bytes of the stream. */
void gf__h2_rx_data(h2_rx* r, const uint8_t* p, size_t len);
/* Where the next DATA bytes may be read to land in the message being
 * assembled (at most *len of them), or NULL; gf__h2_rx_data then sees them
 * in place and does not copy them. */
uint8_t* gf__h2_rx_direct(h2_rx* r, size_t* len);
/* 1 while a message is partly received. */
int gf__h2_rx_partial(const h2_rx* r);
/* Marks the assembly failed and frees what it holds (no callback). */
void gf__h2_rx_stop(h2_rx* r);

#endif
