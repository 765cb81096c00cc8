/*
 * Unit tests for target/i386/mmu.c and the code-page side of accel/tcg: paging in
 * every mode and page size (Intel SDM vol. 3 chapter 4), permissions and their #PF
 * error codes, accessed/dirty bits, WP, NX, SMEP/SMAP, global pages, INVLPG,
 * canonical addresses, page-crossing accesses, instruction fetch at translation, and
 * self-modifying code at 64-byte granularity.
 *
 * Page tables are built in guest RAM by a small allocator; accesses go through the
 * same cpu_ld/cpu_st/tlb_fill the instruction handlers use, under a jmp_buf so a
 * fault comes back as its vector.
 */
#include <setjmp.h>
#include "hw/machine.h"
#include "accel/tcg/tb.h"
#include "target/i386/access.h"
#include "target/i386/flags.h"

#define RAM_SIZE   (16u << 20)
#define TABLES     0x100000 /* page tables are allocated from here */
#define DATA_PHYS  0x800000 /* what test mappings point at */
#define DATA_PHYS2 0x900000
#define LIN        0x40000000ull /* a linear address mapped by the tests */

/* Page-table bits */
#define P  0x001ull
#define RW 0x002ull
#define US 0x004ull
#define A  0x020ull
#define D  0x040ull
#define PS 0x080ull
#define G  0x100ull
#define XD (1ull << 63)

/* #PF error code bits */
#define E_P    1
#define E_W    2
#define E_U    4
#define E_RSVD 8
#define E_ID   16

enum { MODE_32, MODE_PAE, MODE_64 };

typedef struct Fx {
    Machine *m;
    CPUX86State *env;
    int mode;
    uint64_t next_table;
    uint64_t root;
} Fx;

/* ------------------------------------------------------------------------------------
 * Guest RAM and page tables
 */

static uint8_t *ram(Fx *fx, uint64_t addr)
{
    return fx->m->ram.ram + addr;
}

static uint64_t rd(Fx *fx, uint64_t addr, unsigned size)
{
    return ld_le(ram(fx, addr), size);
}

static void wr(Fx *fx, uint64_t addr, unsigned size, uint64_t v)
{
    st_le(ram(fx, addr), size, v);
}

static unsigned entry_size(const Fx *fx)
{
    return fx->mode == MODE_32 ? 4 : 8;
}

static uint64_t table_alloc(Fx *fx)
{
    uint64_t t = fx->next_table;

    fx->next_table += PAGE_SIZE;
    memset(ram(fx, t), 0, PAGE_SIZE);
    return t;
}

/* Linear-address shifts of each level, top first. */
static const unsigned shifts_32[] = {22, 12};
static const unsigned shifts_pae[] = {30, 21, 12};
static const unsigned shifts_64[] = {39, 30, 21, 12};

static const unsigned *level_shifts(const Fx *fx, unsigned *n)
{
    *n = fx->mode == MODE_32 ? 2 : fx->mode == MODE_PAE ? 3 : 4;
    return fx->mode == MODE_32    ? shifts_32
           : fx->mode == MODE_PAE ? shifts_pae
                                  : shifts_64;
}

static uint64_t index_mask(const Fx *fx, unsigned level)
{
    if (fx->mode == MODE_32) {
        return 0x3ff;
    }
    return fx->mode == MODE_PAE && level == 0 ? 3 : 0x1ff;
}

/* Address of the entry for lin at the level whose pages are 1 << shift bytes. */
static uint64_t entry_addr(Fx *fx, uint64_t lin, unsigned shift)
{
    unsigned n;
    const unsigned *sh = level_shifts(fx, &n);
    uint64_t table = fx->root;

    for (unsigned i = 0; i < n; i++) {
        uint64_t addr = table + ((lin >> sh[i]) & index_mask(fx, i)) * entry_size(fx);
        uint64_t e = rd(fx, addr, entry_size(fx));
        if (sh[i] == shift) {
            return addr;
        }
        if (!(e & P)) {
            uint64_t t = table_alloc(fx);
            /* PAE PDPTEs have no R/W or U/S bits (they are reserved there). */
            uint64_t up = fx->mode == MODE_PAE && i == 0 ? P : P | RW | US;
            wr(fx, addr, entry_size(fx), t | up);
            e = t | up;
        }
        table = e & 0xffffffffff000ull;
    }
    g_assert_not_reached();
}

/* Map lin to phys with a page of 1 << shift bytes; flags are the leaf's bits. */
static uint64_t map(Fx *fx, uint64_t lin, uint64_t phys, uint64_t flags, unsigned shift)
{
    uint64_t addr = entry_addr(fx, lin, shift);

    wr(fx, addr, entry_size(fx), phys | flags | (shift > 12 ? PS : 0));
    return addr;
}

static uint64_t map4k(Fx *fx, uint64_t lin, uint64_t phys, uint64_t flags)
{
    return map(fx, lin, phys, flags, 12);
}

/* The entry one level above lin's 4 KiB leaf (the PDE). */
static uint64_t pde_addr(Fx *fx, uint64_t lin)
{
    return entry_addr(fx, lin, fx->mode == MODE_32 ? 22 : 21);
}

/* ------------------------------------------------------------------------------------
 * The CPU
 */

#define CODE32(dpl)                                                                      \
    (DESC_P | DESC_S | DESC_CS | DESC_R | DESC_B | DESC_G | DESC_A |                     \
     ((dpl) << DESC_DPL_SHIFT))
#define DATA32(dpl)                                                                      \
    (DESC_P | DESC_S | DESC_W | DESC_B | DESC_G | DESC_A | ((dpl) << DESC_DPL_SHIFT))

