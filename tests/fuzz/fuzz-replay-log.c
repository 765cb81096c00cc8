/*
 * Fuzz target for the replay log reader: any file must read as events, a clean end,
 * a flagged truncation, or an error naming an offset — never a crash.
 *
 * Built two ways. With REPRISE_LIBFUZZER (clang, -fsanitize=fuzzer,address) libFuzzer
 * drives LLVMFuzzerTestOneInput, and a custom mutator repairs checksums half the time
 * so that mutations reach the event parser and zstd instead of stopping at a CRC.
 * Without it, main() below is a small driver for `meson test`: it builds a valid log
 * in-process and runs mutated copies of it (and any files named on the command line).
 */
#include "config-host.h"
#include "replay/log.h"
#include "replay/replay.h"
#include "util/leb128.h"

#include <sys/mman.h>
#include <unistd.h>
#if CONFIG_ZSTD
#include <zstd.h>
#endif

/* Chunk header layout (include/replay/log.h): what the checksum repair needs. */
#define CHUNK_HEADER_BYTES 36
#define CHUNK_CRC_SPAN     32

static int input_fd = -1;
static char input_path[64];

/* A memfd holds the input: the reader takes a path, and /proc/self/fd gives one. */
static void input_store(const uint8_t *data, size_t size)
{
    if (input_fd < 0) {
        input_fd = memfd_create("fuzz-replay-log", MFD_CLOEXEC);
        assert(input_fd >= 0);
        snprintf(input_path, sizeof(input_path), "/proc/self/fd/%d", input_fd);
    }
    if (ftruncate(input_fd, 0) != 0 || pwrite(input_fd, data, size, 0) != (ssize_t)size) {
        abort();
    }
}

/* Every reader error must say where in the file things went wrong. */
static void check_error(Error *err)
{
    if (!strstr(error_get_pretty(err), "offset ")) {
        fprintf(stderr, "reader error without an offset: %s\n", error_get_pretty(err));
        abort();
    }
    error_free(err);
}

static void describe_event(const ReplayEvent *ev, GString *text)
{
    Error *err = NULL;

    g_string_truncate(text, 0);
    if (!replay_event_describe(ev->kind, ev->payload, ev->len, text, &err)) {
        error_free(err);
    }
}

static void check_event(const ReplayEvent *ev, uint64_t seq, uint64_t *icount)
{
    assert(ev->seq == seq);
    assert(ev->icount >= *icount);
    assert(replay_event_kind_name(ev->kind));
    *icount = ev->icount;
}

static void read_all(ReplayLogReader *r, uint64_t size)
{
    g_autoptr(GString) text = g_string_new(NULL);
    ReplayEvent ev;
    Error *err = NULL;
    uint64_t seq = 0, icount = 0;
    int ret;

    while ((ret = replay_log_read_event(r, &ev, &err)) > 0) {
        check_event(&ev, seq++, &icount);
        describe_event(&ev, text);
    }
    if (ret < 0) {
        check_error(err);
        return;
    }
    assert(replay_log_reader_end_offset(r) <= size);
    assert(replay_log_reader_truncated(r) || replay_log_reader_end_offset(r) == size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Error *err = NULL;
    ReplayLogReader *r;

    input_store(data, size);
    r = replay_log_reader_open(input_path, &err);
    if (!r) {
        check_error(err);
        return 0;
    }
    assert(replay_log_reader_header(r)->format_version == REPLAY_LOG_FORMAT_VERSION);
    read_all(r, size);
    replay_log_reader_close(r);
    return 0;
}

/* ---- checksum repair: lets mutations get past the CRCs ---- */

static uint32_t load_le32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

static void store_le32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, 4);
}

/* The raw CRC for a chunk, when its stored bytes can be turned back into raw ones. */
static bool chunk_raw_crc(const uint8_t *chunk, const uint8_t *stored, uint32_t *crc)
{
    uint32_t stored_len = load_le32(chunk + 8);

    if (chunk[4] == 0) {
        *crc = crc32c(0, stored, stored_len);
        return true;
    }
#if CONFIG_ZSTD
    uint32_t raw_len = load_le32(chunk + 12);
    if (chunk[4] == 1 && raw_len <= REPLAY_LOG_MAX_CHUNK) {
        g_autofree uint8_t *raw = g_malloc(raw_len ? raw_len : 1);
        size_t n = ZSTD_decompress(raw, raw_len, stored, stored_len);
        if (!ZSTD_isError(n) && n == raw_len) {
            *crc = crc32c(0, raw, raw_len);
            return true;
        }
    }
#endif
    return false;
}

