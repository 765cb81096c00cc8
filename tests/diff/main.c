/* reprise-diff: run random instruction sequences natively and on Reprise, and compare. */
/*
 * Usage: reprise-diff [--family NAME|all] [--count N] [--seed S] [--case I [--keep LIST]]
 *                     [--max-fail N] [--show-vector V] [--plant-bug] [--list] [--verbose]
 *
 * Every case is named by (seed, family, index): its state and sequence come from a
 * random stream of their own, so `--case I` regenerates case I alone, and `--keep`
 * (the instruction indexes a shrunk reproducer kept) replays just those. A mismatch
 * is shrunk to a smallest sub-sequence that still mismatches and printed with its
 * bytes, disassembly, initial state and the differences, plus the command line that
 * reproduces it. The exit status is 1 when anything mismatched.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"

typedef struct Options {
    const char *family;
    long count;
    uint64_t seed;
    long case_index; /* -1: all */
    const char *keep;
    long max_fail;
    int show_vector; /* print the cases the native run ended with this vector, or -2 */
    bool verbose;
} Options;

typedef struct Stats {
    long cases, insns, mismatches, skipped;
    long ended_by[33]; /* by vector; [32] ran to the end */
} Stats;

typedef struct Case {
    DiffState in;
    DiffOutcome native, reprise;
    Seq seq;
    bool keep[DIFF_MAX_INSNS];
} Case;

static Guest *guest;
static bool zen;
static bool planted_bug; /* --plant-bug: pretend Reprise's CMC gets CF wrong */

/* ------------------------------------------------------------------------------------
 * Running one sequence on both CPUs
 */

static uint32_t flag_mask(const Seq *s, const bool *keep)
{
    uint32_t mask = 0;

    for (int i = 0; i < s->n; i++) {
        if (!keep || keep[i]) {
            mask |= s->insn[i].undef;
        }
    }
    return zen ? 0 : mask;
}

#define NOT_COMPARABLE (~0u)

/*
 * The harness's own test: a bug planted in Reprise's results (CF flipped whenever a
 * CMC ran to completion) must be found, and shrunk to the CMC alone.
 */
static void plant_bug(Case *c, const bool *keep)
{
    for (int i = 0; i < c->seq.n; i++) {
        if ((!keep || keep[i]) && strcmp(c->seq.insn[i].name, "cmc") == 0 &&
            c->reprise.vector < 0) {
            c->reprise.s.r.rflags ^= FL_CF;
            return;
        }
    }
}

/* What differs between the two runs (0: nothing), or NOT_COMPARABLE. */
static unsigned run_both(Case *c, const bool *keep)
{
    static uint8_t code[DIFF_CODE_SIZE];
    size_t len = seq_assemble(&c->seq, keep, code, sizeof(code) - 16);

    native_run(code, len, &c->in, &c->native);
    if (c->native.status != DIFF_RAN) {
        return NOT_COMPARABLE;
    }
    guest_run(guest, code, len, &c->in, &c->reprise);
    if (planted_bug) {
        plant_bug(c, keep);
    }
    return diff_kinds(&c->native, &c->reprise, flag_mask(&c->seq, keep));
}

/* A mismatch's signature: what differs, and how each CPU stopped. */
static uint64_t signature(const Case *c, unsigned kinds)
{
    return kinds | (uint64_t)(uint8_t)c->native.vector << 8 |
           (uint64_t)(uint8_t)c->reprise.vector << 16;
}

/*
 * Drop instructions one at a time while the same mismatch persists. Requiring the
 * same signature keeps the shrinker from trading the bug for another difference,
 * such as a wild access once the instruction that set up its pointer is gone.
 */
static void shrink(Case *c, unsigned kinds)
{
    uint64_t want = signature(c, kinds);
    bool changed = true;

    for (int i = 0; i < c->seq.n; i++) {
        c->keep[i] = true;
    }
    while (changed) {
        changed = false;
        for (int i = c->seq.n - 1; i >= 0; i--) {
            if (!c->keep[i]) {
                continue;
            }
            c->keep[i] = false;
            unsigned now = run_both(c, c->keep);
            if (now != 0 && now != NOT_COMPARABLE && signature(c, now) == want) {
                changed = true;
            } else {
                c->keep[i] = true;
            }
        }
    }
    run_both(c, c->keep);
}

