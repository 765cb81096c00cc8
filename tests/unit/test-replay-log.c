/* Unit tests for the replay log format: LEB128, CRC-32C, writer, reader, event text. */
#include "config-host.h"
#include "replay/log.h"
#include "replay/replay.h"
#include "util/leb128.h"
#if CONFIG_REPLAY
#include "hw/machine.h"
#include "replay/replay-internal.h"
#endif

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_SEED 0x5eed1234u

typedef struct TestEvent {
    uint8_t kind;
    uint64_t icount;
    GBytes *payload;
} TestEvent;

/* A temporary directory holding the logs of one test. */
typedef struct Fixture {
    char *dir;
    char *path;
    GArray *events; /* TestEvent */
    int scratch_fd; /* a memfd for the thousands of damaged copies of a log */
    char scratch_path[64];
} Fixture;

/* Fails the test with the error's message, if there is one. */
static void no_error(Error *err)
{
    if (err) {
        g_error("unexpected error: %s", error_get_pretty(err));
    }
}

/* Checks that an error was set and names a file offset; frees and clears it. */
static void error_names_offset(Error **err)
{
    g_assert_nonnull(*err);
    if (!strstr(error_get_pretty(*err), "offset ")) {
        g_error("error without offset: %s", error_get_pretty(*err));
    }
    g_clear_pointer(err, error_free);
}

static void test_event_clear(gpointer data)
{
    g_bytes_unref(((TestEvent *)data)->payload);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) gerr = NULL;

    f->dir = g_dir_make_tmp("test-replay-log-XXXXXX", &gerr);
    g_assert_no_error(gerr);
    f->path = g_build_filename(f->dir, "log.bin", NULL);
    f->events = g_array_new(false, true, sizeof(TestEvent));
    g_array_set_clear_func(f->events, test_event_clear);
    f->scratch_fd = memfd_create("test-replay-log", MFD_CLOEXEC);
    g_assert_cmpint(f->scratch_fd, >=, 0);
    g_snprintf(f->scratch_path, sizeof(f->scratch_path), "/proc/self/fd/%d",
               f->scratch_fd);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *file = g_build_filename(f->dir, name, NULL);
        g_assert_cmpint(g_unlink(file), ==, 0);
    }
    g_assert_cmpint(g_rmdir(f->dir), ==, 0);
    close(f->scratch_fd);
    g_free(f->dir);
    g_free(f->path);
    g_array_unref(f->events);
}

static char *fixture_file(Fixture *f, const char *name)
{
    return g_build_filename(f->dir, name, NULL);
}

static void add_event(GArray *events, uint8_t kind, uint64_t icount, const void *payload,
                      size_t len)
{
    TestEvent ev = {kind, icount, g_bytes_new(payload, len)};

    g_array_append_val(events, ev);
}

/* Sizes mostly small, sometimes zero, sometimes tens of kilobytes. */
static size_t random_payload_size(GRand *rand)
{
    switch (g_rand_int_range(rand, 0, 20)) {
    case 0: return 0;
    case 1: return g_rand_int_range(rand, 1000, 70000);
    default: return g_rand_int_range(rand, 1, 64);
    }
}

/* Deltas mostly small, sometimes 0, sometimes beyond 32 bits. */
static uint64_t random_delta(GRand *rand)
{
    switch (g_rand_int_range(rand, 0, 10)) {
    case 0: return 0;
    case 1: return (uint64_t)g_rand_int(rand) << g_rand_int_range(rand, 8, 24);
    default: return g_rand_int_range(rand, 1, 100000);
    }
}

static void add_random_event(GArray *events, GRand *rand, uint64_t *icount)
{
    size_t len = random_payload_size(rand);
    g_autofree uint8_t *payload = g_malloc(len ? len : 1);
    bool compressible = g_rand_boolean(rand);

    for (size_t i = 0; i < len; i++) {
        payload[i] = compressible ? (uint8_t)(i / 7) : (uint8_t)g_rand_int(rand);
    }
    *icount += random_delta(rand);
    add_event(events, g_rand_int_range(rand, 1, REPLAY_EV_MAX), *icount, payload, len);
}

static void make_random_events(GArray *events, unsigned n, guint32 seed)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    uint64_t icount = 0;

    for (unsigned i = 0; i < n; i++) {
        add_random_event(events, rand, &icount);
    }
}

static ReplayLogHeader *make_header(void)
{
    ReplayLogHeader *h = replay_log_header_new();
    uint8_t sha[32];

    h->emulator_version = g_strdup("0.1.0-test");
    g_ptr_array_add(h->config_args, g_strdup("-M"));
    g_ptr_array_add(h->config_args, g_strdup("pc"));
    g_ptr_array_add(h->config_args, g_strdup("-append"));
    g_ptr_array_add(h->config_args, g_strdup("console=ttyS0 quiet \"x\""));
    for (int i = 0; i < 32; i++) {
        sha[i] = i * 7 + 1;
    }
    replay_log_header_add_image(h, "kernel", "/boot/vmlinuz", sha);
    sha[0] = 0xff;
    replay_log_header_add_image(h, "initrd", "rootfs.cpio", sha);
    h->icount_shift = g_strdup("auto");
    h->start_time_ns = 1764131234000000000ll;
    return h;
}

static void check_header(const ReplayLogHeader *got)
{
    ReplayLogHeader *want = make_header();

    g_assert_cmpuint(got->format_version, ==, REPLAY_LOG_FORMAT_VERSION);
    g_assert_cmpstr(got->emulator_version, ==, want->emulator_version);
    g_assert_cmpuint(got->config_args->len, ==, want->config_args->len);
    for (guint i = 0; i < want->config_args->len; i++) {
        g_assert_cmpstr(g_ptr_array_index(got->config_args, i), ==,
                        g_ptr_array_index(want->config_args, i));
    }
    g_assert_cmpuint(got->images->len, ==, want->images->len);
    for (guint i = 0; i < want->images->len; i++) {
        ReplayImage *a = &g_array_index(got->images, ReplayImage, i);
        ReplayImage *b = &g_array_index(want->images, ReplayImage, i);
        g_assert_cmpstr(a->role, ==, b->role);
        g_assert_cmpstr(a->path, ==, b->path);
        g_assert_cmpmem(a->sha256, 32, b->sha256, 32);
    }
    g_assert_cmpstr(got->icount_shift, ==, want->icount_shift);
    g_assert_cmpint(got->start_time_ns, ==, want->start_time_ns);
    replay_log_header_free(want);
}

static void write_events(ReplayLogWriter *w, GArray *events, guint from, guint to,
                         guint flush_every)
{
    for (guint i = from; i < to; i++) {
        TestEvent *ev = &g_array_index(events, TestEvent, i);
        Error *err = NULL;
        gsize len;
        const void *data = g_bytes_get_data(ev->payload, &len);
        replay_log_write_event(w, ev->kind, ev->icount, data, len, &err);
        no_error(err);
        if (flush_every && (i + 1) % flush_every == 0) {
            replay_log_writer_flush(w, &err);
            no_error(err);
        }
    }
}

static ReplayLogWriter *open_writer(const char *path, bool compress)
{
    ReplayLogHeader *h = make_header();
    Error *err = NULL;
    ReplayLogWriter *w = replay_log_writer_open(path, h, compress, &err);

    no_error(err);
    replay_log_header_free(h);
    return w;
}

static void write_log(const char *path, GArray *events, bool compress, guint flush_every)
{
    ReplayLogWriter *w = open_writer(path, compress);
    Error *err = NULL;

    write_events(w, events, 0, events->len, flush_every);
    replay_log_writer_close(w, &err);
    no_error(err);
}

