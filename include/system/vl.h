/* The command line: parsing QEMU-style options into a machine configuration. */
#ifndef SYSTEM_VL_H
#define SYSTEM_VL_H

#include "util/osdep.h"
#include "util/error.h"

typedef struct MachineConfig {
    char *machine;     /* -M */
    char *kernel_boot; /* -M pc,kernel-boot=auto|pvh|bzimage */
    char *cpu_model;   /* -cpu */
    char *rtc_base;    /* -rtc base= */
    uint64_t ram_size; /* -m, bytes */
    char *kernel, *initrd, *append;
    char *bios;          /* -bios: firmware image, instead of -kernel */
    GPtrArray *serials;  /* -serial specs, in order */
    GPtrArray *chardevs; /* -chardev option strings */
    GPtrArray *devices;  /* -device option strings */
    char *debugcon;      /* -debugcon spec */
    char *icount;        /* -icount argument */
    bool icount_given;
    bool nographic;
    bool display_none;
    bool no_reboot;
    bool seed_given;
    uint64_t seed;
    char *log_items; /* -d */
    char *log_file;  /* -D */
} MachineConfig;

typedef enum VlParseResult {
    VL_PARSE_OK,
    VL_PARSE_EXIT_OK, /* -h, -version, "help" answered */
    VL_PARSE_ERROR,
} VlParseResult;

MachineConfig *machine_config_new(void);
void machine_config_free(MachineConfig *c);
VlParseResult vl_parse_args(MachineConfig *c, int argc, char **argv, Error **errp);
/* The options that define the machine, normalized, for the replay log header. */
GPtrArray *vl_config_to_args(const MachineConfig *c);
/* Name the first machine-defining option on which a and b differ, or NULL. */
char *vl_config_diff(const MachineConfig *a, const MachineConfig *b);

/* Build, run and tear down the machine; returns the process exit status. */
int vl_main(int argc, char **argv);

#endif
