/*
 * The registers gdb sees, and the target description that names them (GDB manual,
 * "Target Descriptions" and "i386 Features").
 *
 * One table drives both the XML and the 'g'/'p' packets, so their orders cannot
 * disagree: gdb lays out the 'g' packet in the order the XML lists the registers.
 * The features are gdb's own i386 ones (core, sse, segments) plus one of ours for the
 * system registers that QEMU also shows (k_gs_base, control registers, EFER).
 *
 * gdb with an i386:x86-64 description reads every general register as 64 bits in
 * every mode: in real and protected mode the upper halves are whatever the CPU holds
 * (zero after reset), rip is the offset in CS (not CS base + IP), and breakpoint and
 * memory addresses are linear (CS base + IP in real mode).
 */
#include "gdbstub/gdbstub-internal.h"
#include "target/i386/cpu.h"
#include "target/i386/flags.h"
#include "target/i386/fpu.h"
#include "target/i386/fpu-int.h"

typedef enum RegKind {
    RK_GPR, /* index: 0-15 */
    RK_RIP,
    RK_EFLAGS,
    RK_SEL,  /* index: R_CS... */
    RK_BASE, /* index: R_FS, R_GS */
    RK_KGSBASE,
    RK_CR, /* index: 0, 2, 3, 4 */
    RK_CR8,
    RK_EFER,
    RK_ST,  /* index: 0-7, ST(i) */
    RK_FPU, /* index: FPU_* below */
    RK_XMM, /* index: 0-15 */
    RK_MXCSR,
} RegKind;

enum { FPU_CTRL, FPU_STAT, FPU_TAG, FPU_ISEG, FPU_IOFF, FPU_OSEG, FPU_OOFF, FPU_OP };

typedef struct GdbReg {
    const char *name;
    unsigned bits;
    const char *type; /* gdb type; NULL: int */
    RegKind kind;
    unsigned index;
    const char *feature; /* starts a new feature when set */
} GdbReg;

#define GPR(n, i, t)                                                                     \
    {                                                                                    \
        n, 64, t, RK_GPR, i, NULL                                                        \
    }
#define SEL(n, i)                                                                        \
    {                                                                                    \
        n, 32, "int32", RK_SEL, i, NULL                                                  \
    }
#define ST(i)                                                                            \
    {                                                                                    \
        "st" #i, 80, "i387_ext", RK_ST, i, NULL                                          \
    }
#define FPUR(n, i)                                                                       \
    {                                                                                    \
        n, 32, "int", RK_FPU, i, NULL                                                    \
    }
#define XMM(i)                                                                           \
    {                                                                                    \
        "xmm" #i, 128, "vec128", RK_XMM, i, NULL                                         \
    }
#define CREG(n, i)                                                                       \
    {                                                                                    \
        n, 64, "int64", RK_CR, i, NULL                                                   \
    }

static const GdbReg regs[] = {
    {"rax", 64, "int64", RK_GPR, R_EAX, "org.gnu.gdb.i386.core"},
    GPR("rbx", R_EBX, "int64"),
    GPR("rcx", R_ECX, "int64"),
    GPR("rdx", R_EDX, "int64"),
    GPR("rsi", R_ESI, "int64"),
    GPR("rdi", R_EDI, "int64"),
    GPR("rbp", R_EBP, "data_ptr"),
    GPR("rsp", R_ESP, "data_ptr"),
    GPR("r8", R_R8, "int64"),
    GPR("r9", R_R9, "int64"),
    GPR("r10", R_R10, "int64"),
    GPR("r11", R_R11, "int64"),
    GPR("r12", R_R12, "int64"),
    GPR("r13", R_R13, "int64"),
    GPR("r14", R_R14, "int64"),
    GPR("r15", R_R15, "int64"),
    {"rip", 64, "code_ptr", RK_RIP, 0, NULL},
    {"eflags", 32, "i386_eflags", RK_EFLAGS, 0, NULL},
    SEL("cs", R_CS),
    SEL("ss", R_SS),
    SEL("ds", R_DS),
    SEL("es", R_ES),
    SEL("fs", R_FS),
    SEL("gs", R_GS),
    ST(0),
    ST(1),
    ST(2),
    ST(3),
    ST(4),
    ST(5),
    ST(6),
    ST(7),
    FPUR("fctrl", FPU_CTRL),
    FPUR("fstat", FPU_STAT),
    FPUR("ftag", FPU_TAG),
    FPUR("fiseg", FPU_ISEG),
    FPUR("fioff", FPU_IOFF),
    FPUR("foseg", FPU_OSEG),
    FPUR("fooff", FPU_OOFF),
    FPUR("fop", FPU_OP),
    {"xmm0", 128, "vec128", RK_XMM, 0, "org.gnu.gdb.i386.sse"},
    XMM(1),
    XMM(2),
    XMM(3),
    XMM(4),
    XMM(5),
    XMM(6),
    XMM(7),
    XMM(8),
    XMM(9),
    XMM(10),
    XMM(11),
    XMM(12),
    XMM(13),
    XMM(14),
    XMM(15),
    {"mxcsr", 32, "i386_mxcsr", RK_MXCSR, 0, NULL},
    {"fs_base", 64, "int", RK_BASE, R_FS, "org.gnu.gdb.i386.segments"},
    {"gs_base", 64, "int", RK_BASE, R_GS, NULL},
    {"k_gs_base", 64, "int64", RK_KGSBASE, 0, "org.reprise.gdb.i386.sys"},
    CREG("cr0", 0),
    CREG("cr2", 2),
    CREG("cr3", 3),
    CREG("cr4", 4),
    {"cr8", 64, "int64", RK_CR8, 0, NULL},
    {"efer", 64, "int64", RK_EFER, 0, NULL},
};

