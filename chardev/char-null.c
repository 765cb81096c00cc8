/* The null chardev: swallows output, never produces input. */
#include "chardev/char-internal.h"

static bool null_open(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    return true;
}

static int null_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

const ChardevDriver chardev_driver_null = {
    .name = "null",
    .summary = "discard output, no input",
    .state_size = sizeof(Chardev),
    .open = null_open,
    .write = null_write,
};
