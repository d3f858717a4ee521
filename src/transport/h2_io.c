/* Socket reads and writes of one HTTP/2 connection, for the server and the
 * client transports (see h2_io.h). Runs on the connection's I/O thread.
 * Plaintext writes use MSG_NOSIGNAL: a peer that closed gives EPIPE, never
 * SIGPIPE (the client library runs in programs that keep its default). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "transport/h2_io.h"
#include "transport/msg.h"

#define READ_CHUNK (64 * 1024)
/* While messages are read straight into their buffers, the stack part of a
 * read is this small: it catches the next frame header and the start of the
 * next message (held until its payload offset is known). */
#define READ_TAIL 4096
#define READS_PER_EVENT 16

/* ---- output ------------------------------------------------------------------ */

static int out_append(h2_io* io, const uint8_t* p, size_t n) {
  if (io->out_off && io->out_off + io->out_len + n > io->out_cap) {
    memmove(io->out, io->out + io->out_off, io->out_len);
    io->out_off = 0;
  }
  if (io->out_off + io->out_len + n > io->out_cap) {
    size_t cap = io->out_cap ? io->out_cap : 16384;
    while (cap < io->out_len + n) cap *= 2;
    uint8_t* b = realloc(io->out, cap);
    if (!b) return GF_NO_MEMORY;
    io->out = b;
    io->out_cap = cap;
  }
  memcpy(io->out + io->out_off + io->out_len, p, n);
  io->out_len += n;
  return GF_OK;
}

int gf__h2_io_write(h2_io* io, const struct iovec* iov, int n) {
  if (io->dead) return GF_CANCELLED;
  size_t done = 0;
  if (!io->ssl && io->out_len == 0) {
    struct msghdr mh = {.msg_iov = (struct iovec*)iov, .msg_iovlen = (size_t)n};
    ssize_t w = sendmsg(io->fd, &mh, MSG_NOSIGNAL); /* a closed peer: EPIPE, no SIGPIPE */
    if (w > 0) done = (size_t)w;
    else if (w < 0 && errno != EAGAIN && errno != EINTR) {
      io->dead = 1;
      return GF_IO_ERROR;
    }
  }
  for (int i = 0; i < n; i++) {
    size_t l = iov[i].iov_len;
    if (done >= l) {
      done -= l;
      continue;
    }
    if (out_append(io, (const uint8_t*)iov[i].iov_base + done, l - done)) {
      io->dead = 1;
      return GF_NO_MEMORY;
    }
    done = 0;
  }
  return GF_OK;
}

int gf__h2_io_out_full(const h2_io* io) { return io->out_len + io->wbytes >= GF__H2_OUT_HIGH; }

ssize_t gf__h2_io_send(h2_io* io, const uint8_t* data, size_t len) {
  if (gf__h2_io_must_wait(io)) return NGHTTP2_ERR_WOULDBLOCK;
  gf__h2_io_wflush(io); /* queued DATA first: frames go out in order */
  struct iovec iov = {(void*)data, len};
  return gf__h2_io_write(io, &iov, 1) ? NGHTTP2_ERR_CALLBACK_FAILURE : (ssize_t)len;
}

int gf__h2_io_must_wait(h2_io* io) {
  if (!gf__h2_io_out_full(io)) return 0;
  io->blocked = 1;
  return 1;
}

void gf__h2_io_wflush(h2_io* io) {
  if (!io->nwiov) return;
  gf__h2_io_write(io, io->wiov, io->nwiov);
  io->nwiov = io->narena = 0;
  io->wbytes = 0;
}

int gf__h2_io_queue(h2_io* io, const void* p, size_t n) {
  if (io->nwiov == GF__H2_WIOV) gf__h2_io_wflush(io);
  io->wiov[io->nwiov++] = (struct iovec){(void*)p, n};
  io->wbytes += n;
  return io->dead ? GF_CANCELLED : GF_OK;
}

int gf__h2_io_queue_copy(h2_io* io, const void* p, size_t n) {
  if (io->nwiov == GF__H2_WIOV || io->narena == GF__H2_WIOV) gf__h2_io_wflush(io);
  uint8_t* slot = io->warena[io->narena++];
  memcpy(slot, p, n);
  return gf__h2_io_queue(io, slot, n);
}

int gf__h2_io_queue_msg(h2_io* io, const uint8_t pfx[5], const gf__obuf* msg, size_t* seg,
                        size_t* off, size_t len) {
  while (len > 0) {
    size_t sl = *seg == 0 ? 5 : msg->segs[*seg - 1].len;
    const uint8_t* p = *seg == 0 ? pfx : msg->segs[*seg - 1].data;
    size_t take = sl - *off < len ? sl - *off : len;
    int rc =
        *seg == 0 ? gf__h2_io_queue_copy(io, p + *off, take) : gf__h2_io_queue(io, p + *off, take);
    if (rc) return rc;
    len -= take;
    *off += take;
    if (*off == sl) {
      (*seg)++;
      *off = 0;
    }
  }
  return GF_OK;
}

int gf__h2_io_arm(h2_io* io, int ep, void* tag, int want_out, int add) {
  if (!add && (io->dead || want_out == io->epout)) return 0;
  struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = tag};
  if (epoll_ctl(ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, io->fd, &ev)) return -1;
  io->epout = want_out;
  return 0;
}