static void check_event(const ReplayEvent *got, GArray *events, uint64_t seq)
{
    TestEvent *want;
    gsize len;
    const void *data;

    g_assert_cmpuint(seq, <, events->len);
    want = &g_array_index(events, TestEvent, seq);
    data = g_bytes_get_data(want->payload, &len);
    g_assert_cmpuint(got->seq, ==, seq);
    g_assert_cmpuint(got->kind, ==, want->kind);
    g_assert_cmpuint(got->icount, ==, want->icount);
    g_assert_cmpmem(got->payload, got->len, data, len);
}

/* Reads to the end; every event must be the expected one. Returns the read result. */
static int read_all(ReplayLogReader *r, GArray *events, uint64_t *n_read, GArray *chunks,
                    Error **errp)
{
    ReplayEvent ev;
    int ret;

    *n_read = 0;
    while ((ret = replay_log_read_event(r, &ev, errp)) > 0) {
        check_event(&ev, events, (*n_read)++);
        if (chunks && (!chunks->len || g_array_index(chunks, uint64_t, chunks->len - 1) !=
                                           ev.chunk_offset)) {
            g_array_append_val(chunks, ev.chunk_offset);
        }
    }
    return ret;
}

static ReplayLogReader *open_reader(const char *path)
{
    Error *err = NULL;
    ReplayLogReader *r = replay_log_reader_open(path, &err);

    no_error(err);
    return r;
}

/* The whole log reads back exactly, ending cleanly at the tail. */
static void check_intact(const char *path, GArray *events, GArray *chunks)
{
    ReplayLogReader *r = open_reader(path);
    Error *err = NULL;
    uint64_t n;

    check_header(replay_log_reader_header(r));
    g_assert_cmpint(read_all(r, events, &n, chunks, &err), ==, 0);
    no_error(err);
    g_assert_cmpuint(n, ==, events->len);
    g_assert_false(replay_log_reader_truncated(r));
    g_assert_cmpuint(replay_log_reader_end_offset(r), ==, replay_log_reader_file_size(r));
    /* The end is sticky. */
    g_assert_cmpint(replay_log_read_event(r, &(ReplayEvent){0}, &err), ==, 0);
    replay_log_reader_close(r);
}

static uint64_t file_size(const char *path)
{
    GStatBuf st;

    g_assert_cmpint(g_stat(path, &st), ==, 0);
    return st.st_size;
}

/* Plain stdio: g_file_set_contents() would fsync thousands of test files. */
static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    g_assert_nonnull(f);
    g_assert_cmpuint(fwrite(data, 1, len, f), ==, len);
    g_assert_cmpint(fclose(f), ==, 0);
}

/* Puts a (damaged) log in the fixture's memfd; returns a path to it. */
static const char *scratch_log(Fixture *f, const void *data, size_t len)
{
    g_assert_cmpint(ftruncate(f->scratch_fd, 0), ==, 0);
    g_assert_cmpint(pwrite(f->scratch_fd, data, len, 0), ==, len);
    return f->scratch_path;
}

/* ---- LEB128 ---- */

