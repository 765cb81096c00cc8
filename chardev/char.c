/* Character device core: options, the chardev registry, frontends, input queues. */
#include <glib-unix.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chardev/char-internal.h"
#include "system/main-loop.h"
#include "replay/replay.h"
#include "util/log.h"

static const ChardevDriver *const drivers[] = {
    &chardev_driver_stdio, &chardev_driver_file,   &chardev_driver_pipe,
    &chardev_driver_null,  &chardev_driver_socket,
};

static const ChardevKey common_keys[] = {
    {"id", CHR_KEY_STRING, true, "ID", "the name frontends and chardev:ID refer to"},
    {"mux", CHR_KEY_BOOL, false, "on|off",
     "share with several frontends (Ctrl-A escapes)"},
    {NULL},
};

/* Chardev ids are process-wide names (like -netdev ids), so the registry is too. */
static GPtrArray *chardevs; /* in creation order */
static int next_replay_id;
static bool input_enabled = true;

/* ---- options ---- */

ChardevOpts *chardev_opts_new(const char *backend)
{
    ChardevOpts *opts = g_new0(ChardevOpts, 1);

    opts->backend = g_strdup(backend);
    opts->keys = g_ptr_array_new_with_free_func(g_free);
    opts->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return opts;
}

void chardev_opts_free(ChardevOpts *opts)
{
    if (!opts) {
        return;
    }
    g_free(opts->backend);
    g_ptr_array_free(opts->keys, TRUE);
    g_hash_table_destroy(opts->values);
    g_free(opts);
}

/* value NULL records a bare "key" (meaning on, or off when spelled "nokey"). */
void chardev_opts_set(ChardevOpts *opts, const char *key, const char *value)
{
    if (!g_hash_table_contains(opts->values, key)) {
        g_ptr_array_add(opts->keys, g_strdup(key));
    }
    g_hash_table_replace(opts->values, g_strdup(key), g_strdup(value));
}

/* Split at single commas; ",," stands for a literal comma, as in QEMU. */
static GPtrArray *split_opts(const char *str)
{
    GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);

    for (const char *p = str; *p; p++) {
        if (*p != ',') {
            g_string_append_c(cur, *p);
        } else if (p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else {
            g_ptr_array_add(parts, g_string_free(cur, FALSE));
            cur = g_string_new(NULL);
        }
    }
    g_ptr_array_add(parts, g_string_free(cur, FALSE));
    return parts;
}

static void opts_add_item(ChardevOpts *opts, const char *item)
{
    const char *eq = strchr(item, '=');

    if (!eq) {
        chardev_opts_set(opts, item, NULL);
        return;
    }
    g_autofree char *key = g_strndup(item, eq - item);
    chardev_opts_set(opts, key, eq + 1);
}

void chardev_opts_parse_into(ChardevOpts *opts, const char *str)
{
    g_autoptr(GPtrArray) parts = split_opts(str);

    for (guint i = 0; i < parts->len; i++) {
        const char *item = g_ptr_array_index(parts, i);
        if (*item) {
            opts_add_item(opts, item);
        }
    }
}

const char *chardev_opt_str(const ChardevOpts *opts, const char *key)
{
    return g_hash_table_lookup(opts->values, key);
}

bool chardev_opt_is_set(const ChardevOpts *opts, const char *key)
{
    return chardev_opt_str(opts, key) != NULL;
}

/* Bool values are normalized to "on"/"off" by validation. */
bool chardev_opt_bool(const ChardevOpts *opts, const char *key, bool dflt)
{
    const char *value = chardev_opt_str(opts, key);

    return value ? strcmp(value, "on") == 0 : dflt;
}

static const ChardevKey *find_key(const ChardevKey *keys, const char *name)
{
    for (const ChardevKey *k = keys; k && k->name; k++) {
        if (strcmp(k->name, name) == 0) {
            return k;
        }
    }
    return NULL;
}

static const ChardevKey *lookup_key(const ChardevDriver *drv, const char *name)
{
    const ChardevKey *key = find_key(common_keys, name);

    return key ? key : find_key(drv->keys, name);
}

