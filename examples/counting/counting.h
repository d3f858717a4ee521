/* Arrow C Data helpers of the counting test plugin (counting_arrow.c): a
 * one-column int64 schema and a stream of 1 MiB batches. Any thread. */
#ifndef COUNTING_H
#define COUNTING_H

#include "gooddata_flight_server/arrow_abi.h"

#define COUNTING_N 10
#define COUNTING_ROWS 131072 /* 1 MiB of int64 per batch */

int counting_make_schema(struct ArrowSchema* out);
/* A stream of n_batches batches of COUNTING_ROWS rows. */
int counting_make_stream(long n_batches, struct ArrowArrayStream* out);

#endif
