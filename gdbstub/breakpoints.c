/*
 * gdb's breakpoints and watchpoints (Z/z packets) on the main loop's debugger stops.
 *
 * Z0 and Z1 (software and hardware breakpoints) are the same thing here: the engine
 * stops before the instruction at the linear address, without writing int3 into guest
 * memory, so they work while recording and replaying. Z2 (write watchpoint) is a
 * value-change watchpoint of up to 8 bytes: it stops after an instruction changed the
 * bytes, which is what gdb reports for "watch" anyway (gdb ignores writes of the same
 * value). Read and access watchpoints (Z3, Z4, up to 8 bytes) are exact: the engine
 * notes the data accesses that touch them, as it does for DR0-3 data breakpoints, and
 * stops after the instruction that read (Z3) or read or wrote (Z4) them; the stop reply
 * says rwatch:ADDR; or awatch:ADDR; (gdb_watch_stop_kind).
 *
 * The stub remembers what gdb inserted, so that a gdb that goes away without removing
 * its points (a dropped connection) leaves none behind.
 */
#include "gdbstub/gdbstub-internal.h"
#include "system/main-loop.h"

enum { Z_SW_BREAK, Z_HW_BREAK, Z_WRITE_WATCH, Z_READ_WATCH, Z_ACCESS_WATCH };

static bool is_break(int type)
{
    return type == Z_SW_BREAK || type == Z_HW_BREAK;
}

static int point_find(GDBState *s, const GDBPoint *p)
{
    for (guint i = 0; i < s->points->len; i++) {
        const GDBPoint *q = &g_array_index(s->points, GDBPoint, i);
        if (q->type == p->type && q->addr == p->addr && q->len == p->len) {
            return (int)i;
        }
    }
    return -1;
}

/* Another of gdb's breakpoints at the same address (a Z0 and a Z1)? */
static bool other_break_at(GDBState *s, uint64_t addr)
{
    for (guint i = 0; i < s->points->len; i++) {
        const GDBPoint *q = &g_array_index(s->points, GDBPoint, i);
        if (is_break(q->type) && q->addr == addr) {
            return true;
        }
    }
    return false;
}

static bool point_insert(GDBState *s, const GDBPoint *p, Error **errp)
{
    bool ok = is_break(p->type) ? vm_breakpoint_insert(p->addr, errp)
              : p->type == Z_WRITE_WATCH
                  ? vm_watchpoint_insert(p->addr, p->len, errp)
                  : vm_access_watchpoint_insert(p->addr, p->len,
                                                p->type == Z_ACCESS_WATCH, errp);

    if (ok && point_find(s, p) < 0) {
        g_array_append_val(s->points, *p);
    }
    return ok;
}

static bool point_remove(GDBState *s, const GDBPoint *p)
{
    int i = point_find(s, p);

    if (i < 0) {
        return false;
    }
    g_array_remove_index(s->points, (guint)i);
    if (p->type == Z_WRITE_WATCH) {
        return vm_watchpoint_remove(p->addr, p->len);
    }
    if (!is_break(p->type)) {
        return vm_access_watchpoint_remove(p->addr, p->len, p->type == Z_ACCESS_WATCH);
    }
    return other_break_at(s, p->addr) || vm_breakpoint_remove(p->addr);
}

/* "TYPE,ADDR,KIND" (KIND: the breakpoint's size, or the watched length). */
static bool parse_point(const char *args, GDBPoint *p)
{
    const char *end;
    uint64_t kind;

    if (!g_ascii_isdigit(args[0]) || args[1] != ',' ||
        !gdb_parse_addr_len(args + 2, &p->addr, &kind, &end)) {
        return false;
    }
    p->type = args[0] - '0';
    p->len = is_break(p->type) ? 1 : kind;
    return *end == '\0' || *end == ';';
}

void gdb_handle_point(GDBState *s, const char *args, bool insert)
{
    GDBPoint p;
    Error *err = NULL;

    if (!parse_point(args, &p)) {
        gdb_reply(s, "E16");
        return;
    }
    if (p.type > Z_ACCESS_WATCH) {
        gdb_reply(s, ""); /* not supported */
        return;
    }
    if (insert ? point_insert(s, &p, &err) : point_remove(s, &p)) {
        gdb_reply(s, "OK");
        return;
    }
    error_free(err);
    gdb_reply(s, "E16");
}

/*
 * The main loop reports the watchpoint's address, not its kind: an engine hit (read or
 * access watchpoint) is reported before a value change, so those kinds win.
 */
const char *gdb_watch_stop_kind(GDBState *s, uint64_t addr)
{
    const char *kind = "watch";

    for (guint i = 0; i < s->points->len; i++) {
        const GDBPoint *q = &g_array_index(s->points, GDBPoint, i);
        if (q->addr == addr && q->type == Z_ACCESS_WATCH) {
            return "awatch";
        }
        if (q->addr == addr && q->type == Z_READ_WATCH) {
            kind = "rwatch";
        }
    }
    return kind;
}

void gdb_remove_all_points(GDBState *s)
{
    while (s->points->len) {
        GDBPoint p = g_array_index(s->points, GDBPoint, s->points->len - 1);
        point_remove(s, &p);
    }
}
