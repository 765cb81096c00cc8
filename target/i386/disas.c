/* Disassembly of guest instructions with capstone (for -d in_asm). */
#include "target/i386/disas.h"
#include "target/i386/decode.h"
#include <capstone/capstone.h>

static csh disas_handle(int mode)
{
    static csh handles[3];
    static bool opened[3];
    static const cs_mode modes[3] = {CS_MODE_16, CS_MODE_32, CS_MODE_64};

    if (!opened[mode]) {
        if (cs_open(CS_ARCH_X86, modes[mode], &handles[mode]) != CS_ERR_OK) {
            return 0;
        }
        opened[mode] = true;
    }
    return handles[mode];
}

void disas_log_insn(FILE *f, uint64_t pc, const uint8_t *bytes, size_t len, int mode)
{
    csh h = disas_handle(mode);
    cs_insn *insn = NULL;
    size_t n = h ? cs_disasm(h, bytes, len, pc, 1, &insn) : 0;

    fprintf(f, "0x%08" PRIx64 ":  ", pc);
    for (size_t i = 0; i < 8; i++) {
        fprintf(f, i < len ? "%02x " : "   ", i < len ? bytes[i] : 0);
    }
    if (n == 1) {
        fprintf(f, " %s %s\n", insn->mnemonic, insn->op_str);
    } else {
        fprintf(f, " (bad)\n");
    }
    if (insn) {
        cs_free(insn, n);
    }
}
