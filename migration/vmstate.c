/*
 * vmstate: the generic walker that saves, loads and hashes described state.
 *
 * Stream layout of one section (all integers little endian):
 *   u32 name length, name bytes, u32 version, then each field in table order:
 *   scalars and arrays as their elements, bools as one byte (0 or 1), buffers as raw
 *   bytes, timers as their i64 expiry (-1 when not pending), nested structs as
 *   nested sections. The layout is fixed per version, so there are no field tags.
 *
 * Loading walks the stream twice: a dry run that validates every length, name and
 * value without touching the state, then the real load. A corrupt stream therefore
 * leaves the device as it was.
 */
#include "migration/vmstate.h"
#include "system/clock.h"

/* ---- save ---- */

static void put_le(GByteArray *out, uint64_t v, unsigned size)
{
    uint8_t bytes[8];
    for (unsigned i = 0; i < size; i++) {
        bytes[i] = v >> (i * 8);
    }
    g_byte_array_append(out, bytes, size);
}

static uint64_t get_host_uint(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: return *(const uint16_t *)p;
    case 4: return *(const uint32_t *)p;
    default: return *(const uint64_t *)p;
    }
}

static unsigned scalar_size(VMStateType type)
{
    switch (type) {
    case VMS_BOOL:
    case VMS_U8: return 1;
    case VMS_U16: return 2;
    case VMS_U32:
    case VMS_I32: return 4;
    case VMS_U64:
    case VMS_I64: return 8;
    default: return 0;
    }
}

static void save_field(const VMStateField *f, const uint8_t *base, GByteArray *out)
{
    unsigned width = scalar_size(f->type);
    if (width) {
        /* A table entry whose type does not match its C field is a bug in the table. */
        assert(f->size == width);
        for (size_t i = 0; i < f->count; i++) {
            put_le(out, get_host_uint(base + i * width, width), width);
        }
        return;
    }
    switch (f->type) {
    case VMS_BUFFER: g_byte_array_append(out, base, f->size * f->count); break;
    case VMS_STRUCT:
    case VMS_STRUCT_ARRAY:
        for (size_t i = 0; i < f->count; i++) {
            vmstate_save(f->vmsd, base + i * f->size, out);
        }
        break;
    case VMS_TIMER: put_le(out, timer_expire_time((const Timer *)base), 8); break;
    default: assert(!"unknown vmstate field type");
    }
}

void vmstate_save(const VMStateDescription *vmsd, const void *opaque, GByteArray *out)
{
    size_t name_len = strlen(vmsd->name);
    put_le(out, name_len, 4);
    g_byte_array_append(out, (const guint8 *)vmsd->name, name_len);
    put_le(out, vmsd->version, 4);
    for (const VMStateField *f = vmsd->fields; f && f->type != VMS_END; f++) {
        save_field(f, (const uint8_t *)opaque + f->offset, out);
    }
}

/* ---- load ---- */

typedef struct VMStateReader {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    bool apply; /* false: validate only */
} VMStateReader;

static bool take(VMStateReader *r, size_t n, const uint8_t **p)
{
    if (n > r->len - r->pos) {
        return false;
    }
    *p = r->buf + r->pos;
    r->pos += n;
    return true;
}

static bool get_le(VMStateReader *r, unsigned size, uint64_t *v)
{
    const uint8_t *p;
    if (!take(r, size, &p)) {
        return false;
    }
    *v = 0;
    for (unsigned i = 0; i < size; i++) {
        *v |= (uint64_t)p[i] << (i * 8);
    }
    return true;
}

static void set_host_uint(void *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1: *(uint8_t *)p = v; break;
    case 2: *(uint16_t *)p = v; break;
    case 4: *(uint32_t *)p = v; break;
    default: *(uint64_t *)p = v; break;
    }
}

static bool load_section(const VMStateDescription *vmsd, void *opaque, VMStateReader *r,
                         Error **errp);

static bool load_scalars(const VMStateField *f, uint8_t *base, VMStateReader *r,
                         Error **errp)
{
    unsigned width = scalar_size(f->type);
    assert(f->size == width);
    for (size_t i = 0; i < f->count; i++) {
        uint64_t v;
        if (!get_le(r, width, &v)) {
            error_setg(errp, "truncated");
            return false;
        }
        if (f->type == VMS_BOOL && v > 1) {
            error_setg(errp, "invalid bool value %" PRIu64, v);
            return false;
        }
        if (r->apply) {
            set_host_uint(base + i * width, v, width);
        }
    }
    return true;
}