static const char *parse_bool(const char *value)
{
    static const char *const yes[] = {"on", "yes", "true"};
    static const char *const no[] = {"off", "no", "false"};

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (strcmp(value, yes[i]) == 0) {
            return "on";
        }
        if (strcmp(value, no[i]) == 0) {
            return "off";
        }
    }
    return NULL;
}

static bool port_is_valid(const char *value)
{
    char *end;
    unsigned long port;

    if (!g_ascii_isdigit(*value)) {
        return false;
    }
    errno = 0;
    port = strtoul(value, &end, 10);
    return errno == 0 && *end == '\0' && port <= 65535;
}

static bool check_value(ChardevOpts *opts, const ChardevKey *key, const char *label,
                        Error **errp)
{
    const char *value = chardev_opt_str(opts, key->name);

    if (key->type == CHR_KEY_BOOL) {
        const char *normal = parse_bool(value);
        if (!normal) {
            error_setg(errp, "%s: option '%s' expects on or off, not '%s'", label,
                       key->name, value);
            return false;
        }
        chardev_opts_set(opts, key->name, normal);
    } else if (key->type == CHR_KEY_PORT && !port_is_valid(value)) {
        error_setg(errp, "%s: option '%s' expects a port number (0-65535), not '%s'",
                   label, key->name, value);
        return false;
    }
    return true;
}

/* A bare "key": "server" means server=on, "nowait" means wait=off (old spelling). */
static bool expand_bare_key(ChardevOpts *opts, const ChardevDriver *drv, const char *name,
                            const char *label, Error **errp)
{
    const ChardevKey *key = lookup_key(drv, name);

    if (key && key->type == CHR_KEY_BOOL) {
        chardev_opts_set(opts, name, "on");
        return true;
    }
    if (key) {
        error_setg(errp, "%s: option '%s' needs a value", label, name);
        return false;
    }
    key = g_str_has_prefix(name, "no") ? lookup_key(drv, name + 2) : NULL;
    if (key && key->type == CHR_KEY_BOOL) {
        chardev_opts_set(opts, name + 2, "off");
        g_hash_table_remove(opts->values, name);
        return true;
    }
    error_setg(errp, "%s: unknown option '%s'", label, name);
    return false;
}

static bool check_key(ChardevOpts *opts, const ChardevDriver *drv, const char *name,
                      const char *label, Error **errp)
{
    const ChardevKey *key = lookup_key(drv, name);

    if (!g_hash_table_contains(opts->values, name)) {
        return true; /* a "noKEY" already expanded */
    }
    if (!chardev_opt_str(opts, name)) {
        return expand_bare_key(opts, drv, name, label, errp);
    }
    if (!key) {
        error_setg(errp, "%s: unknown option '%s'", label, name);
        return false;
    }
    return check_value(opts, key, label, errp);
}

static bool check_required(const ChardevOpts *opts, const ChardevKey *keys,
                           const char *label, Error **errp)
{
    for (const ChardevKey *k = keys; k && k->name; k++) {
        if (k->required && !chardev_opt_is_set(opts, k->name)) {
            error_setg(errp, "%s: missing required option '%s'", label, k->name);
            return false;
        }
    }
    return true;
}

static bool validate_opts(ChardevOpts *opts, const ChardevDriver *drv, Error **errp)
{
    const char *id = chardev_opt_str(opts, "id");
    g_autofree char *label =
        id ? g_strdup_printf("chardev '%s'", id) : g_strdup("chardev");
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

    /* Copy the names: expanding "nowait" adds "wait" to opts->keys. */
    for (guint i = 0; i < opts->keys->len; i++) {
        g_ptr_array_add(names, g_strdup(g_ptr_array_index(opts->keys, i)));
    }
    for (guint i = 0; i < names->len; i++) {
        if (!check_key(opts, drv, g_ptr_array_index(names, i), label, errp)) {
            return false;
        }
    }
    return check_required(opts, common_keys, label, errp) &&
           check_required(opts, drv->keys, label, errp);
}

/* ---- registry ---- */

static const ChardevDriver *find_driver(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
        if (strcmp(drivers[i]->name, name) == 0) {
            return drivers[i];
        }
    }
    return NULL;
}

Chardev *chardev_find(const char *id)
{
    for (guint i = 0; id && chardevs && i < chardevs->len; i++) {
        Chardev *chr = g_ptr_array_index(chardevs, i);
        if (strcmp(chr->id, id) == 0) {
            return chr;
        }
    }
    return NULL;
}

