/*
 * Whole-machine snapshots: one generic walker over the machine's devices, the CPU and
 * the clocks through their vmstate tables (section layout in include/migration/
 * savevm.h), and the file that keeps named snapshots.
 *
 * Loading checks what it can before it changes anything: the framing of every
 * section, that the snapshot's devices are this machine's devices, and the name and
 * version at the head of every vmstate section. Only a deeper mismatch (a nested
 * section's version, a post_load refusing) can fail half way; the VM is then stopped
 * and the error says the machine state is undefined until another snapshot is loaded.
 */
#include "migration/savevm.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"
#include "system/icount.h"
#include "system/clock.h"
#include "system/runstate.h"
#include "replay/replay.h"
#include "replay/replay-snapshot.h"
#include "replay/log.h"
#include "config-host.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if CONFIG_ZSTD
#include <zstd.h>
#include "util/le.h"
#endif

typedef struct Registered {
    char *name;
    const VMStateDescription *vmsd;
    void *opaque;
    bool required;
} Registered;

/* Like the device types, sections register process-wide (the replay layer's). */
static GPtrArray *registered;

static const VMStateField icount_fields[] = {
    VMSTATE_UINT64(count, IcountState),
    VMSTATE_INT64(bias, IcountState),
    VMSTATE_INT32(shift, IcountState),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_icount = {
    .name = "icount", .version = 1, .fields = icount_fields};

static const VMStateField machine_fields[] = {
    VMSTATE_UINT16(isa_irq_level, Machine),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_machine = {
    .name = "machine", .version = 1, .fields = machine_fields};

static void registered_free(gpointer p)
{
    Registered *r = p;

    g_free(r->name);
    g_free(r);
}

void savevm_register(const char *name, const VMStateDescription *vmsd, void *opaque,
                     bool required)
{
    Registered *r = g_new0(Registered, 1);

    if (!registered) {
        registered = g_ptr_array_new_with_free_func(registered_free);
    }
    savevm_unregister(name);
    *r = (Registered){g_strdup(name), vmsd, opaque, required};
    g_ptr_array_add(registered, r);
}

void savevm_unregister(const char *name)
{
    for (guint i = 0; registered && i < registered->len; i++) {
        if (!strcmp(((Registered *)registered->pdata[i])->name, name)) {
            g_ptr_array_remove_index(registered, i);
            return;
        }
    }
}

/* ---- the timer order ---- */

static void collect_timers(const VMStateDescription *vmsd, uint8_t *base, GPtrArray *out)
{
    for (const VMStateField *f = vmsd->fields; f && f->type != VMS_END; f++) {
        uint8_t *p = base + f->offset;
        if (f->type == VMS_TIMER) {
            g_ptr_array_add(out, p);
        }
        for (size_t i = 0;
             (f->type == VMS_STRUCT || f->type == VMS_STRUCT_ARRAY) && i < f->count;
             i++) {
            collect_timers(f->vmsd, p + i * f->size, out);
        }
    }
}

/* Every timer the devices' tables describe, in a fixed order. */
static GPtrArray *machine_timers(Machine *m)
{
    GPtrArray *timers = g_ptr_array_new();

    for (guint i = 0; i < m->devices->len; i++) {
        DeviceState *dev = g_ptr_array_index(m->devices, i);
        if (dev->info->vmsd) {
            collect_timers(dev->info->vmsd, (uint8_t *)dev, timers);
        }
    }
    return timers;
}

static guint timers_after(const Timer *t)
{
    guint n = 0;

    for (const Timer *u = t->next; u; u = u->next) {
        n++;
    }
    return n;
}

/*
 * Timers due at the same time fire in the order they were armed; loading re-arms them
 * in table order, so the order is saved (as indices into machine_timers) and replayed.
 */
static void timers_save(Machine *m, GByteArray *out)
{
    g_autoptr(GPtrArray) timers = machine_timers(m);
    guint n = 0, *rank = g_new0(guint, timers->len + 1);

    for (guint i = 0; i < timers->len; i++) {
        const Timer *t = timers->pdata[i];
        rank[i] = timer_pending(t) && t->clock == CLOCK_VIRTUAL ? timers_after(t) + 1 : 0;
        n += rank[i] != 0;
    }
    le_put_u32(out, n);
    for (guint r = timers->len + 1; r-- > 1;) {
        for (guint i = 0; i < timers->len; i++) {
            if (rank[i] == r) {
                le_put_u32(out, i);
            }
        }
    }
    g_free(rank);
}

static bool timers_load(Machine *m, const uint8_t *buf, size_t len, Error **errp)
{
    g_autoptr(GPtrArray) timers = machine_timers(m);
    uint32_t n = len >= 4 ? le_get_u32(buf) : UINT32_MAX;

    if (n == UINT32_MAX || len != 4 + 4ull * n) {
        error_setg(errp, "timers: malformed section");
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t idx = le_get_u32(buf + 4 + 4 * i);
        Timer *t = idx < timers->len ? timers->pdata[idx] : NULL;
        if (!t) {
            error_setg(errp, "timers: no timer number %u", idx);
            return false;
        }
        if (timer_pending(t)) {
            timer_mod(t, timer_expire_time(t)); /* to the end of its equals */
        }
    }
    return true;
}

/* ---- writing sections ---- */

static void section_begin(GByteArray *out, const char *name, size_t *len_at)
{
    le_put_u32(out, strlen(name));
    g_byte_array_append(out, (const uint8_t *)name, strlen(name));
    *len_at = out->len;
    le_put_u64(out, 0);
}

static void section_end(GByteArray *out, size_t len_at)
{
    uint64_t le = GUINT64_TO_LE(out->len - len_at - 8);

    memcpy(out->data + len_at, &le, 8);
}

static void put_vmstate(GByteArray *out, const char *name, const VMStateDescription *vmsd,
                        const void *opaque)
{
    size_t at;

    section_begin(out, name, &at);
    if (vmsd) {
        vmstate_save(vmsd, opaque, out);
    }
    section_end(out, at);
}

static char *device_section_name(Machine *m, guint i)
{
    DeviceState *dev = g_ptr_array_index(m->devices, i);

    return g_strdup_printf("dev/%u/%s", i, dev->info->name);
}

/*
 * The TLB is left out of hashes: which translations are cached also depends on the
 * engine's block chaining, which differs between runs; what the guest can see of it
 * (accessed and dirty bits) is in RAM.
 */
static void save_sections(Machine *m, GByteArray *out, bool for_hash)
{
    size_t at;

    put_vmstate(out, "icount", &vmstate_icount, &icount);
    put_vmstate(out, "machine", &vmstate_machine, m);
    for (guint i = 0; i < m->devices->len; i++) {
        g_autofree char *name = device_section_name(m, i);
        DeviceState *dev = g_ptr_array_index(m->devices, i);
        put_vmstate(out, name, dev->info->vmsd, dev);
    }
    if (m->cpu) {
        X86TLBImage *tlb = x86_tlb_image_new(m->cpu);
        put_vmstate(out, "x86-cpu", &vmstate_x86_cpu, m->cpu);
        if (!for_hash) {
            put_vmstate(out, "x86-tlb", &vmstate_x86_tlb, tlb);
        }
        x86_tlb_image_free(tlb);
    }
    section_begin(out, "timers", &at);
    timers_save(m, out);
    section_end(out, at);
    for (guint i = 0; registered && i < registered->len; i++) {
        Registered *r = registered->pdata[i];
        put_vmstate(out, r->name, r->vmsd, r->opaque);
    }
    le_put_u32(out, 0);
}

void savevm_state_save(Machine *m, GByteArray *out)
{
    save_sections(m, out, false);
}

void savevm_machine_save(Machine *m, GByteArray *out)
{
    size_t at;

    section_begin(out, "ram", &at);
    ram_save_full(&m->ram, out);
    section_end(out, at);
    save_sections(m, out, false);
}

static uint64_t savevm_hash(Machine *m, bool with_ram)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autoptr(GByteArray) state = g_byte_array_new();
    uint8_t digest[32];
    gsize len = sizeof(digest);

    save_sections(m, state, true);
    g_checksum_update(sum, state->data, state->len);
    if (with_ram) {
        ram_hash(&m->ram, sum);
    }
    g_checksum_get_digest(sum, digest, &len);
    return le_get_u64(digest);
}

uint64_t savevm_machine_hash(Machine *m)
{
    return savevm_hash(m, true);
}

uint64_t savevm_state_hash(Machine *m)
{
    return savevm_hash(m, false);
}

/* ---- reading sections ---- */

typedef struct Section {
    char *name;
    const uint8_t *data;
    size_t len;
} Section;

static void section_clear(gpointer p)
{
    g_free(((Section *)p)->name);
}

static GArray *parse_sections(const uint8_t *buf, size_t len, Error **errp)
{
    GArray *secs = g_array_new(false, true, sizeof(Section));
    size_t pos = 0;

    g_array_set_clear_func(secs, section_clear);
    for (;;) {
        uint32_t name_len = len - pos >= 4 ? le_get_u32(buf + pos) : UINT32_MAX;
        Section s;
        if (name_len == 0 && pos + 4 == len) {
            return secs;
        }
        if (name_len == UINT32_MAX || name_len > 256 || len - pos - 4 < name_len + 8ull ||
            le_get_u64(buf + pos + 4 + name_len) > len - pos - 12 - name_len) {
            error_setg(errp, "snapshot: malformed section at byte %zu", pos);
            g_array_unref(secs);
            return NULL;
        }
        s.name = g_strndup((const char *)buf + pos + 4, name_len);
        s.len = le_get_u64(buf + pos + 4 + name_len);
        s.data = buf + pos + 12 + name_len;
        g_array_append_val(secs, s);
        pos += 12 + name_len + s.len;
    }
}

static const Section *find_section(GArray *secs, const char *name)
{
    for (guint i = 0; i < secs->len; i++) {
        const Section *s = &g_array_index(secs, Section, i);
        if (!strcmp(s->name, name)) {
            return s;
        }
    }
    return NULL;
}

/* The name and version a vmstate section starts with. */
static bool check_vmstate_head(const Section *s, const VMStateDescription *vmsd,
                               Error **errp)
{
    size_t name_len;

    if (!vmsd) {
        return true;
    }
    name_len = strlen(vmsd->name);
    if (s->len < 8 + name_len || le_get_u32(s->data) != name_len ||
        memcmp(s->data + 4, vmsd->name, name_len) != 0) {
        error_setg(errp, "snapshot section '%s' does not hold '%s' state", s->name,
                   vmsd->name);
        return false;
    }
    if (le_get_u32(s->data + 4 + name_len) != (uint32_t)vmsd->version) {
        error_setg(errp, "snapshot section '%s': '%s' version %u, this build has %d",
                   s->name, vmsd->name, le_get_u32(s->data + 4 + name_len),
                   vmsd->version);
        return false;
    }
    return true;
}

static bool need_section(GArray *secs, const char *name, const VMStateDescription *vmsd,
                         Error **errp)
{
    const Section *s = find_section(secs, name);

    if (!s) {
        error_setg(errp,
                   "the snapshot has no section '%s' (it was taken on a different "
                   "machine configuration)",
                   name);
        return false;
    }
    return check_vmstate_head(s, vmsd, errp);
}

static bool check_sections(Machine *m, GArray *secs, Error **errp)
{
    guint devices = 0;

    for (guint i = 0; i < secs->len; i++) {
        devices += g_str_has_prefix(g_array_index(secs, Section, i).name, "dev/");
    }
    if (devices != m->devices->len) {
        error_setg(errp, "the snapshot has %u devices, this machine has %u", devices,
                   m->devices->len);
        return false;
    }
    for (guint i = 0; i < m->devices->len; i++) {
        g_autofree char *name = device_section_name(m, i);
        DeviceState *dev = g_ptr_array_index(m->devices, i);
        if (!need_section(secs, name, dev->info->vmsd, errp)) {
            return false;
        }
    }
    for (guint i = 0; registered && i < registered->len; i++) {
        Registered *r = registered->pdata[i];
        if (r->required && !need_section(secs, r->name, r->vmsd, errp)) {
            return false;
        }
    }
    return need_section(secs, "icount", &vmstate_icount, errp) &&
           need_section(secs, "machine", &vmstate_machine, errp) &&
           need_section(secs, "timers", NULL, errp) &&
           (!m->cpu || (need_section(secs, "x86-cpu", &vmstate_x86_cpu, errp) &&
                        need_section(secs, "x86-tlb", &vmstate_x86_tlb, errp)));
}

static bool load_vmstate(GArray *secs, const char *name, const VMStateDescription *vmsd,
                         void *opaque, Error **errp)
{
    const Section *s = find_section(secs, name);
    size_t pos = 0;

    if (!s || !vmsd) {
        return true;
    }
    if (!vmstate_load(vmsd, opaque, s->data, s->len, &pos, errp)) {
        return false;
    }
    if (pos != s->len) {
        error_setg(errp, "snapshot section '%s': %zu stray bytes", name, s->len - pos);
        return false;
    }
    return true;
}

static bool load_devices(Machine *m, GArray *secs, Error **errp)
{
    for (guint i = 0; i < m->devices->len; i++) {
        g_autofree char *name = device_section_name(m, i);
        DeviceState *dev = g_ptr_array_index(m->devices, i);
        if (!load_vmstate(secs, name, dev->info->vmsd, dev, errp)) {
            return false;
        }
    }
    return true;
}

static bool load_registered(GArray *secs, Error **errp)
{
    for (guint i = 0; registered && i < registered->len; i++) {
        Registered *r = registered->pdata[i];
        if (!load_vmstate(secs, r->name, r->vmsd, r->opaque, errp)) {
            return false;
        }
    }
    return true;
}

static bool load_cpu(Machine *m, GArray *secs, Error **errp)
{
    X86TLBImage *tlb;
    bool ok;

    if (!m->cpu) {
        return true;
    }
    tlb = x86_tlb_image_new(m->cpu);
    ok = load_vmstate(secs, "x86-cpu", &vmstate_x86_cpu, m->cpu, errp) &&
         load_vmstate(secs, "x86-tlb", &vmstate_x86_tlb, tlb, errp);
    x86_tlb_image_free(tlb);
    return ok;
}

/* The clock first (post_load hooks may compute from it), the CPU after the devices. */
static bool load_sections(Machine *m, GArray *secs, Error **errp)
{
    const Section *timers = find_section(secs, "timers");

    return load_vmstate(secs, "icount", &vmstate_icount, &icount, errp) &&
           load_vmstate(secs, "machine", &vmstate_machine, m, errp) &&
           load_devices(m, secs, errp) && load_cpu(m, secs, errp) &&
           timers_load(m, timers->data, timers->len, errp) && load_registered(secs, errp);
}

static bool load_parsed(Machine *m, GArray *secs, bool with_ram, Error **errp)
{
    const Section *ram = find_section(secs, "ram");

    if (!check_sections(m, secs, errp)) {
        return false;
    }
    if (with_ram && !ram) {
        error_setg(errp, "the snapshot holds no RAM");
        return false;
    }
    if (with_ram && !ram_load_full(&m->ram, ram->data, ram->len, errp)) {
        return false;
    }
    if (!load_sections(m, secs, errp)) {
        error_prepend(errp, "the machine state is undefined until another snapshot is "
                            "loaded: ");
        vm_stop(STOP_REASON_ERROR);
        return false;
    }
    return true;
}

bool savevm_state_load(Machine *m, const uint8_t *buf, size_t len, Error **errp)
{
    g_autoptr(GArray) secs = parse_sections(buf, len, errp);

    return secs && load_parsed(m, secs, false, errp);
}

bool savevm_machine_load(Machine *m, const uint8_t *buf, size_t len, Error **errp)
{
    g_autoptr(GArray) secs = parse_sections(buf, len, errp);

    return secs && load_parsed(m, secs, true, errp);
}

/* ---- the snapshot file ----
 *
 * "REPRSNAP" · u32 version · entries:
 *   "SNAP" · u32 name length · name · u64 icount · i64 wall-clock date (ns) ·
 *   i64 virtual clock (ns) · u8 compression (0 none, 1 zstd) · u8[3] 0 ·
 *   u64 raw length · u64 stored length · u32 CRC-32C of the stored bytes · stored
 * A machine image (savevm_machine_save) is the raw content. An entry cut short by a
 * crash while appending is ignored, and the next save overwrites it.
 */

#define SNAP_FILE_MAGIC   "REPRSNAP"
#define SNAP_FILE_VERSION 1
#define SNAP_FILE_HEADER  12
#define SNAP_ENTRY_MAGIC  "SNAP"
#define SNAP_ENTRY_FIXED  48 /* after the name */
#define SNAP_MAX_NAME     256

typedef struct SnapEntry {
    char *name;
    uint64_t icount;
    int64_t date_ns, vm_clock_ns;
    uint8_t compression;
    uint64_t raw_len, stored_len;
    uint32_t crc;
    uint64_t offset;      /* of the entry */
    uint64_t data_offset; /* of its stored bytes */
} SnapEntry;

typedef struct SnapFile {
    int fd;
    GArray *entries; /* SnapEntry */
    uint64_t valid_end;
} SnapFile;

static Machine *snap_machine;
static char *snap_path;

void savevm_set_machine(Machine *m)
{
    snap_machine = m;
}

const char *savevm_file_path(void)
{
    if (!snap_path) {
        snap_path = replay_mode != REPLAY_MODE_NONE && icount_rr_file()
                        ? g_strdup_printf("%s.snap", icount_rr_file())
                        : g_strdup("reprise-snapshots.bin");
    }
    return snap_path;
}

static void snap_entry_clear(gpointer p)
{
    g_free(((SnapEntry *)p)->name);
}

static void snap_file_close(SnapFile *f)
{
    if (f->fd >= 0) {
        close(f->fd);
    }
    if (f->entries) {
        g_array_unref(f->entries);
    }
}

static bool snap_pread(int fd, void *buf, size_t len, uint64_t offset)
{
    uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pread(fd, p, len, offset);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return false;
        }
        p += n;
        offset += n;
        len -= n;
    }
    return true;
}

