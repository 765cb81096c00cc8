/* Unit tests for the memory API: flattening, dispatch, splitting, DMA and code pages. */
#include "system/memory.h"
#include "util/log.h"

/* A fake device that records its accesses and serves reads from a register file. */
typedef struct FakeDev {
    uint8_t regs[64];
    unsigned nr_accesses;
    uint64_t last_offset;
    unsigned last_size;
    bool last_was_write;
} FakeDev;

static uint64_t fake_read(void *opaque, uint64_t offset, unsigned size)
{
    FakeDev *d = opaque;
    uint64_t val = 0;
    memcpy(&val, d->regs + offset, size);
    d->nr_accesses++;
    d->last_offset = offset;
    d->last_size = size;
    d->last_was_write = false;
    return val;
}

static void fake_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    FakeDev *d = opaque;
    memcpy(d->regs + offset, &val, size);
    d->nr_accesses++;
    d->last_offset = offset;
    d->last_size = size;
    d->last_was_write = true;
}

static const MemoryRegionOps any_size_ops = {.read = fake_read, .write = fake_write};
static const MemoryRegionOps dword_ops = {
    .read = fake_read, .write = fake_write, .min_size = 4, .max_size = 4};
static const MemoryRegionOps byte_ops = {
    .read = fake_read, .write = fake_write, .min_size = 1, .max_size = 1};

static void fill_ram(MemoryRegion *mr, uint8_t byte)
{
    memset(mr->ram, byte, mr->size);
}

static void test_ram_zeroed_and_aligned(void)
{
    MemoryRegion ram;
    memory_region_init_ram(&ram, "ram", 3 * PAGE_SIZE + 5);
    g_assert_cmpuint((uintptr_t)ram.ram % PAGE_SIZE, ==, 0);
    for (uint64_t i = 0; i < ram.size; i++) {
        g_assert_cmpuint(ram.ram[i], ==, 0);
    }
    g_assert_nonnull(ram.code_map);
    memory_region_destroy(&ram);
}

static void test_ram_load_store(void)
{
    AddressSpace as;
    MemoryRegion ram;
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_ram(&ram, "ram", 0x10000);
    address_space_map(&as, 0x1000, &ram, 0);

    address_space_st(&as, 0x1000, 0x1122334455667788ull, 8);
    g_assert_cmphex(ram.ram[0], ==, 0x88);
    g_assert_cmphex(ram.ram[7], ==, 0x11);
    g_assert_cmphex(address_space_ld(&as, 0x1000, 8), ==, 0x1122334455667788ull);
    g_assert_cmphex(address_space_ld(&as, 0x1001, 2), ==, 0x6677);
    g_assert_cmphex(address_space_ld(&as, 0x1003, 4), ==, 0x22334455);
    address_space_st(&as, 0x1002, 0xabcd, 2);
    g_assert_cmphex(address_space_ld(&as, 0x1000, 8), ==, 0x11223344abcd7788ull);

    address_space_destroy(&as);
    memory_region_destroy(&ram);
}

static void test_overlap_priority(void)
{
    AddressSpace as;
    MemoryRegion low, high;
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_ram(&low, "low", 0x4000);
    memory_region_init_ram(&high, "high", 0x1000);
    fill_ram(&low, 0x11);
    fill_ram(&high, 0x22);

    /* The higher priority wins even though it was mapped first. */
    address_space_map(&as, 0x1000, &high, 1);
    address_space_map(&as, 0, &low, 0);
    g_assert_cmphex(address_space_ld(&as, 0x0fff, 1), ==, 0x11);
    g_assert_cmphex(address_space_ld(&as, 0x1000, 1), ==, 0x22);
    g_assert_cmphex(address_space_ld(&as, 0x1fff, 1), ==, 0x22);
    g_assert_cmphex(address_space_ld(&as, 0x2000, 1), ==, 0x11);
    g_assert_cmpuint(as.nr_flat, ==, 3);

    /* The low region shows through with the right offset after the hole closes. */
    low.ram[0x2345] = 0x99;
    g_assert_cmphex(address_space_ld(&as, 0x2345, 1), ==, 0x99);

    const FlatRange *fr = address_space_find(&as, 0x2345);
    g_assert_true(fr->mr == &low);
    g_assert_cmphex(fr->start, ==, 0x2000);
    g_assert_cmphex(fr->end, ==, 0x4000);
    g_assert_cmphex(fr->offset_in_region, ==, 0x2000);

    address_space_destroy(&as);
    memory_region_destroy(&low);
    memory_region_destroy(&high);
}

