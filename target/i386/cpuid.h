/*
 * CPU models and the CPUID instruction's answers (Intel SDM vol. 2 CPUID; AMD APM
 * vol. 3 appendix E). A model is a named set of features from one table, and every
 * feature there says whether this emulator implements it: CPUID never advertises
 * what is not implemented (DESIGN.md 4).
 */
#ifndef TARGET_I386_CPUID_H
#define TARGET_I386_CPUID_H

#include "target/i386/cpu.h"
#include "util/error.h"

/* Features, one per CPUID bit; the table in cpuid.c says where each lives. */
typedef enum CpuFeature {
    FEAT_FPU,
    FEAT_VME,
    FEAT_DE,
    FEAT_PSE,
    FEAT_TSC,
    FEAT_MSR,
    FEAT_PAE,
    FEAT_MCE,
    FEAT_CX8,
    FEAT_APIC,
    FEAT_SEP,
    FEAT_MTRR,
    FEAT_PGE,
    FEAT_MCA,
    FEAT_CMOV,
    FEAT_PAT,
    FEAT_PSE36,
    FEAT_CLFLUSH,
    FEAT_MMX,
    FEAT_FXSR,
    FEAT_SSE,
    FEAT_SSE2,
    FEAT_SSE3,
    FEAT_SSSE3,
    FEAT_CX16,
    FEAT_SSE4_1,
    FEAT_SSE4_2,
    FEAT_MOVBE,
    FEAT_POPCNT,
    FEAT_RDRAND,
    FEAT_RDSEED,
    FEAT_SYSCALL,
    FEAT_NX,
    FEAT_RDTSCP,
    FEAT_LM,
    FEAT_LAHF_LM,
    FEAT_COUNT
} CpuFeature;

typedef struct CpuModel CpuModel;

/* Choose the model by name ("reprise", "max"); false and *errp if unknown. */
bool cpu_model_select(CPUX86State *env, const char *name, Error **errp);
/* The list printed by -cpu help. */
void cpu_model_print_help(FILE *f);
/* The model env runs as ("reprise" unless another was selected). */
const CpuModel *cpu_model_of(const CPUX86State *env);
const char *cpu_model_name(const CpuModel *model);

/* Does env's model advertise f? */
bool cpu_has_feature(const CPUX86State *env, CpuFeature f);
/* EAX, EBX, ECX, EDX of CPUID leaf/subleaf: a pure function of the model. */
void cpuid_query(const CPUX86State *env, uint32_t leaf, uint32_t subleaf,
                 uint32_t out[4]);
/* The CR4 bits whose features env's model advertises (SDM vol. 3 2.5). */
uint64_t cpuid_cr4_valid_bits(const CPUX86State *env);
/* Physical address width (CPUID 8000_0008h EAX[7:0]). */
unsigned cpuid_phys_addr_bits(void);

#endif
