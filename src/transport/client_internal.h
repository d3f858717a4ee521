/* Transport-internal: access to the gRPC channel of a gf__cchannel for the
 * client call code. Only src/transport/client*.c include this. */
#ifndef GF__TRANSPORT_CLIENT_INTERNAL_H
#define GF__TRANSPORT_CLIENT_INTERNAL_H

#include <grpc/grpc.h>

#include "transport/client_call.h"

grpc_channel* gf__cchannel_grpc(gf__cchannel* ch);

#endif
