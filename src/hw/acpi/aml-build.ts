/**
 * An AML (ACPI Machine Language) builder with the encoding choices of QEMU 7.2's
 * hw/acpi/aml-build.c, so that tables built from the same description have the same bytes:
 * integers take the shortest form (Zero, One, then Byte/Word/DWord/QWord prefixes; never Ones),
 * package lengths take the fewest bytes, names are padded with '_' and dotted paths become dual
 * or multi name prefixes. An `Aml` is a term being built; appending a child encodes it in place.
 */

/** How a term's collected bytes are closed when it is appended (QEMU's AmlBlockFlags). */
type Block = "none" | "package" | "buffer" | "restemplate" | "pkgcount";

export class Aml {
  readonly bytes: number[] = [];
  constructor(
    /** The opcode bytes written before the package length (none for plain data). */
    readonly op: readonly number[] = [],
    readonly block: Block = "none",
  ) {}

  /** QEMU's aml_append: the child's finished encoding goes at the end of this term. */
  append(child: Aml): this {
    this.bytes.push(...child.encode());
    return this;
  }

  encode(): number[] {
    switch (this.block) {
      case "none":
        return [...this.op, ...this.bytes];
      case "package":
        return [...this.op, ...pkgLength(this.bytes.length, true), ...this.bytes];
      case "buffer": {
        const body = [...intBytes(this.bytes.length), ...this.bytes];
        return [...this.op, ...pkgLength(body.length, true), ...body];
      }
      case "restemplate": {
        // The end tag, with a zero checksum ("treated as checksummed" by the spec).
        const data = [...this.bytes, 0x79, 0x00];
        const body = [...intBytes(data.length), ...data];
        return [0x11, ...pkgLength(body.length, true), ...body];
      }
      case "pkgcount":
        return [...this.op, ...pkgLength(this.bytes.length, true), ...this.bytes];
    }
  }
}

/** QEMU's build_prepend_package_length: 1 to 4 bytes; `inclSelf` counts the length's own bytes. */
export function pkgLength(length: number, inclSelf: boolean): number[] {
  let n: number;
  if (length + 1 < 1 << 6) n = 1;
  else if (length + 2 < 1 << 12) n = 2;
  else if (length + 3 < 1 << 20) n = 3;
  else n = 4;
  if (inclSelf) length += n;
  if (n === 1) return [length];
  const out = [((n - 1) << 6) | (length & 0x0f)];
  let rest = length >> 4;
  for (let i = 1; i < n; i++) {
    out.push(rest & 0xff);
    rest >>= 8;
  }
  return out;
}

