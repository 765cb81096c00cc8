/*
 * The replay log file: writer and validating reader for the format described at the
 * top of include/replay/log.h.
 *
 * The reader trusts nothing in the file. Every length is checked against the file
 * size and the format's limits before anything is allocated from it, every chunk is
 * checked (header CRC, decompressed size, raw CRC, then a full parse of its events)
 * before the first of its events is handed out, and the trailer is compared byte for
 * byte with the one the reader rebuilds from the chunks it has read. So a corrupt log
 * yields an error naming the file offset, never a garbage event; and a log cut short
 * yields every event of its whole chunks, then a clean, flagged end.
 */
#include "config-host.h"
#include "replay/log.h"
#include "replay/replay.h"
#include "util/leb128.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if CONFIG_ZSTD
#include <zstd.h>
#include "util/le.h"
#endif

#define CHUNK_MAGIC       "CHNK"
#define INDEX_MAGIC       "INDX"
#define TAIL_MAGIC        "TAIL"
#define MAGIC_LEN         4
#define FILE_PREFIX_LEN   16 /* magic, version, header length */
#define CHUNK_CRC_SPAN    32 /* chunk header bytes covered by its own CRC */
#define CHUNK_HEADER_LEN  36
#define INDEX_ENTRY_LEN   32
#define INDEX_FIXED_LEN   12 /* magic, count, CRC */
#define TAIL_LEN          12 /* magic, offset of the index */
#define EVENT_MIN_LEN     3  /* kind, one-byte delta, one-byte length */
#define EVENT_MAX_PREFIX  21 /* kind, two 10-byte varints */
#define MAX_EVENT_PAYLOAD (REPLAY_LOG_MAX_CHUNK - EVENT_MAX_PREFIX)
#define CHUNK_TARGET      (64 * 1024)
#define ZSTD_LEVEL        3
/* Compressed chunks never need more room than zstd's worst case for the raw size. */
#define MAX_STORED_LEN (REPLAY_LOG_MAX_CHUNK + (REPLAY_LOG_MAX_CHUNK >> 8) + 64)

enum { COMPRESSION_NONE = 0, COMPRESSION_ZSTD = 1 };

typedef struct ChunkIndexEntry {
    uint64_t offset;
    uint64_t base_icount;
    uint64_t last_icount;
    uint64_t first_seq; /* number of the chunk's first event */
} ChunkIndexEntry;

typedef struct ChunkHeader {
    uint8_t compression;
    uint32_t stored_len;
    uint32_t raw_len;
    uint64_t base_icount;
    uint32_t n_events;
    uint32_t raw_crc;
} ChunkHeader;

/* ---- header ---- */

static void image_clear(gpointer data)
{
    ReplayImage *img = data;

    g_free(img->role);
    g_free(img->path);
}

ReplayLogHeader *replay_log_header_new(void)
{
    ReplayLogHeader *h = g_new0(ReplayLogHeader, 1);

    h->format_version = REPLAY_LOG_FORMAT_VERSION;
    h->config_args = g_ptr_array_new_with_free_func(g_free);
    h->images = g_array_new(false, true, sizeof(ReplayImage));
    g_array_set_clear_func(h->images, image_clear);
    return h;
}

void replay_log_header_free(ReplayLogHeader *h)
{
    if (!h) {
        return;
    }
    g_free(h->emulator_version);
    g_ptr_array_unref(h->config_args);
    g_array_unref(h->images);
    g_free(h->icount_shift);
    g_free(h);
}

void replay_log_header_add_image(ReplayLogHeader *h, const char *role, const char *path,
                                 const uint8_t sha256[32])
{
    ReplayImage img = {g_strdup(role), g_strdup(path), {0}};

    memcpy(img.sha256, sha256, sizeof(img.sha256));
    g_array_append_val(h->images, img);
}

static void header_put_record(GByteArray *out, ReplayHeaderTag tag, const void *data,
                              size_t len)
{
    leb128_put_u64(out, tag);
    leb128_put_u64(out, len);
    g_byte_array_append(out, data, len);
}

static void header_put_string(GByteArray *out, ReplayHeaderTag tag, const char *s)
{
    if (s) {
        header_put_record(out, tag, s, strlen(s));
    }
}

static void header_put_image(GByteArray *out, const ReplayImage *img)
{
    g_autoptr(GByteArray) rec = g_byte_array_new();

    g_byte_array_append(rec, (const uint8_t *)img->role, strlen(img->role) + 1);
    g_byte_array_append(rec, (const uint8_t *)img->path, strlen(img->path) + 1);
    g_byte_array_append(rec, img->sha256, sizeof(img->sha256));
    header_put_record(out, RHT_IMAGE, rec->data, rec->len);
}

static GByteArray *header_encode(const ReplayLogHeader *h)
{
    GByteArray *out = g_byte_array_new();
    g_autoptr(GByteArray) time = g_byte_array_new();

    header_put_string(out, RHT_EMULATOR_VERSION, h->emulator_version);
    for (guint i = 0; i < h->config_args->len; i++) {
        header_put_string(out, RHT_CONFIG_ARG, g_ptr_array_index(h->config_args, i));
    }
    for (guint i = 0; i < h->images->len; i++) {
        header_put_image(out, &g_array_index(h->images, ReplayImage, i));
    }
    header_put_string(out, RHT_ICOUNT_SHIFT, h->icount_shift);
    leb128_put_s64(time, h->start_time_ns);
    header_put_record(out, RHT_START_TIME, time->data, time->len);
    return out;
}

