/* The user-mode conformance program: shared helpers for its instruction families. */
#ifndef TESTS_CONFORMANCE_CONF_H
#define TESTS_CONFORMANCE_CONF_H

/*
 * Every line it prints is a function of the instruction and its operands only, never
 * of addresses, time or randomness (the "random" operands come from a fixed-seed
 * generator), so a run inside a Reprise guest and a run on the host must print the
 * same bytes. Flags the SDM leaves undefined are masked out of what is printed, so
 * the output does not depend on the CPU vendor either.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* EFLAGS */
#define F_CF  0x001
#define F_PF  0x004
#define F_AF  0x010
#define F_ZF  0x040
#define F_SF  0x080
#define F_OF  0x800
#define F_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* The fixed-seed operand generator (conformance.c). */
void conf_seed(uint64_t seed);
uint64_t conf_rand(void);

/* Edge values of an operand of `bits` bits, followed by a few pseudo-random ones. */
size_t conf_int_values(unsigned bits, uint64_t *out, size_t max);

/*
 * Run fn() and report whether it raised SIGFPE (#DE, or an unmasked #MF/#XM), in which
 * case its results must not be printed; the caller prints the exception instead.
 */
bool conf_faults(void (*fn)(void *), void *arg);

void conf_int_families(void);
void conf_x87_family(void);
void conf_sse_families(void);

#endif