static bool load_buffer(const VMStateField *f, uint8_t *base, VMStateReader *r,
                        Error **errp)
{
    const uint8_t *p;
    size_t n = f->size * f->count;
    if (!take(r, n, &p)) {
        error_setg(errp, "truncated");
        return false;
    }
    if (r->apply) {
        memcpy(base, p, n);
    }
    return true;
}

static bool load_timer(Timer *t, VMStateReader *r, Error **errp)
{
    uint64_t v;
    if (!get_le(r, 8, &v)) {
        error_setg(errp, "truncated");
        return false;
    }
    int64_t expire = (int64_t)v;
    if (expire < -1) {
        error_setg(errp, "invalid timer expiry %" PRId64, expire);
        return false;
    }
    if (r->apply && expire == -1) {
        timer_del(t);
    } else if (r->apply) {
        timer_mod(t, expire);
    }
    return true;
}

static bool load_field(const VMStateField *f, uint8_t *base, VMStateReader *r,
                       Error **errp)
{
    if (scalar_size(f->type)) {
        return load_scalars(f, base, r, errp);
    }
    switch (f->type) {
    case VMS_BUFFER: return load_buffer(f, base, r, errp);
    case VMS_STRUCT:
    case VMS_STRUCT_ARRAY:
        for (size_t i = 0; i < f->count; i++) {
            if (!load_section(f->vmsd, base + i * f->size, r, errp)) {
                return false;
            }
        }
        return true;
    case VMS_TIMER: return load_timer((Timer *)base, r, errp);
    default: assert(!"unknown vmstate field type"); return false;
    }
}

static bool load_header(const VMStateDescription *vmsd, VMStateReader *r, Error **errp)
{
    uint64_t name_len, version;
    const uint8_t *name;
    if (!get_le(r, 4, &name_len) || !take(r, name_len, &name)) {
        error_setg(errp, "vmstate '%s': truncated section header", vmsd->name);
        return false;
    }
    if (name_len != strlen(vmsd->name) || memcmp(name, vmsd->name, name_len) != 0) {
        error_setg(errp, "vmstate: expected section '%s', found '%.*s'", vmsd->name,
                   (int)MIN_U64(name_len, 64), (const char *)name);
        return false;
    }
    if (!get_le(r, 4, &version)) {
        error_setg(errp, "vmstate '%s': truncated section header", vmsd->name);
        return false;
    }
    if (version != (uint64_t)vmsd->version) {
        error_setg(errp, "vmstate '%s': version %" PRIu64 " in the stream, expected %d",
                   vmsd->name, version, vmsd->version);
        return false;
    }
    return true;
}

static bool load_section(const VMStateDescription *vmsd, void *opaque, VMStateReader *r,
                         Error **errp)
{
    if (!load_header(vmsd, r, errp)) {
        return false;
    }
    for (const VMStateField *f = vmsd->fields; f && f->type != VMS_END; f++) {
        if (!load_field(f, (uint8_t *)opaque + f->offset, r, errp)) {
            error_prepend(errp, "vmstate '%s': field '%s': ", vmsd->name, f->name);
            return false;
        }
    }
    if (r->apply && vmsd->post_load && !vmsd->post_load(opaque, errp)) {
        error_prepend(errp, "vmstate '%s': post_load: ", vmsd->name);
        return false;
    }
    return true;
}

bool vmstate_load(const VMStateDescription *vmsd, void *opaque, const uint8_t *buf,
                  size_t len, size_t *pos, Error **errp)
{
    if (*pos > len) {
        error_setg(errp, "vmstate '%s': position beyond the end of the stream",
                   vmsd->name);
        return false;
    }
    VMStateReader check = {.buf = buf, .len = len, .pos = *pos, .apply = false};
    if (!load_section(vmsd, opaque, &check, errp)) {
        return false;
    }
    VMStateReader r = {.buf = buf, .len = len, .pos = *pos, .apply = true};
    bool ok = load_section(vmsd, opaque, &r, errp);
    /* The dry run validated everything but post_load, so only post_load can fail. */
    *pos = r.pos;
    return ok;
}

/* ---- hash ---- */

void vmstate_hash(const VMStateDescription *vmsd, const void *opaque, GChecksum *sum)
{
    GByteArray *bytes = g_byte_array_new();
    vmstate_save(vmsd, opaque, bytes);
    g_checksum_update(sum, bytes->data, bytes->len);
    g_byte_array_free(bytes, true);
}