const char *chardev_id(const Chardev *chr)
{
    return chr->id;
}

static bool id_is_valid(const char *id)
{
    if (!g_ascii_isalpha(*id)) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

static bool check_new_id(const char *id, Error **errp)
{
    if (!id_is_valid(id)) {
        error_setg(errp,
                   "chardev '%s': invalid id (use letters, digits, '-', '.' and '_', "
                   "starting with a letter)",
                   id);
        return false;
    }
    if (chardev_find(id)) {
        error_setg(errp, "chardev '%s': id already in use", id);
        return false;
    }
    return true;
}

Chardev *chardev_alloc(const ChardevDriver *drv, const char *id)
{
    Chardev *chr;

    assert(drv->state_size >= sizeof(Chardev));
    chr = g_malloc0(drv->state_size);
    chr->id = g_strdup(id);
    chr->drv = drv;
    chr->max_frontends = 1;
    chr->opened = true;
    chr->in_fd = -1;
    for (int i = 0; i < CHR_MAX_FRONTENDS; i++) {
        chr->slots[i].queue = g_byte_array_new();
    }
    return chr;
}

void chardev_register(Chardev *chr)
{
    if (!chardevs) {
        chardevs = g_ptr_array_new();
    }
    g_ptr_array_add(chardevs, chr);
}

void chardev_free(Chardev *chr)
{
    if (chr->in_watch) {
        g_source_remove(chr->in_watch);
    }
    for (int i = 0; i < CHR_MAX_FRONTENDS; i++) {
        g_byte_array_free(chr->slots[i].queue, TRUE);
    }
    g_free(chr->id);
    g_free(chr);
}

static Chardev *open_backend(const ChardevDriver *drv, const char *id,
                             const ChardevOpts *opts, Error **errp)
{
    Chardev *chr = chardev_alloc(drv, id);

    if (!drv->open(chr, opts, errp)) {
        chardev_free(chr);
        return NULL;
    }
    chardev_register(chr);
    return chr;
}

Chardev *chardev_new_from_parsed(ChardevOpts *opts, Error **errp)
{
    const ChardevDriver *drv = find_driver(opts->backend);

    if (!*opts->backend) {
        error_setg(errp, "chardev: no backend given; try -chardev help");
        return NULL;
    }
    if (!drv) {
        error_setg(errp, "chardev: backend '%s' not known; try -chardev help",
                   opts->backend);
        return NULL;
    }
    if (!validate_opts(opts, drv, errp)) {
        return NULL;
    }
    const char *id = chardev_opt_str(opts, "id");
    if (!chardev_opt_bool(opts, "mux", false)) {
        return check_new_id(id, errp) ? open_backend(drv, id, opts, errp) : NULL;
    }
    /* With mux=on the id names the mux; the backend under it is ID-base (as in QEMU). */
    g_autofree char *base_id = g_strdup_printf("%s-base", id);
    if (!check_new_id(id, errp) || !check_new_id(base_id, errp)) {
        return NULL;
    }
    Chardev *base = open_backend(drv, base_id, opts, errp);
    return base ? mux_new(id, base) : NULL;
}

Chardev *chardev_new_from_opts(const char *str, Error **errp)
{
    const char *comma = strchr(str, ',');
    g_autofree char *backend = comma ? g_strndup(str, comma - str) : g_strdup(str);
    ChardevOpts *opts;
    Chardev *chr;

    if (strchr(backend, '=')) {
        error_setg(errp, "chardev: no backend given; try -chardev help");
        return NULL;
    }
    opts = chardev_opts_new(backend);
    chardev_opts_parse_into(opts, comma ? comma + 1 : "");
    chr = chardev_new_from_parsed(opts, errp);
    chardev_opts_free(opts);
    return chr;
}

/* ---- the -serial shorthand ---- */

static ChardevOpts *opts_with_path(const char *backend, const char *path)
{
    ChardevOpts *opts = chardev_opts_new(backend);

    chardev_opts_set(opts, "path", path);
    return opts;
}

/* "unix:PATH[,opts]" and "tcp:[HOST]:PORT[,opts]": options follow the first comma. */
static ChardevOpts *socket_spec_to_opts(char *addr, const char *options, const char *id,
                                        Error **errp)
{
    ChardevOpts *opts = chardev_opts_new("socket");
    char *colon = strrchr(addr, ':');
    char *host = addr;

    if (options) {
        chardev_opts_parse_into(opts, options);
    }
    if (!colon) {
        chardev_opts_free(opts);
        error_setg(errp, "chardev '%s': 'tcp:%s' should be tcp:[HOST]:PORT", id, addr);
        return NULL;
    }
    *colon = '\0';
    if (host[0] == '[' && colon > host + 1 && colon[-1] == ']') {
        colon[-1] = '\0'; /* [IPv6 literal] */
        host++;
    }
    if (*host) {
        chardev_opts_set(opts, "host", host);
    }
    chardev_opts_set(opts, "port", colon + 1);
    return opts;
}

static ChardevOpts *split_spec_to_opts(const char *rest, bool is_tcp, const char *id,
                                       Error **errp)
{
    g_autofree char *addr = g_strdup(rest);
    char *comma = strchr(addr, ',');
    ChardevOpts *opts;

    if (comma) {
        *comma++ = '\0';
    }
    if (is_tcp) {
        return socket_spec_to_opts(addr, comma, id, errp);
    }
    opts = opts_with_path("socket", addr);
    if (comma) {
        chardev_opts_parse_into(opts, comma);
    }
    return opts;
}

static ChardevOpts *spec_to_opts(const char *spec, const char *id, Error **errp)
{
    const char *rest;

    if (strcmp(spec, "stdio") == 0 || strcmp(spec, "null") == 0) {
        return chardev_opts_new(spec);
    }
    if ((rest = g_str_has_prefix(spec, "file:") ? spec + 5 : NULL)) {
        return opts_with_path("file", rest);
    }
    if ((rest = g_str_has_prefix(spec, "pipe:") ? spec + 5 : NULL)) {
        return opts_with_path("pipe", rest);
    }
    if (g_str_has_prefix(spec, "tcp:") || g_str_has_prefix(spec, "unix:")) {
        bool is_tcp = spec[0] == 't';
        return split_spec_to_opts(spec + (is_tcp ? 4 : 5), is_tcp, id, errp);
    }
    error_setg(errp,
               "chardev '%s': unknown spec '%s' (try stdio, mon:stdio, null, none, "
               "file:PATH, pipe:PATH, tcp:[HOST]:PORT, unix:PATH or chardev:ID)",
               id, spec);
    return NULL;
}

static Chardev *find_existing(const char *id, Error **errp)
{
    Chardev *chr = chardev_find(id);

    if (!chr) {
        error_setg(errp, "chardev '%s' not found", id);
    }
    return chr;
}

Chardev *chardev_new_from_spec(const char *spec, const char *id, Error **errp)
{
    ChardevOpts *opts;
    Chardev *chr;

    if (strcmp(spec, "none") == 0) {
        return NULL;
    }
    if (strcmp(spec, "mon:stdio") == 0) {
        return chardev_stdio_mux(errp);
    }
    if (g_str_has_prefix(spec, "chardev:")) {
        return find_existing(spec + 8, errp);
    }
    opts = spec_to_opts(spec, id, errp);
    if (!opts) {
        return NULL;
    }
    chardev_opts_set(opts, "id", id);
    chr = chardev_new_from_parsed(opts, errp);
    chardev_opts_free(opts);
    return chr;
}

static void print_keys(FILE *f, const ChardevKey *keys)
{
    for (const ChardevKey *k = keys; k && k->name; k++) {
        g_autofree char *syntax = g_strdup_printf("%s=%s", k->name, k->metavar);
        fprintf(f, "      %-18s %s%s\n", syntax, k->help,
                k->required ? " (required)" : "");
    }
}

void chardev_print_help(FILE *f)
{
    fprintf(f, "Chardev backends: -chardev BACKEND,id=ID[,mux=on][,KEY=VALUE...]\n");
    print_keys(f, common_keys);
    for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
        fprintf(f, "  %-8s %s\n", drivers[i]->name, drivers[i]->summary);
        print_keys(f, drivers[i]->keys);
    }
    fprintf(f, "Shorthand for -serial and -debugcon: stdio, mon:stdio, null, none,\n"
               "  file:PATH, pipe:PATH, tcp:[HOST]:PORT[,server=on][,wait=off],\n"
               "  unix:PATH[,server=on][,wait=off], chardev:ID\n");
}

