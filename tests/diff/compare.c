/* Comparing what the two CPUs did, and printing it for a human. */
#include <capstone/capstone.h>
#include <cpuid.h>
#include <inttypes.h>
#include <string.h>
#include "diff.h"

#define FX_ST_BYTES 10

bool host_is_zen(void)
{
    unsigned a, b, c, d, family;

    __cpuid(0, a, b, c, d);
    if (b != 0x68747541 || d != 0x69746e65 || c != 0x444d4163) { /* "AuthenticAMD" */
        return false;
    }
    __cpuid(1, a, b, c, d);
    family = (a >> 8) & 0xf;
    if (family == 0xf) {
        family += (a >> 20) & 0xff;
    }
    return family >= 0x17;
}

static uint64_t ld(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static bool has_error_code(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

/* RF is set in the frame of a fault by the hardware, never by POPF or PUSHF. */
static uint64_t rflags_cmp_mask(uint32_t flag_mask)
{
    return 0x3fffff & ~(uint64_t)FL_RF & ~(uint64_t)flag_mask;
}

static bool fx_equal(const uint8_t *a, const uint8_t *b)
{
    if (ld(a + FX_FCW, 2) != ld(b + FX_FCW, 2) ||
        ld(a + FX_FSW, 2) != ld(b + FX_FSW, 2) || a[FX_FTW] != b[FX_FTW] ||
        ld(a + FX_MXCSR, 4) != ld(b + FX_MXCSR, 4)) {
        return false;
    }
    for (int i = 0; i < 8; i++) {
        if (memcmp(a + FX_ST(i), b + FX_ST(i), FX_ST_BYTES)) {
            return false;
        }
    }
    return memcmp(a + FX_XMM(0), b + FX_XMM(0), 16 * 16) == 0;
}

static bool event_equal(const DiffOutcome *a, const DiffOutcome *b)
{
    if (a->status != b->status || a->vector != b->vector) {
        return false;
    }
    if (a->vector < 0) {
        return true;
    }
    if (a->rip != b->rip) {
        return false;
    }
    if (has_error_code(a->vector) && a->error_code != b->error_code) {
        return false;
    }
    return a->vector != 14 || a->cr2 == b->cr2;
}

unsigned diff_kinds(const DiffOutcome *a, const DiffOutcome *b, uint32_t flag_mask)
{
    uint64_t fmask = rflags_cmp_mask(flag_mask);
    unsigned kinds = 0;

    kinds |= event_equal(a, b) ? 0 : DIFF_EVENT;
    kinds |= memcmp(a->s.r.gpr, b->s.r.gpr, sizeof(a->s.r.gpr)) ? DIFF_GPR : 0;
    kinds |= ((a->s.r.rflags ^ b->s.r.rflags) & fmask) ? DIFF_FLAGS : 0;
    kinds |= fx_equal(a->s.r.fx, b->s.r.fx) ? 0 : DIFF_FPU;
    kinds |= memcmp(a->s.mem, b->s.mem, DIFF_SCRATCH_SIZE) ? DIFF_MEM : 0;
    return kinds;
}

/* ------------------------------------------------------------------------------------
 * Printing
 */

static const char *const gpr_names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp",
                                          "rsi", "rdi", "r8",  "r9",  "r10", "r11",
                                          "r12", "r13", "r14", "r15"};

static const char *vector_name(int v)
{
    static const char *const names[32] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD",
                                          "#NM", "#DF", "?9",  "#TS", "#NP", "#SS", "#GP",
                                          "#PF", "?15", "#MF", "#AC", "#MC", "#XM"};

    return v >= 0 && v < 32 && names[v] ? names[v] : "?";
}

static void print_event(FILE *f, const char *who, const DiffOutcome *o)
{
    if (o->status == DIFF_HUNG) {
        fprintf(f, "    %-8s did not finish\n", who);
    } else if (o->status == DIFF_CRASHED) {
        fprintf(f, "    %-8s crashed\n", who);
    } else if (o->vector < 0) {
        fprintf(f, "    %-8s ran to the end\n", who);
    } else {
        fprintf(f,
                "    %-8s %s (vector %d) at 0x%" PRIx64 " error code 0x%" PRIx64
                " cr2 0x%" PRIx64 "\n",
                who, vector_name(o->vector), o->vector, o->rip, o->error_code, o->cr2);
    }
}

