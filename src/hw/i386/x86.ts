/**
 * The abstract x86 machine (QEMU's hw/i386/x86.c): what every x86 board shares — SMM, ACPI,
 * PIT and PIC switches, ACPI OEM ids, bus-lock rate limit, SGX EPC sections.
 */
import { QomError } from "../../qom/error.js";
import { addClassProperty, type QomObject } from "../../qom/object.js";
import { enumProperty, intProperty, strProperty, structProperty } from "../../qom/property.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import type { IntValue } from "../../qom/visitor.js";
import { MachineState, TYPE_MACHINE, type MachineClass } from "../core/machine.js";

export const TYPE_X86_MACHINE = "x86-machine";
export const ON_OFF_AUTO = ["on", "off", "auto"] as const;
export type OnOffAuto = (typeof ON_OFF_AUTO)[number];

export class X86MachineState extends MachineState {
  smm: OnOffAuto = "auto";
  acpi: OnOffAuto = "auto";
  pit: OnOffAuto = "auto";
  pic: OnOffAuto = "auto";
  oemId = "BOCHS ";
  oemTableId = "BXPC    ";
  busLockRatelimit: IntValue = 0;
  sgxEpc: unknown[] = [];
}

function x86(o: QomObject): X86MachineState {
  return o as X86MachineState;
}

function onOffAuto(name: string, description: string, field: "smm" | "acpi" | "pit" | "pic") {
  const p = enumProperty(name, "OnOffAuto", ON_OFF_AUTO, {
    get: (o) => x86(o)[field],
    set: (o, v) => (x86(o)[field] = v as OnOffAuto),
  });
  p.description = description;
  return p;
}

/** ACPI OEM ids are padded with spaces to their field size; longer ones are refused. */
function oemString(name: string, field: "oemId" | "oemTableId", size: number, description: string) {
  const p = strProperty(name, {
    get: (o) => x86(o)[field],
    set: (o, v) => {
      if (v.length > size) {
        const what = field === "oemId" ? "oem-id" : "oem-table-id";
        throw new QomError(`User specified ${what} value is bigger than ${size} bytes in size`);
      }
      x86(o)[field] = v.padEnd(size, " ");
    },
  });
  p.description = description;
  return p;
}

function x86MachineClassInit(k: ObjectClass): void {
  const mc = k as MachineClass;
  mc.smpProps = { ...mc.smpProps, diesSupported: true };
  const ratelimit = intProperty("bus-lock-ratelimit", "uint64", {
    get: (o) => x86(o).busLockRatelimit,
    set: (o, v) => (x86(o).busLockRatelimit = v),
  });
  Object.assign(ratelimit, { type: "uint64_t", description: "Set the ratelimit for the bus locks acquired in VMs" });
  const sgx = structProperty("sgx-epc", "SgxEPC", {
    get: (o) => x86(o).sgxEpc as [],
    set: (o, v) => {
      if (!Array.isArray(v)) throw new QomError("Invalid parameter type for 'sgx-epc', expected: array");
      x86(o).sgxEpc = v;
    },
  });
  sgx.description = "SGX EPC device";
  const forward = [
    onOffAuto("smm", "Enable SMM", "smm"),
    onOffAuto("acpi", "Enable ACPI", "acpi"),
    onOffAuto("pit", "Enable i8254 PIT", "pit"),
    onOffAuto("pic", "Enable i8259 PIC", "pic"),
    oemString("x-oem-table-id", "oemTableId", 8, "Override the default value of field OEM Table ID in ACPI table header.The string may be up to 8 bytes in size"),
    ratelimit,
    sgx,
    oemString("x-oem-id", "oemId", 6, "Override the default value of field OEMID in ACPI table header.The string may be up to 6 bytes in size"),
  ];
  for (const p of forward.reverse()) addClassProperty(k, p);
}

export const x86MachineTypeInfo: TypeInfo<X86MachineState, MachineClass> = {
  name: TYPE_X86_MACHINE,
  parent: TYPE_MACHINE,
  abstract: true,
  instance: X86MachineState,
  classInit: x86MachineClassInit,
};
