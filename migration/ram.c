/*
 * Guest RAM in snapshots: the whole of it for named snapshots, and incremental
 * versions with dirty tracking for the in-memory snapshots of reverse execution.
 *
 * Versions. Each page has a chain of versions, newest first, each labelled with the
 * key of the snapshot that stored it; a snapshot stores a page only when its content
 * differs from the previous snapshot's, and zero pages cost nothing. The content of
 * page p at snapshot k is the newest version of p with a key <= k.
 *
 * The base. RAM equals the version under the "base" key except on dirty pages, so
 * after a snapshot or a restore the base is that snapshot and nothing is dirty. The
 * pages that can differ between RAM and snapshot k are then the dirty pages plus the
 * pages stored by the snapshots between the base and k: a restore rewrites only those,
 * a new snapshot compares only those.
 *
 * Dirty tracking. Clean pages are write-protected with mprotect(); the SIGSEGV of the
 * first write marks the page dirty and unprotects it, and the write is retried. This
 * catches every writer in the process (the CPU's fast path through the TLB's cached
 * host pointers, DMA, device models) without any hook in them. A signal handler can
 * only find the tracked region through a global, hence the one tracked region below.
 * If protection is unavailable (a host page size other than 4 KiB), every page counts
 * as dirty: slower, still exact.
 */
#include "migration/savevm.h"
#include "util/log.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#include "util/le.h"

#define RAM_STREAM_END UINT64_MAX /* page index that ends a "ram" payload */

/* ---- whole RAM ---- */

static bool page_is_zero(const uint8_t *p)
{
    static const uint8_t zero[PAGE_SIZE];

    return memcmp(p, zero, PAGE_SIZE) == 0;
}

static uint64_t ram_pages(const MemoryRegion *mr)
{
    return (mr->size + PAGE_SIZE - 1) >> PAGE_BITS;
}

/* The bytes of page p that belong to the region (the last page may be partial). */
static uint64_t page_len(const MemoryRegion *mr, uint64_t p)
{
    return MIN_U64(PAGE_SIZE, mr->size - (p << PAGE_BITS));
}

/* Payload: u64 RAM size, then (u64 page index, page bytes) for each non-zero page. */
void ram_save_full(MemoryRegion *mr, GByteArray *out)
{
    uint8_t page[PAGE_SIZE];

    le_put_u64(out, mr->size);
    for (uint64_t p = 0; p < ram_pages(mr); p++) {
        memset(page, 0, sizeof(page));
        memcpy(page, mr->ram + (p << PAGE_BITS), page_len(mr, p));
        if (!page_is_zero(page)) {
            le_put_u64(out, p);
            g_byte_array_append(out, page, PAGE_SIZE);
        }
    }
    le_put_u64(out, RAM_STREAM_END);
}

void ram_hash(MemoryRegion *mr, GChecksum *sum)
{
    for (uint64_t p = 0; p < ram_pages(mr); p++) {
        const uint8_t *page = mr->ram + (p << PAGE_BITS);
        if (!page_is_zero(page)) {
            uint64_t le = GUINT64_TO_LE(p);
            g_checksum_update(sum, (const guchar *)&le, sizeof(le));
            g_checksum_update(sum, page, page_len(mr, p));
        }
    }
}

static bool ram_check_full(const MemoryRegion *mr, const uint8_t *buf, size_t len,
                           Error **errp)
{
    size_t pos = 8;
    uint64_t prev = 0;
    bool first = true;

    if (len < 16 || le_get_u64(buf) != mr->size) {
        error_setg(errp,
                   "ram: the snapshot's RAM size differs from this machine's "
                   "%" PRIu64 " bytes",
                   mr->size);
        return false;
    }
    for (;;) {
        uint64_t p;
        if (len - pos < 8) {
            error_setg(errp, "ram: truncated at byte %zu", pos);
            return false;
        }
        p = le_get_u64(buf + pos);
        pos += 8;
        if (p == RAM_STREAM_END) {
            break;
        }
        if (p >= ram_pages(mr) || (!first && p <= prev) || len - pos < PAGE_SIZE) {
            error_setg(errp, "ram: bad page record %" PRIu64 " at byte %zu", p, pos - 8);
            return false;
        }
        first = false;
        prev = p;
        pos += PAGE_SIZE;
    }
    if (pos != len) {
        error_setg(errp, "ram: %zu stray bytes after the last page", len - pos);
        return false;
    }
    return true;
}