static void print_flag_names(FILE *f, uint64_t bits)
{
    static const struct {
        uint64_t bit;
        const char *name;
    } names[] = {{FL_CF, "CF"}, {FL_PF, "PF"}, {FL_AF, "AF"}, {FL_ZF, "ZF"},
                 {FL_SF, "SF"}, {FL_TF, "TF"}, {FL_IF, "IF"}, {FL_DF, "DF"},
                 {FL_OF, "OF"}, {FL_NT, "NT"}, {FL_AC, "AC"}, {FL_ID, "ID"}};

    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        if (bits & names[i].bit) {
            fprintf(f, " %s", names[i].name);
        }
    }
}

static void print_diff_u64(FILE *f, const char *name, uint64_t a, uint64_t b)
{
    if (a != b) {
        fprintf(f, "    %-8s native 0x%016" PRIx64 "  reprise 0x%016" PRIx64 "\n", name,
                a, b);
    }
}

static void print_hex(FILE *f, const uint8_t *p, unsigned n)
{
    for (unsigned i = n; i-- > 0;) {
        fprintf(f, "%02x", p[i]);
    }
}

static void print_diff_bytes(FILE *f, const char *name, const uint8_t *a,
                             const uint8_t *b, unsigned n)
{
    if (memcmp(a, b, n) == 0) {
        return;
    }
    fprintf(f, "    %-8s native ", name);
    print_hex(f, a, n);
    fprintf(f, "  reprise ");
    print_hex(f, b, n);
    fprintf(f, "\n");
}

static void print_fx_diff(FILE *f, const uint8_t *a, const uint8_t *b)
{
    char name[16];

    print_diff_u64(f, "fcw", ld(a + FX_FCW, 2), ld(b + FX_FCW, 2));
    print_diff_u64(f, "fsw", ld(a + FX_FSW, 2), ld(b + FX_FSW, 2));
    print_diff_u64(f, "ftw", a[FX_FTW], b[FX_FTW]);
    print_diff_u64(f, "mxcsr", ld(a + FX_MXCSR, 4), ld(b + FX_MXCSR, 4));
    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "st%d", i);
        print_diff_bytes(f, name, a + FX_ST(i), b + FX_ST(i), FX_ST_BYTES);
    }
    for (int i = 0; i < 16; i++) {
        snprintf(name, sizeof(name), "xmm%d", i);
        print_diff_bytes(f, name, a + FX_XMM(i), b + FX_XMM(i), 16);
    }
}

static void print_mem_diff(FILE *f, const uint8_t *a, const uint8_t *b)
{
    unsigned shown = 0;

    for (unsigned i = 0; i < DIFF_SCRATCH_SIZE; i += 8) {
        if (memcmp(a + i, b + i, 8) == 0) {
            continue;
        }
        if (shown++ == 8) {
            fprintf(f, "    (more memory differs)\n");
            return;
        }
        fprintf(f, "    [0x%x] native %016" PRIx64 "  reprise %016" PRIx64 "\n",
                (unsigned)(DIFF_SCRATCH + i), ld(a + i, 8), ld(b + i, 8));
    }
}

void diff_print(FILE *f, const DiffOutcome *a, const DiffOutcome *b, uint32_t flag_mask)
{
    uint64_t fdiff = (a->s.r.rflags ^ b->s.r.rflags) & rflags_cmp_mask(flag_mask);

    print_event(f, "native:", a);
    print_event(f, "reprise:", b);
    fprintf(f, "  differences:\n");
    for (int i = 0; i < 16; i++) {
        print_diff_u64(f, gpr_names[i], a->s.r.gpr[i], b->s.r.gpr[i]);
    }
    if (fdiff) {
        print_diff_u64(f, "rflags", a->s.r.rflags, b->s.r.rflags);
        fprintf(f, "             (differs in");
        print_flag_names(f, fdiff);
        fprintf(f, ")\n");
    }
    print_fx_diff(f, a->s.r.fx, b->s.r.fx);
    print_mem_diff(f, a->s.mem, b->s.mem);
}

