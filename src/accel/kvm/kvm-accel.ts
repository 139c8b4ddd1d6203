/**
 * The kvm accelerator for one machine (≈ QEMU's KVMState and kvm_init): /dev/kvm, one VM, its
 * memory slots, the in-kernel irqchip when asked for, and vCPUs.
 */
import type { AccelOps, MapMemoryOptions, VmOps } from "../accel-ops.js";
import type { KvmAddon, KvmSystemHandle, KvmVcpuHandle, KvmVmHandle } from "./kvm-addon.js";
import { isKvmSyscallError, loadKvmAddon } from "./kvm-addon.js";
import { KVM_DEVICE, kvmAvailability } from "./kvm-available.js";
import type { X86KvmFeatures } from "../../target/i386/cpu-accel-features.js";
import { kvmSupportedFeatureWords, readKvmCpuFeatureHost } from "./kvm-cpu-features.js";
import { KvmVcpu } from "./kvm-vcpu.js";

/** The IOAPIC's pins (QEMU's IOAPIC_NUM_PINS); in split mode KVM reserves an MSI route for each. */
const IOAPIC_PINS = 24;
/** Words a GSI route takes in the addon's KVM_SET_GSI_ROUTING table. */
const ROUTE_WORDS = 6;

/**
 * Where QEMU puts the EPT identity map and the real-mode TSS KVM needs on VMX without unrestricted
 * guest: 4 pages below the BIOS, which the firmware must be told to keep (an e820 reserved entry,
 * the first of the table since QEMU adds it when the accelerator starts).
 */
export const KVM_IDENTITY_MAP_ADDR = 0xfeffc000;
export const KVM_IDENTITY_MAP_SIZE = 0x4000;
const TSS_ADDR = KVM_IDENTITY_MAP_ADDR + 0x1000;

export type CpuidRegs = [eax: number, ebx: number, ecx: number, edx: number];

