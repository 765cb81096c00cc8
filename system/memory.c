/*
 * The memory API: regions (RAM, ROM, MMIO/PIO) mapped into address spaces.
 *
 * Each address space keeps the list of mappings as requested and a flattened view
 * derived from it: non-overlapping ranges sorted by start, rebuilt on every map and
 * unmap, searched by binary search on every access. Where mappings overlap, the higher
 * priority wins, and among equal priorities the later mapping wins.
 *
 * An alias is a window onto part of another region. Flattening resolves it to the
 * region that owns the bytes (FlatRange.mr is never an alias), so RAM seen at two
 * addresses is still one region to code tracking, dirty tracking and snapshots; a
 * read-only alias only sets the range's readonly flag, which every write path obeys.
 *
 * Accesses are dispatched whole when they fall inside one range. An access that
 * straddles two ranges (or a range and a hole) is split into bytes, each dispatched on
 * its own, which is what a bus would do with an unaligned access across devices.
 * MMIO callbacks only ever see sizes between the region's min_size and max_size:
 * wider accesses are split into max_size pieces, narrower ones widened to min_size.
 */
#include "system/memory.h"
#include "util/log.h"

#include <sys/mman.h>

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static uint64_t page_count(uint64_t size)
{
    return (size + PAGE_SIZE - 1) >> PAGE_BITS;
}

/* ---- regions ---- */

void memory_region_init_io(MemoryRegion *mr, const char *name, const MemoryRegionOps *ops,
                           void *opaque, uint64_t size)
{
    *mr = (MemoryRegion){.name = name, .size = size, .ops = ops, .opaque = opaque};
}

/*
 * Anonymous mappings are page aligned and zero-filled lazily by the kernel, so a
 * guest with GiBs of RAM costs only what it touches.
 */
static uint8_t *ram_alloc(const char *name, uint64_t size)
{
    uint64_t bytes = page_count(size) << PAGE_BITS;
    void *p = mmap(NULL, bytes ? bytes : PAGE_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        /* init cannot fail: callers size RAM from validated options. */
        error_report("cannot allocate %" PRIu64 " bytes for '%s': %s", size, name,
                     g_strerror(errno));
        abort();
    }
    return p;
}

void memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    *mr = (MemoryRegion){.name = name, .size = size};
    mr->ram = ram_alloc(name, size);
    mr->code_map = g_malloc0(page_count(size) ? page_count(size) : 1);
}

void memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size)
{
    memory_region_init_ram(mr, name, size);
    mr->readonly = true;
}

void memory_region_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *target,
                              uint64_t offset, uint64_t size)
{
    assert(offset + size >= offset && offset + size <= target->size);
    *mr = (MemoryRegion){
        .name = name, .size = size, .alias = target, .alias_offset = offset};
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    mr->readonly = readonly;
}

void memory_region_destroy(MemoryRegion *mr)
{
    if (mr->ram) {
        uint64_t bytes = page_count(mr->size) << PAGE_BITS;
        munmap(mr->ram, bytes ? bytes : PAGE_SIZE);
    }
    g_free(mr->code_map);
    *mr = (MemoryRegion){0};
}

/* ---- flattening ---- */

