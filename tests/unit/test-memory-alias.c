/*
 * Unit tests for memory-region aliases: a window onto part of another region, as the
 * pc machine uses for RAM above 4 GiB and the PAM shadow segments. Accesses through
 * the window reach the target's bytes; a read-only window drops CPU-side and DMA
 * writes; overlaps follow priorities; and because the flat view names the target
 * region, code translated through one address is invalidated by writes through the
 * other (self-modifying code, and loadvm rewriting RAM, depend on that).
 */
#include "hw/machine.h"
#include "system/cpu-exec.h"
#include "target/i386/cpu.h"
#include "util/le.h"

#define RAM_PAGES 16
#define AS_SIZE   (1ull << 20)

typedef struct Fx {
    AddressSpace as;
    MemoryRegion ram, alias;
} Fx;

static void fx_init(Fx *fx)
{
    *fx = (Fx){0};
    address_space_init(&fx->as, "test", AS_SIZE);
    memory_region_init_ram(&fx->ram, "ram", RAM_PAGES * PAGE_SIZE);
    for (uint64_t i = 0; i < fx->ram.size; i++) {
        fx->ram.ram[i] = (uint8_t)(i * 7 + (i >> PAGE_BITS));
    }
}

static void fx_destroy(Fx *fx)
{
    address_space_destroy(&fx->as);
    memory_region_destroy(&fx->alias);
    memory_region_destroy(&fx->ram);
}

/* The alias of pages [2, 6) of RAM, mapped alone at 0x80000. */
static void fx_map_window(Fx *fx, bool readonly)
{
    memory_region_init_alias(&fx->alias, "window", &fx->ram, 2 * PAGE_SIZE,
                             4 * PAGE_SIZE);
    memory_region_set_readonly(&fx->alias, readonly);
    address_space_map(&fx->as, 0x80000, &fx->alias, 0);
}

/* ---- flattening ---- */

static void test_flat_range_names_target(void)
{
    Fx fx;
    const FlatRange *fr;

    fx_init(&fx);
    fx_map_window(&fx, false);
    fr = address_space_find(&fx.as, 0x81234);
    g_assert_nonnull(fr);
    g_assert_true(fr->mr == &fx.ram);
    g_assert_cmphex(fr->start, ==, 0x80000);
    g_assert_cmphex(fr->end, ==, 0x84000);
    g_assert_cmphex(fr->offset_in_region, ==, 2 * PAGE_SIZE);
    g_assert_false(fr->readonly);
    g_assert_null(address_space_find(&fx.as, 0x84000));
    fx_destroy(&fx);
}

/* An alias of an alias adds the offsets and keeps a read-only hop read-only. */
static void test_alias_of_alias(void)
{
    Fx fx;
    MemoryRegion outer;
    const FlatRange *fr;

    fx_init(&fx);
    memory_region_init_alias(&fx.alias, "inner", &fx.ram, 2 * PAGE_SIZE, 8 * PAGE_SIZE);
    memory_region_set_readonly(&fx.alias, true);
    memory_region_init_alias(&outer, "outer", &fx.alias, PAGE_SIZE, 2 * PAGE_SIZE);
    address_space_map(&fx.as, 0x10000, &outer, 0);
    fr = address_space_find(&fx.as, 0x10000);
    g_assert_true(fr->mr == &fx.ram);
    g_assert_cmphex(fr->offset_in_region, ==, 3 * PAGE_SIZE);
    g_assert_true(fr->readonly);
    g_assert_cmphex(address_space_ld(&fx.as, 0x10010, 1), ==,
                    fx.ram.ram[3 * PAGE_SIZE + 0x10]);
    address_space_unmap(&fx.as, &outer);
    fx_destroy(&fx);
}

/* ---- accesses ---- */

static void test_alias_read_write(void)
{
    Fx fx;

    fx_init(&fx);
    fx_map_window(&fx, false);
    g_assert_cmphex(address_space_ld(&fx.as, 0x80ff8, 8), ==,
                    le_get_u64(fx.ram.ram + 2 * PAGE_SIZE + 0xff8));
    address_space_st(&fx.as, 0x81ffe, 0xa1b2c3d4, 4); /* straddles two RAM pages */
    g_assert_cmphex(le_get_u32(fx.ram.ram + 3 * PAGE_SIZE + 0xffe), ==, 0xa1b2c3d4);
    /* ...and a direct write to RAM is visible through the window. */
    fx.ram.ram[5 * PAGE_SIZE + 3] = 0x5a;
    g_assert_cmphex(address_space_ld(&fx.as, 0x83003, 1), ==, 0x5a);
    fx_destroy(&fx);
}

static void test_readonly_alias_drops_writes(void)
{
    Fx fx;
    uint8_t before[8];

    fx_init(&fx);
    fx_map_window(&fx, true);
    memcpy(before, fx.ram.ram + 2 * PAGE_SIZE + 0x40, 8);
    g_assert_true(address_space_find(&fx.as, 0x80040)->readonly);
    address_space_st(&fx.as, 0x80040, 0x1122334455667788ull, 8);
    address_space_st(&fx.as, 0x80043, 0xff, 1);
    g_assert_cmpmem(fx.ram.ram + 2 * PAGE_SIZE + 0x40, 8, before, 8);
    g_assert_cmphex(address_space_ld(&fx.as, 0x80040, 8), ==, le_get_u64(before));
    fx_destroy(&fx);
}