static bool snap_pwrite(int fd, const void *buf, size_t len, uint64_t offset)
{
    const uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, offset);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return false;
        }
        p += n;
        offset += n;
        len -= n;
    }
    return true;
}

/* One entry's header at offset; false at the end or at a cut-short entry. */
static bool snap_read_entry(SnapFile *f, uint64_t size, uint64_t offset, SnapEntry *e)
{
    uint8_t head[8], fixed[SNAP_ENTRY_FIXED];
    uint32_t name_len;
    char name[SNAP_MAX_NAME + 1];

    if (size - offset < 8 || !snap_pread(f->fd, head, 8, offset) ||
        memcmp(head, SNAP_ENTRY_MAGIC, 4) != 0) {
        return false;
    }
    name_len = le_get_u32(head + 4);
    if (name_len == 0 || name_len > SNAP_MAX_NAME ||
        size - offset - 8 < name_len + (uint64_t)SNAP_ENTRY_FIXED ||
        !snap_pread(f->fd, name, name_len, offset + 8) ||
        !snap_pread(f->fd, fixed, SNAP_ENTRY_FIXED, offset + 8 + name_len)) {
        return false;
    }
    name[name_len] = '\0';
    *e = (SnapEntry){.icount = le_get_u64(fixed),
                     .date_ns = (int64_t)le_get_u64(fixed + 8),
                     .vm_clock_ns = (int64_t)le_get_u64(fixed + 16),
                     .compression = fixed[24],
                     .raw_len = le_get_u64(fixed + 28),
                     .stored_len = le_get_u64(fixed + 36),
                     .crc = le_get_u32(fixed + 44),
                     .offset = offset,
                     .data_offset = offset + 8 + name_len + SNAP_ENTRY_FIXED};
    if (e->stored_len > size - e->data_offset) {
        return false;
    }
    e->name = g_strdup(name);
    return true;
}