static uint64_t repair_header(uint8_t *data, size_t size)
{
    uint32_t header_len = size >= 16 ? load_le32(data + 12) : 0;
    uint64_t end = 16 + (uint64_t)header_len;

    if (size < 16 || end + 4 > size) {
        return size;
    }
    store_le32(data + end, crc32c(0, data + 16, header_len));
    return end + 4;
}

/* Recomputes the header CRC and every chunk's CRCs; returns nothing, changes data. */
static void repair_checksums(uint8_t *data, size_t size)
{
    uint64_t off = repair_header(data, size);

    while (off + CHUNK_HEADER_BYTES <= size && !memcmp(data + off, "CHNK", 4)) {
        uint8_t *chunk = data + off;
        uint64_t stored_len = load_le32(chunk + 8);
        uint32_t crc;
        if (stored_len > size - off - CHUNK_HEADER_BYTES) {
            break;
        }
        if (chunk_raw_crc(chunk, chunk + CHUNK_HEADER_BYTES, &crc)) {
            store_le32(chunk + 28, crc);
        }
        store_le32(chunk + CHUNK_CRC_SPAN, crc32c(0, chunk, CHUNK_CRC_SPAN));
        off += CHUNK_HEADER_BYTES + stored_len;
    }
}

#ifdef REPRISE_LIBFUZZER
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed)
{
    size = LLVMFuzzerMutate(data, size, max_size);
    if (seed & 1) {
        repair_checksums(data, size);
    }
    return size;
}
#else

/* ---- the plain driver ---- */

static void put_hash(GByteArray *out, uint64_t v)
{
    v = GUINT64_TO_LE(v);
    g_byte_array_append(out, (const uint8_t *)&v, 8);
}

/* A valid payload of the given kind (replay.h encodings), varied by rand. */
static void valid_payload(GByteArray *out, unsigned kind, GRand *rand)
{
    uint8_t u8 = g_rand_int_range(rand, 0, 2);

    switch (kind) {
    case REPLAY_EV_CLOCK:
        g_byte_array_append(out, &u8, 1);
        leb128_put_s64(out, (int64_t)g_rand_int(rand) << 30);
        break;
    case REPLAY_EV_CHAR_READ:
        leb128_put_u64(out, u8);
        g_byte_array_append(out, (const uint8_t *)"login: \x1b[0m\r\n", 13);
        break;
    case REPLAY_EV_CHAR_WRITE:
        leb128_put_u64(out, u8);
        leb128_put_u64(out, g_rand_int_range(rand, 0, 300));
        break;
    case REPLAY_EV_SHIFT:
        u8 = g_rand_int_range(rand, 0, 11);
        g_byte_array_append(out, &u8, 1);
        leb128_put_s64(out, -(int64_t)g_rand_int(rand));
        break;
    case REPLAY_EV_WARP:
    case REPLAY_EV_INTERRUPT: leb128_put_u64(out, g_rand_int_range(rand, 0, 256)); break;
    case REPLAY_EV_CHECKPOINT:
        /* flags, CPU hash, then (flag 1) RAM hash, one changed page, one device. */
        g_byte_array_append(out, &u8, 1);
        put_hash(out, g_rand_int(rand));
        if (u8) {
            put_hash(out, g_rand_int(rand));
            leb128_put_u64(out, 1);
            leb128_put_u64(out, g_rand_int_range(rand, 0, 65536));
            g_byte_array_append(out, (const uint8_t *)"\x12\x34\x56\x78", 4);
            leb128_put_u64(out, 1);
            put_hash(out, g_rand_int(rand));
        }
        break;
    case REPLAY_EV_CHAR_EVENT:
        leb128_put_u64(out, u8);
        u8 = 2; /* CHR_EVENT_BREAK */
        g_byte_array_append(out, &u8, 1);
        break;
    case REPLAY_EV_SHUTDOWN: g_byte_array_append(out, &u8, 1); break;
    case REPLAY_EV_END: put_hash(out, g_rand_int(rand)); break;
    default: /* random bytes, opaque payloads */
        for (int i = g_rand_int_range(rand, 0, 40); i > 0; i--) {
            uint8_t b = g_rand_int(rand);
            g_byte_array_append(out, &b, 1);
        }
    }
}

