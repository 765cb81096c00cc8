/*
 * CPU models and CPUID: one table of features with where each bit lives and whether
 * it is implemented, models as sets of those features, and the leaves built from
 * them (Intel SDM vol. 2 CPUID; AMD APM vol. 3 appendix E, "Obtaining Processor
 * Information Via the CPUID Instruction").
 *
 * The vendor is AMD on purpose: an Intel vendor string turns on Linux's page-table
 * isolation. CPUID output depends on nothing but the model (and on whether the
 * machine has a local APIC), so a replay sees the same answers as the recording.
 */
#include "target/i386/cpuid.h"
#include "target/i386/insn.h"

enum { REG_EAX, REG_EBX, REG_ECX, REG_EDX };

typedef struct FeatureDef {
    const char *name; /* as Linux's /proc/cpuinfo spells it */
    uint32_t leaf;
    uint8_t reg;
    uint8_t bit;
    bool implemented; /* set to true in the change that implements the feature */
    bool baseline;    /* part of the default "reprise" model */
} FeatureDef;

#define LEAF1 0x00000001u
#define LEAF7 0x00000007u
#define EXT1  0x80000001u

/* clang-format would spread each row over several lines */
// clang-format off
static const FeatureDef features[FEAT_COUNT] = {
    [FEAT_FPU]     = {"fpu",     LEAF1, REG_EDX, 0,  true , true},
    [FEAT_VME]     = {"vme",     LEAF1, REG_EDX, 1,  true,  true},
    [FEAT_DE]      = {"de",      LEAF1, REG_EDX, 2,  true,  true},
    [FEAT_PSE]     = {"pse",     LEAF1, REG_EDX, 3,  true,  true},
    [FEAT_TSC]     = {"tsc",     LEAF1, REG_EDX, 4,  true,  true},
    [FEAT_MSR]     = {"msr",     LEAF1, REG_EDX, 5,  true,  true},
    [FEAT_PAE]     = {"pae",     LEAF1, REG_EDX, 6,  true,  true},
    [FEAT_MCE]     = {"mce",     LEAF1, REG_EDX, 7,  false, false},
    [FEAT_CX8]     = {"cx8",     LEAF1, REG_EDX, 8,  true,  true},
    [FEAT_APIC]    = {"apic",    LEAF1, REG_EDX, 9,  true,  true},
    [FEAT_SEP]     = {"sep",     LEAF1, REG_EDX, 11, true,  true},
    [FEAT_MTRR]    = {"mtrr",    LEAF1, REG_EDX, 12, false, false},
    [FEAT_PGE]     = {"pge",     LEAF1, REG_EDX, 13, true,  true},
    [FEAT_MCA]     = {"mca",     LEAF1, REG_EDX, 14, false, false},
    [FEAT_CMOV]    = {"cmov",    LEAF1, REG_EDX, 15, true,  true},
    [FEAT_PAT]     = {"pat",     LEAF1, REG_EDX, 16, true,  true},
    [FEAT_PSE36]   = {"pse36",   LEAF1, REG_EDX, 17, true,  false},
    [FEAT_CLFLUSH] = {"clflush", LEAF1, REG_EDX, 19, true,  true},
    [FEAT_MMX]     = {"mmx",     LEAF1, REG_EDX, 23, true,  true},
    [FEAT_FXSR]    = {"fxsr",    LEAF1, REG_EDX, 24, true,  true},
    [FEAT_SSE]     = {"sse",     LEAF1, REG_EDX, 25, true,  true},
    [FEAT_SSE2]    = {"sse2",    LEAF1, REG_EDX, 26, true,  true},
    [FEAT_SSE3]    = {"pni",     LEAF1, REG_ECX, 0,  true , true},
    [FEAT_SSSE3]   = {"ssse3",   LEAF1, REG_ECX, 9,  true , true},
    [FEAT_CX16]    = {"cx16",    LEAF1, REG_ECX, 13, true,  true},
    [FEAT_SSE4_1]  = {"sse4_1",  LEAF1, REG_ECX, 19, true,  true},
    [FEAT_SSE4_2]  = {"sse4_2",  LEAF1, REG_ECX, 20, true,  true},
    [FEAT_MOVBE]   = {"movbe",   LEAF1, REG_ECX, 22, true,  false},
    [FEAT_POPCNT]  = {"popcnt",  LEAF1, REG_ECX, 23, true,  true},
    [FEAT_RDRAND]  = {"rdrand",  LEAF1, REG_ECX, 30, true,  true},
    [FEAT_RDSEED]  = {"rdseed",  LEAF7, REG_EBX, 18, true,  false},
    [FEAT_SYSCALL] = {"syscall", EXT1,  REG_EDX, 11, true,  true},
    [FEAT_NX]      = {"nx",      EXT1,  REG_EDX, 20, true,  true},
    [FEAT_RDTSCP]  = {"rdtscp",  EXT1,  REG_EDX, 27, true,  true},
    [FEAT_LM]      = {"lm",      EXT1,  REG_EDX, 29, true,  true},
    [FEAT_LAHF_LM] = {"lahf_lm", EXT1,  REG_ECX, 0,  true,  true},
};
// clang-format on

