/* The gdb remote serial protocol server. */
#include "gdbstub/gdbstub.h"

bool gdbserver_start(const char *dev, Error **errp)
{
    error_setg(errp, "the gdb server is not implemented yet");
    return false;
}