static void print_keep(FILE *f, const Case *c)
{
    const char *sep = "";

    for (int i = 0; i < c->seq.n; i++) {
        if (c->keep[i]) {
            fprintf(f, "%s%d", sep, i);
            sep = ",";
        }
    }
}

static void report(const Case *c, const Family *f, const Options *o, long index)
{
    int kept = 0;

    for (int i = 0; i < c->seq.n; i++) {
        kept += c->keep[i];
    }
    printf("MISMATCH %s case %ld: %d of %d instructions still differ\n", f->name, index,
           kept, c->seq.n);
    printf("  reproduce: reprise-diff --family %s --seed %" PRIu64 " --case %ld --keep ",
           f->name, o->seed, index);
    print_keep(stdout, c);
    printf("\n");
    diff_print_seq(stdout, &c->seq, c->keep);
    printf("  initial state:\n");
    diff_print_state(stdout, &c->in);
    diff_print(stdout, &c->native, &c->reprise, flag_mask(&c->seq, c->keep));
    fflush(stdout);
}

/* ------------------------------------------------------------------------------------
 * Cases
 */

static void parse_keep(const char *list, Case *c)
{
    memset(c->keep, 0, sizeof(c->keep));
    for (const char *p = list; *p;) {
        long i = strtol(p, (char **)&p, 10);
        if (i >= 0 && i < c->seq.n) {
            c->keep[i] = true;
        }
        p += *p == ',';
    }
}

static void count_end(Stats *st, const DiffOutcome *o)
{
    st->ended_by[o->vector >= 0 && o->vector < 32 ? o->vector : 32]++;
}

static void generate(Case *c, const Family *f, const Options *o, long index)
{
    Rng r = rng_for_case(o->seed, f->name, (uint64_t)index);
    GenState gs = {.rng = &r, .zen = zen, .force_reg = -1};

    gen_state(&r, &c->in, &gs);
    gen_sequence(&gs, f, &c->seq);
}

static bool run_case(Case *c, const Family *f, const Options *o, long index, Stats *st)
{
    unsigned v;

    generate(c, f, o, index);
    if (!seq_lengths_ok(&c->seq, stdout)) {
        st->mismatches++;
        return false;
    }
    if (o->keep) {
        parse_keep(o->keep, c);
    }
    v = run_both(c, o->keep ? c->keep : NULL);
    st->cases++;
    st->insns += c->seq.n;
    if (v == NOT_COMPARABLE) {
        st->skipped++;
        if (o->verbose) {
            printf("%s case %ld: the native run did not finish\n", f->name, index);
        }
        return true;
    }
    count_end(st, &c->native);
    if (c->native.vector == o->show_vector && v == 0) {
        printf("%s case %ld ended by vector %d at 0x%" PRIx64 ":\n", f->name, index,
               c->native.vector, c->native.rip);
        diff_print_seq(stdout, &c->seq, o->keep ? c->keep : NULL);
    }
    if (v == 0) {
        if (o->verbose && o->case_index >= 0) {
            printf("%s case %ld: same\n", f->name, index);
            diff_print_seq(stdout, &c->seq, o->keep ? c->keep : NULL);
        }
        return true;
    }
    if (o->keep) {
        report(c, f, o, index);
    } else {
        shrink(c, v);
        report(c, f, o, index);
    }
    st->mismatches++;
    return false;
}

static void print_stats(const Family *f, const Stats *st)
{
    printf("%-7s %6ld sequences, %7ld instructions; ended by: end %ld", f->name,
           st->cases, st->insns, st->ended_by[32]);
    for (int v = 0; v < 32; v++) {
        if (st->ended_by[v]) {
            printf(", vector %d %ld", v, st->ended_by[v]);
        }
    }
    if (st->skipped) {
        printf("; %ld not comparable", st->skipped);
    }
    printf("; %ld mismatches\n", st->mismatches);
    fflush(stdout);
}

