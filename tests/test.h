/* Minimal test harness shared by every C test binary. A test file defines
 * test functions with TEST(name) and lists them in main() via RUN(name).
 * Each binary prints one "N passed, N failed" line and exits non-zero on
 * failure. CHECK failures report file:line and continue with the next test. */
#ifndef GF_TEST_H
#define GF_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int gf_test_failed_flag;
extern int gf_test_passed;
extern int gf_test_failed;

#define TEST(name) static void test_##name(void)

#define RUN(name)                                               \
  do {                                                          \
    gf_test_failed_flag = 0;                                    \
    test_##name();                                              \
    if (gf_test_failed_flag) {                                  \
      gf_test_failed++;                                         \
      fprintf(stderr, "FAIL %s\n", #name);                      \
    } else {                                                    \
      gf_test_passed++;                                         \
      if (getenv("GF_TEST_VERBOSE")) fprintf(stderr, "ok   %s\n", #name); \
    }                                                           \
  } while (0)

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      gf_test_failed_flag = 1;                                                \
      return;                                                                 \
    }                                                                         \
  } while (0)

#define CHECK_MSG(cond, ...)                                                  \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "  %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                           \
      fprintf(stderr, "\n");                                                  \
      gf_test_failed_flag = 1;                                                \
      return;                                                                 \
    }                                                                         \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                            \
  do {                                                                                \
    long long gf__a = (long long)(a), gf__b = (long long)(b);                         \
    if (gf__a != gf__b) {                                                             \
      fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, \
              #a, #b, gf__a, gf__b);                                                  \
      gf_test_failed_flag = 1;                                                        \
      return;                                                                         \
    }                                                                                 \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                                \
  do {                                                                                    \
    const char *gf__a = (a), *gf__b = (b);                                                \
    if (gf__a == NULL || gf__b == NULL || strcmp(gf__a, gf__b) != 0) {                    \
      fprintf(stderr, "  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
              #a, #b, gf__a ? gf__a : "(null)", gf__b ? gf__b : "(null)");                \
      gf_test_failed_flag = 1;                                                            \
      return;                                                                             \
    }                                                                                     \
  } while (0)

/* Ends main(): prints the summary line and returns the exit status. */
#define TEST_MAIN_END()                                                \
  do {                                                                 \
    printf("%d passed, %d failed\n", gf_test_passed, gf_test_failed); \
    return gf_test_failed ? 1 : 0;                                     \
  } while (0)

#endif
