/* The byte side of one HTTP/2 connection, shared by the server (h2_loop.c)
 * and the client (client_conn.c): a plaintext or TLS socket, its output
 * (zero-copy DATA iovecs gathered for one writev, and a copy buffer for what
 * the socket refuses), and its input (reads that follow the peer's frames so
 * DATA payload lands straight in the message being assembled). Every
 * function runs on the one I/O thread that owns the connection. */
#ifndef GF__TRANSPORT_H2_IO_H
#define GF__TRANSPORT_H2_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#define GF__H2_WIOV 128
/* Output buffered per connection before nghttp2 is asked to wait. */
#define GF__H2_OUT_HIGH (512 * 1024)
/* Largest DATA frame we send: a frame the socket refuses is copied to the
 * output buffer, so this bounds that buffer at OUT_HIGH + MAX_DATA_FRAME. */
#define GF__H2_MAX_DATA_FRAME (256 * 1024)

typedef struct h2_io {
  int fd;
  SSL* ssl;
  int dead;    /* the connection is done: nothing more is read or written */
  int blocked; /* a send callback found the output full (reset before each pump) */
  int epout;   /* EPOLLOUT armed */
  /* DATA frames queued for one writev (zero-copy segments; frame headers and
   * gRPC prefixes copied into warena) */
  struct iovec wiov[GF__H2_WIOV];
  int nwiov, narena;
  size_t wbytes;
  uint8_t warena[GF__H2_WIOV][16];
  /* bytes the socket refused, in order */
  uint8_t* out;
  size_t out_off, out_len, out_cap;
  /* incoming frames as read */
  size_t rx_skip;   /* preface bytes still to come (server: the client's magic) */
  uint8_t rx_hd[9]; /* frame header being read */
  int rx_hd_have;
  size_t rx_left; /* payload bytes left in the current frame */
  int32_t rx_sid; /* its stream when it is an unpadded DATA frame, else 0 */
  int rx_bulk;    /* the last read went (partly) straight into a message */
} h2_io;

/* Writes iov, all of it: what the socket refuses is copied to the output
 * buffer. GF_OK, or an error once the connection is dead. */
int gf__h2_io_write(h2_io* io, const struct iovec* iov, int n);
/* 1 when enough output waits that nghttp2 should not produce more. */
int gf__h2_io_out_full(const h2_io* io);
/* nghttp2's send_callback: writes a frame after the queued DATA, or returns
 * NGHTTP2_ERR_WOULDBLOCK (and sets blocked) when the output is full. */
ssize_t gf__h2_io_send(h2_io* io, const uint8_t* data, size_t len);
/* For the send_data_callback: 1 (and sets blocked) when the output is full
 * and the DATA frame must wait. */
int gf__h2_io_must_wait(h2_io* io);
/* Queues bytes that stay valid until the next gf__h2_io_wflush. */
int gf__h2_io_queue(h2_io* io, const void* p, size_t n);
/* Queues a copy of n <= 16 bytes. */
int gf__h2_io_queue_copy(h2_io* io, const void* p, size_t n);
/* Writes the queued DATA iovecs (one writev). */
void gf__h2_io_wflush(h2_io* io);
/* Registers the socket with epoll instance ep (data: tag) for input, and
 * output while want_out; a no-op when nothing changes or the connection is
 * dead. add: the first registration. 0, or -1 when epoll_ctl failed. */
int gf__h2_io_arm(h2_io* io, int ep, void* tag, int want_out, int add);
/* Writes the output buffer until it is empty or the socket is full. */
void gf__h2_io_flush_out(h2_io* io);
/* Queues `len` bytes of a message (its 5-byte gRPC prefix, then the
 * segments of `msg`) from the cursor (*seg: 0 = prefix, i = msg segment
 * i - 1; *off inside it), advancing the cursor; the prefix is copied, the
 * segments are referenced. */
struct gf__obuf;
int gf__h2_io_queue_msg(h2_io* io, const uint8_t pfx[5], const struct gf__obuf* msg, size_t* seg,
                        size_t* off, size_t len);

/* Reads what the socket has (TLS: until OpenSSL wants more). DATA payload
 * of a message being assembled is read to where direct(user, sid, &len)
 * points (NULL: nowhere); every byte read is then passed to feed(user, p,
 * n), which returns nonzero when the connection is done. */
typedef uint8_t* (*gf__h2_direct_fn)(void* user, int32_t sid, size_t* len);
typedef int (*gf__h2_feed_fn)(void* user, const uint8_t* p, size_t n);
void gf__h2_io_read(h2_io* io, gf__h2_direct_fn direct, gf__h2_feed_fn feed, void* user);

/* nghttp2's data_source_read_length_callback for both sides: DATA frames as
 * large as the peer and the windows allow, at most GF__H2_MAX_DATA_FRAME. */
ssize_t gf__h2_read_length_cb(nghttp2_session* s, uint8_t type, int32_t sid, int32_t conn_window,
                              int32_t stream_window, uint32_t max_frame, void* user);

/* ---- h2_tls.c, shared with the client's TLS context ---- */
/* A certificate chain (leaf first) / a private key from PEM text; 0 or -1. */
int gf__h2_tls_use_chain(SSL_CTX* ctx, const char* pem);
int gf__h2_tls_use_key(SSL_CTX* ctx, const char* pem);

/* The session options both sides use: window given back by hand, bounds on
 * CONTINUATION frames, SETTINGS, queued acks and the HPACK table, and
 * metadata values kept with their leading/trailing spaces (as gRPC passes
 * them). */
void gf__h2_options(nghttp2_option* o);

/* Frees the buffers (not the socket or SSL). */
void gf__h2_io_clear(h2_io* io);

#endif