/* A string record: no NUL inside. Replaces *dst; false if malformed or repeated. */
static bool header_take_string(char **dst, const uint8_t *data, size_t len, bool unique)
{
    if (memchr(data, 0, len) || (unique && *dst)) {
        return false;
    }
    g_free(*dst);
    *dst = g_strndup((const char *)data, len);
    return true;
}

/* "role\0path\0" + 32-byte SHA-256, exactly. */
static bool header_take_image(ReplayLogHeader *h, const uint8_t *data, size_t len)
{
    const uint8_t *role_end, *path_end, *end = data + len;

    if (len < 2 + 32) {
        return false;
    }
    role_end = memchr(data, 0, len - 32);
    path_end = role_end ? memchr(role_end + 1, 0, end - 32 - (role_end + 1)) : NULL;
    if (!path_end || path_end + 1 != end - 32) {
        return false;
    }
    replay_log_header_add_image(h, (const char *)data, (const char *)role_end + 1,
                                end - 32);
    return true;
}

static bool header_take_time(ReplayLogHeader *h, const uint8_t *data, size_t len,
                             bool *seen)
{
    const uint8_t *p = data;

    if (*seen || !leb128_get_s64(&p, data + len, &h->start_time_ns) || p != data + len) {
        return false;
    }
    *seen = true;
    return true;
}

static bool header_take_record(ReplayLogHeader *h, uint64_t tag, const uint8_t *data,
                               size_t len, bool *time_seen)
{
    char *arg = NULL;

    switch (tag) {
    case RHT_EMULATOR_VERSION:
        return header_take_string(&h->emulator_version, data, len, true);
    case RHT_CONFIG_ARG:
        if (!header_take_string(&arg, data, len, true)) {
            return false;
        }
        g_ptr_array_add(h->config_args, arg);
        return true;
    case RHT_IMAGE: return header_take_image(h, data, len);
    case RHT_ICOUNT_SHIFT: return header_take_string(&h->icount_shift, data, len, true);
    case RHT_START_TIME: return header_take_time(h, data, len, time_seen);
    default: return true; /* a newer writer's record: skipped */
    }
}

static bool header_parse(ReplayLogHeader *h, const char *path, const uint8_t *buf,
                         size_t len, Error **errp)
{
    const uint8_t *p = buf, *end = buf + len;
    bool time_seen = false;

    while (p < end) {
        uint64_t offset = FILE_PREFIX_LEN + (p - buf), tag, rec_len;
        if (!leb128_get_u64(&p, end, &tag) || !leb128_get_u64(&p, end, &rec_len) ||
            rec_len > (uint64_t)(end - p)) {
            error_setg(errp, "%s: corrupt header at offset %" PRIu64 ": malformed record",
                       path, offset);
            return false;
        }
        if (!header_take_record(h, tag, p, rec_len, &time_seen)) {
            error_setg(errp,
                       "%s: corrupt header at offset %" PRIu64
                       ": invalid record (tag %" PRIu64 ")",
                       path, offset, tag);
            return false;
        }
        p += rec_len;
    }
    return true;
}

/* ---- the trailer, built the same way by the writer and the reader ---- */

static GByteArray *trailer_encode(const GArray *index, uint64_t index_offset)
{
    GByteArray *out = g_byte_array_new();
    size_t entries_start;

    g_byte_array_append(out, (const uint8_t *)INDEX_MAGIC, MAGIC_LEN);
    le_put_u32(out, index->len);
    entries_start = out->len;
    for (guint i = 0; i < index->len; i++) {
        const ChunkIndexEntry *e = &g_array_index(index, ChunkIndexEntry, i);
        le_put_u64(out, e->offset);
        le_put_u64(out, e->base_icount);
        le_put_u64(out, e->last_icount);
        le_put_u64(out, e->first_seq);
    }
    le_put_u32(out, crc32c(0, out->data + entries_start, out->len - entries_start));
    g_byte_array_append(out, (const uint8_t *)TAIL_MAGIC, MAGIC_LEN);
    le_put_u64(out, index_offset);
    return out;
}

/* What the byte at position pos of a trailer with n entries belongs to. */
static const char *trailer_part(size_t pos, size_t n)
{
    size_t entries_end = 8 + n * INDEX_ENTRY_LEN;

    if (pos < 4) {
        return "bad index magic";
    } else if (pos < 8) {
        return "index chunk count differs from the chunks in the log";
    } else if (pos < entries_end) {
        return "index entry differs from the chunk it describes";
    } else if (pos < entries_end + 4) {
        return "index CRC mismatch";
    } else if (pos < entries_end + 8) {
        return "bad tail magic";
    }
    return "tail does not point to the index";
}

/* ---- writer ---- */

struct ReplayLogWriter {
    int fd;
    char *path;
    bool compress;
    bool failed;
    uint64_t size;
    GByteArray *raw; /* events of the chunk being built */
    uint32_t n_events;
    uint64_t total_events; /* in the whole log so far: the next event's number */
    uint64_t chunk_base_icount;
    uint64_t last_icount;
    GArray *index;       /* ChunkIndexEntry for each chunk written */
    GByteArray *scratch; /* chunk header and stored bytes, as written */
};

static bool write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = EIO;
            }
            return false;
        }
        buf += n;
        len -= n;
    }
    return true;
}