/* The mapping visible at addr: highest priority, latest mapping on ties. */
static const MappedRegion *visible_mapping(const AddressSpace *as, uint64_t addr)
{
    const MappedRegion *best = NULL;
    for (guint i = 0; i < as->mapped->len; i++) {
        const MappedRegion *m = &g_array_index(as->mapped, MappedRegion, i);
        bool covers = addr >= m->base && addr - m->base < m->mr->size;
        if (covers && (!best || m->priority >= best->priority)) {
            best = m;
        }
    }
    return best;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Every address where the visible mapping may change, sorted, clipped to the space. */
static GArray *flat_boundaries(const AddressSpace *as)
{
    GArray *points = g_array_new(false, false, sizeof(uint64_t));
    g_array_append_val(points, as->size);
    for (guint i = 0; i < as->mapped->len; i++) {
        const MappedRegion *m = &g_array_index(as->mapped, MappedRegion, i);
        uint64_t end = m->base + m->mr->size;
        if (end < m->base || end > as->size) {
            end = as->size; /* clip, including wrap-around */
        }
        uint64_t start = MIN_U64(m->base, as->size);
        g_array_append_val(points, start);
        g_array_append_val(points, end);
    }
    g_array_sort(points, compare_u64);
    return points;
}

/* Follow aliases down to the region that owns the bytes; any read-only hop sticks. */
static FlatRange flat_resolve(uint64_t start, uint64_t end, const MappedRegion *m)
{
    FlatRange fr = {.start = start, .end = end, .offset_in_region = start - m->base};
    MemoryRegion *mr = m->mr;

    for (; mr->alias; mr = mr->alias) {
        fr.readonly |= mr->readonly;
        fr.offset_in_region += mr->alias_offset;
    }
    fr.mr = mr;
    fr.readonly |= mr->readonly;
    return fr;
}

static void flat_append(GArray *flat, uint64_t start, uint64_t end, const MappedRegion *m)
{
    FlatRange fr = flat_resolve(start, end, m);
    if (flat->len) {
        FlatRange *last = &g_array_index(flat, FlatRange, flat->len - 1);
        bool continues =
            last->mr == fr.mr && last->readonly == fr.readonly && last->end == start &&
            last->offset_in_region + (last->end - last->start) == fr.offset_in_region;
        if (continues) {
            last->end = end;
            return;
        }
    }
    g_array_append_val(flat, fr);
}

static void address_space_rebuild(AddressSpace *as)
{
    GArray *points = flat_boundaries(as);
    GArray *flat = g_array_new(false, false, sizeof(FlatRange));
    for (guint i = 0; i + 1 < points->len; i++) {
        uint64_t start = g_array_index(points, uint64_t, i);
        uint64_t end = g_array_index(points, uint64_t, i + 1);
        const MappedRegion *m = start < end ? visible_mapping(as, start) : NULL;
        if (m) {
            flat_append(flat, start, end, m);
        }
    }
    g_array_free(points, true);
    g_free(as->flat);
    as->nr_flat = flat->len;
    as->flat = (FlatRange *)g_array_free(flat, false);
    as->generation++;
}

/* ---- address spaces ---- */

void address_space_init(AddressSpace *as, const char *name, uint64_t size)
{
    *as = (AddressSpace){.name = name, .size = size, .generation = 1};
    as->mapped = g_array_new(false, false, sizeof(MappedRegion));
}

void address_space_destroy(AddressSpace *as)
{
    g_array_free(as->mapped, true);
    g_free(as->flat);
    *as = (AddressSpace){0};
}

void address_space_map(AddressSpace *as, uint64_t base, MemoryRegion *mr, int priority)
{
    MappedRegion m = {.mr = mr, .base = base, .priority = priority};
    g_array_append_val(as->mapped, m);
    address_space_rebuild(as);
}

void address_space_unmap(AddressSpace *as, MemoryRegion *mr)
{
    for (guint i = as->mapped->len; i-- > 0;) {
        if (g_array_index(as->mapped, MappedRegion, i).mr == mr) {
            g_array_remove_index(as->mapped, i);
        }
    }
    address_space_rebuild(as);
}

const FlatRange *address_space_find(const AddressSpace *as, uint64_t addr)
{
    unsigned lo = 0, hi = as->nr_flat;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const FlatRange *fr = &as->flat[mid];
        if (addr < fr->start) {
            hi = mid;
        } else if (addr >= fr->end) {
            lo = mid + 1;
        } else {
            return fr;
        }
    }
    return NULL;
}

/* ---- dispatch within one region ---- */

static unsigned ops_min_size(const MemoryRegionOps *ops)
{
    return ops->min_size ? ops->min_size : 1;
}

static unsigned ops_max_size(const MemoryRegionOps *ops)
{
    return ops->max_size ? ops->max_size : 8;
}

static uint64_t io_read_exact(MemoryRegion *mr, uint64_t offset, unsigned size)
{
    if (!mr->ops->read) {
        return size_mask(size);
    }
    return mr->ops->read(mr->opaque, offset, size) & size_mask(size);
}

static void io_write_exact(MemoryRegion *mr, uint64_t offset, uint64_t val, unsigned size)
{
    if (mr->ops->write) {
        mr->ops->write(mr->opaque, offset, val & size_mask(size), size);
    }
}

static uint64_t io_read(MemoryRegion *mr, uint64_t offset, unsigned size);
static void io_write(MemoryRegion *mr, uint64_t offset, uint64_t val, unsigned size);

