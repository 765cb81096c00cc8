/*
 * The replay core: opening the log, the lookahead of the next logged event, the
 * checkpoints between CPU slices, interrupts, shift changes, warps and shutdowns.
 *
 * In record mode every hook appends an event stamped with the instruction count. In
 * replay mode the next event is always read ahead: the exec loop never runs past an
 * asynchronous event's instruction count (replay_budget), the main loop applies
 * asynchronous events at checkpoints (replay_checkpoint), and synchronous hooks
 * (clock reads, random bytes, write results, interrupts) consume the event that the
 * log says comes next — anything else is a divergence, reported with the instruction
 * count, what the guest did and what the log holds.
 */
#include "replay/replay-internal.h"
#include "system/icount.h"
#include "system/clock.h"
#include "system/runstate.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"
#include "util/leb128.h"
#include "util/log.h"
#include "chardev/char.h"
#include "migration/savevm.h"
#include "replay/replay-snapshot.h"
#include "system/runstate.h"
#include "config-host.h"
#include "util/le.h"

#define CHECKPOINT_INTERVAL (1ull << 22) /* instructions between CPU-state checks */
#define MACHINE_HASH_EVERY  64           /* checkpoints between RAM+device hashes */
#define FLUSH_INTERVAL_NS   (100 * 1000 * 1000)

#define CKPT_HAS_MACHINE_HASH 0x01
#define CKPT_HAS_REGS         0x02
#define CKPT_NR_REGS          18

ReplayMode replay_mode;

static ReplayLogWriter *writer;
static ReplayLogReader *reader;
static ReplayLogHeader *header;
static char *log_path;
static Machine *machine;

static ReplayEvent next_ev;
static bool have_next;
static bool log_ended;
static GByteArray *next_payload;

/* The replay layer's part of a snapshot: where in the log the machine is. */
typedef struct ReplayBook {
    ReplayPosition pos;
    uint64_t last_checkpoint; /* record: icount of the last checkpoint written */
    uint64_t checkpoints;     /* record: checkpoints written */
} ReplayBook;

static ReplayBook book;
static int64_t last_flush;
static bool diverged;

bool replay_enabled(void)
{
    return true;
}

void replay_set_machine(Machine *m)
{
    machine = m;
}

bool replay_event_is_async(unsigned kind)
{
    switch (kind) {
    case REPLAY_EV_CLOCK:
    case REPLAY_EV_RANDOM:
    case REPLAY_EV_CHAR_WRITE:
    case REPLAY_EV_INTERRUPT: return false;
    default: return true;
    }
}

static void replay_stop_cpu(void)
{
    if (machine && machine->cpu) {
        cpu_exit(machine->cpu);
    }
}

void replay_diverged(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    if (diverged) {
        return;
    }
    diverged = true;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_report("replay diverged at instruction %" PRIu64 ": %s", icount.count, msg);
    runstate_error_shutdown();
    replay_stop_cpu();
}

/* --- writing --- */

void replay_put_event(ReplayEventKind kind, const void *payload, size_t len)
{
    Error *err = NULL;

    if (!writer) {
        return;
    }
    if (!replay_log_write_event(writer, kind, icount.count, payload, len, &err)) {
        error_report_err(err);
        runstate_error_shutdown();
        replay_stop_cpu();
        return;
    }
    book.pos.events = replay_log_writer_events(writer);
    book.pos.chunk_offset = replay_log_writer_size(writer);
    log_mask_printf(LOG_REPLAY, "replay: record %s at %" PRIu64 "\n",
                    replay_event_kind_name(kind), icount.count);
}

/* --- reading --- */

static void replay_log_error(Error *err)
{
    error_report_err(err);
    runstate_error_shutdown();
    replay_stop_cpu();
    log_ended = true;
}

/* Read the next event into the lookahead; false at the end of the log or on error. */
static bool replay_peek(void)
{
    Error *err = NULL;
    int r;

    if (have_next) {
        return true;
    }
    if (log_ended || !reader) {
        return false;
    }
    r = replay_log_read_event(reader, &next_ev, &err);
    if (r < 0) {
        replay_log_error(err);
        return false;
    }
    if (r == 0) {
        log_ended = true;
        return false;
    }
    g_byte_array_set_size(next_payload, 0);
    g_byte_array_append(next_payload, next_ev.payload, next_ev.len);
    next_ev.payload = next_payload->data;
    have_next = true;
    book.pos.chunk_offset = next_ev.chunk_offset;
    return true;
}