/* A ROM reached through a (writable) alias stays read-only. */
static void test_alias_of_rom_is_readonly(void)
{
    AddressSpace as;
    MemoryRegion rom, alias;

    address_space_init(&as, "test", AS_SIZE);
    memory_region_init_rom(&rom, "rom", 2 * PAGE_SIZE);
    rom.ram[PAGE_SIZE] = 0xea;
    memory_region_init_alias(&alias, "isa-rom", &rom, PAGE_SIZE, PAGE_SIZE);
    address_space_map(&as, 0xf0000, &alias, 0);
    g_assert_true(address_space_find(&as, 0xf0000)->readonly);
    address_space_st(&as, 0xf0000, 0x90, 1);
    g_assert_cmphex(address_space_ld(&as, 0xf0000, 1), ==, 0xea);
    address_space_destroy(&as);
    memory_region_destroy(&rom);
}

/* ---- DMA ---- */

static void test_dma_through_alias(void)
{
    Fx fx;
    uint8_t out[0x20], in[0x20];

    fx_init(&fx);
    fx_map_window(&fx, false);
    address_space_map(&fx.as, 0, &fx.ram, 0);
    for (unsigned i = 0; i < sizeof(out); i++) {
        out[i] = (uint8_t)(0xc0 + i);
    }
    /* Straddles the window's first page boundary. */
    g_assert_true(dma_write(&fx.as, 0x80ff0, out, sizeof(out)));
    g_assert_cmpmem(fx.ram.ram + 2 * PAGE_SIZE + 0xff0, sizeof(out), out, sizeof(out));
    g_assert_true(dma_read(&fx.as, 2 * PAGE_SIZE + 0xff0, in, sizeof(in)));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    /* Past the window's end is a hole: the whole transfer is refused. */
    g_assert_false(dma_write(&fx.as, 0x83ff0, out, sizeof(out)));
    fx_destroy(&fx);
}

static void test_dma_readonly_alias(void)
{
    Fx fx;
    uint8_t out[16], in[16], before[16];

    fx_init(&fx);
    fx_map_window(&fx, true);
    memset(out, 0x77, sizeof(out));
    memcpy(before, fx.ram.ram + 2 * PAGE_SIZE + 0x100, sizeof(before));
    g_assert_true(dma_write(&fx.as, 0x80100, out, sizeof(out)));
    g_assert_cmpmem(fx.ram.ram + 2 * PAGE_SIZE + 0x100, 16, before, 16);
    g_assert_true(dma_read(&fx.as, 0x80100, in, sizeof(in)));
    g_assert_cmpmem(in, sizeof(in), before, sizeof(before));
    fx_destroy(&fx);
}

/* ---- overlap ---- */

/* A read-only window over RAM hides it where it lies, and only there. */
static void test_overlap_priority(void)
{
    Fx fx;

    fx_init(&fx);
    address_space_map(&fx.as, 0, &fx.ram, 0);
    memory_region_init_alias(&fx.alias, "shadow-ro", &fx.ram, 4 * PAGE_SIZE, PAGE_SIZE);
    memory_region_set_readonly(&fx.alias, true);
    address_space_map(&fx.as, 4 * PAGE_SIZE, &fx.alias, 1);
    g_assert_cmpuint(fx.as.nr_flat, ==, 3);
    address_space_st(&fx.as, 4 * PAGE_SIZE + 8, 0xee, 1);
    g_assert_cmphex(fx.ram.ram[4 * PAGE_SIZE + 8], !=, 0xee);
    address_space_st(&fx.as, 3 * PAGE_SIZE + 8, 0xee, 1);
    g_assert_cmphex(fx.ram.ram[3 * PAGE_SIZE + 8], ==, 0xee);
    address_space_st(&fx.as, 5 * PAGE_SIZE + 8, 0xee, 1);
    g_assert_cmphex(fx.ram.ram[5 * PAGE_SIZE + 8], ==, 0xee);
    /* Gone again: the three ranges merge back into one writable range. */
    address_space_unmap(&fx.as, &fx.alias);
    g_assert_cmpuint(fx.as.nr_flat, ==, 1);
    address_space_st(&fx.as, 4 * PAGE_SIZE + 8, 0xee, 1);
    g_assert_cmphex(fx.ram.ram[4 * PAGE_SIZE + 8], ==, 0xee);
    fx_destroy(&fx);
}

