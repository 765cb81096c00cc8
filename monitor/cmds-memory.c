/* Monitor memory dumps: x/FMT ADDR (linear, through the page tables) and xp/FMT ADDR. */
#include "monitor/monitor-internal.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"
#include "target/i386/decode.h"
#include "target/i386/disas.h"

#define DUMP_LINE  16 /* bytes per output line */
#define DUMP_LIMIT (1u << 20)

typedef struct DumpFormat {
    uint64_t count;
    char fmt;      /* x d u o c i */
    unsigned size; /* 1 2 4 8 */
} DumpFormat;

static unsigned size_of_letter(char c)
{
    return c == 'b' ? 1 : c == 'h' ? 2 : c == 'w' ? 4 : c == 'g' ? 8 : 0;
}

/* "/4xw" (count, format, size in any order after the count), as in QEMU. */
static bool parse_format(const char **p, DumpFormat *f, Error **errp)
{
    char *end;

    *f = (DumpFormat){1, 'x', 4};
    if (**p != '/') {
        return true;
    }
    f->count = g_ascii_isdigit((*p)[1]) ? g_ascii_strtoull(*p + 1, &end, 10) : 1;
    end = g_ascii_isdigit((*p)[1]) ? end : (char *)*p + 1;
    for (; *end && *end != ' '; end++) {
        if (strchr("xduoci", *end)) {
            f->fmt = *end;
            f->size = *end == 'c' ? 1 : f->size;
        } else if (size_of_letter(*end)) {
            f->size = size_of_letter(*end);
        } else {
            error_setg(errp,
                       "invalid format letter '%c' (formats x d u o c i, "
                       "sizes b h w g)",
                       *end);
            return false;
        }
    }
    *p = end;
    return true;
}

typedef struct Dumper {
    Monitor *mon;
    Machine *m;
    bool physical;
} Dumper;

static bool dump_read(const Dumper *d, uint64_t addr, void *buf, size_t len)
{
    return d->physical ? phys_memory_rw_debug(d->m, addr, buf, len, false)
                       : cpu_memory_rw_debug(d->m->cpu, addr, buf, len, false);
}

static void dump_item(Monitor *mon, const DumpFormat *f, uint64_t v)
{
    int64_t sv = f->size == 8 ? (int64_t)v
                              : (int64_t)(v << (64 - 8 * f->size)) >> (64 - 8 * f->size);

    switch (f->fmt) {
    case 'd': monitor_printf(mon, " %" PRId64, sv); break;
    case 'u': monitor_printf(mon, " %" PRIu64, v); break;
    case 'o': monitor_printf(mon, " %#" PRIo64, v); break;
    case 'c':
        monitor_printf(mon, g_ascii_isprint((int)v) ? " '%c'" : " '\\x%02x'", (int)v);
        break;
    default: monitor_printf(mon, " 0x%0*" PRIx64, (int)f->size * 2, v); break;
    }
}

static bool dump_values(const Dumper *d, const DumpFormat *f, uint64_t addr)
{
    uint64_t total = f->count * f->size;

    for (uint64_t off = 0; off < total; off += DUMP_LINE) {
        uint8_t line[DUMP_LINE];
        uint64_t n = MIN_U64(DUMP_LINE, total - off);
        if (!dump_read(d, addr + off, line, n)) {
            monitor_printf(d->mon, "Cannot access memory at address 0x%" PRIx64 "\n",
                           addr + off);
            return false;
        }
        monitor_printf(d->mon, "%016" PRIx64 ":", addr + off);
        for (uint64_t i = 0; i < n; i += f->size) {
            uint64_t v = 0;
            memcpy(&v, line + i, f->size); /* guest and host are little endian */
            dump_item(d->mon, f, v);
        }
        monitor_puts(d->mon, "\n");
    }
    return true;
}

static int cpu_decode_mode(const CPUX86State *env)
{
    return (env->hflags & HF_CS64)   ? DECODE_64
           : (env->hflags & HF_CS32) ? DECODE_32
                                     : DECODE_16;
}

static bool dump_insns(const Dumper *d, const DumpFormat *f, uint64_t addr)
{
    int mode = cpu_decode_mode(d->m->cpu);

    for (uint64_t i = 0; i < f->count; i++) {
        uint8_t bytes[16];
        Insn insn;
        char *text = NULL;
        size_t len = 0;
        FILE *out;
        if (!dump_read(d, addr, bytes, sizeof(bytes)) ||
            !(out = open_memstream(&text, &len))) {
            monitor_printf(d->mon, "Cannot access memory at address 0x%" PRIx64 "\n",
                           addr);
            return false;
        }
        int r = decode_insn(&insn, bytes, sizeof(bytes), mode);
        unsigned n = r == DECODE_OK || r == DECODE_INVALID ? insn.len : 1;
        disas_log_insn(out, addr, bytes, n, mode);
        fclose(out);
        monitor_puts(d->mon, text);
        free(text);
        addr += n;
    }
    return true;
}

static void cmd_dump(Monitor *mon, const char *args, bool physical)
{
    Dumper d = {mon, monitor_machine(mon), physical};
    Error *err = NULL;
    DumpFormat f;
    uint64_t addr;

    if (!d.m) {
        return;
    }
    if (!parse_format(&args, &f, &err) ||
        !monitor_parse_value(mon, g_strstrip((char *)args), &addr, &err)) {
        monitor_report_err(mon, err);
        return;
    }
    if (f.count == 0 || f.count * f.size > DUMP_LIMIT) {
        monitor_printf(mon, "Error: dump 1 to %u bytes at a time\n", DUMP_LIMIT);
        return;
    }
    if (f.fmt == 'i') {
        dump_insns(&d, &f, addr);
    } else {
        dump_values(&d, &f, addr);
    }
}

static void cmd_x(Monitor *mon, const char *args)
{
    cmd_dump(mon, args, false);
}

static void cmd_xp(Monitor *mon, const char *args)
{
    cmd_dump(mon, args, true);
}

const MonitorCmd monitor_memory_cmds[] = {
    {"xp", "/FMT ADDR", "dump physical memory (FMT: count, x d u o c i, b h w g)",
     cmd_xp},
    {"x", "/FMT ADDR", "dump memory at a linear address", cmd_x},
    {NULL},
};
