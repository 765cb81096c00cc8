/* Disassembly of guest code for -d in_asm, using capstone. */
#ifndef TARGET_I386_DISAS_H
#define TARGET_I386_DISAS_H

#include "util/osdep.h"

/* Print one instruction: "0x<pc>:  <bytes>  <mnemonic> <operands>". mode: DECODE_*. */
void disas_log_insn(FILE *f, uint64_t pc, const uint8_t *bytes, size_t len, int mode);

#endif
