/* The stdio chardev: the emulator's own stdin and stdout, terminal in raw mode. */
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "chardev/char-internal.h"

/* A process has one stdin and one controlling terminal, so this state is per process. */
static bool stdio_in_use;
static struct termios term_orig;
static struct termios term_raw;
static volatile sig_atomic_t term_raw_active;

void stdio_restore_terminal(void)
{
    if (term_raw_active) {
        term_raw_active = 0;
        tcsetattr(STDIN_FILENO, TCSANOW, &term_orig);
    }
}

/* Ctrl-Z: give the shell a sane terminal while stopped, go raw again on resume. */
static void stdio_on_stop(int sig)
{
    int saved_errno = errno;
    bool was_raw = term_raw_active;

    tcsetattr(STDIN_FILENO, TCSANOW, &term_orig);
    kill(getpid(), SIGSTOP);
    if (was_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &term_raw);
    }
    errno = saved_errno;
}

/* A crash must not leave the user's shell in raw mode. */
static void stdio_on_fatal(int sig)
{
    if (term_raw_active) {
        tcsetattr(STDIN_FILENO, TCSANOW, &term_orig);
    }
    raise(sig); /* SA_RESETHAND: the default action (core dump) follows on return */
}

/* Only where nobody else (main(), a sanitizer) has installed a handler. */
static void install_handler(int sig, void (*handler)(int), int flags)
{
    struct sigaction old;
    struct sigaction sa = {.sa_handler = handler, .sa_flags = flags};

    if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, NULL);
    }
}

static void install_terminal_guards(bool allow_signals)
{
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    static bool installed;

    if (installed) {
        return;
    }
    installed = true;
    atexit(stdio_restore_terminal);
    for (size_t i = 0; i < ARRAY_SIZE(fatal); i++) {
        install_handler(fatal[i], stdio_on_fatal, SA_RESETHAND);
    }
    if (allow_signals) {
        install_handler(SIGTSTP, stdio_on_stop, SA_RESTART);
    }
}

static void stdio_enter_raw_mode(bool allow_signals)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &term_orig) < 0) {
        return;
    }
    term_raw = term_orig;
    term_raw.c_iflag &=
        ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    term_raw.c_oflag |= OPOST; /* keep "\n" -> "\r\n" so guest output reads right */
    term_raw.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals) {
        term_raw.c_lflag &= ~ISIG; /* Ctrl-C and Ctrl-Z go to the guest */
    }
    term_raw.c_cflag &= ~(CSIZE | PARENB);
    term_raw.c_cflag |= CS8;
    term_raw.c_cc[VMIN] = 1;
    term_raw.c_cc[VTIME] = 0;
    install_terminal_guards(allow_signals);
    tcsetattr(STDIN_FILENO, TCSANOW, &term_raw);
    term_raw_active = 1;
}

static bool stdio_open(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    if (stdio_in_use) {
        error_setg(errp, "chardev '%s': stdio is already used by another chardev",
                   chr->id);
        return false;
    }
    stdio_in_use = true;
    stdio_enter_raw_mode(chardev_opt_bool(opts, "signal", true));
    chardev_set_input_fd(chr, STDIN_FILENO);
    return true;
}

static int stdio_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chardev_write_fd(chr, STDOUT_FILENO, buf, len, false, -1);
}

static void stdio_close(Chardev *chr)
{
    stdio_restore_terminal();
    stdio_in_use = false;
}

static const ChardevKey stdio_keys[] = {
    {"signal", CHR_KEY_BOOL, false, "on|off",
     "Ctrl-C/Ctrl-Z signal the emulator (default on)"},
    {NULL},
};

const ChardevDriver chardev_driver_stdio = {
    .name = "stdio",
    .summary = "the emulator's standard input and output",
    .keys = stdio_keys,
    .state_size = sizeof(Chardev),
    .open = stdio_open,
    .write = stdio_write,
    .close = stdio_close,
};