/* Write one page (NULL: zeros) if it differs; tells tracking and the code cache. */
static bool ram_write_page(MemoryRegion *mr, uint64_t p, const uint8_t *data)
{
    uint8_t *dst = mr->ram + (p << PAGE_BITS);
    uint64_t n = page_len(mr, p);
    bool differs = data ? memcmp(dst, data, n) != 0 : !page_is_zero(dst);

    if (differs) {
        ram_store_prepare_write(mr, p << PAGE_BITS, n);
        if (data) {
            memcpy(dst, data, n);
        } else {
            memset(dst, 0, n);
        }
        memory_notify_write(mr, p << PAGE_BITS, n);
    }
    return differs;
}

bool ram_load_full(MemoryRegion *mr, const uint8_t *buf, size_t len, Error **errp)
{
    size_t pos = 8;
    uint64_t next;

    if (!ram_check_full(mr, buf, len, errp)) {
        return false;
    }
    next = le_get_u64(buf + pos);
    for (uint64_t p = 0; p < ram_pages(mr); p++) {
        if (p == next) {
            ram_write_page(mr, p, buf + pos + 8);
            pos += 8 + PAGE_SIZE;
            next = le_get_u64(buf + pos);
        } else {
            ram_write_page(mr, p, NULL);
        }
    }
    return true;
}

/* ---- dirty tracking ---- */

typedef struct DirtyTracker {
    uint8_t *host;
    uint64_t size;           /* bytes, a whole number of pages */
    volatile uint8_t *dirty; /* one byte per page, written by the signal handler */
    bool protecting;         /* clean pages are write-protected */
    struct sigaction previous;
    bool installed;
} DirtyTracker;

static DirtyTracker tracker;

static void tracker_chain(int sig, siginfo_t *info, void *ctx)
{
    if (tracker.previous.sa_flags & SA_SIGINFO) {
        tracker.previous.sa_sigaction(sig, info, ctx);
    } else if (tracker.previous.sa_handler != SIG_DFL &&
               tracker.previous.sa_handler != SIG_IGN) {
        tracker.previous.sa_handler(sig);
    } else {
        /* Not ours: die of it as if we were not here (the access faults again). */
        sigaction(SIGSEGV, &tracker.previous, NULL);
    }
}

static void tracker_on_sigsegv(int sig, siginfo_t *info, void *ctx)
{
    uintptr_t addr = (uintptr_t)info->si_addr, base = (uintptr_t)tracker.host;

    if (tracker.protecting && addr - base < tracker.size) {
        uint64_t p = (addr - base) >> PAGE_BITS;
        tracker.dirty[p] = 1;
        if (mprotect(tracker.host + (p << PAGE_BITS), PAGE_SIZE,
                     PROT_READ | PROT_WRITE) == 0) {
            return;
        }
    }
    tracker_chain(sig, info, ctx);
}

static bool tracker_install(void)
{
    struct sigaction sa = {.sa_sigaction = tracker_on_sigsegv, .sa_flags = SA_SIGINFO};

    if (tracker.installed) {
        return true;
    }
    if (sysconf(_SC_PAGESIZE) != PAGE_SIZE) {
        return false;
    }
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &tracker.previous) != 0) {
        return false;
    }
    tracker.installed = true;
    return true;
}

static bool tracker_attach(MemoryRegion *mr)
{
    if (tracker.host || !tracker_install()) {
        return false; /* one tracked region per process: the signal handler's */
    }
    tracker.size = ram_pages(mr) << PAGE_BITS;
    tracker.dirty = g_malloc0(ram_pages(mr));
    tracker.host = mr->ram;
    return true;
}

static void tracker_set_protection(bool on)
{
    int prot = on ? PROT_READ : PROT_READ | PROT_WRITE;

    if (mprotect(tracker.host, tracker.size, prot) != 0) {
        error_report("ram: mprotect failed (%s); dirty tracking disabled",
                     g_strerror(errno));
        on = false;
    }
    tracker.protecting = on;
}

/* Everything clean and protected again. */
static void tracker_reset(void)
{
    memset((uint8_t *)tracker.dirty, 0, tracker.size >> PAGE_BITS);
    tracker_set_protection(true);
}

static void tracker_detach(void)
{
    tracker_set_protection(false);
    g_free((uint8_t *)tracker.dirty);
    tracker =
        (DirtyTracker){.previous = tracker.previous, .installed = tracker.installed};
}