/* ---- the target description ---- */

static const char xml_core_types[] =
    "<flags id=\"i386_eflags\" size=\"4\">"
    "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
    "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
    "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
    "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
    "<field name=\"DF\" start=\"10\" end=\"10\"/>"
    "<field name=\"OF\" start=\"11\" end=\"11\"/>"
    "<field name=\"NT\" start=\"14\" end=\"14\"/>"
    "<field name=\"RF\" start=\"16\" end=\"16\"/>"
    "<field name=\"VM\" start=\"17\" end=\"17\"/>"
    "<field name=\"AC\" start=\"18\" end=\"18\"/>"
    "<field name=\"VIF\" start=\"19\" end=\"19\"/>"
    "<field name=\"VIP\" start=\"20\" end=\"20\"/>"
    "<field name=\"ID\" start=\"21\" end=\"21\"/></flags>";

static const char xml_sse_types[] =
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
    "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
    "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
    "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
    "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
    "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
    "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
    "<field name=\"v2_int64\" type=\"v2i64\"/>"
    "<field name=\"uint128\" type=\"uint128\"/></union>"
    "<flags id=\"i386_mxcsr\" size=\"4\">"
    "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
    "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
    "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
    "<field name=\"DAZ\" start=\"6\" end=\"6\"/>"
    "<field name=\"IM\" start=\"7\" end=\"7\"/><field name=\"DM\" start=\"8\" end=\"8\"/>"
    "<field name=\"ZM\" start=\"9\" end=\"9\"/>"
    "<field name=\"OM\" start=\"10\" end=\"10\"/>"
    "<field name=\"UM\" start=\"11\" end=\"11\"/>"
    "<field name=\"PM\" start=\"12\" end=\"12\"/>"
    "<field name=\"FZ\" start=\"15\" end=\"15\"/></flags>";

static void xml_open_feature(GString *x, const char *feature)
{
    g_string_append_printf(x, "<feature name=\"%s\">", feature);
    if (!strcmp(feature, "org.gnu.gdb.i386.core")) {
        g_string_append(x, xml_core_types);
    } else if (!strcmp(feature, "org.gnu.gdb.i386.sse")) {
        g_string_append(x, xml_sse_types);
    }
}

static char *xml_build(void)
{
    GString *x = g_string_new("<?xml version=\"1.0\"?>"
                              "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
                              "<target><architecture>i386:x86-64</architecture>");

    for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
        const GdbReg *r = &regs[i];
        if (r->feature) {
            g_string_append(x, i ? "</feature>" : "");
            xml_open_feature(x, r->feature);
        }
        g_string_append_printf(
            x,
            "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" "
            "regnum=\"%zu\"%s/>",
            r->name, r->bits, r->type, i,
            r->kind == RK_ST || r->kind == RK_FPU
                ? " group=\"float\""
                : (r->kind == RK_XMM || r->kind == RK_MXCSR ? " group=\"vector\"" : ""));
    }
    g_string_append(x, "</feature></target>");
    return g_string_free(x, false);
}

const char *gdb_target_xml(void)
{
    static char *xml; /* the same text for every connection; built once */

    if (!xml) {
        xml = xml_build();
    }
    return xml;
}

/* ---- reading ---- */

static const FPReg *st_reg(const CPUX86State *env, unsigned i)
{
    return &env->fpregs[(env->fpstt + i) & 7];
}

static uint32_t fpu_value(const CPUX86State *env, unsigned index)
{
    switch (index) {
    case FPU_CTRL: return env->fpuc;
    case FPU_STAT: return fpu_get_sw(env);
    case FPU_TAG: return fpu_full_tag_word(env);
    case FPU_ISEG: return env->fpcs;
    case FPU_IOFF: return (uint32_t)env->fpip;
    case FPU_OSEG: return env->fpds;
    case FPU_OOFF: return (uint32_t)env->fpdp;
    default: return env->fpop;
    }
}