static bool snap_file_scan(SnapFile *f, Error **errp)
{
    struct stat st;
    uint8_t header[SNAP_FILE_HEADER];
    uint64_t offset = SNAP_FILE_HEADER;
    SnapEntry e;

    if (fstat(f->fd, &st) != 0) {
        error_setg_errno(errp, errno, "%s", savevm_file_path());
        return false;
    }
    if (st.st_size < SNAP_FILE_HEADER || !snap_pread(f->fd, header, sizeof(header), 0) ||
        memcmp(header, SNAP_FILE_MAGIC, 8) != 0 ||
        le_get_u32(header + 8) != SNAP_FILE_VERSION) {
        error_setg(errp, "%s is not a Reprise snapshot file (version %d)",
                   savevm_file_path(), SNAP_FILE_VERSION);
        return false;
    }
    while (snap_read_entry(f, st.st_size, offset, &e)) {
        g_array_append_val(f->entries, e);
        offset = e.data_offset + e.stored_len;
    }
    f->valid_end = offset;
    return true;
}

/* Open (creating it if asked) and list the snapshot file. */
static bool snap_file_open(SnapFile *f, bool create, Error **errp)
{
    static const uint8_t header[SNAP_FILE_HEADER] = {
        'R', 'E', 'P', 'R', 'S', 'N', 'A', 'P', SNAP_FILE_VERSION};
    int flags = create ? O_RDWR | O_CREAT : O_RDONLY;

    *f = (SnapFile){.fd = open(savevm_file_path(), flags | O_CLOEXEC, 0644)};
    f->entries = g_array_new(false, true, sizeof(SnapEntry));
    g_array_set_clear_func(f->entries, snap_entry_clear);
    if (f->fd < 0) {
        error_setg_errno(errp, errno, "cannot open the snapshot file %s",
                         savevm_file_path());
        return false;
    }
    if (create && lseek(f->fd, 0, SEEK_END) == 0 &&
        !snap_pwrite(f->fd, header, sizeof(header), 0)) {
        error_setg_errno(errp, errno, "cannot write %s", savevm_file_path());
        return false;
    }
    return snap_file_scan(f, errp);
}

