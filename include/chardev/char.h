/*
 * Character devices. A Chardev is a host backend (stdio, file, pipe, null, socket,
 * mux); a CharFrontend is the guest side (a UART, debugcon) attached to one.
 *
 * Input is flow-controlled and enters the machine only at checkpoints: backends read
 * host bytes into a bounded queue (and stop reading when it is full); the main loop
 * calls chardev_checkpoint(), which hands each frontend as many queued bytes as its
 * can_read() accepts, through the replay gate (replay-char.c). In replay mode
 * backends read nothing; the replay layer delivers logged bytes with
 * char_fe_deliver(). Writes go through the gate too, which records how many bytes
 * the backend accepted.
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include "util/osdep.h"
#include "util/error.h"

typedef struct Chardev Chardev;

enum {
    CHR_EVENT_OPENED, /* a client connected / backend ready */
    CHR_EVENT_CLOSED, /* the peer went away */
    CHR_EVENT_BREAK,  /* serial break (Ctrl-A B on a mux) */
};

typedef int CharCanReadCB(void *opaque);
typedef void CharReadCB(void *opaque, const uint8_t *buf, int len);
typedef void CharEventCB(void *opaque, int event);

typedef struct CharFrontend {
    Chardev *chr;
    CharCanReadCB *can_read;
    CharReadCB *read;
    CharEventCB *event;
    void *opaque;
    int replay_id; /* stable number used in the replay log, in attach order */
    bool recorded; /* false for the monitor and gdb: not part of the guest */
} CharFrontend;

/* -chardev BACKEND,id=ID,...  Returns NULL with errp set on bad options. */
Chardev *chardev_new_from_opts(const char *opts, Error **errp);
/*
 * The -serial / -debugcon shorthand: "stdio", "null", "none", "file:PATH",
 * "pipe:PATH", "tcp:[HOST]:PORT[,server=on|off][,wait=on|off]",
 * "unix:PATH[,server=on|off][,wait=on|off]", "mon:stdio", "chardev:ID".
 * "none" returns NULL without an error.
 */
Chardev *chardev_new_from_spec(const char *spec, const char *id, Error **errp);
Chardev *chardev_find(const char *id);
const char *chardev_id(const Chardev *chr);
/* For -nographic: the stdio mux shared by serial and monitor, created on first use. */
Chardev *chardev_stdio_mux(Error **errp);
void chardev_print_help(FILE *f);

/* Close every backend (restores the terminal). */
void chardev_cleanup_all(void);

/* Frontend side. recorded=false for host-side consumers (monitor, gdb). */
bool char_fe_init(CharFrontend *fe, Chardev *chr, bool recorded, Error **errp);
void char_fe_set_handlers(CharFrontend *fe, CharCanReadCB *can_read, CharReadCB *read,
                          CharEventCB *event, void *opaque);
/* Write; returns the number of bytes the backend accepted (replayed in replay mode). */
int char_fe_write(CharFrontend *fe, const uint8_t *buf, int len);
void char_fe_deinit(CharFrontend *fe);
/*
 * The frontend has room for input again (a UART's FIFO was read): if bytes are
 * waiting, ask the main loop for an early checkpoint so input flows at the pace the
 * guest reads it rather than once per CPU slice.
 */
void char_fe_accept_input(CharFrontend *fe);

/*
 * Main loop: deliver queued host input to frontends (record/none modes).
 * Returns true if any byte was delivered.
 */
bool chardev_checkpoint(void);
/* Replay: deliver logged input to the frontend with this replay id. */
void char_fe_deliver(int replay_id, const uint8_t *buf, int len);
/* A backend event (CHR_EVENT_*) for one frontend; breaks pass the replay gate. */
void char_fe_send_event(CharFrontend *fe, int event);
/* Replay: deliver a logged event to the frontend with this replay id. */
void char_fe_deliver_event(int replay_id, int event);
/* Backend-level implementation of a write (what the replay hook wraps). */
int char_fe_write_impl(CharFrontend *fe, const uint8_t *buf, int len);
/* In replay mode backends must not read host input. */
void chardev_set_input_enabled(bool enabled);

#endif