void ram_store_prepare_write(MemoryRegion *mr, uint64_t offset, uint64_t len)
{
    if (!tracker.protecting || mr->ram != tracker.host || len == 0) {
        return;
    }
    for (uint64_t p = offset >> PAGE_BITS; p <= (offset + len - 1) >> PAGE_BITS; p++) {
        if (!tracker.dirty[p]) {
            tracker.dirty[p] = 1;
            mprotect(tracker.host + (p << PAGE_BITS), PAGE_SIZE, PROT_READ | PROT_WRITE);
        }
    }
}

/* ---- versions ---- */

typedef struct PageVersion {
    uint64_t key;
    uint8_t *data; /* NULL: a zero page */
    struct PageVersion *older;
} PageVersion;

typedef struct StoredPages {
    uint64_t key;
    GArray *pages; /* uint64_t page numbers this snapshot stored */
} StoredPages;

struct RamStore {
    MemoryRegion *mr;
    uint64_t npages;
    PageVersion **newest; /* per page */
    GArray *snaps;        /* StoredPages, by increasing key */
    bool tracked;         /* dirty tracking works; else every page counts as dirty */
    bool have_base;
    uint64_t base;
    uint64_t bytes;
};

#define VERSION_COST(v) (sizeof(PageVersion) + ((v)->data ? PAGE_SIZE : 0))

RamStore *ram_store_new(MemoryRegion *mr)
{
    RamStore *s = g_new0(RamStore, 1);

    s->mr = mr;
    s->npages = ram_pages(mr);
    s->newest = g_new0(PageVersion *, s->npages);
    s->snaps = g_array_new(false, false, sizeof(StoredPages));
    s->tracked = tracker_attach(mr);
    return s;
}

void ram_store_free(RamStore *s)
{
    if (!s) {
        return;
    }
    if (s->tracked) {
        tracker_detach();
    }
    for (uint64_t p = 0; p < s->npages; p++) {
        for (PageVersion *v = s->newest[p], *older; v; v = older) {
            older = v->older;
            g_free(v->data);
            g_free(v);
        }
    }
    for (guint i = 0; i < s->snaps->len; i++) {
        g_array_unref(g_array_index(s->snaps, StoredPages, i).pages);
    }
    g_array_unref(s->snaps);
    g_free(s->newest);
    g_free(s);
}

uint64_t ram_store_bytes(const RamStore *s)
{
    return s->bytes;
}

static int ram_store_find(const RamStore *s, uint64_t key)
{
    for (guint i = 0; i < s->snaps->len; i++) {
        if (g_array_index(s->snaps, StoredPages, i).key == key) {
            return (int)i;
        }
    }
    return -1;
}

static const PageVersion *version_at(const RamStore *s, uint64_t p, uint64_t key)
{
    const PageVersion *v = s->newest[p];

    while (v && v->key > key) {
        v = v->older;
    }
    return v;
}

static const uint8_t *page_host(const RamStore *s, uint64_t p)
{
    return s->mr->ram + (p << PAGE_BITS);
}

static bool page_equals_version(const RamStore *s, uint64_t p, const PageVersion *v)
{
    uint64_t n = page_len(s->mr, p);

    return v && v->data ? memcmp(page_host(s, p), v->data, n) == 0
                        : page_is_zero(page_host(s, p));
}

/* One byte per page: 1 where RAM may differ from the version under key. */
static uint8_t *candidates(const RamStore *s, uint64_t key)
{
    uint8_t *mark = g_malloc0(s->npages);
    uint64_t lo = MIN(s->base, key), hi = MAX(s->base, key);

    for (uint64_t p = 0; p < s->npages; p++) {
        mark[p] = !s->tracked || !s->have_base || tracker.dirty[p];
    }
    for (guint i = 0; i < s->snaps->len; i++) {
        const StoredPages *sp = &g_array_index(s->snaps, StoredPages, i);
        for (guint j = 0; sp->key > lo && sp->key <= hi && j < sp->pages->len; j++) {
            mark[g_array_index(sp->pages, uint64_t, j)] = 1;
        }
    }
    return mark;
}

