/* Client channels on gRPC core: plaintext or TLS/mTLS credentials, channel
 * arguments (receive limit, BDP probing, stream lookahead, a private
 * subchannel pool so every client has its own connection). Created and freed
 * on any application thread; a channel is shared by all calls of a client. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#include "transport/client_internal.h"
#include "transport/msg.h"

struct gf__cchannel {
  grpc_channel* channel;
};

grpc_channel* gf__cchannel_grpc(gf__cchannel* ch) { return ch->channel; }

static grpc_arg int_arg(const char* key, int v) {
  grpc_arg a;
  memset(&a, 0, sizeof(a));
  a.type = GRPC_ARG_INTEGER;
  a.key = (char*)key;
  a.value.integer = v;
  return a;
}

static grpc_arg str_arg(const char* key, const char* v) {
  grpc_arg a;
  memset(&a, 0, sizeof(a));
  a.type = GRPC_ARG_STRING;
  a.key = (char*)key;
  a.value.string = (char*)v;
  return a;
}

static grpc_channel_credentials* make_creds(const gf__cchannel_options* o, gf_error* err) {
  if (!o->tls) return grpc_insecure_credentials_create();
  if ((o->cert_chain == NULL) != (o->private_key == NULL)) {
    gf_error_set(err, GF_INVALID_ARGUMENT,
                 "tls: client certificate and private key must be given together");
    return NULL;
  }
  grpc_ssl_pem_key_cert_pair pair = {o->private_key, o->cert_chain};
  grpc_channel_credentials* c =
      grpc_ssl_credentials_create(o->root_certs, o->cert_chain ? &pair : NULL, NULL, NULL);
  if (!c) gf_error_set(err, GF_INVALID_ARGUMENT, "tls: cannot create channel credentials");
  return c;
}

int gf__cchannel_create(const gf__cchannel_options* o, gf__cchannel** out, gf_error* err) {
  *out = NULL;
  if (!o->target || !o->target[0])
    return gf_error_set(err, GF_INVALID_ARGUMENT, "channel: empty target");
  gf__transport_init();
  grpc_channel_credentials* creds = make_creds(o, err);
  if (!creds) {
    gf__transport_shutdown();
    return err ? err->code : GF_INVALID_ARGUMENT;
  }
  grpc_arg args[8];
  size_t n = 0;
  int max_recv = (o->max_receive_bytes <= 0 || o->max_receive_bytes > INT_MAX)
                     ? -1 : (int)o->max_receive_bytes;
  args[n++] = int_arg(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, max_recv);
  args[n++] = int_arg(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, -1);
  args[n++] = int_arg(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args[n++] = int_arg(GRPC_ARG_ENABLE_RETRIES, 0);
  if (o->disable_bdp_probe) args[n++] = int_arg(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  if (o->lookahead_bytes > 0)
    args[n++] = int_arg(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, o->lookahead_bytes);
  if (o->tls && o->override_host)
    args[n++] = str_arg(GRPC_SSL_TARGET_NAME_OVERRIDE_ARG, o->override_host);
  grpc_channel_args ca = {n, args};
  grpc_channel* ch = grpc_channel_create(o->target, creds, &ca);
  grpc_channel_credentials_release(creds);
  gf__cchannel* c = ch ? calloc(1, sizeof(*c)) : NULL;
  if (!c) {
    if (ch) grpc_channel_destroy(ch);
    gf__transport_shutdown();
    return gf_error_set(err, GF_NO_MEMORY, "channel to %s: cannot create", o->target);
  }
  c->channel = ch;
  *out = c;
  return GF_OK;
}

void gf__cchannel_free(gf__cchannel* ch) {
  if (!ch) return;
  grpc_channel_destroy(ch->channel);
  free(ch);
  gf__transport_shutdown();
}