/* The lookahead event is used up. */
static void replay_consume(void)
{
    have_next = false;
    book.pos.events = next_ev.seq + 1;
}

static char *replay_describe_next(void)
{
    GString *s = g_string_new(NULL);
    Error *err = NULL;

    if (!replay_peek()) {
        g_string_append(s, "the end of the log");
        return g_string_free(s, false);
    }
    g_string_append_printf(s, "event #%" PRIu64 " at instruction %" PRIu64 ": ",
                           next_ev.seq, next_ev.icount);
    if (!replay_event_describe(next_ev.kind, next_ev.payload, next_ev.len, s, &err)) {
        g_string_append_printf(s, "(malformed: %s)", error_get_pretty(err));
        error_free(err);
    }
    return g_string_free(s, false);
}

static void replay_report_log_end(void);

bool replay_get_event(ReplayEventKind kind, ReplayEvent *ev)
{
    if (diverged) {
        return false;
    }
    if (!replay_peek() && log_ended && reader && !diverged) {
        replay_report_log_end(); /* a cut-short log: say where it ends */
        replay_stop_cpu();
        return false;
    }
    if (!replay_peek() || next_ev.kind != kind || next_ev.icount != icount.count) {
        g_autofree char *what = replay_describe_next();
        replay_diverged("the guest produced a '%s' event, but the log has %s",
                        replay_event_kind_name(kind), what);
        return false;
    }
    *ev = next_ev;
    replay_consume();
    log_mask_printf(LOG_REPLAY, "replay: play %s at %" PRIu64 "\n",
                    replay_event_kind_name(kind), icount.count);
    return true;
}

/* --- setup --- */

GPtrArray *replay_read_config(const char *path, Error **errp)
{
    ReplayLogReader *r = replay_log_reader_open(path, errp);
    GPtrArray *args;

    if (!r) {
        return NULL;
    }
    args = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < replay_log_reader_header(r)->config_args->len; i++) {
        g_ptr_array_add(args,
                        g_strdup(replay_log_reader_header(r)->config_args->pdata[i]));
    }
    replay_log_reader_close(r);
    return args;
}

static bool replay_start_record(GPtrArray *config_args)
{
    header = replay_log_header_new();
    header->emulator_version = g_strdup(REPRISE_VERSION);
    for (guint i = 0; i < config_args->len; i++) {
        g_ptr_array_add(header->config_args, g_strdup(config_args->pdata[i]));
    }
    header->icount_shift =
        icount.auto_shift ? g_strdup("auto") : g_strdup_printf("%d", icount.shift);
    header->start_time_ns = host_clock_wall_ns();
    return true;
}

bool replay_start(ReplayMode mode, const char *path, GPtrArray *config_args, Error **errp)
{
    log_path = g_strdup(path);
    next_payload = g_byte_array_new();
    if (mode == REPLAY_MODE_RECORD) {
        replay_start_record(config_args);
    } else {
        reader = replay_log_reader_open(path, errp);
        if (!reader) {
            return false;
        }
    }
    replay_mode = mode;
    return true;
}

static bool replay_hash_file(const char *path, uint8_t out[32], Error **errp)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autofree char *data = NULL;
    gsize len, outlen = 32;
    GError *gerr = NULL;

    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        error_setg(errp, "cannot read '%s': %s", path, gerr->message);
        g_error_free(gerr);
        return false;
    }
    g_checksum_update(sum, (const guchar *)data, len);
    g_checksum_get_digest(sum, out, &outlen);
    return true;
}

static const ReplayImage *replay_find_image(const ReplayLogHeader *h, const char *role)
{
    for (guint i = 0; i < h->images->len; i++) {
        const ReplayImage *img = &g_array_index(h->images, ReplayImage, i);
        if (!strcmp(img->role, role)) {
            return img;
        }
    }
    return NULL;
}

static bool replay_check_image(const char *role, const char *path, const uint8_t sha[32],
                               Error **errp)
{
    const ReplayImage *img = replay_find_image(replay_log_reader_header(reader), role);

    if (!img) {
        error_setg(errp, "%s image '%s' was not part of the recording in '%s'", role,
                   path, log_path);
        return false;
    }
    if (memcmp(img->sha256, sha, 32)) {
        error_setg(errp,
                   "%s image '%s' differs from the one recorded in '%s' (recorded "
                   "from '%s'; SHA-256 mismatch)",
                   role, path, log_path, img->path);
        return false;
    }
    return true;
}

