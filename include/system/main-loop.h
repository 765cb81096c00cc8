/* The single-threaded main loop: host events, replay checkpoints, timers and the CPU. */
#ifndef SYSTEM_MAIN_LOOP_H
#define SYSTEM_MAIN_LOOP_H

#include "hw/machine.h"

/* Run until shutdown; the exit status comes from the runstate. */
void main_loop_run(Machine *m);
/* Poll host event sources (fds, signals) without blocking; true if any fired. */
bool main_loop_poll_host(void);

#endif