/** QEMU's build_append_int: the shortest integer encoding. */
export function intBytes(value: number | bigint): number[] {
  const v = BigInt(value);
  if (v === 0n) return [0x00];
  if (v === 1n) return [0x01];
  const le = (prefix: number, size: number) => {
    const out = [prefix];
    for (let i = 0; i < size; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
    return out;
  };
  if (v <= 0xffn) return le(0x0a, 1);
  if (v <= 0xffffn) return le(0x0b, 2);
  if (v <= 0xffffffffn) return le(0x0c, 4);
  return le(0x0e, 8);
}

function nameSeg(seg: string): number[] {
  const s = seg.padEnd(4, "_");
  return [...s].map((c) => c.charCodeAt(0));
}

/** QEMU's build_append_namestring: root and parent prefixes, then one, two or more segments. */
export function nameString(name: string): number[] {
  const out: number[] = [];
  let i = 0;
  while (name[i] === "\\" || name[i] === "^") out.push(name.charCodeAt(i++));
  const rest = name.slice(i);
  const segs = rest === "" ? [] : rest.split(".");
  if (segs.length === 0) out.push(0x00);
  else if (segs.length === 1) out.push(...nameSeg(segs[0]!));
  else if (segs.length === 2) out.push(0x2e, ...nameSeg(segs[0]!), ...nameSeg(segs[1]!));
  else {
    out.push(0x2f, segs.length);
    for (const s of segs) out.push(...nameSeg(s));
  }
  return out;
}

function raw(bytes: number[]): Aml {
  const a = new Aml();
  a.bytes.push(...bytes);
  return a;
}

/** A term made of an opcode and operands. */
function op(code: readonly number[], ...args: Array<Aml | undefined>): Aml {
  const a = new Aml(code);
  for (const x of args) {
    if (x) a.append(x);
    else a.bytes.push(0x00); // no target: NullName
  }
  return a;
}

// ---- data and names -------------------------------------------------------------------------

export const amlInt = (v: number | bigint): Aml => raw(intBytes(v));
export const amlName = (name: string): Aml => raw(nameString(name));
export const amlString = (s: string): Aml => raw([0x0d, ...Buffer.from(s, "latin1"), 0x00]);
export const amlLocal = (n: number): Aml => raw([0x60 + n]);
export const amlArg = (n: number): Aml => raw([0x68 + n]);
export const amlDebug = (): Aml => raw([0x5b, 0x31]);

/** EISA id "PNP0A03" as its compressed DWord (QEMU's aml_eisaid). */
export function amlEisaid(id: string): Aml {
  const c = (i: number) => (id.charCodeAt(i) - 0x40) & 0x1f;
  const hex = parseInt(id.slice(3), 16);
  const v = ((c(0) << 26) | (c(1) << 21) | (c(2) << 16) | hex) >>> 0;
  // Stored big endian, so the DWord reads byte-swapped.
  const swapped = (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
  return raw([0x0c, swapped & 0xff, (swapped >>> 8) & 0xff, (swapped >>> 16) & 0xff, swapped >>> 24]);
}

export function amlNameDecl(name: string, value: Aml): Aml {
  return new Aml([0x08, ...nameString(name)]).append(value);
}

export function amlBuffer(bytes: readonly number[]): Aml {
  const a = new Aml([0x11], "buffer");
  a.bytes.push(...bytes);
  return a;
}

export function amlPackage(count: number): Aml {
  const a = new Aml([0x12], "pkgcount");
  a.bytes.push(count);
  return a;
}

/** ToUUID: the 16 bytes in the mixed-endian order the spec gives. */
export function amlTouuid(uuid: string): Aml {
  const h = uuid.replace(/-/g, "");
  const b = (i: number) => parseInt(h.slice(2 * i, 2 * i + 2), 16);
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  return amlBuffer(order.map(b));
}

// ---- named objects ------------------------------------------------------------------------------

export const amlScope = (name: string): Aml => new Aml([0x10], "package").append(amlName(name));
export const amlDevice = (name: string): Aml => new Aml([0x5b, 0x82], "package").append(amlName(name));

export type MethodSerialize = "notserialized" | "serialized";
export function amlMethod(name: string, args: number, serialize: MethodSerialize): Aml {
  const a = new Aml([0x14], "package").append(amlName(name));
  a.bytes.push(args | (serialize === "serialized" ? 0x08 : 0));
  return a;
}

export function amlMutex(name: string, syncLevel: number): Aml {
  return raw([0x5b, 0x01, ...nameString(name), syncLevel]);
}

export type RegionSpace = "system-memory" | "system-io" | "pci-config";
const REGION_SPACE: Record<RegionSpace, number> = { "system-memory": 0, "system-io": 1, "pci-config": 2 };
export function amlOperationRegion(name: string, space: RegionSpace, offset: Aml, length: number): Aml {
  return new Aml([0x5b, 0x80, ...nameString(name), REGION_SPACE[space]]).append(offset).append(amlInt(length));
}

export type FieldAccess = "any" | "byte" | "word" | "dword" | "qword" | "buffer";
export type FieldLock = "nolock" | "lock";
export type FieldUpdate = "preserve" | "write-as-ones" | "write-as-zeros";
const ACCESS: Record<FieldAccess, number> = { any: 0, byte: 1, word: 2, dword: 3, qword: 4, buffer: 5 };
const UPDATE: Record<FieldUpdate, number> = { preserve: 0, "write-as-ones": 1, "write-as-zeros": 2 };
export function amlField(name: string, access: FieldAccess, lock: FieldLock, update: FieldUpdate): Aml {
  const a = new Aml([0x5b, 0x81], "package").append(amlName(name));
  a.bytes.push(ACCESS[access] | (lock === "lock" ? 0x10 : 0) | (UPDATE[update] << 5));
  return a;
}
/** A field unit: its name and width in bits (a PkgLength that does not count itself). */
export const amlNamedField = (name: string, bits: number): Aml => raw([...nameSeg(name), ...pkgLength(bits, false)]);
export const amlReservedField = (bits: number): Aml => raw([0x00, ...pkgLength(bits, false)]);

export function amlProcessor(procId: number, pblkAddr: number, pblkLen: number, name: string): Aml {
  const a = new Aml([0x5b, 0x83], "package").append(amlName(name));
  a.bytes.push(procId, pblkAddr & 0xff, (pblkAddr >>> 8) & 0xff, (pblkAddr >>> 16) & 0xff, pblkAddr >>> 24, pblkLen);
  return a;
}

// ---- statements and expressions ------------------------------------------------------------------------

export const amlStore = (val: Aml, target: Aml): Aml => op([0x70], val, target);
export const amlReturn = (val: Aml): Aml => op([0xa4], val);
export const amlIf = (predicate: Aml): Aml => new Aml([0xa0], "package").append(predicate);
export const amlElse = (): Aml => new Aml([0xa1], "package");
export const amlWhile = (predicate: Aml): Aml => new Aml([0xa2], "package").append(predicate);
export const amlBreak = (): Aml => raw([0xa5]);
export const amlEqual = (a: Aml, b: Aml): Aml => op([0x93], a, b);
export const amlLless = (a: Aml, b: Aml): Aml => op([0x95], a, b);
export const amlLgreater = (a: Aml, b: Aml): Aml => op([0x94], a, b);
export const amlLnot = (a: Aml): Aml => op([0x92], a);
export const amlLor = (a: Aml, b: Aml): Aml => op([0x91], a, b);
export const amlLand = (a: Aml, b: Aml): Aml => op([0x90], a, b);
export const amlOr = (a: Aml, b: Aml, target?: Aml): Aml => op([0x7d], a, b, target);
export const amlAnd = (a: Aml, b: Aml, target?: Aml): Aml => op([0x7b], a, b, target);
export const amlAdd = (a: Aml, b: Aml, target?: Aml): Aml => op([0x72], a, b, target);
export const amlSubtract = (a: Aml, b: Aml, target?: Aml): Aml => op([0x74], a, b, target);
export const amlShiftleft = (a: Aml, b: Aml): Aml => op([0x79], a, b, undefined);
export const amlShiftright = (a: Aml, b: Aml, target?: Aml): Aml => op([0x7a], a, b, target);
export const amlIncrement = (a: Aml): Aml => op([0x75], a);
export const amlSizeof = (a: Aml): Aml => op([0x87], a);
export const amlDerefOf = (a: Aml): Aml => op([0x83], a);
export const amlIndex = (a: Aml, i: Aml): Aml => op([0x88], a, i, undefined);
export const amlNotify = (obj: Aml, value: Aml): Aml => op([0x86], obj, value);
export const amlAcquire = (mutex: Aml, timeout: number): Aml => op([0x5b, 0x23], mutex).append(raw([timeout & 0xff, timeout >>> 8]));
export const amlRelease = (mutex: Aml): Aml => op([0x5b, 0x27], mutex);
export const amlToHexstring = (src: Aml, dst: Aml): Aml => op([0x98], src, dst);
export const amlTobuffer = (src: Aml, dst: Aml): Aml => op([0x96], src, dst);
export const amlCreateDwordField = (src: Aml, index: Aml, name: string): Aml => op([0x8a], src, index).append(amlName(name));

/** A method invocation: the name, then its arguments. */
export function amlCall(name: string, ...args: Aml[]): Aml {
  const a = amlName(name);
  for (const x of args) a.append(x);
  return a;
}
