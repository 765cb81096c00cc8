/*
 * PCI bus 0 and the functions on it (hw/pci/pci.c), after PCI Local Bus 3.0: type 0
 * configuration headers with per-bit write/clear masks, BARs mapped into the
 * machine's address spaces while decoding is enabled, and INTx pins routed through
 * the bus's interrupt router (the PIIX3's PIRQ lines on the pc machine).
 *
 * A PCI device model embeds a PCIDevice as its first member (PCIDevice itself starts
 * with a DeviceState), adds PCI_DEVICE_PROPERTIES(State) to its property list, and
 * in realize calls pci_device_realize() (or pci_register_device() for a bus it
 * already holds), then pci_register_bar() for each BAR. Its reset hook calls
 * pci_device_reset(); its vmstate embeds vmstate_pci_device as field "pci".
 *
 * Placement: -device NAME,bus=pci.0,addr=SLOT[.FN] (hexadecimal, as in QEMU: addr=3,
 * addr=0x3, addr=03.1). Without addr, the first free slot gets function 0.
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include "util/osdep.h"
#include "util/error.h"
#include "hw/device.h"
#include "migration/vmstate.h"
#include "system/memory.h"

#define PCI_CONFIG_SPACE_SIZE 256
#define PCI_NUM_BARS          6
#define PCI_NUM_PINS          4 /* INTA#..INTD# */
#define PCI_DEVFN_MAX         256
#define PCI_DEVFN_AUTO        (-1)

#define PCI_DEVFN(slot, fn) ((((slot)&0x1f) << 3) | ((fn)&7))
#define PCI_SLOT(devfn)     (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)     ((devfn)&7)

/* Type 0 configuration header (PCI Local Bus 3.0, section 6.1). */
#define PCI_VENDOR_ID           0x00 /* Vendor ID */
#define PCI_DEVICE_ID           0x02 /* Device ID */
#define PCI_COMMAND             0x04 /* Command */
#define PCI_STATUS              0x06 /* Status */
#define PCI_REVISION_ID         0x08 /* Revision ID */
#define PCI_CLASS_PROG          0x09 /* Class Code: programming interface */
#define PCI_CLASS_DEVICE        0x0a /* Class Code: sub-class and base class */
#define PCI_CACHE_LINE_SIZE     0x0c /* Cacheline Size */
#define PCI_LATENCY_TIMER       0x0d /* Latency Timer */
#define PCI_HEADER_TYPE         0x0e /* Header Type */
#define PCI_BIST                0x0f /* BIST */
#define PCI_BASE_ADDRESS_0      0x10 /* Base Address Registers 0-5 */
#define PCI_CARDBUS_CIS         0x28 /* CardBus CIS Pointer */
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c /* Subsystem Vendor ID */
#define PCI_SUBSYSTEM_ID        0x2e /* Subsystem ID */
#define PCI_ROM_ADDRESS         0x30 /* Expansion ROM Base Address */
#define PCI_CAPABILITY_LIST     0x34 /* Capabilities Pointer */
#define PCI_INTERRUPT_LINE      0x3c /* Interrupt Line */
#define PCI_INTERRUPT_PIN       0x3d /* Interrupt Pin */
#define PCI_MIN_GNT             0x3e /* Min_Gnt */
#define PCI_MAX_LAT             0x3f /* Max_Lat */
#define PCI_CONFIG_HEADER_SIZE  0x40

#define PCI_COMMAND_IO           0x0001 /* I/O Space */
#define PCI_COMMAND_MEMORY       0x0002 /* Memory Space */
#define PCI_COMMAND_MASTER       0x0004 /* Bus Master */
#define PCI_COMMAND_PARITY       0x0040 /* Parity Error Response */
#define PCI_COMMAND_SERR         0x0100 /* SERR# Enable */
#define PCI_COMMAND_INTX_DISABLE 0x0400 /* Interrupt Disable */