static bool writer_write(ReplayLogWriter *w, const GByteArray *bytes, Error **errp)
{
    if (!write_all(w->fd, bytes->data, bytes->len)) {
        w->failed = true;
        error_setg_errno(errp, errno, "%s: cannot write replay log", w->path);
        return false;
    }
    w->size += bytes->len;
    return true;
}

static bool writer_usable(const ReplayLogWriter *w, Error **errp)
{
    if (w->failed) {
        error_setg(errp, "%s: replay log unusable after an earlier write error", w->path);
        return false;
    }
    return true;
}

static GByteArray *file_prefix_encode(const ReplayLogHeader *h, Error **errp)
{
    g_autoptr(GByteArray) header = header_encode(h);
    GByteArray *out;

    if (header->len > REPLAY_LOG_MAX_HEADER) {
        error_setg(errp, "replay log header too large (%u bytes, limit %u)", header->len,
                   REPLAY_LOG_MAX_HEADER);
        return NULL;
    }
    out = g_byte_array_sized_new(FILE_PREFIX_LEN + header->len + 4);
    g_byte_array_append(out, (const uint8_t *)REPLAY_LOG_MAGIC, 8);
    le_put_u32(out, REPLAY_LOG_FORMAT_VERSION);
    le_put_u32(out, header->len);
    g_byte_array_append(out, header->data, header->len);
    le_put_u32(out, crc32c(0, header->data, header->len));
    return out;
}

ReplayLogWriter *replay_log_writer_open(const char *path, const ReplayLogHeader *h,
                                        bool compress, Error **errp)
{
    g_autoptr(GByteArray) prefix = file_prefix_encode(h, errp);
    ReplayLogWriter *w;
    int fd;

    if (!prefix) {
        return NULL;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot create replay log %s", path);
        return NULL;
    }
    w = g_new0(ReplayLogWriter, 1);
    w->fd = fd;
    w->path = g_strdup(path);
    w->compress = compress && CONFIG_ZSTD;
    w->raw = g_byte_array_sized_new(CHUNK_TARGET);
    w->scratch = g_byte_array_new();
    w->index = g_array_new(false, false, sizeof(ChunkIndexEntry));
    if (!writer_write(w, prefix, errp)) {
        replay_log_writer_close(w, NULL);
        return NULL;
    }
    return w;
}

/* Appends the stored form of the raw chunk to w->scratch; returns the compression. */
static uint8_t writer_store_chunk(ReplayLogWriter *w)
{
#if CONFIG_ZSTD
    if (w->compress) {
        size_t start = w->scratch->len, bound = ZSTD_compressBound(w->raw->len);
        g_byte_array_set_size(w->scratch, start + bound);
        size_t n = ZSTD_compress(w->scratch->data + start, bound, w->raw->data,
                                 w->raw->len, ZSTD_LEVEL);
        g_byte_array_set_size(w->scratch, start);
        if (!ZSTD_isError(n) && n < w->raw->len) {
            g_byte_array_set_size(w->scratch, start + n);
            return COMPRESSION_ZSTD;
        }
    }
#endif
    g_byte_array_append(w->scratch, w->raw->data, w->raw->len);
    return COMPRESSION_NONE;
}

static void chunk_header_encode(GByteArray *out, const ChunkHeader *ch)
{
    size_t start = out->len;
    uint8_t reserved[3] = {0};

    g_byte_array_append(out, (const uint8_t *)CHUNK_MAGIC, MAGIC_LEN);
    g_byte_array_append(out, &ch->compression, 1);
    g_byte_array_append(out, reserved, sizeof(reserved));
    le_put_u32(out, ch->stored_len);
    le_put_u32(out, ch->raw_len);
    le_put_u64(out, ch->base_icount);
    le_put_u32(out, ch->n_events);
    le_put_u32(out, ch->raw_crc);
    le_put_u32(out, crc32c(0, out->data + start, CHUNK_CRC_SPAN));
}

static bool writer_end_chunk(ReplayLogWriter *w, Error **errp)
{
    g_autoptr(GByteArray) header = g_byte_array_sized_new(CHUNK_HEADER_LEN);
    ChunkIndexEntry entry = {w->size, w->chunk_base_icount, w->last_icount,
                             w->total_events - w->n_events};
    ChunkHeader ch = {0};

    if (w->n_events == 0) {
        return true;
    }
    g_byte_array_set_size(w->scratch, CHUNK_HEADER_LEN);
    ch.compression = writer_store_chunk(w);
    ch.stored_len = w->scratch->len - CHUNK_HEADER_LEN;
    ch.raw_len = w->raw->len;
    ch.base_icount = w->chunk_base_icount;
    ch.n_events = w->n_events;
    ch.raw_crc = crc32c(0, w->raw->data, w->raw->len);
    chunk_header_encode(header, &ch);
    memcpy(w->scratch->data, header->data, CHUNK_HEADER_LEN);
    /* One write(2) per chunk: once it returns, a SIGKILL cannot lose the chunk. */
    if (!writer_write(w, w->scratch, errp)) {
        return false;
    }
    g_array_append_val(w->index, entry);
    g_byte_array_set_size(w->raw, 0);
    w->n_events = 0;
    w->chunk_base_icount = w->last_icount;
    return true;
}

