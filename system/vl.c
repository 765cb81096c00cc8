/*
 * The command line (QEMU's conventions: single-dash options, key=value sub-options)
 * and the start-up sequence: configuration, replay set-up, machine, main loop.
 */
#include "system/vl.h"
#include "system/icount.h"
#include "system/runstate.h"
#include "system/main-loop.h"
#include "hw/machine.h"
#include "hw/loader.h"
#include "hw/i386/pc.h"
#include "hw/i386/linux-boot.h"
#include "target/i386/cpuid.h"
#include "chardev/char.h"
#include "crypto/guest-random.h"
#include "replay/replay.h"
#include "target/i386/cpu.h"
#include "util/log.h"
#include "monitor/monitor.h"
#include "migration/savevm.h"
#include "replay/replay-snapshot.h"
#include "gdbstub/gdbstub.h"
#include "hw/i386/pc-bios.h"
#include "config-host.h"
#include <glib-unix.h>

#define DEFAULT_RAM_MB 128

typedef bool OptFn(MachineConfig *c, const char *arg, Error **errp);

typedef struct VlOption {
    const char *name;
    const char *alias;
    const char *argname; /* NULL: takes no argument */
    OptFn *fn;
    const char *help;
} VlOption;

MachineConfig *machine_config_new(void)
{
    MachineConfig *c = g_new0(MachineConfig, 1);

    c->machine = g_strdup("pc");
    c->ram_size = (uint64_t)DEFAULT_RAM_MB << 20;
    c->serials = g_ptr_array_new_with_free_func(g_free);
    c->chardevs = g_ptr_array_new_with_free_func(g_free);
    c->devices = g_ptr_array_new_with_free_func(g_free);
    return c;
}

void machine_config_free(MachineConfig *c)
{
    if (!c) {
        return;
    }
    g_free(c->machine);
    g_free(c->kernel_boot);
    g_free(c->cpu_model);
    g_free(c->rtc_base);
    g_free(c->kernel);
    g_free(c->initrd);
    g_free(c->bios);
    g_free(c->append);
    g_free(c->debugcon);
    g_free(c->icount);
    g_free(c->log_items);
    g_free(c->log_file);
    g_ptr_array_unref(c->serials);
    g_ptr_array_unref(c->chardevs);
    g_ptr_array_unref(c->devices);
    g_free(c);
}

static void set_str(char **dst, const char *v)
{
    g_free(*dst);
    *dst = g_strdup(v);
}

static bool opt_machine_prop(MachineConfig *c, const char *prop, Error **errp)
{
    KernelBootMode mode;

    if (g_str_has_prefix(prop, "kernel-boot=")) {
        if (!kernel_boot_mode_parse(prop + 12, &mode, errp)) {
            return false;
        }
        set_str(&c->kernel_boot, prop + 12);
        return true;
    }
    if (!strcmp(prop, "type=pc")) {
        return true;
    }
    error_setg(errp,
               "unknown property '%s' (the pc machine has kernel-boot=auto|pvh|"
               "bzimage)",
               prop);
    return false;
}

static bool opt_machine(MachineConfig *c, const char *arg, Error **errp)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", -1);
    int first = 0;

    if (!strcmp(parts[0], "help")) {
        printf("Supported machines are:\npc                   Standard PC (i440FX + "
               "PIIX3, the default)\n");
        return true;
    }
    if (strchr(parts[0], '=') == NULL) {
        if (strcmp(parts[0], "pc")) {
            error_setg(errp, "unsupported machine type '%s' (use -machine help)",
                       parts[0]);
            return false;
        }
        first = 1;
    }
    for (int i = first; parts[i]; i++) {
        if (!opt_machine_prop(c, parts[i], errp)) {
            return false;
        }
    }
    set_str(&c->machine, "pc");
    return true;
}

static bool opt_cpu(MachineConfig *c, const char *arg, Error **errp)
{
    if (!strcmp(arg, "help")) {
        cpu_model_print_help(stdout);
        return true;
    }
    set_str(&c->cpu_model, arg);
    return true;
}