void diff_print_state(FILE *f, const DiffState *s)
{
    const uint8_t *fx = s->r.fx;

    for (int i = 0; i < 16; i++) {
        fprintf(f, "    %-3s %016" PRIx64 "%s", gpr_names[i], s->r.gpr[i],
                i % 4 == 3 ? "\n" : "  ");
    }
    fprintf(f, "    rflags %08" PRIx64 " (", s->r.rflags);
    print_flag_names(f, s->r.rflags);
    fprintf(f, " )  fcw %04x fsw %04x ftw %02x mxcsr %08x\n",
            (unsigned)ld(fx + FX_FCW, 2), (unsigned)ld(fx + FX_FSW, 2), fx[FX_FTW],
            (unsigned)ld(fx + FX_MXCSR, 4));
    for (int i = 0; i < 8; i++) {
        fprintf(f, "    st%d ", i);
        print_hex(f, fx + FX_ST(i), FX_ST_BYTES);
        fprintf(f, i % 2 ? "\n" : "  ");
    }
    for (int i = 0; i < 16; i++) {
        fprintf(f, "    xmm%-2d ", i);
        print_hex(f, fx + FX_XMM(i), 16);
        fprintf(f, i % 2 ? "\n" : "  ");
    }
}

static csh disassembler(void)
{
    static csh handle;
    static bool opened;

    if (!opened) {
        opened = cs_open(CS_ARCH_X86, CS_MODE_64, &handle) == CS_ERR_OK;
    }
    return opened ? handle : 0;
}

static void print_insn(FILE *f, const uint8_t *code, size_t len, uint64_t addr,
                       const char *name)
{
    csh h = disassembler();
    cs_insn *insn = NULL;
    size_t n = h ? cs_disasm(h, code, len, addr, 1, &insn) : 0;
    char text[256] = "(capstone: bad)";

    if (n) {
        snprintf(text, sizeof(text), "%s %s", insn->mnemonic, insn->op_str);
        cs_free(insn, n);
    }
    fprintf(f, "    0x%08" PRIx64 ":  ", addr);
    for (size_t i = 0; i < 12; i++) {
        fprintf(f, i < len ? "%02x" : "  ", i < len ? code[i] : 0);
    }
    fprintf(f, "  %-40s [%s]\n", text, name);
}

void diff_print_seq(FILE *f, const Seq *s, const bool *keep)
{
    uint8_t code[DIFF_CODE_SIZE];
    size_t len = seq_assemble(s, keep, code, sizeof(code)), at = 0;

    fprintf(f, "  bytes: ");
    for (size_t i = 0; i < len; i++) {
        fprintf(f, "%02x", code[i]);
    }
    fprintf(f, "\n");
    for (int i = 0; i < s->n; i++) {
        if (keep && !keep[i]) {
            continue;
        }
        print_insn(f, code + at, s->insn[i].len, DIFF_CODE + at, s->insn[i].name);
        at += s->insn[i].len;
    }
}

/*
 * The generator's own check: every instruction capstone can decode must have the
 * length the encoder thinks it has, or the two CPUs would run different code.
 */
bool seq_lengths_ok(const Seq *s, FILE *f)
{
    uint8_t code[DIFF_CODE_SIZE];
    size_t at = 0;
    bool ok = true;

    seq_assemble(s, NULL, code, sizeof(code));
    for (int i = 0; i < s->n; i++) {
        cs_insn *insn = NULL;
        size_t n = cs_disasm(disassembler(), code + at, s->insn[i].len, DIFF_CODE + at, 1,
                             &insn);
        if (n && insn->size != s->insn[i].len) {
            fprintf(f, "generator bug: [%s] is %u bytes, capstone decodes %u\n",
                    s->insn[i].name, s->insn[i].len, (unsigned)insn->size);
            print_insn(f, code + at, s->insn[i].len, DIFF_CODE + at, s->insn[i].name);
            ok = false;
        }
        if (insn) {
            cs_free(insn, n);
        }
        at += s->insn[i].len;
    }
    return ok;
}
