/*
 * A small builder for ACPI Machine Language (ACPI 6.x, chapter 20), enough for a
 * DSDT: names, integers, strings, EISA IDs, packages, scopes, devices, methods and
 * resource templates (hw/acpi/aml-build.c).
 *
 * Terms are built bottom up: aml_append(parent, child) adds child's encoding to
 * parent and frees child; containers (scope, device, package, method, resource
 * template) get their PkgLength when they are themselves appended or encoded.
 */
#ifndef HW_ACPI_AML_BUILD_H
#define HW_ACPI_AML_BUILD_H

#include "util/osdep.h"

typedef struct Aml Aml;

/* ---- data ---- */
Aml *aml_int(uint64_t value); /* Zero/One/Byte/Word/DWord/QWord as small as fits */
Aml *aml_string(const char *str);
Aml *aml_eisaid(const char *id); /* "PNP0A03" compressed to a DWord */
Aml *aml_name(const char *path); /* a NameString such as "\\_SB.PCI0" */
Aml *aml_package(void);          /* elements are appended */

/* ---- named objects and containers ---- */
Aml *aml_name_decl(const char *name, Aml *value); /* Name (name, value) */
Aml *aml_scope(const char *path);
Aml *aml_device(const char *name);
Aml *aml_method(const char *name, unsigned nargs, bool serialized);
Aml *aml_return(Aml *value);
/* A list of terms without framing, e.g. the body of a definition block. */
Aml *aml_block(void);

/* ---- resource templates (ACPI 6.x, section 6.4) ---- */
Aml *aml_resource_template(void); /* a Buffer; the End Tag is added when encoded */
Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len);
Aml *aml_irq_no_flags(uint8_t irq);
Aml *aml_word_bus_number(uint16_t min, uint16_t max);
Aml *aml_word_io(uint16_t min, uint16_t max);
Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable);

void aml_append(Aml *parent, Aml *child);
/* Append a's encoding to out and free a. */
void aml_encode(Aml *a, GByteArray *out);

#endif
