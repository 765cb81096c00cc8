/* Device types: the registry behind -device, typed properties, and the life cycle. */
#include "hw/device.h"
#include "chardev/char.h"

/* The registry of types is process-wide by nature: types register from constructors. */
static GHashTable *device_types;

void device_register(const DeviceInfo *info)
{
    if (!device_types) {
        device_types = g_hash_table_new(g_str_hash, g_str_equal);
    }
    assert(info->name && info->instance_size >= sizeof(DeviceState));
    /* Two types with one name: one of them could never be created. */
    assert(!g_hash_table_contains(device_types, info->name));
    g_hash_table_insert(device_types, (gpointer)info->name, (gpointer)info);
}

const DeviceInfo *device_find_type(const char *name)
{
    return device_types ? g_hash_table_lookup(device_types, name) : NULL;
}

/* ---- properties ---- */

static const char *prop_type_name(PropType type)
{
    static const char *const names[] = {
        [PROP_BOOL] = "bool",       [PROP_U8] = "uint8",   [PROP_U16] = "uint16",
        [PROP_U32] = "uint32",      [PROP_U64] = "uint64", [PROP_STR] = "str",
        [PROP_CHARDEV] = "chardev",
    };
    return names[type];
}

static uint64_t prop_max(PropType type)
{
    switch (type) {
    case PROP_U8: return UINT8_MAX;
    case PROP_U16: return UINT16_MAX;
    case PROP_U32: return UINT32_MAX;
    default: return UINT64_MAX;
    }
}