static const SnapEntry *snap_find(const SnapFile *f, const char *name)
{
    for (guint i = 0; i < f->entries->len; i++) {
        const SnapEntry *e = &g_array_index(f->entries, SnapEntry, i);
        if (!strcmp(e->name, name)) {
            return e;
        }
    }
    return NULL;
}

static GByteArray *snap_compress(const GByteArray *raw, uint8_t *compression)
{
    GByteArray *out = g_byte_array_new();

    *compression = 0;
#if CONFIG_ZSTD
    size_t bound = ZSTD_compressBound(raw->len);
    g_byte_array_set_size(out, bound);
    size_t n = ZSTD_compress(out->data, bound, raw->data, raw->len, 3);
    if (!ZSTD_isError(n) && n < raw->len) {
        g_byte_array_set_size(out, n);
        *compression = 1;
        return out;
    }
    g_byte_array_set_size(out, 0);
#endif
    g_byte_array_append(out, raw->data, raw->len);
    return out;
}

static GByteArray *snap_entry_encode(const char *name, const GByteArray *raw)
{
    GByteArray *out = g_byte_array_new();
    uint8_t compression, pad[3] = {0};
    g_autoptr(GByteArray) stored = snap_compress(raw, &compression);

    g_byte_array_append(out, (const uint8_t *)SNAP_ENTRY_MAGIC, 4);
    le_put_u32(out, strlen(name));
    g_byte_array_append(out, (const uint8_t *)name, strlen(name));
    le_put_u64(out, icount.count);
    le_put_u64(out, (uint64_t)host_clock_wall_ns()); /* metadata; never guest-visible */
    le_put_u64(out, icount.enabled ? (uint64_t)icount_get_ns() : 0);
    g_byte_array_append(out, &compression, 1);
    g_byte_array_append(out, pad, 3);
    le_put_u64(out, raw->len);
    le_put_u64(out, stored->len);
    le_put_u32(out, crc32c(0, stored->data, stored->len));
    g_byte_array_append(out, stored->data, stored->len);
    return out;
}

