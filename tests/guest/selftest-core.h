/* The self-test kernels shared by the guest and the host reference build. */
#ifndef TESTS_GUEST_SELFTEST_CORE_H
#define TESTS_GUEST_SELFTEST_CORE_H

#include <stdint.h>

void selftest_run(void (*report)(const char *name, uint64_t value));

#endif