static void test_equal_priority_later_wins(void)
{
    AddressSpace as;
    MemoryRegion a, b;
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_ram(&a, "a", 0x2000);
    memory_region_init_ram(&b, "b", 0x2000);
    fill_ram(&a, 0xaa);
    fill_ram(&b, 0xbb);
    address_space_map(&as, 0, &a, 0);
    address_space_map(&as, 0x1000, &b, 0);
    g_assert_cmphex(address_space_ld(&as, 0x0fff, 1), ==, 0xaa);
    g_assert_cmphex(address_space_ld(&as, 0x1000, 1), ==, 0xbb);
    g_assert_cmphex(address_space_ld(&as, 0x2fff, 1), ==, 0xbb);
    g_assert_null(address_space_find(&as, 0x3000));
    address_space_destroy(&as);
    memory_region_destroy(&a);
    memory_region_destroy(&b);
}

static void test_unmap_and_generation(void)
{
    AddressSpace as;
    MemoryRegion low, high;
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_ram(&low, "low", 0x2000);
    memory_region_init_ram(&high, "high", 0x1000);
    fill_ram(&low, 0x11);
    fill_ram(&high, 0x22);
    uint64_t gen = as.generation;
    address_space_map(&as, 0, &low, 0);
    g_assert_cmpuint(as.generation, >, gen);
    address_space_map(&as, 0x1000, &high, 5);
    g_assert_cmphex(address_space_ld(&as, 0x1000, 1), ==, 0x22);

    gen = as.generation;
    address_space_unmap(&as, &high);
    g_assert_cmpuint(as.generation, >, gen);
    g_assert_cmphex(address_space_ld(&as, 0x1000, 1), ==, 0x11);
    /* The two halves of low merge back into one range. */
    g_assert_cmpuint(as.nr_flat, ==, 1);

    address_space_unmap(&as, &low);
    g_assert_cmpuint(as.nr_flat, ==, 0);
    g_assert_cmphex(address_space_ld(&as, 0x1000, 4), ==, 0xffffffff);
    address_space_destroy(&as);
    memory_region_destroy(&low);
    memory_region_destroy(&high);
}

static void test_clipped_to_space(void)
{
    AddressSpace io;
    MemoryRegion a, b;
    FakeDev dev = {0};
    address_space_init(&io, "io", 0x10000);
    memory_region_init_io(&a, "a", &any_size_ops, &dev, 0x20);
    memory_region_init_io(&b, "b", &any_size_ops, &dev, 0x20);
    address_space_map(&io, 0xfff0, &a, 0);  /* half outside */
    address_space_map(&io, 0x10008, &b, 0); /* wholly outside */
    g_assert_cmpuint(io.nr_flat, ==, 1);
    g_assert_cmphex(io.flat[0].start, ==, 0xfff0);
    g_assert_cmphex(io.flat[0].end, ==, 0x10000);
    g_assert_null(address_space_find(&io, 0x10010));
    address_space_destroy(&io);
}

static void test_many_regions_lookup(void)
{
    enum { N = 100 };
    AddressSpace as;
    MemoryRegion rom[N];
    address_space_init(&as, "memory", 1ull << 32);
    for (int i = 0; i < N; i++) {
        memory_region_init_rom(&rom[i], "rom", PAGE_SIZE);
        fill_ram(&rom[i], i);
        /* Every other page, mapped in a scrambled order. */
        address_space_map(&as, ((i * 37) % N) * 2 * PAGE_SIZE, &rom[i], 0);
    }
    g_assert_cmpuint(as.nr_flat, ==, N);
    for (int i = 0; i < N; i++) {
        uint64_t base = ((i * 37) % N) * 2 * PAGE_SIZE;
        g_assert_cmpuint(address_space_ld(&as, base + 17, 1), ==, i);
        g_assert_null(address_space_find(&as, base + PAGE_SIZE));
    }
    address_space_destroy(&as);
    for (int i = 0; i < N; i++) {
        memory_region_destroy(&rom[i]);
    }
}