static ReplayLogHeader *seed_header(void)
{
    ReplayLogHeader *h = replay_log_header_new();
    uint8_t sha[32] = {0xde, 0xad, 0xbe, 0xef};

    h->emulator_version = g_strdup(REPRISE_VERSION);
    g_ptr_array_add(h->config_args, g_strdup("-M"));
    g_ptr_array_add(h->config_args, g_strdup("pc"));
    replay_log_header_add_image(h, "kernel", "vmlinuz", sha);
    h->icount_shift = g_strdup("auto");
    h->start_time_ns = 1764131234000000000ll;
    return h;
}

static void seed_write_events(ReplayLogWriter *w, GRand *rand)
{
    g_autoptr(GByteArray) payload = g_byte_array_new();
    uint64_t icount = 0;

    for (int i = 0; i < 60; i++) {
        unsigned kind = 1 + i % (REPLAY_EV_MAX - 1);
        g_byte_array_set_size(payload, 0);
        valid_payload(payload, kind, rand);
        icount += g_rand_int_range(rand, 0, 3) ? g_rand_int_range(rand, 0, 5000) : 0;
        if (!replay_log_write_event(w, kind, icount, payload->data, payload->len, NULL)) {
            abort();
        }
        if (i % 16 == 15 && !replay_log_writer_flush(w, NULL)) {
            abort();
        }
    }
}

/* A valid multi-chunk log with every event kind, as bytes. */
static GBytes *seed_log(bool compress, guint32 seed)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    g_autofree char *path = NULL;
    ReplayLogHeader *h = seed_header();
    ReplayLogWriter *w;
    char *bytes;
    gsize len;
    int fd = g_file_open_tmp("fuzz-replay-log-XXXXXX", &path, NULL);

    assert(fd >= 0);
    close(fd);
    w = replay_log_writer_open(path, h, compress, NULL);
    assert(w);
    seed_write_events(w, rand);
    if (!replay_log_writer_close(w, NULL) ||
        !g_file_get_contents(path, &bytes, &len, NULL)) {
        abort();
    }
    unlink(path);
    replay_log_header_free(h);
    return g_bytes_new_take(bytes, len);
}

static void put_interesting_u32(GByteArray *buf, GRand *rand)
{
    static const uint32_t values[] = {0,
                                      1,
                                      3,
                                      0x7fffffff,
                                      0xffffffff,
                                      REPLAY_LOG_MAX_CHUNK,
                                      REPLAY_LOG_MAX_CHUNK + 1,
                                      REPLAY_LOG_MAX_HEADER + 1};
    uint32_t v = values[g_rand_int_range(rand, 0, ARRAY_SIZE(values))];
    guint at;

    if (buf->len >= 4) {
        at = g_rand_int_range(rand, 0, buf->len - 3);
        store_le32(buf->data + at, v);
    }
}

static void mutate_once(GByteArray *buf, GRand *rand)
{
    guint at = buf->len ? g_rand_int_range(rand, 0, buf->len) : 0;
    guint n = g_rand_int_range(rand, 1, 16);
    uint8_t bytes[16];

    switch (g_rand_int_range(rand, 0, 7)) {
    case 0:
        if (buf->len) {
            buf->data[at] ^= 1u << g_rand_int_range(rand, 0, 8);
        }
        break;
    case 1:
        if (buf->len) {
            buf->data[at] = g_rand_int(rand);
        }
        break;
    case 2: g_byte_array_set_size(buf, at); break;
    case 3: put_interesting_u32(buf, rand); break;
    case 4: g_byte_array_remove_range(buf, at, MIN(n, buf->len - at)); break;
    case 5:
        for (guint i = 0; i < n; i++) {
            bytes[i] = g_rand_int(rand);
        }
        g_byte_array_append(buf, bytes, n); /* appended, then moved into place */
        memmove(buf->data + at + n, buf->data + at, buf->len - n - at);
        memcpy(buf->data + at, bytes, n);
        break;
    default: /* duplicate a range at the end: a repeated chunk, a longer trailer */
        n = MIN(n * 8, buf->len - at);
        g_byte_array_append(buf, buf->data + at, n);
    }
}

static void mutate(GByteArray *buf, GBytes *seed, GRand *rand)
{
    gsize len;
    const uint8_t *data = g_bytes_get_data(seed, &len);

    g_byte_array_set_size(buf, 0);
    g_byte_array_append(buf, data, len);
    for (int i = g_rand_int_range(rand, 1, 5); i > 0; i--) {
        mutate_once(buf, rand);
    }
    if (g_rand_boolean(rand)) {
        repair_checksums(buf->data, buf->len);
    }
}

