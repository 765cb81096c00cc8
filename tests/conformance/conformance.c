/* The user-mode conformance program: main, operand values and fault catching. */
/*
 * Built as a static x86-64 binary from our own C, it runs the same on the host and in
 * a Linux guest on Reprise; diffing the two outputs checks the CPU family by family.
 * Usage: conformance [FAMILY...] with families int, x87, sse (default: all).
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include "conf.h"

static uint64_t rand_state;

/* Each family reseeds, so running one family alone prints what a full run prints. */
void conf_seed(uint64_t seed)
{
    rand_state = seed * 0x9e3779b97f4a7c15ull + 0x853c49e6748fea9bull;
}

/* A 64-bit LCG (Knuth's MMIX constants): the same numbers on every machine. */
uint64_t conf_rand(void)
{
    rand_state = rand_state * 6364136223846793005ull + 1442695040888963407ull;
    return rand_state ^ (rand_state >> 29);
}

size_t conf_int_values(unsigned bits, uint64_t *out, size_t max)
{
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t top = 1ull << (bits - 1);
    const uint64_t edges[] = {0,       1,        2,    top - 1,    top,
                              top + 1, mask - 1, mask, 0x55 & mask};
    size_t n = 0;

    for (size_t i = 0; i < N_ELEMS(edges) && n < max; i++) {
        out[n++] = edges[i] & mask;
    }
    while (n < max) {
        out[n++] = conf_rand() & mask;
    }
    return n;
}

static sigjmp_buf fault_jmp;

static void on_sigfpe(int sig)
{
    siglongjmp(fault_jmp, 1);
}

bool conf_faults(void (*fn)(void *), void *arg)
{
    struct sigaction sa, old;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigfpe;
    sigaction(SIGFPE, &sa, &old);
    if (sigsetjmp(fault_jmp, 1)) {
        sigaction(SIGFPE, &old, NULL);
        return true;
    }
    fn(arg);
    sigaction(SIGFPE, &old, NULL);
    return false;
}

static bool wanted(int argc, char **argv, const char *family)
{
    if (argc < 2) {
        return true;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], family) == 0) {
            return true;
        }
    }
    return false;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    if (wanted(argc, argv, "int")) {
        conf_int_families();
    }
    if (wanted(argc, argv, "x87")) {
        conf_x87_family();
    }
    if (wanted(argc, argv, "sse")) {
        conf_sse_families();
    }
    fflush(stdout);
    return 0;
}
