/* The machine: address spaces, RAM, the CPU, ISA interrupt lines and the devices. */
#ifndef HW_MACHINE_H
#define HW_MACHINE_H

#include "util/osdep.h"
#include "util/error.h"
#include "system/memory.h"
#include "hw/irq.h"
#include "hw/device.h"

typedef struct CPUX86State CPUX86State;

#define ISA_NUM_IRQS 16

struct Machine {
    const char *type;
    uint64_t ram_size;
    AddressSpace mem; /* guest physical memory */
    AddressSpace io;  /* 64 KiB port space */
    MemoryRegion ram;
    CPUX86State *cpu;
    IRQ isa_irq[ISA_NUM_IRQS]; /* ISA interrupt lines, wired by the machine */
    uint16_t isa_irq_level;    /* current level of each ISA line */
    GPtrArray *devices;        /* DeviceState *, in creation order */
};

/* A machine with RAM and empty address spaces, no CPU (device tests use it too). */
Machine *machine_new(const char *type, uint64_t ram_size);
void machine_free(Machine *m);
/* Create, configure and realize a built-in device; props is "a=1,b=2" or NULL. */
DeviceState *machine_add_device(Machine *m, const char *type, const char *props,
                                Error **errp);
/* Realize a device created from -device and add it to the machine. */
bool machine_plug_device(Machine *m, DeviceState *dev, Error **errp);
void machine_reset(Machine *m);
/* Hash of RAM and the vmstate of every device (replay's periodic check). */
uint64_t machine_state_hash(Machine *m);

#endif