void gf__h2_io_flush_out(h2_io* io) {
  while (io->out_len && !io->dead) {
    ssize_t w;
    if (io->ssl) {
      size_t n = io->out_len > 65536 ? 65536 : io->out_len;
      ERR_clear_error();
      int r = SSL_write(io->ssl, io->out + io->out_off, (int)n);
      if (r <= 0) {
        int e = SSL_get_error(io->ssl, r);
        if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) io->dead = 1;
        return;
      }
      w = r;
    } else {
      w = send(io->fd, io->out + io->out_off, io->out_len, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno != EAGAIN && errno != EINTR) io->dead = 1;
        return;
      }
    }
    io->out_off += (size_t)w;
    io->out_len -= (size_t)w;
  }
  if (!io->out_len) io->out_off = 0;
}

ssize_t gf__h2_read_length_cb(nghttp2_session* s, uint8_t type, int32_t sid, int32_t conn_window,
                              int32_t stream_window, uint32_t max_frame, void* user) {
  (void)s;
  (void)type;
  (void)sid;
  (void)user;
  int64_t n = conn_window < stream_window ? conn_window : stream_window;
  if (n > (int64_t)max_frame) n = max_frame;
  if (n > GF__H2_MAX_DATA_FRAME) n = GF__H2_MAX_DATA_FRAME;
  return n > 0 ? (ssize_t)n : 1;
}

/* ---- input ------------------------------------------------------------------- */

/* Follows the peer's framing over the bytes read: the preface, then 9-byte
 * frame headers and their payloads. */
static void rx_track(h2_io* io, const uint8_t* p, size_t n) {
  while (n) {
    size_t t;
    if (io->rx_skip || io->rx_left) {
      size_t* left = io->rx_skip ? &io->rx_skip : &io->rx_left;
      t = *left < n ? *left : n;
      *left -= t;
    } else {
      t = 9 - (size_t)io->rx_hd_have < n ? 9 - (size_t)io->rx_hd_have : n;
      memcpy(io->rx_hd + io->rx_hd_have, p, t);
      io->rx_hd_have += (int)t;
      if (io->rx_hd_have == 9) {
        const uint8_t* h = io->rx_hd;
        io->rx_hd_have = 0;
        io->rx_left = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
        int32_t sid = (int32_t)((uint32_t)(h[5] & 0x7F) << 24 | (uint32_t)h[6] << 16 |
                                (uint32_t)h[7] << 8 | h[8]);
        io->rx_sid = h[3] == NGHTTP2_DATA && !(h[4] & NGHTTP2_FLAG_PADDED) ? sid : 0;
      }
    }
    p += t;
    n -= t;
  }
}

/* One read: DATA payload of a message being assembled goes straight into
 * its buffer (dst), the rest into buf. Returns bytes read, 0 when the socket
 * has no more for now, -1 when the connection is done. */
static ssize_t read_some(h2_io* io, uint8_t* dst, size_t dn, uint8_t* buf, size_t bn) {
  if (io->ssl) {
    ERR_clear_error();
    int r = SSL_read(io->ssl, dst ? dst : buf, (int)(dst ? dn : bn));
    if (r > 0) return r;
    int e = SSL_get_error(io->ssl, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) io->dead = 1;
    return io->dead ? -1 : 0;
  }
  struct iovec iov[2] = {{dst, dn}, {buf, bn}};
  ssize_t n = dst ? readv(io->fd, iov, 2) : read(io->fd, buf, bn);
  if (n > 0) return n;
  if (n == 0 || (errno != EAGAIN && errno != EINTR)) io->dead = 1;
  return io->dead ? -1 : 0;
}

static int track_feed(h2_io* io, gf__h2_feed_fn feed, void* user, const uint8_t* p, size_t n) {
  rx_track(io, p, n);
  return feed(user, p, n);
}

void gf__h2_io_read(h2_io* io, gf__h2_direct_fn direct, gf__h2_feed_fn feed, void* user) {
  uint8_t buf[READ_CHUNK];
  for (int i = 0; (io->ssl || i < READS_PER_EVENT) && !io->dead; i++) {
    size_t dn = 0;
    uint8_t* dst = NULL;
    if (!io->rx_skip && io->rx_left && io->rx_sid) dst = direct(user, io->rx_sid, &dn);
    if (dst && dn > io->rx_left) dn = io->rx_left;
    size_t bn = dst || io->rx_bulk ? READ_TAIL : sizeof(buf);
    ssize_t n = read_some(io, dst, dn, buf, bn);
    if (n <= 0) return;
    io->rx_bulk = dst != NULL;
    size_t nd = dst ? ((size_t)n < dn ? (size_t)n : dn) : 0;
    if (nd && track_feed(io, feed, user, dst, nd)) return;
    if ((size_t)n > nd && track_feed(io, feed, user, buf, (size_t)n - nd)) return;
    if (!io->ssl && (size_t)n < (dst ? dn + bn : bn)) return;
  }
}

void gf__h2_io_clear(h2_io* io) {
  free(io->out);
  io->out = NULL;
  io->out_off = io->out_len = io->out_cap = 0;
}

void gf__h2_options(nghttp2_option* o) {
  nghttp2_option_set_no_auto_window_update(o, 1);
  nghttp2_option_set_max_continuations(o, 8);
  nghttp2_option_set_max_settings(o, 32);
  nghttp2_option_set_max_outbound_ack(o, 1000);
  nghttp2_option_set_max_deflate_dynamic_table_size(o, 4096);
  nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(o, 1);
}
