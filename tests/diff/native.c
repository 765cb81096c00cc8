/* The native side: sequences run on the host CPU in a forked child process. */
/*
 * The code, context and scratch pages are shared mappings made at fixed addresses
 * before the fork, so the parent writes a sequence and its state straight into them
 * and reads the results back; a pipe says "go" and "done". The child runs the
 * sequence through the trampoline (native-tramp.S). A fault inside the sequence
 * arrives as a signal whose context holds the state at the faulting instruction;
 * the handler saves it with the hardware's vector, error code and CR2 and jumps back
 * to the loop. A sequence that corrupts the child beyond that only costs a new child.
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "diff.h"

#define NATIVE_TIMEOUT_S 3
#define MXCSR_DEFAULT    0x1f80

typedef struct NativeResult {
    int64_t vector;
    uint64_t rip, error_code, cr2;
    int64_t status;
} NativeResult;

void diff_native_enter(void);
void diff_native_exit(void);

static pid_t child_pid = -1;
static int cmd_fd = -1, ack_fd = -1;
static sigjmp_buf child_jmp;

/* ucontext's general registers in our order (RAX, RCX, RDX, RBX, RSP, RBP, ...) */
static const int greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                REG_R12, REG_R13, REG_R14, REG_R15};

static void *at(uint64_t addr)
{
    return (void *)(uintptr_t)addr;
}

static NativeResult *result(void)
{
    return at(CTX_RESULT);
}

/* ------------------------------------------------------------------------------------
 * The child
 */

static void child_on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    const greg_t *g = uc->uc_mcontext.gregs;
    uint64_t *out = at(CTX_OUT_GPR);
    NativeResult *r = result();

    /* The kernel clears DF and TF for a handler but not AC; glibc is not AC-clean. */
    __asm__ volatile("pushfq\n\tandq $~0x40000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
    for (int i = 0; i < 16; i++) {
        out[i] = g[greg_of[i]];
    }
    *(uint64_t *)at(CTX_OUT_RFLAGS) = g[REG_EFL];
    memcpy(at(CTX_OUT_FX), uc->uc_mcontext.fpregs, 512);
    r->vector = g[REG_TRAPNO];
    r->rip = g[REG_RIP];
    r->error_code = g[REG_ERR];
    r->cr2 = g[REG_CR2];
    siglongjmp(child_jmp, 1);
}

static void child_on_alarm(int sig)
{
    result()->status = DIFF_HUNG;
    siglongjmp(child_jmp, 1);
}

static void child_signals(void)
{
    static uint8_t altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    struct sigaction sa = {.sa_sigaction = child_on_fault,
                           .sa_flags = SA_SIGINFO | SA_ONSTACK};
    static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};

    sigaltstack(&ss, NULL);
    for (size_t i = 0; i < ARRAY_LEN(faults); i++) {
        sigaction(faults[i], &sa, NULL);
    }
    sa.sa_handler = child_on_alarm;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGALRM, &sa, NULL);
}

static void child_host_fpu(void)
{
    uint32_t mxcsr = MXCSR_DEFAULT;

    __asm__ volatile("fninit\n\tldmxcsr %0\n\tcld" : : "m"(mxcsr));
}

static void child_run_one(void)
{
    NativeResult *r = result();

    r->vector = -1;
    r->status = DIFF_RAN;
    if (sigsetjmp(child_jmp, 1) == 0) {
        alarm(NATIVE_TIMEOUT_S);
        diff_native_enter();
    }
    alarm(0);
    child_host_fpu();
}

static void __attribute__((noreturn)) child_loop(int cmd, int ack)
{
    char c;

    child_signals();
    while (read(cmd, &c, 1) == 1) {
        child_run_one();
        if (write(ack, &c, 1) != 1) {
            break;
        }
    }
    _exit(0);
}

/* ------------------------------------------------------------------------------------
 * The parent
 */

static bool map_fixed(uint64_t addr, size_t size, int prot)
{
    void *p = mmap(at(addr), size, prot, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                   -1, 0);

    return p == at(addr);
}