/* Below an equal-priority mapping made later, an alias loses. */
static void test_overlap_equal_priority_later_wins(void)
{
    Fx fx;
    MemoryRegion other;

    fx_init(&fx);
    memory_region_init_ram(&other, "other", PAGE_SIZE);
    fx_map_window(&fx, false);
    address_space_map(&fx.as, 0x81000, &other, 0);
    g_assert_true(address_space_find(&fx.as, 0x81000)->mr == &other);
    g_assert_true(address_space_find(&fx.as, 0x82000)->mr == &fx.ram);
    g_assert_cmphex(address_space_find(&fx.as, 0x82000)->offset_in_region, ==,
                    4 * PAGE_SIZE);
    fx_destroy(&fx);
    memory_region_destroy(&other);
}

/* ---- translated code ---- */

#define CODE_OFF   0x10000 /* in RAM */
#define ALIAS_BASE 0x20000 /* the same page, seen through an alias */

typedef struct CodeFx {
    Machine *m;
    CPUX86State *env;
    MemoryRegion alias;
} CodeFx;

/* Real mode, RAM at 0, and RAM's CODE_OFF page also at ALIAS_BASE. */
static void code_fx_init(CodeFx *fx)
{
    static const uint8_t code[] = {0xb0, 0x01, 0xf4}; /* mov al, 1; hlt */

    fx->m = machine_new("pc", 1 << 20);
    fx->env = cpu_x86_new(fx->m);
    memory_region_init_alias(&fx->alias, "window", &fx->m->ram, CODE_OFF, PAGE_SIZE);
    address_space_map(&fx->m->mem, ALIAS_BASE, &fx->alias, 1);
    memcpy(fx->m->ram.ram + CODE_OFF, code, sizeof(code));
}

static void code_fx_destroy(CodeFx *fx)
{
    cpu_x86_free(fx->env);
    machine_free(fx->m);
}

/* Run the code at physical address `at` (a 64 KiB-aligned real-mode segment); AL. */
static uint8_t run_at(CodeFx *fx, uint64_t at)
{
    CPUX86State *env = fx->env;

    cpu_set_seg_raw(env, R_CS, (uint16_t)(at >> 4), at, 0xffff,
                    DESC_P | DESC_S | DESC_CS | DESC_R | DESC_A);
    env->rip = 0;
    env->regs[R_EAX] = 0;
    env->halted = false;
    g_assert_cmpint(cpu_exec(env, 100), ==, EXEC_HALTED);
    return (uint8_t)env->regs[R_EAX];
}

/* Code run through the alias, rewritten through RAM's own address, and vice versa. */
static void test_smc_across_alias(void)
{
    CodeFx fx;

    code_fx_init(&fx);
    g_assert_cmpuint(run_at(&fx, ALIAS_BASE), ==, 1);
    g_assert_cmpuint(fx.m->ram.code_map[CODE_OFF >> PAGE_BITS], !=, 0);
    address_space_st(&fx.m->mem, CODE_OFF + 1, 2, 1);
    g_assert_cmpuint(run_at(&fx, ALIAS_BASE), ==, 2);

    g_assert_cmpuint(run_at(&fx, CODE_OFF), ==, 2);
    address_space_st(&fx.m->mem, ALIAS_BASE + 1, 3, 1);
    g_assert_cmpuint(run_at(&fx, CODE_OFF), ==, 3);
    code_fx_destroy(&fx);
}

/*
 * What loadvm and snapshot restores do: rewrite RAM's bytes behind the memory API's
 * back and report it on the RAM region. Blocks translated through the alias go too.
 */
static void test_notify_on_target_drops_alias_code(void)
{
    CodeFx fx;
    uint8_t imm = 4;

    code_fx_init(&fx);
    g_assert_cmpuint(run_at(&fx, ALIAS_BASE), ==, 1);
    fx.m->ram.ram[CODE_OFF + 1] = 5;
    memory_notify_write(&fx.m->ram, CODE_OFF + 1, 1);
    g_assert_cmpuint(run_at(&fx, ALIAS_BASE), ==, 5);
    g_assert_true(dma_write(&fx.m->mem, CODE_OFF + 1, &imm, 1));
    g_assert_cmpuint(run_at(&fx, ALIAS_BASE), ==, 4);
    code_fx_destroy(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory-alias/flat/names-target", test_flat_range_names_target);
    g_test_add_func("/memory-alias/flat/alias-of-alias", test_alias_of_alias);
    g_test_add_func("/memory-alias/access/read-write", test_alias_read_write);
    g_test_add_func("/memory-alias/access/readonly", test_readonly_alias_drops_writes);
    g_test_add_func("/memory-alias/access/rom", test_alias_of_rom_is_readonly);
    g_test_add_func("/memory-alias/dma/through-alias", test_dma_through_alias);
    g_test_add_func("/memory-alias/dma/readonly", test_dma_readonly_alias);
    g_test_add_func("/memory-alias/overlap/priority", test_overlap_priority);
    g_test_add_func("/memory-alias/overlap/later-wins",
                    test_overlap_equal_priority_later_wins);
    g_test_add_func("/memory-alias/code/smc-across-alias", test_smc_across_alias);
    g_test_add_func("/memory-alias/code/notify-target",
                    test_notify_on_target_drops_alias_code);
    return g_test_run();
}