static size_t leb128_size(uint64_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static bool writer_check_event(const ReplayLogWriter *w, uint8_t kind, uint64_t icount,
                               size_t len, Error **errp)
{
    if (!replay_event_kind_name(kind)) {
        error_setg(errp, "%s: cannot log event of unknown kind %u", w->path, kind);
        return false;
    }
    if (icount < w->last_icount) {
        error_setg(errp, "%s: event icount %" PRIu64 " is before the previous %" PRIu64,
                   w->path, icount, w->last_icount);
        return false;
    }
    if (len > MAX_EVENT_PAYLOAD) {
        error_setg(errp, "%s: event payload of %zu bytes exceeds the limit of %u",
                   w->path, len, (unsigned)MAX_EVENT_PAYLOAD);
        return false;
    }
    return true;
}

bool replay_log_write_event(ReplayLogWriter *w, uint8_t kind, uint64_t icount,
                            const void *payload, size_t len, Error **errp)
{
    size_t encoded;

    if (!writer_usable(w, errp) || !writer_check_event(w, kind, icount, len, errp)) {
        return false;
    }
    encoded = 1 + leb128_size(icount - w->last_icount) + leb128_size(len) + len;
    if (w->raw->len + encoded > CHUNK_TARGET && !writer_end_chunk(w, errp)) {
        return false;
    }
    g_byte_array_append(w->raw, &kind, 1);
    leb128_put_u64(w->raw, icount - w->last_icount);
    leb128_put_u64(w->raw, len);
    g_byte_array_append(w->raw, payload, len);
    w->n_events++;
    w->total_events++;
    w->last_icount = icount;
    return true;
}

bool replay_log_writer_flush(ReplayLogWriter *w, Error **errp)
{
    return writer_usable(w, errp) && writer_end_chunk(w, errp);
}

uint64_t replay_log_writer_size(const ReplayLogWriter *w)
{
    return w->size;
}

uint64_t replay_log_writer_events(const ReplayLogWriter *w)
{
    return w->total_events;
}

static bool writer_finish(ReplayLogWriter *w, Error **errp)
{
    g_autoptr(GByteArray) trailer = NULL;

    if (!replay_log_writer_flush(w, errp)) {
        return false;
    }
    trailer = trailer_encode(w->index, w->size);
    return writer_write(w, trailer, errp);
}

bool replay_log_writer_close(ReplayLogWriter *w, Error **errp)
{
    bool ok = writer_usable(w, errp) && writer_finish(w, errp);

    if (close(w->fd) < 0 && ok) {
        error_setg_errno(errp, errno, "%s: cannot close replay log", w->path);
        ok = false;
    }
    g_free(w->path);
    g_byte_array_unref(w->raw);
    g_byte_array_unref(w->scratch);
    g_array_unref(w->index);
    g_free(w);
    return ok;
}

/* ---- reader ---- */

typedef struct EventCursor {
    const uint8_t *start; /* the chunk's raw bytes */
    const uint8_t *p;
    const uint8_t *end;
    uint64_t icount;
    uint64_t seq;
} EventCursor;

struct ReplayLogReader {
    int fd;
    char *path;
    uint64_t file_size;
    ReplayLogHeader *header;
    uint64_t next_chunk; /* file offset where the next chunk (or the trailer) starts */
    uint64_t end_offset;
    bool finished;
    bool truncated;
    char *failure;     /* the first corruption found, repeated on later reads */
    GArray *index;     /* ChunkIndexEntry for each chunk read: the expected trailer */
    GArray *first_seq; /* uint64_t, parallel to index: number of its first event */
    uint8_t *stored;
    uint8_t *raw;
    uint64_t chunk_offset;
    uint32_t events_left;
    EventCursor cursor;
    uint64_t icount; /* of the last event in the chunks loaded so far */
    uint64_t seq;    /* number of events in the chunks loaded so far */
#if CONFIG_ZSTD
    ZSTD_DCtx *dctx;
#endif
};

/* Reads exactly len bytes at offset; the file size was checked, so short is an error. */
static bool reader_pread(ReplayLogReader *r, uint64_t offset, void *buf, size_t len,
                         Error **errp)
{
    uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pread(r->fd, p, len, offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            error_setg_errno(errp, n < 0 ? errno : EIO,
                             "%s: cannot read at offset %" PRIu64, r->path, offset);
            return false;
        }
        p += n;
        offset += n;
        len -= n;
    }
    return true;
}

static bool reader_check_prefix(ReplayLogReader *r, const uint8_t *prefix,
                                uint32_t *header_len, Error **errp)
{
    uint32_t version = le_get_u32(prefix + 8);

    if (memcmp(prefix, REPLAY_LOG_MAGIC, 8) != 0) {
        error_setg(errp, "%s: not a Reprise replay log (bad magic at offset 0)", r->path);
        return false;
    }
    if (version != REPLAY_LOG_FORMAT_VERSION) {
        error_setg(errp,
                   "%s: log format version %u at offset 8 is not supported "
                   "(this build reads version %u)",
                   r->path, version, REPLAY_LOG_FORMAT_VERSION);
        return false;
    }
    *header_len = le_get_u32(prefix + 12);
    if (*header_len > REPLAY_LOG_MAX_HEADER) {
        error_setg(errp,
                   "%s: corrupt header at offset 12: length %u exceeds the limit %u",
                   r->path, *header_len, REPLAY_LOG_MAX_HEADER);
        return false;
    }
    return true;
}

static bool reader_check_size(ReplayLogReader *r, uint64_t needed, Error **errp)
{
    if (r->file_size < needed) {
        error_setg(errp,
                   "%s: file ends at offset %" PRIu64 ", inside the log header "
                   "(which ends at offset %" PRIu64 ")",
                   r->path, r->file_size, needed);
        return false;
    }
    return true;
}

