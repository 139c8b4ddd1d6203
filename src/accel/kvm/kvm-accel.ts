/**
 * The kvm accelerator for one machine (≈ QEMU's KVMState and kvm_init): /dev/kvm, one VM, its
 * memory slots, the in-kernel irqchip when asked for, and vCPUs.
 */
import type { AccelOps, MapMemoryOptions, VmOps } from "../accel-ops.js";
import type { KvmAddon, KvmSystemHandle, KvmVmHandle } from "./kvm-addon.js";
import { isKvmSyscallError, loadKvmAddon } from "./kvm-addon.js";
import { KVM_DEVICE, kvmAvailability } from "./kvm-available.js";
import type { X86KvmFeatures } from "../../target/i386/cpu-accel-features.js";
import { kvmSupportedFeatureWords, readKvmCpuFeatureHost } from "./kvm-cpu-features.js";
import { KvmVcpu } from "./kvm-vcpu.js";

/** Where QEMU puts the EPT identity map and the real-mode TSS KVM needs on VMX without unrestricted guest. */
const IDENTITY_MAP_ADDR = 0xfeffc000;
const TSS_ADDR = IDENTITY_MAP_ADDR + 0x1000;

export type CpuidRegs = [eax: number, ebx: number, ecx: number, edx: number];

export interface KvmAccelOptions {
  /** -machine kernel-irqchip: "on" puts PIC, IOAPIC and LAPIC in the kernel; "off" leaves interrupts to VmOps. */
  kernelIrqchip?: "on" | "off" | "split";
  device?: string;
  /**
   * The CPU model's say on each CPUID leaf KVM supports (default: KVM's values with the APIC ID
   * of the vCPU filled in).
   */
  cpuid?: (leaf: number, subleaf: number, regs: CpuidRegs, vcpuIndex: number) => CpuidRegs;
}

/** `-accel kvm` cannot start: `preLines` go to stderr first, as QEMU prints them. */
export class KvmInitError extends Error {
  constructor(
    message: string,
    readonly preLines: string[] = [],
  ) {
    super(message);
  }
}

interface Slot {
  readonly slot: number;
  readonly bytes: Uint8Array;
}

export class KvmAccel implements AccelOps {
  readonly name = "kvm" as const;
  readonly inKernelIrqchip: boolean;
  private readonly slots = new Map<number, Slot>();
  private readonly maxSlots: number;
  private readonly supportedCpuid: Uint32Array;
  private readonly vcpus: KvmVcpu[] = [];
  /** The CPU model's say on CPUID for vCPUs created from now on (see KvmAccelOptions.cpuid). */
  cpuidSource: KvmAccelOptions["cpuid"];

  private constructor(
    /** The addon and the VM descriptor, for the kvm-* device models that read and write chip state. */
    readonly addon: KvmAddon,
    private readonly kvm: KvmSystemHandle,
    readonly vm: KvmVmHandle,
    opts: KvmAccelOptions,
  ) {
    const k = addon.constants;
    this.maxSlots = vm.checkExtension(k.KVM_CAP_NR_MEMSLOTS) || 32;
    this.supportedCpuid = kvm.supportedCpuid();
    this.inKernelIrqchip = (opts.kernelIrqchip ?? "on") === "on";
    this.cpuidSource = opts.cpuid;
  }

