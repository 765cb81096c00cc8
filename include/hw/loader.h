/* Loading guest code: kernels given with -kernel. */
#ifndef HW_LOADER_H
#define HW_LOADER_H

#include "hw/machine.h"

/* Multiboot v1 (ELF32 or a.out-kludge) kernels; false with errp if not one. */
bool multiboot_probe(const uint8_t *image, size_t size);
bool multiboot_load(Machine *m, const uint8_t *image, size_t size, const char *cmdline,
                    const char *initrd, Error **errp);
/* Load -kernel (and -initrd, -append) by whichever protocol the file speaks. */
bool pc_load_kernel(Machine *m, const char *kernel, const char *cmdline,
                    const char *initrd, Error **errp);

#endif