static void set_cpl(Fx *fx, unsigned cpl)
{
    CPUX86State *env = fx->env;
    uint32_t code = CODE32(cpl);

    if (fx->mode == MODE_64) {
        code = (code & ~DESC_B) | DESC_L;
    }
    cpu_set_seg_raw(env, R_SS, 0x10 | cpl, 0, 0xffffffff, DATA32(cpl));
    cpu_set_seg_raw(env, R_CS, 0x08 | cpl, 0, 0xffffffff, code);
    cpu_set_seg_raw(env, R_DS, 0x10 | cpl, 0, 0xffffffff, DATA32(cpl));
}

static Fx *fx_new(int mode)
{
    Fx *fx = g_new0(Fx, 1);
    CPUX86State *env;

    fx->m = machine_new("pc", RAM_SIZE);
    fx->env = env = cpu_x86_new(fx->m);
    fx->mode = mode;
    fx->next_table = TABLES;
    fx->root = table_alloc(fx);
    env->cr[0] = CR0_PE | CR0_ET | CR0_PG;
    env->cr[3] = fx->root;
    env->cr[4] = mode == MODE_32 ? CR4_PSE : CR4_PAE;
    env->efer = mode == MODE_64 ? EFER_LME | EFER_LMA : 0;
    cpu_update_hflags(env);
    set_cpl(fx, 0);
    tlb_flush_all(env);
    return fx;
}

static void fx_free(Fx *fx)
{
    tb_engine_free(fx->env);
    cpu_x86_free(fx->env);
    machine_free(fx->m);
    g_free(fx);
}

/* Change control registers the way MOV CR / WRMSR do: then flush. */
static void set_cr0_bits(Fx *fx, uint64_t set, uint64_t clear)
{
    fx->env->cr[0] = (fx->env->cr[0] | set) & ~clear;
    cpu_update_hflags(fx->env);
    tlb_flush(fx->env);
}

static void set_cr4_bits(Fx *fx, uint64_t set, uint64_t clear)
{
    fx->env->cr[4] = (fx->env->cr[4] | set) & ~clear;
    tlb_flush(fx->env);
}

static void set_efer_bits(Fx *fx, uint64_t set)
{
    fx->env->efer |= set;
    tlb_flush(fx->env);
}

static void write_cr3(Fx *fx, uint64_t cr3)
{
    fx->env->cr[3] = cr3;
    tlb_flush(fx->env);
}

/* ------------------------------------------------------------------------------------
 * Accesses that may fault
 */

enum { RD, WR, EX, RD_LIN, WR_LIN, RD_SS, RMW };

/* Perform one access; returns -1, or the vector raised (error code in env). */
static int try_access(Fx *fx, int kind, uint64_t addr, unsigned size, uint64_t *val)
{
    CPUX86State *env = fx->env;

    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    switch (kind) {
    case RD: *val = cpu_ld(env, R_DS, addr, size); break;
    case WR: cpu_st(env, R_DS, addr, size, *val); break;
    case EX: tlb_fill(env, addr, ACCESS_EXEC); break;
    case RD_LIN: *val = cpu_ld_lin(env, addr, size); break;
    case WR_LIN: cpu_st_lin(env, addr, size, *val); break;
    case RMW: *val = cpu_ld_rmw(env, R_DS, addr, size); break;
    default: *val = cpu_ld(env, R_SS, addr, size); break;
    }
    return -1;
}

static uint64_t load_ok(Fx *fx, uint64_t addr, unsigned size)
{
    uint64_t v = 0;

    g_assert_cmpint(try_access(fx, RD, addr, size, &v), ==, -1);
    return v;
}

static void store_ok(Fx *fx, uint64_t addr, unsigned size, uint64_t v)
{
    g_assert_cmpint(try_access(fx, WR, addr, size, &v), ==, -1);
}

/* The access must raise #PF with this error code and CR2. */
static void expect_pf(Fx *fx, int kind, uint64_t addr, unsigned size, int err,
                      uint64_t cr2)
{
    uint64_t v = 0x5a5a5a5a5a5a5a5aull;

    fx->env->cr[2] = 0;
    g_assert_cmpint(try_access(fx, kind, addr, size, &v), ==, EXCP_PF);
    g_assert_cmphex(fx->env->error_code, ==, err);
    g_assert_cmphex(fx->env->cr[2], ==, cr2);
}

/* ------------------------------------------------------------------------------------
 * Translation in each mode and page size
 */

/* lin reads what phys holds, writes land there, A then D get set in the leaf. */
static void check_mapping(Fx *fx, uint64_t lin, uint64_t phys, uint64_t leaf)
{
    wr(fx, phys, 8, 0x1122334455667788ull);
    g_assert_cmphex(load_ok(fx, lin, 8), ==, 0x1122334455667788ull);
    g_assert_cmphex(rd(fx, leaf, entry_size(fx)) & (A | D), ==, A);
    store_ok(fx, lin + 8, 4, 0xcafef00d);
    g_assert_cmphex(rd(fx, phys + 8, 4), ==, 0xcafef00d);
    g_assert_cmphex(rd(fx, leaf, entry_size(fx)) & (A | D), ==, A | D);
}

static void test_no_paging(void)
{
    Fx *fx = fx_new(MODE_32);

    set_cr0_bits(fx, 0, CR0_PG);
    wr(fx, DATA_PHYS, 4, 0x12345678);
    g_assert_cmphex(load_ok(fx, DATA_PHYS, 4), ==, 0x12345678);
    store_ok(fx, DATA_PHYS + 4, 2, 0xbeef);
    g_assert_cmphex(rd(fx, DATA_PHYS + 4, 2), ==, 0xbeef);
    fx_free(fx);
}

static void test_32bit_4k(void)
{
    Fx *fx = fx_new(MODE_32);
    uint64_t leaf = map4k(fx, LIN + 0x3000, DATA_PHYS, P | RW);

    check_mapping(fx, LIN + 0x3010, DATA_PHYS + 0x10, leaf);
    /* The PDE was used, so it is accessed; it has no dirty bit to set. */
    g_assert_cmphex(rd(fx, pde_addr(fx, LIN), 4) & (A | D), ==, A);
    fx_free(fx);
}

