/* gooddata-flight-server for C: umbrella header. Include this one header to
 * write a data service plugin, embed the server, or use the Flight client.
 * Nothing here exposes gRPC or protobuf types. */
#ifndef GOODDATA_FLIGHT_SERVER_H
#define GOODDATA_FLIGHT_SERVER_H

#include "gooddata_flight_server/common.h"
#include "gooddata_flight_server/arrow_abi.h"
#include "gooddata_flight_server/arrow.h"
#include "gooddata_flight_server/ipc.h"
#include "gooddata_flight_server/flight.h"
#include "gooddata_flight_server/server.h"
#include "gooddata_flight_server/config.h"
#include "gooddata_flight_server/log.h"
#include "gooddata_flight_server/metrics.h"
#include "gooddata_flight_server/health.h"
#include "gooddata_flight_server/tracing.h"
#include "gooddata_flight_server/errors.h"
#include "gooddata_flight_server/tasks.h"
#include "gooddata_flight_server/auth.h"
#include "gooddata_flight_server/handshake_auth.h"
#include "gooddata_flight_server/session.h"
#include "gooddata_flight_server/client.h"
#include "gooddata_flight_server/flexconnect.h"

#endif