static void test_leb128_roundtrip(void)
{
    static const uint64_t values[] = {0,          1,
                                      127,        128,
                                      255,        300,
                                      16383,      16384,
                                      UINT32_MAX, (uint64_t)1 << 56,
                                      INT64_MAX,  (uint64_t)INT64_MAX + 1,
                                      UINT64_MAX};
    static const int64_t svalues[] = {
        0, 1, -1, 63, -64, 64, -65, INT32_MIN, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    g_autoptr(GByteArray) buf = g_byte_array_new();

    for (unsigned i = 0; i < ARRAY_SIZE(values); i++) {
        uint64_t v;
        g_byte_array_set_size(buf, 0);
        leb128_put_u64(buf, values[i]);
        const uint8_t *p = buf->data;
        g_assert_true(leb128_get_u64(&p, buf->data + buf->len, &v));
        g_assert_cmpuint(v, ==, values[i]);
        g_assert_true(p == buf->data + buf->len);
        g_assert_cmpuint(buf->len, ==,
                         values[i] ? (64 - __builtin_clzll(values[i]) + 6) / 7 : 1);
    }
    for (unsigned i = 0; i < ARRAY_SIZE(svalues); i++) {
        int64_t v;
        g_byte_array_set_size(buf, 0);
        leb128_put_s64(buf, svalues[i]);
        const uint8_t *p = buf->data;
        g_assert_true(leb128_get_s64(&p, buf->data + buf->len, &v));
        g_assert_cmpint(v, ==, svalues[i]);
        g_assert_true(p == buf->data + buf->len);
    }
}

static void test_leb128_encoding(void)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();

    leb128_put_u64(buf, 300);
    leb128_put_s64(buf, -1);
    leb128_put_s64(buf, 1);
    leb128_put_u64(buf, UINT64_MAX);
    g_assert_cmpmem(buf->data, buf->len,
                    "\xac\x02\x01\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 14);
}

static bool leb128_rejects(const char *bytes, size_t len)
{
    const uint8_t *start = (const uint8_t *)bytes, *p = start;
    uint64_t v = 12345;
    bool ok = leb128_get_u64(&p, start + len, &v);

    /* On failure neither the position nor the value moves. */
    g_assert_true(ok || (p == start && v == 12345));
    return !ok;
}

static void test_leb128_reject(void)
{
    g_assert_true(leb128_rejects("", 0));
    g_assert_true(leb128_rejects("\x80", 1));     /* truncated */
    g_assert_true(leb128_rejects("\xff\xff", 2)); /* truncated */
    g_assert_true(leb128_rejects("\x80\x00", 2)); /* overlong zero */
    g_assert_true(leb128_rejects("\xff\x00", 2)); /* overlong 127 */
    g_assert_true(leb128_rejects("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10));
    g_assert_true(leb128_rejects("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x00", 11));
    g_assert_true(leb128_rejects("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11));
    g_assert_false(leb128_rejects("\x00", 1));
    g_assert_false(leb128_rejects("\x80\x01", 2));
    g_assert_false(leb128_rejects("\x01\x80", 2)); /* stops after the first byte */
}

/* ---- CRC-32C ---- */

static uint32_t crc32c_bitwise(const uint8_t *p, size_t len)
{
    uint32_t crc = ~0u;

    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0x82f63b78u & (0 - (crc & 1)));
        }
    }
    return ~crc;
}

static void check_crc32c_vectors(void)
{
    uint8_t buf[1000];
    g_autoptr(GRand) rand = g_rand_new_with_seed(TEST_SEED);

    g_assert_cmphex(crc32c(0, "123456789", 9), ==, 0xe3069283);
    g_assert_cmphex(crc32c(0, "", 0), ==, 0);
    memset(buf, 0, 32);
    g_assert_cmphex(crc32c(0, buf, 32), ==, 0x8a9136aa); /* RFC 3720 B.4 */
    memset(buf, 0xff, 32);
    g_assert_cmphex(crc32c(0, buf, 32), ==, 0x62a8ab43);
    for (int i = 0; i < 32; i++) {
        buf[i] = i;
    }
    g_assert_cmphex(crc32c(0, buf, 32), ==, 0x46dd794e);
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = g_rand_int(rand);
    }
    for (size_t start = 0; start < 9; start++) {
        for (size_t len = 0; start + len <= sizeof(buf); len += 1 + len / 3) {
            uint32_t whole = crc32c(0, buf + start, len);
            size_t cut = len / 3;
            g_assert_cmphex(whole, ==, crc32c_bitwise(buf + start, len));
            g_assert_cmphex(
                whole, ==,
                crc32c(crc32c(0, buf + start, cut), buf + start + cut, len - cut));
        }
    }
}

static void test_crc32c(void)
{
    check_crc32c_vectors();
}

/* The table-driven path, even on hosts with SSE4.2 (a fresh process picks it). */
static void test_crc32c_software(void)
{
    if (g_test_subprocess()) {
        check_crc32c_vectors();
        return;
    }
    g_setenv("REPRISE_CRC32C_SOFTWARE", "1", true);
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_unsetenv("REPRISE_CRC32C_SOFTWARE");
    g_test_trap_assert_passed();
}

/* ---- round trips ---- */

static void check_roundtrip(Fixture *f, bool compress, unsigned n)
{
    g_autoptr(GArray) chunks = g_array_new(false, false, sizeof(uint64_t));

    make_random_events(f->events, n, TEST_SEED + n);
    write_log(f->path, f->events, compress, 0);
    check_intact(f->path, f->events, chunks);
    g_assert_cmpuint(chunks->len, >, 3);
    for (guint i = 1; i < chunks->len; i++) {
        g_assert_cmpuint(g_array_index(chunks, uint64_t, i), >,
                         g_array_index(chunks, uint64_t, i - 1));
    }
}

static void test_roundtrip_compressed(Fixture *f, gconstpointer data)
{
    g_autofree char *raw_path = fixture_file(f, "raw.bin");

    check_roundtrip(f, true, 4000);
    /* Same events uncompressed: compression must have saved space. */
    write_log(raw_path, f->events, false, 0);
    if (CONFIG_ZSTD) {
        g_assert_cmpuint(file_size(f->path), <, file_size(raw_path));
    }
}

static void test_roundtrip_uncompressed(Fixture *f, gconstpointer data)
{
    check_roundtrip(f, false, 4000);
}

/* Every kind, the largest payload, icount up to UINT64_MAX, one event per chunk. */
static void test_roundtrip_extremes(Fixture *f, gconstpointer data)
{
    size_t max = REPLAY_LOG_MAX_CHUNK - 21;
    g_autofree uint8_t *big = g_malloc0(max);
    uint64_t icount = 0;

    for (uint8_t kind = 1; kind < REPLAY_EV_MAX; kind++) {
        add_event(f->events, kind, icount, "", 0);
        add_event(f->events, kind, icount += 1, "x", 1);
        icount += (uint64_t)1 << 59; /* 16 kinds stay below UINT64_MAX */
    }
    big[max - 1] = 0xaa;
    add_event(f->events, REPLAY_EV_NET, icount, big, max);
    add_event(f->events, REPLAY_EV_RANDOM, icount, "y", 1);
    add_event(f->events, REPLAY_EV_NET, icount, big, max);
    add_event(f->events, REPLAY_EV_END, UINT64_MAX, "12345678", 8);
    add_event(f->events, REPLAY_EV_END, UINT64_MAX, "12345678", 8);
    write_log(f->path, f->events, true, 0);
    check_intact(f->path, f->events, NULL);
    write_log(f->path, f->events, false, 1);
    check_intact(f->path, f->events, NULL);
}

static void test_empty_log(Fixture *f, gconstpointer data)
{
    ReplayLogHeader *h = replay_log_header_new();
    Error *err = NULL;
    ReplayLogWriter *w = replay_log_writer_open(f->path, h, true, &err);
    ReplayLogReader *r;
    const ReplayLogHeader *got;
    ReplayEvent ev;

    no_error(err);
    replay_log_writer_close(w, &err);
    no_error(err);
    r = open_reader(f->path);
    got = replay_log_reader_header(r);
    g_assert_null(got->emulator_version);
    g_assert_null(got->icount_shift);
    g_assert_cmpuint(got->config_args->len, ==, 0);
    g_assert_cmpuint(got->images->len, ==, 0);
    g_assert_cmpint(got->start_time_ns, ==, 0);
    g_assert_cmpint(replay_log_read_event(r, &ev, &err), ==, 0);
    no_error(err);
    g_assert_false(replay_log_reader_truncated(r));
    replay_log_reader_close(r);
    replay_log_header_free(h);
}

static void test_writer_rejects(Fixture *f, gconstpointer data)
{
    ReplayLogWriter *w = open_writer(f->path, true);
    g_autofree uint8_t *big = g_malloc0(REPLAY_LOG_MAX_CHUNK);
    Error *err = NULL;

    add_event(f->events, REPLAY_EV_CLOCK, 100, "\x00\x02", 2);
    write_events(w, f->events, 0, 1, 0);
    g_assert_false(replay_log_write_event(w, REPLAY_EV_CLOCK, 99, "", 0, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "99"));
    g_clear_pointer(&err, error_free);
    g_assert_false(replay_log_write_event(w, 0, 100, "", 0, &err));
    g_clear_pointer(&err, error_free);
    g_assert_false(replay_log_write_event(w, REPLAY_EV_MAX, 100, "", 0, &err));
    g_clear_pointer(&err, error_free);
    g_assert_false(replay_log_write_event(w, REPLAY_EV_NET, 100, big,
                                          REPLAY_LOG_MAX_CHUNK - 20, &err));
    g_clear_pointer(&err, error_free);
    /* A rejected event leaves the log as it was. */
    add_event(f->events, REPLAY_EV_WARP, 100, "\x05", 1);
    write_events(w, f->events, 1, 2, 0);
    replay_log_writer_close(w, &err);
    no_error(err);
    check_intact(f->path, f->events, NULL);
}

/* Write errors come back as errors; /dev/full fails the first write, the header. */
static void test_writer_write_error(void)
{
    ReplayLogHeader *h = make_header();
    Error *err = NULL;

    if (!g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
        g_test_skip("no /dev/full");
        replay_log_header_free(h);
        return;
    }
    g_assert_null(replay_log_writer_open("/dev/full", h, true, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "/dev/full"));
    g_assert_nonnull(strstr(error_get_pretty(err), g_strerror(ENOSPC)));
    error_free(err);
    replay_log_header_free(h);
}

/* In a child whose files may not exceed 8 KiB: the writer reports the failure and stays
 * failed. */
static int write_past_file_limit(Fixture *f)
{
    struct rlimit limit = {8192, 8192};
    ReplayLogWriter *w = open_writer(f->path, false);
    Error *err = NULL;
    bool flushed = true;

    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &limit);
    for (guint i = 0; i < f->events->len && flushed; i++) {
        write_events(w, f->events, i, i + 1, 0);
        flushed = replay_log_writer_flush(w, &err);
    }
    if (flushed || !strstr(error_get_pretty(err), g_strerror(EFBIG))) {
        return 1;
    }
    g_clear_pointer(&err, error_free);
    if (replay_log_write_event(w, REPLAY_EV_WARP, UINT64_MAX, "\x01", 1, &err)) {
        return 2;
    }
    g_clear_pointer(&err, error_free);
    return replay_log_writer_close(w, &err) || !err ? 3 : 0;
}

/* What a writer that failed midway left is a readable, truncated log. */
static void test_writer_fails_midway(Fixture *f, gconstpointer data)
{
    ReplayLogReader *r;
    Error *err = NULL;
    uint64_t n;
    pid_t pid;
    int status;

    make_random_events(f->events, 500, TEST_SEED);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        _exit(write_past_file_limit(f));
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    r = open_reader(f->path);
    g_assert_cmpint(read_all(r, f->events, &n, NULL, &err), ==, 0);
    no_error(err);
    g_assert_cmpuint(n, >, 0);
    g_assert_cmpuint(n, <, f->events->len);
    g_assert_true(replay_log_reader_truncated(r));
    replay_log_reader_close(r);
}

/* ---- logs cut short ---- */