static void test_32bit_4m(void)
{
    Fx *fx = fx_new(MODE_32);
    uint64_t leaf = map(fx, LIN, DATA_PHYS & ~0x3fffffull, P | RW, 22);

    check_mapping(fx, LIN + (DATA_PHYS & 0x3fffff) + 0x20, DATA_PHYS + 0x20, leaf);
    fx_free(fx);
}

/* Without CR4.PSE the PS bit of a PDE is ignored: it points to a page table. */
static void test_32bit_ps_ignored_without_pse(void)
{
    Fx *fx = fx_new(MODE_32);
    uint64_t pt = table_alloc(fx);

    set_cr4_bits(fx, 0, CR4_PSE);
    wr(fx, pde_addr(fx, LIN), 4, pt | P | RW | PS);
    wr(fx, pt + 5 * 4, 4, DATA_PHYS | P | RW);
    wr(fx, DATA_PHYS, 4, 0xfeedbeef);
    g_assert_cmphex(load_ok(fx, LIN + 0x5000, 4), ==, 0xfeedbeef);
    fx_free(fx);
}

/* PSE-36: a 4 MiB page's PDE bits 20:13 hold physical address bits 39:32. */
static void test_32bit_4m_pse36(void)
{
    Fx *fx = fx_new(MODE_32);
    uint64_t v = 0;

    wr(fx, pde_addr(fx, LIN), 4, (1u << 13) | P | PS);
    /* Physical 0x1_0000_0000 is beyond RAM: reads as all ones. */
    g_assert_cmpint(try_access(fx, RD, LIN, 4, &v), ==, -1);
    g_assert_cmphex(v, ==, 0xffffffff);
    g_assert_cmphex(fx->env->tlb[(LIN >> 12) & (TLB_SIZE - 1)].phys & PAGE_MASK, ==,
                    0x100000000ull);
    fx_free(fx);
}

static void test_pae_4k_2m(void)
{
    Fx *fx = fx_new(MODE_PAE);
    uint64_t leaf4k = map4k(fx, LIN + 0x7000, DATA_PHYS, P | RW);
    uint64_t leaf2m = map(fx, LIN + 0x200000, DATA_PHYS2 & ~0x1fffffull, P | RW, 21);

    check_mapping(fx, LIN + 0x7100, DATA_PHYS + 0x100, leaf4k);
    check_mapping(fx, LIN + 0x200000 + (DATA_PHYS2 & 0x1fffff) + 0x40, DATA_PHYS2 + 0x40,
                  leaf2m);
    fx_free(fx);
}

static void test_4level_all_sizes(void)
{
    Fx *fx = fx_new(MODE_64);
    uint64_t hi = 0xffff800000000000ull;
    uint64_t leaf4k = map4k(fx, hi + 0x5000, DATA_PHYS, P | RW);
    uint64_t leaf2m = map(fx, hi + 0x40000000, DATA_PHYS2 & ~0x1fffffull, P | RW, 21);
    uint64_t leaf1g = map(fx, 0x7f8000000000ull, 0, P | RW, 30);

    check_mapping(fx, hi + 0x5008, DATA_PHYS + 8, leaf4k);
    check_mapping(fx, hi + 0x40000000 + (DATA_PHYS2 & 0x1fffff), DATA_PHYS2, leaf2m);
    check_mapping(fx, 0x7f8000000000ull + DATA_PHYS + 0x80, DATA_PHYS + 0x80, leaf1g);
    fx_free(fx);
}

/* ------------------------------------------------------------------------------------
 * Faults and permissions
 */

static void test_not_present(void)
{
    static const int modes[] = {MODE_32, MODE_PAE, MODE_64};

    for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
        Fx *fx = fx_new(modes[i]);
        map4k(fx, LIN, DATA_PHYS, RW | US); /* P clear */
        expect_pf(fx, RD, LIN + 0x123, 4, 0, LIN + 0x123);
        expect_pf(fx, WR, LIN + 0x124, 4, E_W, LIN + 0x124);
        set_cpl(fx, 3);
        expect_pf(fx, RD, LIN + 0x125, 1, E_U, LIN + 0x125);
        expect_pf(fx, WR, LIN + 0x126, 2, E_U | E_W, LIN + 0x126);
        /* Nothing maps the next 1 GiB at all: the walk stops at an upper level. */
        expect_pf(fx, RD, LIN + 0x40000000, 4, E_U, LIN + 0x40000000);
        /* Instruction fetches report I/D only with PAE + NXE or SMEP (none here). */
        expect_pf(fx, EX, LIN, 1, E_U, LIN);
        fx_free(fx);
    }
}

/*
 * Every combination of U/S and R/W in the leaf and in the level above, for user and
 * supervisor reads and writes with CR0.WP clear and set (SDM vol. 3 §4.6.1).
 */
static bool perm_allowed(bool user, bool write, bool wp, uint64_t leaf, uint64_t upper)
{
    bool us = (leaf & US) && (upper & US), rw = (leaf & RW) && (upper & RW);

    if (user) {
        return us && (!write || rw);
    }
    return !write || rw || !wp;
}

static void check_perm_case(int mode, unsigned bits, bool user, bool write, bool wp)
{
    Fx *fx = fx_new(mode);
    uint64_t leaf = P | (bits & 1 ? RW : 0) | (bits & 2 ? US : 0);
    uint64_t upper = P | (bits & 4 ? RW : 0) | (bits & 8 ? US : 0);
    int err = E_P | (write ? E_W : 0) | (user ? E_U : 0);
    uint64_t v = 0, leaf_addr = map4k(fx, LIN, DATA_PHYS, leaf);

    wr(fx, pde_addr(fx, LIN), entry_size(fx),
       (rd(fx, pde_addr(fx, LIN), entry_size(fx)) & ~(RW | US)) | upper);
    set_cr0_bits(fx, wp ? CR0_WP : 0, 0);
    set_cpl(fx, user ? 3 : 0);
    if (perm_allowed(user, write, wp, leaf, upper)) {
        g_assert_cmpint(try_access(fx, write ? WR : RD, LIN + 8, 4, &v), ==, -1);
        g_assert_cmphex(rd(fx, leaf_addr, 4) & (A | D), ==, write ? A | D : A);
    } else {
        expect_pf(fx, write ? WR : RD, LIN + 8, 4, err, LIN + 8);
    }
    fx_free(fx);
}

