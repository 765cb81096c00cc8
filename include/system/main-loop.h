/* The single-threaded main loop: host events, replay checkpoints, timers and the CPU. */
#ifndef SYSTEM_MAIN_LOOP_H
#define SYSTEM_MAIN_LOOP_H

#include "hw/machine.h"

/* Run until shutdown; the exit status comes from the runstate. */
void main_loop_run(Machine *m);
/*
 * Stop the CPU at the next instruction boundary so the main loop takes a checkpoint
 * (host input is waiting for a frontend that has room). Never changes guest state.
 */
void main_loop_request_checkpoint(void);
/* Poll host event sources (fds, signals) without blocking; true if any fired. */
bool main_loop_poll_host(void);

#endif
