/* reprise: the emulator's entry point. */
#include "system/vl.h"

int main(int argc, char **argv)
{
    return vl_main(argc, argv);
}
