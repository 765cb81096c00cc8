/* Host reference for the self-test guest: the same kernels, printed on stdout. */
#include <stdio.h>
#include <inttypes.h>
#include "selftest-core.h"

static void report(const char *name, uint64_t value)
{
    printf("%s %016" PRIx64 "\n", name, value);
}

int main(void)
{
    selftest_run(report);
    printf("selftest done\n");
    return 0;
}