void chardev_cleanup_all(void)
{
    while (chardevs && chardevs->len) {
        Chardev *chr = g_ptr_array_steal_index(chardevs, chardevs->len - 1);
        for (int i = 0; i < CHR_MAX_FRONTENDS; i++) {
            if (chr->slots[i].fe) {
                chr->slots[i].fe->chr = NULL; /* later writes go nowhere */
                chr->slots[i].fe = NULL;
            }
        }
        chardev_set_input_fd(chr, -1);
        if (chr->drv->close) {
            chr->drv->close(chr);
        }
        chardev_free(chr);
    }
    stdio_restore_terminal();
}

/* ---- frontends ---- */

static bool chardev_is_open(const Chardev *chr)
{
    return chr->base ? chr->base->opened : chr->opened;
}

static bool chardev_attach(Chardev *chr, CharFrontend *fe, Error **errp)
{
    if (chr->mux) {
        error_setg(errp, "chardev '%s' is the backend of mux '%s'; use '%s'", chr->id,
                   chr->mux->id, chr->mux->id);
        return false;
    }
    for (int i = 0; i < chr->max_frontends; i++) {
        if (!chr->slots[i].fe) {
            chr->slots[i].fe = fe;
            fe->chr = chr;
            return true;
        }
    }
    if (chr->max_frontends == 1) {
        error_setg(errp, "chardev '%s' is already in use by another device", chr->id);
    } else {
        error_setg(errp, "chardev '%s': a mux takes at most %d frontends", chr->id,
                   chr->max_frontends);
    }
    return false;
}

