/*
 * Machine digests for checkpoints: RAM and device state, fine-grained enough that a
 * replay which departs from its recording names the RAM page or the device that
 * differs, and cheap enough to take every few hundred million instructions.
 *
 * RAM. Every 4 KiB page gets a CRC-32C (the SSE4.2 instruction: about 10 GB/s, so
 * 256 MiB cost ~30 ms, against ~1 s for one SHA-256 over it). The recorder keeps the
 * table of page CRCs and logs, at each machine checkpoint, a 64-bit hash of the whole
 * table plus the pages whose CRC changed since its previous machine checkpoint. The
 * replayer keeps the same table by applying those deltas, so on a mismatch it knows
 * the recorded CRC of every page and names the pages that differ. After a jump in
 * the log (a snapshot restored for reverse execution) the deltas no longer apply to
 * the table it holds; it then only detects, and takes its own table as the recorded
 * one at the next checkpoint whose RAM hash matches.
 *
 * Devices. One hash of each device's vmstate, in the machine's device order (the
 * configuration is the same in record and replay), and one for the ISA lines.
 *
 * Wire format (the machine part of a checkpoint payload, after the registers):
 *   u64 LE RAM hash · varint n · n × (varint page gap · u32 LE CRC) ·
 *   varint d · d × u64 LE device hash
 * A page gap is the page number for the first entry, then the distance minus one from
 * the previous entry's page.
 */
#include "replay/replay-internal.h"
#include "hw/machine.h"
#include "migration/vmstate.h"
#include "util/leb128.h"
#include "util/le.h"

#define MAX_NAMED_PAGES 4 /* pages listed in a divergence message */

typedef struct PageTable {
    uint32_t *crc;
    uint64_t pages;
} PageTable;

static PageTable recorded; /* record: as last logged; replay: as the log says */
static PageTable current;  /* replay: this run's RAM */
static bool recorded_valid = true;

static uint64_t ram_pages(const Machine *m)
{
    return m->ram.size >> PAGE_BITS;
}

static uint32_t zero_page_crc(void)
{
    static const uint8_t zero[PAGE_SIZE];

    return crc32c(0, zero, PAGE_SIZE);
}

/* Size the table for this RAM; a fresh table says every page is zero (as at boot). */
static void table_prepare(PageTable *t, const Machine *m)
{
    uint32_t zero;

    if (t->pages == ram_pages(m)) {
        return;
    }
    g_free(t->crc);
    t->pages = ram_pages(m);
    t->crc = g_new(uint32_t, t->pages);
    zero = zero_page_crc();
    for (uint64_t p = 0; p < t->pages; p++) {
        t->crc[p] = zero;
    }
}

static uint64_t table_hash(const PageTable *t)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    uint8_t digest[32];
    gsize len = sizeof(digest);
    uint64_t h = 0;

    g_checksum_update(sum, (const guchar *)t->crc, t->pages * sizeof(uint32_t));
    g_checksum_get_digest(sum, digest, &len);
    for (int i = 7; i >= 0; i--) {
        h = (h << 8) | digest[i];
    }
    return h;
}

static uint64_t device_hash(DeviceState *dev)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    uint8_t digest[32];
    gsize len = sizeof(digest);
    uint64_t h = 0;

    if (dev) {
        vmstate_hash(dev->info->vmsd, dev, sum);
    }
    g_checksum_get_digest(sum, digest, &len);
    for (int i = 7; i >= 0; i--) {
        h = (h << 8) | digest[i];
    }
    return h;
}

/* Hashes of every device with state, then of the ISA lines (index devices->len). */
static uint64_t state_hash_at(Machine *m, guint i)
{
    if (i == m->devices->len) {
        return m->isa_irq_level;
    }
    DeviceState *dev = g_ptr_array_index(m->devices, i);
    return dev->info->vmsd ? device_hash(dev) : 0;
}

static char *state_name_at(Machine *m, guint i)
{
    DeviceState *dev;

    if (i >= m->devices->len) {
        return g_strdup("ISA interrupt lines");
    }
    dev = g_ptr_array_index(m->devices, i);
    return dev->id ? g_strdup_printf("%s (id %s)", dev->info->name, dev->id)
                   : g_strdup(dev->info->name);
}

static void table_compute(PageTable *t, const Machine *m)
{
    table_prepare(t, m);
    for (uint64_t p = 0; p < t->pages; p++) {
        t->crc[p] = crc32c(0, m->ram.ram + (p << PAGE_BITS), PAGE_SIZE);
    }
}

/* Record: log the pages whose CRC changed and update the table. */
static void put_page_deltas(GByteArray *out, const Machine *m)
{
    g_autoptr(GByteArray) entries = g_byte_array_new();
    uint64_t n = 0, next = 0;

    for (uint64_t p = 0; p < recorded.pages; p++) {
        uint32_t crc = crc32c(0, m->ram.ram + (p << PAGE_BITS), PAGE_SIZE);
        if (crc == recorded.crc[p]) {
            continue;
        }
        recorded.crc[p] = crc;
        leb128_put_u64(entries, p - next);
        le_put_u32(entries, crc);
        next = p + 1;
        n++;
    }
    le_put_u64(out, table_hash(&recorded));
    leb128_put_u64(out, n);
    g_byte_array_append(out, entries->data, entries->len);
}

