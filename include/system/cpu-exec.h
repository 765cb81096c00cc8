/* Running the CPU: the interface between the main loop and the engine (accel/tcg). */
#ifndef SYSTEM_CPU_EXEC_H
#define SYSTEM_CPU_EXEC_H

#include "util/osdep.h"

typedef struct CPUX86State CPUX86State;

typedef enum ExecResult {
    EXEC_BUDGET, /* ran the number of instructions asked for */
    EXEC_EXIT,   /* stopped early: an event needs the main loop (shutdown, reset) */
    EXEC_HALTED, /* HLT with no interrupt deliverable */
} ExecResult;

/*
 * Run at most budget (>= 1) instructions, delivering interrupts and exceptions
 * between them. Stops exactly when icount.count reaches the starting count + budget.
 */
ExecResult cpu_exec(CPUX86State *env, int64_t budget);

#endif