struct CpuModel {
    const char *name;
    const char *description;
    bool everything; /* every implemented feature, baseline or not */
};

static const CpuModel models[] = {
    {"reprise", "stable baseline model (default)", false},
    {"max", "every feature Reprise implements", true},
};

/* --- which model a CPU runs as --- */

const CpuModel *cpu_model_of(const CPUX86State *env)
{
    return env->cpu_model ? env->cpu_model : &models[0];
}

const char *cpu_model_name(const CpuModel *model)
{
    return model->name;
}

bool cpu_model_select(CPUX86State *env, const char *name, Error **errp)
{
    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        if (strcmp(models[i].name, name) == 0) {
            env->cpu_model = &models[i];
            return true;
        }
    }
    error_setg(errp, "unknown CPU model '%s' (try -cpu help)", name);
    return false;
}

void cpu_model_print_help(FILE *f)
{
    fprintf(f, "Available CPU models:\n");
    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        fprintf(f, "  %-10s %s\n", models[i].name, models[i].description);
    }
    fprintf(f, "Features of 'max' (those of 'reprise' marked *):\n ");
    for (int i = 0; i < FEAT_COUNT; i++) {
        if (features[i].implemented) {
            fprintf(f, " %s%s", features[i].name, features[i].baseline ? "*" : "");
        }
    }
    fprintf(f, "\n");
}

/* --- features --- */

static bool model_has(const CpuModel *m, CpuFeature f)
{
    return features[f].implemented && (m->everything || features[f].baseline);
}

bool cpu_has_feature(const CPUX86State *env, CpuFeature f)
{
    if (f == FEAT_APIC && !env->apic) {
        return false; /* a machine without a local APIC */
    }
    return model_has(cpu_model_of(env), f);
}

/* The feature bits of one leaf, one register per entry of out[]. */
static void feature_bits(const CPUX86State *env, uint32_t leaf, uint32_t out[4])
{
    for (int f = 0; f < FEAT_COUNT; f++) {
        if (features[f].leaf == leaf && cpu_has_feature(env, f)) {
            out[features[f].reg] |= 1u << features[f].bit;
        }
    }
}

/* CR4 bits and the feature each depends on (SDM vol. 3 2.5). */
static const struct {
    CpuFeature feature;
    uint32_t cr4_bits;
} cr4_features[] = {
    {FEAT_VME, CR4_VME | CR4_PVI}, {FEAT_TSC, CR4_TSD},     {FEAT_DE, CR4_DE},
    {FEAT_PSE, CR4_PSE},           {FEAT_PAE, CR4_PAE},     {FEAT_MCE, CR4_MCE},
    {FEAT_PGE, CR4_PGE},           {FEAT_FXSR, CR4_OSFXSR}, {FEAT_SSE, CR4_OSXMMEXCPT},
};