bool replay_add_image(const char *role, const char *path, Error **errp)
{
    uint8_t sha[32];

    if (replay_mode == REPLAY_MODE_NONE) {
        return true;
    }
    if (!replay_hash_file(path, sha, errp)) {
        return false;
    }
    if (replay_mode == REPLAY_MODE_RECORD) {
        replay_log_header_add_image(header, role, path, sha);
        return true;
    }
    return replay_check_image(role, path, sha, errp);
}

/* ---- the log position in snapshots ---- */

/* Identifies a recording: replay and record compute it from the same header. */
static uint64_t replay_header_id(const ReplayLogHeader *h)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    uint8_t digest[32];
    gsize len = sizeof(digest);
    uint64_t id = 0;

    g_checksum_update(sum, (const guchar *)h->emulator_version,
                      h->emulator_version ? strlen(h->emulator_version) + 1 : 0);
    for (guint i = 0; i < h->config_args->len; i++) {
        const char *arg = h->config_args->pdata[i];
        g_checksum_update(sum, (const guchar *)arg, strlen(arg) + 1);
    }
    for (guint i = 0; i < h->images->len; i++) {
        g_checksum_update(sum, g_array_index(h->images, ReplayImage, i).sha256, 32);
    }
    g_checksum_update(sum, (const guchar *)&h->start_time_ns, sizeof(h->start_time_ns));
    g_checksum_get_digest(sum, digest, &len);
    for (int i = 7; i >= 0; i--) {
        id = (id << 8) | digest[i];
    }
    return id;
}

static bool replay_book_post_load(void *opaque, Error **errp)
{
    ReplayBook *loaded = opaque;
    uint64_t id = replay_header_id(replay_log_reader_header(reader));

    if (replay_mode != REPLAY_MODE_PLAY) {
        return true;
    }
    if (loaded->pos.log_id != id) {
        error_setg(errp, "the snapshot belongs to another recording than '%s'", log_path);
        loaded->pos.log_id = id;
        return false;
    }
    if (!replay_log_reader_seek(reader, loaded->pos.events, errp)) {
        return false;
    }
    have_next = false;
    log_ended = false;
    replay_hash_forget();
    return true;
}

static const VMStateField replay_book_fields[] = {
    VMSTATE_UINT64(pos.log_id, ReplayBook),
    VMSTATE_UINT64(pos.events, ReplayBook),
    VMSTATE_UINT64(pos.chunk_offset, ReplayBook),
    VMSTATE_UINT64(last_checkpoint, ReplayBook),
    VMSTATE_UINT64(checkpoints, ReplayBook),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_replay_book = {
    .name = "replay",
    .version = 1,
    .fields = replay_book_fields,
    .post_load = replay_book_post_load,
};

static void replay_attach_book(const ReplayLogHeader *h)
{
    book.pos.log_id = replay_header_id(h);
    savevm_register("replay", &vmstate_replay_book, &book, true);
    replay_snapshot_attach_position(&book.pos);
}

bool replay_begin(Error **errp)
{
    if (replay_mode == REPLAY_MODE_RECORD) {
        writer = replay_log_writer_open(log_path, header, CONFIG_ZSTD, errp);
        last_flush = host_clock_realtime_ns();
        if (writer) {
            replay_attach_book(header);
        }
        return writer != NULL;
    }
    if (replay_mode == REPLAY_MODE_PLAY) {
        /* A replayed VM is deaf: its input comes from the log only. */
        chardev_set_input_enabled(false);
        replay_attach_book(replay_log_reader_header(reader));
        return true;
    }
    return true;
}

/* --- hashes --- */

uint64_t replay_cpu_hash(void)
{
    return machine && machine->cpu ? cpu_x86_state_hash(machine->cpu) : 0;
}

/* At the end, RAM and devices count too: a replay must end in the very same machine. */
uint64_t replay_final_hash(void)
{
    if (!machine) {
        return replay_cpu_hash(); /* device tests replay logs without a machine */
    }
    return replay_hash_final(machine, replay_cpu_hash());
}

static void replay_cpu_regs(uint64_t regs[CKPT_NR_REGS])
{
    CPUX86State *env = machine->cpu;

    regs[0] = env->rip;
    regs[1] = cpu_x86_get_rflags(env);
    memcpy(&regs[2], env->regs, 16 * sizeof(uint64_t));
}

/* --- checkpoints --- */

static void replay_write_checkpoint(void)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    /* The first checkpoint, then every MACHINE_HASH_EVERY: a bad start shows early. */
    bool with_machine = (book.checkpoints++ % MACHINE_HASH_EVERY) == 0;
    uint8_t flags = CKPT_HAS_REGS | (with_machine ? CKPT_HAS_MACHINE_HASH : 0);
    uint64_t regs[CKPT_NR_REGS];

    g_byte_array_append(b, &flags, 1);
    le_put_u64(b, replay_cpu_hash());
    replay_cpu_regs(regs);
    for (int i = 0; i < CKPT_NR_REGS; i++) {
        le_put_u64(b, regs[i]);
    }
    if (with_machine) {
        replay_hash_put_machine(b, machine);
    }
    replay_put_event(REPLAY_EV_CHECKPOINT, b->data, b->len);
    book.last_checkpoint = icount.count;
}