/* A recorder killed after a flush: the flushed events read back, then a flagged end. */
static void test_flush_then_kill(Fixture *f, gconstpointer data)
{
    ReplayLogReader *r;
    Error *err = NULL;
    uint64_t n;
    pid_t pid;
    int status;

    make_random_events(f->events, 2000, TEST_SEED);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        ReplayLogWriter *w = open_writer(f->path, true);
        write_events(w, f->events, 0, 2000, 0);
        replay_log_writer_flush(w, &err);
        uint64_t icount = g_array_index(f->events, TestEvent, 1999).icount;
        for (int i = 0; i < 10 && !err; i++) { /* small, never flushed: lost */
            replay_log_write_event(w, REPLAY_EV_WARP, icount + i, "\x01", 1, &err);
        }
        _exit(err ? 1 : 0);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    r = open_reader(f->path);
    g_assert_cmpint(read_all(r, f->events, &n, NULL, &err), ==, 0);
    no_error(err);
    g_assert_cmpuint(n, ==, 2000);
    g_assert_true(replay_log_reader_truncated(r));
    g_assert_cmpuint(replay_log_reader_end_offset(r), ==, file_size(f->path));
    replay_log_reader_close(r);
}

/* A copy taken while the writer is still open sees exactly what was flushed. */
static void test_flush_then_copy(Fixture *f, gconstpointer data)
{
    g_autofree char *copy = fixture_file(f, "copy.bin");
    g_autofree char *bytes = NULL;
    ReplayLogWriter *w = open_writer(f->path, false);
    ReplayLogReader *r;
    Error *err = NULL;
    gsize len;
    uint64_t n;

    make_random_events(f->events, 500, TEST_SEED);
    write_events(w, f->events, 0, 300, 0);
    replay_log_writer_flush(w, &err);
    no_error(err);
    write_events(w, f->events, 300, 500, 0);
    g_assert_true(g_file_get_contents(f->path, &bytes, &len, NULL));
    write_file(copy, bytes, len);
    replay_log_writer_close(w, &err);
    no_error(err);

    r = open_reader(copy);
    g_assert_cmpint(read_all(r, f->events, &n, NULL, &err), ==, 0);
    no_error(err);
    /* Later chunks may have filled up and been written too, but never the last. */
    g_assert_cmpuint(n, >=, 300);
    g_assert_cmpuint(n, <, 500);
    g_assert_true(replay_log_reader_truncated(r));
    g_assert_cmpuint(replay_log_reader_end_offset(r), ==, len);
    replay_log_reader_close(r);
    check_intact(f->path, f->events, NULL);
}

/* A small log with several chunks: 3 events per chunk, the last chunk partial. */
static void make_small_log(Fixture *f, bool compress, GArray *chunk_ends)
{
    g_autoptr(GArray) chunks = g_array_new(false, false, sizeof(uint64_t));
    g_autofree char *bytes = NULL;
    uint64_t index_offset;
    gsize len;

    add_event(f->events, REPLAY_EV_CLOCK, 0, "\x00\x80\x01", 3);
    add_event(f->events, REPLAY_EV_CHAR_READ, 10, "\x00hello, hello", 13);
    add_event(f->events, REPLAY_EV_RANDOM, 10, "", 0);
    add_event(f->events, REPLAY_EV_CHECKPOINT, 1000000,
              "\x00\x01\x02\x03\x04\x05\x06\x07\x08", 9);
    add_event(f->events, REPLAY_EV_NET, 5000000000ull, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
              32);
    add_event(f->events, REPLAY_EV_WARP, 5000000001ull, "\x7f", 1);
    add_event(f->events, REPLAY_EV_END, 5000000001ull, "\x01\x02\x03\x04\x05\x06\x07\x08",
              8);
    write_log(f->path, f->events, compress, 3);
    check_intact(f->path, f->events, chunks);
    g_assert_cmpuint(chunks->len, ==, 3);
    g_assert_true(g_file_get_contents(f->path, &bytes, &len, NULL));
    memcpy(&index_offset, bytes + len - 8, 8);
    index_offset = GUINT64_FROM_LE(index_offset);
    for (guint i = 1; i < chunks->len; i++) {
        g_array_append_val(chunk_ends, g_array_index(chunks, uint64_t, i));
    }
    g_array_append_val(chunk_ends, index_offset);
}

/* Events in whole chunks that end at or before len (3 per chunk). */
static uint64_t readable_events(GArray *chunk_ends, uint64_t len, uint64_t total,
                                uint64_t *end_offset)
{
    uint64_t n = 0;

    for (guint i = 0; i < chunk_ends->len; i++) {
        if (g_array_index(chunk_ends, uint64_t, i) <= len) {
            n = MIN_U64((i + 1) * 3, total);
            *end_offset = g_array_index(chunk_ends, uint64_t, i);
        }
    }
    return n;
}

static void check_truncated_at(Fixture *f, const char *bytes, uint64_t len,
                               GArray *chunk_ends, uint64_t header_end)
{
    const char *cut = scratch_log(f, bytes, len);
    uint64_t n, end = header_end;
    uint64_t want = readable_events(chunk_ends, len, f->events->len, &end);
    Error *err = NULL;
    ReplayLogReader *r;

    r = replay_log_reader_open(cut, &err);
    if (len < header_end) {
        g_assert_null(r);
        error_names_offset(&err);
        return;
    }
    no_error(err);
    g_assert_cmpint(read_all(r, f->events, &n, NULL, &err), ==, 0);
    no_error(err);
    g_assert_cmpuint(n, ==, want);
    g_assert_true(replay_log_reader_truncated(r));
    g_assert_cmpuint(replay_log_reader_end_offset(r), ==, end);
    replay_log_reader_close(r);
}

static void check_truncation_everywhere(Fixture *f, bool compress)
{
    g_autoptr(GArray) chunk_ends = g_array_new(false, false, sizeof(uint64_t));
    g_autofree char *bytes = NULL;
    ReplayLogReader *r;
    uint64_t header_end;
    gsize len;

    make_small_log(f, compress, chunk_ends);
    g_assert_true(g_file_get_contents(f->path, &bytes, &len, NULL));
    r = open_reader(f->path);
    header_end = replay_log_reader_end_offset(r); /* before any chunk is read */
    replay_log_reader_close(r);
    for (uint64_t cut = 0; cut < len; cut++) {
        check_truncated_at(f, bytes, cut, chunk_ends, header_end);
    }
}

static void test_truncate_everywhere(Fixture *f, gconstpointer data)
{
    check_truncation_everywhere(f, GPOINTER_TO_INT(data));
}

/* ---- corruption ---- */

typedef struct CorruptCase {
    Fixture *f;
    const char *bytes; /* the intact log */
    gsize len;
    GArray *zstd_ranges; /* uint64_t pairs: [start, end) of zstd-compressed data */
    unsigned tries;
    unsigned harmless; /* flips that zstd ignores: every event came back unchanged */
} CorruptCase;

