/* Loading guest code: kernels given with -kernel. */
#ifndef HW_LOADER_H
#define HW_LOADER_H

#include "hw/machine.h"

/* Multiboot v1 (ELF32 or a.out-kludge) kernels; false with errp if not one. */
bool multiboot_probe(const uint8_t *image, size_t size);
bool multiboot_load(Machine *m, const uint8_t *image, size_t size, const char *cmdline,
                    const char *initrd, Error **errp);

/*
 * Enter 32-bit flat protected mode at entry, paging off, interrupts off: CS = 0x10
 * and the data segments = 0x18 of a GDT placed at 0x8000 (what the Multiboot, Linux
 * 32-bit and PVH entry protocols expect).
 */
bool boot_enter_flat32(Machine *m, uint32_t entry, Error **errp);

#endif