static const Property *device_find_prop(const DeviceInfo *info, const char *name)
{
    for (const Property *p = info->props; p && p->name; p++) {
        if (strcmp(p->name, name) == 0) {
            return p;
        }
    }
    return NULL;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"on", "true", "yes"};
    static const char *const no[] = {"off", "false", "no"};
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
            *out = strcmp(s, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

/* Decimal or 0x-prefixed hex; no sign, no trailing junk, no octal surprises. */
static bool parse_u64(const char *s, uint64_t *out)
{
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *digits = hex ? s + 2 : s;
    if (!g_ascii_isxdigit(*digits) || (!hex && !g_ascii_isdigit(*digits))) {
        return false;
    }
    char *end;
    errno = 0;
    *out = g_ascii_strtoull(digits, &end, hex ? 16 : 10);
    return errno == 0 && *end == '\0';
}

static bool prop_set_int(DeviceState *dev, const Property *p, const char *value,
                         Error **errp)
{
    uint64_t v;
    if (!parse_u64(value, &v) || v > prop_max(p->type)) {
        error_setg(
            errp,
            "property '%s' of device '%s' expects a %s (0 to %" PRIu64 "), got '%s'",
            p->name, dev->info->name, prop_type_name(p->type), prop_max(p->type), value);
        return false;
    }
    void *field = (char *)dev + p->offset;
    switch (p->type) {
    case PROP_U8: *(uint8_t *)field = v; break;
    case PROP_U16: *(uint16_t *)field = v; break;
    case PROP_U32: *(uint32_t *)field = v; break;
    default: *(uint64_t *)field = v; break;
    }
    return true;
}

static bool prop_set_bool(DeviceState *dev, const Property *p, const char *value,
                          Error **errp)
{
    if (!parse_bool(value, (bool *)((char *)dev + p->offset))) {
        error_setg(errp, "property '%s' of device '%s' expects a bool (on/off), got '%s'",
                   p->name, dev->info->name, value);
        return false;
    }
    return true;
}

static bool prop_set_chardev(DeviceState *dev, const Property *p, const char *value,
                             Error **errp)
{
    Chardev *chr = chardev_find(value);
    if (!chr) {
        error_setg(errp, "property '%s' of device '%s': chardev '%s' not found", p->name,
                   dev->info->name, value);
        return false;
    }
    *(Chardev **)((char *)dev + p->offset) = chr;
    return true;
}

static bool prop_set(DeviceState *dev, const Property *p, const char *value, Error **errp)
{
    char **str;
    switch (p->type) {
    case PROP_BOOL: return prop_set_bool(dev, p, value, errp);
    case PROP_STR:
        str = (char **)((char *)dev + p->offset);
        g_free(*str);
        *str = g_strdup(value);
        return true;
    case PROP_CHARDEV: return prop_set_chardev(dev, p, value, errp);
    default: return prop_set_int(dev, p, value, errp);
    }
}

bool device_set_prop(DeviceState *dev, const char *name, const char *value, Error **errp)
{
    assert(!dev->realized);
    if (strcmp(name, "id") == 0) {
        g_free(dev->id);
        dev->id = g_strdup(value);
        return true;
    }
    const Property *p = device_find_prop(dev->info, name);
    if (!p) {
        error_setg(errp,
                   "device '%s' has no property '%s' (use -device %s,help for a list)",
                   dev->info->name, name, dev->info->name);
        return false;
    }
    return prop_set(dev, p, value, errp);
}

static void device_apply_defaults(DeviceState *dev)
{
    for (const Property *p = dev->info->props; p && p->name; p++) {
        if (!p->defval) {
            continue;
        }
        Error *err = NULL;
        bool ok = prop_set(dev, p, p->defval, &err);
        /* A chardev default may name a backend that was not created; leave it NULL. */
        assert(ok || p->type == PROP_CHARDEV);
        error_free(err);
    }
}

/* ---- life cycle ---- */

DeviceState *device_new(const char *type, Error **errp)
{
    const DeviceInfo *info = device_find_type(type);
    if (!info) {
        error_setg(errp, "unknown device type '%s' (use -device help for a list)", type);
        return NULL;
    }
    DeviceState *dev = g_malloc0(info->instance_size);
    dev->info = info;
    device_apply_defaults(dev);
    return dev;
}

bool device_realize(DeviceState *dev, Machine *m, Error **errp)
{
    assert(!dev->realized);
    if (dev->info->realize && !dev->info->realize(dev, m, errp)) {
        return false;
    }
    dev->realized = true;
    return true;
}

void device_reset(DeviceState *dev)
{
    if (dev->info->reset) {
        dev->info->reset(dev);
    }
}

void device_free(DeviceState *dev)
{
    if (!dev) {
        return;
    }
    if (dev->realized && dev->info->unrealize) {
        dev->info->unrealize(dev);
    }
    for (const Property *p = dev->info->props; p && p->name; p++) {
        if (p->type == PROP_STR) {
            g_free(*(char **)((char *)dev + p->offset));
        }
    }
    g_free(dev->id);
    g_free(dev);
}

/* ---- -device NAME,prop=val,... ---- */

/* Split at single commas; ",," stands for a literal comma, as in QEMU's options. */
static GPtrArray *opts_split(const char *opts)
{
    GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    for (const char *s = opts; *s; s++) {
        if (*s == ',' && s[1] == ',') {
            g_string_append_c(cur, ',');
            s++;
        } else if (*s == ',') {
            g_ptr_array_add(parts, g_string_free(cur, false));
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *s);
        }
    }
    g_ptr_array_add(parts, g_string_free(cur, false));
    return parts;
}

static bool is_help(const char *s)
{
    return strcmp(s, "help") == 0 || strcmp(s, "?") == 0;
}

static bool device_set_opt(DeviceState *dev, const char *opt, Error **errp)
{
    const char *eq = strchr(opt, '=');
    if (!eq) {
        error_setg(errp, "device '%s': expected prop=value, got '%s'", dev->info->name,
                   opt);
        return false;
    }
    char *name = g_strndup(opt, eq - opt);
    bool ok = device_set_prop(dev, name, eq + 1, errp);
    g_free(name);
    return ok;
}

