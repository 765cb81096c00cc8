/*
 * Unit tests for snapshots: the CPU's vmstate covers its state, every device of the
 * pc machine continues after save -> load exactly as it would have without, a running
 * guest (paging, page-table A/D bits, timers, port I/O) does too, pending timers keep
 * their order, incremental RAM versions with dirty tracking, the snapshot file, and
 * seeking in the replay log.
 */
#include "migration/savevm.h"
#include "hw/machine.h"
#include "hw/loader.h"
#include "hw/i386/pc.h"
#include "target/i386/cpu.h"
#include "target/i386/access.h"
#include "system/icount.h"
#include "system/clock.h"
#include "system/cpu-exec.h"
#include "replay/log.h"
#include "replay/replay.h"

#include <glib/gstdio.h>
#include <unistd.h>

#define TEST_RAM (16u << 20)

static void no_error(Error *err)
{
    if (err) {
        g_error("unexpected error: %s", error_get_pretty(err));
    }
}

static void setup_icount(void)
{
    icount.enabled = true;
    icount.shift = 3;
    icount.count = 0;
    icount.bias = 0;
}

static Machine *pc_new(void)
{
    Machine *m = machine_new("pc", TEST_RAM);
    PCMachineOptions opts = {0};
    Error *err = NULL;

    m->cpu = cpu_x86_new(m);
    g_assert_true(pc_machine_init(m, &opts, &err));
    no_error(err);
    g_assert_nonnull(machine_add_device(m, "isa-serial", "iobase=0x3f8,irq=4", &err));
    g_assert_nonnull(machine_add_device(m, "isa-debugcon", NULL, &err));
    g_assert_nonnull(machine_add_device(m, "isa-debug-exit", NULL, &err));
    g_assert_nonnull(machine_add_device(m, "ioport80", NULL, &err));
    no_error(err);
    return m;
}

static void pc_free(Machine *m)
{
    CPUX86State *cpu = m->cpu;

    machine_free(m);
    cpu_x86_free(cpu);
}

static GByteArray *state_of(Machine *m)
{
    GByteArray *b = g_byte_array_new();

    savevm_state_save(m, b);
    return b;
}

static void assert_same_bytes(const GByteArray *a, const GByteArray *b, const char *what)
{
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0) {
        guint at = 0;
        while (at < MIN(a->len, b->len) && a->data[at] == b->data[at]) {
            at++;
        }
        g_error("%s differ (lengths %u and %u, first difference at byte %u)", what,
                a->len, b->len, at);
    }
}

/* ---- the CPU's vmstate covers CPUX86State ---- */

typedef struct Span {
    size_t offset, size;
} Span;

#define SPAN(f)                                                                          \
    {                                                                                    \
        offsetof(CPUX86State, f), sizeof(((CPUX86State *)0)->f)                          \
    }

/* Derived (rebuilt by post_load), host pointers and configuration: not saved. */
static const Span cpu_unsaved[] = {
    SPAN(hflags),       SPAN(seg_ok_read),    SPAN(seg_ok_write), SPAN(seg_max),
    SPAN(get_irq),      SPAN(get_irq_opaque), SPAN(apic),         SPAN(cpu_model),
    SPAN(exit_request), SPAN(stop_request),
};

static bool cpu_offset_unsaved(size_t off)
{
    for (size_t i = 0; i < ARRAY_SIZE(cpu_unsaved); i++) {
        if (off - cpu_unsaved[i].offset < cpu_unsaved[i].size) {
            return true;
        }
    }
    return false;
}

/* Does byte off of the CPU survive save -> load into a fresh CPU? */
static bool cpu_byte_saved(Machine *m, CPUX86State *dst, size_t off)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    uint8_t *src_bytes = (uint8_t *)m->cpu, keep = src_bytes[off];
    size_t pos = 0;
    Error *err = NULL;
    bool saved;

    src_bytes[off] = keep == 1 ? 0 : 1; /* a valid value for bools too */
    vmstate_save(&vmstate_x86_cpu, m->cpu, b);
    g_assert_true(vmstate_load(&vmstate_x86_cpu, dst, b->data, b->len, &pos, &err));
    no_error(err);
    saved = ((uint8_t *)dst)[off] == src_bytes[off];
    src_bytes[off] = keep;
    return saved;
}