bool char_fe_init(CharFrontend *fe, Chardev *chr, bool recorded, Error **errp)
{
    memset(fe, 0, sizeof(*fe));
    if (chr && !chardev_attach(chr, fe, errp)) {
        return false;
    }
    fe->recorded = recorded;
    fe->replay_id = recorded ? next_replay_id++ : -1;
    if (chr) {
        chardev_update_input_watch(chr);
    }
    return true;
}

void char_fe_set_handlers(CharFrontend *fe, CharCanReadCB *can_read, CharReadCB *read,
                          CharEventCB *event, void *opaque)
{
    fe->can_read = can_read;
    fe->read = read;
    fe->event = event;
    fe->opaque = opaque;
    if (fe->chr && event && chardev_is_open(fe->chr)) {
        event(opaque, CHR_EVENT_OPENED);
    }
}

void char_fe_deinit(CharFrontend *fe)
{
    Chardev *chr = fe->chr;

    for (int i = 0; chr && i < CHR_MAX_FRONTENDS; i++) {
        if (chr->slots[i].fe == fe) {
            chr->slots[i].fe = NULL;
        }
    }
    fe->chr = NULL;
    fe->can_read = NULL;
    fe->read = NULL;
    fe->event = NULL;
    if (chr) {
        chardev_update_input_watch(chr);
    }
}

int chardev_backend_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chr->drv->write(chr, buf, len);
}

int char_fe_write_impl(CharFrontend *fe, const uint8_t *buf, int len)
{
    return fe->chr ? chardev_backend_write(fe->chr, buf, len) : len;
}

int char_fe_write(CharFrontend *fe, const uint8_t *buf, int len)
{
    if (fe->recorded && replay_mode == REPLAY_MODE_PLAY) {
        char_fe_write_impl(fe, buf, len); /* so the user still sees the output */
        return replay_char_write(fe->replay_id, 0);
    }
    int result = char_fe_write_impl(fe, buf, len);
    return fe->recorded ? replay_char_write(fe->replay_id, result) : result;
}

/* ---- host input ---- */

static bool guest_input_allowed(void)
{
    return input_enabled && replay_mode != REPLAY_MODE_PLAY;
}

/*
 * In replay the guest hears only the log, so host bytes for recorded frontends are
 * not taken; host-side consumers (the monitor) still listen.
 */
static bool slot_takes_input(const Chardev *chr, int slot)
{
    const CharFrontend *fe = chr->slots[slot].fe;

    return guest_input_allowed() || (fe && !fe->recorded);
}