static void test_permission_matrix(void)
{
    static const int modes[] = {MODE_32, MODE_PAE, MODE_64};

    for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
        for (unsigned bits = 0; bits < 16; bits++) {
            for (unsigned c = 0; c < 8; c++) {
                check_perm_case(modes[m], bits, c & 1, c & 2, c & 4);
            }
        }
    }
}

/* A failed access leaves the leaf's accessed and dirty bits alone. */
static void test_fault_leaves_ad_bits(void)
{
    Fx *fx = fx_new(MODE_PAE);
    uint64_t leaf = map4k(fx, LIN, DATA_PHYS, P);

    set_cr0_bits(fx, CR0_WP, 0);
    expect_pf(fx, WR, LIN, 4, E_P | E_W, LIN);
    g_assert_cmphex(rd(fx, leaf, 8) & (A | D), ==, 0);
    load_ok(fx, LIN, 4);
    g_assert_cmphex(rd(fx, leaf, 8) & (A | D), ==, A);
    fx_free(fx);
}

/* The first write after a read-only fill walks again to set D. */
static void test_dirty_after_read(void)
{
    Fx *fx = fx_new(MODE_64);
    uint64_t leaf = map4k(fx, LIN, DATA_PHYS, P | RW);

    load_ok(fx, LIN, 4);
    load_ok(fx, LIN + 4, 4);
    g_assert_cmphex(rd(fx, leaf, 8) & (A | D), ==, A);
    store_ok(fx, LIN, 4, 1);
    g_assert_cmphex(rd(fx, leaf, 8) & (A | D), ==, A | D);
    fx_free(fx);
}

/* User and supervisor translations are cached apart: neither leaks into the other. */
static void test_tlb_classes_apart(void)
{
    Fx *fx = fx_new(MODE_32);

    map4k(fx, LIN, DATA_PHYS, P | RW);
    load_ok(fx, LIN, 4);
    set_cpl(fx, 3);
    expect_pf(fx, RD, LIN, 4, E_P | E_U, LIN);
    /* An implicit supervisor access from CPL 3 may use the supervisor page. */
    uint64_t v = 0;
    g_assert_cmpint(try_access(fx, RD_LIN, LIN, 4, &v), ==, -1);
    set_cpl(fx, 0);
    load_ok(fx, LIN, 4);
    fx_free(fx);
}

static void test_nx(void)
{
    Fx *fx = fx_new(MODE_PAE);

    map4k(fx, LIN, DATA_PHYS, P | RW | US | XD);
    /* NXE clear: bit 63 is reserved. */
    expect_pf(fx, RD, LIN, 4, E_P | E_RSVD, LIN);
    set_efer_bits(fx, EFER_NXE);
    load_ok(fx, LIN, 4);
    expect_pf(fx, EX, LIN, 1, E_P | E_ID, LIN);
    set_cpl(fx, 3);
    expect_pf(fx, EX, LIN + 1, 1, E_P | E_U | E_ID, LIN + 1);
    /* XD in an upper level forbids execution of everything below it. */
    map4k(fx, LIN + 0x1000, DATA_PHYS, P | RW | US);
    g_assert_cmpint(try_access(fx, EX, LIN + 0x1000, 1, NULL), ==, -1);
    wr(fx, pde_addr(fx, LIN), 8, rd(fx, pde_addr(fx, LIN), 8) | XD);
    tlb_flush_page(fx->env, LIN + 0x1000);
    expect_pf(fx, EX, LIN + 0x1000, 1, E_P | E_U | E_ID, LIN + 0x1000);
    /* With NXE, a not-present fetch in PAE paging reports I/D. */
    expect_pf(fx, EX, LIN + 0x5000, 1, E_U | E_ID, LIN + 0x5000);
    fx_free(fx);
}

static void test_smep(void)
{
    Fx *fx = fx_new(MODE_64);

    map4k(fx, LIN, DATA_PHYS, P | RW | US);
    g_assert_cmpint(try_access(fx, EX, LIN, 1, NULL), ==, -1);
    set_cr4_bits(fx, CR4_SMEP, 0);
    expect_pf(fx, EX, LIN, 1, E_P | E_ID, LIN);
    load_ok(fx, LIN, 4); /* SMEP is about fetches only */
    set_cpl(fx, 3);
    g_assert_cmpint(try_access(fx, EX, LIN, 1, NULL), ==, -1);
    fx_free(fx);
}

static void test_smap(void)
{
    Fx *fx = fx_new(MODE_64);
    uint64_t v = 7;

    map4k(fx, LIN, DATA_PHYS, P | RW | US);
    set_cr4_bits(fx, CR4_SMAP, 0);
    expect_pf(fx, RD, LIN, 4, E_P, LIN);
    expect_pf(fx, WR, LIN, 4, E_P | E_W, LIN);
    /* EFLAGS.AC lifts SMAP for explicit accesses at CPL < 3, without a flush. */
    fx->env->eflags |= AC_MASK;
    load_ok(fx, LIN, 4);
    store_ok(fx, LIN, 4, 7);
    g_assert_cmphex(rd(fx, DATA_PHYS, 4), ==, 7);
    fx->env->eflags &= ~AC_MASK;
    expect_pf(fx, RD, LIN, 4, E_P, LIN);
    /* At CPL 3, implicit supervisor accesses are checked whatever AC says. */
    set_cpl(fx, 3);
    fx->env->eflags |= AC_MASK;
    load_ok(fx, LIN, 4);
    expect_pf(fx, RD_LIN, LIN, 4, E_P, LIN);
    expect_pf(fx, WR_LIN, LIN, 4, E_P | E_W, LIN);
    g_assert_cmpint(try_access(fx, WR, LIN, 4, &v), ==, -1);
    fx_free(fx);
}

