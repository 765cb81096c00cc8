/* Local APIC (xAPIC), after the Intel SDM vol. 3 ch. 10. */
