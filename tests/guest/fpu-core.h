/* The x87 kernels shared by the FPU test guest and its host reference build. */
#ifndef TESTS_GUEST_FPU_CORE_H
#define TESTS_GUEST_FPU_CORE_H

#include <stdint.h>

void fpu_run(void (*report)(const char *name, uint64_t value));

#endif
