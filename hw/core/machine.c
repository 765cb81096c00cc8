/* The machine: RAM, the memory and I/O address spaces, ISA lines and the device list. */
#include "hw/machine.h"
#include "target/i386/cpu.h"
#include "target/i386/access.h"

#define MACHINE_MEM_SIZE (1ull << 52) /* x86-64 physical address width */
#define MACHINE_IO_SIZE  0x10000

/* Declared in hw/device.h once that change lands; defined in hw/core/device.c. */
bool device_set_props_str(DeviceState *dev, const char *props, Error **errp);

/* Until an interrupt controller takes over the lines, remember their levels. */
static void machine_isa_irq_record(void *opaque, int n, int level)
{
    Machine *m = opaque;
    if (level) {
        m->isa_irq_level |= 1u << n;
    } else {
        m->isa_irq_level &= ~(1u << n);
    }
}

Machine *machine_new(const char *type, uint64_t ram_size)
{
    Machine *m = g_new0(Machine, 1);
    m->type = type;
    m->ram_size = ram_size;
    address_space_init(&m->mem, "memory", MACHINE_MEM_SIZE);
    address_space_init(&m->io, "io", MACHINE_IO_SIZE);
    memory_region_init_ram(&m->ram, "ram", ram_size);
    address_space_map(&m->mem, 0, &m->ram, 0);
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        irq_init(&m->isa_irq[i], machine_isa_irq_record, m, i);
    }
    m->devices = g_ptr_array_new();
    m->boot_blobs = g_array_new(false, false, sizeof(MachineBootBlob));
    return m;
}

void machine_free(Machine *m)
{
    if (!m) {
        return;
    }
    /* Newest first: a device may depend on one created before it. */
    for (guint i = m->devices->len; i-- > 0;) {
        device_free(g_ptr_array_index(m->devices, i));
    }
    g_ptr_array_free(m->devices, true);
    for (guint i = 0; i < m->boot_blobs->len; i++) {
        g_bytes_unref(g_array_index(m->boot_blobs, MachineBootBlob, i).data);
    }
    g_array_free(m->boot_blobs, true);
    g_free(m->boot_cpu);
    address_space_destroy(&m->io);
    address_space_destroy(&m->mem);
    memory_region_destroy(&m->ram);
    g_free(m);
}

/* A device joins the machine realized and reset, ready for the guest to poke. */
bool machine_plug_device(Machine *m, DeviceState *dev, Error **errp)
{
    if (!device_realize(dev, m, errp)) {
        error_prepend(errp, "device '%s': ", dev->info->name);
        return false;
    }
    g_ptr_array_add(m->devices, dev);
    device_reset(dev);
    return true;
}

DeviceState *machine_add_device(Machine *m, const char *type, const char *props,
                                Error **errp)
{
    DeviceState *dev = device_new(type, errp);
    if (!dev) {
        return NULL;
    }
    if (!device_set_props_str(dev, props, errp) || !machine_plug_device(m, dev, errp)) {
        device_free(dev);
        return NULL;
    }
    return dev;
}

bool machine_boot_write(Machine *m, uint64_t addr, const void *buf, uint64_t len)
{
    MachineBootBlob b = {addr, g_bytes_new(buf, len)};

    if (!dma_write(&m->mem, addr, buf, len)) {
        g_bytes_unref(b.data);
        return false;
    }
    g_array_append_val(m->boot_blobs, b);
    return true;
}

/* What cpu_x86_reset() clears: the architectural state, not the wiring. */
#define MACHINE_CPU_STATE_SIZE offsetof(CPUX86State, jmp_env)

void machine_set_boot_cpu(Machine *m)
{
    g_free(m->boot_cpu);
    m->boot_cpu = g_memdup2(m->cpu, MACHINE_CPU_STATE_SIZE);
}

static void machine_reboot_kernel(Machine *m)
{
    for (guint i = 0; i < m->boot_blobs->len; i++) {
        MachineBootBlob *b = &g_array_index(m->boot_blobs, MachineBootBlob, i);
        gsize len;
        const void *data = g_bytes_get_data(b->data, &len);
        dma_write(&m->mem, b->addr, data, len); /* it fitted at boot: the map is fixed */
    }
    if (m->boot_cpu) {
        memcpy(m->cpu, m->boot_cpu, MACHINE_CPU_STATE_SIZE);
        tlb_flush(m->cpu);
    }
}

DeviceState *machine_find_device(Machine *m, const char *type)
{
    for (guint i = 0; i < m->devices->len; i++) {
        DeviceState *dev = g_ptr_array_index(m->devices, i);
        if (!strcmp(dev->info->name, type)) {
            return dev;
        }
    }
    return NULL;
}

void machine_reset(Machine *m)
{
    for (guint i = 0; i < m->devices->len; i++) {
        device_reset(g_ptr_array_index(m->devices, i));
    }
    /* A reset line pulls the CPU too: it leaves a triple fault's shutdown state. */
    if (m->cpu) {
        cpu_x86_reset(m->cpu);
        machine_reboot_kernel(m);
    }
}

uint64_t machine_state_hash(Machine *m)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, m->ram.ram, m->ram.size);
    g_checksum_update(sum, (const guchar *)&m->isa_irq_level, sizeof(m->isa_irq_level));
    for (guint i = 0; i < m->devices->len; i++) {
        DeviceState *dev = g_ptr_array_index(m->devices, i);
        if (dev->info->vmsd) {
            vmstate_hash(dev->info->vmsd, dev, sum);
        }
    }
    guint8 digest[32];
    gsize len = sizeof(digest);
    g_checksum_get_digest(sum, digest, &len);
    g_checksum_free(sum);
    uint64_t hash = 0;
    for (int i = 7; i >= 0; i--) {
        hash = (hash << 8) | digest[i];
    }
    return hash;
}