/* Copy every entry but `skip` to a new file and rename it over the old one. */
static bool snap_file_rewrite(SnapFile *f, const char *skip, Error **errp)
{
    g_autofree char *tmp = g_strdup_printf("%s.tmp", savevm_file_path());
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    uint64_t out = SNAP_FILE_HEADER;
    g_autofree uint8_t *buf = g_malloc(SNAP_FILE_HEADER);
    bool ok = fd >= 0 && snap_pread(f->fd, buf, SNAP_FILE_HEADER, 0) &&
              snap_pwrite(fd, buf, SNAP_FILE_HEADER, 0);

    for (guint i = 0; ok && i < f->entries->len; i++) {
        const SnapEntry *e = &g_array_index(f->entries, SnapEntry, i);
        uint64_t len = e->data_offset + e->stored_len - e->offset;
        if (skip && !strcmp(e->name, skip)) {
            continue;
        }
        buf = g_realloc(buf, len);
        ok = snap_pread(f->fd, buf, len, e->offset) && snap_pwrite(fd, buf, len, out);
        out += len;
    }
    ok = ok && rename(tmp, savevm_file_path()) == 0;
    if (!ok) {
        error_setg_errno(errp, errno, "cannot rewrite the snapshot file %s",
                         savevm_file_path());
        unlink(tmp);
    }
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

static bool snap_append(const char *name, const GByteArray *raw, Error **errp)
{
    SnapFile f;
    g_autoptr(GByteArray) entry = NULL;
    bool ok = snap_file_open(&f, true, errp);

    if (ok && snap_find(&f, name)) {
        ok = snap_file_rewrite(&f, name, errp);
        snap_file_close(&f);
        ok = ok && snap_file_open(&f, true, errp);
    }
    if (ok) {
        entry = snap_entry_encode(name, raw);
        ok = ftruncate(f.fd, f.valid_end) == 0 &&
             snap_pwrite(f.fd, entry->data, entry->len, f.valid_end);
        if (!ok) {
            error_setg_errno(errp, errno, "cannot write %s", savevm_file_path());
        }
    }
    snap_file_close(&f);
    return ok;
}

static bool snap_check_name(const char *name, Error **errp)
{
    if (!name || !*name || strlen(name) > SNAP_MAX_NAME) {
        error_setg(errp, "a snapshot needs a name of 1 to %d characters", SNAP_MAX_NAME);
        return false;
    }
    if (!snap_machine) {
        error_setg(errp, "there is no machine to snapshot");
        return false;
    }
    return true;
}

bool savevm_save_named(const char *name, Error **errp)
{
    g_autoptr(GByteArray) raw = g_byte_array_new();

    if (!snap_check_name(name, errp)) {
        return false;
    }
    savevm_machine_save(snap_machine, raw);
    return snap_append(name, raw, errp);
}

static GByteArray *snap_read_raw(SnapFile *f, const SnapEntry *e, Error **errp)
{
    g_autoptr(GByteArray) stored = g_byte_array_sized_new(e->stored_len);
    GByteArray *raw;

    g_byte_array_set_size(stored, e->stored_len);
    if (!snap_pread(f->fd, stored->data, e->stored_len, e->data_offset) ||
        crc32c(0, stored->data, stored->len) != e->crc) {
        error_setg(errp, "snapshot '%s' in %s is corrupt (CRC mismatch)", e->name,
                   savevm_file_path());
        return NULL;
    }
    if (e->compression == 0 && e->raw_len == e->stored_len) {
        return g_byte_array_ref(stored);
    }
#if CONFIG_ZSTD
    if (e->compression == 1 && e->raw_len <= snap_machine->ram.size * 2 + (64u << 20)) {
        raw = g_byte_array_sized_new(e->raw_len);
        g_byte_array_set_size(raw, e->raw_len);
        size_t n = ZSTD_decompress(raw->data, raw->len, stored->data, stored->len);
        if (!ZSTD_isError(n) && n == e->raw_len) {
            return raw;
        }
        g_byte_array_unref(raw);
    }
#endif
    error_setg(errp, "snapshot '%s' in %s cannot be decompressed", e->name,
               savevm_file_path());
    return NULL;
}

static bool snap_check_loadable(Error **errp)
{
    if (replay_mode == REPLAY_MODE_RECORD) {
        error_setg(errp, "loadvm is not available while recording: the recording "
                         "could not be replayed (savevm is)");
        return false;
    }
    return true;
}

bool savevm_load_named(const char *name, Error **errp)
{
    SnapFile f;
    const SnapEntry *e;
    g_autoptr(GByteArray) raw = NULL;
    bool ok = false;

    if (!snap_check_name(name, errp) || !snap_check_loadable(errp)) {
        return false;
    }
    if (!snap_file_open(&f, false, errp)) {
        snap_file_close(&f);
        return false;
    }
    e = snap_find(&f, name);
    if (!e) {
        error_setg(errp, "no snapshot named '%s' in %s", name, savevm_file_path());
    } else if ((raw = snap_read_raw(&f, e, errp))) {
        ok = savevm_machine_load(snap_machine, raw->data, raw->len, errp);
    }
    snap_file_close(&f);
    if (ok) {
        replay_snapshot_state_loaded();
    } else if (errp && *errp) {
        error_prepend(errp, "loadvm %s: ", name);
    }
    return ok;
}

bool savevm_delete_named(const char *name, Error **errp)
{
    SnapFile f;
    bool ok = snap_file_open(&f, false, errp);

    if (ok && !snap_find(&f, name)) {
        error_setg(errp, "no snapshot named '%s' in %s", name, savevm_file_path());
        ok = false;
    }
    ok = ok && snap_file_rewrite(&f, name, errp);
    snap_file_close(&f);
    return ok;
}

static void format_size(GString *out, uint64_t bytes)
{
    g_autofree char *s = g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);

    g_string_append_printf(out, "%12s", s);
}