static bool reader_read_header(ReplayLogReader *r, Error **errp)
{
    uint8_t prefix[FILE_PREFIX_LEN];
    g_autofree uint8_t *header = NULL;
    uint32_t header_len;

    if (!reader_check_size(r, FILE_PREFIX_LEN, errp) ||
        !reader_pread(r, 0, prefix, sizeof(prefix), errp) ||
        !reader_check_prefix(r, prefix, &header_len, errp) ||
        !reader_check_size(r, FILE_PREFIX_LEN + header_len + 4ull, errp)) {
        return false;
    }
    header = g_malloc(header_len + 4ull);
    if (!reader_pread(r, FILE_PREFIX_LEN, header, header_len + 4ull, errp)) {
        return false;
    }
    if (crc32c(0, header, header_len) != le_get_u32(header + header_len)) {
        error_setg(errp, "%s: corrupt header at offset %u: header CRC mismatch", r->path,
                   FILE_PREFIX_LEN + header_len);
        return false;
    }
    r->header->format_version = REPLAY_LOG_FORMAT_VERSION;
    r->next_chunk = r->end_offset = FILE_PREFIX_LEN + header_len + 4ull;
    return header_parse(r->header, r->path, header, header_len, errp);
}

static ReplayLogReader *reader_new(int fd, const char *path, uint64_t file_size)
{
    ReplayLogReader *r = g_new0(ReplayLogReader, 1);

    r->fd = fd;
    r->path = g_strdup(path);
    r->file_size = file_size;
    r->header = replay_log_header_new();
    r->index = g_array_new(false, false, sizeof(ChunkIndexEntry));
    r->first_seq = g_array_new(false, false, sizeof(uint64_t));
    return r;
}

ReplayLogReader *replay_log_reader_open(const char *path, Error **errp)
{
    ReplayLogReader *r;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot open replay log %s", path);
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        error_setg_errno(errp, S_ISREG(st.st_mode) ? errno : EINVAL,
                         "cannot open replay log %s", path);
        close(fd);
        return NULL;
    }
    r = reader_new(fd, path, st.st_size);
    if (!reader_read_header(r, errp)) {
        replay_log_reader_close(r);
        return NULL;
    }
    return r;
}

const ReplayLogHeader *replay_log_reader_header(const ReplayLogReader *r)
{
    return r->header;
}

bool replay_log_reader_truncated(const ReplayLogReader *r)
{
    return r->truncated;
}

uint64_t replay_log_reader_end_offset(const ReplayLogReader *r)
{
    return r->end_offset;
}

uint64_t replay_log_reader_file_size(const ReplayLogReader *r)
{
    return r->file_size;
}

void replay_log_reader_close(ReplayLogReader *r)
{
    if (!r) {
        return;
    }
    close(r->fd);
    g_free(r->path);
    replay_log_header_free(r->header);
    g_free(r->failure);
    g_array_unref(r->index);
    g_array_unref(r->first_seq);
    g_free(r->stored);
    g_free(r->raw);
#if CONFIG_ZSTD
    ZSTD_freeDCtx(r->dctx);
#endif
    g_free(r);
}

static int reader_end(ReplayLogReader *r, bool truncated, uint64_t end_offset)
{
    r->finished = true;
    r->truncated = truncated;
    r->end_offset = end_offset;
    return 0;
}

static int chunk_error(ReplayLogReader *r, uint64_t offset, Error **errp, const char *fmt,
                       ...) PRINTF_FMT(4, 5);

static int chunk_error(ReplayLogReader *r, uint64_t offset, Error **errp, const char *fmt,
                       ...)
{
    va_list ap;
    g_autofree char *what = NULL;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_setg(errp, "%s: corrupt chunk at offset %" PRIu64 ": %s", r->path, offset,
               what);
    return -1;
}

/*
 * The trailer holds nothing the reader does not already know, so it is rebuilt from
 * the chunks read and compared byte for byte: a file that stops inside it was cut
 * short during close, any differing byte is corruption.
 */
static int reader_check_trailer(ReplayLogReader *r, Error **errp)
{
    uint64_t offset = r->next_chunk, remaining = r->file_size - offset;
    g_autoptr(GByteArray) expected = trailer_encode(r->index, offset);
    size_t n = MIN_U64(remaining, expected->len);
    g_autofree uint8_t *found = g_malloc(n);

    if (!reader_pread(r, offset, found, n, errp)) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (found[i] != expected->data[i]) {
            error_setg(errp, "%s: corrupt index at offset %" PRIu64 ": %s", r->path,
                       offset + i, trailer_part(i, r->index->len));
            return -1;
        }
    }
    if (remaining > expected->len) {
        error_setg(
            errp, "%s: corrupt log: unexpected data at offset %" PRIu64 " after the tail",
            r->path, offset + expected->len);
        return -1;
    }
    if (remaining < expected->len) {
        return reader_end(r, true, offset);
    }
    return reader_end(r, false, r->file_size);
}

static void chunk_header_decode(const uint8_t *p, ChunkHeader *ch)
{
    ch->compression = p[4];
    ch->stored_len = le_get_u32(p + 8);
    ch->raw_len = le_get_u32(p + 12);
    ch->base_icount = le_get_u64(p + 16);
    ch->n_events = le_get_u32(p + 24);
    ch->raw_crc = le_get_u32(p + 28);
}

