/* The gdb remote serial protocol server (-gdb DEV, -s). */
#ifndef GDBSTUB_GDBSTUB_H
#define GDBSTUB_GDBSTUB_H

#include "util/osdep.h"
#include "util/error.h"

/*
 * Listen for gdb on dev: "tcp:[HOST]:PORT" (HOST defaults to localhost),
 * "unix:PATH", or "chardev:ID". Called once the machine is built, before it runs.
 */
bool gdbserver_start(const char *dev, Error **errp);
/* The emulator is exiting with status: a gdb waiting for a stop hears "W status". */
void gdbserver_exit(int status);

#endif
