/* Random numbers, the family list and the sequence builder. */
#include <string.h>
#include "gen.h"

uint64_t rng_next(Rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Each case has its own stream, so one can be regenerated alone from its number. */
Rng rng_for_case(uint64_t seed, const char *family, uint64_t index)
{
    Rng r = {seed * 0x100000001b3ull};

    for (const char *p = family; *p; p++) {
        r.s = (r.s ^ (uint8_t)*p) * 0x100000001b3ull;
    }
    r.s ^= index * 0xd1342543de82ef95ull;
    rng_next(&r);
    return r;
}

/* ------------------------------------------------------------------------------------
 * Families
 */

static const Family *const families[] = {
    &fam_alu,   &fam_shift, &fam_muldiv, &fam_bitops, &fam_string,
    &fam_mov,   &fam_stack, &fam_branch, &fam_system, &fam_x87,
    &fam_mmx,   &fam_sse,   &fam_sse2,   &fam_sse3,   &fam_ssse3,
    &fam_sse41, &fam_sse42, &fam_mixed,  NULL,
};

/* Sequences interleaving every family: what flows between them is what it tests. */
const Family fam_mixed = {"mixed", {NULL}, 24};

const Family *const *family_list(void)
{
    return families;
}

const Family *family_find(const char *name)
{
    for (int i = 0; families[i]; i++) {
        if (strcmp(families[i]->name, name) == 0) {
            return families[i];
        }
    }
    return NULL;
}

static size_t part_len(const Tmpl *part)
{
    size_t n = 0;

    while (part[n].name) {
        n++;
    }
    return n;
}

/* Each part of a family is as likely as any other, whatever its size. */
static const Tmpl *pick_tmpl(Rng *r, const Family *f)
{
    size_t nparts = 0;
    const Tmpl *part;

    /* The mixed family draws from all the others but the one that only faults. */
    while (!f->parts[0]) {
        const Family *other = families[rng_below(r, ARRAY_LEN(families) - 2)];
        f = other == &fam_system ? f : other;
    }
    while (f->parts[nparts]) {
        nparts++;
    }
    part = f->parts[rng_below(r, nparts)];
    return &part[rng_below(r, part_len(part))];
}

/* ------------------------------------------------------------------------------------
 * Sequences
 */

/* CMP r64, r64: defines all six flags, for hosts whose undefined flags differ. */
static void emit_define_flags(GenState *gs, Seq *seq)
{
    SeqInsn *out = &seq->insn[seq->n++];
    unsigned a = (unsigned)rng_below(gs->rng, 16), b = (unsigned)rng_below(gs->rng, 16);

    memset(out, 0, sizeof(*out));
    out->bytes[0] = (uint8_t)(0x48 | (a >> 3) << 2 | (b >> 3));
    out->bytes[1] = 0x39;
    out->bytes[2] = (uint8_t)(0xc0 | (a & 7) << 3 | (b & 7));
    out->len = 3;
    out->name = "cmp r64, r64 (defines flags)";
    gs->live_undef = 0;
}

/*
 * A branch skips whole units (a template's instance with the setup before it), so
 * setups are never skipped apart from their users. Where the paths join, only
 * registers known with the same value on both stay known.
 */
typedef struct Join {
    unsigned at; /* the unit where the paths meet */
    bool known[16];
    uint64_t val[16];
} Join;

static void join_paths(GenState *gs, Join *joins, int *njoins, unsigned unit)
{
    for (int j = 0; j < *njoins; j++) {
        if (joins[j].at > unit) {
            continue;
        }
        for (int r = 0; r < 16; r++) {
            gs->known[r] &= joins[j].known[r] && joins[j].val[r] == gs->val[r];
        }
        joins[j--] = joins[--*njoins];
    }
}

static void note_branch(GenState *gs, const Seq *seq, unsigned unit, Join *joins,
                        int *njoins)
{
    const SeqInsn *in = &seq->insn[seq->n - 1];

    if (in->rel_kind != REL_SKIP || *njoins >= DIFF_MAX_INSNS) {
        return;
    }
    joins[*njoins].at = unit + 1 + in->skip;
    memcpy(joins[*njoins].known, gs->known, sizeof(gs->known));
    memcpy(joins[*njoins].val, gs->val, sizeof(gs->val));
    (*njoins)++;
}

void gen_sequence(GenState *gs, const Family *f, Seq *seq)
{
    unsigned len = 1 + (unsigned)rng_below(gs->rng, f->max_len);
    Join joins[DIFF_MAX_INSNS];
    int njoins = 0;

    seq->n = 0;
    for (unsigned unit = 0; unit < len; unit++) {
        const Tmpl *t = pick_tmpl(gs->rng, f);
        int first = seq->n;

        join_paths(gs, joins, &njoins, unit);
        if (!gs->zen && (t->flags & T_FLAGS) && gs->live_undef &&
            seq->n + 4 < DIFF_MAX_INSNS) {
            emit_define_flags(gs, seq);
        }
        if (!encode_tmpl(gs, t, seq)) {
            seq->n = first;
            break;
        }
        seq->insn[first].unit_start = true;
        gs->live_undef |= t->undef;
        note_branch(gs, seq, unit, joins, &njoins);
    }
}