/* Integer registers of up to 64 bits. */
static uint64_t int_value(const CPUX86State *env, const GdbReg *r)
{
    switch (r->kind) {
    case RK_GPR: return env->regs[r->index];
    case RK_RIP: return env->rip;
    case RK_EFLAGS: return cpu_get_eflags(env);
    case RK_SEL: return env->segs[r->index].selector;
    case RK_BASE: return env->segs[r->index].base;
    case RK_KGSBASE: return env->kernel_gs_base;
    case RK_CR: return env->cr[r->index];
    case RK_CR8: return env->cr8;
    case RK_EFER: return env->efer;
    case RK_FPU: return fpu_value(env, r->index);
    case RK_MXCSR: return env->mxcsr;
    default: g_assert_not_reached();
    }
}

/* Register r as little-endian bytes; returns the byte count. */
static size_t reg_bytes(const CPUX86State *env, const GdbReg *r, uint8_t *buf)
{
    const FPReg *st;
    uint64_t v;

    switch (r->kind) {
    case RK_ST:
        st = st_reg(env, r->index);
        memcpy(buf, &st->mant, 8);
        memcpy(buf + 8, &st->exp, 2);
        return 10;
    case RK_XMM: memcpy(buf, env->xmm[r->index].b, 16); return 16;
    default:
        v = int_value(env, r);
        memcpy(buf, &v, r->bits / 8); /* the host is little-endian, like x86 */
        return r->bits / 8;
    }
}

bool gdb_read_register(CPUX86State *env, unsigned n, GString *hex)
{
    uint8_t buf[16];

    if (n >= ARRAY_SIZE(regs)) {
        return false;
    }
    gdb_hex_append(hex, buf, reg_bytes(env, &regs[n], buf));
    return true;
}

void gdb_read_registers(CPUX86State *env, GString *hex)
{
    for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
        gdb_read_register(env, i, hex);
    }
}

/* ---- writing ---- */

#define EFLAGS_WRITABLE                                                                  \
    (CC_ARITH | TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | NT_MASK | RF_MASK | AC_MASK |  \
     ID_MASK)

/* A plain store; false for registers whose change has side effects we do not model
 * here (selectors, control registers, EFER, the FPU's bookkeeping). */
static bool int_store(CPUX86State *env, const GdbReg *r, uint64_t v)
{
    switch (r->kind) {
    case RK_GPR: env->regs[r->index] = v; return true;
    case RK_RIP: env->rip = v; return true;
    case RK_EFLAGS: cpu_set_eflags(env, (uint32_t)v, EFLAGS_WRITABLE); return true;
    case RK_BASE: env->segs[r->index].base = v; return true;
    case RK_KGSBASE: env->kernel_gs_base = v; return true;
    case RK_MXCSR: env->mxcsr = (uint32_t)v & FPU_MXCSR_MASK; return true;
    case RK_FPU:
        if (r->index == FPU_CTRL) {
            env->fpuc = fpu_canonical_cw((uint16_t)v);
            fpu_update_es(env);
            return true;
        }
        return false;
    default: return false;
    }
}

static bool reg_store(CPUX86State *env, const GdbReg *r, const uint8_t *buf, Error **errp)
{
    uint8_t now[16];
    size_t size = reg_bytes(env, r, now);
    uint64_t v = 0;
    FPReg *st;

    if (!memcmp(now, buf, size)) {
        return true; /* unchanged: gdb's 'G' rewrites every register */
    }
    switch (r->kind) {
    case RK_ST:
        st = &env->fpregs[(env->fpstt + r->index) & 7];
        memcpy(&st->mant, buf, 8);
        memcpy(&st->exp, buf + 8, 2);
        return true;
    case RK_XMM: memcpy(env->xmm[r->index].b, buf, 16); return true;
    default:
        memcpy(&v, buf, size);
        if (int_store(env, r, v)) {
            return true;
        }
        error_setg(errp, "register %s cannot be changed from gdb", r->name);
        return false;
    }
}

bool gdb_write_register(CPUX86State *env, unsigned n, const uint8_t *buf, size_t len,
                        Error **errp)
{
    if (n >= ARRAY_SIZE(regs) || len != regs[n].bits / 8) {
        error_setg(errp, "no register %u of %zu bytes", n, len);
        return false;
    }
    return reg_store(env, &regs[n], buf, errp);
}

bool gdb_write_registers(CPUX86State *env, const uint8_t *buf, size_t len, Error **errp)
{
    size_t off = 0;

    for (unsigned i = 0; i < ARRAY_SIZE(regs) && off < len; i++) {
        size_t size = regs[i].bits / 8;
        if (off + size > len || !reg_store(env, &regs[i], buf + off, errp)) {
            return false;
        }
        off += size;
    }
    return true;
}
