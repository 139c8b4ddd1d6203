/**
 * The microvm machine (QEMU's hw/i386/microvm.c): a minimal x86 board for direct kernel boot,
 * with optional legacy devices switched by its own properties.
 */
import { QomError } from "../../qom/error.js";
import { addClassProperty, type QomObject } from "../../qom/object.js";
import { boolProperty, enumProperty } from "../../qom/property.js";
import type { TypeInfo } from "../../qom/type.js";
import { TYPE_MACHINE_SUFFIX, type MachineClass } from "../core/machine.js";
import { ON_OFF_AUTO, TYPE_X86_MACHINE, X86MachineState, type OnOffAuto } from "./x86.js";

export class MicrovmMachineState extends X86MachineState {
  ioapic2: OnOffAuto = "auto";
  rtc: OnOffAuto = "auto";
  pcie: OnOffAuto = "auto";
  isaSerial = true;
  optionRoms = true;
  autoKernelCmdline = true;
}

function mvm(o: QomObject): MicrovmMachineState {
  return o as MicrovmMachineState;
}

function onOffAuto(name: string, field: "ioapic2" | "rtc" | "pcie", description: string) {
  const p = enumProperty(name, "OnOffAuto", ON_OFF_AUTO, {
    get: (o) => mvm(o)[field],
    set: (o, v) => (mvm(o)[field] = v as OnOffAuto),
  });
  p.description = description;
  return p;
}

function bool(name: string, field: "isaSerial" | "optionRoms" | "autoKernelCmdline", description: string) {
  const p = boolProperty(name, { get: (o) => mvm(o)[field], set: (o, v) => (mvm(o)[field] = v) });
  p.description = description;
  return p;
}

export const microvmMachineTypeInfo: TypeInfo<MicrovmMachineState, MachineClass> = {
  name: `microvm${TYPE_MACHINE_SUFFIX}`,
  parent: TYPE_X86_MACHINE,
  instance: MicrovmMachineState,
  classInit: (mc) => {
    Object.assign(mc, {
      name: "microvm",
      desc: "microvm (i386)",
      family: "microvm_i386",
      maxCpus: 288,
      hasHotpluggableCpus: false,
      defaultCpuType: "qemu64-x86_64-cpu",
      defaultRamId: "microvm.ram",
      unitsPerDefaultBus: 1,
      noFloppy: true,
      noCdrom: true,
      noParallel: true,
      defaultDisplay: "none",
      defaultNicModel: "virtio-net-device",
      // The microvm board (virtio-mmio transports, the ACPI GED) is not built yet; say so
      // rather than hand out an empty machine.
      init: () => {
        throw new QomError("machine type 'microvm' cannot be built yet: its board (virtio-mmio, acpi-ged) is not modelled");
      },
    } satisfies Partial<MachineClass>);
    const forward = [
      onOffAuto("ioapic2", "ioapic2", "Enable second IO-APIC"),
      bool("auto-kernel-cmdline", "autoKernelCmdline", "Set off to disable adding virtio-mmio devices to the kernel cmdline"),
      onOffAuto("rtc", "rtc", "Enable MC146818 RTC"),
      onOffAuto("pcie", "pcie", "Enable PCIe"),
      bool("x-option-roms", "optionRoms", "Set off to disable loading option ROMs"),
      bool("isa-serial", "isaSerial", "Set off to disable the instantiation an ISA serial port"),
    ];
    for (const p of forward.reverse()) addClassProperty(mc, p);
  },
};