#define PCI_STATUS_INTERRUPT        0x0008 /* Interrupt Status */
#define PCI_STATUS_CAP_LIST         0x0010 /* Capabilities List */
#define PCI_STATUS_PARITY           0x0100 /* Master Data Parity Error */
#define PCI_STATUS_DEVSEL_MEDIUM    0x0200 /* DEVSEL timing: medium */
#define PCI_STATUS_SIG_TARGET_ABORT 0x0800 /* Signaled Target Abort */
#define PCI_STATUS_REC_TARGET_ABORT 0x1000 /* Received Target Abort */
#define PCI_STATUS_REC_MASTER_ABORT 0x2000 /* Received Master Abort */
#define PCI_STATUS_SIG_SYSTEM_ERROR 0x4000 /* Signaled System Error */
#define PCI_STATUS_DETECTED_PARITY  0x8000 /* Detected Parity Error */

#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80 /* Multi-Function Device */

#define PCI_BASE_ADDRESS_SPACE_IO     0x01 /* Memory Space Indicator: I/O */
#define PCI_BASE_ADDRESS_MEM_TYPE_64  0x04 /* Type: locate anywhere in 64-bit space */
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08 /* Prefetchable */

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

/* The identity a function shows in its configuration header. */
typedef struct PCIDeviceIds {
    uint16_t vendor_id;
    uint16_t device_id;
    uint32_t class_code; /* base class << 16 | sub-class << 8 | prog-if */
    uint8_t revision;
    uint8_t header_type;   /* PCI_HEADER_TYPE_MULTI_FUNCTION for function 0 of a set */
    uint8_t interrupt_pin; /* 0: none, 1..4: INTA#..INTD# */
    uint16_t subsystem_vendor_id;
    uint16_t subsystem_id;
} PCIDeviceIds;

typedef struct PCIBar {
    MemoryRegion *mr; /* NULL: not implemented, reads as 0 */
    uint8_t type;     /* the BAR's low flag bits */
    uint64_t mapped;  /* address where mr is mapped, or PCI_BAR_UNMAPPED */
} PCIBar;

#define PCI_BAR_UNMAPPED UINT64_MAX

/*
 * A function's own configuration space handlers; they usually do their part and
 * call pci_default_config_read/write for the rest.
 */
typedef uint32_t PCIConfigReadFn(PCIDevice *d, unsigned addr, unsigned len);
typedef void PCIConfigWriteFn(PCIDevice *d, unsigned addr, uint32_t val, unsigned len);

struct PCIDevice {
    DeviceState dev;
    char *bus_name; /* property "bus" */
    char *addr;     /* property "addr": SLOT[.FN], hex */

    /* Guest-visible state. */
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    bool intx_level; /* what the function asserts on its INTx pin */

    /* Set up by the model at realize; not guest state. */
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];   /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE]; /* bits the guest clears by writing 1 */
    PCIBar bars[PCI_NUM_BARS];
    PCIConfigReadFn *config_read;
    PCIConfigWriteFn *config_write;
    unsigned capabilities_end; /* first byte after the last capability */
    PCIBus *bus;               /* NULL until registered */
    int devfn;
};

/* The two properties every PCI device type lists (State embeds PCIDevice as "pci"). */
#define PCI_DEVICE_PROPERTIES(State)                                                     \
    DEFINE_PROP("bus", State, pci.bus_name, PROP_STR, "pci.0", "PCI bus to plug into"),  \
        DEFINE_PROP("addr", State, pci.addr, PROP_STR, NULL,                             \
                    "slot[.function] in hex, e.g. 03.0 (default: first free slot)")

/* vmstate of the PCI part of a function; its post_load remaps the BARs. */
extern const VMStateDescription vmstate_pci_device;

/*
 * The bus's interrupt router: map_irq turns (devfn, pin 0..3) into one of the bus's
 * PCI_NUM_PINS interrupt lines; set_irq is told each line's new level (the OR of
 * every function mapped onto it).
 */
