/* AML encoder for the DSDT, after ACPI 6.x chapter 20 (ACPI Machine Language). */
#include "hw/acpi/aml-build.h"

#define AML_ZERO_OP       0x00
#define AML_ONE_OP        0x01
#define AML_NAME_OP       0x08
#define AML_BYTE_PREFIX   0x0a
#define AML_WORD_PREFIX   0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX  0x0e
#define AML_SCOPE_OP      0x10
#define AML_BUFFER_OP     0x11
#define AML_PACKAGE_OP    0x12
#define AML_METHOD_OP     0x14
#define AML_DUAL_NAME     0x2e
#define AML_MULTI_NAME    0x2f
#define AML_EXT_OP_PREFIX 0x5b
#define AML_DEVICE_OP     0x82 /* after ExtOpPrefix */
#define AML_ROOT_CHAR     '\\'
#define AML_PARENT_CHAR   '^'
#define AML_RETURN_OP     0xa4

#define AML_NAME_SEG_SIZE 4

/* Resource descriptor tags (ACPI 6.x, 6.4.2 and 6.4.3). */
#define AML_RES_IRQ_NO_FLAGS 0x22 /* IRQ Descriptor, length 2 */
#define AML_RES_IO           0x47 /* I/O Port Descriptor */
#define AML_RES_END_TAG      0x79 /* End Tag */
#define AML_RES_DWORD_SPACE  0x87 /* DWord Address Space Descriptor */
#define AML_RES_WORD_SPACE   0x88 /* Word Address Space Descriptor */

#define AML_RES_TYPE_MEMORY 0 /* Resource Type: memory range */
#define AML_RES_TYPE_IO     1 /* Resource Type: I/O range */
#define AML_RES_TYPE_BUS    2 /* Resource Type: bus number range */

#define AML_RES_MIN_FIXED       0x04 /* _MIF */
#define AML_RES_MAX_FIXED       0x08 /* _MAF */
#define AML_RES_IO_ENTIRE_RANGE 0x03 /* _RNG: ISA and non-ISA ranges */
#define AML_RES_MEM_RW          0x01 /* _RW: read/write */
#define AML_RES_MEM_CACHEABLE   0x02 /* _MEM: cacheable */
#define AML_IO_DECODE16         0x01 /* _DEC: 16-bit decode */

typedef enum AmlKind {
    AML_PLAIN,     /* body only */
    AML_PKGLEN,    /* op, PkgLength, head, body (scope, device, method) */
    AML_PACKAGE,   /* op, PkgLength, NumElements, body */
    AML_RESOURCES, /* op, PkgLength, BufferSize, body, End Tag */
} AmlKind;

struct Aml {
    AmlKind kind;
    uint8_t op[2];
    unsigned op_len;
    GByteArray *head;
    GByteArray *body;
    unsigned count; /* elements appended (packages) */
};

static Aml *aml_new(AmlKind kind)
{
    Aml *a = g_new0(Aml, 1);
    a->kind = kind;
    a->head = g_byte_array_new();
    a->body = g_byte_array_new();
    return a;
}

static void aml_free(Aml *a)
{
    g_byte_array_free(a->head, true);
    g_byte_array_free(a->body, true);
    g_free(a);
}

static void aml_put_byte(GByteArray *out, uint8_t b)
{
    g_byte_array_append(out, &b, 1);
}

static void aml_put_le(GByteArray *out, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        aml_put_byte(out, v >> (8 * i));
    }
}

static Aml *aml_bytes(const uint8_t *data, size_t len)
{
    Aml *a = aml_new(AML_PLAIN);
    g_byte_array_append(a->body, data, len);
    return a;
}

/* ---- PkgLength and NameString ---- */

/* The length counts its own 1-4 bytes; more than one byte holds 4 + 8k bits. */
static void aml_put_pkglength(GByteArray *out, size_t content)
{
    unsigned n = 1;
    while (content + n >= (n == 1 ? 0x40u : 1u << (4 + 8 * (n - 1)))) {
        n++;
        assert(n <= 4);
    }
    size_t len = content + n;
    if (n == 1) {
        aml_put_byte(out, len);
        return;
    }
    aml_put_byte(out, ((n - 1) << 6) | (len & 0x0f));
    aml_put_le(out, len >> 4, n - 1);
}

