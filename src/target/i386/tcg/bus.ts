/**
 * What the x86 interpreter needs from the machine around it.
 *
 * Plain RAM is reached directly through `ram` (the fast path); every other
 * physical address (ROM that ignores writes, MMIO, holes) goes through the
 * slow-path callbacks. The machine adapts its memory-region tree to this.
 */
export interface CpuBus {
  /**
   * Guest RAM. Physical address `a < ram.length` is backed by `ram[a]`
   * unless `pageFlags` says otherwise for its 4 KiB page.
   */
  readonly ram: Uint8Array;
  /**
   * Optional, one byte per 4 KiB page of `ram`: bit 0 = reads may come
   * straight from `ram`, bit 1 = writes may go straight to `ram`. Pages with a
   * bit clear use `readSlow`/`writeSlow` for that direction (e.g. ROM shadowed
   * in `ram`: 0b01). Absent: every page of `ram` is plain RAM (0b11).
   * After changing it, call `X86Cpu.memoryMapChanged()`.
   */
  readonly pageFlags?: Uint8Array;
  /** A physical read that is not plain RAM (size 1, 2 or 4; little-endian). */
  readSlow(addr: number, size: 1 | 2 | 4): number;
  /** A physical write that is not plain RAM. */
  writeSlow(addr: number, value: number, size: 1 | 2 | 4): void;
  /** I/O port read; `size` 1, 2 or 4. */
  ioRead(port: number, size: 1 | 2 | 4): number;
  ioWrite(port: number, value: number, size: 1 | 2 | 4): void;
  /** True when the interrupt controller has a maskable interrupt pending. */
  hasInterrupt(): boolean;
  /** INTA cycle: returns the vector of the interrupt being taken. */
  acknowledgeInterrupt(): number;
  /**
   * The CPU entered (true) or left System Management Mode: from now on `ram`, `pageFlags` and the
   * slow paths show its SMM view (SMRAM over the normal map). The CPU then re-reads `ram`.
   * Absent: one view for both (no SMRAM on this machine).
   */
  setSmm?(on: boolean): void;
}

/** A bus with nothing on it but RAM: I/O reads float high, no interrupts. */
export class RamOnlyBus implements CpuBus {
  readonly ram: Uint8Array;
  constructor(size: number) {
    this.ram = new Uint8Array(size);
  }
  readSlow(_addr: number, size: 1 | 2 | 4): number {
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }
  writeSlow(_addr: number, _value: number, _size: 1 | 2 | 4): void {}
  ioRead(_port: number, size: 1 | 2 | 4): number {
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }
  ioWrite(_port: number, _value: number, _size: 1 | 2 | 4): void {}
  hasInterrupt(): boolean {
    return false;
  }
  acknowledgeInterrupt(): number {
    return 0;
  }
}
