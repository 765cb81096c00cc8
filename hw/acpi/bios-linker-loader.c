/* The firmware table linker/loader script, in QEMU's documented fw_cfg format. */
/*
 * Each command is a 128-byte entry: a u32 command number, then fields at fixed
 * offsets (file names are NUL-padded 56-byte strings). Pointer fields in the blobs
 * hold offsets into the target file until the loader adds the file's address;
 * checksums are fixed after every pointer into the table has been patched, which is
 * why each table's checksum command follows its pointer commands.
 */
#include "hw/acpi/bios-linker-loader.h"

/* Field offsets within an entry. */
#define ENTRY_CMD         0
#define ENTRY_FILE        4  /* ALLOCATE, ADD_CHECKSUM: file; ADD_POINTER: dest */
#define ENTRY_SRC_FILE    60 /* ADD_POINTER */
#define ENTRY_ALLOC_ALIGN 60 /* ALLOCATE */
#define ENTRY_ALLOC_ZONE  64
#define ENTRY_PTR_OFFSET  116 /* ADD_POINTER */
#define ENTRY_PTR_SIZE    120
#define ENTRY_CSUM_OFFSET 60 /* ADD_CHECKSUM */
#define ENTRY_CSUM_START  64
#define ENTRY_CSUM_LENGTH 68

typedef struct BiosLinkerFile {
    char name[BIOS_LINKER_FILESZ];
    GByteArray *blob;
    uint64_t addr;
    bool placed;
} BiosLinkerFile;

struct BiosLinker {
    GByteArray *script;
    GArray *files; /* BiosLinkerFile */
};

BiosLinker *bios_linker_new(void)
{
    BiosLinker *l = g_new0(BiosLinker, 1);
    l->script = g_byte_array_new();
    l->files = g_array_new(false, true, sizeof(BiosLinkerFile));
    return l;
}

void bios_linker_free(BiosLinker *l)
{
    g_byte_array_free(l->script, true);
    g_array_free(l->files, true);
    g_free(l);
}

const GByteArray *bios_linker_script(const BiosLinker *l)
{
    return l->script;
}

static BiosLinkerFile *bios_linker_find(BiosLinker *l, const char *name)
{
    for (guint i = 0; i < l->files->len; i++) {
        BiosLinkerFile *f = &g_array_index(l->files, BiosLinkerFile, i);
        if (strncmp(f->name, name, BIOS_LINKER_FILESZ) == 0) {
            return f;
        }
    }
    return NULL;
}

/* ---- writing commands ---- */

static void bios_linker_put_le(uint8_t *p, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = v >> (8 * i);
    }
}

static uint64_t bios_linker_get_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static uint8_t *bios_linker_new_entry(BiosLinker *l, uint32_t cmd)
{
    uint8_t entry[BIOS_LINKER_ENTRY_SIZE] = {0};
    bios_linker_put_le(entry + ENTRY_CMD, cmd, 4);
    g_byte_array_append(l->script, entry, sizeof(entry));
    return l->script->data + l->script->len - BIOS_LINKER_ENTRY_SIZE;
}

static void bios_linker_put_name(uint8_t *p, const char *name)
{
    assert(strlen(name) < BIOS_LINKER_FILESZ);
    strncpy((char *)p, name, BIOS_LINKER_FILESZ);
}

void bios_linker_allocate(BiosLinker *l, const char *file, GByteArray *blob,
                          uint32_t align, bool fseg)
{
    BiosLinkerFile f = {.blob = blob};
    assert(!bios_linker_find(l, file) && align && (align & (align - 1)) == 0);
    bios_linker_put_name((uint8_t *)f.name, file);
    g_array_append_val(l->files, f);

    uint8_t *e = bios_linker_new_entry(l, BIOS_LINKER_CMD_ALLOCATE);
    bios_linker_put_name(e + ENTRY_FILE, file);
    bios_linker_put_le(e + ENTRY_ALLOC_ALIGN, align, 4);
    e[ENTRY_ALLOC_ZONE] = fseg ? BIOS_LINKER_ZONE_FSEG : BIOS_LINKER_ZONE_HIGH;
}

void bios_linker_add_pointer(BiosLinker *l, const char *dest_file, uint32_t dest_offset,
                             uint8_t size, const char *src_file, uint32_t src_offset)
{
    BiosLinkerFile *dest = bios_linker_find(l, dest_file);
    assert(dest && bios_linker_find(l, src_file));
    assert(dest_offset + size <= dest->blob->len);
    bios_linker_put_le(dest->blob->data + dest_offset, src_offset, size);

    uint8_t *e = bios_linker_new_entry(l, BIOS_LINKER_CMD_ADD_POINTER);
    bios_linker_put_name(e + ENTRY_FILE, dest_file);
    bios_linker_put_name(e + ENTRY_SRC_FILE, src_file);
    bios_linker_put_le(e + ENTRY_PTR_OFFSET, dest_offset, 4);
    e[ENTRY_PTR_SIZE] = size;
}