static void test_unassigned(void)
{
    AddressSpace as;
    MemoryRegion ram;
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_ram(&ram, "ram", 0x1000);
    address_space_map(&as, 0, &ram, 0);
    g_assert_cmphex(address_space_ld(&as, 0x5000, 1), ==, 0xff);
    g_assert_cmphex(address_space_ld(&as, 0x5000, 2), ==, 0xffff);
    g_assert_cmphex(address_space_ld(&as, 0x5000, 4), ==, 0xffffffff);
    g_assert_cmphex(address_space_ld(&as, 0x5000, 8), ==, UINT64_MAX);
    /* Beyond the end of the space, and wrapping around the top. */
    g_assert_cmphex(address_space_ld(&as, 1ull << 32, 4), ==, 0xffffffff);
    g_assert_cmphex(address_space_ld(&as, (1ull << 32) - 1, 2), ==, 0xffff);
    address_space_st(&as, 0x5000, 0x12345678, 4);

    /* An access straddling RAM and a hole reads the RAM bytes and ones for the rest. */
    ram.ram[0xffe] = 0x34;
    ram.ram[0xfff] = 0x12;
    g_assert_cmphex(address_space_ld(&as, 0xffe, 4), ==, 0xffff1234);
    address_space_st(&as, 0xffe, 0xaabbccdd, 4);
    g_assert_cmphex(ram.ram[0xffe], ==, 0xdd);
    g_assert_cmphex(ram.ram[0xfff], ==, 0xcc);
    address_space_destroy(&as);
    memory_region_destroy(&ram);
}

static void test_rom_ignores_writes(void)
{
    AddressSpace as;
    MemoryRegion rom;
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_rom(&rom, "bios", 0x1000);
    g_assert_true(rom.readonly);
    rom.ram[0x10] = 0x5a;
    address_space_map(&as, 0xf000, &rom, 0);
    address_space_st(&as, 0xf010, 0xff, 1);
    g_assert_cmphex(address_space_ld(&as, 0xf010, 1), ==, 0x5a);
    uint8_t byte = 0;
    g_assert_true(dma_write(&as, 0xf010, &byte, 1));
    g_assert_cmphex(rom.ram[0x10], ==, 0x5a);
    g_assert_true(dma_read(&as, 0xf010, &byte, 1));
    g_assert_cmphex(byte, ==, 0x5a);
    address_space_destroy(&as);
    memory_region_destroy(&rom);
}

static void test_io_space_dispatch(void)
{
    AddressSpace io;
    MemoryRegion port;
    FakeDev dev = {0};
    address_space_init(&io, "io", 0x10000);
    memory_region_init_io(&port, "fake", &any_size_ops, &dev, 8);
    address_space_map(&io, 0x3f8, &port, 0);

    address_space_st(&io, 0x3fb, 0x83, 1);
    g_assert_true(dev.last_was_write);
    g_assert_cmpuint(dev.last_offset, ==, 3);
    g_assert_cmpuint(dev.last_size, ==, 1);
    g_assert_cmphex(dev.regs[3], ==, 0x83);

    address_space_st(&io, 0x3fc, 0xbeef, 2);
    g_assert_cmpuint(dev.last_offset, ==, 4);
    g_assert_cmpuint(dev.last_size, ==, 2);
    g_assert_cmphex(address_space_ld(&io, 0x3fc, 2), ==, 0xbeef);
    g_assert_false(dev.last_was_write);

    /* Unassigned ports float high; the device sees nothing. */
    unsigned before = dev.nr_accesses;
    g_assert_cmphex(address_space_ld(&io, 0x80, 1), ==, 0xff);
    address_space_st(&io, 0x80, 0, 1);
    g_assert_cmpuint(dev.nr_accesses, ==, before);
    address_space_destroy(&io);
}

static void test_split_wide_access(void)
{
    AddressSpace as;
    MemoryRegion mmio;
    FakeDev dev = {0};
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_io(&mmio, "bytes", &byte_ops, &dev, 16);
    address_space_map(&as, 0x1000, &mmio, 0);

    address_space_st(&as, 0x1000, 0x0807060504030201ull, 8);
    g_assert_cmpuint(dev.nr_accesses, ==, 8);
    g_assert_cmpuint(dev.last_size, ==, 1);
    g_assert_cmpuint(dev.last_offset, ==, 7);
    for (int i = 0; i < 8; i++) {
        g_assert_cmpuint(dev.regs[i], ==, i + 1);
    }
    dev.nr_accesses = 0;
    g_assert_cmphex(address_space_ld(&as, 0x1002, 4), ==, 0x06050403);
    g_assert_cmpuint(dev.nr_accesses, ==, 4);
    address_space_destroy(&as);
}