/*
 * Every byte before the host-side part of the struct is saved, derived or padding.
 * Padding is told apart by its shape: fewer than 8 bytes ending 8-aligned. A field
 * someone adds to CPUX86State without a vmstate entry fails here.
 */
static void test_cpu_fields_covered(void)
{
    Machine *m = machine_new("pc", TEST_RAM);
    CPUX86State *dst;
    size_t end = offsetof(CPUX86State, jmp_env), run_start = 0, run = 0;

    m->cpu = cpu_x86_new(m);
    dst = cpu_x86_new(m);
    for (size_t off = 0; off <= end; off++) {
        bool covered =
            off == end || cpu_offset_unsaved(off) || cpu_byte_saved(m, dst, off);
        if (!covered) {
            run_start = run ? run_start : off;
            run++;
            continue;
        }
        if (run && (run >= 8 || off % 8 != 0)) {
            g_error("CPUX86State bytes %zu..%zu are not in vmstate_x86_cpu (a field "
                    "without a line in target/i386/machine.c?)",
                    run_start, off - 1);
        }
        run = 0;
    }
    cpu_x86_free(dst);
    pc_free(m);
}

/* ---- devices: save, load into a new machine, and both continue alike ---- */

typedef struct DevRegion {
    AddressSpace *as;
    uint64_t base, size;
} DevRegion;

static bool opaque_in_device(const void *opaque, const DeviceState *dev)
{
    uintptr_t p = (uintptr_t)opaque, d = (uintptr_t)dev;

    return p >= d && p < d + dev->info->instance_size;
}

/* The port and MMIO ranges whose callbacks work on this device. */
static GArray *device_regions(Machine *m, DeviceState *dev)
{
    GArray *out = g_array_new(false, false, sizeof(DevRegion));
    AddressSpace *spaces[] = {&m->io, &m->mem};

    for (size_t s = 0; s < ARRAY_SIZE(spaces); s++) {
        for (guint i = 0; i < spaces[s]->mapped->len; i++) {
            MappedRegion *mr = &g_array_index(spaces[s]->mapped, MappedRegion, i);
            if (mr->mr->ops && opaque_in_device(mr->mr->opaque, dev)) {
                DevRegion r = {spaces[s], mr->base, MIN_U64(mr->mr->size, 0x1000)};
                g_array_append_val(out, r);
            }
        }
    }
    return out;
}

/*
 * Random register accesses to the device and steps of virtual time; reads and the
 * final machine state go to the log.
 */
static void poke(Machine *m, guint dev_index, uint32_t seed, GByteArray *log)
{
    DeviceState *dev = g_ptr_array_index(m->devices, dev_index);
    g_autoptr(GArray) regions = device_regions(m, dev);
    GRand *rng = g_rand_new_with_seed(seed);

    for (int i = 0; i < 300; i++) {
        if (!regions->len || g_rand_int_range(rng, 0, 4) == 0) {
            icount.count += g_rand_int_range(rng, 1, 200000);
            clock_run_timers(CLOCK_VIRTUAL);
            continue;
        }
        DevRegion *r =
            &g_array_index(regions, DevRegion, g_rand_int_range(rng, 0, regions->len));
        unsigned size = 1u << g_rand_int_range(rng, 0, 3);
        uint64_t addr =
            r->base + (g_rand_int_range(rng, 0, (gint32)r->size) & ~(size - 1));
        if (g_rand_boolean(rng)) {
            address_space_st(r->as, addr, g_rand_int(rng), size);
        } else {
            uint64_t v = address_space_ld(r->as, addr, size);
            g_byte_array_append(log, (const uint8_t *)&v, sizeof(v));
        }
    }
    g_rand_free(rng);
}

