/* The gf_status <-> gRPC status map: every gRPC code and every gf_status in
 * both directions, checked against the gRPC code meanings and the seed's
 * error table (Failed -> UNKNOWN, TimedOut -> DEADLINE_EXCEEDED, ...). */
#include "common/grpc_status.h"
#include "test.h"

/* gRPC code -> gf_status a client reports, and whether sending that status
 * gives the same code back (1: exact inverse). */
static const struct {
  int grpc;
  const char* name;
  int status;
  int inverse;
} k_expect[GF__GRPC_CODES] = {
    {0, "OK", GF_OK, 1},
    {1, "CANCELLED", GF_CANCELLED, 1},
    {2, "UNKNOWN", GF_UNKNOWN, 1},
    {3, "INVALID_ARGUMENT", GF_INVALID_ARGUMENT, 1},
    {4, "DEADLINE_EXCEEDED", GF_TIMED_OUT, 1},
    {5, "NOT_FOUND", GF_NOT_FOUND, 1},
    {6, "ALREADY_EXISTS", GF_ALREADY_EXISTS, 1},
    {7, "PERMISSION_DENIED", GF_UNAUTHORIZED, 1},
    {8, "RESOURCE_EXHAUSTED", GF_RESOURCE_EXHAUSTED, 1},
    {9, "FAILED_PRECONDITION", GF_INVALID_ARGUMENT, 0},
    {10, "ABORTED", GF_INTERNAL, 0},
    {11, "OUT_OF_RANGE", GF_INVALID_ARGUMENT, 0},
    {12, "UNIMPLEMENTED", GF_UNIMPLEMENTED, 1},
    {13, "INTERNAL", GF_INTERNAL, 1},
    {14, "UNAVAILABLE", GF_UNAVAILABLE, 1},
    {15, "DATA_LOSS", GF_INTERNAL, 0},
    {16, "UNAUTHENTICATED", GF_UNAUTHENTICATED, 1},
};

TEST(grpc_to_status_every_code) {
  for (int g = 0; g < GF__GRPC_CODES; g++) {
    CHECK_EQ_INT(k_expect[g].grpc, g);
    CHECK_EQ_STR(gf__grpc_code_name(g), k_expect[g].name);
    CHECK_EQ_STR(gf_grpc_code_name(g), k_expect[g].name);
    CHECK_MSG(gf__status_from_grpc(g) == k_expect[g].status, "gRPC %d -> %d", g,
              gf__status_from_grpc(g));
    int back = gf__grpc_from_status(gf__status_from_grpc(g));
    if (k_expect[g].inverse) CHECK_MSG(back == g, "gRPC %d -> status -> gRPC %d", g, back);
    else CHECK_MSG(back != g, "gRPC %d has no gf_status of its own", g);
  }
  CHECK_EQ_INT(gf__status_from_grpc(-1), GF_UNKNOWN);
  CHECK_EQ_INT(gf__status_from_grpc(17), GF_UNKNOWN);
  CHECK_EQ_STR(gf__grpc_code_name(99), "UNKNOWN");
}

TEST(status_to_grpc_every_status) {
  /* gf_status -> the gRPC code it is sent as (seed table: Failed -> 2,
   * TimedOut -> 4, Internal -> 13, Cancelled -> 1, Unavailable -> 14,
   * Unauthenticated -> 16, Unauthorized -> 7). */
  static const int expect[][2] = {
      {GF_OK, 0},
      {GF_UNKNOWN, 2},
      {GF_INTERNAL, 13},
      {GF_INVALID_ARGUMENT, 3},
      {GF_TIMED_OUT, 4},
      {GF_NOT_FOUND, 5},
      {GF_ALREADY_EXISTS, 6},
      {GF_CANCELLED, 1},
      {GF_UNAUTHENTICATED, 16},
      {GF_UNAUTHORIZED, 7},
      {GF_UNIMPLEMENTED, 12},
      {GF_UNAVAILABLE, 14},
      {GF_RESOURCE_EXHAUSTED, 8},
      {GF_NO_MEMORY, 8},
      {GF_IO_ERROR, 14},
      {GF_END_OF_STREAM, 0},
  };
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
    int s = expect[i][0];
    CHECK_EQ_INT(i == 0 ? GF_OK : GF_STATUS_BASE + (int)i, s); /* every status, in order */
    CHECK_MSG(gf__grpc_from_status(s) == expect[i][1], "status %d -> gRPC %d", s,
              gf__grpc_from_status(s));
    CHECK_EQ_INT(gf_status_grpc_code(s), expect[i][1]);
    /* Back on the client: the same status, or the canonical one of its code. */
    int back = gf__status_from_grpc(gf__grpc_from_status(s));
    int want = s == GF_NO_MEMORY ? GF_RESOURCE_EXHAUSTED
               : s == GF_IO_ERROR ? GF_UNAVAILABLE
               : s == GF_END_OF_STREAM ? GF_OK
                                       : s;
    CHECK_MSG(back == want, "status %d -> gRPC -> status %d", s, back);
  }
  CHECK_EQ_INT(gf__grpc_from_status(-5), 2);
  CHECK_EQ_INT(gf__grpc_from_status(1000), 2);
}

int main(void) {
  RUN(grpc_to_status_every_code);
  RUN(status_to_grpc_every_status);
  TEST_MAIN_END();
}
