/* The file chardev (output to a file) and the pipe chardev (named FIFOs). */
#include <fcntl.h>
#include <unistd.h>

#include "chardev/char-internal.h"

typedef struct FileChardev {
    Chardev chr;
    int out_fd;
    int in_fd; /* pipe only; may equal out_fd */
} FileChardev;

static FileChardev *file_chardev(Chardev *chr)
{
    return container_of(chr, FileChardev, chr);
}

static int open_or_fail(Chardev *chr, const char *path, int flags, Error **errp)
{
    int fd = open(path, flags | O_CLOEXEC, 0666);

    if (fd < 0) {
        error_setg_errno(errp, errno, "chardev '%s': cannot open '%s'", chr->id, path);
    }
    return fd;
}

static bool file_open(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    FileChardev *f = file_chardev(chr);
    bool append = chardev_opt_bool(opts, "append", false);
    int flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC);

    f->in_fd = -1;
    f->out_fd = open_or_fail(chr, chardev_opt_str(opts, "path"), flags, errp);
    return f->out_fd >= 0;
}

/*
 * FIFOs are opened read-write: open() then neither waits for a peer, and the input
 * never sees end of file when a writer comes and goes.
 */
static bool pipe_open_pair(FileChardev *f, const char *in_path, const char *out_path,
                           Error **errp)
{
    f->in_fd = open_or_fail(&f->chr, in_path, O_RDWR, errp);
    if (f->in_fd < 0) {
        return false;
    }
    f->out_fd = open_or_fail(&f->chr, out_path, O_RDWR, errp);
    if (f->out_fd < 0) {
        close(f->in_fd);
        return false;
    }
    return true;
}

static bool pipe_open(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    FileChardev *f = file_chardev(chr);
    const char *path = chardev_opt_str(opts, "path");
    g_autofree char *in_path = g_strdup_printf("%s.in", path);
    g_autofree char *out_path = g_strdup_printf("%s.out", path);

    if (access(in_path, F_OK) == 0 && access(out_path, F_OK) == 0) {
        if (!pipe_open_pair(f, in_path, out_path, errp)) {
            return false;
        }
    } else {
        f->out_fd = f->in_fd = open_or_fail(chr, path, O_RDWR, errp);
        if (f->out_fd < 0) {
            return false;
        }
    }
    chardev_set_input_fd(chr, f->in_fd);
    return true;
}

static int file_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chardev_write_fd(chr, file_chardev(chr)->out_fd, buf, len, false, -1);
}

static void file_close(Chardev *chr)
{
    FileChardev *f = file_chardev(chr);

    if (f->in_fd >= 0 && f->in_fd != f->out_fd) {
        close(f->in_fd);
    }
    close(f->out_fd);
}

static const ChardevKey file_keys[] = {
    {"path", CHR_KEY_STRING, true, "PATH", "file to write"},
    {"append", CHR_KEY_BOOL, false, "on|off", "append instead of truncating"},
    {NULL},
};

static const ChardevKey pipe_keys[] = {
    {"path", CHR_KEY_STRING, true, "PATH",
     "PATH.in and PATH.out if both exist, else PATH"},
    {NULL},
};

const ChardevDriver chardev_driver_file = {
    .name = "file",
    .summary = "write output to a file (no input)",
    .keys = file_keys,
    .state_size = sizeof(FileChardev),
    .open = file_open,
    .write = file_write,
    .close = file_close,
};

const ChardevDriver chardev_driver_pipe = {
    .name = "pipe",
    .summary = "named pipes (FIFOs) for input and output",
    .keys = pipe_keys,
    .state_size = sizeof(FileChardev),
    .open = pipe_open,
    .write = file_write,
    .close = file_close,
};
