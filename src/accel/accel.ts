/**
 * Accelerators as QOM types (QEMU's accel/accel-common.c): `tcg-accel` and `kvm-accel` under
 * the abstract `accel`. A machine picks one at creation (-accel, -machine accel=, -enable-kvm);
 * `initMachine` refuses when the accelerator cannot run on this host.
 */
import { QomError } from "../qom/error.js";
import { kvmAvailability } from "./kvm/kvm-available.js";
import { KvmInitError } from "./kvm/kvm-accel.js";
import { kvmMachineInit, type KernelIrqchip } from "./kvm/kvm-machine.js";
import { enumProperty } from "../qom/property.js";
import { addClassProperty, QomObject } from "../qom/object.js";
import { TYPE_OBJECT, type ObjectClass, type TypeInfo, type TypeRegistry } from "../qom/type.js";

export const TYPE_ACCEL = "accel";
export const ACCEL_CLASS_SUFFIX = "-accel";

export interface AccelClass extends ObjectClass {
  /** The name used on the command line (`tcg`, `kvm`). */
  name: string;
  /** Prepares the accelerator for a machine; throws a QomError with QEMU's text when it cannot. */
  initMachine: (accel: AccelState) => void;
}

/** An accelerator that cannot start; `preLines` are what QEMU prints before the error itself. */
export class AccelInitError extends QomError {
  constructor(
    message: string,
    readonly preLines: string[] = [],
  ) {
    super(message);
  }
}

export class AccelState extends QomObject {
  get accelClass(): AccelClass {
    return this.classAs<AccelClass>(TYPE_ACCEL);
  }
}

export const accelTypeInfo: TypeInfo<AccelState, AccelClass> = {
  name: TYPE_ACCEL,
  parent: TYPE_OBJECT,
  abstract: true,
  instance: AccelState,
};

export const tcgAccelTypeInfo: TypeInfo<AccelState, AccelClass> = {
  name: `tcg${ACCEL_CLASS_SUFFIX}`,
  parent: TYPE_ACCEL,
  classInit: (k) => {
    k.name = "tcg";
    k.initMachine = () => {};
  },
};

/** -accel kvm,kernel-irqchip=… (QEMU's OnOffSplit; QEMU's default is on). */
const KERNEL_IRQCHIP_VALUES = ["on", "off", "split"] as const;
const kernelIrqchipOf = new WeakMap<AccelState, KernelIrqchip>();

/**
 * KVM runs guests on /dev/kvm through the native addon (src/accel/kvm). Initialising creates the
 * machine's VM (QEMU's kvm_init), or refuses with QEMU's texts when the host cannot (no
 * /dev/kvm, no permission, an API or capability missing, the addon not built), so
 * `accel=kvm:tcg` falls back.
 */
export const kvmAccelTypeInfo: TypeInfo<AccelState, AccelClass> = {
  name: `kvm${ACCEL_CLASS_SUFFIX}`,
  parent: TYPE_ACCEL,
  classInit: (k) => {
    k.name = "kvm";
    addClassProperty(k, enumProperty("kernel-irqchip", "OnOffSplit", KERNEL_IRQCHIP_VALUES, {
      set: (obj, v) => kernelIrqchipOf.set(obj as AccelState, v as KernelIrqchip),
    }));
    k.initMachine = (accel) => {
      const avail = kvmAvailability();
      if (!avail.usable) throw new AccelInitError(avail.error, avail.preLines);
      try {
        kvmMachineInit(accel.registry, kernelIrqchipOf.get(accel) ?? "on");
      } catch (err) {
        if (err instanceof KvmInitError) throw new AccelInitError(err.message, err.preLines);
        throw err;
      }
    };
  },
};

export function registerAccelTypes(types: TypeRegistry): void {
  types.register(accelTypeInfo);
  types.register(tcgAccelTypeInfo);
  types.register(kvmAccelTypeInfo);
}

export function accelClassByName(types: TypeRegistry, name: string): AccelClass | undefined {
  const k = types.classByName(`${name}${ACCEL_CLASS_SUFFIX}`);
  return k && types.classDynamicCast(k, TYPE_ACCEL) ? (k as AccelClass) : undefined;
}

/** The text of `-accel help`. */
export function accelHelpText(types: TypeRegistry): string {
  const names = types.classList(TYPE_ACCEL, false).map((k) => (k as AccelClass).name);
  return `Accelerators supported in QEMU binary:\n${names.join("\n")}\n`;
}