static bool opt_rtc(MachineConfig *c, const char *arg, Error **errp)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", -1);

    for (int i = 0; parts[i]; i++) {
        if (g_str_has_prefix(parts[i], "base=")) {
            set_str(&c->rtc_base, parts[i] + 5);
        } else if (strcmp(parts[i], "clock=vm")) {
            error_setg(errp,
                       "unknown option '%s' (expected base=utc|localtime|DATE, "
                       "clock=vm)",
                       parts[i]);
            return false;
        }
    }
    return true;
}

static bool opt_memory(MachineConfig *c, const char *arg, Error **errp)
{
    const char *v = g_str_has_prefix(arg, "size=") ? arg + 5 : arg;
    char *end;
    uint64_t n = g_ascii_strtoull(v, &end, 10), mult = 1ull << 20;

    if (*end == 'k' || *end == 'K') {
        mult = 1ull << 10;
    } else if (*end == 'G' || *end == 'g') {
        mult = 1ull << 30;
    } else if (*end == 'M' || *end == 'm') {
        mult = 1ull << 20;
    } else if (*end) {
        end = NULL;
    }
    if (!end || end == v || (*end && end[1]) || n == 0 || n > (1ull << 40) / mult ||
        n * mult < (1ull << 20) || n * mult > (64ull << 30)) {
        error_setg(errp,
                   "expected a size between 1M and 64G (e.g. 128, 512M, 2G), "
                   "not '%s'",
                   arg);
        return false;
    }
    c->ram_size = n * mult;
    return true;
}

static bool opt_kernel(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&c->kernel, arg);
    return true;
}

static bool opt_bios(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&c->bios, arg);
    return true;
}

static char *vl_gdb_dev;

static bool opt_gdb(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&vl_gdb_dev, arg);
    return true;
}

static bool opt_s(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&vl_gdb_dev, "tcp::1234");
    return true;
}

static bool opt_initrd(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&c->initrd, arg);
    return true;
}

static bool opt_append(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&c->append, arg);
    return true;
}

static bool opt_serial(MachineConfig *c, const char *arg, Error **errp)
{
    if (c->serials->len >= 4) {
        error_setg(errp, "at most 4 serial ports");
        return false;
    }
    g_ptr_array_add(c->serials, g_strdup(arg));
    return true;
}

static bool opt_chardev(MachineConfig *c, const char *arg, Error **errp)
{
    if (!strcmp(arg, "help")) {
        chardev_print_help(stdout);
        return true;
    }
    g_ptr_array_add(c->chardevs, g_strdup(arg));
    return true;
}

static bool opt_device(MachineConfig *c, const char *arg, Error **errp)
{
    g_ptr_array_add(c->devices, g_strdup(arg));
    return true;
}

static bool opt_debugcon(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&c->debugcon, arg);
    return true;
}

static bool opt_nographic(MachineConfig *c, const char *arg, Error **errp)
{
    c->nographic = true;
    return true;
}

static bool opt_display(MachineConfig *c, const char *arg, Error **errp)
{
    if (strcmp(arg, "none")) {
        error_setg(errp, "only 'none' is supported, not '%s'", arg);
        return false;
    }
    c->display_none = true;
    return true;
}

static bool opt_icount(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&c->icount, arg);
    c->icount_given = true;
    return true;
}

static bool opt_no_reboot(MachineConfig *c, const char *arg, Error **errp)
{
    c->no_reboot = true;
    return true;
}

static bool opt_seed(MachineConfig *c, const char *arg, Error **errp)
{
    char *end;

    c->seed = g_ascii_strtoull(arg, &end, 0);
    if (!*arg || *end) {
        error_setg(errp, "expected a number, not '%s'", arg);
        return false;
    }
    c->seed_given = true;
    return true;
}

static bool opt_log(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&c->log_items, arg);
    return true;
}

static bool opt_logfile(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&c->log_file, arg);
    return true;
}

static bool opt_accel(MachineConfig *c, const char *arg, Error **errp)
{
    if (strcmp(arg, "tcg") && strcmp(arg, "accel=tcg")) {
        error_setg(errp, "only 'tcg' is available, not '%s'", arg);
        return false;
    }
    return true;
}

