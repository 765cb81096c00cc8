/* Firmware boot for the pc machine. */
#include "hw/i386/pc-bios.h"

bool pc_load_bios(Machine *m, const char *path, bool reset_entry, Error **errp)
{
    error_setg(errp, "-bios: firmware boot is not implemented yet");
    return false;
}