/* Little endian assembly of an access from `piece`-sized reads. */
static uint64_t io_read_split(MemoryRegion *mr, uint64_t offset, unsigned size,
                              unsigned piece)
{
    uint64_t val = 0;
    for (unsigned i = 0; i < size; i += piece) {
        val |= io_read(mr, offset + i, piece) << (i * 8);
    }
    return val;
}

static void io_write_split(MemoryRegion *mr, uint64_t offset, uint64_t val, unsigned size,
                           unsigned piece)
{
    for (unsigned i = 0; i < size; i += piece) {
        io_write(mr, offset + i, val >> (i * 8), piece);
    }
}

static bool fits_in_aligned_unit(uint64_t offset, unsigned size, unsigned unit)
{
    return (offset & (unit - 1)) + size <= unit;
}

static uint64_t io_read(MemoryRegion *mr, uint64_t offset, unsigned size)
{
    unsigned min = ops_min_size(mr->ops), max = ops_max_size(mr->ops);
    if (size > max) {
        return io_read_split(mr, offset, size, max);
    }
    if (size >= min) {
        return io_read_exact(mr, offset, size);
    }
    if (!fits_in_aligned_unit(offset, size, min)) {
        return io_read_split(mr, offset, size, 1);
    }
    uint64_t base = offset & ~(uint64_t)(min - 1);
    uint64_t wide = io_read_exact(mr, base, min);
    return (wide >> ((offset - base) * 8)) & size_mask(size);
}

/*
 * A write narrower than the device accepts becomes read-modify-write of the
 * enclosing unit, so the bytes the guest did not write keep their value.
 */
static void io_write(MemoryRegion *mr, uint64_t offset, uint64_t val, unsigned size)
{
    unsigned min = ops_min_size(mr->ops), max = ops_max_size(mr->ops);
    if (size > max) {
        io_write_split(mr, offset, val, size, max);
        return;
    }
    if (size >= min) {
        io_write_exact(mr, offset, val, size);
        return;
    }
    if (!fits_in_aligned_unit(offset, size, min)) {
        io_write_split(mr, offset, val, size, 1);
        return;
    }
    uint64_t base = offset & ~(uint64_t)(min - 1);
    unsigned shift = (offset - base) * 8;
    uint64_t wide = io_read_exact(mr, base, min);
    wide &= ~(size_mask(size) << shift);
    wide |= (val & size_mask(size)) << shift;
    io_write_exact(mr, base, wide, min);
}

static uint64_t region_read(MemoryRegion *mr, uint64_t offset, unsigned size)
{
    if (mr->ram) {
        uint64_t val = 0;
        memcpy(&val, mr->ram + offset, size); /* host and guest are little endian */
        return val;
    }
    return io_read(mr, offset, size);
}

static void region_write(const FlatRange *fr, uint64_t offset, uint64_t val,
                         unsigned size)
{
    MemoryRegion *mr = fr->mr;

    if (fr->readonly) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "write to read-only '%s' at offset 0x%" PRIx64 " ignored\n",
                        mr->name, offset);
    } else if (!mr->ram) {
        io_write(mr, offset, val, size);
    } else {
        memcpy(mr->ram + offset, &val, size);
        memory_notify_write(mr, offset, size);
    }
}

/* ---- accesses through an address space ---- */

/* Probing unassigned ports is normal for a guest; probing holes in memory is not. */
static unsigned unassigned_log_mask(const AddressSpace *as)
{
    return as->size <= 0x10000 ? LOG_IOPORT : LOG_GUEST_ERROR;
}

static const FlatRange *find_whole(const AddressSpace *as, uint64_t addr, uint64_t len)
{
    const FlatRange *fr = address_space_find(as, addr);
    if (fr && addr + len >= addr && addr + len <= fr->end) {
        return fr;
    }
    return NULL;
}

static uint64_t range_offset(const FlatRange *fr, uint64_t addr)
{
    return addr - fr->start + fr->offset_in_region;
}

uint64_t address_space_ld(AddressSpace *as, uint64_t addr, unsigned size)
{
    const FlatRange *fr = find_whole(as, addr, size);
    if (fr) {
        return region_read(fr->mr, range_offset(fr, addr), size);
    }
    if (size > 1) {
        uint64_t val = 0;
        for (unsigned i = 0; i < size; i++) {
            val |= address_space_ld(as, addr + i, 1) << (i * 8);
        }
        return val;
    }
    log_mask_printf(unassigned_log_mask(as), "%s: unassigned read at 0x%" PRIx64 "\n",
                    as->name, addr);
    return 0xff;
}