static uint32_t le32_at(const char *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

/* Where the zstd-compressed chunk data lies, walking the chunk headers (36 bytes). */
static GArray *find_zstd_ranges(const char *bytes, gsize len)
{
    GArray *ranges = g_array_new(false, false, sizeof(uint64_t));
    uint64_t off = 16 + le32_at(bytes + 12) + 4;

    while (off + 36 <= len && !memcmp(bytes + off, "CHNK", 4)) {
        uint64_t start = off + 36, end = start + le32_at(bytes + off + 8);
        if (bytes[off + 4] == 1) {
            g_array_append_val(ranges, start);
            g_array_append_val(ranges, end);
        }
        off = end;
    }
    return ranges;
}

static bool in_zstd_data(const CorruptCase *c, uint64_t offset)
{
    for (guint i = 0; i < c->zstd_ranges->len; i += 2) {
        if (offset >= g_array_index(c->zstd_ranges, uint64_t, i) &&
            offset < g_array_index(c->zstd_ranges, uint64_t, i + 1)) {
            return true;
        }
    }
    return false;
}

/*
 * zstd does not read every bit of a frame (the frame header's unused bit, padding),
 * so a flip there decompresses to the same bytes: the raw CRC matches and every
 * event is unchanged. That, and only that, may pass.
 */
static bool flips_harmless(const CorruptCase *c, GArray *flips, int ret, uint64_t n,
                           ReplayLogReader *r)
{
    for (guint i = 0; i < flips->len; i += 2) {
        if (!in_zstd_data(c, g_array_index(flips, uint64_t, i))) {
            return false;
        }
    }
    return ret == 0 && n == c->f->events->len && !replay_log_reader_truncated(r);
}

/*
 * The log with the given bytes flipped (flips: offset, xor pairs) must fail to open
 * or fail to read, with an error naming an offset; every event handed out before that
 * must be a true one. Reserved bytes must be zero and the trailer is checked whole, so
 * no byte outside zstd's data is exempt.
 */
static void check_corrupt(CorruptCase *c, GArray *flips)
{
    g_autofree char *copy = g_memdup2(c->bytes, c->len);
    Error *err = NULL;
    ReplayLogReader *r;
    uint64_t n;
    int ret;

    c->tries++;
    for (guint i = 0; i < flips->len; i += 2) {
        copy[g_array_index(flips, uint64_t, i)] ^= g_array_index(flips, uint64_t, i + 1);
    }
    r = replay_log_reader_open(scratch_log(c->f, copy, c->len), &err);
    if (!r) {
        error_names_offset(&err);
        return;
    }
    ret = read_all(r, c->f->events, &n, NULL, &err);
    if (ret != -1) {
        if (!flips_harmless(c, flips, ret, n, r)) {
            g_error("corruption at offset %" PRIu64 " not detected",
                    g_array_index(flips, uint64_t, 0));
        }
        c->harmless++;
        replay_log_reader_close(r);
        return;
    }
    error_names_offset(&err);
    /* A corrupt reader stays failed. */
    g_assert_cmpint(replay_log_read_event(r, &(ReplayEvent){0}, &err), ==, -1);
    error_free(err);
    replay_log_reader_close(r);
}

static void corrupt_case_init(CorruptCase *c, Fixture *f, char **bytes)
{
    g_assert_true(g_file_get_contents(f->path, bytes, &c->len, NULL));
    c->f = f;
    c->bytes = *bytes;
    c->zstd_ranges = find_zstd_ranges(c->bytes, c->len);
    c->tries = c->harmless = 0;
}

static void corrupt_case_finish(CorruptCase *c)
{
    g_test_message("%u of %u corruptions changed nothing zstd reads", c->harmless,
                   c->tries);
    g_assert_cmpuint(c->harmless * 50, <=, c->tries);
    g_array_unref(c->zstd_ranges);
}

static void check_corrupt_byte(CorruptCase *c, uint64_t offset, uint64_t xor)
{
    g_autoptr(GArray) flips = g_array_new(false, false, sizeof(uint64_t));

    g_array_append_val(flips, offset);
    g_array_append_val(flips, xor);
    check_corrupt(c, flips);
}

static void test_corrupt_every_byte(Fixture *f, gconstpointer data)
{
    static const uint64_t xors[] = {0x01, 0x80, 0xff, 0x10};
    g_autoptr(GArray) chunk_ends = g_array_new(false, false, sizeof(uint64_t));
    g_autofree char *bytes = NULL;
    CorruptCase c;

    make_small_log(f, GPOINTER_TO_INT(data), chunk_ends);
    corrupt_case_init(&c, f, &bytes);
    for (uint64_t offset = 0; offset < c.len; offset++) {
        for (unsigned i = 0; i < ARRAY_SIZE(xors); i++) {
            check_corrupt_byte(&c, offset, xors[i]);
        }
    }
    if (!GPOINTER_TO_INT(data)) {
        g_assert_cmpuint(c.harmless, ==, 0);
    }
    corrupt_case_finish(&c);
}

/* Random bit flips, one to three at a time, in a log of a megabyte or two. */
static void test_corrupt_random_bits(Fixture *f, gconstpointer data)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(TEST_SEED);
    g_autofree char *bytes = NULL;
    CorruptCase c;

    make_random_events(f->events, 1000, TEST_SEED);
    write_log(f->path, f->events, GPOINTER_TO_INT(data), 0);
    corrupt_case_init(&c, f, &bytes);
    for (int round = 0; round < 300; round++) {
        g_autoptr(GArray) flips = g_array_new(false, false, sizeof(uint64_t));
        int n_flips = g_rand_int_range(rand, 1, 4);
        for (int i = 0; i < n_flips; i++) {
            uint64_t offset = g_rand_int_range(rand, 0, c.len);
            uint64_t xor = 1u << g_rand_int_range(rand, 0, 8);
            g_array_append_val(flips, offset);
            g_array_append_val(flips, xor);
        }
        check_corrupt(&c, flips);
    }
    corrupt_case_finish(&c);
}

static void test_trailing_garbage(Fixture *f, gconstpointer data)
{
    g_autoptr(GArray) chunk_ends = g_array_new(false, false, sizeof(uint64_t));
    g_autofree char *bytes = NULL;
    g_autofree char *longer = NULL;
    g_autofree char *path = fixture_file(f, "long.bin");
    ReplayLogReader *r;
    Error *err = NULL;
    uint64_t n;
    gsize len;

    make_small_log(f, true, chunk_ends);
    g_assert_true(g_file_get_contents(f->path, &bytes, &len, NULL));
    longer = g_malloc0(len + 1);
    memcpy(longer, bytes, len);
    write_file(path, longer, len + 1);
    r = open_reader(path);
    g_assert_cmpint(read_all(r, f->events, &n, NULL, &err), ==, -1);
    g_assert_cmpuint(n, ==, f->events->len);
    error_names_offset(&err);
    replay_log_reader_close(r);
}

/* ---- hand-made files: header records ---- */

static void put_le32(GByteArray *out, uint32_t v)
{
    uint32_t le = GUINT32_TO_LE(v);

    g_byte_array_append(out, (const uint8_t *)&le, 4);
}

/* A log with the given raw header bytes and no chunks. */
static void write_raw_header_log(const char *path, const void *header, size_t len,
                                 uint32_t version)
{
    g_autoptr(GByteArray) out = g_byte_array_new();

    g_byte_array_append(out, (const uint8_t *)"REPRISE", 8);
    put_le32(out, version);
    put_le32(out, len);
    g_byte_array_append(out, header, len);
    put_le32(out, crc32c(0, header, len));
    write_file(path, out->data, out->len);
}

static ReplayLogReader *open_raw_header(Fixture *f, const void *header, size_t len,
                                        Error **errp)
{
    write_raw_header_log(f->path, header, len, REPLAY_LOG_FORMAT_VERSION);
    return replay_log_reader_open(f->path, errp);
}