static bool opt_smp(MachineConfig *c, const char *arg, Error **errp)
{
    if (strcmp(arg, "1") && strcmp(arg, "cpus=1")) {
        error_setg(errp, "only one CPU is supported, not '%s'", arg);
        return false;
    }
    return true;
}

static GPtrArray *vl_monitors;
static bool vl_start_stopped;
static char *vl_loadvm;

static bool opt_monitor(MachineConfig *c, const char *arg, Error **errp)
{
    if (!vl_monitors) {
        vl_monitors = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(vl_monitors, g_strdup(arg));
    return true;
}

static bool opt_S(MachineConfig *c, const char *arg, Error **errp)
{
    vl_start_stopped = true;
    return true;
}

static bool opt_loadvm(MachineConfig *c, const char *arg, Error **errp)
{
    set_str(&vl_loadvm, arg);
    return true;
}

static bool vl_start_monitors(const MachineConfig *c, Error **errp)
{
    if (!vl_monitors && c->nographic) {
        return monitor_init("mon:stdio", errp);
    }
    for (guint i = 0; vl_monitors && i < vl_monitors->len; i++) {
        if (!monitor_init(vl_monitors->pdata[i], errp)) {
            error_prepend(errp, "-monitor %s: ", (char *)vl_monitors->pdata[i]);
            return false;
        }
    }
    return true;
}

static bool vl_before_run(Machine *m, const MachineConfig *c, Error **errp)
{
    savevm_set_machine(m);
    if (!vl_start_monitors(c, errp)) {
        return false;
    }
    if (icount_rr_snapshot() && !replay_rrsnapshot_at_start(icount_rr_snapshot(), errp)) {
        return false;
    }
    if (vl_loadvm && !vm_loadvm_at_start(vl_loadvm, errp)) {
        return false;
    }
    if (vl_gdb_dev && !gdbserver_start(vl_gdb_dev, errp)) {
        error_prepend(errp, "-gdb %s: ", vl_gdb_dev);
        return false;
    }
    if (vl_start_stopped) {
        vm_start_paused();
    }
    return true;
}

static bool opt_not_yet(MachineConfig *c, const char *arg, Error **errp)
{
    error_setg(errp, "this option is not implemented yet");
    return false;
}

static bool opt_help(MachineConfig *c, const char *arg, Error **errp);
static bool opt_version(MachineConfig *c, const char *arg, Error **errp);

static const VlOption vl_options[] = {
    {"machine", "M", "TYPE", opt_machine, "machine type (only 'pc'; 'help' lists)"},
    {"m", NULL, "SIZE", opt_memory, "guest RAM size (default 128M; suffixes K, M, G)"},
    {"kernel", NULL, "FILE", opt_kernel, "kernel to boot (Multiboot ELF)"},
    {"initrd", NULL, "FILE", opt_initrd, "initial RAM disk (a Multiboot module)"},
    {"append", NULL, "CMDLINE", opt_append, "kernel command line"},
    {"serial", NULL, "DEV", opt_serial,
     "next serial port's backend (stdio, file:F, "
     "tcp:..., unix:..., pipe:F, null, none, mon:stdio)"},
    {"chardev", NULL, "BACKEND,id=ID,...", opt_chardev,
     "character backend ('help' lists)"},
    {"device", NULL, "NAME[,prop=val...]", opt_device, "add a device ('help' lists)"},
    {"debugcon", NULL, "DEV", opt_debugcon, "isa-debugcon (port 0xe9) on DEV"},
    {"nographic", NULL, NULL, opt_nographic,
     "no display; serial on the terminal "
     "(Ctrl-A X quits, Ctrl-A H helps)"},
    {"display", NULL, "none", opt_display, "display backend (only 'none')"},
    {"icount", NULL, "shift=N|auto[,sleep=on|off][,rr=record|replay,rrfile=F]",
     opt_icount, "count instructions; virtual time = icount << shift; record/replay"},
    {"no-reboot", NULL, NULL, opt_no_reboot, "exit instead of rebooting"},
    {"seed", NULL, "N", opt_seed, "seed guest randomness (RDRAND) deterministically"},
    {"d", NULL, "ITEM,...", opt_log, "log items ('-d help' lists)"},
    {"D", NULL, "FILE", opt_logfile, "write the log to FILE"},
    {"accel", NULL, "tcg", opt_accel, "accelerator (only tcg)"},
    {"smp", NULL, "1", opt_smp, "number of CPUs (only 1)"},
    {"cpu", NULL, "MODEL", opt_cpu, "CPU model ('help' lists them)"},
    {"bios", NULL, "FILE", opt_bios,
     "firmware image to boot (e.g. SeaBIOS), instead of -kernel"},
    {"monitor", NULL, "DEV", opt_monitor,
     "human monitor on DEV (stdio, tcp:..., unix:..., chardev:ID)"},
    {"gdb", NULL, "DEV", opt_gdb,
     "gdb server on DEV (tcp:[HOST]:PORT, unix:PATH, chardev:ID)"},
    {"s", NULL, NULL, opt_s, "gdb server on tcp::1234 (localhost)"},
    {"S", NULL, NULL, opt_S, "start with the VM stopped (cont in the monitor runs it)"},
    {"rtc", NULL, "base=utc|localtime|DATE", opt_rtc,
     "RTC start time (default: the "
     "host clock, in UTC)"},
    {"drive", NULL, "OPTS", opt_not_yet, "disks (not implemented yet)"},
    {"netdev", NULL, "OPTS", opt_not_yet, "networking (not implemented yet)"},
    {"loadvm", NULL, "NAME", opt_loadvm, "start from the named snapshot"},
    {"version", NULL, NULL, opt_version, "print the version and exit"},
    {"h", "help", NULL, opt_help, "print this help and exit"},
};

static bool opt_help(MachineConfig *c, const char *arg, Error **errp)
{
    printf(
        "usage: reprise [options]\n\n"
        "Reprise %s, an x86 PC emulator built for deterministic record and replay.\n\n",
        REPRISE_VERSION);
    for (size_t i = 0; i < ARRAY_SIZE(vl_options); i++) {
        const VlOption *o = &vl_options[i];
        g_autofree char *lhs = g_strdup_printf(
            "-%s%s%s%s%s", o->name, o->alias ? "/-" : "", o->alias ? o->alias : "",
            o->argname ? " " : "", o->argname ? o->argname : "");
        printf("  %-28s %s\n", lhs, o->help);
    }
    printf("\nRecord:  reprise ... -icount shift=auto,rr=record,rrfile=log.bin\n"
           "Replay:  reprise -icount rr=replay,rrfile=log.bin\n");
    return true;
}

static bool opt_version(MachineConfig *c, const char *arg, Error **errp)
{
    printf("Reprise emulator version %s\n", REPRISE_VERSION);
    return true;
}

static const VlOption *vl_find_option(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(vl_options); i++) {
        const VlOption *o = &vl_options[i];
        if (!strcmp(o->name, name) || (o->alias && !strcmp(o->alias, name))) {
            return o;
        }
    }
    return NULL;
}

