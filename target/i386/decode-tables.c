/* Opcode attribute tables for the x86 decoder (Intel SDM Vol. 2, Appendix A). */
/*
 * "Defined" here means what the SDM's opcode maps define, limited to the
 * extensions this CPU could ever implement or that capstone 4 knows; later
 * extensions (CET, PKU, WAITPKG, SERIALIZE, GFNI, MOVDIRI, ENQCMD, PTWRITE) raise
 * #UD on this CPU and so decode as undefined. Vendor extensions outside the SDM
 * (AMD 3DNow!, SSE4a, SVM, XOP; VIA PadLock; SALC) are undefined too.
 *
 * For SSE opcodes the mandatory-prefix masks follow the SDM's "NP/66/F3/F2"
 * columns: a prefix class with no instruction listed is undefined. Where the SDM
 * leaves an encoding blank but every Intel CPU executes it as an alias (x87
 * FSTP1/FXCH4/FFREEP..., shift group /6 as SHL, TEST /1), it is defined, since
 * real software relies on it.
 */
#include "target/i386/decode.h"
#include "target/i386/decode-tables.h"

#define MEM(p)   (p)
#define REG(p)   ((p) << 4)
#define ANY_FORM (MEM(P_ALL) | REG(P_ALL))

/* clang-format would spread each of these one-line initializers over four lines */
// clang-format off
/* no ModRM */
#define O(fl, im) {.flags = (fl), .imm = (im), .ok = ANY_FORM}
/* ModRM, memory or register operand */
#define E(fl, im) {.flags = A_MODRM | (fl), .imm = (im), .ok = ANY_FORM}
/* ModRM, memory operand only */
#define M(fl, im) {.flags = A_MODRM | (fl), .imm = (im), .ok = MEM(P_ALL)}
/* ModRM, the group table says which forms exist */
#define G(grp, fl, im) {.flags = A_MODRM | (fl), .imm = (im), .ok = ANY_FORM, .group = (grp)}
/* SSE: which mandatory prefixes are defined with a memory / register operand */
#define S(mem, reg, im) {.flags = A_MODRM, .imm = (im), .ok = MEM(mem) | REG(reg)}
/* the same masks whatever the mandatory prefix */
#define SAME_MP(...) {__VA_ARGS__, __VA_ARGS__, __VA_ARGS__, __VA_ARGS__}
// clang-format on
#define SB(mem, reg) S(mem, reg, IMM_B)
#define SS(p)        S(p, p, IMM_NONE)

/* The eight-opcode blocks 00-3F: Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib rAX,Iz */
#define ALU_BLOCK(x)                                                                     \
    [(x)...(x) + 3] = E(0, IMM_NONE), [(x) + 4] = O(0, IMM_B), [(x) + 5] = O(0, IMM_Z)

