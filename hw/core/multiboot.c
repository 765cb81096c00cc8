/*
 * Multiboot v1 loader (the Multiboot Specification 0.6.96): ELF32 kernels and the
 * a.out kludge, with the info structure, command line, memory map and -initrd as
 * module 0; the CPU enters 32-bit flat protected mode with EAX = 0x2BADB002.
 */
#include "hw/loader.h"
#include "hw/i386/pc.h"
#include "target/i386/cpu.h"
#include <elf.h>

#define MB_MAGIC        0x1BADB002u
#define MB_BOOT_MAGIC   0x2BADB002u
#define MB_SEARCH       8192
#define MB_FLAG_AOUT    (1u << 16)  /* header carries load addresses */
#define MB_FLAG_UNKNOWN 0x0000fff8u /* required features we do not offer: bits 3..15 */

#define MBI_MEM     (1u << 0) /* mem_lower/mem_upper valid */
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS    (1u << 3)
#define MBI_MMAP    (1u << 6)

#define GDT_ADDR  0x8000
#define MBI_ADDR  0x9000
#define MBI_LIMIT 0x9f000 /* info, command line and map must end below here */

typedef struct MultibootHeader {
    uint32_t magic, flags, checksum;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
} MultibootHeader;

static const MultibootHeader *mb_find_header(const uint8_t *image, size_t size,
                                             size_t *offset)
{
    for (size_t off = 0; off + 12 <= MIN(size, (size_t)MB_SEARCH); off += 4) {
        const MultibootHeader *h = (const MultibootHeader *)(image + off);
        if (h->magic == MB_MAGIC && (uint32_t)(h->magic + h->flags + h->checksum) == 0) {
            *offset = off;
            return h;
        }
    }
    return NULL;
}

bool multiboot_probe(const uint8_t *image, size_t size)
{
    size_t off;

    return mb_find_header(image, size, &off) != NULL;
}

static bool mb_write(Machine *m, uint64_t addr, const void *buf, uint64_t len,
                     const char *what, Error **errp)
{
    if (addr + len > m->ram_size || !machine_boot_write(m, addr, buf, len)) {
        error_setg(errp,
                   "multiboot: %s at 0x%" PRIx64 "+0x%" PRIx64 " does not fit in "
                   "guest RAM (%" PRIu64 " MiB)",
                   what, addr, len, m->ram_size >> 20);
        return false;
    }
    return true;
}

static bool mb_zero(Machine *m, uint64_t addr, uint64_t len, Error **errp)
{
    g_autofree uint8_t *z = g_malloc0(len);

    return mb_write(m, addr, z, len, "bss", errp);
}

static bool mb_load_elf(Machine *m, const uint8_t *image, size_t size, uint32_t *entry,
                        uint64_t *end, Error **errp)
{
    const Elf32_Ehdr *eh = (const Elf32_Ehdr *)image;

    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386 ||
        eh->e_phentsize != sizeof(Elf32_Phdr) ||
        eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > size) {
        error_setg(errp, "multiboot: not an ELF32 i386 image and no load addresses in "
                         "its header");
        return false;
    }
    *entry = eh->e_entry;
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf32_Phdr *ph = (const Elf32_Phdr *)(image + eh->e_phoff) + i;
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0) {
            continue;
        }
        if ((uint64_t)ph->p_offset + ph->p_filesz > size || ph->p_filesz > ph->p_memsz) {
            error_setg(errp, "multiboot: ELF segment %d lies outside the file", i);
            return false;
        }
        if (!mb_write(m, ph->p_paddr, image + ph->p_offset, ph->p_filesz, "segment",
                      errp) ||
            !mb_zero(m, (uint64_t)ph->p_paddr + ph->p_filesz, ph->p_memsz - ph->p_filesz,
                     errp)) {
            return false;
        }
        *end = MAX(*end, (uint64_t)ph->p_paddr + ph->p_memsz);
    }
    return true;
}

static bool mb_load_aout(Machine *m, const MultibootHeader *h, size_t hoff,
                         const uint8_t *image, size_t size, uint32_t *entry,
                         uint64_t *end, Error **errp)
{
    uint64_t file_off = hoff - (uint64_t)(h->header_addr - h->load_addr);
    uint64_t load_end =
        h->load_end_addr ? h->load_end_addr : h->load_addr + (size - file_off);
    uint64_t len = load_end - h->load_addr;

    if (h->header_addr < h->load_addr || file_off > size || len > size - file_off ||
        (h->bss_end_addr && h->bss_end_addr < load_end)) {
        error_setg(errp, "multiboot: inconsistent load addresses in the header");
        return false;
    }
    if (!mb_write(m, h->load_addr, image + file_off, len, "kernel", errp)) {
        return false;
    }
    if (h->bss_end_addr && !mb_zero(m, load_end, h->bss_end_addr - load_end, errp)) {
        return false;
    }
    *entry = h->entry_addr;
    *end = MAX(load_end, (uint64_t)h->bss_end_addr);
    return true;
}

typedef struct MBInfo {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4], mmap_length, mmap_addr;
} MBInfo;

typedef struct __attribute__((packed)) MBMmapEntry {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;
} MBMmapEntry;

