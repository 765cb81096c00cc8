/* Layout shared by modes.c and longmode.S: selectors, flags, result offsets. */
#ifndef TESTS_GUEST_MODES_H
#define TESTS_GUEST_MODES_H

/* GDT selectors. SYSCALL takes CS = SEL_CODE64, SS = +8; SYSRET CS = SEL_UCODE32 + 16,
 * SS = SEL_UCODE32 + 8, as STAR says. */
#define SEL_CODE32  0x08
#define SEL_DATA32  0x10
#define SEL_CODE64  0x18
#define SEL_DATA64  0x20
#define SEL_UCODE32 0x28
#define SEL_UDATA   0x30
#define SEL_UCODE64 0x38
#define SEL_TSS_A   0x40
#define SEL_TSS_B   0x48
#define SEL_TGATE   0x50
#define SEL_TSS64   0x58 /* 16 bytes */
#define GDT_ENTRIES 13

/* Descriptor high-dword flags */
#define D_CODE      0x9a00 /* present, code, readable */
#define D_DATA      0x9200 /* present, data, writable */
#define D_DPL3      0x6000
#define D_L         0x200000 /* 64-bit code */
#define D_DB        0x400000
#define D_G         0x800000
#define D_TSS32     0x8900 /* present, available 32/64-bit TSS */
#define D_TASK_GATE 0x8500
#define D_INT_GATE  0x8e00

#define PTE_URW 0x07
#define PTE_PS  0x80

#define EFLAGS_DF 0x400
#define EFLAGS_NT 0x4000
#define CR0_TS    0x8
#define CR0_PG    0x80000000
#define CR4_PAE   0x20
#define EFER_SCE  0x001
#define EFER_LME  0x100
#define EFER_LMA  0x400
#define CPUID_LM  (1u << 29)

#define MSR_EFER           0xc0000080
#define MSR_STAR           0xc0000081
#define MSR_LSTAR          0xc0000082
#define MSR_FMASK          0xc0000084
#define MSR_GS_BASE        0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

#define IST_VECTOR     0x40
#define SYSCALL_ROUNDS 3

/* struct lm_results, 8 bytes per field */
#define LM_EFER          0
#define LM_WIDE          8
#define LM_IST_COUNT     16
#define LM_IST_RSP       24
#define LM_SWAPGS        32
#define LM_SYSCALL_COUNT 40
#define LM_KERNEL_CS     48
#define LM_RCX_OK        56
#define LM_USER_CS       64
#define LM_USER_SS       72
#define LM_ARG_SUM       80
#define LM_KERNEL_DF     88
#define LM_USER_DF       96
#define LM_EFER_AFTER    104

/* struct task_results, 4 bytes per field */
#define TASK_B_MARKER    0
#define TASK_B_TR        4
#define TASK_B_EFLAGS    8
#define TASK_A_TR_AFTER  12
#define TASK_A_EBX_AFTER 16
#define TASK_CR0_AFTER   20

#ifndef __ASSEMBLER__
#include <stdint.h>

struct lm_results {
    uint64_t efer, wide, ist_count, ist_rsp, swapgs_value, syscall_count, kernel_cs;
    uint64_t rcx_ok, user_cs, user_ss, arg_sum, kernel_df, user_df, efer_after;
};

struct task_results {
    uint32_t b_marker, b_tr, b_eflags, a_tr_after, a_ebx_after, cr0_after;
};

struct tss32 {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap;
};

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap;
} __attribute__((packed));

struct desc_ptr {
    uint16_t limit;
    uint64_t base; /* lgdt/lidt in 32-bit code read only the low 4 bytes */
} __attribute__((packed));

/* longmode.S */
void enter_tables(void);
void run_task_switch(void);
void run_long_mode(void);
void task_b_entry(void);
void ist_handler(void);
extern const uint8_t fault32_stubs[], fault64_stubs[];
/* modes.c: an unexpected exception in 32-bit code */
void fault_report(uint32_t vector);
#endif

#endif
