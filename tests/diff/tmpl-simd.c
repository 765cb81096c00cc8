/* Templates for MMX and SSE to SSE4.2. */
#include "gen.h"

const Family fam_mmx = {"mmx", {NULL}, 8};
const Family fam_sse = {"sse", {NULL}, 8};
const Family fam_sse2 = {"sse2", {NULL}, 8};
const Family fam_sse3 = {"sse3", {NULL}, 8};
const Family fam_ssse3 = {"ssse3", {NULL}, 8};
const Family fam_sse41 = {"sse41", {NULL}, 8};
const Family fam_sse42 = {"sse42", {NULL}, 8};
const Family fam_mixed = {"mixed", {NULL}, 16};
