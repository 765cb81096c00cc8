/*
 * Direct kernel boot (Linux x86 boot protocol, Documentation/x86/boot.rst; the PVH
 * entry of Xen's hvm_start_info; Multiboot v1).
 *
 * The boot protocol path loads the bzImage's protected-mode part at 1 MiB and enters
 * its 32-bit entry; the kernel then decompresses itself (about 4.5 billion guest
 * instructions for Debian's kernel). The PVH fast path decompresses the payload on
 * the host instead and enters vmlinux at its PVH entry point; the running kernel
 * sees the same memory map, command line, initrd and ACPI tables either way.
 */
#include "hw/i386/linux-boot.h"
#include "hw/i386/pc.h"
#include "hw/loader.h"
#include "replay/replay.h"
#include "target/i386/cpu.h"
#include "util/log.h"
#include <elf.h>
#include <lzma.h>

/* Setup header fields (offsets in the bzImage and in the zero page alike). */
#define HDR_SETUP_SECTS     0x1f1
#define HDR_JUMP_END        0x201 /* header ends at 0x202 + this byte */
#define HDR_MAGIC           0x202 /* "HdrS" */
#define HDR_VERSION         0x206
#define HDR_TYPE_OF_LOADER  0x210
#define HDR_LOADFLAGS       0x211
#define HDR_RAMDISK_IMAGE   0x218
#define HDR_RAMDISK_SIZE    0x21c
#define HDR_CMD_LINE_PTR    0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_CMDLINE_SIZE    0x238
#define HDR_PAYLOAD_OFFSET  0x248
#define HDR_PAYLOAD_LENGTH  0x24c
#define HDR_INIT_SIZE       0x260
/* Zero page fields outside the setup header. */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_E820_ENTRIES   0x1e8
#define BP_E820_TABLE     0x2d0
#define BP_E820_MAX       128
#define BP_SIZE           4096

#define LOADFLAG_LOADED_HIGH 0x01 /* LOADED_HIGH: protected-mode code at 1 MiB */
#define KERNEL_LOAD_ADDR     0x100000
#define MIN_PROTOCOL         0x0206 /* 2.06: cmdline_size, 32-bit entry semantics */

#define PVH_MAGIC                0x336ec578u
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PVH_MODLIST_ADDR         (PC_BOOT_PARAMS_ADDR + 0x100)
#define PVH_MEMMAP_ADDR          (PC_BOOT_PARAMS_ADDR + 0x200)

typedef struct KernelImage {
    const uint8_t *data;
    size_t size;
    const char *path;
} KernelImage;

bool kernel_boot_mode_parse(const char *s, KernelBootMode *mode, Error **errp)
{
    static const char *const names[] = {"auto", "pvh", "bzimage"};

    for (int i = 0; i < 3; i++) {
        if (!strcmp(s, names[i])) {
            *mode = (KernelBootMode)i;
            return true;
        }
    }
    error_setg(errp, "kernel-boot expects auto, pvh or bzimage, not '%s'", s);
    return false;
}

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

static bool guest_write(Machine *m, uint64_t addr, const void *buf, uint64_t len,
                        const char *what, Error **errp)
{
    if (addr + len > pc_ram_below_4g(m) || !machine_boot_write(m, addr, buf, len)) {
        error_setg(errp,
                   "-kernel: the %s (0x%" PRIx64 " bytes at 0x%" PRIx64 ") does "
                   "not fit in guest RAM; give the guest more memory with -m",
                   what, len, addr);
        return false;
    }
    return true;
}

static bool is_bzimage(const KernelImage *k)
{
    return k->size > 0x270 && !memcmp(k->data + HDR_MAGIC, "HdrS", 4);
}

static size_t setup_size(const KernelImage *k)
{
    unsigned sects = k->data[HDR_SETUP_SECTS] ? k->data[HDR_SETUP_SECTS] : 4;

    return (sects + 1) * 512;
}

/* --- initrd and command line --- */

typedef struct BootFiles {
    uint64_t initrd_addr, initrd_size;
    uint64_t cmdline_addr;
} BootFiles;

static bool load_cmdline(Machine *m, const char *cmdline, uint32_t max, BootFiles *f,
                         Error **errp)
{
    const char *cl = cmdline ? cmdline : "";

    if (strlen(cl) > max) {
        error_setg(errp,
                   "-append: the command line is %zu bytes, the kernel takes at "
                   "most %u",
                   strlen(cl), max);
        return false;
    }
    f->cmdline_addr = PC_BOOT_CMDLINE;
    return guest_write(m, PC_BOOT_CMDLINE, cl, strlen(cl) + 1, "command line", errp);
}