uint64_t cpuid_cr4_valid_bits(const CPUX86State *env)
{
    uint64_t bits = 0;

    for (size_t i = 0; i < ARRAY_SIZE(cr4_features); i++) {
        if (cpu_has_feature(env, cr4_features[i].feature)) {
            bits |= cr4_features[i].cr4_bits;
        }
    }
    return bits;
}

/* --- leaves --- */

#define STR4(a, b, c, d)                                                                 \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define VENDOR_EBX STR4('A', 'u', 't', 'h')
#define VENDOR_EDX STR4('e', 'n', 't', 'i')
#define VENDOR_ECX STR4('c', 'A', 'M', 'D')

/* Family 0Fh (the first AMD family with long mode), model 6Bh, stepping 1. */
#define CPU_SIGNATURE  0x00060fb1u
#define PHYS_ADDR_BITS 40
#define LIN_ADDR_BITS  48
#define MAX_BASIC_LEAF 7u
#define MAX_EXT_LEAF   0x80000008u
#define CLFLUSH_LINE   (8u << 8) /* leaf 1 EBX[15:8]: line size in 8-byte units */
/* AMD repeats these leaf-1 EDX bits in leaf 8000_0001h EDX (APM vol. 3 E.4.2). */
#define AMD_MIRRORED_EDX 0x0183f3ffu

static const char cpuid_brand[48] = "Reprise virtual CPU";

unsigned cpuid_phys_addr_bits(void)
{
    return PHYS_ADDR_BITS;
}

/* The parts of each leaf that are not feature bits. */
static void fixed_fields(const CPUX86State *env, uint32_t leaf, uint32_t out[4])
{
    switch (leaf) {
    case 0:
    case 0x80000000:
        out[REG_EAX] = leaf ? MAX_EXT_LEAF : MAX_BASIC_LEAF;
        out[REG_EBX] = VENDOR_EBX;
        out[REG_ECX] = VENDOR_ECX;
        out[REG_EDX] = VENDOR_EDX;
        break;
    case 1:
        out[REG_EAX] = CPU_SIGNATURE;
        out[REG_EBX] = cpu_has_feature(env, FEAT_CLFLUSH) ? CLFLUSH_LINE : 0;
        break;
    case 0x80000001: out[REG_EAX] = CPU_SIGNATURE; break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: memcpy(out, cpuid_brand + (leaf - 0x80000002) * 16, 16); break;
    case 0x80000008: out[REG_EAX] = PHYS_ADDR_BITS | LIN_ADDR_BITS << 8; break;
    default: break;
    }
}

/* AMD returns zeros for leaves beyond the maximum of their range. */
static bool leaf_exists(uint32_t leaf)
{
    if (leaf >= 0x80000000) {
        return leaf <= MAX_EXT_LEAF;
    }
    return leaf <= MAX_BASIC_LEAF;
}

void cpuid_query(const CPUX86State *env, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    uint32_t leaf1[4] = {0};

    memset(out, 0, 4 * sizeof(out[0]));
    if (!leaf_exists(leaf) || (leaf == 7 && subleaf != 0)) {
        return;
    }
    fixed_fields(env, leaf, out);
    feature_bits(env, leaf, out);
    if (leaf == EXT1) {
        feature_bits(env, LEAF1, leaf1);
        out[REG_EDX] |= leaf1[REG_EDX] & AMD_MIRRORED_EDX;
    }
}

static void op_cpuid(CPUX86State *env, const Insn *d)
{
    uint32_t r[4];

    cpuid_query(env, (uint32_t)env->regs[R_EAX], (uint32_t)env->regs[R_ECX], r);
    set_reg(env, R_EAX, 4, true, r[REG_EAX]);
    set_reg(env, R_EBX, 4, true, r[REG_EBX]);
    set_reg(env, R_ECX, 4, true, r[REG_ECX]);
    set_reg(env, R_EDX, 4, true, r[REG_EDX]);
}

static const InsnDef cpuid_insns[] = {
    {MAP_0F, 0xa2, ANY, ANY, ANY, ANY, 0, op_cpuid, "cpuid"},
};
INSN_TABLE(cpuid_insns)
