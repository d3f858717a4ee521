/* Counters behind tests/test.h. */
int gf_test_failed_flag;
int gf_test_passed;
int gf_test_failed;