static void test_widen_narrow_access(void)
{
    AddressSpace as;
    MemoryRegion mmio;
    FakeDev dev = {0};
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_io(&mmio, "dwords", &dword_ops, &dev, 16);
    address_space_map(&as, 0x1000, &mmio, 0);
    memcpy(dev.regs, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);

    g_assert_cmphex(address_space_ld(&as, 0x1001, 1), ==, 0x22);
    g_assert_cmpuint(dev.last_size, ==, 4);
    g_assert_cmpuint(dev.last_offset, ==, 0);
    g_assert_cmphex(address_space_ld(&as, 0x1006, 2), ==, 0x8877);
    g_assert_cmpuint(dev.last_offset, ==, 4);

    /* A byte write keeps the other bytes of the dword (read-modify-write). */
    address_space_st(&as, 0x1002, 0xee, 1);
    g_assert_cmpuint(dev.last_size, ==, 4);
    g_assert_true(dev.last_was_write);
    g_assert_cmphex(address_space_ld(&as, 0x1000, 4), ==, 0x44ee2211);

    /* An 8-byte access becomes two dwords, a 2-byte access across dwords two reads. */
    dev.nr_accesses = 0;
    g_assert_cmphex(address_space_ld(&as, 0x1000, 8), ==, 0x8877665544ee2211ull);
    g_assert_cmpuint(dev.nr_accesses, ==, 2);
    g_assert_cmphex(address_space_ld(&as, 0x1003, 2), ==, 0x5544);
    address_space_destroy(&as);
}

static void test_unaligned_across_regions(void)
{
    AddressSpace as;
    MemoryRegion ram, mmio;
    FakeDev dev = {0};
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_ram(&ram, "ram", 0x1000);
    memory_region_init_io(&mmio, "mmio", &any_size_ops, &dev, 0x10);
    address_space_map(&as, 0, &ram, 0);
    address_space_map(&as, 0x1000, &mmio, 0);

    address_space_st(&as, 0xffe, 0x44332211, 4);
    g_assert_cmphex(ram.ram[0xffe], ==, 0x11);
    g_assert_cmphex(ram.ram[0xfff], ==, 0x22);
    g_assert_cmphex(dev.regs[0], ==, 0x33);
    g_assert_cmphex(dev.regs[1], ==, 0x44);
    g_assert_cmpuint(dev.last_size, ==, 1);
    g_assert_cmphex(address_space_ld(&as, 0xfff, 2), ==, 0x3322);
    address_space_destroy(&as);
    memory_region_destroy(&ram);
}

static void test_dma_bounds(void)
{
    AddressSpace as;
    MemoryRegion ram, mmio;
    FakeDev dev = {0};
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_ram(&ram, "ram", 0x2000);
    memory_region_init_io(&mmio, "mmio", &dword_ops, &dev, 0x10);
    address_space_map(&as, 0, &ram, 0);
    address_space_map(&as, 0x2000, &mmio, 0);

    uint8_t buf[0x20];
    memset(buf, 0x5a, sizeof(buf));
    /* Crossing from RAM into MMIO: both parts are written. */
    g_assert_true(dma_write(&as, 0x1ff8, buf, 0x10));
    g_assert_cmphex(ram.ram[0x1fff], ==, 0x5a);
    g_assert_cmphex(dev.regs[7], ==, 0x5a);
    g_assert_cmphex(dev.regs[8], ==, 0);

    /* Running off the end of the MMIO region fails and copies nothing. */
    memset(buf, 0x77, sizeof(buf));
    g_assert_false(dma_write(&as, 0x1ff0, buf, 0x30));
    g_assert_cmphex(ram.ram[0x1ff0], ==, 0);
    g_assert_false(dma_read(&as, 0x2008, buf, 0x10));
    g_assert_cmphex(buf[0], ==, 0x77);
    g_assert_false(dma_read(&as, UINT64_MAX - 3, buf, 8));
    g_assert_false(dma_read(&as, 0x5000, buf, 1));

    g_assert_true(dma_read(&as, 0x1ffc, buf, 8));
    g_assert_cmphex(buf[3], ==, 0x5a);
    g_assert_cmphex(buf[7], ==, 0x5a);
    g_assert_true(dma_read(&as, 0x5000, buf, 0));
    address_space_destroy(&as);
    memory_region_destroy(&ram);
}