/* Apply "a=1,b=2" (the elements of parts from index first on). */
static bool device_set_opts(DeviceState *dev, GPtrArray *parts, guint first, Error **errp)
{
    for (guint i = first; i < parts->len; i++) {
        if (!device_set_opt(dev, g_ptr_array_index(parts, i), errp)) {
            return false;
        }
    }
    return true;
}

/* Not yet in hw/device.h (requested); machine_add_device uses it. */
bool device_set_props_str(DeviceState *dev, const char *props, Error **errp);

bool device_set_props_str(DeviceState *dev, const char *props, Error **errp)
{
    if (!props || !*props) {
        return true;
    }
    GPtrArray *parts = opts_split(props);
    bool ok = device_set_opts(dev, parts, 0, errp);
    g_ptr_array_free(parts, true);
    return ok;
}

static bool opts_want_help(GPtrArray *parts)
{
    for (guint i = 1; i < parts->len; i++) {
        if (is_help(g_ptr_array_index(parts, i))) {
            return true;
        }
    }
    return false;
}

static DeviceState *device_create_user(GPtrArray *parts, Error **errp)
{
    const char *type = g_ptr_array_index(parts, 0);
    const DeviceInfo *info = device_find_type(type);
    if (info && !info->user_creatable) {
        error_setg(errp, "device '%s' cannot be created with -device", type);
        return NULL;
    }
    DeviceState *dev = device_new(type, errp);
    if (dev && !device_set_opts(dev, parts, 1, errp)) {
        device_free(dev);
        return NULL;
    }
    return dev;
}

DeviceState *device_new_from_opts(const char *opts, bool *printed_help, Error **errp)
{
    GPtrArray *parts = opts_split(opts);
    const char *type = g_ptr_array_index(parts, 0);
    DeviceState *dev = NULL;
    bool help = is_help(type) || opts_want_help(parts);
    if (is_help(type)) {
        device_print_types(stdout);
    } else if (help) {
        device_print_props(type, stdout, errp);
    } else {
        dev = device_create_user(parts, errp);
    }
    if (printed_help) {
        *printed_help = help;
    }
    g_ptr_array_free(parts, true);
    return dev;
}

static gint compare_info_names(gconstpointer a, gconstpointer b)
{
    const DeviceInfo *x = *(const DeviceInfo *const *)a;
    const DeviceInfo *y = *(const DeviceInfo *const *)b;
    return strcmp(x->name, y->name);
}

void device_print_types(FILE *f)
{
    GPtrArray *infos = g_ptr_array_new();
    if (device_types) {
        GHashTableIter it;
        gpointer info;
        g_hash_table_iter_init(&it, device_types);
        while (g_hash_table_iter_next(&it, NULL, &info)) {
            g_ptr_array_add(infos, info);
        }
    }
    g_ptr_array_sort(infos, compare_info_names);
    fprintf(f, "Available devices (-device NAME,help lists properties):\n");
    for (guint i = 0; i < infos->len; i++) {
        const DeviceInfo *info = g_ptr_array_index(infos, i);
        if (info->user_creatable) {
            fprintf(f, "  %-20s %s\n", info->name, info->desc ? info->desc : "");
        }
    }
    g_ptr_array_free(infos, true);
}

bool device_print_props(const char *type, FILE *f, Error **errp)
{
    const DeviceInfo *info = device_find_type(type);
    if (!info) {
        error_setg(errp, "unknown device type '%s' (use -device help for a list)", type);
        return false;
    }
    fprintf(f, "%s options:\n", info->name);
    fprintf(f, "  %-24s - %s\n", "id=<str>", "device name for the monitor");
    for (const Property *p = info->props; p && p->name; p++) {
        char *lhs = g_strdup_printf("%s=<%s>", p->name, prop_type_name(p->type));
        fprintf(f, "  %-24s - %s", lhs, p->desc ? p->desc : "");
        if (p->defval) {
            fprintf(f, " (default: %s)", p->defval);
        }
        fputc('\n', f);
        g_free(lhs);
    }
    return true;
}