size_t chardev_input_space(Chardev *chr)
{
    Chardev *sink = chr->mux ? chr->mux : chr;
    guint queued = sink->slots[sink->focus].queue->len;

    return queued >= CHR_QUEUE_LIMIT ? 0 : CHR_QUEUE_LIMIT - queued;
}

static bool chardev_wants_input(Chardev *chr)
{
    if (chr->in_fd < 0 || chr->in_closed || chardev_input_space(chr) == 0) {
        return false;
    }
    /* A mux always listens: its escapes (C-a x) and the monitor work in replay too. */
    return chr->mux || slot_takes_input(chr, 0);
}

static void chardev_input_ended(Chardev *chr, int err)
{
    log_mask_printf(LOG_CHARDEV, "chardev '%s': input %s\n", chr->id,
                    err ? strerror(err) : "reached end of file");
    chr->in_closed = true;
    if (chr->drv->input_closed) {
        chr->drv->input_closed(chr);
    }
}

static gboolean chardev_fd_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    uint8_t buf[CHR_QUEUE_LIMIT];
    size_t space = MIN(chardev_input_space(chr), sizeof(buf));
    ssize_t n = space ? read(fd, buf, space) : -1;

    if (n > 0) {
        chardev_receive(chr, buf, n);
    } else if (n == 0 || (space && errno != EINTR && errno != EAGAIN)) {
        chardev_input_ended(chr, n == 0 ? 0 : errno);
    }
    /* May remove this very source (queue full, or input gone); GLib allows that. */
    chardev_update_input_watch(chr);
    return G_SOURCE_CONTINUE;
}

void chardev_update_input_watch(Chardev *chr)
{
    Chardev *src = chr->base ? chr->base : chr;
    bool want = chardev_wants_input(src);

    if (want && !src->in_watch) {
        src->in_watch = g_unix_fd_add(src->in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                      chardev_fd_readable, src);
    } else if (!want && src->in_watch) {
        g_source_remove(src->in_watch);
        src->in_watch = 0;
    }
}

void chardev_set_input_fd(Chardev *chr, int fd)
{
    if (chr->in_watch) {
        g_source_remove(chr->in_watch);
        chr->in_watch = 0;
    }
    chr->in_fd = fd;
    chr->in_closed = false;
    chardev_update_input_watch(chr);
}

void chardev_receive(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (chr->mux) {
        mux_receive(chr->mux, buf, len);
        return;
    }
    chardev_queue_input(chr, 0, buf, len);
}

void chardev_queue_input(Chardev *chr, int slot, const uint8_t *buf, size_t len)
{
    if (!slot_takes_input(chr, slot)) {
        log_mask_printf(LOG_CHARDEV, "chardev '%s': replaying, %zu input bytes ignored\n",
                        chr->id, len);
        return;
    }
    g_byte_array_append(chr->slots[slot].queue, buf, len);
}

void chardev_set_input_enabled(bool enabled)
{
    input_enabled = enabled;
    for (guint i = 0; chardevs && i < chardevs->len; i++) {
        chardev_update_input_watch(g_ptr_array_index(chardevs, i));
    }
}

static bool deliver_queued(Chardev *chr, int slot)
{
    CharFrontend *fe = chr->slots[slot].fe;
    GByteArray *queue = chr->slots[slot].queue;
    uint8_t buf[CHR_QUEUE_LIMIT];
    int room;

    if (!fe || !queue->len || !fe->can_read || !fe->read ||
        !slot_takes_input(chr, slot)) {
        return false;
    }
    room = fe->can_read(fe->opaque);
    if (room <= 0) {
        return false;
    }
    int n = MIN((guint)room, MIN(queue->len, sizeof(buf)));
    memcpy(buf, queue->data, n);
    g_byte_array_remove_range(queue, 0, n);
    if (fe->recorded) {
        replay_char_read(fe->replay_id, buf, n);
    }
    fe->read(fe->opaque, buf, n);
    chardev_update_input_watch(chr);
    return true;
}

bool chardev_checkpoint(void)
{
    bool delivered = false;

    for (guint i = 0; chardevs && i < chardevs->len; i++) {
        Chardev *chr = g_ptr_array_index(chardevs, i);
        for (int slot = 0; slot < chr->max_frontends; slot++) {
            delivered |= deliver_queued(chr, slot);
        }
    }
    return delivered;
}

