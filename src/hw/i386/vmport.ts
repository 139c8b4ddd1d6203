/**
 * The VMware backdoor port (QEMU 7.2's hw/i386/vmport.c, type `vmport`) at I/O port 0x5658.
 * Guests put the magic in EAX and a command number in ECX; other devices (the vmmouse) register
 * handlers for their commands with `vmportRegister`.
 */
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import type { DeviceClass } from "../core/qdev.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { ioRegionNew, IsaDevice, isaRegisterIoport, TYPE_ISA_DEVICE } from "../isa/isa-bus.js";

export const TYPE_VMPORT = "vmport";
export const VMPORT_PORT = 0x5658;
export const VMPORT_MAGIC = 0x564d5868;
export const VMPORT_ENTRIES = 0x2c;

export const VMPORT_CMD_GETVERSION = 10;
export const VMPORT_CMD_GETBIOSUUID = 19;
export const VMPORT_CMD_GETRAMSIZE = 20;
export const VMPORT_CMD_GETTIME = 23;
export const VMPORT_CMD_VMMOUSE_DATA = 39;
export const VMPORT_CMD_VMMOUSE_STATUS = 40;
export const VMPORT_CMD_VMMOUSE_COMMAND = 41;
export const VMPORT_CMD_GETTIMEFULL = 46;
export const VMPORT_CMD_GET_VCPU_INFO = 68;

/** A command handler: gets the guest's registers, returns the new EAX. */
export type VmportCommand = (regs: VmportRegs) => number;

export interface VmportRegs {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
  esi: number;
  edi: number;
}

export class VmportState extends IsaDevice {
  readSetEax = true;
  signalUnsupportedCmd = true;
  reportVmxType = true;
  cmdsV2 = true;
  vmwareVmxVersion = 6;
  vmwareVmxType = 2;
  readonly handlers = new Map<number, VmportCommand>();
}

/** The machine's vmport (QEMU's port_state), for vmportRegister. */
const ports = new WeakMap<TypeRegistry, VmportState>();

/** QEMU's vmport_register: installs the handler of a backdoor command. */
export function vmportRegister(registry: TypeRegistry, command: number, handler: VmportCommand): void {
  ports.get(registry)?.handlers.set(command, handler);
}

export function vmportOf(registry: TypeRegistry): VmportState | undefined {
  return ports.get(registry);
}

function vmportRealize(s: VmportState): void {
  isaRegisterIoport(s, ioRegionNew(s, "vmport", 1, { valid: { minAccessSize: 4, maxAccessSize: 4 }, impl: { minAccessSize: 4, maxAccessSize: 4 } }), VMPORT_PORT);
  ports.set(s.registry, s);
  vmportRegister(s.registry, VMPORT_CMD_GETVERSION, (regs) => {
    regs.ebx = VMPORT_MAGIC;
    if (s.reportVmxType) regs.ecx = s.vmwareVmxType;
    return s.vmwareVmxVersion;
  });
}

export const vmportTypeInfo: TypeInfo<VmportState, DeviceClass> = {
  name: TYPE_VMPORT,
  parent: TYPE_ISA_DEVICE,
  instance: VmportState,
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = (d) => vmportRealize(d as VmportState);
    // The four x- switches are DEFINE_PROP_BIT in QEMU ("on/off").
    deviceClassSetProps(k, [
      defineProp("x-read-set-eax", "readSetEax", propKinds.bool, true),
      defineProp("x-signal-unsupported-cmd", "signalUnsupportedCmd", propKinds.bool, true),
      defineProp("x-report-vmx-type", "reportVmxType", propKinds.bool, true),
      defineProp("x-cmds-v2", "cmdsV2", propKinds.bool, true),
      defineProp("vmware-vmx-version", "vmwareVmxVersion", propKinds.uint32, 6),
      defineProp("vmware-vmx-type", "vmwareVmxType", propKinds.uint8, 2),
    ]);
  },
};
