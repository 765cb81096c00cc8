/*
 * The linker/loader script QEMU passes to firmware as "etc/table-loader"
 * (hw/acpi/bios-linker-loader.c): 128-byte little-endian commands telling SeaBIOS or
 * OVMF to allocate fw_cfg files in guest memory, patch pointers between them with
 * the addresses chosen, and fix checksums. We also run scripts ourselves, to place
 * the same tables at fixed addresses for direct Linux boot.
 */
#ifndef HW_ACPI_BIOS_LINKER_LOADER_H
#define HW_ACPI_BIOS_LINKER_LOADER_H

#include "util/osdep.h"
#include "util/error.h"

#define BIOS_LINKER_ENTRY_SIZE 128
#define BIOS_LINKER_FILESZ     56

enum {
    BIOS_LINKER_CMD_ALLOCATE = 1,     /* file[56], align: u32, zone: u8 */
    BIOS_LINKER_CMD_ADD_POINTER = 2,  /* dest[56], src[56], offset: u32, size: u8 */
    BIOS_LINKER_CMD_ADD_CHECKSUM = 3, /* file[56], offset: u32, start: u32, length: u32 */
};

enum {
    BIOS_LINKER_ZONE_HIGH = 1, /* anywhere in RAM (below 4 GiB) */
    BIOS_LINKER_ZONE_FSEG = 2, /* the 0xE0000-0xFFFFF BIOS area, where the RSDP lives */
};

typedef struct BiosLinker BiosLinker;

BiosLinker *bios_linker_new(void);
void bios_linker_free(BiosLinker *l);

/*
 * Declare a file (its blob stays owned by the caller and must live as long as l) and
 * emit its ALLOCATE command.
 */
void bios_linker_allocate(BiosLinker *l, const char *file, GByteArray *blob,
                          uint32_t align, bool fseg);
/*
 * Make the size-byte field at dest_offset in dest_file point to src_offset in
 * src_file: the field holds src_offset now, the loader adds src_file's address.
 */
void bios_linker_add_pointer(BiosLinker *l, const char *dest_file, uint32_t dest_offset,
                             uint8_t size, const char *src_file, uint32_t src_offset);
/* Make bytes [start, start+length) of file sum to zero by adjusting the byte at offset.
 */
void bios_linker_add_checksum(BiosLinker *l, const char *file, uint32_t start,
                              uint32_t length, uint32_t offset);

/* The script, for "etc/table-loader". */
const GByteArray *bios_linker_script(const BiosLinker *l);

/*
 * Run the script as firmware would, on the declared blobs, with each file placed
 * at the address given by place(opaque, file, align, fseg). Fails on a malformed
 * script (unknown file, field out of bounds).
 */
typedef uint64_t BiosLinkerPlaceFn(void *opaque, const char *file, uint32_t align,
                                   bool fseg);
bool bios_linker_run(BiosLinker *l, BiosLinkerPlaceFn *place, void *opaque, Error **errp);

#endif
