/*
 * QEMU's firmware configuration device (hw/nvram/fw_cfg.c), as documented in QEMU's
 * docs/specs/fw_cfg.rst: numbered items and named files the firmware (SeaBIOS)
 * reads through ports 0x510/0x511 or the DMA interface at 0x514.
 *
 * Create it with machine_add_device(m, "fw_cfg", NULL) and cast the result to
 * FWCfgState *; realize adds the signature, ID, UUID, RAM size, CPU counts, an empty
 * "bootorder" and the file directory. Items added later replace items with the same
 * key; all data is copied.
 */
#ifndef HW_NVRAM_FW_CFG_H
#define HW_NVRAM_FW_CFG_H

#include "util/osdep.h"
#include "util/error.h"

#define FW_CFG_IO_BASE     0x510 /* selector (16-bit write), data at +1 */
#define FW_CFG_DMA_IO_BASE 0x514 /* DMA address, big endian, 8 bytes */

enum {
    FW_CFG_SIGNATURE = 0x00,
    FW_CFG_ID = 0x01,
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05,
    FW_CFG_MACHINE_ID = 0x06,
    FW_CFG_KERNEL_ADDR = 0x07,
    FW_CFG_KERNEL_SIZE = 0x08,
    FW_CFG_KERNEL_CMDLINE = 0x09,
    FW_CFG_INITRD_ADDR = 0x0a,
    FW_CFG_INITRD_SIZE = 0x0b,
    FW_CFG_BOOT_DEVICE = 0x0c,
    FW_CFG_NUMA = 0x0d,
    FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_KERNEL_ENTRY = 0x10,
    FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12,
    FW_CFG_CMDLINE_ADDR = 0x13,
    FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_SETUP_ADDR = 0x16,
    FW_CFG_SETUP_SIZE = 0x17,
    FW_CFG_SETUP_DATA = 0x18,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_WRITE_CHANNEL = 0x4000, /* selector bit 14: legacy write mode */
    FW_CFG_ARCH_LOCAL = 0x8000,    /* selector bit 15: architecture-specific item */
    FW_CFG_E820_TABLE = FW_CFG_ARCH_LOCAL + 0x03,
};

#define FW_CFG_MAX_FILE_PATH 56
#define FW_CFG_MAX_FILES     0x100 /* file keys 0x20..0x11f */

/* ID bits (key 0x0001). */
#define FW_CFG_VERSION     0x01 /* traditional interface */
#define FW_CFG_VERSION_DMA 0x02 /* DMA interface */

/* FWCfgDmaAccess.control bits. */
#define FW_CFG_DMA_CTL_ERROR  0x01 /* Error */
#define FW_CFG_DMA_CTL_READ   0x02 /* Read */
#define FW_CFG_DMA_CTL_SKIP   0x04 /* Skip */
#define FW_CFG_DMA_CTL_SELECT 0x08 /* Select (key in bits 31:16) */
#define FW_CFG_DMA_CTL_WRITE  0x10 /* Write */

#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ull /* "QEMU CFG", big endian */

typedef struct FWCfgState FWCfgState;

void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len);
void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *str); /* with NUL */
void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value);     /* little endian */
void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value);
void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value);

/*
 * A named file, listed in the directory (key 0x19); an existing file of that name is
 * replaced in place. Fails if the name is too long or the file keys are used up.
 */
bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len,
                     Error **errp);
/* The same, but the guest may overwrite the contents through DMA writes. */
bool fw_cfg_add_file_writable(FWCfgState *s, const char *name, const void *data,
                              size_t len, Error **errp);
/* The current contents of a file (after guest writes), or NULL if there is none. */
const uint8_t *fw_cfg_file_data(FWCfgState *s, const char *name, size_t *len);

/* One entry of "etc/e820", as SeaBIOS reads it (20 packed little-endian bytes). */
typedef struct FWCfgE820Entry {
    uint64_t address;
    uint64_t length;
    uint32_t type; /* 1 RAM, 2 reserved, 3 ACPI data, 4 ACPI NVS */
} FWCfgE820Entry;

bool fw_cfg_add_e820(FWCfgState *s, const FWCfgE820Entry *entries, size_t n,
                     Error **errp);

/*
 * Items for firmware-driven Linux boot (a bzImage split into its real-mode setup and
 * protected-mode kernel): each part's load address, size and data. NULL data and 0
 * size leave a part out (no initrd, no command line).
 */
typedef struct FWCfgLinuxBoot {
    uint32_t setup_addr, kernel_addr, initrd_addr, cmdline_addr;
    const void *setup, *kernel, *initrd;
    size_t setup_size, kernel_size, initrd_size;
    const char *cmdline;
} FWCfgLinuxBoot;

void fw_cfg_add_linux_boot(FWCfgState *s, const FWCfgLinuxBoot *boot);

#endif
