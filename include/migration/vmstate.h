/*
 * vmstate: declarative tables describing device state. One generic walker saves,
 * loads and hashes any described struct; devices write no save/load code.
 */
#ifndef MIGRATION_VMSTATE_H
#define MIGRATION_VMSTATE_H

#include "util/osdep.h"
#include "util/error.h"

typedef enum VMStateType {
    VMS_END = 0,
    VMS_BOOL,
    VMS_U8,
    VMS_U16,
    VMS_U32,
    VMS_U64,
    VMS_I32,
    VMS_I64,
    VMS_BUFFER, /* raw bytes of a fixed size */
    VMS_STRUCT, /* nested description, one instance */
    VMS_STRUCT_ARRAY,
    VMS_TIMER,  /* a Timer: its expiry time is saved, post-load re-arms it */
} VMStateType;

typedef struct VMStateDescription VMStateDescription;

typedef struct VMStateField {
    const char *name;
    VMStateType type;
    size_t offset;
    size_t size;   /* element size for arrays/buffers */
    size_t count;  /* number of elements (1 for scalars) */
    const VMStateDescription *vmsd; /* for VMS_STRUCT */
} VMStateField;

struct VMStateDescription {
    const char *name;
    int version;
    const VMStateField *fields;
    /* Rebuild host-side state derived from the fields. */
    bool (*post_load)(void *opaque, Error **errp);
};

#define VMS_FIELD_(f, st, t, n)                                                          \
    {.name = #f, .type = (t), .offset = offsetof(st, f),                                 \
     .size = sizeof(((st *)0)->f) / (n), .count = (n)}

#define VMSTATE_BOOL(f, st)   VMS_FIELD_(f, st, VMS_BOOL, 1)
#define VMSTATE_UINT8(f, st)  VMS_FIELD_(f, st, VMS_U8, 1)
#define VMSTATE_UINT16(f, st) VMS_FIELD_(f, st, VMS_U16, 1)
#define VMSTATE_UINT32(f, st) VMS_FIELD_(f, st, VMS_U32, 1)
#define VMSTATE_UINT64(f, st) VMS_FIELD_(f, st, VMS_U64, 1)
#define VMSTATE_INT32(f, st)  VMS_FIELD_(f, st, VMS_I32, 1)
#define VMSTATE_INT64(f, st)  VMS_FIELD_(f, st, VMS_I64, 1)
#define VMSTATE_UINT8_ARRAY(f, st, n)  VMS_FIELD_(f, st, VMS_U8, n)
#define VMSTATE_UINT16_ARRAY(f, st, n) VMS_FIELD_(f, st, VMS_U16, n)
#define VMSTATE_UINT32_ARRAY(f, st, n) VMS_FIELD_(f, st, VMS_U32, n)
#define VMSTATE_UINT64_ARRAY(f, st, n) VMS_FIELD_(f, st, VMS_U64, n)
#define VMSTATE_BUFFER(f, st)          VMS_FIELD_(f, st, VMS_BUFFER, 1)
#define VMSTATE_TIMER(f, st)           VMS_FIELD_(f, st, VMS_TIMER, 1)
#define VMSTATE_STRUCT(f, st, desc)                                                      \
    {.name = #f, .type = VMS_STRUCT, .offset = offsetof(st, f),                          \
     .size = sizeof(((st *)0)->f), .count = 1, .vmsd = &(desc)}
#define VMSTATE_STRUCT_ARRAY(f, st, n, desc)                                             \
    {.name = #f, .type = VMS_STRUCT_ARRAY, .offset = offsetof(st, f),                    \
     .size = sizeof(((st *)0)->f) / (n), .count = (n), .vmsd = &(desc)}
#define VMSTATE_END_OF_LIST() {.name = NULL, .type = VMS_END}

/* Append the state of opaque to out (little endian, fixed layout per version). */
void vmstate_save(const VMStateDescription *vmsd, const void *opaque, GByteArray *out);
/* Load from buf at *pos, advancing it. Errors name the section and field. */
bool vmstate_load(const VMStateDescription *vmsd, void *opaque, const uint8_t *buf,
                  size_t len, size_t *pos, Error **errp);
/* Feed the described state into a running checksum (for replay state hashes). */
void vmstate_hash(const VMStateDescription *vmsd, const void *opaque, GChecksum *sum);

#endif