static int reader_check_compression(ReplayLogReader *r, const ChunkHeader *ch,
                                    Error **errp)
{
    if (ch->compression == COMPRESSION_NONE && ch->stored_len != ch->raw_len) {
        return chunk_error(r, r->chunk_offset, errp,
                           "stored length %u differs from raw length %u (uncompressed)",
                           ch->stored_len, ch->raw_len);
    }
    if (ch->compression == COMPRESSION_ZSTD && !CONFIG_ZSTD) {
        error_setg(errp,
                   "%s: chunk at offset %" PRIu64 " is compressed with zstd, which this "
                   "build does not support",
                   r->path, r->chunk_offset);
        return -1;
    }
    if (ch->compression > COMPRESSION_ZSTD) {
        return chunk_error(r, r->chunk_offset, errp, "unknown compression %u",
                           ch->compression);
    }
    if (ch->stored_len == 0 || ch->stored_len > MAX_STORED_LEN) {
        return chunk_error(r, r->chunk_offset, errp, "stored length %u out of range",
                           ch->stored_len);
    }
    return 1;
}

static int reader_check_chunk_header(ReplayLogReader *r, const uint8_t *p,
                                     const ChunkHeader *ch, Error **errp)
{
    if (crc32c(0, p, CHUNK_CRC_SPAN) != le_get_u32(p + CHUNK_CRC_SPAN)) {
        return chunk_error(r, r->chunk_offset, errp, "header CRC mismatch");
    }
    if (p[5] || p[6] || p[7]) {
        return chunk_error(r, r->chunk_offset, errp, "reserved bytes are not zero");
    }
    if (ch->raw_len == 0 || ch->raw_len > REPLAY_LOG_MAX_CHUNK) {
        return chunk_error(r, r->chunk_offset, errp, "raw length %u out of range",
                           ch->raw_len);
    }
    if (ch->n_events == 0 || ch->n_events > ch->raw_len / EVENT_MIN_LEN) {
        return chunk_error(r, r->chunk_offset, errp,
                           "event count %u impossible for %u raw bytes", ch->n_events,
                           ch->raw_len);
    }
    if (ch->base_icount != r->icount) {
        return chunk_error(r, r->chunk_offset, errp,
                           "base icount %" PRIu64 " differs from the previous chunk's "
                           "last icount %" PRIu64,
                           ch->base_icount, r->icount);
    }
    return reader_check_compression(r, ch, errp);
}

static int reader_decompress(ReplayLogReader *r, const ChunkHeader *ch, Error **errp)
{
#if CONFIG_ZSTD
    size_t n;

    if (!r->dctx) {
        r->dctx = ZSTD_createDCtx();
    }
    n = ZSTD_decompressDCtx(r->dctx, r->raw, ch->raw_len, r->stored, ch->stored_len);
    if (ZSTD_isError(n)) {
        return chunk_error(r, r->chunk_offset, errp, "zstd: %s", ZSTD_getErrorName(n));
    }
    if (n != ch->raw_len) {
        return chunk_error(r, r->chunk_offset, errp,
                           "decompressed to %zu bytes, header says %u", n, ch->raw_len);
    }
    return 1;
#else
    g_assert_not_reached();
#endif
}

/* Reads the chunk's stored bytes and makes r->raw hold its checked raw bytes. */
static int reader_load_raw(ReplayLogReader *r, const ChunkHeader *ch, Error **errp)
{
    uint64_t data_offset = r->chunk_offset + CHUNK_HEADER_LEN;

    r->stored = g_realloc(r->stored, ch->stored_len);
    r->raw = g_realloc(r->raw, ch->raw_len);
    if (ch->compression == COMPRESSION_NONE) {
        if (!reader_pread(r, data_offset, r->raw, ch->raw_len, errp)) {
            return -1;
        }
    } else if (!reader_pread(r, data_offset, r->stored, ch->stored_len, errp) ||
               reader_decompress(r, ch, errp) < 0) {
        return -1;
    }
    if (crc32c(0, r->raw, ch->raw_len) != ch->raw_crc) {
        return chunk_error(r, r->chunk_offset, errp, "raw CRC mismatch");
    }
    return 1;
}

static bool event_error(ReplayLogReader *r, const EventCursor *c,
                        const uint8_t *event_start, Error **errp, const char *what)
{
    chunk_error(r, r->chunk_offset, errp,
                "event %" PRIu64 " (after icount %" PRIu64 ") at raw byte %td: %s",
                c->seq, c->icount, event_start - c->start, what);
    return false;
}

static bool cursor_next(ReplayLogReader *r, EventCursor *c, ReplayEvent *ev, Error **errp)
{
    const uint8_t *start = c->p;
    uint64_t delta, len;

    if (c->p >= c->end) {
        return event_error(r, c, start, errp, "chunk ends before its event count");
    }
    ev->kind = *c->p++;
    if (!replay_event_kind_name(ev->kind)) {
        return event_error(r, c, start, errp, "unknown event kind");
    }
    if (!leb128_get_u64(&c->p, c->end, &delta) || delta > UINT64_MAX - c->icount) {
        return event_error(r, c, start, errp, "bad icount delta");
    }
    if (!leb128_get_u64(&c->p, c->end, &len) || len > (uint64_t)(c->end - c->p)) {
        return event_error(r, c, start, errp, "bad payload length");
    }
    ev->icount = c->icount += delta;
    ev->payload = c->p;
    ev->len = len;
    ev->seq = c->seq++;
    ev->chunk_offset = r->chunk_offset;
    c->p += len;
    return true;
}

static void reader_start_cursor(const ReplayLogReader *r, const ChunkHeader *ch,
                                EventCursor *c)
{
    c->start = c->p = r->raw;
    c->end = r->raw + ch->raw_len;
    c->icount = ch->base_icount;
    c->seq = r->seq;
}

