/* Templates for the x87 family. */
#include "gen.h"

const Family fam_x87 = {"x87", {NULL}, 8};