static const OpAttr one_byte_map[256] = {
    ALU_BLOCK(0x00),
    ALU_BLOCK(0x08),
    ALU_BLOCK(0x10),
    ALU_BLOCK(0x18),
    ALU_BLOCK(0x20),
    ALU_BLOCK(0x28),
    ALU_BLOCK(0x30),
    ALU_BLOCK(0x38),
    /* PUSH/POP ES, CS, SS, DS; DAA, DAS, AAA, AAS */
    [0x06] = O(A_NO64, IMM_NONE),
    [0x07] = O(A_NO64, IMM_NONE),
    [0x0e] = O(A_NO64, IMM_NONE),
    [0x16] = O(A_NO64, IMM_NONE),
    [0x17] = O(A_NO64, IMM_NONE),
    [0x1e] = O(A_NO64, IMM_NONE),
    [0x1f] = O(A_NO64, IMM_NONE),
    [0x27] = O(A_NO64, IMM_NONE),
    [0x2f] = O(A_NO64, IMM_NONE),
    [0x37] = O(A_NO64, IMM_NONE),
    [0x3f] = O(A_NO64, IMM_NONE),
    /* INC/DEC r (REX prefixes in 64-bit mode, never looked up there) */
    [0x40 ... 0x4f] = O(0, IMM_NONE),
    [0x50 ... 0x5f] = O(A_D64, IMM_NONE),
    [0x60] = O(A_NO64, IMM_NONE),
    [0x61] = O(A_NO64, IMM_NONE),
    /* BOUND; its register form is EVEX, recognised before this table */
    [0x62] = M(A_NO64, IMM_NONE),
    [0x63] = E(0, IMM_NONE),
    [0x68] = O(A_D64, IMM_Z),
    [0x69] = E(0, IMM_Z),
    [0x6a] = O(A_D64, IMM_B),
    [0x6b] = E(0, IMM_B),
    [0x6c ... 0x6f] = O(0, IMM_NONE),
    [0x70 ... 0x7f] = O(A_F64, IMM_B),
    [0x80] = E(0, IMM_B),
    [0x81] = E(0, IMM_Z),
    [0x82] = E(A_NO64, IMM_B),
    [0x83] = E(0, IMM_B),
    [0x84 ... 0x8b] = E(0, IMM_NONE),
    [0x8c] = G(GRP_SREG, 0, IMM_NONE),
    [0x8d] = M(0, IMM_NONE),
    [0x8e] = G(GRP_SREG, 0, IMM_NONE),
    [0x8f] = G(GRP_8F, 0, IMM_NONE),
    [0x90 ... 0x99] = O(0, IMM_NONE),
    [0x9a] = O(A_NO64, IMM_FAR),
    [0x9b] = O(0, IMM_NONE),
    [0x9c ... 0x9d] = O(A_D64, IMM_NONE),
    [0x9e ... 0x9f] = O(0, IMM_NONE),
    [0xa0 ... 0xa3] = O(0, IMM_MOFFS),
    [0xa4 ... 0xa7] = O(0, IMM_NONE),
    [0xa8] = O(0, IMM_B),
    [0xa9] = O(0, IMM_Z),
    [0xaa ... 0xaf] = O(0, IMM_NONE),
    [0xb0 ... 0xb7] = O(0, IMM_B),
    [0xb8 ... 0xbf] = O(0, IMM_V),
    [0xc0 ... 0xc1] = E(0, IMM_B),
    [0xc2] = O(A_F64, IMM_W),
    [0xc3] = O(A_F64, IMM_NONE),
    /* LES, LDS; register forms are VEX, recognised before this table */
    [0xc4 ... 0xc5] = M(A_NO64, IMM_NONE),
    [0xc6] = G(GRP_11, 0, IMM_B),
    [0xc7] = G(GRP_11, 0, IMM_Z),
    [0xc8] = O(A_D64, IMM_ENTER),
    [0xc9] = O(A_D64, IMM_NONE),
    [0xca] = O(0, IMM_W),
    [0xcb ... 0xcc] = O(0, IMM_NONE),
    [0xcd] = O(0, IMM_B),
    [0xce] = O(A_NO64, IMM_NONE),
    [0xcf] = O(0, IMM_NONE),
    [0xd0 ... 0xd3] = E(0, IMM_NONE),
    [0xd4 ... 0xd5] = O(A_NO64, IMM_B),
    [0xd7] = O(0, IMM_NONE),
    [0xd8] = G(GRP_X87 + 0, 0, IMM_NONE),
    [0xd9] = G(GRP_X87 + 1, 0, IMM_NONE),
    [0xda] = G(GRP_X87 + 2, 0, IMM_NONE),
    [0xdb] = G(GRP_X87 + 3, 0, IMM_NONE),
    [0xdc] = G(GRP_X87 + 4, 0, IMM_NONE),
    [0xdd] = G(GRP_X87 + 5, 0, IMM_NONE),
    [0xde] = G(GRP_X87 + 6, 0, IMM_NONE),
    [0xdf] = G(GRP_X87 + 7, 0, IMM_NONE),
    [0xe0 ... 0xe3] = O(A_F64, IMM_B),
    [0xe4 ... 0xe7] = O(0, IMM_B),
    [0xe8 ... 0xe9] = O(A_F64, IMM_Z),
    [0xea] = O(A_NO64, IMM_FAR),
    [0xeb] = O(A_F64, IMM_B),
    [0xec ... 0xef] = O(0, IMM_NONE),
    [0xf1] = O(0, IMM_NONE),
    [0xf4 ... 0xf5] = O(0, IMM_NONE),
    [0xf6 ... 0xf7] = E(0, IMM_GRP3),
    [0xf8 ... 0xfd] = O(0, IMM_NONE),
    [0xfe] = G(GRP_FE, 0, IMM_NONE),
    [0xff] = G(GRP_FF, 0, IMM_NONE),
};