void char_fe_accept_input(CharFrontend *fe)
{
    Chardev *chr = fe->chr;

    if (!chr) {
        return;
    }
    for (int slot = 0; slot < chr->max_frontends; slot++) {
        if (chr->slots[slot].fe == fe && chr->slots[slot].queue->len) {
            main_loop_request_checkpoint();
            return;
        }
    }
}

static CharFrontend *find_recorded_frontend(int replay_id)
{
    for (guint i = 0; chardevs && i < chardevs->len; i++) {
        Chardev *chr = g_ptr_array_index(chardevs, i);
        for (int slot = 0; slot < chr->max_frontends; slot++) {
            CharFrontend *fe = chr->slots[slot].fe;
            if (fe && fe->recorded && fe->replay_id == replay_id) {
                return fe;
            }
        }
    }
    return NULL;
}

void char_fe_deliver(int replay_id, const uint8_t *buf, int len)
{
    CharFrontend *fe = find_recorded_frontend(replay_id);

    if (!fe || !fe->read) {
        log_mask_printf(LOG_CHARDEV | LOG_REPLAY,
                        "chardev: %d logged bytes for frontend %d, which has no reader\n",
                        len, replay_id);
        return;
    }
    fe->read(fe->opaque, buf, len);
}

/* ---- events ---- */

/*
 * A break loads a character into a UART: guest-visible, so it passes the replay gate
 * (recorded, and in replay only the log's breaks arrive). Opened/closed change
 * nothing a guest can see (the 16550 has no modem lines wired to the backend), so
 * they reach frontends live, in replay too.
 */
void char_fe_send_event(CharFrontend *fe, int event)
{
    if (!fe->event) {
        return;
    }
    if (fe->recorded && event == CHR_EVENT_BREAK &&
        !replay_char_event(fe->replay_id, event)) {
        return;
    }
    fe->event(fe->opaque, event);
}

void char_fe_deliver_event(int replay_id, int event)
{
    CharFrontend *fe = find_recorded_frontend(replay_id);

    if (fe && fe->event) {
        fe->event(fe->opaque, event);
    }
}

void chardev_send_event(Chardev *chr, int event)
{
    if (chr->mux) {
        chardev_send_event(chr->mux, event);
        return;
    }
    for (int i = 0; i < chr->max_frontends; i++) {
        CharFrontend *fe = chr->slots[i].fe;
        if (fe) {
            char_fe_send_event(fe, event);
        }
    }
}

void chardev_set_opened(Chardev *chr, bool opened)
{
    if (chr->opened == opened) {
        return;
    }
    chr->opened = opened;
    chardev_send_event(chr, opened ? CHR_EVENT_OPENED : CHR_EVENT_CLOSED);
}

/* ---- output ---- */

static bool wait_writable(int fd, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int r;

    do {
        r = poll(&pfd, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        errno = EAGAIN;
    }
    return r > 0;
}

static ssize_t write_some(int fd, const uint8_t *buf, size_t len, bool socket)
{
    /* MSG_NOSIGNAL: a vanished peer is an error to handle, not a SIGPIPE. */
    return socket ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);
}

int chardev_write_fd(Chardev *chr, int fd, const uint8_t *buf, int len, bool socket,
                     int wait_ms)
{
    int done = 0;
    int err = 0;

    while (done < len) {
        ssize_t n = write_some(fd, buf + done, len - done, socket);
        if (n > 0) {
            done += n;
            continue;
        }
        err = n == 0 ? EIO : errno;
        if (err == EINTR || ((err == EAGAIN || err == EWOULDBLOCK) && wait_ms != 0 &&
                             wait_writable(fd, wait_ms))) {
            continue;
        }
        log_mask_printf(LOG_CHARDEV, "chardev '%s': wrote %d of %d bytes: %s\n", chr->id,
                        done, len, strerror(err));
        break;
    }
    errno = err;
    return done;
}

/* ---- for tests ---- */

size_t chardev_queued_input(Chardev *chr, int slot)
{
    return chr->slots[slot].queue->len;
}

bool chardev_is_reading(Chardev *chr)
{
    return (chr->base ? chr->base : chr)->in_watch != 0;
}