typedef int PCIMapIRQFn(void *opaque, int devfn, int pin);
typedef void PCISetIRQFn(void *opaque, int irq, int level);

struct PCIBus {
    const char *name;
    AddressSpace *io;  /* where I/O BARs are mapped */
    AddressSpace *mem; /* where memory BARs are mapped */
    PCIDevice *devices[PCI_DEVFN_MAX];
    PCIMapIRQFn *map_irq;
    PCISetIRQFn *set_irq;
    void *irq_opaque;
};

/* ---- the bus (host bridges) ---- */

void pci_bus_init(PCIBus *bus, const char *name, AddressSpace *io, AddressSpace *mem);
void pci_bus_set_irq_router(PCIBus *bus, PCIMapIRQFn *map_irq, PCISetIRQFn *set_irq,
                            void *opaque);
/* Configuration cycles; an absent function reads as all ones, writes vanish. */
uint32_t pci_bus_config_read(PCIBus *bus, int devfn, unsigned addr, unsigned len);
void pci_bus_config_write(PCIBus *bus, int devfn, unsigned addr, uint32_t val,
                          unsigned len);
PCIDevice *pci_bus_device(PCIBus *bus, int devfn);

/*
 * Host bridge device types tell the PCI core how to find the bus in an instance, so
 * that -device can find "pci.0" among the machine's devices.
 */
typedef PCIBus *PCIHostGetBusFn(DeviceState *host);
void pci_host_type_register(const DeviceInfo *info, PCIHostGetBusFn *get_bus);
PCIBus *pci_find_bus(Machine *m, const char *name);

/* ---- functions (device models) ---- */

/* Put d on bus at devfn (PCI_DEVFN_AUTO: first free slot) with the given identity. */
bool pci_register_device(PCIBus *bus, PCIDevice *d, int devfn, const PCIDeviceIds *ids,
                         Error **errp);
/* The -device path: find the bus named by d->bus_name in m, parse d->addr, register. */
bool pci_device_realize(PCIDevice *d, Machine *m, const PCIDeviceIds *ids, Error **errp);
void pci_device_unrealize(PCIDevice *d);
/* The PCI part of a reset: command/status/BARs cleared, BARs unmapped, INTx low. */
void pci_device_reset(PCIDevice *d);

/*
 * Declare BAR n backed by mr (size: mr->size, a power of two, at least 4 for I/O and
 * 16 for memory). type is PCI_BASE_ADDRESS_SPACE_IO, or 0 / MEM_TYPE_64 /
 * MEM_PREFETCH for memory; a 64-bit BAR also takes slot n + 1.
 */
void pci_register_bar(PCIDevice *d, int n, uint8_t type, MemoryRegion *mr);
/* The address BAR n is mapped at, or PCI_BAR_UNMAPPED. */
uint64_t pci_bar_address(const PCIDevice *d, int n);

/*
 * Add a capability of size bytes with the given ID to the list; returns its offset
 * in configuration space (0 if there is no room). The body is the caller's to fill.
 */
uint8_t pci_add_capability(PCIDevice *d, uint8_t cap_id, uint8_t size);

/* Drive the function's INTx pin (the one in its Interrupt Pin register). */
void pci_set_irq(PCIDevice *d, int level);

uint32_t pci_default_config_read(PCIDevice *d, unsigned addr, unsigned len);
void pci_default_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned len);

/* Little-endian accessors for a function's configuration space. */
static inline void pci_set_byte(uint8_t *p, uint8_t v)
{
    p[0] = v;
}

static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    pci_set_word(p, v);
    pci_set_word(p + 2, v >> 16);
}

static inline uint16_t pci_get_word(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}

static inline uint32_t pci_get_long(const uint8_t *p)
{
    return pci_get_word(p) | ((uint32_t)pci_get_word(p + 2) << 16);
}

#endif
