/*
 * Whole-machine snapshots: the state of every device, the CPU, the clocks and RAM,
 * saved and restored through the vmstate tables (migration/savevm.c), RAM copies with
 * dirty tracking (migration/ram.c), and named snapshots kept in a file.
 *
 * A machine image is a sequence of sections, each "u32 name length · name · u64
 * length · bytes", ending with a zero name length:
 *   "ram"             guest RAM (machine images only; see ram_save_full)
 *   "icount"          instruction count, bias and shift of the virtual clock
 *   "machine"         the ISA line levels
 *   "dev/N/TYPE"      device N of the machine (creation order), through its vmsd
 *   "x86-cpu"         the CPU (target/i386/machine.c)
 *   "x86-tlb"         its software TLB (guest-visible through accessed/dirty bits)
 *   "timers"          the order of pending virtual timers (ties fire in arming order)
 *   registered ones   e.g. "replay": the replay log position (replay/replay.c)
 * RAM comes first so that post_load hooks see the restored memory.
 *
 * Named snapshots (savevm/loadvm/delvm/info snapshots, -loadvm) live in one file:
 * "<rrfile>.snap" beside the replay log when recording or replaying, else
 * "reprise-snapshots.bin" in the current directory.
 */
#ifndef MIGRATION_SAVEVM_H
#define MIGRATION_SAVEVM_H

#include "util/osdep.h"
#include "util/error.h"
#include "migration/vmstate.h"
#include "system/memory.h"

typedef struct Machine Machine;

/* The CPU's descriptions (target/i386/machine.c). */
typedef struct CPUX86State CPUX86State;
extern const VMStateDescription vmstate_x86_cpu; /* opaque: CPUX86State */
/*
 * The software TLB and its paging bookkeeping, saved from a copy without the host's
 * part (host pointers, code-page flags); loading installs it in the image's CPU.
 */
typedef struct X86TLBImage X86TLBImage;
extern const VMStateDescription vmstate_x86_tlb; /* opaque: X86TLBImage */
X86TLBImage *x86_tlb_image_new(CPUX86State *env);
void x86_tlb_image_free(X86TLBImage *img);

/*
 * A section beyond the machine's own (the replay layer's position). required: a
 * machine image without it cannot be loaded while this section is registered.
 */
void savevm_register(const char *name, const VMStateDescription *vmsd, void *opaque,
                     bool required);
void savevm_unregister(const char *name);

/* Everything but RAM (the in-memory snapshots of reverse execution keep RAM apart). */
void savevm_state_save(Machine *m, GByteArray *out);
bool savevm_state_load(Machine *m, const uint8_t *buf, size_t len, Error **errp);
/* Everything, RAM included. */
void savevm_machine_save(Machine *m, GByteArray *out);
bool savevm_machine_load(Machine *m, const uint8_t *buf, size_t len, Error **errp);
/*
 * Hash of what the guest can see: the state stream without the TLB, plus RAM for the
 * machine hash. Equal hashes, equal machines.
 */
uint64_t savevm_machine_hash(Machine *m);
uint64_t savevm_state_hash(Machine *m);

/* --- named snapshots in the snapshot file --- */
/* The machine whose state named snapshots save and load. */
void savevm_set_machine(Machine *m);
const char *savevm_file_path(void);
bool savevm_save_named(const char *name, Error **errp);
bool savevm_load_named(const char *name, Error **errp);
bool savevm_delete_named(const char *name, Error **errp);
/* A table of the snapshots in the file, as "info snapshots" prints it. */
bool savevm_list_named(GString *out, Error **errp);
/* -loadvm NAME: call after the machine is built and replay_begin() succeeded. */
bool vm_loadvm_at_start(const char *name, Error **errp);

/* --- guest RAM (migration/ram.c) --- */
/* Non-zero pages of mr as a "ram" section payload. */
void ram_save_full(MemoryRegion *mr, GByteArray *out);
/* Checks the whole payload before changing a byte; writes only pages that differ. */
bool ram_load_full(MemoryRegion *mr, const uint8_t *buf, size_t len, Error **errp);
/* Feed the non-zero pages (with their numbers) to sum: fast on mostly empty RAM. */
void ram_hash(MemoryRegion *mr, GChecksum *sum);

/*
 * In-memory RAM versions for reverse execution. Each snapshot, named by a key that
 * grows with time (its icount), stores only the pages that differ from the snapshot
 * before it. Which pages can differ is known from dirty tracking: after a snapshot or
 * a restore, RAM is write-protected and the first write to each page (by the CPU's
 * fast path through a cached host pointer, by DMA, by anything in this process) takes
 * a SIGSEGV that marks the page dirty and lets the write through. Cached host
 * pointers stay valid: protection changes, the mapping does not. Host system calls
 * that write into guest RAM must call ram_store_prepare_write() first.
 */
typedef struct RamStore RamStore;
RamStore *ram_store_new(MemoryRegion *mr);
void ram_store_free(RamStore *s);
/* Record RAM now under key (greater than every key so far); returns bytes added. */
uint64_t ram_store_take(RamStore *s, uint64_t key);
/* Make RAM equal to the version under key. */
void ram_store_restore(RamStore *s, uint64_t key);
/* RAM pages that differ from the version under key (0: equal). */
uint64_t ram_store_compare(RamStore *s, uint64_t key);
/* RAM is known to equal the version under key (replay reached that snapshot again). */
void ram_store_rebase(RamStore *s, uint64_t key);
/* Forget the version under key; returns bytes freed. */
uint64_t ram_store_drop(RamStore *s, uint64_t key);
uint64_t ram_store_bytes(const RamStore *s);
void ram_store_prepare_write(MemoryRegion *mr, uint64_t offset, uint64_t len);

#endif