/* The guard pages around the scratch buffer stay inaccessible in both CPUs. */
static bool map_regions(void)
{
    return map_fixed(DIFF_CODE, DIFF_CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC) &&
           map_fixed(DIFF_CTX, DIFF_CTX_SIZE, PROT_READ | PROT_WRITE) &&
           map_fixed(DIFF_SCRATCH - 0x1000, 0x1000, PROT_NONE) &&
           map_fixed(DIFF_SCRATCH, DIFF_SCRATCH_SIZE, PROT_READ | PROT_WRITE) &&
           map_fixed(DIFF_SCRATCH + DIFF_SCRATCH_SIZE, 0x1000, PROT_NONE);
}

static bool spawn_child(void)
{
    int cmd[2], ack[2];

    if (pipe(cmd) || pipe(ack)) {
        return false;
    }
    child_pid = fork();
    if (child_pid < 0) {
        return false;
    }
    if (child_pid == 0) {
        close(cmd[1]);
        close(ack[0]);
        child_loop(cmd[0], ack[1]);
    }
    close(cmd[0]);
    close(ack[1]);
    cmd_fd = cmd[1];
    ack_fd = ack[0];
    return true;
}

bool native_init(void)
{
    static bool mapped;

    signal(SIGPIPE, SIG_IGN);
    if (!mapped && !map_regions()) {
        return false;
    }
    mapped = true;
    return spawn_child();
}

void native_shutdown(void)
{
    if (child_pid > 0) {
        close(cmd_fd);
        close(ack_fd);
        waitpid(child_pid, NULL, 0);
        child_pid = -1;
    }
}

static void native_load(const uint8_t *code, size_t len, const DiffState *in)
{
    /* jmp *CTX_EXIT_PTR: leaves every register and flag alone */
    static const uint8_t exit_jump[] = {0xff,
                                        0x24,
                                        0x25,
                                        CTX_EXIT_PTR & 0xff,
                                        (CTX_EXIT_PTR >> 8) & 0xff,
                                        (CTX_EXIT_PTR >> 16) & 0xff,
                                        CTX_EXIT_PTR >> 24};

    memcpy(at(DIFF_CODE), code, len);
    memcpy(at(DIFF_CODE + len), exit_jump, sizeof(exit_jump));
    memcpy(at(CTX_IN_GPR), in->r.gpr, sizeof(in->r.gpr));
    *(uint64_t *)at(CTX_IN_RFLAGS) = in->r.rflags;
    memcpy(at(CTX_IN_FX), in->r.fx, sizeof(in->r.fx));
    *(uint64_t *)at(CTX_SEQ_ENTRY) = DIFF_CODE;
    *(uint64_t *)at(CTX_EXIT_PTR) = (uintptr_t)diff_native_exit;
    *(uint32_t *)at(CTX_HOST_MXCSR) = MXCSR_DEFAULT;
    memcpy(at(DIFF_SCRATCH), in->mem, DIFF_SCRATCH_SIZE);
}

static void native_collect(size_t len, DiffOutcome *out)
{
    const NativeResult *r = result();

    memcpy(out->s.r.gpr, at(CTX_OUT_GPR), sizeof(out->s.r.gpr));
    out->s.r.rflags = *(uint64_t *)at(CTX_OUT_RFLAGS);
    memcpy(out->s.r.fx, at(CTX_OUT_FX), sizeof(out->s.r.fx));
    memcpy(out->s.mem, at(DIFF_SCRATCH), DIFF_SCRATCH_SIZE);
    out->status = (DiffStatus)r->status;
    out->vector = (int)r->vector;
    /* A trap after the last instruction is reported at the trampoline. */
    out->rip = r->rip == (uintptr_t)diff_native_exit ? DIFF_CODE + len : r->rip;
    out->error_code = r->error_code;
    out->cr2 = r->cr2;
}

void native_run(const uint8_t *code, size_t len, const DiffState *in, DiffOutcome *out)
{
    char c = 'g';

    memset(out, 0, sizeof(*out));
    native_load(code, len, in);
    if (child_pid < 0 || write(cmd_fd, &c, 1) != 1 || read(ack_fd, &c, 1) != 1) {
        out->status = DIFF_CRASHED;
        native_shutdown();
        spawn_child();
        return;
    }
    native_collect(len, out);
}
