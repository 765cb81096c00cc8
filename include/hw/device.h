/*
 * Devices: a plain struct that starts with DeviceState, one static const DeviceInfo
 * per type, registered with DEVICE_REGISTER(). -device NAME,prop=value creates them.
 */
#ifndef HW_DEVICE_H
#define HW_DEVICE_H

#include "util/osdep.h"
#include "util/error.h"
#include "migration/vmstate.h"

typedef struct Machine Machine;
typedef struct Chardev Chardev;

typedef enum PropType {
    PROP_BOOL,
    PROP_U8,
    PROP_U16,
    PROP_U32,
    PROP_U64,
    PROP_STR,     /* char *, g_free'd with the device */
    PROP_CHARDEV, /* Chardev *, named by id */
} PropType;

typedef struct Property {
    const char *name;
    PropType type;
    size_t offset;
    const char *defval; /* textual default, NULL for none */
    const char *desc;
} Property;

#define DEFINE_PROP(n, st, field, t, def, d)                                             \
    {                                                                                    \
        .name = (n), .type = (t), .offset = offsetof(st, field), .defval = (def),        \
        .desc = (d)                                                                      \
    }
#define DEFINE_PROP_END()                                                                \
    {                                                                                    \
        .name = NULL                                                                     \
    }

typedef struct DeviceState DeviceState;

typedef struct DeviceInfo {
    const char *name;
    const char *desc;
    size_t instance_size;
    const Property *props;
    bool user_creatable; /* may appear in -device */
    /* Connect to the machine (map regions, take IRQs). */
    bool (*realize)(DeviceState *dev, Machine *m, Error **errp);
    void (*reset)(DeviceState *dev);
    void (*unrealize)(DeviceState *dev);
    const VMStateDescription *vmsd;
} DeviceInfo;

struct DeviceState {
    const DeviceInfo *info;
    char *id;
    bool realized;
};

void device_register(const DeviceInfo *info);
#define DEVICE_REGISTER(info)                                                            \
    static void __attribute__((constructor)) device_register_##info(void)                \
    {                                                                                    \
        device_register(&(info));                                                        \
    }

const DeviceInfo *device_find_type(const char *name);
/* Allocate an instance with property defaults applied. */
DeviceState *device_new(const char *type, Error **errp);
bool device_set_prop(DeviceState *dev, const char *name, const char *value, Error **errp);
bool device_realize(DeviceState *dev, Machine *m, Error **errp);
void device_reset(DeviceState *dev);
void device_free(DeviceState *dev);

/* "NAME,prop=val,..." as given to -device; "help" and "NAME,help" print and return. */
DeviceState *device_new_from_opts(const char *opts, bool *printed_help, Error **errp);
void device_print_types(FILE *f);
bool device_print_props(const char *type, FILE *f, Error **errp);

#endif