void bios_linker_add_checksum(BiosLinker *l, const char *file, uint32_t start,
                              uint32_t length, uint32_t offset)
{
    BiosLinkerFile *f = bios_linker_find(l, file);
    assert(f && start + length <= f->blob->len && offset < f->blob->len);
    f->blob->data[offset] = 0; /* the loader adds to it; start from a clean slate */

    uint8_t *e = bios_linker_new_entry(l, BIOS_LINKER_CMD_ADD_CHECKSUM);
    bios_linker_put_name(e + ENTRY_FILE, file);
    bios_linker_put_le(e + ENTRY_CSUM_OFFSET, offset, 4);
    bios_linker_put_le(e + ENTRY_CSUM_START, start, 4);
    bios_linker_put_le(e + ENTRY_CSUM_LENGTH, length, 4);
}

/* ---- running a script ---- */

static BiosLinkerFile *bios_linker_entry_file(BiosLinker *l, const uint8_t *field,
                                              bool must_be_placed, Error **errp)
{
    char name[BIOS_LINKER_FILESZ + 1] = {0};
    memcpy(name, field, BIOS_LINKER_FILESZ);
    BiosLinkerFile *f = bios_linker_find(l, name);
    if (!f || (must_be_placed && !f->placed)) {
        error_setg(errp, "table-loader: file '%s' %s", name,
                   f ? "used before it is allocated" : "is unknown");
        return NULL;
    }
    return f;
}

static bool bios_linker_in_bounds(const BiosLinkerFile *f, uint64_t start, uint64_t len,
                                  Error **errp)
{
    if (start > f->blob->len || len > f->blob->len - start) {
        error_setg(errp, "table-loader: bytes %" PRIu64 "+%" PRIu64 " are outside '%s'",
                   start, len, f->name);
        return false;
    }
    return true;
}

static bool bios_linker_run_allocate(BiosLinker *l, const uint8_t *e,
                                     BiosLinkerPlaceFn *place, void *opaque, Error **errp)
{
    BiosLinkerFile *f = bios_linker_entry_file(l, e + ENTRY_FILE, false, errp);
    if (!f) {
        return false;
    }
    uint32_t align = bios_linker_get_le(e + ENTRY_ALLOC_ALIGN, 4);
    f->addr = place(opaque, f->name, align, e[ENTRY_ALLOC_ZONE] == BIOS_LINKER_ZONE_FSEG);
    f->placed = true;
    return true;
}

static bool bios_linker_run_pointer(BiosLinker *l, const uint8_t *e, Error **errp)
{
    BiosLinkerFile *dest = bios_linker_entry_file(l, e + ENTRY_FILE, true, errp);
    BiosLinkerFile *src =
        dest ? bios_linker_entry_file(l, e + ENTRY_SRC_FILE, true, errp) : NULL;
    uint32_t offset = bios_linker_get_le(e + ENTRY_PTR_OFFSET, 4);
    uint8_t size = e[ENTRY_PTR_SIZE];
    if (!src) {
        return false;
    }
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        error_setg(errp, "table-loader: pointer of %u bytes", size);
        return false;
    }
    if (!bios_linker_in_bounds(dest, offset, size, errp)) {
        return false;
    }
    uint8_t *p = dest->blob->data + offset;
    bios_linker_put_le(p, bios_linker_get_le(p, size) + src->addr, size);
    return true;
}

static bool bios_linker_run_checksum(BiosLinker *l, const uint8_t *e, Error **errp)
{
    BiosLinkerFile *f = bios_linker_entry_file(l, e + ENTRY_FILE, true, errp);
    uint32_t offset = bios_linker_get_le(e + ENTRY_CSUM_OFFSET, 4);
    uint32_t start = bios_linker_get_le(e + ENTRY_CSUM_START, 4);
    uint32_t length = bios_linker_get_le(e + ENTRY_CSUM_LENGTH, 4);
    if (!f || !bios_linker_in_bounds(f, start, length, errp) ||
        !bios_linker_in_bounds(f, offset, 1, errp)) {
        return false;
    }
    uint8_t sum = 0;
    for (uint32_t i = 0; i < length; i++) {
        sum += f->blob->data[start + i];
    }
    f->blob->data[offset] -= sum;
    return true;
}

bool bios_linker_run(BiosLinker *l, BiosLinkerPlaceFn *place, void *opaque, Error **errp)
{
    for (guint pos = 0; pos + BIOS_LINKER_ENTRY_SIZE <= l->script->len;
         pos += BIOS_LINKER_ENTRY_SIZE) {
        const uint8_t *e = l->script->data + pos;
        bool ok;
        switch (bios_linker_get_le(e + ENTRY_CMD, 4)) {
        case BIOS_LINKER_CMD_ALLOCATE:
            ok = bios_linker_run_allocate(l, e, place, opaque, errp);
            break;
        case BIOS_LINKER_CMD_ADD_POINTER: ok = bios_linker_run_pointer(l, e, errp); break;
        case BIOS_LINKER_CMD_ADD_CHECKSUM:
            ok = bios_linker_run_checksum(l, e, errp);
            break;
        default: ok = true; break; /* firmware skips commands it does not know */
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}
