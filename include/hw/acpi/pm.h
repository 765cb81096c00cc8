/*
 * ACPI fixed hardware (hw/acpi/pm.c): the PM1a event and control blocks and the
 * power management timer, at the I/O base the FADT names (0x600 by default), with
 * the SCI on ISA IRQ 9. Create it with machine_add_device(m, "acpi-pm", NULL).
 */
#ifndef HW_ACPI_PM_H
#define HW_ACPI_PM_H

#include "util/osdep.h"

#define ACPI_PM_BASE_DEFAULT 0x600
#define ACPI_SCI_IRQ_DEFAULT 9

/* Offsets from the base and lengths, as the FADT describes them. */
#define ACPI_PM1_EVT_OFFSET 0x00 /* PM1a_STS (2 bytes), PM1a_EN (2 bytes) */
#define ACPI_PM1_EVT_LEN    4
#define ACPI_PM1_CNT_OFFSET 0x04 /* PM1a_CNT */
#define ACPI_PM1_CNT_LEN    2
#define ACPI_PM_TMR_OFFSET  0x08 /* PM_TMR */
#define ACPI_PM_TMR_LEN     4
#define ACPI_PM_IO_LEN      0x0c

#define ACPI_PM_TIMER_HZ 3579545 /* the PM timer's 3.579545 MHz */

/* The SLP_TYP value the DSDT's \_S5 package gives for soft-off. */
#define ACPI_SLP_TYP_S5 5

typedef struct AcpiPMState AcpiPMState;

/* Press the power button: PWRBTN_STS, and an SCI if the guest enabled it. */
void acpi_pm_power_button(AcpiPMState *s);

#endif