static void format_entry(GString *out, guint id, const SnapEntry *e)
{
    g_autoptr(GDateTime) date = g_date_time_new_from_unix_local(e->date_ns / 1000000000);
    g_autofree char *when = date ? g_date_time_format(date, "%Y-%m-%d %H:%M:%S") : NULL;
    int64_t ms = e->vm_clock_ns / 1000000;

    g_string_append_printf(out, "%-9u %-16s", id, e->name);
    format_size(out, e->raw_len);
    g_string_append_printf(out, " %19s %02d:%02d:%02d.%03d %14" PRIu64 "\n",
                           when ? when : "?", (int)(ms / 3600000), (int)(ms / 60000 % 60),
                           (int)(ms / 1000 % 60), (int)(ms % 1000), e->icount);
}

bool savevm_list_named(GString *out, Error **errp)
{
    SnapFile f;

    if (access(savevm_file_path(), F_OK) != 0) {
        g_string_append_printf(out, "There is no snapshot available (no %s).\n",
                               savevm_file_path());
        return true;
    }
    if (!snap_file_open(&f, false, errp)) {
        snap_file_close(&f);
        return false;
    }
    if (f.entries->len == 0) {
        g_string_append(out, "There is no snapshot available.\n");
    } else {
        g_string_append_printf(out, "List of snapshots in %s:\n", savevm_file_path());
        g_string_append(out, "ID        TAG                   VM SIZE                DATE"
                             "     VM CLOCK         ICOUNT\n");
    }
    for (guint i = 0; i < f.entries->len; i++) {
        format_entry(out, i + 1, &g_array_index(f.entries, SnapEntry, i));
    }
    snap_file_close(&f);
    return true;
}

bool vm_loadvm_at_start(const char *name, Error **errp)
{
    if (!savevm_load_named(name, errp)) {
        error_prepend(errp, "-loadvm: ");
        return false;
    }
    return true;
}
