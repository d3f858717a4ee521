/* Transport-internal bridge between gf__obuf/gf__ibuf and gRPC byte buffers.
 * Only src/transport includes this (it includes <grpc/...>). Any thread. */
#ifndef GF__TRANSPORT_MSG_GRPC_H
#define GF__TRANSPORT_MSG_GRPC_H

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>

#include "transport/msg.h"

/* Moves the segments of `b` into a new raw byte buffer (zero-copy for ref
 * segments; their release runs from the slice destroy callback). `b` is
 * emptied (still to be freed by the caller). NULL on failure (segments are
 * released). */
grpc_byte_buffer* gf__obuf_to_byte_buffer(gf__obuf* b);
/* Takes new references on the slices of `bb` (the caller still destroys bb).
 * Decompresses through grpc_byte_buffer_reader when needed. */
gf__ibuf* gf__ibuf_from_byte_buffer(grpc_byte_buffer* bb);

#endif
