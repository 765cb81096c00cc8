/*
 * The replay log file format (DESIGN.md §2). This layer knows framing, compression,
 * checksums and the index; it treats event payloads as bytes. replay/replay.c gives
 * them meaning.
 *
 * File layout (all integers little endian):
 *
 *   offset 0   magic "REPRISE\0" (8 bytes)
 *   8          u32 format version (REPLAY_LOG_FORMAT_VERSION)
 *   12         u32 header length H
 *   16         H header bytes: a sequence of records  varint tag · varint len · bytes
 *              (unknown tags are skipped; see ReplayHeaderTag)
 *   16+H       u32 CRC-32C of the header bytes
 *   then zero or more chunks:
 *     u32 magic "CHNK"
 *     u8  compression (0 none, 1 zstd), u8[3] zero
 *     u32 stored length S
 *     u32 raw length R (at most REPLAY_LOG_MAX_CHUNK)
 *     u64 base icount (the icount of the last event before this chunk; 0 at start)
 *     u32 number of events
 *     u32 CRC-32C of the R raw (uncompressed) bytes
 *     u32 CRC-32C of the 32 chunk-header bytes before it
 *     S stored bytes
 *   and, written only by a clean close:
 *     u32 magic "INDX", u32 count N, N × (u64 chunk file offset, u64 base icount,
 *     u64 last icount, u64 number of the chunk's first event), u32 CRC-32C of the
 *     entries
 *     u32 magic "TAIL", u64 offset of "INDX"
 *
 * Events inside a chunk's raw bytes:  u8 kind · varint icount delta · varint payload
 * length · payload. The delta is from the previous event's icount (the chunk's base
 * icount for its first event), so each chunk decodes on its own.
 *
 * A log cut short (a recorder killed with SIGKILL) ends after its last complete
 * chunk: the reader reports where it ends and that it was truncated.
 */
#ifndef REPLAY_LOG_H
#define REPLAY_LOG_H

#include "util/osdep.h"
#include "util/error.h"

/* Changing the format or ReplayEventKind (include/replay/replay.h) bumps this. */
#define REPLAY_LOG_FORMAT_VERSION 2
#define REPLAY_LOG_MAGIC          "REPRISE"  /* plus the NUL: 8 bytes */
#define REPLAY_LOG_MAX_CHUNK      (1u << 20) /* raw bytes per chunk, upper bound */
#define REPLAY_LOG_MAX_HEADER     (1u << 20)

typedef enum ReplayHeaderTag {
    RHT_EMULATOR_VERSION = 1, /* string */
    RHT_CONFIG_ARG = 2,       /* string; repeated, in order: the normalized argv */
    RHT_IMAGE = 3,            /* "role\0path\0" + 32-byte SHA-256 */
    RHT_ICOUNT_SHIFT = 4,     /* string: "auto" or a number */
    RHT_START_TIME = 5,       /* zigzag varint: wall clock ns since epoch at start */
} ReplayHeaderTag;

typedef struct ReplayImage {
    char *role; /* "kernel", "initrd", "bios", ... */
    char *path;
    uint8_t sha256[32];
} ReplayImage;

typedef struct ReplayLogHeader {
    uint32_t format_version;
    char *emulator_version;
    GPtrArray *config_args; /* char * */
    GArray *images;         /* ReplayImage */
    char *icount_shift;
    int64_t start_time_ns;
} ReplayLogHeader;

ReplayLogHeader *replay_log_header_new(void);
void replay_log_header_free(ReplayLogHeader *h);
void replay_log_header_add_image(ReplayLogHeader *h, const char *role, const char *path,
                                 const uint8_t sha256[32]);

typedef struct ReplayEvent {
    uint8_t kind;
    uint64_t icount;
    const uint8_t *payload; /* valid until the next read */
    size_t len;
    uint64_t seq;          /* 0-based event number in the log */
    uint64_t chunk_offset; /* file offset of the chunk holding it */
} ReplayEvent;

typedef struct ReplayLogWriter ReplayLogWriter;
typedef struct ReplayLogReader ReplayLogReader;

ReplayLogWriter *replay_log_writer_open(const char *path, const ReplayLogHeader *h,
                                        bool compress, Error **errp);
/* icount must not decrease. */
bool replay_log_write_event(ReplayLogWriter *w, uint8_t kind, uint64_t icount,
                            const void *payload, size_t len, Error **errp);
/* End the current chunk and push it to the file (a SIGKILL after this loses nothing). */
bool replay_log_writer_flush(ReplayLogWriter *w, Error **errp);
/* Bytes written to the file so far. */
uint64_t replay_log_writer_size(const ReplayLogWriter *w);
/* Events written so far: the number (ReplayEvent.seq) the next event will have. */
uint64_t replay_log_writer_events(const ReplayLogWriter *w);
/* Flush, write the index and tail, close, free. */
bool replay_log_writer_close(ReplayLogWriter *w, Error **errp);

ReplayLogReader *replay_log_reader_open(const char *path, Error **errp);
const ReplayLogHeader *replay_log_reader_header(const ReplayLogReader *r);
/*
 * Next event: 1 if one was read, 0 at the end of the log, -1 on a corrupt log
 * (errp names the file offset and what is wrong).
 */
int replay_log_read_event(ReplayLogReader *r, ReplayEvent *ev, Error **errp);
/* After read returned 0: was the log cut short (no index/tail, or a partial chunk)? */
bool replay_log_reader_truncated(const ReplayLogReader *r);
/* File offset where the readable part of the log ends. */
uint64_t replay_log_reader_end_offset(const ReplayLogReader *r);
uint64_t replay_log_reader_file_size(const ReplayLogReader *r);
/*
 * Position the reader so that the next event read is event number seq (ReplayEvent.seq;
 * the number of events in the log positions it at the end). Backwards, the chunk
 * holding seq is read again (from the offsets of the chunks already read); forwards,
 * the chunks up to it are read and checked as a plain read would. False with errp if
 * the log holds fewer events or is corrupt on the way.
 */
bool replay_log_reader_seek(ReplayLogReader *r, uint64_t seq, Error **errp);
/*
 * Right after open: position the reader at the first chunk that can hold an event at
 * icount or later, using the index of a cleanly closed log, so that the chunks before
 * it are neither read nor decompressed. False (the reader still at the start) for a
 * log without an intact index.
 */
bool replay_log_reader_skip_to_icount(ReplayLogReader *r, uint64_t icount);
void replay_log_reader_close(ReplayLogReader *r);
/*
 * The icount of the last event of the log at path: from the index of a log that was
 * closed cleanly, else by reading every event.
 */
bool replay_log_last_icount(const char *path, uint64_t *icount, Error **errp);

/* CRC-32C (Castagnoli), as used by the format. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
