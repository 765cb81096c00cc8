/* Shared between the chardev core (char.c) and its backends; not for device code. */
#ifndef CHARDEV_CHAR_INTERNAL_H
#define CHARDEV_CHAR_INTERNAL_H

#include "chardev/char.h"

/* Frontends per chardev: one, except on a mux (serial, monitor, ...). */
#define CHR_MAX_FRONTENDS 4
/*
 * Host bytes a frontend may have waiting for a checkpoint. When the queue is full the
 * backend stops reading its fd, so the kernel (and the peer) hold the rest.
 */
#define CHR_QUEUE_LIMIT 4096
/* The escape character of a mux: Ctrl-A. */
#define MUX_ESCAPE_CHAR 0x01

typedef enum ChardevKeyType {
    CHR_KEY_STRING,
    CHR_KEY_BOOL, /* stored as "on" or "off" once parsed */
    CHR_KEY_PORT, /* 0..65535 */
} ChardevKeyType;

typedef struct ChardevKey {
    const char *name;
    ChardevKeyType type;
    bool required;
    const char *metavar; /* for help: "PATH", "on|off" */
    const char *help;
} ChardevKey;

/* Parsed "-chardev BACKEND,key=value,..." options. */
typedef struct ChardevOpts {
    char *backend;
    GPtrArray *keys;    /* key names in the order given */
    GHashTable *values; /* key -> value (NULL for a bare "key"), both owned */
} ChardevOpts;

typedef struct ChardevDriver {
    const char *name;
    const char *summary;
    const ChardevKey *keys; /* terminated by an entry with name NULL */
    size_t state_size;      /* the backend's struct, which starts with a Chardev */
    bool (*open)(Chardev *chr, const ChardevOpts *opts, Error **errp);
    int (*write)(Chardev *chr, const uint8_t *buf, int len);
    /* The input fd hit end of file or an error. NULL: just stop reading. */
    void (*input_closed)(Chardev *chr);
    void (*close)(Chardev *chr);
} ChardevDriver;

typedef struct CharSlot {
    CharFrontend *fe;
    GByteArray *queue; /* host input waiting for the next checkpoint */
} CharSlot;

struct Chardev {
    char *id;
    const ChardevDriver *drv;
    CharSlot slots[CHR_MAX_FRONTENDS];
    int max_frontends; /* 1, or CHR_MAX_FRONTENDS for a mux */
    int focus;         /* the slot that host input goes to */
    Chardev *mux;      /* on a mux's backend: the mux that takes its input */
    Chardev *base;     /* on a mux: the backend it wraps */
    bool opened;       /* the backend is connected (always, except sockets) */
    int in_fd;         /* host input, or -1 */
    bool in_closed;    /* in_fd reached end of file */
    guint in_watch;
};

extern const ChardevDriver chardev_driver_stdio;
extern const ChardevDriver chardev_driver_file;
extern const ChardevDriver chardev_driver_pipe;
extern const ChardevDriver chardev_driver_null;
extern const ChardevDriver chardev_driver_socket;
extern const ChardevDriver chardev_driver_mux;

/* Options. */
ChardevOpts *chardev_opts_new(const char *backend);
void chardev_opts_free(ChardevOpts *opts);
void chardev_opts_set(ChardevOpts *opts, const char *key, const char *value);
/* Add "key=value,key,nokey,..." (",," is a literal comma). */
void chardev_opts_parse_into(ChardevOpts *opts, const char *str);
const char *chardev_opt_str(const ChardevOpts *opts, const char *key);
bool chardev_opt_bool(const ChardevOpts *opts, const char *key, bool dflt);
bool chardev_opt_is_set(const ChardevOpts *opts, const char *key);
Chardev *chardev_new_from_parsed(ChardevOpts *opts, Error **errp);

/* Registry. */
Chardev *chardev_alloc(const ChardevDriver *drv, const char *id);
void chardev_register(Chardev *chr);
void chardev_free(Chardev *chr);

/* Host input: backends hand their input fd to the core, which reads it. */
void chardev_set_input_fd(Chardev *chr, int fd);
void chardev_update_input_watch(Chardev *chr);
size_t chardev_input_space(Chardev *chr);
/* Host bytes just read by chr's backend (through its mux, if any). */
void chardev_receive(Chardev *chr, const uint8_t *buf, size_t len);
/* Queue bytes for one frontend slot (after any mux escape processing). */
void chardev_queue_input(Chardev *chr, int slot, const uint8_t *buf, size_t len);
void chardev_send_event(Chardev *chr, int event);
void chardev_set_opened(Chardev *chr, bool opened);

/* Output. */
int chardev_backend_write(Chardev *chr, const uint8_t *buf, int len);
/*
 * Write all of buf to fd, waiting up to wait_ms (-1: forever) each time it would block.
 * Returns the bytes written; when short, errno says why (EAGAIN: timed out).
 */
int chardev_write_fd(Chardev *chr, int fd, const uint8_t *buf, int len, bool socket,
                     int wait_ms);

/* Mux. */
/* Wrap base (already registered) in a mux named id. */
Chardev *mux_new(const char *id, Chardev *base);
void mux_receive(Chardev *mux, const uint8_t *buf, size_t len);

/* Stdio: put the terminal back the way we found it. */
void stdio_restore_terminal(void);

/* For tests. */
size_t chardev_queued_input(Chardev *chr, int slot);
bool chardev_is_reading(Chardev *chr);
int chardev_socket_port(Chardev *chr); /* bound TCP port of a server, or -1 */
int chardev_mux_focus(Chardev *chr);

#endif