static void device_round_trip(guint dev_index)
{
    Machine *a = pc_new(), *b;
    g_autoptr(GByteArray) image = g_byte_array_new(), image_b = g_byte_array_new();
    g_autoptr(GByteArray) before = g_byte_array_new(), reads_a = g_byte_array_new();
    g_autoptr(GByteArray) reads_b = g_byte_array_new();
    g_autoptr(GByteArray) end_a = NULL, end_b = NULL;
    Error *err = NULL;

    setup_icount();
    poke(a, dev_index, 1000 + dev_index, before);
    savevm_machine_save(a, image);
    poke(a, dev_index, 2000 + dev_index, reads_a);
    end_a = state_of(a);
    pc_free(a); /* its timers leave the clock's list */

    b = pc_new();
    g_assert_true(savevm_machine_load(b, image->data, image->len, &err));
    no_error(err);
    savevm_machine_save(b, image_b);
    assert_same_bytes(image, image_b, "images after load");
    poke(b, dev_index, 2000 + dev_index, reads_b);
    end_b = state_of(b);
    assert_same_bytes(reads_a, reads_b, "register reads after the snapshot");
    assert_same_bytes(end_a, end_b, "states after the same accesses");
    pc_free(b);
}

/* Pokes may ask for a shutdown or a reset, which are process-wide: hence a subprocess. */
static void test_devices_round_trip_subprocess(void)
{
    Machine *m = pc_new();
    guint n = m->devices->len, tested = 0;

    for (guint i = 0; i < n; i++) {
        DeviceState *dev = g_ptr_array_index(m->devices, i);
        /* Every device is saved by its vmstate table, even a stateless one. */
        g_assert_nonnull(dev->info->vmsd);
        g_test_message("device %u: %s", i, dev->info->name);
        device_round_trip(i);
        tested++;
    }
    pc_free(m);
    g_assert_cmpuint(tested, >=, 10);
}

