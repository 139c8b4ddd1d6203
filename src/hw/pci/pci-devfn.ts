/**
 * The `addr` property of PCI devices (QEMU's qdev_prop_pci_devfn): a slot and an optional
 * function, written `06.0`, `06` or `0x6`. Both numbers are hexadecimal, as strtoul(…, 16)
 * reads them; the stored value is the devfn, -1 meaning "first free slot".
 */
import { QomError } from "../../qom/error.js";
import type { PropertyKind } from "../core/qdev-properties.js";
import type { DeviceState } from "../core/qdev.js";
import { pciDevfn } from "./pci-regs.js";

/** strtoul(p, &end, 16) on `text` from `pos`: the value and where parsing stopped (or undefined). */
function strtoulHex(text: string, pos: number): { value: bigint; end: number } | undefined {
  let i = pos;
  while (i < text.length && " \t\n\v\f\r".includes(text[i]!)) i++;
  let negative = false;
  if (text[i] === "+" || text[i] === "-") {
    negative = text[i] === "-";
    i++;
  }
  if (text[i] === "0" && (text[i + 1] === "x" || text[i + 1] === "X") && /[0-9a-fA-F]/.test(text[i + 2] ?? "")) {
    i += 2;
  }
  const start = i;
  while (i < text.length && /[0-9a-fA-F]/.test(text[i]!)) i++;
  if (i === start) return undefined;
  let value = BigInt("0x" + text.slice(start, i));
  if (value > 0xffffffffffffffffn) value = 0xffffffffffffffffn;
  if (negative) value = BigInt.asUintN(64, -value);
  return { value, end: i };
}

/** Parses `SS[.F]`; undefined when QEMU would refuse the text. */
export function parsePciDevfn(text: string): number | undefined {
  const slot = strtoulHex(text, 0);
  if (!slot || slot.value > 0x1fn) return undefined;
  let fn = 0n;
  let end = slot.end;
  if (text[end] === ".") {
    const f = strtoulHex(text, end + 1);
    if (!f || f.value > 7n) return undefined;
    fn = f.value;
    end = f.end;
  }
  if (end !== text.length) return undefined;
  return pciDevfn(Number(slot.value), Number(fn));
}

/** The `legacy-addr` text: `SS.F`, or `<unset>`. */
export function formatPciDevfn(devfn: number): string {
  if (devfn < 0) return "<unset>";
  return `${(devfn >> 3).toString(16).padStart(2, "0")}.${(devfn & 7).toString(16)}`;
}

function notTaken(dev: DeviceState, name: string, text: string): QomError {
  return new QomError(`Property '${dev.typeName}.${name}' doesn't take value '${text}'`);
}

/**
 * The property kind: text is parsed as above; a JSON integer (strict visitors only) must lie
 * between -1 and 255.
 */
export const pciDevfnKind: PropertyKind<number> = {
  type: "int32",
  description: "Slot and optional function number, example: 06.0 or 06",
  read(v, name, dev) {
    if (v.kind === "json") {
      let text: string | undefined;
      try {
        text = v.typeStr(name);
      } catch {
        const n = Number(v.typeInt(name, "int32"));
        if (n < -1 || n > 255) {
          throw new QomError(`Parameter '${name}' expects a value between -1 and 255`);
        }
        return n;
      }
      const devfn = parsePciDevfn(text);
      if (devfn === undefined) throw notTaken(dev, name, text);
      return devfn;
    }
    const text = v.typeStr(name);
    const devfn = parsePciDevfn(text);
    if (devfn === undefined) throw notTaken(dev, name, text);
    return devfn;
  },
  write: (x) => x,
};
