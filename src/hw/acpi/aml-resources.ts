/**
 * Resource descriptors for ResourceTemplate buffers (_CRS, _PRS), encoded as QEMU 7.2's
 * aml_io, aml_word_io, aml_dword_memory … do: small descriptors for ISA-style I/O, IRQs and DMA,
 * large ones for extended interrupts, fixed memory and the address space windows of a bridge.
 */
import { Aml } from "./aml-build.js";

function desc(bytes: number[]): Aml {
  const a = new Aml();
  a.bytes.push(...bytes);
  return a;
}

const le = (v: number | bigint, size: number): number[] => {
  const x = BigInt(v);
  return Array.from({ length: size }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));
};

export function amlResourceTemplate(): Aml {
  return new Aml([], "restemplate");
}

/** I/O port descriptor; `decode16` for full 16-bit decoding. */
export function amlIo(decode16: boolean, min: number, max: number, align: number, len: number): Aml {
  return desc([0x47, decode16 ? 1 : 0, ...le(min, 2), ...le(max, 2), align, len]);
}

export function amlIrqNoFlags(irq: number): Aml {
  return desc([0x22, ...le(1 << irq, 2)]);
}

/** Extended interrupt, consumer, level triggered, active high (the only form the PC tables use), shared or not. */
export function amlInterrupt(shared: boolean, irqs: readonly number[]): Aml {
  const flags = 0x01 | (shared ? 0x08 : 0);
  return desc([0x89, ...le(2 + 4 * irqs.length, 2), flags, irqs.length, ...irqs.flatMap((i) => le(i, 4))]);
}

export function amlMemory32Fixed(addr: number, size: number, readWrite: boolean): Aml {
  return desc([0x86, ...le(9, 2), readWrite ? 1 : 0, ...le(addr, 4), ...le(size, 4)]);
}

/** ISA DMA channel: compatibility timing, not a bus master, 8-bit transfers. */
export function amlDmaCompat8(channel: number): Aml {
  return desc([0x2a, 1 << channel, 0x00]);
}

/** Address space descriptor flags: producer, positive decode, fixed minimum and maximum. */
const FIXED = (1 << 2) | (1 << 3);
const TYPE_MEMORY = 0, TYPE_IO = 1, TYPE_BUS = 2;
/** Type-specific flags: I/O over the entire range; memory read-write, cacheable or not. */
const IO_ENTIRE_RANGE = 3;
const memFlags = (cacheable: boolean) => 1 | (cacheable ? 1 << 1 : 0);

function wordDesc(type: number, typeFlags: number, min: number, max: number, len: number): Aml {
  return desc([0x88, ...le(0x0d, 2), type, FIXED, typeFlags, ...le(0, 2), ...le(min, 2), ...le(max, 2), ...le(0, 2), ...le(len, 2)]);
}

export const amlWordBusNumber = (min: number, max: number, len: number): Aml => wordDesc(TYPE_BUS, 0, min, max, len);
export const amlWordIo = (min: number, max: number, len: number): Aml => wordDesc(TYPE_IO, IO_ENTIRE_RANGE, min, max, len);

export function amlDwordMemory(cacheable: boolean, min: number, max: number, len: number): Aml {
  return desc([0x87, ...le(0x17, 2), TYPE_MEMORY, FIXED, memFlags(cacheable), ...le(0, 4), ...le(min, 4), ...le(max, 4), ...le(0, 4), ...le(len, 4)]);
}

export function amlQwordMemory(cacheable: boolean, min: bigint, max: bigint, len: bigint): Aml {
  return desc([0x8a, ...le(0x2b, 2), TYPE_MEMORY, FIXED, memFlags(cacheable), ...le(0, 8), ...le(min, 8), ...le(max, 8), ...le(0, 8), ...le(len, 8)]);
}
