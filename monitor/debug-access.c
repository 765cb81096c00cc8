/*
 * Debugger access to guest memory: a page walk without side effects (Intel SDM vol. 3
 * chapter 4: 32-bit, PAE and 4-level paging) and reads and writes of RAM only.
 *
 * The CPU's own walk (target/i386/mmu.c) sets accessed and dirty bits and fills the
 * TLB, both guest-visible, so a debugger looking at memory would change what the
 * guest later sees and a replay would diverge. This walk only reads.
 */
#include "monitor/monitor.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"

#define PTE_P          (1ull << 0) /* present */
#define PTE_PS         (1ull << 7) /* page size */
#define PTE_ADDR_MASK  0x000ffffffffff000ull
#define PDPTE_PAE_MASK 0xffffffe0ull

typedef struct WalkLevel {
    unsigned shift;
    unsigned bits;
    bool may_be_large;
} WalkLevel;

static const WalkLevel walk_4level[] = {
    {39, 9, false}, {30, 9, true}, {21, 9, true}, {12, 9, false}};
static const WalkLevel walk_pae[] = {{30, 2, false}, {21, 9, true}, {12, 9, false}};

static bool read_pte(CPUX86State *env, uint64_t addr, unsigned size, uint64_t *pte)
{
    *pte = 0;
    return phys_memory_rw_debug(env->machine, addr, pte, size, false);
}

/* 64-bit entries (PAE and 4-level). */
static bool walk64(CPUX86State *env, const WalkLevel *lv, unsigned n, uint64_t table,
                   uint64_t lin, uint64_t *phys)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t idx = (lin >> lv[i].shift) & ((1u << lv[i].bits) - 1), pte;
        if (!read_pte(env, table + idx * 8, 8, &pte) || !(pte & PTE_P)) {
            return false;
        }
        if (i == n - 1 || (lv[i].may_be_large && (pte & PTE_PS))) {
            uint64_t offset_mask = (1ull << lv[i].shift) - 1;
            *phys = (pte & PTE_ADDR_MASK & ~offset_mask) | (lin & offset_mask);
            return true;
        }
        table = pte & PTE_ADDR_MASK;
    }
    return false;
}

static bool walk32(CPUX86State *env, uint32_t lin, uint64_t *phys)
{
    uint64_t pde, pte;

    if (!read_pte(env, (env->cr[3] & 0xfffff000) + (lin >> 22) * 4, 4, &pde) ||
        !(pde & PTE_P)) {
        return false;
    }
    if ((pde & PTE_PS) && (env->cr[4] & CR4_PSE)) {
        *phys = (pde & 0xffc00000) | ((pde >> 13) & 0xff) << 32 | (lin & 0x3fffff);
        return true;
    }
    if (!read_pte(env, (pde & 0xfffff000) + ((lin >> 12) & 0x3ff) * 4, 4, &pte) ||
        !(pte & PTE_P)) {
        return false;
    }
    *phys = (pte & 0xfffff000) | (lin & 0xfff);
    return true;
}

bool cpu_debug_translate(CPUX86State *env, uint64_t lin, uint64_t *phys)
{
    bool lma = env->efer & EFER_LMA;

    if (!(env->cr[0] & CR0_PG)) {
        *phys = lma ? lin : (uint32_t)lin;
        return true;
    }
    if (lma) {
        int64_t canon = (int64_t)(lin << 16) >> 16;
        return (uint64_t)canon == lin &&
               walk64(env, walk_4level, 4, env->cr[3] & PTE_ADDR_MASK, lin, phys);
    }
    if (env->cr[4] & CR4_PAE) {
        return walk64(env, walk_pae, 3, env->cr[3] & PDPTE_PAE_MASK, (uint32_t)lin, phys);
    }
    return walk32(env, (uint32_t)lin, phys);
}

bool cpu_memory_rw_debug(CPUX86State *env, uint64_t lin, void *buf, size_t len,
                         bool is_write)
{
    uint8_t *p = buf;

    while (len > 0) {
        uint64_t phys, n = MIN_U64(len, PAGE_SIZE - (lin & ~PAGE_MASK));
        if (!cpu_debug_translate(env, lin, &phys) ||
            !phys_memory_rw_debug(env->machine, phys, p, n, is_write)) {
            return false;
        }
        lin += n;
        p += n;
        len -= n;
    }
    return true;
}

bool phys_memory_rw_debug(Machine *m, uint64_t phys, void *buf, size_t len, bool is_write)
{
    uint8_t *p = buf;

    while (len > 0) {
        const FlatRange *fr = address_space_find(&m->mem, phys);
        MemoryRegion *mr = fr ? fr->mr : NULL;
        uint64_t offset, n;
        if (!mr || !mr->ram || (is_write && (fr->readonly || mr->readonly))) {
            return false; /* a hole, or a device whose registers must not be touched */
        }
        offset = phys - fr->start + fr->offset_in_region;
        n = MIN_U64(len, fr->end - phys);
        if (is_write) {
            memcpy(mr->ram + offset, p, n);
            memory_notify_write(mr, offset, n);
        } else {
            memcpy(p, mr->ram + offset, n);
        }
        phys += n;
        p += n;
        len -= n;
    }
    return true;
}
