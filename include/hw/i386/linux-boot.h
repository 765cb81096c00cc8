/*
 * Direct kernel boot for the pc machine: Linux bzImage through the x86 boot protocol
 * (32-bit entry, the kernel decompresses itself), Linux's PVH entry with the
 * payload decompressed on the host (the fast path: it skips the in-guest
 * decompressor), and Multiboot v1.
 */
#ifndef HW_I386_LINUX_BOOT_H
#define HW_I386_LINUX_BOOT_H

#include "hw/machine.h"

typedef enum KernelBootMode {
    KERNEL_BOOT_AUTO,    /* PVH fast path when possible, else the boot protocol */
    KERNEL_BOOT_PVH,     /* host decompression + PVH entry (error if impossible) */
    KERNEL_BOOT_BZIMAGE, /* the x86 boot protocol's 32-bit entry */
} KernelBootMode;

bool kernel_boot_mode_parse(const char *s, KernelBootMode *mode, Error **errp);
/* Load -kernel/-initrd/-append into m by the protocol the file speaks. */
bool pc_load_kernel(Machine *m, const char *kernel, const char *cmdline,
                    const char *initrd, KernelBootMode mode, Error **errp);

#endif