static bool vl_answers_help(const VlOption *o, const char *arg)
{
    if (o->fn == opt_help || o->fn == opt_version) {
        return true;
    }
    return arg && (!strcmp(arg, "help") || g_str_has_suffix(arg, ",help")) &&
           (o->fn == opt_machine || o->fn == opt_chardev || o->fn == opt_device ||
            o->fn == opt_log || o->fn == opt_cpu);
}

VlParseResult vl_parse_args(MachineConfig *c, int argc, char **argv, Error **errp)
{
    bool answered = false;

    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        const VlOption *o;
        const char *arg = NULL;

        if (name[0] != '-' || !name[1]) {
            error_setg(errp, "'%s': expected an option (see -h)", name);
            return VL_PARSE_ERROR;
        }
        name += name[1] == '-' ? 2 : 1; /* --opt is accepted too */
        o = vl_find_option(name);
        if (!o) {
            error_setg(errp, "-%s: unknown option (see -h)", name);
            return VL_PARSE_ERROR;
        }
        if (o->argname) {
            if (i + 1 >= argc) {
                error_setg(errp, "-%s: requires an argument (%s)", o->name, o->argname);
                return VL_PARSE_ERROR;
            }
            arg = argv[++i];
        }
        if (vl_answers_help(o, arg)) {
            answered = true;
            if (o->fn == opt_device) {
                bool printed = false;
                DeviceState *d = device_new_from_opts(arg, &printed, errp);
                if (d) {
                    device_free(d);
                }
                if (!printed) {
                    return VL_PARSE_ERROR;
                }
                continue;
            }
            if (o->fn == opt_log) {
                log_print_help(stdout);
                continue;
            }
        }
        if (!o->fn(c, arg, errp)) {
            error_prepend(errp, "-%s: ", o->name);
            return VL_PARSE_ERROR;
        }
    }
    return answered ? VL_PARSE_EXIT_OK : VL_PARSE_OK;
}