static void ram_store_push(RamStore *s, uint64_t p, uint64_t key, GArray *pages)
{
    PageVersion *v = g_new0(PageVersion, 1);

    v->key = key;
    if (!page_is_zero(page_host(s, p))) {
        v->data = g_malloc0(PAGE_SIZE);
        memcpy(v->data, page_host(s, p), page_len(s->mr, p));
    }
    v->older = s->newest[p];
    s->newest[p] = v;
    s->bytes += VERSION_COST(v);
    g_array_append_val(pages, p);
}

static void ram_store_settle(RamStore *s, uint64_t key)
{
    s->have_base = true;
    s->base = key;
    if (s->tracked) {
        tracker_reset();
    }
}

uint64_t ram_store_take(RamStore *s, uint64_t key)
{
    StoredPages sp = {key, g_array_new(false, false, sizeof(uint64_t))};
    uint64_t before = s->bytes;
    uint8_t *mark = NULL;

    assert(!s->snaps->len ||
           key > g_array_index(s->snaps, StoredPages, s->snaps->len - 1).key);
    if (s->have_base) {
        mark = candidates(s, key);
    }
    for (uint64_t p = 0; p < s->npages; p++) {
        /* The newest version is the previous snapshot's content of the page. */
        if ((!mark || mark[p]) && !page_equals_version(s, p, s->newest[p])) {
            ram_store_push(s, p, key, sp.pages);
        }
    }
    g_free(mark);
    s->bytes += sp.pages->len * sizeof(uint64_t);
    g_array_append_val(s->snaps, sp);
    ram_store_settle(s, key);
    return s->bytes - before;
}

uint64_t ram_store_compare(RamStore *s, uint64_t key)
{
    g_autofree uint8_t *mark = candidates(s, key);
    uint64_t differing = 0;

    for (uint64_t p = 0; p < s->npages; p++) {
        differing += mark[p] && !page_equals_version(s, p, version_at(s, p, key));
    }
    return differing;
}

void ram_store_restore(RamStore *s, uint64_t key)
{
    g_autofree uint8_t *mark = candidates(s, key);

    assert(ram_store_find(s, key) >= 0);
    if (s->tracked) {
        tracker_set_protection(false);
    }
    for (uint64_t p = 0; p < s->npages; p++) {
        const PageVersion *v = mark[p] ? version_at(s, p, key) : NULL;
        if (mark[p]) {
            ram_write_page(s->mr, p, v ? v->data : NULL);
        }
    }
    ram_store_settle(s, key);
}

void ram_store_rebase(RamStore *s, uint64_t key)
{
    assert(ram_store_find(s, key) >= 0);
    ram_store_settle(s, key);
}

/* The pages a dropped snapshot stored become part of the next one, or go. */
static void drop_version(RamStore *s, uint64_t p, uint64_t key, StoredPages *next)
{
    PageVersion **link = &s->newest[p], *newer = NULL;

    while (*link && (*link)->key != key) {
        newer = *link;
        link = &(*link)->older;
    }
    assert(*link);
    if (next && (!newer || newer->key != next->key)) {
        (*link)->key = next->key; /* the next snapshot's content of p is this one */
        g_array_append_val(next->pages, p);
        s->bytes += sizeof(uint64_t);
        return;
    }
    PageVersion *v = *link;
    *link = v->older;
    s->bytes -= VERSION_COST(v);
    g_free(v->data);
    g_free(v);
}

uint64_t ram_store_drop(RamStore *s, uint64_t key)
{
    int i = ram_store_find(s, key);
    uint64_t before = s->bytes;
    StoredPages sp, *next;

    assert(i >= 0);
    sp = g_array_index(s->snaps, StoredPages, i);
    next = (guint)i + 1 < s->snaps->len ? &g_array_index(s->snaps, StoredPages, i + 1)
                                        : NULL;
    if (s->have_base && s->base == key) {
        /* RAM = this version + dirty pages = the previous one + these pages too. */
        for (guint j = 0; j < sp.pages->len; j++) {
            uint64_t p = g_array_index(sp.pages, uint64_t, j);
            ram_store_prepare_write(s->mr, p << PAGE_BITS, 1);
        }
        s->have_base = i > 0;
        s->base = i > 0 ? g_array_index(s->snaps, StoredPages, i - 1).key : 0;
    }
    for (guint j = 0; j < sp.pages->len; j++) {
        drop_version(s, g_array_index(sp.pages, uint64_t, j), key, next);
    }
    s->bytes -= sp.pages->len * sizeof(uint64_t);
    g_array_unref(sp.pages);
    g_array_remove_index(s->snaps, i);
    return before - s->bytes;
}
