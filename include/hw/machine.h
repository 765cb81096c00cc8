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
    GArray *boot_blobs;        /* MachineBootBlob: what machine_boot_write() wrote */
    void *boot_cpu;            /* CPU state a reset returns to, NULL: the reset vector */
};

typedef struct MachineBootBlob {
    uint64_t addr;
    GBytes *data;
} MachineBootBlob;

/* A machine with RAM and empty address spaces, no CPU (device tests use it too). */
Machine *machine_new(const char *type, uint64_t ram_size);
void machine_free(Machine *m);
/* Create, configure and realize a built-in device; props is "a=1,b=2" or NULL. */
DeviceState *machine_add_device(Machine *m, const char *type, const char *props,
                                Error **errp);
/* Realize a device created from -device and add it to the machine. */
bool machine_plug_device(Machine *m, DeviceState *dev, Error **errp);
/*
 * Direct kernel boot: write boot data into guest memory and keep it, so that every
 * reset writes it again (a -kernel guest reboots into its kernel, as QEMU's option
 * ROMs make it do). False if the range is not all guest memory.
 */
bool machine_boot_write(Machine *m, uint64_t addr, const void *buf, uint64_t len);
/* The CPU's state now (the kernel's entry) is where every reset starts it. */
void machine_set_boot_cpu(Machine *m);
/* The first device of that type, or NULL. */
DeviceState *machine_find_device(Machine *m, const char *type);
/*
 * Reset every device, then the CPU (which restarts at the reset vector, or where a
 * direct kernel boot entered, with the boot data written again).
 */
void machine_reset(Machine *m);
/* Hash of RAM and the vmstate of every device (replay's periodic check). */
uint64_t machine_state_hash(Machine *m);

#endif