#define NP_66     (P_NP | P_66)
#define MMX_SSE2  SS(NP_66)
#define SSE_ALL   SS(P_ALL)
#define SSE2_ONLY SS(P_66)

static const OpAttr map_0f[256] = {
    [0x00] = G(GRP_0F00, 0, IMM_NONE),
    [0x01] = G(GRP_0F01, 0, IMM_NONE),
    [0x02 ... 0x03] = E(0, IMM_NONE),
    [0x05 ... 0x09] = O(0, IMM_NONE),
    [0x0b] = O(0, IMM_NONE),
    [0x0d] = G(GRP_0F0D, 0, IMM_NONE),
    [0x10 ... 0x11] = SSE_ALL,
    [0x12] = S(P_ALL, P_NP | P_F3 | P_F2, IMM_NONE),
    [0x13] = S(NP_66, 0, IMM_NONE),
    [0x14 ... 0x15] = MMX_SSE2,
    [0x16] = S(NP_66 | P_F3, P_NP | P_F3, IMM_NONE),
    [0x17] = S(NP_66, 0, IMM_NONE),
    [0x18] = G(GRP_0F18, 0, IMM_NONE),
    /* hint NOPs (ENDBR64 and friends live here) */
    [0x19 ... 0x1f] = E(0, IMM_NONE),
    [0x20 ... 0x23] = E(A_REGFORM | A_F64, IMM_NONE),
    [0x28 ... 0x29] = MMX_SSE2,
    [0x2a] = SSE_ALL,
    [0x2b] = S(NP_66, 0, IMM_NONE),
    [0x2c ... 0x2d] = SSE_ALL,
    [0x2e ... 0x2f] = MMX_SSE2,
    [0x30 ... 0x35] = O(0, IMM_NONE),
    [0x37] = O(0, IMM_NONE),
    [0x40 ... 0x4f] = E(0, IMM_NONE),
    [0x50] = S(0, NP_66, IMM_NONE),
    [0x51] = SSE_ALL,
    [0x52 ... 0x53] = SS(P_NP | P_F3),
    [0x54 ... 0x57] = MMX_SSE2,
    [0x58 ... 0x5a] = SSE_ALL,
    [0x5b] = SS(NP_66 | P_F3),
    [0x5c ... 0x5f] = SSE_ALL,
    [0x60 ... 0x6b] = MMX_SSE2,
    [0x6c ... 0x6d] = SSE2_ONLY,
    [0x6e] = MMX_SSE2,
    [0x6f] = SS(NP_66 | P_F3),
    [0x70] = SB(P_ALL, P_ALL),
    [0x71] = G(GRP_0F71, 0, IMM_B),
    [0x72] = G(GRP_0F72, 0, IMM_B),
    [0x73] = G(GRP_0F73, 0, IMM_B),
    [0x74 ... 0x76] = MMX_SSE2,
    [0x77] = {.imm = IMM_NONE, .ok = REG(P_NP)}, /* EMMS */
    [0x78 ... 0x79] = SS(P_NP),                  /* VMREAD, VMWRITE */
    [0x7c ... 0x7d] = SS(P_66 | P_F2),
    [0x7e ... 0x7f] = SS(NP_66 | P_F3),
    [0x80 ... 0x8f] = O(A_F64, IMM_Z),
    [0x90 ... 0x9f] = E(0, IMM_NONE),
    [0xa0 ... 0xa1] = O(A_D64, IMM_NONE),
    [0xa2] = O(0, IMM_NONE),
    [0xa3] = E(0, IMM_NONE),
    [0xa4] = E(0, IMM_B),
    [0xa5] = E(0, IMM_NONE),
    [0xa8 ... 0xa9] = O(A_D64, IMM_NONE),
    [0xaa] = O(0, IMM_NONE),
    [0xab] = E(0, IMM_NONE),
    [0xac] = E(0, IMM_B),
    [0xad] = E(0, IMM_NONE),
    [0xae] = G(GRP_0FAE, 0, IMM_NONE),
    [0xaf ... 0xb1] = E(0, IMM_NONE),
    [0xb2] = M(0, IMM_NONE),
    [0xb3] = E(0, IMM_NONE),
    [0xb4 ... 0xb5] = M(0, IMM_NONE),
    [0xb6 ... 0xb7] = E(0, IMM_NONE),
    [0xb8] = SS(P_F3), /* POPCNT; NP is IA-64's JMPE */
    [0xb9] = E(0, IMM_NONE),
    [0xba] = G(GRP_0FBA, 0, IMM_B),
    [0xbb ... 0xc1] = E(0, IMM_NONE),
    [0xc2] = SB(P_ALL, P_ALL),
    [0xc3] = S(P_NP, 0, IMM_NONE),
    [0xc4] = SB(NP_66, NP_66),
    [0xc5] = SB(0, NP_66),
    [0xc6] = SB(NP_66, NP_66),
    [0xc7] = G(GRP_0FC7, 0, IMM_NONE),
    [0xc8 ... 0xcf] = O(0, IMM_NONE),
    [0xd0] = SS(P_66 | P_F2),
    [0xd1 ... 0xd5] = MMX_SSE2,
    [0xd6] = S(P_66, P_66 | P_F3 | P_F2, IMM_NONE),
    [0xd7] = S(0, NP_66, IMM_NONE),
    [0xd8 ... 0xe5] = MMX_SSE2,
    [0xe6] = SS(P_66 | P_F3 | P_F2),
    [0xe7] = S(NP_66, 0, IMM_NONE),
    [0xe8 ... 0xef] = MMX_SSE2,
    [0xf0] = S(P_F2, 0, IMM_NONE),
    [0xf1 ... 0xf6] = MMX_SSE2,
    [0xf7] = S(0, NP_66, IMM_NONE),
    [0xf8 ... 0xfe] = MMX_SSE2,
    [0xff] = E(0, IMM_NONE), /* UD0 */
};