static void aml_put_name_seg(GByteArray *out, const char *seg, size_t len)
{
    assert(len >= 1 && len <= AML_NAME_SEG_SIZE);
    assert(g_ascii_isupper(seg[0]) || seg[0] == '_');
    for (size_t i = 0; i < AML_NAME_SEG_SIZE; i++) {
        char c = i < len ? seg[i] : '_';
        assert(g_ascii_isupper(c) || g_ascii_isdigit(c) || c == '_');
        aml_put_byte(out, c);
    }
}

static void aml_put_segment_count(GByteArray *out, unsigned n)
{
    if (n == 0) {
        aml_put_byte(out, 0x00); /* NullName */
    } else if (n == 2) {
        aml_put_byte(out, AML_DUAL_NAME);
    } else if (n > 2) {
        aml_put_byte(out, AML_MULTI_NAME);
        aml_put_byte(out, n);
    }
}

static void aml_put_name_string(GByteArray *out, const char *path)
{
    while (*path == AML_ROOT_CHAR || *path == AML_PARENT_CHAR) {
        aml_put_byte(out, *path++);
    }
    g_auto(GStrv) segs = *path ? g_strsplit(path, ".", -1) : g_new0(char *, 1);
    unsigned n = g_strv_length(segs);
    aml_put_segment_count(out, n);
    for (unsigned i = 0; i < n; i++) {
        aml_put_name_seg(out, segs[i], strlen(segs[i]));
    }
}

/* ---- data ---- */

Aml *aml_int(uint64_t v)
{
    Aml *a = aml_new(AML_PLAIN);
    if (v <= AML_ONE_OP) {
        aml_put_byte(a->body, v == 0 ? AML_ZERO_OP : AML_ONE_OP);
    } else if (v <= UINT8_MAX) {
        aml_put_byte(a->body, AML_BYTE_PREFIX);
        aml_put_le(a->body, v, 1);
    } else if (v <= UINT16_MAX) {
        aml_put_byte(a->body, AML_WORD_PREFIX);
        aml_put_le(a->body, v, 2);
    } else if (v <= UINT32_MAX) {
        aml_put_byte(a->body, AML_DWORD_PREFIX);
        aml_put_le(a->body, v, 4);
    } else {
        aml_put_byte(a->body, AML_QWORD_PREFIX);
        aml_put_le(a->body, v, 8);
    }
    return a;
}

Aml *aml_string(const char *str)
{
    Aml *a = aml_new(AML_PLAIN);
    aml_put_byte(a->body, AML_STRING_PREFIX);
    g_byte_array_append(a->body, (const guint8 *)str, strlen(str) + 1);
    return a;
}

static unsigned aml_eisaid_letter(char c)
{
    assert(g_ascii_isupper(c));
    return c - '@'; /* 'A' is 1 */
}

/* Three letters of 5 bits each and four hex digits, stored most significant first. */
Aml *aml_eisaid(const char *id)
{
    assert(strlen(id) == 7);
    uint32_t v = aml_eisaid_letter(id[0]) << 26 | aml_eisaid_letter(id[1]) << 21 |
                 aml_eisaid_letter(id[2]) << 16 | g_ascii_strtoull(id + 3, NULL, 16);
    Aml *a = aml_new(AML_PLAIN);
    aml_put_byte(a->body, AML_DWORD_PREFIX);
    aml_put_le(a->body, GUINT32_TO_BE(v), 4);
    return a;
}

Aml *aml_name(const char *path)
{
    Aml *a = aml_new(AML_PLAIN);
    aml_put_name_string(a->body, path);
    return a;
}

Aml *aml_package(void)
{
    Aml *a = aml_new(AML_PACKAGE);
    a->op[0] = AML_PACKAGE_OP;
    a->op_len = 1;
    return a;
}

/* ---- named objects and containers ---- */

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *a = aml_new(AML_PLAIN);
    aml_put_byte(a->body, AML_NAME_OP);
    aml_put_name_string(a->body, name);
    aml_append(a, value);
    return a;
}

static Aml *aml_named_container(const uint8_t *op, unsigned op_len, const char *name)
{
    Aml *a = aml_new(AML_PKGLEN);
    memcpy(a->op, op, op_len);
    a->op_len = op_len;
    aml_put_name_string(a->head, name);
    return a;
}

Aml *aml_scope(const char *path)
{
    static const uint8_t op[] = {AML_SCOPE_OP};
    return aml_named_container(op, sizeof(op), path);
}

Aml *aml_device(const char *name)
{
    static const uint8_t op[] = {AML_EXT_OP_PREFIX, AML_DEVICE_OP};
    return aml_named_container(op, sizeof(op), name);
}