/* The seeds themselves must read back whole: otherwise the driver tests nothing. */
static void check_seed_intact(GBytes *seed)
{
    gsize len;
    const uint8_t *data = g_bytes_get_data(seed, &len);
    Error *err = NULL;
    ReplayLogReader *r;
    ReplayEvent ev;
    int ret, n = 0;

    input_store(data, len);
    r = replay_log_reader_open(input_path, &err);
    assert(r);
    while ((ret = replay_log_read_event(r, &ev, &err)) > 0) {
        n++;
    }
    assert(ret == 0 && n == 60 && !replay_log_reader_truncated(r));
    replay_log_reader_close(r);
}

static void add_file_seed(GPtrArray *seeds, const char *path)
{
    char *bytes;
    gsize len;

    if (!g_file_get_contents(path, &bytes, &len, NULL)) {
        fprintf(stderr, "fuzz-replay-log: cannot read %s\n", path);
        exit(1);
    }
    LLVMFuzzerTestOneInput((const uint8_t *)bytes, len);
    g_ptr_array_add(seeds, g_bytes_new_take(bytes, len));
}

/* Files named on the command line, or every file in a named directory. */
static void add_corpus(GPtrArray *seeds, const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    if (!dir) {
        add_file_seed(seeds, path);
        return;
    }
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *file = g_build_filename(path, name, NULL);
        add_file_seed(seeds, file);
    }
}

static void write_seeds(GPtrArray *seeds, const char *dir)
{
    for (guint i = 0; i < seeds->len; i++) {
        g_autofree char *name = g_strdup_printf("%s/seed-%u.bin", dir, i);
        gsize len;
        const char *data = g_bytes_get_data(g_ptr_array_index(seeds, i), &len);
        if (!g_file_set_contents(name, data, len, NULL)) {
            fprintf(stderr, "fuzz-replay-log: cannot write %s\n", name);
            exit(1);
        }
    }
}

static void run_mutations(GPtrArray *seeds, unsigned iterations, guint32 seed)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    g_autoptr(GByteArray) buf = g_byte_array_new();

    for (unsigned i = 0; i < iterations; i++) {
        GBytes *base = g_ptr_array_index(seeds, g_rand_int_range(rand, 0, seeds->len));
        mutate(buf, base, rand);
        LLVMFuzzerTestOneInput(buf->data, buf->len);
    }
}

static const char driver_usage[] =
    "Usage: fuzz-replay-log-smoke [--iterations N] [--seed S] [--write-seeds DIR] "
    "[FILE|DIR...]\n"
    "Runs the replay log fuzz target over the given files and over N mutations of\n"
    "them and of valid logs built in-process. Exit 0 if nothing crashed.\n";

static bool parse_driver_args(int argc, char **argv, unsigned *iterations, guint32 *seed,
                              const char **seed_dir, GPtrArray *seeds)
{
    for (int i = 1; i < argc; i++) {
        bool has_value = i + 1 < argc;
        if (!strcmp(argv[i], "--iterations") && has_value) {
            *iterations = strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--seed") && has_value) {
            *seed = strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--write-seeds") && has_value) {
            *seed_dir = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "fuzz-replay-log: unknown option '%s'\n%s", argv[i],
                    driver_usage);
            return false;
        } else {
            add_corpus(seeds, argv[i]);
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    g_autoptr(GPtrArray) seeds =
        g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    unsigned iterations = 20000;
    guint32 seed = 1;
    const char *seed_dir = NULL;

    if (!parse_driver_args(argc, argv, &iterations, &seed, &seed_dir, seeds)) {
        return 2;
    }
    g_ptr_array_add(seeds, seed_log(true, seed));
    g_ptr_array_add(seeds, seed_log(false, seed + 1));
    check_seed_intact(g_ptr_array_index(seeds, seeds->len - 1));
    check_seed_intact(g_ptr_array_index(seeds, seeds->len - 2));
    if (seed_dir) {
        write_seeds(seeds, seed_dir);
    }
    run_mutations(seeds, iterations, seed);
    printf("fuzz-replay-log: %u inputs from %u seeds, no crash\n", iterations,
           seeds->len);
    return 0;
}
#endif