/* --- the configuration recorded in a replay log --- */

static void add_arg(GPtrArray *a, const char *opt, const char *val)
{
    g_ptr_array_add(a, g_strdup(opt));
    if (val) {
        g_ptr_array_add(a, g_strdup(val));
    }
}

/* "-icount" without the rr parts: only what changes guest-visible time. */
static char *vl_icount_time_opts(void)
{
    if (!icount.enabled) {
        return NULL;
    }
    if (icount.auto_shift) {
        return g_strdup_printf("shift=auto,sleep=%s", icount.sleep ? "on" : "off");
    }
    return g_strdup_printf("shift=%d,sleep=%s", icount.shift,
                           icount.sleep ? "on" : "off");
}

GPtrArray *vl_config_to_args(const MachineConfig *c)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *mem = g_strdup_printf("%" PRIu64 "K", c->ram_size >> 10);
    g_autofree char *ic = vl_icount_time_opts();
    g_autofree char *seed = g_strdup_printf("%" PRIu64, c->seed);

    g_autofree char *machine =
        c->kernel_boot ? g_strdup_printf("%s,kernel-boot=%s", c->machine, c->kernel_boot)
                       : g_strdup(c->machine);

    add_arg(a, "-machine", machine);
    if (c->cpu_model) {
        add_arg(a, "-cpu", c->cpu_model);
    }
    if (c->rtc_base) {
        g_autofree char *rtc = g_strdup_printf("base=%s", c->rtc_base);
        add_arg(a, "-rtc", rtc);
    }
    add_arg(a, "-m", mem);
    if (c->kernel) {
        add_arg(a, "-kernel", c->kernel);
    }
    if (c->initrd) {
        add_arg(a, "-initrd", c->initrd);
    }
    if (c->bios) {
        add_arg(a, "-bios", c->bios);
    }
    if (c->append) {
        add_arg(a, "-append", c->append);
    }
    for (guint i = 0; i < c->chardevs->len; i++) {
        add_arg(a, "-chardev", c->chardevs->pdata[i]);
    }
    for (guint i = 0; i < c->serials->len; i++) {
        add_arg(a, "-serial", c->serials->pdata[i]);
    }
    if (!c->serials->len && c->nographic) {
        add_arg(a, "-serial", "mon:stdio"); /* -nographic's implicit serial port */
    }
    if (c->debugcon) {
        add_arg(a, "-debugcon", c->debugcon);
    }
    for (guint i = 0; i < c->devices->len; i++) {
        add_arg(a, "-device", c->devices->pdata[i]);
    }
    if (ic) {
        add_arg(a, "-icount", ic);
    }
    if (c->seed_given) {
        add_arg(a, "-seed", seed);
    }
    if (c->no_reboot) {
        add_arg(a, "-no-reboot", NULL);
    }
    if (c->nographic) {
        add_arg(a, "-nographic", NULL);
    }
    return a;
}

static bool str_differs(const char *a, const char *b)
{
    return g_strcmp0(a, b) != 0;
}

static bool list_differs(const GPtrArray *a, const GPtrArray *b)
{
    if (a->len != b->len) {
        return true;
    }
    for (guint i = 0; i < a->len; i++) {
        if (strcmp(a->pdata[i], b->pdata[i])) {
            return true;
        }
    }
    return false;
}

