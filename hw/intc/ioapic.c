/* 82093AA I/O APIC, after the Intel 82093AA datasheet. */