Aml *aml_method(const char *name, unsigned nargs, bool serialized)
{
    static const uint8_t op[] = {AML_METHOD_OP};
    assert(nargs <= 7);
    Aml *a = aml_named_container(op, sizeof(op), name);
    aml_put_byte(a->head, nargs | (serialized ? 0x08 : 0)); /* MethodFlags */
    return a;
}

Aml *aml_return(Aml *value)
{
    Aml *a = aml_new(AML_PLAIN);
    aml_put_byte(a->body, AML_RETURN_OP);
    aml_append(a, value);
    return a;
}

Aml *aml_block(void)
{
    return aml_new(AML_PLAIN);
}

/* ---- resource templates ---- */

Aml *aml_resource_template(void)
{
    Aml *a = aml_new(AML_RESOURCES);
    a->op[0] = AML_BUFFER_OP;
    a->op_len = 1;
    return a;
}

Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    const uint8_t d[] = {AML_RES_IO, AML_IO_DECODE16, min,   min >> 8,
                         max,        max >> 8,        align, len};
    return aml_bytes(d, sizeof(d));
}

Aml *aml_irq_no_flags(uint8_t irq)
{
    assert(irq < 16);
    const uint8_t d[] = {AML_RES_IRQ_NO_FLAGS, (1u << irq) & 0xff, (1u << irq) >> 8};
    return aml_bytes(d, sizeof(d));
}

/* Address space descriptors, as a host bridge produces them: fixed min and max. */
static Aml *aml_address_space(uint8_t tag, unsigned width, uint8_t type, uint8_t flags,
                              uint64_t min, uint64_t max)
{
    Aml *a = aml_new(AML_PLAIN);
    aml_put_byte(a->body, tag);
    aml_put_le(a->body, 3 + 5 * width, 2); /* length of what follows */
    aml_put_byte(a->body, type);
    aml_put_byte(a->body, AML_RES_MIN_FIXED | AML_RES_MAX_FIXED);
    aml_put_byte(a->body, flags);
    aml_put_le(a->body, 0, width);             /* _GRA */
    aml_put_le(a->body, min, width);           /* _MIN */
    aml_put_le(a->body, max, width);           /* _MAX */
    aml_put_le(a->body, 0, width);             /* _TRA */
    aml_put_le(a->body, max - min + 1, width); /* _LEN */
    return a;
}

Aml *aml_word_bus_number(uint16_t min, uint16_t max)
{
    return aml_address_space(AML_RES_WORD_SPACE, 2, AML_RES_TYPE_BUS, 0, min, max);
}

Aml *aml_word_io(uint16_t min, uint16_t max)
{
    return aml_address_space(AML_RES_WORD_SPACE, 2, AML_RES_TYPE_IO,
                             AML_RES_IO_ENTIRE_RANGE, min, max);
}

Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable)
{
    uint8_t flags = AML_RES_MEM_RW | (cacheable ? AML_RES_MEM_CACHEABLE : 0);
    return aml_address_space(AML_RES_DWORD_SPACE, 4, AML_RES_TYPE_MEMORY, flags, min,
                             max);
}

/* ---- encoding ---- */

static void aml_encode_framed(Aml *a, GByteArray *out, GByteArray *prefix)
{
    g_byte_array_append(out, a->op, a->op_len);
    aml_put_pkglength(out, prefix->len + a->body->len);
    g_byte_array_append(out, prefix->data, prefix->len);
    g_byte_array_append(out, a->body->data, a->body->len);
}

void aml_encode(Aml *a, GByteArray *out)
{
    g_autoptr(GByteArray) prefix = g_byte_array_new();
    switch (a->kind) {
    case AML_PLAIN: g_byte_array_append(out, a->body->data, a->body->len); break;
    case AML_PKGLEN: aml_encode_framed(a, out, a->head); break;
    case AML_PACKAGE:
        assert(a->count <= UINT8_MAX);
        aml_put_byte(prefix, a->count); /* NumElements */
        aml_encode_framed(a, out, prefix);
        break;
    case AML_RESOURCES:
        aml_put_byte(a->body, AML_RES_END_TAG);
        aml_put_byte(a->body, 0);                  /* checksum 0: "treat as correct" */
        aml_encode(aml_int(a->body->len), prefix); /* BufferSize */
        aml_encode_framed(a, out, prefix);
        break;
    }
    aml_free(a);
}

void aml_append(Aml *parent, Aml *child)
{
    aml_encode(child, parent->body);
    parent->count++;
}