/* The initrd goes as high as the kernel allows, page aligned. */
static bool load_initrd(Machine *m, const char *path, uint64_t limit, uint64_t low,
                        BootFiles *f, Error **errp)
{
    g_autofree char *data = NULL;
    gsize len;
    GError *gerr = NULL;

    if (!path) {
        return true;
    }
    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        error_setg(errp, "-initrd: cannot read '%s': %s", path, gerr->message);
        g_error_free(gerr);
        return false;
    }
    limit = MIN(limit, pc_ram_below_4g(m));
    if (len > limit || ((limit - len) & PAGE_MASK) < low) {
        error_setg(errp,
                   "-initrd: '%s' (%zu bytes) does not fit between the kernel "
                   "and the top of RAM; give the guest more memory with -m",
                   path, len);
        return false;
    }
    f->initrd_addr = (limit - len) & PAGE_MASK;
    f->initrd_size = len;
    return guest_write(m, f->initrd_addr, data, len, "initrd", errp);
}

/* --- the x86 boot protocol (32-bit entry) --- */

static void zero_page_e820(const Machine *m, uint8_t *bp)
{
    uint64_t a[8], l[8];
    uint32_t t[8];
    unsigned n = pc_e820_map(m, a, l, t, 8);

    bp[BP_E820_ENTRIES] = (uint8_t)n;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = bp + BP_E820_TABLE + 20 * i;
        wr64(e, a[i]);
        wr64(e + 8, l[i]);
        wr32(e + 16, t[i]);
    }
}

static bool bzimage_check(const KernelImage *k, Error **errp)
{
    uint16_t version = rd16(k->data + HDR_VERSION);

    if (version < MIN_PROTOCOL) {
        error_setg(errp, "-kernel %s: boot protocol %u.%02u is too old (need 2.06)",
                   k->path, version >> 8, version & 0xff);
        return false;
    }
    if (!(k->data[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH) || setup_size(k) >= k->size) {
        error_setg(errp, "-kernel %s: not a bzImage (zImage kernels are not supported)",
                   k->path);
        return false;
    }
    return true;
}

static bool bzimage_load(Machine *m, const KernelImage *k, const char *cmdline,
                         const char *initrd, uint64_t rsdp, Error **errp)
{
    g_autofree uint8_t *bp = g_malloc0(BP_SIZE);
    size_t hdr_end = 0x202 + k->data[HDR_JUMP_END];
    uint64_t kernel_end = KERNEL_LOAD_ADDR + MAX((uint64_t)rd32(k->data + HDR_INIT_SIZE),
                                                 (uint64_t)(k->size - setup_size(k)));
    BootFiles f = {0};

    if (!bzimage_check(k, errp) ||
        !guest_write(m, KERNEL_LOAD_ADDR, k->data + setup_size(k),
                     k->size - setup_size(k), "kernel", errp) ||
        !load_cmdline(m, cmdline, rd32(k->data + HDR_CMDLINE_SIZE), &f, errp) ||
        !load_initrd(m, initrd, (uint64_t)rd32(k->data + HDR_INITRD_ADDR_MAX) + 1,
                     kernel_end, &f, errp)) {
        return false;
    }
    memcpy(bp + HDR_SETUP_SECTS, k->data + HDR_SETUP_SECTS, MIN(hdr_end, 0x280) - 0x1f1);
    bp[HDR_TYPE_OF_LOADER] = 0xff;
    wr32(bp + HDR_CMD_LINE_PTR, (uint32_t)f.cmdline_addr);
    wr32(bp + HDR_RAMDISK_IMAGE, (uint32_t)f.initrd_addr);
    wr32(bp + HDR_RAMDISK_SIZE, (uint32_t)f.initrd_size);
    wr64(bp + BP_ACPI_RSDP_ADDR, rsdp);
    zero_page_e820(m, bp);
    if (!guest_write(m, PC_BOOT_PARAMS_ADDR, bp, BP_SIZE, "boot parameters", errp) ||
        !boot_enter_flat32(m, KERNEL_LOAD_ADDR, errp)) {
        return false;
    }
    m->cpu->regs[R_ESI] = PC_BOOT_PARAMS_ADDR;
    return true;
}

/* --- the PVH fast path --- */

/* Decompress the bzImage payload (xz) into the vmlinux ELF image. */
static GByteArray *pvh_decompress(const KernelImage *k, Error **errp)
{
    const uint8_t *pm = k->data + setup_size(k);
    size_t pm_size = k->size - setup_size(k);
    uint32_t off = rd32(k->data + HDR_PAYLOAD_OFFSET);
    uint32_t len = rd32(k->data + HDR_PAYLOAD_LENGTH);
    lzma_stream s = LZMA_STREAM_INIT;
    GByteArray *out = g_byte_array_new();
    lzma_ret r;

    if ((uint64_t)off + len > pm_size || len < 6 ||
        memcmp(pm + off,
               "\xfd"
               "7zXZ",
               5) ||
        lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
        error_setg(errp, "-kernel %s: the payload is not xz-compressed", k->path);
        g_byte_array_unref(out);
        return NULL;
    }
    s.next_in = pm + off;
    s.avail_in = len;
    do {
        size_t have = out->len;
        g_byte_array_set_size(out, have + (16 << 20));
        s.next_out = out->data + have;
        s.avail_out = 16 << 20;
        r = lzma_code(&s, LZMA_FINISH);
        g_byte_array_set_size(out, out->len - s.avail_out);
    } while (r == LZMA_OK);
    /*
     * The kernel's xz payloads end without the stream index and footer that liblzma
     * expects (the in-kernel decoder stops at the end of the block): having used up
     * all the input is success; the ELF checks below validate what came out.
     */
    if (r == LZMA_BUF_ERROR && s.avail_in == 0) {
        r = LZMA_STREAM_END;
    }
    lzma_end(&s);
    if (r != LZMA_STREAM_END) {
        error_setg(errp, "-kernel %s: decompressing the payload failed (xz error %d)",
                   k->path, r);
        g_byte_array_unref(out);
        return NULL;
    }
    return out;
}

static const Elf64_Ehdr *pvh_elf(const GByteArray *v)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)v->data;

    if (v->len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
        eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > v->len) {
        return NULL;
    }
    return eh;
}

