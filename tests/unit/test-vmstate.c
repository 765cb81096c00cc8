/* Unit tests for vmstate: save/load round trips, corrupt streams, hashing. */
#include "migration/vmstate.h"
#include "system/clock.h"

typedef struct Inner {
    uint16_t a;
    uint32_t b[3];
} Inner;

static const VMStateField inner_fields[] = {
    VMSTATE_UINT16(a, Inner),
    VMSTATE_UINT32_ARRAY(b, Inner, 3),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription inner_vmsd = {
    .name = "inner", .version = 2, .fields = inner_fields};

typedef struct Outer {
    bool flag;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    uint8_t bytes[5];
    uint16_t words[4];
    uint64_t quads[2];
    char buffer[7];
    Inner one;
    Inner many[2];
    Timer timer;
    Timer idle_timer;
    int post_loads;   /* not saved */
    uint32_t derived; /* rebuilt by post_load */
} Outer;

static bool outer_post_load(void *opaque, Error **errp)
{
    Outer *s = opaque;
    s->post_loads++;
    s->derived = s->u32 * 2;
    return true;
}

static const VMStateField outer_fields[] = {
    VMSTATE_BOOL(flag, Outer),
    VMSTATE_UINT8(u8, Outer),
    VMSTATE_UINT16(u16, Outer),
    VMSTATE_UINT32(u32, Outer),
    VMSTATE_UINT64(u64, Outer),
    VMSTATE_INT32(i32, Outer),
    VMSTATE_INT64(i64, Outer),
    VMSTATE_UINT8_ARRAY(bytes, Outer, 5),
    VMSTATE_UINT16_ARRAY(words, Outer, 4),
    VMSTATE_UINT64_ARRAY(quads, Outer, 2),
    VMSTATE_BUFFER(buffer, Outer),
    VMSTATE_STRUCT(one, Outer, inner_vmsd),
    VMSTATE_STRUCT_ARRAY(many, Outer, 2, inner_vmsd),
    VMSTATE_TIMER(timer, Outer),
    VMSTATE_TIMER(idle_timer, Outer),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription outer_vmsd = {
    .name = "outer", .version = 3, .fields = outer_fields, .post_load = outer_post_load};

static void timer_cb(void *opaque)
{
}

static void outer_init(Outer *s)
{
    memset(s, 0, sizeof(*s));
    timer_init(&s->timer, CLOCK_VIRTUAL, timer_cb, s);
    timer_init(&s->idle_timer, CLOCK_VIRTUAL, timer_cb, s);
}

/* Armed timers sit on the clock's list: disarm before the struct goes away. */
static void outer_fini(Outer *s)
{
    timer_del(&s->timer);
    timer_del(&s->idle_timer);
}

static void outer_fill(Outer *s)
{
    outer_init(s);
    s->flag = true;
    s->u8 = 0xa5;
    s->u16 = 0xbeef;
    s->u32 = 0xdeadbeef;
    s->u64 = 0x0123456789abcdefull;
    s->i32 = -12345;
    s->i64 = INT64_MIN + 7;
    memcpy(s->bytes, "\x01\x02\x03\x04\x05", 5);
    for (int i = 0; i < 4; i++) {
        s->words[i] = 0x1000 + i;
    }
    s->quads[0] = UINT64_MAX;
    s->quads[1] = 42;
    memcpy(s->buffer, "reprise", 7);
    s->one = (Inner){.a = 7, .b = {8, 9, 10}};
    s->many[0] = (Inner){.a = 11, .b = {12, 13, 14}};
    s->many[1] = (Inner){.a = 15, .b = {16, 17, 0xffffffff}};
    timer_mod(&s->timer, 123456789);
}

static GByteArray *save(const Outer *s)
{
    GByteArray *out = g_byte_array_new();
    vmstate_save(&outer_vmsd, s, out);
    return out;
}

static void test_round_trip(void)
{
    Outer src, dst;
    outer_fill(&src);
    GByteArray *bytes = save(&src);

    outer_init(&dst);
    timer_mod(&dst.idle_timer, 99); /* must be disarmed by the load */
    size_t pos = 0;
    Error *err = NULL;
    g_assert_true(vmstate_load(&outer_vmsd, &dst, bytes->data, bytes->len, &pos, &err));
    g_assert_null(err);
    g_assert_cmpuint(pos, ==, bytes->len);

    g_assert_true(dst.flag);
    g_assert_cmphex(dst.u8, ==, src.u8);
    g_assert_cmphex(dst.u16, ==, src.u16);
    g_assert_cmphex(dst.u32, ==, src.u32);
    g_assert_cmphex(dst.u64, ==, src.u64);
    g_assert_cmpint(dst.i32, ==, src.i32);
    g_assert_cmpint(dst.i64, ==, src.i64);
    g_assert_cmpmem(dst.bytes, 5, src.bytes, 5);
    g_assert_cmpmem(dst.words, sizeof(dst.words), src.words, sizeof(src.words));
    g_assert_cmpmem(dst.quads, sizeof(dst.quads), src.quads, sizeof(src.quads));
    g_assert_cmpmem(dst.buffer, 7, "reprise", 7);
    g_assert_cmpmem(&dst.one, sizeof(Inner), &src.one, sizeof(Inner));
    g_assert_cmpmem(dst.many, sizeof(dst.many), src.many, sizeof(src.many));
    g_assert_cmpint(timer_expire_time(&dst.timer), ==, 123456789);
    g_assert_cmpint(timer_expire_time(&dst.idle_timer), ==, -1);
    g_assert_cmpint(dst.post_loads, ==, 1);
    g_assert_cmphex(dst.derived, ==, 0xdeadbeefu * 2);
    g_byte_array_free(bytes, true);
    outer_fini(&src);
    outer_fini(&dst);
}

static void test_layout_little_endian(void)
{
    Inner in = {.a = 0x0102, .b = {0x03040506, 0, 0xa0b0c0d0}};
    GByteArray *out = g_byte_array_new();
    vmstate_save(&inner_vmsd, &in, out);
    static const uint8_t expected[] = {
        5,    0,    0,    0,    'i', 'n', 'n', 'e', 'r', /* name */
        2,    0,    0,    0,                             /* version */
        0x02, 0x01,                                      /* a */
        0x06, 0x05, 0x04, 0x03, 0,   0,   0,   0,   0xd0, 0xc0, 0xb0, 0xa0,
    };
    g_assert_cmpmem(out->data, out->len, expected, sizeof(expected));
    g_byte_array_free(out, true);
}

/* Loading a stream that fails must report msg_part and leave the state untouched. */
static void expect_load_error(const uint8_t *buf, size_t len, const char *msg_part)
{
    Outer dst;
    outer_init(&dst);
    dst.u32 = 77;
    size_t pos = 0;
    Error *err = NULL;
    g_assert_false(vmstate_load(&outer_vmsd, &dst, buf, len, &pos, &err));
    g_assert_nonnull(err);
    if (!strstr(error_get_pretty(err), msg_part)) {
        g_error("error '%s' lacks '%s'", error_get_pretty(err), msg_part);
    }
    g_assert_cmpuint(dst.u32, ==, 77);
    g_assert_cmpint(dst.post_loads, ==, 0);
    g_assert_cmpint(timer_expire_time(&dst.timer), ==, -1);
    g_assert_cmpuint(pos, ==, 0);
    error_free(err);
}

static void test_truncated(void)
{
    Outer src;
    outer_fill(&src);
    GByteArray *bytes = save(&src);
    /* Every strict prefix is an error, never a crash or a partial load. */
    for (size_t len = 0; len < bytes->len; len++) {
        expect_load_error(bytes->data, len, "outer");
    }
    expect_load_error(bytes->data, 25, "vmstate 'outer': field 'u64': truncated");
    expect_load_error(bytes->data, 2, "truncated section header");
    g_byte_array_free(bytes, true);
    outer_fini(&src);
}

static void test_corrupt(void)
{
    Outer src;
    outer_fill(&src);
    GByteArray *bytes = save(&src);
    uint8_t *copy = g_memdup2(bytes->data, bytes->len);

    copy[4] = 'X'; /* section name */
    expect_load_error(copy, bytes->len, "expected section 'outer', found 'Xuter'");
    copy[4] = 'o';

    copy[9] = 4; /* version */
    expect_load_error(copy, bytes->len,
                      "vmstate 'outer': version 4 in the stream, expected 3");
    copy[9] = 3;

    copy[13] = 2; /* the bool */
    expect_load_error(copy, bytes->len, "field 'flag': invalid bool value 2");
    copy[13] = 1;

    /* The nested section of "one" starts right after the 7-byte buffer. */
    size_t inner_at = 13 + 1 + 1 + 2 + 4 + 8 + 4 + 8 + 5 + 8 + 16 + 7;
    g_assert_cmpuint(copy[inner_at], ==, 5);
    copy[inner_at + 9] = 9;
    expect_load_error(copy, bytes->len, "field 'one': vmstate 'inner': version 9");
    copy[inner_at + 9] = 2;

    copy[0] = 0xff; /* absurd name length */
    expect_load_error(copy, bytes->len, "truncated section header");
    g_free(copy);
    g_byte_array_free(bytes, true);
    outer_fini(&src);
}

static void test_sequential_sections(void)
{
    Outer a, b, la, lb;
    outer_fill(&a);
    outer_fill(&b);
    b.u8 = 1;
    GByteArray *out = g_byte_array_new();
    vmstate_save(&outer_vmsd, &a, out);
    vmstate_save(&outer_vmsd, &b, out);
    outer_init(&la);
    outer_init(&lb);
    size_t pos = 0;
    g_assert_true(vmstate_load(&outer_vmsd, &la, out->data, out->len, &pos, NULL));
    g_assert_true(vmstate_load(&outer_vmsd, &lb, out->data, out->len, &pos, NULL));
    g_assert_cmpuint(pos, ==, out->len);
    g_assert_cmpuint(la.u8, ==, 0xa5);
    g_assert_cmpuint(lb.u8, ==, 1);
    g_assert_false(vmstate_load(&outer_vmsd, &lb, out->data, out->len, &pos, NULL));
    g_byte_array_free(out, true);
    outer_fini(&a);
    outer_fini(&b);
    outer_fini(&la);
    outer_fini(&lb);
}

static char *hash_of(const Outer *s)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    vmstate_hash(&outer_vmsd, s, sum);
    char *hex = g_strdup(g_checksum_get_string(sum));
    g_checksum_free(sum);
    return hex;
}

static void test_hash(void)
{
    Outer s;
    outer_fill(&s);
    char *h1 = hash_of(&s);
    char *h2 = hash_of(&s);
    g_assert_cmpstr(h1, ==, h2);

    s.many[1].b[2] ^= 1;
    char *h3 = hash_of(&s);
    g_assert_cmpstr(h1, !=, h3);
    s.many[1].b[2] ^= 1;

    timer_mod(&s.timer, 123456790);
    char *h4 = hash_of(&s);
    g_assert_cmpstr(h1, !=, h4);
    timer_mod(&s.timer, 123456789);

    s.post_loads = 5; /* not described: must not affect the hash */
    char *h5 = hash_of(&s);
    g_assert_cmpstr(h1, ==, h5);
    g_free(h1);
    g_free(h2);
    g_free(h3);
    g_free(h4);
    g_free(h5);
    outer_fini(&s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmstate/round-trip", test_round_trip);
    g_test_add_func("/vmstate/layout", test_layout_little_endian);
    g_test_add_func("/vmstate/truncated", test_truncated);
    g_test_add_func("/vmstate/corrupt", test_corrupt);
    g_test_add_func("/vmstate/sequential", test_sequential_sections);
    g_test_add_func("/vmstate/hash", test_hash);
    return g_test_run();
}