void address_space_st(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size)
{
    const FlatRange *fr = find_whole(as, addr, size);
    if (fr) {
        region_write(fr, range_offset(fr, addr), val, size);
        return;
    }
    if (size > 1) {
        for (unsigned i = 0; i < size; i++) {
            address_space_st(as, addr + i, val >> (i * 8), 1);
        }
        return;
    }
    log_mask_printf(unassigned_log_mask(as),
                    "%s: unassigned write at 0x%" PRIx64 " value 0x%02" PRIx64 "\n",
                    as->name, addr, val & 0xff);
}

/* ---- DMA ---- */

static bool dma_range_assigned(const AddressSpace *as, uint64_t addr, uint64_t len)
{
    if (addr + len < addr) {
        return false;
    }
    uint64_t end = addr + len;
    while (addr < end) {
        const FlatRange *fr = address_space_find(as, addr);
        if (!fr) {
            return false;
        }
        addr = fr->end;
    }
    return true;
}

/* Apply `chunk` to each piece of [addr, addr+len) that lies within one flat range. */
typedef void DMAChunkFn(const FlatRange *fr, uint64_t offset, uint8_t *buf, uint64_t len);

static void dma_walk(AddressSpace *as, uint64_t addr, uint8_t *buf, uint64_t len,
                     DMAChunkFn *chunk)
{
    while (len) {
        const FlatRange *fr = address_space_find(as, addr);
        uint64_t n = MIN_U64(len, fr->end - addr);
        chunk(fr, range_offset(fr, addr), buf, n);
        addr += n;
        buf += n;
        len -= n;
    }
}

static void dma_read_chunk(const FlatRange *fr, uint64_t offset, uint8_t *buf,
                           uint64_t len)
{
    MemoryRegion *mr = fr->mr;

    if (mr->ram) {
        memcpy(buf, mr->ram + offset, len);
        return;
    }
    for (uint64_t i = 0; i < len; i++) {
        buf[i] = io_read(mr, offset + i, 1);
    }
}

static void dma_write_chunk(const FlatRange *fr, uint64_t offset, uint8_t *buf,
                            uint64_t len)
{
    MemoryRegion *mr = fr->mr;

    if (fr->readonly) {
        return; /* ROM or a read-only window: like a guest write, ignored */
    }
    if (mr->ram) {
        memcpy(mr->ram + offset, buf, len);
        memory_notify_write(mr, offset, len);
        return;
    }
    for (uint64_t i = 0; i < len; i++) {
        io_write(mr, offset + i, buf[i], 1);
    }
}

bool dma_read(AddressSpace *as, uint64_t addr, void *buf, uint64_t len)
{
    if (!dma_range_assigned(as, addr, len)) {
        return false;
    }
    dma_walk(as, addr, buf, len, dma_read_chunk);
    return true;
}

bool dma_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len)
{
    if (!dma_range_assigned(as, addr, len)) {
        return false;
    }
    /* dma_walk shares one signature for both directions; writers never modify buf. */
    dma_walk(as, addr, (uint8_t *)buf, len, dma_write_chunk);
    return true;
}

uint8_t *address_space_ram_ptr(AddressSpace *as, uint64_t addr, uint64_t len)
{
    const FlatRange *fr = find_whole(as, addr, len);
    if (!fr || !fr->mr->ram) {
        return NULL;
    }
    return fr->mr->ram + range_offset(fr, addr);
}

/* ---- self-modifying code ---- */

void memory_mark_code_page(MemoryRegion *ram, uint64_t offset)
{
    assert(ram->code_map && offset < ram->size);
    ram->code_map[offset >> PAGE_BITS] = 1;
}

void memory_notify_write(MemoryRegion *mr, uint64_t offset, uint64_t len)
{
    if (!mr->code_map || len == 0) {
        return;
    }
    uint64_t last = (offset + len - 1) >> PAGE_BITS;
    for (uint64_t page = offset >> PAGE_BITS; page <= last; page++) {
        if (mr->code_map[page]) {
            tb_invalidate_ram_range(mr, offset, len);
            return;
        }
    }
}
