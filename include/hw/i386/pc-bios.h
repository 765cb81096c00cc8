/* Firmware boot for the pc machine: -bios FILE (SeaBIOS and compatible images). */
#ifndef HW_I386_PC_BIOS_H
#define HW_I386_PC_BIOS_H

#include "hw/machine.h"

/*
 * Map the firmware image at the top of the 4 GiB space (and its last 128 KiB at
 * 0xe0000-0xfffff). With reset_entry, the CPU starts at the reset vector
 * F000:FFF0; otherwise a -kernel loaded afterwards decides where it starts.
 */
bool pc_load_bios(Machine *m, const char *path, bool reset_entry, Error **errp);

#endif