static const OpAttr map_0f38[256] = {
    [0x00 ... 0x0b] = MMX_SSE2,
    [0x10] = SSE2_ONLY,
    [0x14 ... 0x15] = SSE2_ONLY,
    [0x17] = SSE2_ONLY,
    [0x1c ... 0x1e] = MMX_SSE2,
    [0x20 ... 0x25] = SSE2_ONLY,
    [0x28 ... 0x29] = SSE2_ONLY,
    [0x2a] = S(P_66, 0, IMM_NONE),
    [0x2b] = SSE2_ONLY,
    [0x30 ... 0x35] = SSE2_ONLY,
    [0x37 ... 0x41] = SSE2_ONLY,
    [0x80 ... 0x82] = S(P_66, 0, IMM_NONE), /* INVEPT, INVVPID, INVPCID */
    [0xc8 ... 0xcd] = SS(P_NP),             /* SHA */
    [0xdb ... 0xdf] = SSE2_ONLY,            /* AES */
    /* MOVBE (NP, 66; memory only) and CRC32 (F2) */
    [0xf0 ... 0xf1] = S(NP_66 | P_F2, P_F2, IMM_NONE),
    [0xf6] = SS(P_66 | P_F3), /* ADCX, ADOX */
};

static const OpAttr map_0f3a[256] = {
    /* ROUNDPS..PBLENDW (66), PALIGNR (NP, 66) */
    [0x08 ... 0x0e] = SB(P_66, P_66),
    [0x0f] = SB(NP_66, NP_66),
    /* PEXTRB/W/D, EXTRACTPS; PINSRB, INSERTPS, PINSRD */
    [0x14 ... 0x17] = SB(P_66, P_66),
    [0x20 ... 0x22] = SB(P_66, P_66),
    /* DPPS DPPD MPSADBW; PCLMULQDQ; PCMPESTRM..PCMPISTRI */
    [0x40 ... 0x42] = SB(P_66, P_66),
    [0x44] = SB(P_66, P_66),
    [0x60 ... 0x63] = SB(P_66, P_66),
    /* SHA1RNDS4; AESKEYGENASSIST */
    [0xcc] = SB(P_NP, P_NP),
    [0xdf] = SB(P_66, P_66),
};