/* Reserved bits in each kind of entry (SDM tables 4-4 .. 4-20), with MAXPHYADDR 40. */
static void test_reserved_bits(void)
{
    Fx *fx;

    fx = fx_new(MODE_32);
    map(fx, LIN, 0, P | RW | (1ull << 21), 22);
    expect_pf(fx, RD, LIN, 4, E_P | E_RSVD, LIN);
    fx_free(fx);

    fx = fx_new(MODE_PAE);
    map4k(fx, LIN, DATA_PHYS, P | RW);
    wr(fx, fx->root + 8, 8, rd(fx, fx->root + 8, 8) | RW); /* PDPTE bit 1 */
    expect_pf(fx, WR, LIN, 4, E_P | E_W | E_RSVD, LIN);
    fx_free(fx);

    fx = fx_new(MODE_PAE);
    map(fx, LIN, 0, P | RW | (1ull << 13), 21); /* inside a 2 MiB page's frame */
    expect_pf(fx, RD, LIN, 4, E_P | E_RSVD, LIN);
    fx_free(fx);

    fx = fx_new(MODE_64);
    map4k(fx, LIN, DATA_PHYS | (1ull << 40), P | RW); /* beyond MAXPHYADDR */
    set_cpl(fx, 3);
    expect_pf(fx, RD, LIN, 4, E_P | E_U | E_RSVD, LIN);
    fx_free(fx);

    fx = fx_new(MODE_64);
    map(fx, LIN, 0, P | RW | (1ull << 29), 30); /* inside a 1 GiB page's frame */
    expect_pf(fx, RD, LIN, 4, E_P | E_RSVD, LIN);
    fx_free(fx);

    fx = fx_new(MODE_64);
    map4k(fx, LIN, DATA_PHYS, P | RW);
    wr(fx, fx->root, 8, rd(fx, fx->root, 8) | PS); /* PS in a PML4E */
    expect_pf(fx, RD, LIN, 4, E_P | E_RSVD, LIN);
    fx_free(fx);
}

/* ------------------------------------------------------------------------------------
 * TLB maintenance
 */

/* The TLB keeps a translation until it is invalidated, as hardware may. */
static void test_invlpg(void)
{
    Fx *fx = fx_new(MODE_32);
    uint64_t leaf = map4k(fx, LIN, DATA_PHYS, P | RW);

    wr(fx, DATA_PHYS, 4, 1);
    wr(fx, DATA_PHYS2, 4, 2);
    g_assert_cmphex(load_ok(fx, LIN, 4), ==, 1);
    wr(fx, leaf, 4, DATA_PHYS2 | P | RW);
    g_assert_cmphex(load_ok(fx, LIN, 4), ==, 1);
    tlb_flush_page(fx->env, LIN + 0x10);
    g_assert_cmphex(load_ok(fx, LIN, 4), ==, 2);
    fx_free(fx);
}

/* INVLPG anywhere in a large page drops all of it, whichever 4 KiB parts are cached. */
static void test_invlpg_large_page(void)
{
    Fx *fx = fx_new(MODE_PAE);
    uint64_t leaf = map(fx, LIN, 0, P | RW, 21);

    wr(fx, 0x3000, 4, 3);
    wr(fx, 0x203000, 4, 4);
    g_assert_cmphex(load_ok(fx, LIN + 0x3000, 4), ==, 3);
    load_ok(fx, LIN + 0x1ff000, 4);
    wr(fx, leaf, 8, 0x200000 | P | RW | PS);
    tlb_flush_page(fx->env, LIN + 0x1ff000);
    g_assert_cmphex(load_ok(fx, LIN + 0x3000, 4), ==, 4);
    fx_free(fx);
}

/* With CR4.PGE, a CR3 write keeps global translations; INVLPG and CR4 writes do not. */
static void test_global_pages(void)
{
    Fx *fx = fx_new(MODE_64);
    uint64_t global = map4k(fx, LIN, DATA_PHYS, P | RW | G);
    uint64_t local = map4k(fx, LIN + 0x1000, DATA_PHYS + 0x1000, P | RW);

    set_cr4_bits(fx, CR4_PGE, 0);
    wr(fx, DATA_PHYS, 4, 1);
    wr(fx, DATA_PHYS + 0x1000, 4, 1);
    wr(fx, DATA_PHYS2, 4, 2);
    load_ok(fx, LIN, 4);
    load_ok(fx, LIN + 0x1000, 4);
    wr(fx, global, 8, DATA_PHYS2 | P | RW | G);
    wr(fx, local, 8, DATA_PHYS2 | P | RW);
    write_cr3(fx, fx->root);
    g_assert_cmphex(load_ok(fx, LIN, 4), ==, 1);          /* still the old page */
    g_assert_cmphex(load_ok(fx, LIN + 0x1000, 4), ==, 2); /* walked again */
    tlb_flush_page(fx->env, LIN);
    g_assert_cmphex(load_ok(fx, LIN, 4), ==, 2);

    /* Without PGE, G means nothing: CR3 writes flush everything. */
    wr(fx, global, 8, DATA_PHYS | P | RW | G);
    set_cr4_bits(fx, 0, CR4_PGE);
    load_ok(fx, LIN, 4);
    wr(fx, global, 8, DATA_PHYS2 | P | RW | G);
    write_cr3(fx, fx->root);
    g_assert_cmphex(load_ok(fx, LIN, 4), ==, 2);
    fx_free(fx);
}

