// Splitting `info pic` text into its controllers' parts, so they can be compared one by one.

/** The text of each controller (a part starts at a line "picN: …" or "ioapicN: …"). */
export function picSections(text: string): string[] {
  const parts: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    if (/^(pic|ioapic)\d+: /.test(line) || parts.length === 0) parts.push(line);
    else parts[parts.length - 1] += line;
  }
  return parts;
}

/**
 * QEMU's `info lapic` text for a CPU with or without the x2APIC feature: QEMU's CPUs on kvm have
 * it (kvm_default_props), and the ICR2 destination is then printed as an x2APIC ID. Where qomd's
 * CPU model does not have it yet, the text is QEMU's for such a CPU.
 */
export function lapicTextFor(captured: string, x2apic: boolean): string {
  return x2apic ? captured : captured.replace(/^(ICR2\t 0x[0-9a-f]{8} cpu )(\d+) \(X2APIC ID\)/m, "$1$2 (APIC ID)");
}

/**
 * The kernel's PIT ticks even while the VM is stopped (or not started), and its IRQ 0 edge then
 * waits in the master 8259's IRR: whether `info pic` sees it depends on how long after the stop
 * or reset it runs, in QEMU as in qomd. That one bit is cleared before comparing.
 */
export function withoutPitTick(text: string): string {
  return text.replace(/^(pic0: irr=)([0-9a-f]{2})/m, (_m, pre: string, irr: string) => pre + (parseInt(irr, 16) & ~1).toString(16).padStart(2, "0"));
}
