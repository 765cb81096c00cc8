/*
 * The mux chardev: one backend (usually stdio) shared by several frontends, the serial
 * console and the monitor, with QEMU's Ctrl-A escapes. Escapes are handled as host
 * bytes arrive, before anything is queued for a frontend, so they never reach the
 * guest or the replay log.
 */
#include "chardev/char-internal.h"
#include "system/runstate.h"

#define STDIO_MUX_ID "stdio-mux"

typedef struct MuxChardev {
    Chardev chr;
    bool got_escape;
    bool timestamps;    /* C-a t: prefix output lines with the time since start */
    bool at_line_start; /* the next output byte starts a line */
    int64_t start_us;
} MuxChardev;

static const char mux_help[] = "\r\n"
                               "C-a h    print this help\r\n"
                               "C-a x    exit emulator\r\n"
                               "C-a t    toggle console timestamps\r\n"
                               "C-a b    send break (magic sysrq)\r\n"
                               "C-a c    switch between console and monitor\r\n"
                               "C-a C-a  sends C-a\r\n";

static MuxChardev *mux_chardev(Chardev *chr)
{
    return container_of(chr, MuxChardev, chr);
}

static void mux_print(MuxChardev *m, const char *text)
{
    chardev_backend_write(m->chr.base, (const uint8_t *)text, strlen(text));
}

static void mux_switch_focus(MuxChardev *m)
{
    Chardev *chr = &m->chr;

    for (int step = 1; step <= chr->max_frontends; step++) {
        int slot = (chr->focus + step) % chr->max_frontends;
        if (chr->slots[slot].fe) {
            chr->focus = slot;
            break;
        }
    }
    chardev_update_input_watch(
        chr); /* the new focus may have room when the old had none */
}

static void mux_send_break(MuxChardev *m)
{
    CharFrontend *fe = m->chr.slots[m->chr.focus].fe;

    if (fe) {
        char_fe_send_event(fe, CHR_EVENT_BREAK);
    }
}

static void mux_escape(MuxChardev *m, uint8_t ch)
{
    switch (ch) {
    case MUX_ESCAPE_CHAR: chardev_queue_input(&m->chr, m->chr.focus, &ch, 1); break;
    case 'x':
        mux_print(m, "reprise: terminated\r\n");
        runstate_host_shutdown_request(SHUTDOWN_CAUSE_HOST_QUIT);
        break;
    case 'h':
    case '?': mux_print(m, mux_help); break;
    case 'c': mux_switch_focus(m); break;
    case 'b': mux_send_break(m); break;
    case 't':
        m->timestamps = !m->timestamps;
        m->at_line_start = true;
        break;
    default: break; /* unknown escapes are swallowed, as in QEMU */
    }
}

void mux_receive(Chardev *chr, const uint8_t *buf, size_t len)
{
    MuxChardev *m = mux_chardev(chr);

    for (size_t i = 0; i < len; i++) {
        if (m->got_escape) {
            m->got_escape = false;
            mux_escape(m, buf[i]);
        } else if (buf[i] == MUX_ESCAPE_CHAR) {
            m->got_escape = true;
        } else {
            chardev_queue_input(chr, chr->focus, &buf[i], 1);
        }
    }
}

static void mux_write_stamp(MuxChardev *m)
{
    int64_t ms = (g_get_monotonic_time() - m->start_us) / 1000;
    g_autofree char *stamp =
        g_strdup_printf("[%02d:%02d:%02d.%03d] ", (int)(ms / 3600000),
                        (int)(ms / 60000 % 60), (int)(ms / 1000 % 60), (int)(ms % 1000));

    mux_print(m, stamp);
}

static int mux_write_stamped(MuxChardev *m, const uint8_t *buf, int len)
{
    int done = 0;

    while (done < len) {
        const uint8_t *nl = memchr(buf + done, '\n', len - done);
        int n = nl ? (int)(nl - (buf + done)) + 1 : len - done;
        if (m->at_line_start) {
            mux_write_stamp(m);
        }
        int written = chardev_backend_write(m->chr.base, buf + done, n);
        done += written;
        m->at_line_start = nl != NULL;
        if (written < n) {
            break;
        }
    }
    return done;
}

/* Every frontend's output goes out, focused or not. */
static int mux_write(Chardev *chr, const uint8_t *buf, int len)
{
    MuxChardev *m = mux_chardev(chr);

    if (m->timestamps) {
        return mux_write_stamped(m, buf, len);
    }
    return chardev_backend_write(chr->base, buf, len);
}

static void mux_close(Chardev *chr)
{
    chr->base->mux = NULL;
}

Chardev *mux_new(const char *id, Chardev *base)
{
    Chardev *chr = chardev_alloc(&chardev_driver_mux, id);
    MuxChardev *m = mux_chardev(chr);

    chr->max_frontends = CHR_MAX_FRONTENDS;
    chr->base = base;
    base->mux = chr;
    m->at_line_start = true;
    m->start_us = g_get_monotonic_time();
    chardev_register(chr);
    chardev_update_input_watch(chr);
    return chr;
}

Chardev *chardev_stdio_mux(Error **errp)
{
    Chardev *chr = chardev_find(STDIO_MUX_ID);

    if (chr) {
        return chr;
    }
    /* signal=off: as with QEMU's mon:stdio, Ctrl-C belongs to the guest; C-a x quits. */
    return chardev_new_from_opts("stdio,id=" STDIO_MUX_ID ",mux=on,signal=off", errp);
}

int chardev_mux_focus(Chardev *chr)
{
    return chr->focus;
}

const ChardevDriver chardev_driver_mux = {
    .name = "mux",
    .summary = "several frontends on one backend (created with mux=on)",
    .state_size = sizeof(MuxChardev),
    .write = mux_write,
    .close = mux_close,
};
