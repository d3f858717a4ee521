/* Transport-neutral message buffers shared by the server and the client:
 * gf__obuf (an outgoing message as a list of segments, each either owned
 * memory or a zero-copy reference released by a callback) and gf__ibuf (a
 * received message as a list of reference-counted segments). Any thread;
 * one object is used by one thread at a time, segment references may be
 * dropped from any thread. */
#ifndef GF__TRANSPORT_MSG_H
#define GF__TRANSPORT_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "gooddata_flight_server/common.h"

/* ---- outgoing ------------------------------------------------------------ */

typedef void (*gf__release_fn)(void* user);

typedef struct gf__oseg {
  const uint8_t* data;
  size_t len;
  gf__release_fn release; /* NULL: static memory; called once when the transport is done */
  void* user;
} gf__oseg;

typedef struct gf__obuf {
  gf__oseg* segs;
  size_t n, cap;
  size_t total; /* sum of segment lengths */
} gf__obuf;

gf__obuf* gf__obuf_new(void);
/* Copies `len` bytes into a new owned segment (len 0 is ignored). */
int gf__obuf_add_copy(gf__obuf* b, const void* data, size_t len);
/* Takes ownership of malloc'd `data` (freed with free()). On failure frees it. */
int gf__obuf_add_owned(gf__obuf* b, void* data, size_t len);
/* Zero-copy reference: release(user) runs (any thread) when the transport is
 * done with the bytes. len 0: release runs at once. On failure release runs. */
int gf__obuf_add_ref(gf__obuf* b, const void* data, size_t len, gf__release_fn release, void* user);
/* Static memory that outlives the message (no release). */
int gf__obuf_add_static(gf__obuf* b, const void* data, size_t len);
/* Releases every segment not yet handed over and frees the object. NULL ok. */
void gf__obuf_free(gf__obuf* b);
/* Copies the whole message into one malloc'd buffer (tests, small messages). */
int gf__obuf_flatten(const gf__obuf* b, uint8_t** out, size_t* len);

/* ---- incoming ------------------------------------------------------------ */

typedef struct gf__ibuf gf__ibuf;

size_t gf__ibuf_count(const gf__ibuf* b);
gf_bytes gf__ibuf_seg(const gf__ibuf* b, size_t i);
size_t gf__ibuf_length(const gf__ibuf* b);
/* Keeps segment i alive after the ibuf is freed; the token is passed to
 * gf__ibuf_seg_unref (any thread). NULL on allocation failure. *data receives
 * where the kept bytes live (the segment's own bytes). */
void* gf__ibuf_seg_ref(gf__ibuf* b, size_t i, const uint8_t** data);
void gf__ibuf_seg_unref(void* token);
void gf__ibuf_free(gf__ibuf* b);
/* Takes the `len` bytes at `data` inside the malloc'd block `base` as a
 * one-segment ibuf (base is freed with the last reference); NULL on
 * allocation failure (base is then still the caller's). */
gf__ibuf* gf__ibuf_from_owned_at(void* base, uint8_t* data, size_t len);
/* Builds an ibuf from copies of memory segments (tests, loopback). */
gf__ibuf* gf__ibuf_from_segments(const gf_bytes* segs, size_t n);
/* Copies the whole message into one malloc'd buffer. */
int gf__ibuf_flatten(const gf__ibuf* b, uint8_t** out, size_t* len);

/* Server malloc tuning (mmap/trim thresholds, one arena so malloc_trim can
 * return freed memory). Call first thing in main, before any thread starts;
 * gf__tserver_create calls it too (then only the thresholds take effect). */
void gf__transport_tune_malloc(void);

#endif