static void test_devices_round_trip(void)
{
    g_test_trap_subprocess("/savevm/devices-round-trip/subprocess", 0,
                           G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
}

/* ---- a running guest ---- */

/*
 * Flat 32-bit code at 0x1000 with paging on: an LCG writes a 16 KiB window, and the
 * accessed and dirty bits of the window's page-table entries are read into EDI and
 * cleared behind the TLB's back, so whether a TLB entry is cached decides what the
 * guest sees; RDTSC and port 0x80 too.
 */
// clang-format off
static const uint8_t guest_code[] = {
    0x31, 0xc9,                               /* xor ecx, ecx */
    0xbe, 0x01, 0x00, 0x00, 0x00,             /* mov esi, 1 */
    0x69, 0xf6, 0x6d, 0x4e, 0xc6, 0x41,       /* L: imul esi, esi, 0x41c64e6d */
    0x81, 0xc6, 0x39, 0x30, 0x00, 0x00,       /* add esi, 0x3039 */
    0x89, 0xcb,                               /* mov ebx, ecx */
    0x81, 0xe3, 0xfc, 0x3f, 0x00, 0x00,       /* and ebx, 0x3ffc */
    0x89, 0xb3, 0x00, 0x00, 0x10, 0x00,       /* mov [ebx + 0x100000], esi */
    0x89, 0xc8,                               /* mov eax, ecx */
    0x83, 0xe0, 0x03,                         /* and eax, 3 */
    0x03, 0x3c, 0x85, 0x00, 0x14, 0x20, 0x00, /* add edi, [eax*4+0x201400] */
    0x83, 0x24, 0x85, 0x00, 0x14, 0x20, 0x00, 0x9f, /* and dword [eax*4+0x201400], ~0x60 */
    0x0f, 0x31,                               /* rdtsc */
    0x01, 0xc7,                               /* add edi, eax */
    0xe6, 0x80,                               /* out 0x80, al */
    0x41,                                     /* inc ecx */
    0xeb, 0xc9,                               /* jmp L */
};
// clang-format on

static void guest_setup(Machine *m)
{
    uint32_t *pd = (uint32_t *)(m->ram.ram + 0x200000);
    uint32_t *pt = (uint32_t *)(m->ram.ram + 0x201000);
    Error *err = NULL;

    memcpy(m->ram.ram + 0x1000, guest_code, sizeof(guest_code));
    for (uint32_t i = 0; i < 1024; i++) {
        pt[i] = (i << 12) | 0x3; /* present, writable; A and D clear */
    }
    pd[0] = 0x201000 | 0x3;
    for (uint32_t i = 1; i < 4; i++) {
        pd[i] = (i << 22) | 0x83; /* 4 MiB pages */
    }
    g_assert_true(boot_enter_flat32(m, 0x1000, &err));
    no_error(err);
    m->cpu->cr[3] = 0x200000;
    m->cpu->cr[4] |= CR4_PSE;
    m->cpu->cr[0] |= CR0_PG;
    cpu_update_hflags(m->cpu);
    tlb_flush_all(m->cpu);
}

/* Run n instructions the way the main loop does: timers at their deadlines. */
static void guest_run(Machine *m, uint64_t n)
{
    uint64_t stop = icount.count + n;

    while (icount.count < stop) {
        int64_t budget = icount_budget_until(clock_deadline(CLOCK_VIRTUAL));
        clock_run_timers(CLOCK_VIRTUAL);
        if (budget <= 0 || (uint64_t)budget > stop - icount.count) {
            budget = (int64_t)(stop - icount.count);
        }
        g_assert_cmpint(cpu_exec(m->cpu, budget), ==, EXEC_BUDGET);
    }
}

static void test_machine_round_trip(void)
{
    Machine *a = pc_new(), *b;
    g_autoptr(GByteArray) image = g_byte_array_new();
    uint64_t hash_a, mid;
    Error *err = NULL;

    setup_icount();
    guest_setup(a);
    guest_run(a, 123457);
    mid = icount.count;
    savevm_machine_save(a, image);
    guest_run(a, 654321);
    hash_a = savevm_machine_hash(a);
    g_assert_cmphex(*(uint32_t *)(a->ram.ram + 0x201400) & 0x60, !=, 0x60);
    pc_free(a);

    b = pc_new();
    g_assert_true(savevm_machine_load(b, image->data, image->len, &err));
    no_error(err);
    g_assert_cmpuint(icount.count, ==, mid);
    guest_run(b, 654321);
    g_assert_cmphex(savevm_machine_hash(b), ==, hash_a);
    pc_free(b);
}

/* A snapshot from another machine configuration is refused before anything changes. */
static void test_load_refuses_other_machine(void)
{
    Machine *a = pc_new(), *b = machine_new("pc", TEST_RAM);
    g_autoptr(GByteArray) image = g_byte_array_new();
    g_autoptr(GByteArray) before = NULL, after = NULL;
    Error *err = NULL;

    b->cpu = cpu_x86_new(b);
    g_assert_nonnull(machine_add_device(b, "ioport80", NULL, &err));
    savevm_machine_save(a, image);
    before = state_of(b);
    g_assert_false(savevm_machine_load(b, image->data, image->len, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "devices"));
    error_free(err);
    err = NULL;
    after = state_of(b);
    assert_same_bytes(before, after, "states of the refusing machine");
    image->data[image->len / 2] ^= 1; /* corruption inside RAM or a section */
    g_assert_false(savevm_machine_load(a, image->data, image->len - 7, &err));
    error_free(err);
    pc_free(a);
    pc_free(b);
}

/* ---- timers due together fire in the order they were armed ---- */

typedef struct TimerDev {
    DeviceState parent;
    Timer timer;
    int id;
} TimerDev;

static GString *fired;

static void timerdev_expired(void *opaque)
{
    g_string_append_printf(fired, "%d", ((TimerDev *)opaque)->id);
}

static bool timerdev_realize(DeviceState *dev, Machine *m, Error **errp)
{
    TimerDev *s = (TimerDev *)dev;

    timer_init(&s->timer, CLOCK_VIRTUAL, timerdev_expired, s);
    s->id = m->devices->len;
    return true;
}

static void timerdev_unrealize(DeviceState *dev)
{
    timer_del(&((TimerDev *)dev)->timer);
}

static const VMStateField timerdev_fields[] = {
    VMSTATE_TIMER(timer, TimerDev),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription timerdev_vmsd = {
    .name = "test-timerdev", .version = 1, .fields = timerdev_fields};

static const DeviceInfo timerdev_info = {
    .name = "test-timerdev",
    .instance_size = sizeof(TimerDev),
    .realize = timerdev_realize,
    .unrealize = timerdev_unrealize,
    .vmsd = &timerdev_vmsd,
};
DEVICE_REGISTER(timerdev_info)

static Machine *timer_machine(void)
{
    Machine *m = machine_new("pc", 1 << 20);
    Error *err = NULL;

    for (int i = 0; i < 3; i++) {
        g_assert_nonnull(machine_add_device(m, "test-timerdev", NULL, &err));
    }
    return m;
}

static void test_timer_order_kept(void)
{
    Machine *a = timer_machine(), *b = timer_machine();
    g_autoptr(GByteArray) image = g_byte_array_new();
    Error *err = NULL;

    setup_icount();
    fired = g_string_new(NULL);
    /* Armed in the order 2, 0, 1 for the same deadline; table order is 0, 1, 2. */
    for (int i = 0; i < 3; i++) {
        TimerDev *d = g_ptr_array_index(a->devices, (i + 2) % 3);
        timer_mod(&d->timer, 5000);
    }
    savevm_machine_save(a, image);
    machine_free(a);
    g_assert_true(savevm_machine_load(b, image->data, image->len, &err));
    no_error(err);
    icount.count = 10000;
    clock_run_timers(CLOCK_VIRTUAL);
    g_assert_cmpstr(fired->str, ==, "201");
    g_string_free(fired, true);
    machine_free(b);
}

/* ---- incremental RAM versions ---- */

static void fill_pages(MemoryRegion *mr, uint32_t seed, unsigned every)
{
    GRand *rng = g_rand_new_with_seed(seed);

    for (uint64_t p = 0; p < mr->size / PAGE_SIZE; p += every) {
        mr->ram[p * PAGE_SIZE + g_rand_int_range(rng, 0, PAGE_SIZE)] = g_rand_int(rng);
    }
    g_rand_free(rng);
}

static GBytes *ram_copy(MemoryRegion *mr)
{
    return g_bytes_new(mr->ram, mr->size);
}

static void assert_ram(MemoryRegion *mr, GBytes *want)
{
    g_assert_true(memcmp(mr->ram, g_bytes_get_data(want, NULL), mr->size) == 0);
}

static void test_ram_versions(void)
{
    Machine *m = machine_new("pc", 4 << 20);
    MemoryRegion *mr = &m->ram;
    RamStore *s = ram_store_new(mr);
    g_autoptr(GBytes) v1 = NULL, v2 = NULL, v3 = NULL;
    uint8_t dma[6000];

    fill_pages(mr, 1, 3);
    v1 = ram_copy(mr);
    g_assert_cmpuint(ram_store_take(s, 100), >, 0);
    fill_pages(mr, 2, 7); /* written through the CPU's kind of host pointer */
    memset(dma, 0x5a, sizeof(dma));
    g_assert_true(dma_write(&m->mem, 3 * PAGE_SIZE + 100, dma, sizeof(dma)));
    g_assert_cmpuint(ram_store_compare(s, 100), >, 0);
    v2 = ram_copy(mr);
    ram_store_take(s, 200);
    g_assert_cmpuint(ram_store_compare(s, 200), ==, 0);
    fill_pages(mr, 3, 5);
    v3 = ram_copy(mr);
    ram_store_take(s, 300);

    ram_store_restore(s, 100);
    assert_ram(mr, v1);
    fill_pages(mr, 4, 2); /* changes after a restore are tracked too */
    ram_store_restore(s, 300);
    assert_ram(mr, v3);
    ram_store_restore(s, 200);
    assert_ram(mr, v2);
    g_assert_cmpuint(ram_store_drop(s, 200), >, 0); /* the base goes */
    ram_store_restore(s, 300);
    assert_ram(mr, v3);
    ram_store_restore(s, 100);
    assert_ram(mr, v1);
    ram_store_free(s);
    machine_free(m);
}

/* ---- named snapshots in the snapshot file ---- */

static void test_snapshot_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("reprise-savevm-XXXXXX", NULL);
    g_autofree char *old = g_get_current_dir();
    g_autoptr(GString) list = g_string_new(NULL);
    Machine *m = pc_new();
    uint64_t h1, h2;
    Error *err = NULL;

    g_assert_cmpint(chdir(dir), ==, 0);
    setup_icount();
    guest_setup(m);
    savevm_set_machine(m);
    guest_run(m, 5000);
    h1 = savevm_machine_hash(m);
    g_assert_true(savevm_save_named("first", &err));
    guest_run(m, 5000);
    h2 = savevm_machine_hash(m);
    g_assert_true(savevm_save_named("second", &err));
    g_assert_true(savevm_save_named("first", &err)); /* replaces it */
    g_assert_true(savevm_load_named("second", &err));
    no_error(err);
    g_assert_cmphex(savevm_machine_hash(m), ==, h2);
    g_assert_true(savevm_list_named(list, &err));
    g_assert_nonnull(strstr(list->str, "second"));
    g_assert_true(savevm_delete_named("second", &err));
    g_assert_false(savevm_load_named("second", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "no snapshot named"));
    error_free(err);
    err = NULL;
    g_assert_true(savevm_load_named("first", &err));
    g_assert_cmphex(savevm_machine_hash(m), ==, h2); /* "first" was saved over at h2 */
    (void)h1;
    g_assert_cmpint(g_unlink(savevm_file_path()), ==, 0);
    g_assert_cmpint(chdir(old), ==, 0);
    g_rmdir(dir);
    pc_free(m);
}

/* ---- seeking in the replay log ---- */

static void test_log_seek(void)
{
    g_autofree char *dir = g_dir_make_tmp("reprise-seek-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "log", NULL);
    ReplayLogHeader *h = replay_log_header_new();
    ReplayLogWriter *w = replay_log_writer_open(path, h, true, NULL);
    const uint64_t n = 30000;
    ReplayLogReader *r;
    ReplayEvent ev;
    uint64_t last;
    Error *err = NULL;

    for (uint64_t i = 0; i < n; i++) {
        uint8_t payload[9] = {(uint8_t)i, (uint8_t)(i >> 8)};
        g_assert_true(replay_log_write_event(w, REPLAY_EV_RANDOM, i * 3, payload,
                                             sizeof(payload), NULL));
        g_assert_cmpuint(replay_log_writer_events(w), ==, i + 1);
    }
    g_assert_true(replay_log_writer_close(w, NULL));
    replay_log_header_free(h);
    g_assert_true(replay_log_last_icount(path, &last, &err));
    g_assert_cmpuint(last, ==, (n - 1) * 3);

    r = replay_log_reader_open(path, &err);
    const uint64_t targets[] = {25000, 5, 0, 29999, 12345, 12346, 20000, n};
    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        g_assert_true(replay_log_reader_seek(r, targets[i], &err));
        no_error(err);
        if (targets[i] == n) {
            g_assert_cmpint(replay_log_read_event(r, &ev, &err), ==, 0);
            continue;
        }
        g_assert_cmpint(replay_log_read_event(r, &ev, &err), ==, 1);
        g_assert_cmpuint(ev.seq, ==, targets[i]);
        g_assert_cmpuint(ev.icount, ==, targets[i] * 3);
        g_assert_cmpuint(ev.payload[0] | ev.payload[1] << 8, ==, targets[i] & 0xffff);
    }
    g_assert_false(replay_log_reader_seek(r, n + 1, &err));
    error_free(err);
    replay_log_reader_close(r);
    g_unlink(path);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/savevm/cpu-fields-covered", test_cpu_fields_covered);
    g_test_add_func("/savevm/devices-round-trip", test_devices_round_trip);
    g_test_add_func("/savevm/devices-round-trip/subprocess",
                    test_devices_round_trip_subprocess);
    g_test_add_func("/savevm/machine-round-trip", test_machine_round_trip);
    g_test_add_func("/savevm/refuses-other-machine", test_load_refuses_other_machine);
    g_test_add_func("/savevm/timer-order", test_timer_order_kept);
    g_test_add_func("/savevm/ram-versions", test_ram_versions);
    g_test_add_func("/savevm/snapshot-file", test_snapshot_file);
    g_test_add_func("/savevm/log-seek", test_log_seek);
    return g_test_run();
}