export interface KvmAccelOptions {
  /**
   * -machine kernel-irqchip: "on" puts PIC, IOAPIC, PIT and local APICs in the kernel; "split"
   * only the local APICs (the IOAPIC signals them through MSI routes); "off" leaves interrupts to VmOps.
   */
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
  /** The local APICs are the kernel's (QEMU's kvm_irqchip_in_kernel: kernel-irqchip=on or split). */
  readonly inKernelIrqchip: boolean;
  /** Only the local APICs are the kernel's (QEMU's kvm_irqchip_is_split). */
  readonly irqchipSplit: boolean;
  /** Split mode: the MSI route of each IOAPIC pin, GSI = pin (KVM_SET_GSI_ROUTING entries). */
  private readonly msiRoutes = new Uint32Array(IOAPIC_PINS * ROUTE_WORDS);
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
    const mode = opts.kernelIrqchip ?? "on";
    this.inKernelIrqchip = mode !== "off";
    this.irqchipSplit = mode === "split";
    this.cpuidSource = opts.cpuid;
  }

  /** Opens /dev/kvm and creates the VM; throws KvmInitError with QEMU's texts when KVM is unusable. */
  static create(opts: KvmAccelOptions = {}): KvmAccel {
    const device = opts.device ?? KVM_DEVICE;
    const avail = kvmAvailability(device);
    if (!avail.usable) throw new KvmInitError(avail.error, avail.preLines);
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
      if (vm.checkExtension(k.KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) vm.setIdentityMapAddr(KVM_IDENTITY_MAP_ADDR);
      vm.setTssAddr(TSS_ADDR);
      const accel = new KvmAccel(addon, kvm, vm, opts);
      if (accel.irqchipSplit) accel.createSplitIrqchip();
      else if (accel.inKernelIrqchip) accel.createFullIrqchip();
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
      const vcpu = new KvmVcpu(index, this.addon, h, ops, {
        inKernelIrqchip: this.inKernelIrqchip,
        userspacePic: !this.inKernelIrqchip || this.irqchipSplit,
        signature,
      });
      vcpu.reset();
      this.vcpus.push(vcpu);
      return vcpu;
    } catch (err) {
      h.close();
      throw err;
    }
  }

  /** The descriptor of the vCPU with this index (QEMU's CPUState.kvm_fd), once created. */
  vcpuHandle(index: number): KvmVcpuHandle | undefined {
    return this.vcpus.find((v) => v.index === index)?.handle;
  }

  /** The in-kernel i8254 ("kvm-pit"); needs the in-kernel irqchip. Port 0x61 stays with the kernel too. */
  createPit(): void {
    this.vm.createPit2(this.addon.constants.KVM_PIT_SPEAKER_DUMMY);
  }

  setIrq(gsi: number, level: boolean): void {
    this.vm.irqLine(gsi, level);
  }

  /**
   * Split mode: IOAPIC pin `pin` now sends `data` to `address` (QEMU's
   * kvm_irqchip_update_msi_route); takes effect at commitMsiRoutes(). KVM reads the routes both to
   * deliver (setIrq(pin)) and to know which vectors are level-triggered IOAPIC ones, whose EOI it
   * then reports (KVM_EXIT_IOAPIC_EOI).
   */
  updateMsiRoute(pin: number, address: number, data: number): void {
    this.msiRoutes[pin * ROUTE_WORDS + 2] = address >>> 0;
    this.msiRoutes[pin * ROUTE_WORDS + 3] = 0;
    this.msiRoutes[pin * ROUTE_WORDS + 4] = data >>> 0;
  }

  /** Hands the routing table to KVM (QEMU's kvm_irqchip_commit_routes). */
  commitMsiRoutes(): void {
    this.vm.setGsiRouting(this.msiRoutes);
  }

  /**
   * An MSI written to the local APICs' window (QEMU's kvm_send_msi). KVM says whether it reached
   * an APIC; as in QEMU, only a failure of the call itself is reported, on stderr.
   */
  sendMsi(address: number, data: number): void {
    try {
      this.vm.signalMsi(address >>> 0, 0, data >>> 0);
    } catch (err) {
      const text = isKvmSyscallError(err) ? err.description : String(err);
      process.stderr.write(`KVM: injection failed, MSI lost (${text})\n`);
    }
  }

  /**
   * QEMU's kvm_irqchip_create with kvm_pc_setup_irq_routing: the kernel's PIC pair, IOAPIC and
   * local APICs, and the PC's GSI routing: GSIs 0-15 drive the 8259 pins, and GSI n the IOAPIC's
   * pin n except that ISA IRQ 0 (the PIT) arrives on pin 2 and GSI 2 on no pin. KVM's default
   * table sends GSI 0 to pin 0, where a guest programming the IOAPIC does not expect the timer.
   */
  private createFullIrqchip(): void {
    const k = this.addon.constants;
    this.vm.createIrqchip();
    const routes: number[] = [];
    for (let gsi = 0; gsi < 16; gsi++) {
      routes.push(gsi, k.KVM_IRQ_ROUTING_IRQCHIP, gsi < 8 ? k.KVM_IRQCHIP_PIC_MASTER : k.KVM_IRQCHIP_PIC_SLAVE, gsi % 8, 0, 0);
    }
    for (let gsi = 0; gsi < IOAPIC_PINS; gsi++) {
      if (gsi === 2) continue;
      routes.push(gsi, k.KVM_IRQ_ROUTING_IRQCHIP, k.KVM_IRQCHIP_IOAPIC, gsi === 0 ? 2 : gsi, 0, 0);
    }
    this.vm.setGsiRouting(Uint32Array.from(routes));
  }

  /**
   * QEMU's kvm_irqchip_create for kernel-irqchip=split with kvm_arch_init_irq_routing: local
   * APICs only, with an MSI route reserved for each IOAPIC pin (empty until the guest programs it).
   */
  private createSplitIrqchip(): void {
    const k = this.addon.constants;
    try {
      this.vm.enableCap(k.KVM_CAP_SPLIT_IRQCHIP, [IOAPIC_PINS]);
    } catch (err) {
      if (!isKvmSyscallError(err)) throw err;
      // QEMU's kvm_arch_irqchip_create wording.
      throw new KvmInitError(`Could not enable split irqchip mode: ${err.description}`);
    }
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      this.msiRoutes.set([pin, k.KVM_IRQ_ROUTING_MSI, 0, 0, 0, 0], pin * ROUTE_WORDS);
    }
    this.commitMsiRoutes();
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