/* The XEN_ELFNOTE_PHYS32_ENTRY note of a PT_NOTE segment, or 0. */
static uint32_t pvh_note_entry(const uint8_t *p, uint64_t size)
{
    for (uint64_t off = 0; off + 12 <= size;) {
        uint32_t namesz = rd32(p + off), descsz = rd32(p + off + 4),
                 type = rd32(p + off + 8);
        uint64_t name = off + 12, desc = name + ((namesz + 3) & ~3u);
        if (desc + descsz > size) {
            return 0;
        }
        if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
            !memcmp(p + name, "Xen", 4) && descsz >= 4) {
            return rd32(p + desc);
        }
        off = desc + ((descsz + 3) & ~3u);
    }
    return 0;
}

static uint32_t pvh_find_entry(const GByteArray *v, const Elf64_Ehdr *eh)
{
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(v->data + eh->e_phoff) + i;
        if (ph->p_type == PT_NOTE && ph->p_offset + ph->p_filesz <= v->len) {
            uint32_t entry = pvh_note_entry(v->data + ph->p_offset, ph->p_filesz);
            if (entry) {
                return entry;
            }
        }
    }
    return 0;
}

static bool pvh_load_segments(Machine *m, const GByteArray *v, const Elf64_Ehdr *eh,
                              uint64_t *end, Error **errp)
{
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(v->data + eh->e_phoff) + i;
        g_autofree uint8_t *zero = NULL;
        if (ph->p_type != PT_LOAD) {
            continue;
        }
        if (ph->p_offset + ph->p_filesz > v->len || ph->p_filesz > ph->p_memsz) {
            error_setg(errp, "-kernel: vmlinux segment %d lies outside the image", i);
            return false;
        }
        zero = g_malloc0(ph->p_memsz - ph->p_filesz + 1);
        if (!guest_write(m, ph->p_paddr, v->data + ph->p_offset, ph->p_filesz, "kernel",
                         errp) ||
            !guest_write(m, ph->p_paddr + ph->p_filesz, zero, ph->p_memsz - ph->p_filesz,
                         "kernel", errp)) {
            return false;
        }
        *end = MAX(*end, ph->p_paddr + ph->p_memsz);
    }
    return true;
}

/* hvm_start_info (version 1), its module list and its memory map. */
static bool pvh_write_start_info(Machine *m, const BootFiles *f, uint64_t rsdp,
                                 Error **errp)
{
    uint8_t si[56] = {0}, mod[32] = {0}, map[8 * 24] = {0};
    uint64_t a[8], l[8];
    uint32_t t[8];
    unsigned n = pc_e820_map(m, a, l, t, 8);

    for (unsigned i = 0; i < n; i++) {
        wr64(map + 24 * i, a[i]);
        wr64(map + 24 * i + 8, l[i]);
        wr32(map + 24 * i + 16, t[i]);
    }
    wr64(mod, f->initrd_addr);
    wr64(mod + 8, f->initrd_size);
    wr32(si, PVH_MAGIC);
    wr32(si + 4, 1);
    wr32(si + 12, f->initrd_size ? 1 : 0);
    wr64(si + 16, PVH_MODLIST_ADDR);
    wr64(si + 24, f->cmdline_addr);
    wr64(si + 32, rsdp);
    wr64(si + 40, PVH_MEMMAP_ADDR);
    wr32(si + 48, n);
    return guest_write(m, PVH_MODLIST_ADDR, mod, sizeof(mod), "module list", errp) &&
           guest_write(m, PVH_MEMMAP_ADDR, map, 24 * n, "memory map", errp) &&
           guest_write(m, PC_BOOT_PARAMS_ADDR, si, sizeof(si), "start info", errp);
}

