/**
 * SeaBIOS's serial console (sercon, used with -nographic) buffers its output and sends it from
 * its timer interrupt. The end of "Booting from Hard Disk...\n" therefore reaches COM1 only if a
 * timer tick falls between that message and the moment the boot sector takes over (it disables
 * interrupts and writes COM1 itself). With the virtual clock running in host time that is a
 * matter of host speed, for QEMU as for qomd: QEMU's captures show "Booting from Hard Disk.."
 * directly followed by the boot sector's output, and a slower run may show the rest. Comparisons
 * drop that unsent tail on both sides.
 */
export function withoutSerconTail(serial: string): string {
  return serial.replace(/(Booting from [^\r\n]*?\.\.)\.?(\r?\n)?(?=qomd guest: )/g, "$1");
}