static void replay_record_checkpoint(void)
{
    int64_t now = host_clock_realtime_ns();
    Error *err = NULL;

    if (machine && machine->cpu &&
        icount.count - book.last_checkpoint >= CHECKPOINT_INTERVAL) {
        replay_write_checkpoint();
    }
    /* Flushing often bounds what a SIGKILL can lose; chunk boundaries are invisible. */
    if (now - last_flush >= FLUSH_INTERVAL_NS) {
        last_flush = now;
        if (!replay_log_writer_flush(writer, &err)) {
            replay_log_error(err);
        }
    }
}

static const char *const reg_names[CKPT_NR_REGS] = {
    "rip", "rflags", "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi",
    "rdi", "r8",     "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

static void replay_explain_regs(const uint8_t *logged, GString *out)
{
    uint64_t regs[CKPT_NR_REGS];

    replay_cpu_regs(regs);
    for (int i = 0; i < CKPT_NR_REGS; i++) {
        uint64_t want = le_get_u64(logged + 8 * i);
        if (want != regs[i]) {
            g_string_append_printf(out, " %s=0x%" PRIx64 " (recorded 0x%" PRIx64 ")",
                                   reg_names[i], regs[i], want);
        }
    }
    if (out->len == 0) {
        g_string_append(out, " general registers agree; segment, control or "
                             "system state differs");
    }
}

static bool replay_check_cpu(const ReplayEvent *ev, uint8_t flags)
{
    g_autoptr(GString) why = g_string_new(NULL);

    if (le_get_u64(ev->payload + 1) == replay_cpu_hash()) {
        return true;
    }
    if (flags & CKPT_HAS_REGS) {
        replay_explain_regs(ev->payload + 9, why);
    }
    replay_diverged("CPU state differs from the recording (checkpoint #%" PRIu64 "):%s",
                    ev->seq, why->str);
    return false;
}

static bool replay_check_machine(const ReplayEvent *ev, size_t offset)
{
    g_autoptr(GString) why = g_string_new(NULL);
    int r = replay_hash_check_machine(machine, ev->payload + offset,
                                      ev->payload + ev->len, why);

    if (r < 0) {
        replay_diverged("malformed checkpoint event #%" PRIu64, ev->seq);
    } else if (r == 0) {
        replay_diverged(
            "RAM or device state differs from the recording (checkpoint #%" PRIu64 "):%s",
            ev->seq, why->str);
    }
    return r > 0;
}

/* Payload: u8 flags · u64 CPU hash · [registers] · [machine part (replay-hash.c)]. */
static bool replay_check_checkpoint(const ReplayEvent *ev)
{
    uint8_t flags = ev->len ? ev->payload[0] : 0;
    size_t need = 9 + ((flags & CKPT_HAS_REGS) ? 8 * CKPT_NR_REGS : 0);
    bool with_machine = flags & CKPT_HAS_MACHINE_HASH;

    if (ev->len < need || (!with_machine && ev->len != need) ||
        (flags & ~(CKPT_HAS_REGS | CKPT_HAS_MACHINE_HASH))) {
        replay_diverged("malformed checkpoint event #%" PRIu64, ev->seq);
        return false;
    }
    if (!replay_check_cpu(ev, flags)) {
        return false;
    }
    return !with_machine || replay_check_machine(ev, need);
}

static bool replay_apply_shift(const ReplayEvent *ev)
{
    const uint8_t *p = ev->payload + 1, *end = ev->payload + ev->len;
    int64_t bias;

    if (ev->len < 2 || ev->payload[0] > ICOUNT_MAX_SHIFT ||
        !leb128_get_s64(&p, end, &bias) || p != end) {
        replay_diverged("malformed shift event #%" PRIu64, ev->seq);
        return false;
    }
    icount.shift = ev->payload[0];
    icount.bias = bias;
    return true;
}

static bool replay_apply_warp(const ReplayEvent *ev)
{
    const uint8_t *p = ev->payload, *end = ev->payload + ev->len;
    uint64_t delta;

    if (!leb128_get_u64(&p, end, &delta) || p != end || delta > INT64_MAX) {
        replay_diverged("malformed warp event #%" PRIu64, ev->seq);
        return false;
    }
    icount_warp((int64_t)delta);
    return true;
}

static bool replay_apply_shutdown(const ReplayEvent *ev)
{
    if (ev->len != 1) {
        replay_diverged("malformed shutdown event #%" PRIu64, ev->seq);
        return false;
    }
    log_mask_printf(LOG_REPLAY, "replay: host shutdown request at %" PRIu64 "\n",
                    icount.count);
    runstate_apply_host_shutdown((ShutdownCause)ev->payload[0]);
    return false;
}

/* Apply one asynchronous event; false when the machine must stop. */
static bool replay_apply_async(const ReplayEvent *ev)
{
    switch (ev->kind) {
    case REPLAY_EV_CHAR_READ: return replay_char_apply(ev);
    case REPLAY_EV_CHAR_EVENT: return replay_char_event_apply(ev);
    case REPLAY_EV_SHIFT: return replay_apply_shift(ev);
    case REPLAY_EV_WARP: return replay_apply_warp(ev);
    case REPLAY_EV_CHECKPOINT: return replay_check_checkpoint(ev);
    case REPLAY_EV_SHUTDOWN: return replay_apply_shutdown(ev);
    case REPLAY_EV_END:
        /* Leave it for replay_finish, which checks the final state. */
        have_next = true;
        if (replay_snapshot_pause_at_end()) {
            vm_stop(STOP_REASON_HISTORY_END); /* a debugger may still go back */
        } else {
            runstate_guest_shutdown(SHUTDOWN_CAUSE_REPLAY_END, 0);
        }
        return false;
    default:
        replay_diverged("event #%" PRIu64 " has kind '%s', which this build cannot "
                        "replay",
                        ev->seq, replay_event_kind_name(ev->kind));
        return false;
    }
}

static void replay_report_log_end(void)
{
    if (runstate_shutdown_requested()) {
        return;
    }
    error_report("replay: '%s' ends at offset %" PRIu64 " (instruction %" PRIu64 ")%s",
                 log_path, replay_log_reader_end_offset(reader), icount.count,
                 replay_log_reader_truncated(reader)
                     ? ": the log was cut short (the recorder did not finish)"
                     : " without an end event");
    runstate_error_shutdown();
}

static bool replay_play_checkpoint(void)
{
    for (;;) {
        ReplayEvent ev;
        if (!replay_peek()) {
            replay_report_log_end();
            return false;
        }
        if (next_ev.icount < icount.count) {
            g_autofree char *what = replay_describe_next();
            replay_diverged("the execution passed %s", what);
            return false;
        }
        if (next_ev.icount > icount.count || !replay_event_is_async(next_ev.kind)) {
            return !diverged;
        }
        ev = next_ev;
        replay_consume();
        log_mask_printf(LOG_REPLAY, "replay: play %s at %" PRIu64 "\n",
                        replay_event_kind_name(ev.kind), icount.count);
        if (!replay_apply_async(&ev)) {
            return false;
        }
        /* Record runs due timers after each async event; so must replay. */
        clock_run_timers(CLOCK_VIRTUAL);
    }
}

bool replay_checkpoint(void)
{
    switch (replay_mode) {
    case REPLAY_MODE_RECORD:
        replay_record_checkpoint();
        return !runstate_shutdown_requested();
    case REPLAY_MODE_PLAY: return replay_play_checkpoint();
    default: return true;
    }
}

int64_t replay_budget(void)
{
    if (replay_mode != REPLAY_MODE_PLAY) {
        return INT64_MAX;
    }
    if (!replay_peek() || next_ev.icount < icount.count) {
        return 0;
    }
    /* A sync event is consumed by the instruction at its count, so run through it. */
    return (int64_t)(next_ev.icount - icount.count) +
           (replay_event_is_async(next_ev.kind) ? 0 : 1);
}

bool replay_has_event_now(void)
{
    return replay_mode == REPLAY_MODE_PLAY && replay_peek() &&
           next_ev.icount == icount.count;
}

void replay_interrupt(int vector)
{
    g_autoptr(GByteArray) b = NULL;
    ReplayEvent ev;
    const uint8_t *p;
    uint64_t logged;

    if (replay_mode == REPLAY_MODE_RECORD) {
        b = g_byte_array_new();
        leb128_put_u64(b, (uint64_t)vector);
        replay_put_event(REPLAY_EV_INTERRUPT, b->data, b->len);
    } else if (replay_mode == REPLAY_MODE_PLAY &&
               replay_get_event(REPLAY_EV_INTERRUPT, &ev)) {
        p = ev.payload;
        if (!leb128_get_u64(&p, ev.payload + ev.len, &logged) ||
            logged != (uint64_t)vector) {
            replay_diverged("interrupt vector 0x%x delivered, the recording delivered "
                            "0x%" PRIx64,
                            vector, logged);
        }
    }
}

void replay_shift_change(int shift, int64_t bias)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    uint8_t s = (uint8_t)shift;

    if (replay_mode == REPLAY_MODE_RECORD) {
        g_byte_array_append(b, &s, 1);
        leb128_put_s64(b, bias);
        replay_put_event(REPLAY_EV_SHIFT, b->data, b->len);
    }
}