/* Parses every event once, so that no event of a bad chunk is ever handed out. */
static int reader_check_events(ReplayLogReader *r, const ChunkHeader *ch,
                               uint64_t *last_icount, Error **errp)
{
    EventCursor c;
    ReplayEvent ev;

    reader_start_cursor(r, ch, &c);
    for (uint32_t i = 0; i < ch->n_events; i++) {
        if (!cursor_next(r, &c, &ev, errp)) {
            return -1;
        }
    }
    if (c.p != c.end) {
        return chunk_error(r, r->chunk_offset, errp,
                           "%td bytes after the last of its %u events", c.end - c.p,
                           ch->n_events);
    }
    *last_icount = c.icount;
    return 1;
}

static void reader_accept_chunk(ReplayLogReader *r, const ChunkHeader *ch,
                                uint64_t last_icount)
{
    ChunkIndexEntry entry = {r->chunk_offset, ch->base_icount, last_icount, r->seq};

    g_array_append_val(r->index, entry);
    g_array_append_val(r->first_seq, r->seq);
    reader_start_cursor(r, ch, &r->cursor);
    r->events_left = ch->n_events;
    r->icount = last_icount;
    r->seq += ch->n_events;
    r->next_chunk = r->end_offset = r->chunk_offset + CHUNK_HEADER_LEN + ch->stored_len;
}

/* 1: a chunk is loaded; 0: the log ends here; -1: corrupt. */
static int reader_load_chunk(ReplayLogReader *r, Error **errp)
{
    uint8_t p[CHUNK_HEADER_LEN];
    uint64_t remaining = r->file_size - r->next_chunk;
    size_t have = MIN_U64(remaining, CHUNK_HEADER_LEN);
    uint64_t last_icount = 0;
    ChunkHeader ch;

    r->chunk_offset = r->next_chunk;
    if (have == 0) {
        return reader_end(r, true, r->chunk_offset);
    }
    if (!reader_pread(r, r->chunk_offset, p, have, errp)) {
        return -1;
    }
    if (p[0] == INDEX_MAGIC[0]) {
        return reader_check_trailer(r, errp);
    }
    if (memcmp(p, CHUNK_MAGIC, MIN_U64(have, MAGIC_LEN)) != 0) {
        return chunk_error(r, r->chunk_offset, errp, "bad chunk magic");
    }
    if (have < CHUNK_HEADER_LEN) {
        return reader_end(r, true, r->chunk_offset);
    }
    chunk_header_decode(p, &ch);
    if (reader_check_chunk_header(r, p, &ch, errp) < 0) {
        return -1;
    }
    if (ch.stored_len > remaining - CHUNK_HEADER_LEN) {
        return reader_end(r, true, r->chunk_offset);
    }
    if (reader_load_raw(r, &ch, errp) < 0 ||
        reader_check_events(r, &ch, &last_icount, errp) < 0) {
        return -1;
    }
    reader_accept_chunk(r, &ch, last_icount);
    return 1;
}

static int reader_fail(ReplayLogReader *r, Error *err, Error **errp)
{
    r->failure = g_strdup(error_get_pretty(err));
    error_propagate(errp, err);
    return -1;
}

int replay_log_read_event(ReplayLogReader *r, ReplayEvent *ev, Error **errp)
{
    Error *err = NULL;

    if (r->failure) {
        error_setg(errp, "%s", r->failure);
        return -1;
    }
    while (r->events_left == 0) {
        if (r->finished) {
            return 0;
        }
        int ret = reader_load_chunk(r, &err);
        if (ret < 0) {
            return reader_fail(r, err, errp);
        }
        if (ret == 0) {
            return 0;
        }
    }
    /* Cannot fail: reader_check_events parsed the same bytes. */
    bool ok = cursor_next(r, &r->cursor, ev, NULL);
    assert(ok);
    r->events_left--;
    return 1;
}

/* ---- seeking ---- */

/* The chunk already read that holds event seq, or -1 if none does. */
static int reader_known_chunk(const ReplayLogReader *r, uint64_t seq)
{
    guint lo = 0, hi = r->first_seq->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(r->first_seq, uint64_t, mid) <= seq) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0 || (lo == r->first_seq->len && seq >= r->seq)) {
        return -1;
    }
    return (int)lo - 1;
}

/* Forget chunk i and the chunks after it, so that the next load reads chunk i again. */
static void reader_rewind_to_chunk(ReplayLogReader *r, guint i)
{
    const ChunkIndexEntry *e = &g_array_index(r->index, ChunkIndexEntry, i);

    r->next_chunk = e->offset;
    r->icount = e->base_icount;
    r->seq = g_array_index(r->first_seq, uint64_t, i);
    g_array_set_size(r->index, i);
    g_array_set_size(r->first_seq, i);
    r->events_left = 0;
    r->finished = r->truncated = false;
}

/* Load chunks until the current one holds event seq (or the log ends right before it). */
static bool reader_load_through(ReplayLogReader *r, uint64_t seq, Error **errp)
{
    Error *err = NULL;

    while (r->seq <= seq) {
        int ret = r->finished ? 0 : reader_load_chunk(r, &err);
        if (ret < 0) {
            reader_fail(r, err, errp);
            return false;
        }
        if (ret == 0) {
            if (seq == r->seq) {
                return true; /* positioned at the very end */
            }
            error_setg(errp,
                       "%s: cannot seek to event %" PRIu64 ": the log holds %" PRIu64
                       " events",
                       r->path, seq, r->seq);
            return false;
        }
    }
    return true;
}