char *vl_config_diff(const MachineConfig *a, const MachineConfig *b)
{
    if (str_differs(a->machine, b->machine) ||
        str_differs(a->kernel_boot, b->kernel_boot)) {
        return g_strdup("-machine");
    } else if (str_differs(a->cpu_model, b->cpu_model)) {
        return g_strdup("-cpu");
    } else if (str_differs(a->rtc_base, b->rtc_base)) {
        return g_strdup("-rtc");
    } else if (a->ram_size != b->ram_size) {
        return g_strdup("-m");
    } else if (!a->kernel != !b->kernel) {
        return g_strdup("-kernel");
    } else if (!a->initrd != !b->initrd) {
        return g_strdup("-initrd");
    } else if (!a->bios != !b->bios) {
        return g_strdup("-bios");
    } else if (str_differs(a->append, b->append)) {
        return g_strdup("-append");
    } else if (list_differs(a->devices, b->devices)) {
        return g_strdup("-device");
    } else if (a->serials->len != b->serials->len) {
        return g_strdup("-serial (the number of serial ports)");
    } else if (!a->debugcon != !b->debugcon) {
        return g_strdup("-debugcon");
    } else if (a->seed_given != b->seed_given || a->seed != b->seed) {
        return g_strdup("-seed");
    } else if (a->no_reboot != b->no_reboot) {
        return g_strdup("-no-reboot");
    }
    return NULL;
}

/* A recorded backend that must not be reopened in replay becomes "null". */
static char *vl_replay_backend(const char *spec)
{
    if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio") || !strcmp(spec, "none") ||
        g_str_has_prefix(spec, "chardev:")) {
        return g_strdup(spec);
    }
    return g_strdup("null");
}

static char *vl_replay_chardev(const char *opts)
{
    const char *id = strstr(opts, "id=");
    g_autofree char *idval = NULL;

    if (g_str_has_prefix(opts, "stdio") || !id) {
        return g_strdup(opts);
    }
    idval = g_strndup(id + 3, strcspn(id + 3, ","));
    return g_strdup_printf("null,id=%s", idval);
}

static MachineConfig *vl_parse_recorded(GPtrArray *args, Error **errp)
{
    MachineConfig *rc = machine_config_new();
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    g_ptr_array_add(argv, (gpointer) "reprise");
    for (guint i = 0; i < args->len; i++) {
        g_ptr_array_add(argv, args->pdata[i]);
    }
    if (vl_parse_args(rc, (int)argv->len, (char **)argv->pdata, errp) != VL_PARSE_OK) {
        error_prepend(errp, "the replay log's configuration is unusable: ");
        machine_config_free(rc);
        return NULL;
    }
    return rc;
}

/* Replay: the recorded configuration, with the user's backends and logging. */
static MachineConfig *vl_replay_config(MachineConfig *user, Error **errp)
{
    g_autoptr(GPtrArray) args = replay_read_config(icount_rr_file(), errp);
    MachineConfig *rc;
    g_autofree char *diff = NULL;

    if (!args || !(rc = vl_parse_recorded(args, errp))) {
        return NULL;
    }
    if ((user->kernel || user->bios) && (diff = vl_config_diff(rc, user))) {
        error_setg(errp,
                   "%s differs from the recording in '%s' (replay with the same "
                   "options, or with just -icount rr=replay,rrfile=...)",
                   diff, icount_rr_file());
        machine_config_free(rc);
        return NULL;
    }
    if (user->serials->len && user->serials->len != rc->serials->len) {
        error_setg(errp, "-serial: the recording has %u serial port(s), %u given",
                   rc->serials->len, user->serials->len);
        machine_config_free(rc);
        return NULL;
    }
    for (guint i = 0; i < rc->serials->len; i++) {
        char *spec = user->serials->len ? g_strdup(user->serials->pdata[i])
                                        : vl_replay_backend(rc->serials->pdata[i]);
        g_free(rc->serials->pdata[i]);
        rc->serials->pdata[i] = spec;
    }
    for (guint i = 0; i < rc->chardevs->len; i++) {
        char *opts = vl_replay_chardev(rc->chardevs->pdata[i]);
        g_free(rc->chardevs->pdata[i]);
        rc->chardevs->pdata[i] = opts;
    }
    if (rc->debugcon) {
        set_str(&rc->debugcon, user->debugcon ? user->debugcon : "null");
    }
    rc->nographic = user->nographic || rc->nographic;
    return rc;
}