static void test_header_unknown_tag(Fixture *f, gconstpointer data)
{
    /* tag 99 (two bytes) with 3 bytes, then the emulator version, then tag 6 empty. */
    static const char header[] = "\xe3\x00\x03xyz"
                                 "\x01\x02v1"
                                 "\x06\x00";
    Error *err = NULL;
    ReplayLogReader *r;
    ReplayEvent ev;

    r = open_raw_header(f, "\x63\x03xyz\x01\x02v1\x06\x00", 11, &err);
    no_error(err);
    g_assert_cmpstr(replay_log_reader_header(r)->emulator_version, ==, "v1");
    /* No chunks and no tail: a log cut short right after its header. */
    g_assert_cmpint(replay_log_read_event(r, &ev, &err), ==, 0);
    g_assert_true(replay_log_reader_truncated(r));
    replay_log_reader_close(r);
    /* The overlong tag above is malformed. */
    g_assert_null(open_raw_header(f, header, sizeof(header) - 1, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "offset 16"));
    error_free(err);
}

static void check_bad_header(Fixture *f, const char *header, size_t len,
                             const char *want_offset)
{
    Error *err = NULL;

    g_assert_null(open_raw_header(f, header, len, &err));
    g_assert_nonnull(err);
    if (!strstr(error_get_pretty(err), want_offset)) {
        g_error("expected '%s' in: %s", want_offset, error_get_pretty(err));
    }
    error_free(err);
}

static void test_header_malformed(Fixture *f, gconstpointer data)
{
    check_bad_header(f, "\x01\x05v1", 4, "offset 16");             /* length past end */
    check_bad_header(f, "\x01\x02v1\x01\x02v2", 8, "offset 20");   /* repeated version */
    check_bad_header(f, "\x01\x02v1\x02\x03a\0b", 9, "offset 20"); /* NUL in string */
    check_bad_header(f, "\x05\x02\x80\x00", 4, "offset 16");       /* overlong svarint */
    check_bad_header(f, "\x05\x02\x02\x02", 4, "offset 16");       /* trailing byte */
    check_bad_header(f, "\x03\x05k\x00p\x00\x00", 7, "offset 16"); /* image: short hash */
    check_bad_header(f, "\x02", 1, "offset 16");                   /* record cut short */
}

/* An image record: role "bios", path "a", optionally a stray NUL, then the hash. */
static GByteArray *image_record(bool stray_nul)
{
    GByteArray *rec = g_byte_array_new();
    uint8_t len = 7 + stray_nul + 32;

    g_byte_array_append(rec, (const uint8_t *)"\x03", 1);
    g_byte_array_append(rec, &len, 1);
    g_byte_array_append(rec, (const uint8_t *)"bios\0a\0\0", 7 + stray_nul);
    for (uint8_t i = 0; i < 32; i++) {
        g_byte_array_append(rec, &i, 1);
    }
    return rec;
}

static void test_header_image_layout(Fixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) rec = image_record(false);
    g_autoptr(GByteArray) bad = image_record(true);
    Error *err = NULL;
    ReplayLogReader *r;
    const ReplayImage *img;

    r = open_raw_header(f, rec->data, rec->len, &err);
    no_error(err);
    img = &g_array_index(replay_log_reader_header(r)->images, ReplayImage, 0);
    g_assert_cmpstr(img->role, ==, "bios");
    g_assert_cmpstr(img->path, ==, "a");
    g_assert_cmpuint(img->sha256[31], ==, 31);
    replay_log_reader_close(r);
    check_bad_header(f, (const char *)bad->data, bad->len, "offset 16");
}

static void test_bad_version(Fixture *f, gconstpointer data)
{
    Error *err = NULL;

    write_raw_header_log(f->path, "", 0, REPLAY_LOG_FORMAT_VERSION + 1);
    g_assert_null(replay_log_reader_open(f->path, &err));
    g_autofree char *found = g_strdup_printf("version %u", REPLAY_LOG_FORMAT_VERSION + 1);
    g_autofree char *supported = g_strdup_printf("version %u", REPLAY_LOG_FORMAT_VERSION);
    g_assert_nonnull(strstr(error_get_pretty(err), found));
    g_assert_nonnull(strstr(error_get_pretty(err), supported));
    error_free(err);
}

static void test_open_errors(Fixture *f, gconstpointer data)
{
    g_autofree char *missing = fixture_file(f, "missing.bin");
    Error *err = NULL;

    g_assert_null(replay_log_reader_open(missing, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "missing.bin"));
    g_clear_pointer(&err, error_free);
    write_file(f->path, "hello, this is not a replay log at all", 38);
    g_assert_null(replay_log_reader_open(f->path, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "bad magic"));
    g_clear_pointer(&err, error_free);
    g_assert_null(replay_log_reader_open(f->dir, &err));
    error_free(err);
}

/* ---- event kinds and payload text ---- */

static void test_kind_names(void)
{
    static const char *const names[] = {
        NULL,         "clock",     "random",   "char-read", "char-write", "input",
        "net",        "audio-out", "audio-in", "async",     "shift",      "warp",
        "checkpoint", "interrupt", "shutdown", "end",       "char-event"};

    G_STATIC_ASSERT(ARRAY_SIZE(names) == REPLAY_EV_MAX);
    for (unsigned k = 1; k < REPLAY_EV_MAX; k++) {
        g_assert_cmpstr(replay_event_kind_name(k), ==, names[k]);
        g_assert_cmpint(replay_event_kind_from_name(names[k]), ==, k);
    }
    g_assert_null(replay_event_kind_name(0));
    g_assert_null(replay_event_kind_name(REPLAY_EV_MAX));
    g_assert_null(replay_event_kind_name(1000));
    g_assert_cmpint(replay_event_kind_from_name("bogus"), ==, -1);
    g_assert_cmpint(replay_event_kind_from_name(""), ==, -1);
    g_assert_cmpint(replay_event_kind_from_name("Clock"), ==, -1);
}

static void check_describe(unsigned kind, const char *payload, size_t len,
                           const char *want)
{
    g_autoptr(GString) out = g_string_new(NULL);
    Error *err = NULL;

    g_assert_true(replay_event_describe(kind, (const uint8_t *)payload, len, out, &err));
    no_error(err);
    g_assert_cmpstr(out->str, ==, want);
}

static void check_malformed(unsigned kind, const char *payload, size_t len)
{
    g_autoptr(GString) out = g_string_new("kept");
    Error *err = NULL;

    if (replay_event_describe(kind, (const uint8_t *)payload, len, out, &err)) {
        g_error("kind %u: malformed payload accepted: %s", kind, out->str);
    }
    g_assert_nonnull(err);
    g_assert_cmpstr(out->str, ==, "kept");
    error_free(err);
}

