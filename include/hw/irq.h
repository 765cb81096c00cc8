/* Interrupt lines: a device raises or lowers a line; the sink gets a callback. */
#ifndef HW_IRQ_H
#define HW_IRQ_H

#include "util/osdep.h"

typedef void IRQHandler(void *opaque, int n, int level);

typedef struct IRQ {
    IRQHandler *handler; /* NULL: line not connected */
    void *opaque;
    int n;
} IRQ;

static inline void irq_init(IRQ *irq, IRQHandler *handler, void *opaque, int n)
{
    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
}

static inline void irq_set(const IRQ *irq, int level)
{
    if (irq && irq->handler) {
        irq->handler(irq->opaque, irq->n, level);
    }
}

static inline void irq_raise(const IRQ *irq)
{
    irq_set(irq, 1);
}

static inline void irq_lower(const IRQ *irq)
{
    irq_set(irq, 0);
}

static inline void irq_pulse(const IRQ *irq)
{
    irq_set(irq, 1);
    irq_set(irq, 0);
}

#endif