bool replay_log_reader_seek(ReplayLogReader *r, uint64_t seq, Error **errp)
{
    int i = reader_known_chunk(r, seq);
    uint64_t first;
    ReplayEvent ev;

    g_clear_pointer(&r->failure, g_free);
    if (i >= 0) {
        reader_rewind_to_chunk(r, (guint)i);
    } else {
        r->events_left = 0; /* the chunk being read lies before seq */
    }
    if (!reader_load_through(r, seq, errp)) {
        return false;
    }
    if (r->events_left == 0) {
        return true;
    }
    first = g_array_index(r->first_seq, uint64_t, r->first_seq->len - 1);
    for (uint64_t n = first; n < seq; n++) {
        bool ok = cursor_next(r, &r->cursor, &ev, NULL);
        assert(ok); /* the chunk's events were all parsed when it was loaded */
        r->events_left--;
    }
    return true;
}

/*
 * The index of a cleanly closed log, read without the chunks: NULL if there is none or
 * it is not intact (the chunks it points to are checked when they are read).
 */
static GArray *reader_read_index(ReplayLogReader *r, uint64_t *index_offset)
{
    uint8_t tail[TAIL_LEN], fixed[8];
    g_autofree uint8_t *entries = NULL;
    uint64_t count, entries_len;
    GArray *index;

    if (r->file_size < r->next_chunk + INDEX_FIXED_LEN + TAIL_LEN ||
        !reader_pread(r, r->file_size - TAIL_LEN, tail, TAIL_LEN, NULL) ||
        memcmp(tail, TAIL_MAGIC, MAGIC_LEN) != 0) {
        return NULL;
    }
    *index_offset = le_get_u64(tail + 4);
    if (*index_offset < r->next_chunk || *index_offset > r->file_size - INDEX_FIXED_LEN ||
        !reader_pread(r, *index_offset, fixed, sizeof(fixed), NULL) ||
        memcmp(fixed, INDEX_MAGIC, MAGIC_LEN) != 0) {
        return NULL;
    }
    count = le_get_u32(fixed + 4);
    entries_len = count * INDEX_ENTRY_LEN;
    if (*index_offset + INDEX_FIXED_LEN + entries_len + TAIL_LEN != r->file_size) {
        return NULL;
    }
    entries = g_malloc(entries_len + 4);
    if (!reader_pread(r, *index_offset + 8, entries, entries_len + 4, NULL) ||
        crc32c(0, entries, entries_len) != le_get_u32(entries + entries_len)) {
        return NULL;
    }
    index = g_array_sized_new(false, false, sizeof(ChunkIndexEntry), count);
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *p = entries + i * INDEX_ENTRY_LEN;
        ChunkIndexEntry e = {le_get_u64(p), le_get_u64(p + 8), le_get_u64(p + 16),
                             le_get_u64(p + 24)};
        g_array_append_val(index, e);
    }
    return index;
}

/* A clean log's trailer gives the last icount without reading the events. */
static bool reader_trailer_last_icount(ReplayLogReader *r, uint64_t *icount)
{
    uint64_t index_offset;
    g_autoptr(GArray) index = reader_read_index(r, &index_offset);

    if (!index) {
        return false;
    }
    *icount = index->len
                  ? g_array_index(index, ChunkIndexEntry, index->len - 1).last_icount
                  : 0;
    return true;
}

/* The first chunk whose last event is at icount or later (the last chunk if none). */
static guint index_find_icount(const GArray *index, uint64_t icount)
{
    guint lo = 0, hi = index->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(index, ChunkIndexEntry, mid).last_icount < icount) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return MIN(lo, index->len - 1);
}

bool replay_log_reader_skip_to_icount(ReplayLogReader *r, uint64_t icount)
{
    uint64_t index_offset;
    g_autoptr(GArray) index = NULL;
    const ChunkIndexEntry *e;
    guint i;

    if (r->seq != 0 || r->failure || r->finished) {
        return false; /* only from the start */
    }
    index = reader_read_index(r, &index_offset);
    if (!index || index->len == 0) {
        return false;
    }
    i = index_find_icount(index, icount);
    e = &g_array_index(index, ChunkIndexEntry, i);
    if (e->offset < r->next_chunk || e->offset >= index_offset) {
        return false; /* a nonsensical index: read from the start instead */
    }
    /* The skipped chunks count as read: the trailer is checked against them at the end.
     */
    for (guint k = 0; k < i; k++) {
        const ChunkIndexEntry *skipped = &g_array_index(index, ChunkIndexEntry, k);
        g_array_append_val(r->index, *skipped);
        g_array_append_val(r->first_seq, skipped->first_seq);
    }
    r->next_chunk = r->end_offset = e->offset;
    r->icount = e->base_icount;
    r->seq = e->first_seq;
    return true;
}

bool replay_log_last_icount(const char *path, uint64_t *icount, Error **errp)
{
    ReplayLogReader *r = replay_log_reader_open(path, errp);
    ReplayEvent ev;
    int ret = 1;

    if (!r) {
        return false;
    }
    *icount = 0;
    if (!reader_trailer_last_icount(r, icount)) {
        while ((ret = replay_log_read_event(r, &ev, errp)) > 0) {
            *icount = ev.icount;
        }
    }
    replay_log_reader_close(r);
    return ret >= 0;
}