/* Changing CR0.WP, CR4 paging bits or EFER.NXE drops global entries too. */
static void test_mode_change_flushes_globals(void)
{
    Fx *fx = fx_new(MODE_PAE);
    uint64_t leaf = map4k(fx, LIN, DATA_PHYS, P | G); /* read-only */

    set_cr4_bits(fx, CR4_PGE, 0);
    store_ok(fx, LIN, 4, 5); /* WP clear: a supervisor write to a read-only page */
    g_assert_cmphex(rd(fx, leaf, 8) & D, ==, D);
    set_cr0_bits(fx, CR0_WP, 0);
    expect_pf(fx, WR, LIN, 4, E_P | E_W, LIN);
    fx_free(fx);
}

/* ------------------------------------------------------------------------------------
 * 64-bit addresses and accesses across pages
 */

static void test_canonical(void)
{
    Fx *fx = fx_new(MODE_64);
    uint64_t v = 0;

    g_assert_cmpint(try_access(fx, RD, 0x0000800000000000ull, 4, &v), ==, EXCP_GP);
    g_assert_cmpint(fx->env->error_code, ==, 0);
    g_assert_cmpint(try_access(fx, WR, 0xffff7ffffffffff0ull, 4, &v), ==, EXCP_GP);
    g_assert_cmpint(try_access(fx, RD_SS, 0x0000800000000000ull, 8, &v), ==, EXCP_SS);
    g_assert_cmpint(fx->env->error_code, ==, 0);
    /* The last byte counts too. */
    g_assert_cmpint(try_access(fx, RD, 0x00007ffffffffffcull, 8, &v), ==, EXCP_GP);
    g_assert_cmpint(try_access(fx, RD_LIN, 0x1234000000000000ull, 8, &v), ==, EXCP_GP);
    g_assert_cmpint(try_access(fx, EX, 0x8000000000000000ull, 1, &v), ==, EXCP_GP);
    fx_free(fx);
}

/* A store straddling into a non-present page faults on the second page, writing nothing.
 */
static void test_cross_page_store(void)
{
    static const int modes[] = {MODE_32, MODE_PAE, MODE_64};

    for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
        Fx *fx = fx_new(modes[i]);
        uint64_t v = 0;
        map4k(fx, LIN, DATA_PHYS, P | RW);
        wr(fx, DATA_PHYS + 0xff8, 8, 0x1111111111111111ull);
        load_ok(fx, LIN, 4); /* the first page is in the TLB */
        expect_pf(fx, WR, LIN + 0xffc, 8, E_W, LIN + 0x1000);
        g_assert_cmphex(rd(fx, DATA_PHYS + 0xff8, 8), ==, 0x1111111111111111ull);
        expect_pf(fx, RD, LIN + 0xffe, 4, 0, LIN + 0x1000);
        /* Mapped, it works across two unrelated frames. */
        map4k(fx, LIN + 0x1000, DATA_PHYS2, P | RW);
        v = 0xaabbccdd;
        g_assert_cmpint(try_access(fx, WR, LIN + 0xffe, 4, &v), ==, -1);
        g_assert_cmphex(rd(fx, DATA_PHYS + 0xffe, 2), ==, 0xccdd);
        g_assert_cmphex(rd(fx, DATA_PHYS2, 2), ==, 0xaabb);
        g_assert_cmphex(load_ok(fx, LIN + 0xffe, 4), ==, 0xaabbccdd);
        fx_free(fx);
    }
}

/* A read-modify-write load faults as a write, and dirties the page it reads. */
static void test_rmw_load(void)
{
    Fx *fx = fx_new(MODE_64);
    uint64_t leaf = map4k(fx, LIN, DATA_PHYS, P | RW | US), v = 0;

    map4k(fx, LIN + 0x1000, DATA_PHYS2, P | US); /* read-only */
    wr(fx, DATA_PHYS + 8, 4, 0x77);
    g_assert_cmpint(try_access(fx, RMW, LIN + 8, 4, &v), ==, -1);
    g_assert_cmphex(v, ==, 0x77);
    g_assert_cmphex(rd(fx, leaf, 8) & (A | D), ==, A | D);
    set_cpl(fx, 3);
    expect_pf(fx, RMW, LIN + 0x1000, 4, E_P | E_W | E_U, LIN + 0x1000);
    expect_pf(fx, RMW, LIN + 0x2000, 1, E_W | E_U, LIN + 0x2000);
    /* Across into the read-only page: the second page's write check faults. */
    expect_pf(fx, RMW, LIN + 0xffe, 4, E_P | E_W | E_U, LIN + 0x1000);
    fx_free(fx);
}

/* With CR0.AM and EFLAGS.AC, misaligned user data accesses raise #AC(0) first. */
static void test_alignment_check(void)
{
    Fx *fx = fx_new(MODE_64);
    CPUX86State *env = fx->env;
    uint64_t v = 0;

    map4k(fx, LIN, DATA_PHYS, P | RW | US);
    set_cpl(fx, 3);
    load_ok(fx, LIN + 2, 4); /* cached while alignment checking is off */
    env->cr[0] |= CR0_AM;
    env->eflags |= AC_MASK;
    tlb_sync_mode(env); /* as the exec loop does at block boundaries */
    g_assert_cmpint(try_access(fx, RD, LIN + 2, 4, &v), ==, EXCP_AC);
    g_assert_cmpint(env->error_code, ==, 0);
    g_assert_cmpint(try_access(fx, WR, LIN + 1, 2, &v), ==, EXCP_AC);
    g_assert_cmpint(try_access(fx, RMW, LIN + 4, 8, &v), ==, EXCP_AC);
    /* Before the page walk: a misaligned access to an unmapped page is #AC too. */
    g_assert_cmpint(try_access(fx, RD, LIN + 0x5001, 2, &v), ==, EXCP_AC);
    load_ok(fx, LIN + 4, 4);
    load_ok(fx, LIN + 3, 1);
    /* Implicit supervisor accesses and CPL 0 are not checked. */
    g_assert_cmpint(try_access(fx, RD_LIN, LIN + 2, 4, &v), ==, -1);
    set_cpl(fx, 0);
    tlb_sync_mode(env);
    load_ok(fx, LIN + 2, 4);
    fx_free(fx);
}