  /** Opens /dev/kvm and creates the VM; throws KvmInitError with QEMU's texts when KVM is unusable. */
  static create(opts: KvmAccelOptions = {}): KvmAccel {
    const device = opts.device ?? KVM_DEVICE;
    const avail = kvmAvailability(device);
    if (!avail.usable) throw new KvmInitError(avail.error, avail.preLines);
    if (opts.kernelIrqchip === "split") {
      // A split irqchip needs MSI routing from the userspace IOAPIC (KVM_SIGNAL_MSI), not built yet.
      throw new KvmInitError("kernel-irqchip=split is not supported by qomd's kvm accelerator yet");
    }
    const addon = loadKvmAddon();
    const kvm = new addon.Kvm(device);
    let vm: KvmVmHandle | undefined;
    try {
      try {
        vm = new addon.Vm(kvm);
      } catch (err) {
        if (!isKvmSyscallError(err)) throw err;
        // QEMU's kvm_init wording.
        throw new KvmInitError(`failed to initialize kvm: ${err.description}`, [
          `ioctl(KVM_CREATE_VM) failed: ${err.errno} ${err.description}`,
        ]);
      }
      const k = addon.constants;
      if (vm.checkExtension(k.KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) vm.setIdentityMapAddr(IDENTITY_MAP_ADDR);
      vm.setTssAddr(TSS_ADDR);
      const accel = new KvmAccel(addon, kvm, vm, opts);
      if (accel.inKernelIrqchip) vm.createIrqchip();
      return accel;
    } catch (err) {
      vm?.close();
      kvm.close();
      if (err instanceof KvmInitError) throw err;
      const text = isKvmSyscallError(err) ? `${err.syscall}: ${err.description}` : String(err);
      throw new KvmInitError(`failed to initialize kvm: ${text}`);
    }
  }

  private cpuFeaturesCache: X86KvmFeatures | undefined;

  /** What KVM can give a CPU model, per feature word (read from /dev/kvm once, then kept). */
  cpuFeatures(): X86KvmFeatures {
    this.cpuFeaturesCache ??= kvmSupportedFeatureWords(
      readKvmCpuFeatureHost(this.kvm, this.addon.constants, this.inKernelIrqchip),
    );
    return this.cpuFeaturesCache;
  }

  /** A KVM capability of this VM (KVM_CHECK_EXTENSION on the VM descriptor). */
  checkExtension(cap: string): number {
    const n = this.addon.constants[`KVM_CAP_${cap}`];
    return n === undefined ? 0 : this.vm.checkExtension(n);
  }

  mapMemory(gpa: number, bytes: Uint8Array, opts: MapMemoryOptions = {}): void {
    const k = this.addon.constants;
    let flags = 0;
    if (opts.readonly) {
      if (this.vm.checkExtension(k.KVM_CAP_READONLY_MEM) <= 0) throw new Error("kvm: this host has no read-only memory slots");
      flags |= k.KVM_MEM_READONLY;
    }
    this.unmapMemory(gpa);
    const slot = this.freeSlot();
    this.vm.setUserMemoryRegion(slot, flags, gpa, bytes);
    this.slots.set(gpa, { slot, bytes });
  }

  unmapMemory(gpa: number): void {
    const s = this.slots.get(gpa);
    if (!s) return;
    this.vm.setUserMemoryRegion(s.slot, 0, gpa, null);
    this.slots.delete(gpa);
  }

  createVcpu(index: number, ops: VmOps): KvmVcpu {
    const h = new this.addon.Vcpu(this.vm, index);
    try {
      const cpuid = this.cpuidFor(index);
      h.setCpuid2(cpuid);
      let signature = 0;
      for (let i = 0; i < cpuid.length; i += 7) if (cpuid[i] === 1) signature = cpuid[i + 3];
      const vcpu = new KvmVcpu(index, this.addon, h, ops, { inKernelIrqchip: this.inKernelIrqchip, signature });
      vcpu.reset();
      this.vcpus.push(vcpu);
      return vcpu;
    } catch (err) {
      h.close();
      throw err;
    }
  }

  /** The in-kernel i8254 ("kvm-pit"); needs the in-kernel irqchip. Port 0x61 stays with the kernel too. */
  createPit(): void {
    this.vm.createPit2(this.addon.constants.KVM_PIT_SPEAKER_DUMMY);
  }

  setIrq(gsi: number, level: boolean): void {
    this.vm.irqLine(gsi, level);
  }

  close(): void {
    for (const v of this.vcpus) v.close();
    this.vcpus.length = 0;
    this.vm.close();
    this.kvm.close();
  }

  private freeSlot(): number {
    const used = new Set([...this.slots.values()].map((s) => s.slot));
    for (let n = 0; n < this.maxSlots; n++) if (!used.has(n)) return n;
    throw new Error(`kvm: all ${this.maxSlots} memory slots are in use`);
  }

  /** KVM's CPUID table for one vCPU: its APIC ID in leaves 1, 0xb and 0x1f, then the model's say. */
  private cpuidFor(index: number): Uint32Array {
    const t = Uint32Array.from(this.supportedCpuid);
    for (let i = 0; i < t.length; i += 7) {
      const leaf = t[i];
      if (leaf === 1) t[i + 4] = (t[i + 4] & 0x00ffffff) | ((index & 0xff) << 24);
      if (leaf === 0xb || leaf === 0x1f) t[i + 6] = index;
      if (this.cpuidSource) {
        const r = this.cpuidSource(leaf, t[i + 1], [t[i + 3], t[i + 4], t[i + 5], t[i + 6]], index);
        for (let k = 0; k < 4; k++) t[i + 3 + k] = r[k] >>> 0;
      }
    }
    return t;
  }
}