/* --- building the machine --- */

static bool vl_add_serials(Machine *m, const MachineConfig *c, Error **errp)
{
    static const char *const ports[] = {"iobase=0x3f8,irq=4", "iobase=0x2f8,irq=3",
                                        "iobase=0x3e8,irq=4", "iobase=0x2e8,irq=3"};
    g_autoptr(GPtrArray) specs = g_ptr_array_new();

    for (guint i = 0; i < c->serials->len; i++) {
        g_ptr_array_add(specs, c->serials->pdata[i]);
    }
    if (!specs->len && c->nographic) {
        g_ptr_array_add(specs, (gpointer) "mon:stdio");
    }
    for (guint i = 0; i < specs->len; i++) {
        g_autofree char *id = g_strdup_printf("serial%u", i);
        g_autofree char *props = NULL;
        Chardev *chr = chardev_new_from_spec(specs->pdata[i], id, errp);
        if (!chr) {
            if (errp && *errp) {
                error_prepend(errp, "-serial %s: ", (char *)specs->pdata[i]);
                return false;
            }
            continue; /* "none" */
        }
        props = g_strdup_printf("%s,chardev=%s", ports[i], chardev_id(chr));
        if (!machine_add_device(m, "isa-serial", props, errp)) {
            return false;
        }
    }
    return true;
}

static bool vl_add_debugcon(Machine *m, const MachineConfig *c, Error **errp)
{
    g_autofree char *props = NULL;
    Chardev *chr;

    if (!c->debugcon) {
        return true;
    }
    chr = chardev_new_from_spec(c->debugcon, "debugcon", errp);
    if (!chr) {
        return !(errp && *errp);
    }
    props = g_strdup_printf("chardev=%s", chardev_id(chr));
    return machine_add_device(m, "isa-debugcon", props, errp) != NULL;
}

static bool vl_add_user_devices(Machine *m, const MachineConfig *c, Error **errp)
{
    for (guint i = 0; i < c->devices->len; i++) {
        bool printed = false;
        DeviceState *d = device_new_from_opts(c->devices->pdata[i], &printed, errp);
        if (!d || !machine_plug_device(m, d, errp)) {
            error_prepend(errp, "-device %s: ", (char *)c->devices->pdata[i]);
            return false;
        }
    }
    return true;
}

static bool vl_add_chardevs(const MachineConfig *c, Error **errp)
{
    for (guint i = 0; i < c->chardevs->len; i++) {
        if (!chardev_new_from_opts(c->chardevs->pdata[i], errp)) {
            error_prepend(errp, "-chardev %s: ", (char *)c->chardevs->pdata[i]);
            return false;
        }
    }
    return true;
}

static bool vl_declare_images(const MachineConfig *c, Error **errp)
{
    if (!c->kernel && !c->bios) {
        error_setg(errp, "no -kernel or -bios given: nothing to boot");
        return false;
    }
    return (!c->kernel || replay_add_image("kernel", c->kernel, errp)) &&
           (!c->initrd || replay_add_image("initrd", c->initrd, errp)) &&
           (!c->bios || replay_add_image("bios", c->bios, errp));
}

