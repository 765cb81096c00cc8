/*
 * The memory API: RAM, ROM and MMIO regions mapped into address spaces (guest
 * physical memory, and the 64 KiB I/O port space), with dispatch and bounds-checked
 * DMA helpers.
 */
#ifndef SYSTEM_MEMORY_H
#define SYSTEM_MEMORY_H

#include "util/osdep.h"

#define PAGE_BITS 12
#define PAGE_SIZE (1ull << PAGE_BITS)
#define PAGE_MASK (~(PAGE_SIZE - 1))

typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    /*
     * Access sizes (1, 2, 4, 8) the device handles; wider accesses are split into
     * max_size pieces (little endian), narrower ones are widened to min_size.
     * 0 means "1" for min_size and "8" for max_size.
     */
    unsigned min_size, max_size;
} MemoryRegionOps;

typedef struct MemoryRegion {
    const char *name;
    uint64_t size;
    const MemoryRegionOps *ops; /* MMIO / PIO */
    void *opaque;
    uint8_t *ram;  /* RAM or ROM backing, NULL for I/O regions */
    bool readonly; /* ROM, or a read-only alias: guest and DMA writes are dropped */
    uint8_t
        *code_map; /* RAM: one byte per page, non-zero if translated code lives there */
    struct MemoryRegion *alias; /* an alias shows [alias_offset, +size) of this */
    uint64_t alias_offset;
} MemoryRegion;

/*
 * A piece of an address space's view. Aliases are resolved here: mr is never an
 * alias, so code tracking, dirty tracking, snapshots and DMA all meet the one region
 * that owns the bytes, whatever window they were reached through.
 */
typedef struct FlatRange {
    uint64_t start, end; /* [start, end) */
    MemoryRegion *mr;
    uint64_t offset_in_region;
    bool readonly; /* writes through this range are dropped (ROM, read-only alias) */
} FlatRange;

typedef struct MappedRegion {
    MemoryRegion *mr;
    uint64_t base;
    int priority;
} MappedRegion;

typedef struct AddressSpace {
    const char *name;
    uint64_t size;
    GArray *mapped;  /* MappedRegion, as requested */
    FlatRange *flat; /* non-overlapping view, sorted by start */
    unsigned nr_flat;
    uint64_t generation; /* bumped whenever the view changes (flushes TLBs) */
} AddressSpace;

void memory_region_init_io(MemoryRegion *mr, const char *name, const MemoryRegionOps *ops,
                           void *opaque, uint64_t size);
/* RAM is zero-filled and page aligned. */
void memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size);
void memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size);
/*
 * A window onto [offset, offset + size) of target (which may itself be an alias):
 * mapping it maps those bytes of target, and nothing of its own. The target must
 * outlive every mapping of the alias.
 */
void memory_region_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *target,
                              uint64_t offset, uint64_t size);
/*
 * Drop writes through this region (a read-only alias onto RAM, say). Address
 * spaces take the flag when the region is mapped: set it before mapping.
 */
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);
void memory_region_destroy(MemoryRegion *mr);

void address_space_init(AddressSpace *as, const char *name, uint64_t size);
void address_space_destroy(AddressSpace *as);
/* Map mr at base; where regions overlap, the higher priority wins. */
void address_space_map(AddressSpace *as, uint64_t base, MemoryRegion *mr, int priority);
void address_space_unmap(AddressSpace *as, MemoryRegion *mr);

/*
 * The flat range containing addr, or NULL if nothing is mapped there. *offset is the
 * offset of addr within the region, *avail the bytes left in this range from addr.
 */
const FlatRange *address_space_find(const AddressSpace *as, uint64_t addr);

/* One access of 1/2/4/8 bytes. Unassigned reads return all ones, writes are dropped. */
uint64_t address_space_ld(AddressSpace *as, uint64_t addr, unsigned size);
void address_space_st(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size);

/*
 * DMA: copy between the guest and a host buffer. MMIO is accessed byte-wise.
 * Returns false (copying nothing) if any part of [addr, addr+len) is unassigned
 * or outside the address space.
 */
bool dma_read(AddressSpace *as, uint64_t addr, void *buf, uint64_t len);
bool dma_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len);

/*
 * Host pointer to RAM at addr with at least len bytes contiguous, or NULL. It
 * ignores read-only windows: writers must check address_space_find()->readonly
 * first, and call memory_notify_write() afterwards.
 */
uint8_t *address_space_ram_ptr(AddressSpace *as, uint64_t addr, uint64_t len);

/*
 * Self-modifying-code support: the engine marks pages that hold translated code, and
 * every write to such a page (CPU slow path or DMA) invalidates the blocks on it.
 */
void memory_mark_code_page(MemoryRegion *ram, uint64_t offset);
void memory_notify_write(MemoryRegion *mr, uint64_t offset, uint64_t len);
/* Provided by the engine (accel/tcg): drop translations of guest RAM in the range. */
void tb_invalidate_ram_range(MemoryRegion *ram, uint64_t offset, uint64_t len);

#endif