static void test_describe_valid(void)
{
    check_describe(REPLAY_EV_CLOCK, "\x00\x80\xd0\xee\xbb\xd6\x80\xba\xfb\x30", 10,
                   "clock host=1764131234000000000");
    check_describe(REPLAY_EV_CLOCK, "\x01\x03", 2, "clock virtual-rt=-2");
    check_describe(REPLAY_EV_RANDOM, "\x12\xab", 2, "random 2 bytes: 12ab");
    check_describe(REPLAY_EV_RANDOM, "", 0, "random 0 bytes");
    check_describe(
        REPLAY_EV_NET, "0123456789012345678901234567890123", 34,
        "net 34 bytes: 3031323334353637383930313233343536373839303132333435363738"
        "393031...");
    check_describe(REPLAY_EV_CHAR_READ,
                   "\x00"
                   "ab\n",
                   4, "char-read fe=0 \"ab\\n\"");
    check_describe(REPLAY_EV_CHAR_READ, "\x03\"\\\x01\xff\t\r", 7,
                   "char-read fe=3 \"\\\"\\\\\\x01\\xff\\t\\r\"");
    check_describe(REPLAY_EV_CHAR_WRITE, "\x01\x10", 2, "char-write fe=1 accepted=16");
    check_describe(REPLAY_EV_SHIFT, "\x03\x01", 2, "shift shift=3 bias=-1");
    check_describe(REPLAY_EV_WARP, "\xe8\x07", 2, "warp ns=1000");
    check_describe(REPLAY_EV_CHECKPOINT, "\x00\xef\xcd\xab\x89\x67\x45\x23\x01", 9,
                   "checkpoint cpu=0123456789abcdef");
    /* RAM hash 1, two changed pages (3 and 5), one device hash 2. */
    check_describe(REPLAY_EV_CHECKPOINT,
                   "\x01\xef\xcd\xab\x89\x67\x45\x23\x01\x01\x00\x00\x00\x00\x00\x00\x00"
                   "\x02\x03\xaa\xbb\xcc\xdd\x01\x11\x22\x33\x44"
                   "\x01\x02\x00\x00\x00\x00\x00\x00\x00",
                   37,
                   "checkpoint cpu=0123456789abcdef ram=0000000000000001 changed-pages=2 "
                   "devices=1");
    check_describe(REPLAY_EV_CHAR_EVENT, "\x02\x02", 2, "char-event fe=2 break");
    check_describe(REPLAY_EV_INTERRUPT, "\xff\x01", 2, "interrupt vector=255");
    check_describe(REPLAY_EV_SHUTDOWN, "\x03", 1, "shutdown cause=guest-exit");
    check_describe(REPLAY_EV_END, "\x00\x00\x00\x00\x00\x00\x00\x80", 8,
                   "end cpu=8000000000000000");
    check_describe(REPLAY_EV_ASYNC, "", 0, "async 0 bytes");
}