void replay_warp(int64_t delta_ns)
{
    g_autoptr(GByteArray) b = g_byte_array_new();

    if (replay_mode == REPLAY_MODE_RECORD && delta_ns > 0) {
        leb128_put_u64(b, (uint64_t)delta_ns);
        replay_put_event(REPLAY_EV_WARP, b->data, b->len);
    }
}

void replay_shutdown_request(int cause)
{
    uint8_t c = (uint8_t)cause;

    if (replay_mode == REPLAY_MODE_RECORD) {
        replay_put_event(REPLAY_EV_SHUTDOWN, &c, 1);
    }
}

/* --- the end --- */

static void replay_finish_record(void)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    Error *err = NULL;

    le_put_u64(b, replay_final_hash());
    replay_put_event(REPLAY_EV_END, b->data, b->len);
    if (!replay_log_writer_close(writer, &err)) {
        error_report_err(err);
    }
    writer = NULL;
}

/* The user ended the replay (quit, a signal) before the end of the log? */
static bool replay_ended_early(void)
{
    bool by_user = runstate_shutdown_cause() == SHUTDOWN_CAUSE_HOST_SIGNAL ||
                   runstate_shutdown_cause() == SHUTDOWN_CAUSE_HOST_QUIT;

    return by_user && (!replay_peek() || next_ev.kind != REPLAY_EV_END ||
                       next_ev.icount != icount.count);
}

static void replay_finish_play(void)
{
    if (diverged || log_ended || replay_ended_early()) {
        return;
    }
    if (!replay_peek() || next_ev.kind != REPLAY_EV_END) {
        g_autofree char *what = replay_describe_next();
        replay_diverged("the machine stopped, but the log continues with %s", what);
        return;
    }
    if (next_ev.icount != icount.count || next_ev.len != 8 ||
        le_get_u64(next_ev.payload) != replay_final_hash()) {
        replay_diverged("the final state differs from the recording (end event at "
                        "instruction %" PRIu64 ")",
                        next_ev.icount);
        return;
    }
    log_mask_printf(LOG_REPLAY, "replay: reached the end of the log at %" PRIu64 "\n",
                    icount.count);
}

void replay_finish(void)
{
    if (replay_mode == REPLAY_MODE_RECORD && writer) {
        replay_finish_record();
    } else if (replay_mode == REPLAY_MODE_PLAY && reader) {
        replay_finish_play();
        replay_log_reader_close(reader);
        reader = NULL;
    }
}