void replay_hash_put_machine(GByteArray *out, Machine *m)
{
    table_prepare(&recorded, m);
    put_page_deltas(out, m);
    leb128_put_u64(out, m->devices->len + 1);
    for (guint i = 0; i <= m->devices->len; i++) {
        le_put_u64(out, state_hash_at(m, i));
    }
}

/* ---- replay ---- */

typedef struct MachinePart {
    uint64_t ram_hash;
    const uint8_t *deltas; /* n entries, checked */
    uint64_t n_deltas;
    const uint8_t *devices; /* d × u64 */
    uint64_t n_devices;
} MachinePart;

/* Checks the layout against this RAM size; false if malformed. */
static bool parse_machine_part(const uint8_t *p, const uint8_t *end, uint64_t pages,
                               MachinePart *mp)
{
    uint64_t page = 0, gap;

    if (end - p < 8) {
        return false;
    }
    mp->ram_hash = le_get_u64(p);
    p += 8;
    if (!leb128_get_u64(&p, end, &mp->n_deltas) || mp->n_deltas > pages) {
        return false;
    }
    mp->deltas = p;
    for (uint64_t i = 0; i < mp->n_deltas; i++) {
        if (!leb128_get_u64(&p, end, &gap) || gap >= pages - page || end - p < 4) {
            return false;
        }
        page += gap + 1;
        p += 4;
    }
    if (!leb128_get_u64(&p, end, &mp->n_devices) ||
        mp->n_devices > (uint64_t)(end - p) / 8) {
        return false;
    }
    mp->devices = p;
    return p + 8 * mp->n_devices == end;
}

static void apply_deltas(const MachinePart *mp)
{
    const uint8_t *p = mp->deltas;
    uint64_t page = 0, gap;

    for (uint64_t i = 0; i < mp->n_deltas; i++) {
        leb128_get_u64(&p, p + 10, &gap); /* checked by parse_machine_part */
        page += gap;
        recorded.crc[page++] = le_get_u32(p);
        p += 4;
    }
}

static void explain_pages(GString *why)
{
    uint64_t differ = 0;

    if (!recorded_valid) {
        g_string_append(why, " RAM differs (which pages is not known after a jump "
                             "in the log);");
        return;
    }
    for (uint64_t p = 0; p < current.pages; p++) {
        if (current.crc[p] == recorded.crc[p]) {
            continue;
        }
        if (differ++ < MAX_NAMED_PAGES) {
            g_string_append_printf(why, " RAM page at guest-physical 0x%" PRIx64 ";",
                                   p << PAGE_BITS);
        }
    }
    if (differ > MAX_NAMED_PAGES) {
        g_string_append_printf(why, " (%" PRIu64 " RAM pages differ in all);", differ);
    }
}

static void explain_devices(Machine *m, const MachinePart *mp, GString *why)
{
    if (mp->n_devices != m->devices->len + 1) {
        g_string_append_printf(why,
                               " the recording had %" PRIu64 " devices, this machine "
                               "has %u;",
                               mp->n_devices - 1, m->devices->len);
        return;
    }
    for (guint i = 0; i <= m->devices->len; i++) {
        if (le_get_u64(mp->devices + 8 * i) != state_hash_at(m, i)) {
            g_autofree char *name = state_name_at(m, i);
            g_string_append_printf(why, " device %s;", name);
        }
    }
}

int replay_hash_check_machine(Machine *m, const uint8_t *p, const uint8_t *end,
                              GString *why)
{
    MachinePart mp;
    bool ram_ok;
    size_t start = why->len;

    table_prepare(&recorded, m);
    if (!parse_machine_part(p, end, ram_pages(m), &mp)) {
        return -1;
    }
    table_compute(&current, m);
    if (recorded_valid) {
        apply_deltas(&mp);
    }
    ram_ok = table_hash(&current) == mp.ram_hash;
    if (ram_ok) {
        memcpy(recorded.crc, current.crc, current.pages * sizeof(uint32_t));
        recorded_valid = true;
    } else {
        explain_pages(why);
    }
    explain_devices(m, &mp, why);
    if (why->len > start && why->str[why->len - 1] == ';') {
        g_string_truncate(why, why->len - 1);
    }
    return why->len == start;
}

void replay_hash_forget(void)
{
    recorded_valid = false;
}

/* ---- the end of a run ---- */

uint64_t replay_hash_final(Machine *m, uint64_t cpu_hash)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    uint8_t digest[32];
    gsize len = sizeof(digest);
    uint64_t h = 0, parts[2] = {cpu_hash, 0};

    if (m) {
        table_compute(&current, m);
        parts[1] = table_hash(&current);
    }
    g_checksum_update(sum, (const guchar *)parts, sizeof(parts));
    for (guint i = 0; m && i <= m->devices->len; i++) {
        uint64_t dev = state_hash_at(m, i);
        g_checksum_update(sum, (const guchar *)&dev, sizeof(dev));
    }
    g_checksum_get_digest(sum, digest, &len);
    for (int i = 7; i >= 0; i--) {
        h = (h << 8) | digest[i];
    }
    return h;
}