typedef struct MBModule {
    uint32_t mod_start, mod_end, string, reserved;
} MBModule;

static bool mb_load_initrd(Machine *m, const char *path, uint64_t at, MBModule *mod,
                           Error **errp)
{
    g_autofree char *data = NULL;
    gsize len;
    GError *gerr = NULL;

    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        error_setg(errp, "-initrd: cannot read '%s': %s", path, gerr->message);
        g_error_free(gerr);
        return false;
    }
    mod->mod_start = (uint32_t)at;
    mod->mod_end = (uint32_t)(at + len);
    return mb_write(m, at, data, len, "initrd", errp);
}

/* The info structure, then the command line, module table and memory map after it. */
static bool mb_write_info(Machine *m, const char *cmdline, const char *initrd,
                          uint64_t kernel_end, Error **errp)
{
    MBInfo info = {.flags = MBI_MEM | MBI_CMDLINE | MBI_MMAP, .mem_lower = 639};
    uint64_t p = MBI_ADDR + sizeof(info);
    const char *cl = cmdline ? cmdline : "";
    /* The pc's layout: RAM past the PCI hole (3 GiB) continues at 4 GiB. */
    uint64_t below = pc_ram_below_4g(m), above = pc_ram_above_4g(m);
    MBMmapEntry map[3] = {{20, 0, 0x9fc00, 1},
                          {20, 0x100000, below - 0x100000, 1},
                          {20, 1ull << 32, above, 1}};
    size_t map_size = above ? sizeof(map) : 2 * sizeof(map[0]);
    MBModule mod = {0};

    info.mem_upper = (uint32_t)((below - 0x100000) >> 10);
    info.cmdline = (uint32_t)p;
    if (strlen(cl) + 1 + map_size + sizeof(mod) > MBI_LIMIT - p) {
        error_setg(errp, "-append: command line too long");
        return false;
    }
    if (!mb_write(m, p, cl, strlen(cl) + 1, "command line", errp)) {
        return false;
    }
    p = (p + strlen(cl) + 1 + 7) & ~7ull;
    info.mmap_addr = (uint32_t)p;
    info.mmap_length = (uint32_t)map_size;
    if (!mb_write(m, p, map, map_size, "memory map", errp)) {
        return false;
    }
    p += map_size;
    if (initrd) {
        if (!mb_load_initrd(m, initrd, (kernel_end + PAGE_SIZE - 1) & PAGE_MASK, &mod,
                            errp) ||
            !mb_write(m, p, &mod, sizeof(mod), "module table", errp)) {
            return false;
        }
        info.flags |= MBI_MODS;
        info.mods_count = 1;
        info.mods_addr = (uint32_t)p;
    }
    return mb_write(m, MBI_ADDR, &info, sizeof(info), "multiboot info", errp);
}

bool boot_enter_flat32(Machine *m, uint32_t entry, Error **errp)
{
    static const uint64_t gdt[4] = {0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull};
    CPUX86State *env = m->cpu;
    const uint32_t code = DESC_P | DESC_S | DESC_CS | DESC_R | DESC_A | DESC_B | DESC_G;
    const uint32_t data = DESC_P | DESC_S | DESC_W | DESC_A | DESC_B | DESC_G;

    if (!mb_write(m, GDT_ADDR, gdt, sizeof(gdt), "GDT", errp)) {
        return false;
    }
    env->gdt = (DescTable){GDT_ADDR, sizeof(gdt) - 1};
    env->cr[0] |= CR0_PE;
    for (int i = 0; i < NR_SEGS; i++) {
        cpu_set_seg_raw(env, i, 0x18, 0, 0xffffffff, data);
    }
    cpu_set_seg_raw(env, R_CS, 0x10, 0, 0xffffffff, code);
    env->rip = entry;
    cpu_update_hflags(env);
    return true;
}

static bool mb_enter(Machine *m, uint32_t entry, Error **errp)
{
    if (!boot_enter_flat32(m, entry, errp)) {
        return false;
    }
    m->cpu->regs[R_EAX] = MB_BOOT_MAGIC;
    m->cpu->regs[R_EBX] = MBI_ADDR;
    return true;
}

bool multiboot_load(Machine *m, const uint8_t *image, size_t size, const char *cmdline,
                    const char *initrd, Error **errp)
{
    size_t hoff;
    const MultibootHeader *h = mb_find_header(image, size, &hoff);
    uint32_t entry = 0;
    uint64_t end = 0;
    bool ok;

    if (!h) {
        error_setg(errp, "not a Multiboot kernel");
        return false;
    }
    if (h->flags & MB_FLAG_UNKNOWN) {
        error_setg(errp,
                   "multiboot: the kernel requires features 0x%x that are not "
                   "offered",
                   h->flags & MB_FLAG_UNKNOWN);
        return false;
    }
    ok = (h->flags & MB_FLAG_AOUT)
             ? hoff + sizeof(*h) <= size &&
                   mb_load_aout(m, h, hoff, image, size, &entry, &end, errp)
             : mb_load_elf(m, image, size, &entry, &end, errp);
    return ok && mb_write_info(m, cmdline, initrd, end, errp) && mb_enter(m, entry, errp);
}