static Machine *vl_build_machine(const MachineConfig *c, Error **errp)
{
    Machine *m = machine_new(c->machine, c->ram_size);
    PCMachineOptions pc = {c->cpu_model, c->rtc_base, c->kernel_boot};
    KernelBootMode mode = KERNEL_BOOT_AUTO;

    m->cpu = cpu_x86_new(m);
    if (!pc_machine_init(m, &pc, errp) || !vl_add_chardevs(c, errp) ||
        !vl_add_serials(m, c, errp) || !vl_add_debugcon(m, c, errp) ||
        !machine_add_device(m, "ioport80", NULL, errp) ||
        !vl_add_user_devices(m, c, errp)) {
        return NULL;
    }
    if (c->kernel_boot && !kernel_boot_mode_parse(c->kernel_boot, &mode, errp)) {
        return NULL;
    }
    if (c->bios && !pc_load_bios(m, c->bios, !c->kernel, errp)) {
        return NULL;
    }
    if (c->kernel && !pc_load_kernel(m, c->kernel, c->append, c->initrd, mode, errp)) {
        return NULL;
    }
    return m;
}

/* --- start-up --- */

static gboolean vl_on_signal(gpointer opaque)
{
    runstate_host_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

static void vl_install_signals(void)
{
    g_unix_signal_add(SIGTERM, vl_on_signal, NULL);
    g_unix_signal_add(SIGINT, vl_on_signal, NULL);
    g_unix_signal_add(SIGHUP, vl_on_signal, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static bool vl_setup_logging(const MachineConfig *c, Error **errp)
{
    return (!c->log_items || log_set_mask_str(c->log_items, errp)) &&
           (!c->log_file || log_set_file(c->log_file, errp));
}

static ReplayMode vl_rr_mode(void)
{
    const char *m = icount_rr_mode_str();

    return !m                     ? REPLAY_MODE_NONE
           : !strcmp(m, "record") ? REPLAY_MODE_RECORD
                                  : REPLAY_MODE_PLAY;
}

/* Settle the configuration: parse, and in replay, take it from the log. */
static MachineConfig *vl_configure(int argc, char **argv, int *status, Error **errp)
{
    MachineConfig *c = machine_config_new(), *rc;
    VlParseResult r = vl_parse_args(c, argc, argv, errp);

    *status = r == VL_PARSE_EXIT_OK ? 0 : 1;
    if (r != VL_PARSE_OK || !vl_setup_logging(c, errp) ||
        (c->icount && !icount_parse_opts(c->icount, errp))) {
        machine_config_free(c);
        return NULL;
    }
    if (vl_rr_mode() == REPLAY_MODE_PLAY) {
        rc = vl_replay_config(c, errp);
        machine_config_free(c);
        if (!rc || (rc->icount && !icount_parse_opts(rc->icount, errp))) {
            machine_config_free(rc);
            return NULL;
        }
        c = rc;
    }
    return c;
}

static bool vl_start_replay(const MachineConfig *c, Error **errp)
{
    g_autoptr(GPtrArray) args = NULL;
    ReplayMode mode = vl_rr_mode();

    if (mode == REPLAY_MODE_NONE) {
        return true;
    }
    args = vl_config_to_args(c);
    return replay_start(mode, icount_rr_file(), args, errp);
}

int vl_main(int argc, char **argv)
{
    Error *err = NULL;
    int status = 1;
    MachineConfig *c = vl_configure(argc, argv, &status, &err);
    Machine *m = NULL;

    if (!c) {
        if (err) {
            error_report_err(err);
        }
        return status;
    }
    no_reboot = c->no_reboot;
    if (c->seed_given) {
        guest_random_seed(c->seed);
    }
    /* The log is open before the machine is built: devices may read the host
     * clock while they realize (the RTC's base date). */
    if (!vl_start_replay(c, &err) || !vl_declare_images(c, &err) || !replay_begin(&err) ||
        !(m = vl_build_machine(c, &err))) {
        error_report_err(err);
        chardev_cleanup_all();
        machine_config_free(c);
        return 1;
    }
    replay_set_machine(m);
    if (!vl_before_run(m, c, &err)) {
        error_report_err(err);
        chardev_cleanup_all();
        machine_config_free(c);
        return 1;
    }
    vl_install_signals();
    main_loop_run(m);
    replay_finish();
    status = runstate_exit_status();
    gdbserver_exit(status);
    log_mask_printf(LOG_REPLAY,
                    "final state hash %016" PRIx64 " at instruction %" PRIu64 "\n",
                    replay_final_hash(), icount.count);
    chardev_cleanup_all();
    machine_config_free(c);
    return status;
}