/* ------------------------------------------------------------------------------------
 * Instruction fetch at translation time
 */

static TranslationBlock *try_tb_find(Fx *fx, int *vector)
{
    CPUX86State *env = fx->env;
    TranslationBlock *volatile tb = NULL;

    env->exception_index = -1;
    *vector = -1;
    if (setjmp(env->jmp_env)) {
        *vector = env->exception_index;
        return NULL;
    }
    tb = tb_find(env);
    return tb;
}

/* Later instructions never fault during translation: the block ends at the page. */
static void test_fetch_stops_at_unmapped_page(void)
{
    Fx *fx = fx_new(MODE_32);
    int vector;
    TranslationBlock *tb;

    map4k(fx, LIN, DATA_PHYS, P | RW);
    memset(ram(fx, DATA_PHYS + 0xffc), 0x90, 4); /* nops up to the page end */
    fx->env->rip = LIN + 0xffc;
    tb = try_tb_find(fx, &vector);
    g_assert_cmpint(vector, ==, -1);
    g_assert_nonnull(tb);
    g_assert_cmpuint(tb->ninsns, ==, 4);
    g_assert_cmpuint(tb->size, ==, 4);
    /* The next block's first fetch is that instruction's fault. */
    fx->env->rip = LIN + 0x1000;
    g_assert_null(try_tb_find(fx, &vector));
    g_assert_cmpint(vector, ==, EXCP_PF);
    g_assert_cmphex(fx->env->cr[2], ==, LIN + 0x1000);
    g_assert_cmphex(fx->env->error_code, ==, 0);
    fx_free(fx);
}

/* An instruction crossing into a non-present page faults at the second page. */
static void test_fetch_crossing_instruction(void)
{
    Fx *fx = fx_new(MODE_32);
    int vector;

    map4k(fx, LIN, DATA_PHYS, P | RW);
    ram(fx, DATA_PHYS + 0xffe)[0] = 0x90;
    ram(fx, DATA_PHYS + 0xfff)[0] = 0xb8; /* mov eax, imm32: 4 bytes on the next page */
    fx->env->rip = LIN + 0xffe;
    TranslationBlock *tb = try_tb_find(fx, &vector);
    g_assert_nonnull(tb);
    g_assert_cmpuint(tb->ninsns, ==, 1); /* the nop; the mov starts the next block */
    fx->env->rip = LIN + 0xfff;
    g_assert_null(try_tb_find(fx, &vector));
    g_assert_cmpint(vector, ==, EXCP_PF);
    g_assert_cmphex(fx->env->cr[2], ==, LIN + 0x1000);
    /* Mapped, the block is that one instruction over two pages. */
    map4k(fx, LIN + 0x1000, DATA_PHYS2, P | RW);
    tb = try_tb_find(fx, &vector);
    g_assert_nonnull(tb);
    g_assert_cmpuint(tb->ninsns, ==, 1);
    g_assert_cmphex(tb->phys[1], ==, DATA_PHYS2);
    fx_free(fx);
}

/* A block over two pages is not reused once its second page maps elsewhere. */
static void test_two_page_block_remapped(void)
{
    Fx *fx = fx_new(MODE_32);
    uint64_t leaf2 = map4k(fx, LIN + 0x1000, DATA_PHYS2, P | RW);
    TranslationBlock *tb;
    int vector;

    map4k(fx, LIN, DATA_PHYS, P | RW);
    ram(fx, DATA_PHYS + 0xfff)[0] = 0xb8;
    st_le(ram(fx, DATA_PHYS2), 4, 0x11111111);
    st_le(ram(fx, DATA_PHYS2 + 0x1000), 4, 0x22222222);
    fx->env->rip = LIN + 0xfff;
    tb = try_tb_find(fx, &vector);
    g_assert_cmphex(tb->insns[0].imm, ==, 0x11111111);
    wr(fx, leaf2, 4, (DATA_PHYS2 + 0x1000) | P | RW);
    tlb_flush_page(fx->env, LIN + 0x1000);
    tb = try_tb_find(fx, &vector);
    g_assert_nonnull(tb);
    g_assert_cmphex(tb->insns[0].imm, ==, 0x22222222);
    fx_free(fx);
}

/* ------------------------------------------------------------------------------------
 * Self-modifying code
 */

/* Writes next to code leave its block alone; a write into it drops it. */
static void test_smc_chunk_granularity(void)
{
    Fx *fx = fx_new(MODE_32);
    TranslationBlock *tb;
    int vector;

    map4k(fx, LIN, DATA_PHYS, P | RW);
    memset(ram(fx, DATA_PHYS + 0x100), 0x90, 8);
    ram(fx, DATA_PHYS + 0x108)[0] = 0xf4; /* hlt */
    fx->env->rip = LIN + 0x100;
    tb = try_tb_find(fx, &vector);
    g_assert_nonnull(tb);
    store_ok(fx, LIN + 0x80, 4, 1); /* another chunk of the same page */
    store_ok(fx, LIN + 0x140, 4, 1);
#ifndef TB_PAGE_GRANULAR_SMC
    g_assert_false(tb->invalid);
    g_assert_true(try_tb_find(fx, &vector) == tb);
#endif
    store_ok(fx, LIN + 0x108, 1, 0x90); /* the hlt itself */
    g_assert_true(tb->invalid);
    g_assert_true(fx->env->exit_request);
    tb = try_tb_find(fx, &vector);
    g_assert_false(tb->invalid);
    g_assert_cmpuint(tb->ninsns, >, 9);
    tb_reap(fx->env);
    fx_free(fx);
}