static void test_describe_malformed(void)
{
    check_malformed(0, "", 0);
    check_malformed(REPLAY_EV_MAX, "", 0);
    check_malformed(REPLAY_EV_CLOCK, "", 0);
    check_malformed(REPLAY_EV_CLOCK, "\x00", 1);
    check_malformed(REPLAY_EV_CLOCK, "\x02\x00", 2);     /* unknown clock */
    check_malformed(REPLAY_EV_CLOCK, "\x00\x00\x00", 3); /* trailing byte */
    check_malformed(REPLAY_EV_CLOCK, "\x00\x80\x00", 3); /* overlong */
    check_malformed(REPLAY_EV_CHAR_READ, "", 0);
    check_malformed(REPLAY_EV_CHAR_READ, "\x80\x80\x80\x80\x08", 5); /* fe > INT32_MAX */
    check_malformed(REPLAY_EV_CHAR_WRITE, "\x00", 1);
    check_malformed(REPLAY_EV_CHAR_WRITE, "\x00\x01\x00", 3);
    check_malformed(REPLAY_EV_SHIFT, "\x40\x00", 2);
    check_malformed(REPLAY_EV_SHIFT, "\x01", 1);
    check_malformed(REPLAY_EV_WARP, "", 0);
    check_malformed(REPLAY_EV_WARP, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
    check_malformed(REPLAY_EV_CHECKPOINT, "\x00\x01\x02\x03\x04\x05\x06\x07", 8);
    check_malformed(REPLAY_EV_CHECKPOINT, "\x02\x01\x02\x03\x04\x05\x06\x07\x08", 9);
    check_malformed(REPLAY_EV_CHECKPOINT, "\x01\x01\x02\x03\x04\x05\x06\x07\x08", 9);
    check_malformed(REPLAY_EV_CHECKPOINT, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09", 10);
    /* A machine part whose device count promises more hashes than there are. */
    check_malformed(REPLAY_EV_CHECKPOINT,
                    "\x01\x01\x02\x03\x04\x05\x06\x07\x08\x01\x00\x00\x00\x00\x00\x00\x00"
                    "\x00\x02\x02\x00\x00\x00\x00\x00\x00\x00",
                    27);
    check_malformed(REPLAY_EV_CHAR_EVENT, "\x00", 1);
    check_malformed(REPLAY_EV_CHAR_EVENT, "\x00\x07", 2);
    check_malformed(REPLAY_EV_INTERRUPT, "\x80\x02", 2);
    check_malformed(REPLAY_EV_INTERRUPT, "", 0);
    check_malformed(REPLAY_EV_SHUTDOWN, "\x63", 1);
    check_malformed(REPLAY_EV_SHUTDOWN, "\x01\x01", 2);
    check_malformed(REPLAY_EV_END, "\x01\x02\x03\x04\x05\x06\x07", 7);
}

/* describe() appends to what the caller already has in the string. */
static void test_describe_appends(void)
{
    g_autoptr(GString) out = g_string_new("#1 ");
    Error *err = NULL;

    g_assert_true(
        replay_event_describe(REPLAY_EV_WARP, (const uint8_t *)"\x01", 1, out, &err));
    no_error(err);
    g_assert_cmpstr(out->str, ==, "#1 warp ns=1");
}

#define ADD_FIXTURE_TEST(path, func, data)                                               \
    g_test_add(path, Fixture, data, fixture_setup, func, fixture_teardown)

/* ---- entering a log at an icount through its index ---- */

static void test_skip_to_icount(Fixture *f, gconstpointer data)
{
    GRand *rand = g_rand_new_with_seed(TEST_SEED);
    Error *err = NULL;

    make_random_events(f->events, 3000, TEST_SEED);
    write_log(f->path, f->events, true, 40);
    for (int round = 0; round < 50; round++) {
        uint64_t last = g_array_index(f->events, TestEvent, f->events->len - 1).icount;
        uint64_t target = round == 0 ? 0
                          : round == 1
                              ? last + 1
                              : g_array_index(f->events, TestEvent,
                                              g_rand_int_range(rand, 0, f->events->len))
                                    .icount;
        ReplayLogReader *r = open_reader(f->path);
        ReplayEvent ev;
        uint64_t seq = 0, n = 0;
        bool first = true;

        g_assert_true(replay_log_reader_skip_to_icount(r, target));
        while (replay_log_read_event(r, &ev, &err) > 0) {
            if (first) {
                seq = ev.seq;
                first = false;
                /* Nothing at target or later was skipped. */
                g_assert_true(seq == 0 ||
                              g_array_index(f->events, TestEvent, seq - 1).icount <
                                  target);
                /* Past the end: only the last chunk is read. */
                g_assert_true(round != 1 || seq > f->events->len - 100);
            }
            check_event(&ev, f->events, seq + n++);
        }
        no_error(err);
        g_assert_cmpuint(seq + n, ==, f->events->len);
        /* The trailer still checks out, with the skipped chunks taken from the index. */
        g_assert_false(replay_log_reader_truncated(r));
        replay_log_reader_close(r);
    }
    g_rand_free(rand);
}

static void test_skip_without_index(Fixture *f, gconstpointer data)
{
    g_autofree char *bytes = NULL;
    gsize len;
    ReplayLogReader *r;
    ReplayEvent ev;
    Error *err = NULL;

    make_random_events(f->events, 500, TEST_SEED);
    write_log(f->path, f->events, false, 50);
    g_assert_true(g_file_get_contents(f->path, &bytes, &len, NULL));
    write_file(f->path, bytes, len - 1); /* the tail is gone */
    r = open_reader(f->path);
    g_assert_false(replay_log_reader_skip_to_icount(r, 1000000));
    g_assert_cmpint(replay_log_read_event(r, &ev, &err), ==, 1);
    g_assert_cmpuint(ev.seq, ==, 0);
    replay_log_reader_close(r);
}

#if CONFIG_REPLAY
/* ---- machine digests in checkpoints (replay/replay-hash.c) ---- */

/* Check m against a digest; returns the explanation ("" if equal). */
static char *digest_check(Machine *m, const GByteArray *digest)
{
    GString *why = g_string_new(NULL);
    int r = replay_hash_check_machine(m, digest->data, digest->data + digest->len, why);

    g_assert_cmpint(r, >=, 0);
    g_assert_cmpint(r, ==, why->len == 0);
    return g_string_free(why, false);
}

static GByteArray *digest_take(Machine *m)
{
    GByteArray *b = g_byte_array_new();

    replay_hash_put_machine(b, m);
    return b;
}

/*
 * One process plays both sides here, so the tables of record and replay are the same
 * static table: each digest is taken, then checked against the machine it was taken
 * from (equal) or against a changed one (named), as a replay would.
 */
static void test_digest_names_page_and_device(void)
{
    Machine *m = machine_new("test", 1 << 20);
    g_autoptr(GByteArray) d1 = NULL;
    g_autoptr(GByteArray) d2 = NULL;
    g_autofree char *why = NULL;

    g_assert_nonnull(machine_add_device(m, "ioport80", "iobase=0x80", NULL));
    m->ram.ram[0x3456] = 0x11;
    d1 = digest_take(m);
    why = digest_check(m, d1);
    g_assert_cmpstr(why, ==, "");
    g_clear_pointer(&why, g_free);

    /* Only changed pages travel: page 3 was logged before, page 5 is new. */
    m->ram.ram[0x5000] = 0x22;
    d2 = digest_take(m);
    g_assert_cmpuint(d2->len, <, d1->len + 8);
    m->ram.ram[0x5000] = 0x23;
    m->ram.ram[0xf0001] = 0x01;
    address_space_st(&m->io, 0x80, 0x5a, 1);
    why = digest_check(m, d2);
    g_assert_nonnull(strstr(why, "RAM page at guest-physical 0x5000"));
    g_assert_nonnull(strstr(why, "RAM page at guest-physical 0xf0000"));
    g_assert_null(strstr(why, "0x3000"));
    g_assert_nonnull(strstr(why, "device ioport80"));
    g_clear_pointer(&why, g_free);
    machine_free(m);
}

static void test_digest_after_jump_detects_then_resyncs(void)
{
    Machine *m = machine_new("test", 1 << 20);
    g_autoptr(GByteArray) d1 = NULL;
    g_autoptr(GByteArray) d2 = NULL;
    g_autofree char *why = NULL;

    m->ram.ram[0x8000] = 7;
    d1 = digest_take(m);
    replay_hash_forget();
    m->ram.ram[0x8000] = 8;
    why = digest_check(m, d1);
    g_assert_nonnull(strstr(why, "RAM differs"));
    g_assert_null(strstr(why, "0x8000"));
    g_clear_pointer(&why, g_free);
    m->ram.ram[0x8000] = 7;
    why = digest_check(m, d1); /* matches: the table is known again */
    g_assert_cmpstr(why, ==, "");
    g_clear_pointer(&why, g_free);
    m->ram.ram[0x9000] = 1;
    d2 = digest_take(m);
    m->ram.ram[0x9000] = 2;
    why = digest_check(m, d2);
    g_assert_nonnull(strstr(why, "RAM page at guest-physical 0x9000"));
    machine_free(m);
}

static void test_digest_malformed(void)
{
    Machine *m = machine_new("test", 1 << 20);
    g_autoptr(GByteArray) d = digest_take(m);
    g_autoptr(GString) why = g_string_new(NULL);
    /* A changed page beyond the 256 pages of this RAM. */
    static const uint8_t bad[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0x80, 0x02, 1, 2, 3, 4, 0};

    for (guint cut = 0; cut < d->len; cut++) {
        g_assert_cmpint(replay_hash_check_machine(m, d->data, d->data + cut, why), ==,
                        -1);
    }
    g_assert_cmpint(replay_hash_check_machine(m, bad, bad + sizeof(bad), why), ==, -1);
    machine_free(m);
}
#endif

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/replay-log/leb128/roundtrip", test_leb128_roundtrip);
    g_test_add_func("/replay-log/leb128/encoding", test_leb128_encoding);
    g_test_add_func("/replay-log/leb128/reject", test_leb128_reject);
    g_test_add_func("/replay-log/crc32c/vectors", test_crc32c);
    g_test_add_func("/replay-log/crc32c/software", test_crc32c_software);
    ADD_FIXTURE_TEST("/replay-log/roundtrip/compressed", test_roundtrip_compressed, NULL);
    ADD_FIXTURE_TEST("/replay-log/roundtrip/uncompressed", test_roundtrip_uncompressed,
                     NULL);
    ADD_FIXTURE_TEST("/replay-log/roundtrip/extremes", test_roundtrip_extremes, NULL);
    ADD_FIXTURE_TEST("/replay-log/roundtrip/empty", test_empty_log, NULL);
    ADD_FIXTURE_TEST("/replay-log/writer/rejects", test_writer_rejects, NULL);
    g_test_add_func("/replay-log/writer/write-error", test_writer_write_error);
    ADD_FIXTURE_TEST("/replay-log/writer/fails-midway", test_writer_fails_midway, NULL);
    ADD_FIXTURE_TEST("/replay-log/truncated/flush-then-kill", test_flush_then_kill, NULL);
    ADD_FIXTURE_TEST("/replay-log/truncated/flush-then-copy", test_flush_then_copy, NULL);
    ADD_FIXTURE_TEST("/replay-log/truncated/every-offset", test_truncate_everywhere,
                     GINT_TO_POINTER(true));
    ADD_FIXTURE_TEST("/replay-log/truncated/every-offset-raw", test_truncate_everywhere,
                     GINT_TO_POINTER(false));
    ADD_FIXTURE_TEST("/replay-log/corrupt/every-byte", test_corrupt_every_byte,
                     GINT_TO_POINTER(true));
    ADD_FIXTURE_TEST("/replay-log/corrupt/every-byte-raw", test_corrupt_every_byte,
                     GINT_TO_POINTER(false));
    ADD_FIXTURE_TEST("/replay-log/corrupt/random-bits", test_corrupt_random_bits,
                     GINT_TO_POINTER(true));
    ADD_FIXTURE_TEST("/replay-log/corrupt/random-bits-raw", test_corrupt_random_bits,
                     GINT_TO_POINTER(false));
    ADD_FIXTURE_TEST("/replay-log/corrupt/trailing-garbage", test_trailing_garbage, NULL);
    ADD_FIXTURE_TEST("/replay-log/header/unknown-tag", test_header_unknown_tag, NULL);
    ADD_FIXTURE_TEST("/replay-log/header/malformed", test_header_malformed, NULL);
    ADD_FIXTURE_TEST("/replay-log/header/image", test_header_image_layout, NULL);
    ADD_FIXTURE_TEST("/replay-log/header/version", test_bad_version, NULL);
    ADD_FIXTURE_TEST("/replay-log/open-errors", test_open_errors, NULL);
    g_test_add_func("/replay-log/events/names", test_kind_names);
    g_test_add_func("/replay-log/events/describe", test_describe_valid);
    g_test_add_func("/replay-log/events/describe-malformed", test_describe_malformed);
    g_test_add_func("/replay-log/events/describe-appends", test_describe_appends);
    ADD_FIXTURE_TEST("/replay-log/seek/skip-to-icount", test_skip_to_icount, NULL);
    ADD_FIXTURE_TEST("/replay-log/seek/skip-without-index", test_skip_without_index,
                     NULL);
#if CONFIG_REPLAY
    g_test_add_func("/replay-log/digest/names-page-and-device",
                    test_digest_names_page_and_device);
    g_test_add_func("/replay-log/digest/jump",
                    test_digest_after_jump_detects_then_resyncs);
    g_test_add_func("/replay-log/digest/malformed", test_digest_malformed);
#endif
    return g_test_run();
}