static long run_family(const Family *f, const Options *o)
{
    static Case c;
    Stats st = {0};
    long first = o->case_index >= 0 ? o->case_index : 0;
    long last = o->case_index >= 0 ? o->case_index + 1 : o->count;

    for (long i = first; i < last; i++) {
        if (!run_case(&c, f, o, i, &st) && st.mismatches >= o->max_fail) {
            printf("%s: stopping after %ld mismatches\n", f->name, st.mismatches);
            break;
        }
    }
    print_stats(f, &st);
    return st.mismatches;
}

/* ------------------------------------------------------------------------------------
 * Command line
 */

static void usage(FILE *f)
{
    fprintf(f, "usage: reprise-diff [--family NAME|all] [--count N] [--seed S] "
               "[--case I [--keep LIST]] [--max-fail N] [--show-vector V] [--plant-bug] "
               "[--list] [--verbose]\n");
}

static bool parse_args(int argc, char **argv, Options *o)
{
    static const struct option longopts[] = {
        {"family", required_argument, NULL, 'f'},
        {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"case", required_argument, NULL, 'c'},
        {"keep", required_argument, NULL, 'k'},
        {"max-fail", required_argument, NULL, 'm'},
        {"list", no_argument, NULL, 'l'},
        {"verbose", no_argument, NULL, 'v'},
        {"show-vector", required_argument, NULL, 'V'},
        {"plant-bug", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int opt;

    *o = (Options){.family = "all",
                   .count = 500,
                   .seed = 1,
                   .case_index = -1,
                   .max_fail = 5,
                   .show_vector = -2};
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f': o->family = optarg; break;
        case 'n': o->count = strtol(optarg, NULL, 0); break;
        case 's': o->seed = strtoull(optarg, NULL, 0); break;
        case 'c': o->case_index = strtol(optarg, NULL, 0); break;
        case 'k': o->keep = optarg; break;
        case 'm': o->max_fail = strtol(optarg, NULL, 0); break;
        case 'v': o->verbose = true; break;
        case 'V': o->show_vector = (int)strtol(optarg, NULL, 0); break;
        case 'P': planted_bug = true; break;
        case 'l':
            for (const Family *const *f = family_list(); *f; f++) {
                printf("%s\n", (*f)->name);
            }
            exit(0);
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return false;
        }
    }
    return true;
}

/*
 * Whether the host can run a family's instructions at all (else it is skipped): the
 * families past SSE2 need SSE3 to SSE4.2 and POPCNT, the bit operations MOVBE.
 */
static bool host_runs(const Family *f)
{
    static const char *const demanding[] = {"sse3",  "ssse3",  "sse41",
                                            "sse42", "bitops", "mixed"};
    unsigned a, b, c, d;
    bool has_all;

    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    has_all = (c & 1) && (c & 1u << 9) && (c & 1u << 19) && (c & 1u << 20) &&
              (c & 1u << 22) &&
              (c & 1u << 23); /* SSE3 SSSE3 SSE4.1 SSE4.2 MOVBE POPCNT */
    for (size_t i = 0; i < ARRAY_LEN(demanding); i++) {
        if (strcmp(f->name, demanding[i]) == 0) {
            return has_all;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    Options o;
    long mismatches = 0, skipped = 0;
    bool all;
    const Family *one;

    if (!parse_args(argc, argv, &o)) {
        return 2;
    }
    all = strcmp(o.family, "all") == 0;
    one = all ? NULL : family_find(o.family);
    if (!all && !one) {
        fprintf(stderr, "reprise-diff: no family '%s' (--list shows them)\n", o.family);
        return 2;
    }
    if (!native_init()) {
        fprintf(stderr, "reprise-diff: cannot map the fixed test addresses; skipping\n");
        return 77;
    }
    zen = host_is_zen();
    guest = guest_new();
    for (const Family *const *f = family_list(); *f; f++) {
        if (!(all || *f == one)) {
            continue;
        }
        if (!host_runs(*f)) {
            printf("%-7s skipped: the host lacks some of its instructions\n", (*f)->name);
            skipped++;
            continue;
        }
        mismatches += run_family(*f, &o);
    }
    guest_free(guest);
    native_shutdown();
    return mismatches ? 1 : (one && skipped) ? 77 : 0;
}