/* A store into a page whose only block was dropped goes back to the fast path. */
static void test_smc_page_released(void)
{
    Fx *fx = fx_new(MODE_32);
    TLBEntry *e;
    int vector;

    map4k(fx, LIN, DATA_PHYS, P | RW);
    ram(fx, DATA_PHYS)[0] = 0xf4;
    fx->env->rip = LIN;
    try_tb_find(fx, &vector);
    e = tlb_entry(fx->env, LIN);
#ifndef TB_PAGE_GRANULAR_SMC
    store_ok(fx, LIN + 0x800, 4, 0);
    g_assert_cmphex(e->tag_write & TLB_CODE, ==, TLB_CODE);
#endif
    store_ok(fx, LIN, 1, 0x90);
    g_assert_cmphex(e->tag_write, ==, LIN);
    g_assert_cmpuint(fx->m->ram.code_map[DATA_PHYS >> PAGE_BITS], ==, 0);
    tb_reap(fx->env);
    fx_free(fx);
}

/* DMA (the memory API) into code drops the blocks it overlaps, and only those. */
static void test_smc_dma(void)
{
    Fx *fx = fx_new(MODE_32);
    TranslationBlock *tb;
    uint8_t nop = 0x90;
    int vector;

    map4k(fx, LIN, DATA_PHYS, P | RW);
    ram(fx, DATA_PHYS + 0x200)[0] = 0xf4;
    fx->env->rip = LIN + 0x200;
    tb = try_tb_find(fx, &vector);
    g_assert_true(dma_write(&fx->m->mem, DATA_PHYS + 0x300, &nop, 1));
#ifndef TB_PAGE_GRANULAR_SMC
    g_assert_false(tb->invalid);
#endif
    g_assert_true(dma_write(&fx->m->mem, DATA_PHYS + 0x200, &nop, 1));
    g_assert_true(tb->invalid);
    tb_reap(fx->env);
    fx_free(fx);
}

/* Past its size limit the block cache starts afresh, and code runs on regardless. */
static void test_block_cache_limit(void)
{
    Fx *fx = fx_new(MODE_32);
    TranslationBlock *first, *tb;
    int vector;

    map4k(fx, LIN, DATA_PHYS, P | RW);
    memset(ram(fx, DATA_PHYS), 0xf4, PAGE_SIZE); /* one hlt per byte: one block each */
    tb_engine_get(fx->env)->max_tbs = 4;
    fx->env->rip = LIN;
    first = try_tb_find(fx, &vector);
    for (uint64_t i = 1; i < 4; i++) {
        fx->env->rip = LIN + i;
        g_assert_nonnull(try_tb_find(fx, &vector));
    }
    g_assert_false(first->invalid);
    fx->env->rip = LIN + 4;
    tb = try_tb_find(fx, &vector);
    g_assert_true(first->invalid);
    g_assert_false(tb->invalid);
    g_assert_cmpuint(tb_engine_get(fx->env)->nb_tbs, ==, 1);
    /* Its page lost its blocks and then got one again: still write-protected. */
    g_assert_cmpuint(fx->m->ram.code_map[DATA_PHYS >> PAGE_BITS], !=, 0);
    fx->env->rip = LIN;
    tb = try_tb_find(fx, &vector);
    g_assert_true(tb != first && !tb->invalid);
    tb_reap(fx->env);
    fx_free(fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mmu/translate/no-paging", test_no_paging);
    g_test_add_func("/mmu/translate/32bit-4k", test_32bit_4k);
    g_test_add_func("/mmu/translate/32bit-4m", test_32bit_4m);
    g_test_add_func("/mmu/translate/32bit-ps-without-pse",
                    test_32bit_ps_ignored_without_pse);
    g_test_add_func("/mmu/translate/32bit-pse36", test_32bit_4m_pse36);
    g_test_add_func("/mmu/translate/pae", test_pae_4k_2m);
    g_test_add_func("/mmu/translate/4level", test_4level_all_sizes);
    g_test_add_func("/mmu/fault/not-present", test_not_present);
    g_test_add_func("/mmu/fault/permissions", test_permission_matrix);
    g_test_add_func("/mmu/fault/leaves-ad-bits", test_fault_leaves_ad_bits);
    g_test_add_func("/mmu/fault/dirty-after-read", test_dirty_after_read);
    g_test_add_func("/mmu/fault/classes-apart", test_tlb_classes_apart);
    g_test_add_func("/mmu/fault/nx", test_nx);
    g_test_add_func("/mmu/fault/smep", test_smep);
    g_test_add_func("/mmu/fault/smap", test_smap);
    g_test_add_func("/mmu/fault/reserved", test_reserved_bits);
    g_test_add_func("/mmu/tlb/invlpg", test_invlpg);
    g_test_add_func("/mmu/tlb/invlpg-large", test_invlpg_large_page);
    g_test_add_func("/mmu/tlb/global", test_global_pages);
    g_test_add_func("/mmu/tlb/mode-change", test_mode_change_flushes_globals);
    g_test_add_func("/mmu/addr/canonical", test_canonical);
    g_test_add_func("/mmu/addr/cross-page", test_cross_page_store);
    g_test_add_func("/mmu/addr/rmw", test_rmw_load);
    g_test_add_func("/mmu/addr/alignment-check", test_alignment_check);
    g_test_add_func("/mmu/fetch/stops-at-page", test_fetch_stops_at_unmapped_page);
    g_test_add_func("/mmu/fetch/crossing", test_fetch_crossing_instruction);
    g_test_add_func("/mmu/fetch/two-page-remapped", test_two_page_block_remapped);
    g_test_add_func("/mmu/smc/chunks", test_smc_chunk_granularity);
    g_test_add_func("/mmu/smc/page-released", test_smc_page_released);
    g_test_add_func("/mmu/smc/dma", test_smc_dma);
    g_test_add_func("/mmu/tb/cache-limit", test_block_cache_limit);
    return g_test_run();
}