static void test_ram_ptr(void)
{
    AddressSpace as;
    MemoryRegion low, high;
    FakeDev dev = {0};
    MemoryRegion mmio;
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_ram(&low, "low", 0x2000);
    memory_region_init_ram(&high, "high", 0x1000);
    memory_region_init_io(&mmio, "mmio", &any_size_ops, &dev, 0x10);
    address_space_map(&as, 0, &low, 0);
    address_space_map(&as, 0x2000, &high, 0);
    address_space_map(&as, 0x3000, &mmio, 0);

    g_assert_true(address_space_ram_ptr(&as, 0x1800, 0x800) == low.ram + 0x1800);
    g_assert_true(address_space_ram_ptr(&as, 0x2010, 4) == high.ram + 0x10);
    /* Contiguous in the guest but two host buffers: no single pointer. */
    g_assert_null(address_space_ram_ptr(&as, 0x1ffe, 4));
    g_assert_null(address_space_ram_ptr(&as, 0x3000, 1));
    g_assert_null(address_space_ram_ptr(&as, 0x9000, 1));
    address_space_destroy(&as);
    memory_region_destroy(&low);
    memory_region_destroy(&high);
}

/*
 * The engine (accel/tcg) drops the translations on a written code page and clears
 * the page's code_map entry; a write anywhere else must leave the marks alone.
 */
static void test_code_page_write_invalidates(void)
{
    AddressSpace as;
    MemoryRegion ram;
    address_space_init(&as, "memory", 1ull << 32);
    memory_region_init_ram(&ram, "ram", 4 * PAGE_SIZE);
    address_space_map(&as, 0, &ram, 0);
    memory_mark_code_page(&ram, 2 * PAGE_SIZE + 100);
    g_assert_cmpuint(ram.code_map[2], !=, 0);
    g_assert_cmpuint(ram.code_map[1], ==, 0);

    address_space_st(&as, PAGE_SIZE + 8, 0x90, 1);
    g_assert_cmpuint(ram.code_map[2], !=, 0);
    address_space_st(&as, 2 * PAGE_SIZE + 8, 0x90, 1);
    g_assert_cmpuint(ram.code_map[2], ==, 0);

    memory_mark_code_page(&ram, 3 * PAGE_SIZE);
    uint8_t buf[16] = {0};
    g_assert_true(dma_write(&as, 3 * PAGE_SIZE - 8, buf, sizeof(buf)));
    g_assert_cmpuint(ram.code_map[3], ==, 0);
    address_space_destroy(&as);
    memory_region_destroy(&ram);
}

static void test_big_lazy_ram(void)
{
    MemoryRegion ram;
    /* 16 GiB of address space costs nothing until touched. */
    memory_region_init_ram(&ram, "big", 16ull << 30);
    ram.ram[(16ull << 30) - 1] = 1;
    g_assert_cmpuint(ram.ram[8ull << 30], ==, 0);
    memory_region_destroy(&ram);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/ram/zeroed-aligned", test_ram_zeroed_and_aligned);
    g_test_add_func("/memory/ram/load-store", test_ram_load_store);
    g_test_add_func("/memory/ram/big-lazy", test_big_lazy_ram);
    g_test_add_func("/memory/flat/priority", test_overlap_priority);
    g_test_add_func("/memory/flat/equal-priority", test_equal_priority_later_wins);
    g_test_add_func("/memory/flat/unmap", test_unmap_and_generation);
    g_test_add_func("/memory/flat/many", test_many_regions_lookup);
    g_test_add_func("/memory/flat/clipped", test_clipped_to_space);
    g_test_add_func("/memory/access/unassigned", test_unassigned);
    g_test_add_func("/memory/access/rom", test_rom_ignores_writes);
    g_test_add_func("/memory/access/io-space", test_io_space_dispatch);
    g_test_add_func("/memory/access/split", test_split_wide_access);
    g_test_add_func("/memory/access/widen", test_widen_narrow_access);
    g_test_add_func("/memory/access/across-regions", test_unaligned_across_regions);
    g_test_add_func("/memory/dma/bounds", test_dma_bounds);
    g_test_add_func("/memory/ram-ptr", test_ram_ptr);
    g_test_add_func("/memory/code-page", test_code_page_write_invalidates);
    return g_test_run();
}