const OpAttr *const decode_op_attr[4] = {
    [MAP_NONE] = one_byte_map,
    [MAP_0F] = map_0f,
    [MAP_0F38] = map_0f38,
    [MAP_0F3A] = map_0f3a,
};

#define R(n) (1u << (n))
#define ALL  0xff

const GroupAttr decode_group_attr[GRP_COUNT] = {
    /* ES CS SS DS FS GS; MOV to CS decodes and raises #UD in its handler */
    [GRP_SREG] = {.mem = SAME_MP(0x3f), .reg = SAME_MP({ALL, ALL, ALL, ALL, ALL, ALL})},
    [GRP_8F] = {.mem = SAME_MP(R(0)), .reg = SAME_MP({ALL}), .d64 = R(0)},
    /* C6/C7 /0 MOV; /7 with rm == 0 (C6 F8, C7 F8) XABORT, XBEGIN */
    [GRP_11] = {.mem = SAME_MP(R(0)), .reg = SAME_MP({ALL, [7] = R(0)})},
    [GRP_FE] = {.mem = SAME_MP(R(0) | R(1)), .reg = SAME_MP({ALL, ALL})},
    /* /3 and /5 (far CALL/JMP) take only a memory pointer */
    [GRP_FF] = {.mem = SAME_MP(0x7f),
                .reg = SAME_MP({ALL, ALL, ALL, 0, ALL, 0, ALL, 0}),
                .d64 = R(6),
                .f64 = R(2) | R(4)},
    [GRP_0F00] = {.mem = SAME_MP(0x3f), .reg = SAME_MP({ALL, ALL, ALL, ALL, ALL, ALL})},
    /*
     * Memory: SGDT SIDT LGDT LIDT SMSW - LMSW INVLPG. Registers: VMCALL..VMXOFF;
     * MONITOR MWAIT CLAC STAC ENCLS; XGETBV XSETBV VMFUNC XEND XTEST ENCLU; SMSW;
     * LMSW; SWAPGS RDTSCP. (/3 is AMD's SVM.)
     */
    [GRP_0F01] = {.mem = SAME_MP(0xdf),
                  .reg = SAME_MP({0x1e, 0x8f, 0xf3, 0, ALL, 0, ALL, 0x03})},
    [GRP_0F0D] = {.mem = SAME_MP(R(1))},
    /* PREFETCHh /0-/3, hint NOPs for the rest */
    [GRP_0F18] = {.mem = SAME_MP(ALL), .reg = SAME_MP({[4] = ALL, ALL, ALL, ALL})},
    [GRP_0F71] = {.reg = {[MP_NONE] = {[2] = ALL, [4] = ALL, [6] = ALL},
                          [MP_66] = {[2] = ALL, [4] = ALL, [6] = ALL}}},
    [GRP_0F72] = {.reg = {[MP_NONE] = {[2] = ALL, [4] = ALL, [6] = ALL},
                          [MP_66] = {[2] = ALL, [4] = ALL, [6] = ALL}}},
    /* PSRLDQ /3 and PSLLDQ /7 exist only for XMM registers */
    [GRP_0F73] = {.reg = {[MP_NONE] = {[2] = ALL, [6] = ALL},
                          [MP_66] = {[2] = ALL, [3] = ALL, [6] = ALL, [7] = ALL}}},
    /*
     * NP memory: FXSAVE FXRSTOR LDMXCSR STMXCSR XSAVE XRSTOR XSAVEOPT CLFLUSH;
     * 66 memory: CLWB CLFLUSHOPT. NP registers: LFENCE MFENCE SFENCE (E8, F0, F8);
     * F3 registers, 64-bit mode only: RDFSBASE RDGSBASE WRFSBASE WRGSBASE.
     */
    [GRP_0FAE] = {.mem = {[MP_NONE] = ALL, [MP_66] = R(6) | R(7)},
                  .reg = {[MP_NONE] = {[5] = R(0), [6] = R(0), [7] = R(0)},
                          [MP_F3] = {ALL, ALL, ALL, ALL}},
                  .reg64 = {[MP_F3] = 0x0f}},
    [GRP_0FBA] = {.mem = SAME_MP(0xf0), .reg = SAME_MP({[4] = ALL, ALL, ALL, ALL})},
    /*
     * CMPXCHG8B/16B /1 with any prefix; NP: XRSTORS XSAVEC XSAVES VMPTRLD VMPTRST;
     * 66 /6 VMCLEAR; F3 /6 VMXON. Registers: RDRAND /6, RDSEED /7; F3 /7 RDPID.
     */
    [GRP_0FC7] = {.mem = {[MP_NONE] = 0xfa,
                          [MP_66] = R(1) | R(6),
                          [MP_F3] = R(1) | R(6),
                          [MP_F2] = R(1)},
                  .reg = {[MP_NONE] = {[6] = ALL, [7] = ALL},
                          [MP_66] = {[6] = ALL, [7] = ALL},
                          [MP_F3] = {[7] = ALL}}},
    /*
     * x87 (SDM tables ). The register forms include the aliases the SDM
     * leaves blank but Intel CPUs execute (FSTP1 D9 D8+i, FCOM2 DC D0+i, FCOMP3
     * DC D8+i, FXCH4 DD C8+i, FCOMP5 DE D0+i, FFREEP DF C0+i, FXCH7 DF C8+i,
     * FSTP8/9 DF D0+i/D8+i) and the 8087/287 leftovers FENI FDISI FSETPM (NOPs).
     */
    [GRP_X87 + 0] = {.mem = SAME_MP(ALL),
                     .reg = SAME_MP({ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL})},
    [GRP_X87 + 1] = {.mem = SAME_MP(0xfd),
                     .reg = SAME_MP({ALL, ALL, R(0), ALL, 0x33, 0x7f, ALL, ALL})},
    [GRP_X87 + 2] = {.mem = SAME_MP(ALL), .reg = SAME_MP({ALL, ALL, ALL, ALL, 0, R(1)})},
    [GRP_X87 + 3] = {.mem = SAME_MP(0xaf),
                     .reg = SAME_MP({ALL, ALL, ALL, ALL, 0x1f, ALL, ALL, 0})},
    [GRP_X87 + 4] = {.mem = SAME_MP(ALL),
                     .reg = SAME_MP({ALL, ALL, ALL, ALL, ALL, ALL, ALL, ALL})},
    [GRP_X87 + 5] = {.mem = SAME_MP(0xdf),
                     .reg = SAME_MP({ALL, ALL, ALL, ALL, ALL, ALL})},
    [GRP_X87 + 6] = {.mem = SAME_MP(ALL),
                     .reg = SAME_MP({ALL, ALL, ALL, R(1), ALL, ALL, ALL, ALL})},
    [GRP_X87 + 7] = {.mem = SAME_MP(ALL),
                     .reg = SAME_MP({ALL, ALL, ALL, ALL, R(0), ALL, ALL})},
};
