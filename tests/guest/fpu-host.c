/* Host reference for the x87 test guest: the same kernels, printed on stdout. */
#include <stdio.h>
#include <inttypes.h>
#include "fpu-core.h"

static void report(const char *name, uint64_t value)
{
    printf("%s %016" PRIx64 "\n", name, value);
}

int main(void)
{
    fpu_run(report);
    printf("fpu done\n");
    return 0;
}