static bool pvh_boot(Machine *m, const KernelImage *k, const GByteArray *v,
                     const char *cmdline, const char *initrd, uint64_t rsdp, Error **errp)
{
    const Elf64_Ehdr *eh = pvh_elf(v);
    uint32_t entry = eh ? pvh_find_entry(v, eh) : 0;
    uint64_t end = 0;
    BootFiles f = {0};

    if (!entry) {
        error_setg(errp,
                   "-kernel %s: the kernel has no PVH entry point (use "
                   "-machine pc,kernel-boot=bzimage)",
                   k->path);
        return false;
    }
    if (!pvh_load_segments(m, v, eh, &end, errp) ||
        !load_cmdline(m, cmdline, rd32(k->data + HDR_CMDLINE_SIZE), &f, errp) ||
        !load_initrd(m, initrd, (uint64_t)rd32(k->data + HDR_INITRD_ADDR_MAX) + 1, end,
                     &f, errp) ||
        !pvh_write_start_info(m, &f, rsdp, errp) || !boot_enter_flat32(m, entry, errp)) {
        return false;
    }
    m->cpu->regs[R_EBX] = PC_BOOT_PARAMS_ADDR;
    log_mask_printf(LOG_UNIMP, "pvh: entry 0x%x, kernel ends at 0x%" PRIx64 "\n", entry,
                    end);
    return true;
}

static bool linux_load(Machine *m, const KernelImage *k, const char *cmdline,
                       const char *initrd, KernelBootMode mode, Error **errp)
{
    uint64_t rsdp = pc_install_acpi(m, errp);
    g_autoptr(GByteArray) vmlinux = NULL;
    Error *local = NULL;

    if (!rsdp || !bzimage_check(k, errp)) {
        return false;
    }
    if (mode != KERNEL_BOOT_BZIMAGE) {
        vmlinux = pvh_decompress(k, mode == KERNEL_BOOT_PVH ? errp : &local);
        if (vmlinux && pvh_elf(vmlinux) && pvh_find_entry(vmlinux, pvh_elf(vmlinux))) {
            return pvh_boot(m, k, vmlinux, cmdline, initrd, rsdp, errp);
        }
        if (mode == KERNEL_BOOT_PVH) {
            return vmlinux ? pvh_boot(m, k, vmlinux, cmdline, initrd, rsdp, errp) : false;
        }
        error_free(local);
    }
    return bzimage_load(m, k, cmdline, initrd, rsdp, errp);
}

static bool load_kernel_file(Machine *m, const char *kernel, const char *cmdline,
                             const char *initrd, KernelBootMode mode, Error **errp)
{
    g_autofree char *data = NULL;
    gsize len;
    GError *gerr = NULL;
    KernelImage k;

    if (!g_file_get_contents(kernel, &data, &len, &gerr)) {
        error_setg(errp, "-kernel: cannot read '%s': %s", kernel, gerr->message);
        g_error_free(gerr);
        return false;
    }
    k = (KernelImage){(const uint8_t *)data, len, kernel};
    if (multiboot_probe(k.data, len)) {
        if (!multiboot_load(m, k.data, len, cmdline, initrd, errp)) {
            error_prepend(errp, "-kernel %s: ", kernel);
            return false;
        }
        return true;
    }
    if (is_bzimage(&k)) {
        return linux_load(m, &k, cmdline, initrd, mode, errp);
    }
    error_setg(errp,
               "-kernel %s: not a kernel Reprise can boot (expected a Linux "
               "bzImage or a Multiboot kernel)",
               kernel);
    return false;
}

bool pc_load_kernel(Machine *m, const char *kernel, const char *cmdline,
                    const char *initrd, KernelBootMode mode, Error **errp)
{
    if (!load_kernel_file(m, kernel, cmdline, initrd, mode, errp)) {
        return false;
    }
    machine_set_boot_cpu(m); /* a reset enters the kernel again */
    return true;
}
