/**
 * The native addon (src/accel/kvm/native, built by node-gyp) as TypeScript sees it, and its
 * loader. The addon is optional: `loadKvmAddon()` throws KvmAddonMissing with the reason when it
 * is not built or cannot load, and kvm-available.ts turns that into QEMU's messages.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** [byte offset, size in bytes] of a member, as `offsetof`/`sizeof` gave them when the addon was built. */
export type Field = readonly [number, number];
export type StructLayout = { readonly size: number } & { readonly [member: string]: Field | number };

export interface KvmRunLayout {
  readonly size: number;
  readonly request_interrupt_window: Field;
  readonly immediate_exit: Field;
  readonly exit_reason: Field;
  readonly ready_for_interrupt_injection: Field;
  readonly if_flag: Field;
  readonly flags: Field;
  readonly cr8: Field;
  readonly apic_base: Field;
  readonly io: { direction: Field; size: Field; port: Field; count: Field; data_offset: Field };
  readonly mmio: { phys_addr: Field; data: Field; len: Field; is_write: Field };
  readonly internal: { suberror: Field; ndata: Field; data: Field };
  readonly fail_entry: { hardware_entry_failure_reason: Field; cpu: Field };
  readonly hw: { hardware_exit_reason: Field };
  readonly ex: { exception: Field; error_code: Field };
  readonly system_event: { type: Field; ndata: Field; data: Field };
  readonly eoi: { vector: Field };
}

export interface KvmLayout {
  readonly run: KvmRunLayout;
  readonly regs: StructLayout;
  readonly sregs: StructLayout;
  readonly segment: StructLayout;
  readonly dtable: StructLayout;
  readonly fpu: StructLayout;
  readonly mpState: StructLayout;
  readonly vcpuEvents: StructLayout;
  readonly debugRegs: StructLayout;
  readonly xsave: StructLayout;
  /** kvm_irqchip's `chip` union; pic and ioapic offsets are relative to it. */
  readonly irqchip: { readonly size: number; readonly pic: StructLayout; readonly ioapic: StructLayout };
  readonly pitChannel: StructLayout;
  readonly pit2: StructLayout;
  readonly clock: StructLayout;
  readonly lapic: StructLayout;
}

/** The /dev/kvm descriptor. */
export interface KvmSystemHandle {
  apiVersion(): number;
  checkExtension(cap: number): number;
  vcpuMmapSize(): number;
  /** 7 words an entry: function, index, flags, eax, ebx, ecx, edx. */
  supportedCpuid(): Uint32Array;
  /** KVM_GET_MSR_FEATURE_INDEX_LIST: the feature MSRs KVM_GET_MSRS can read on /dev/kvm. */
  msrFeatureIndexList(): Uint32Array;
  /** KVM_GET_MSRS on /dev/kvm (feature MSRs only): the number read. */
  getMsrs(indices: Uint32Array, values: BigUint64Array): number;
  /** KVM_GET_DEVICE_ATTR(0, KVM_X86_XCOMP_GUEST_SUPP): the XSAVE components a guest may use. */
  xcompGuestSupp(): bigint;
  close(): void;
}

/** A KVM_CREATE_VM descriptor. */
export interface KvmVmHandle {
  checkExtension(cap: number): number;
  setTssAddr(addr: number): void;
  setIdentityMapAddr(addr: number): void;
  /** `memory` is used in place and must be page-aligned whole pages; null deletes the slot. */
  setUserMemoryRegion(slot: number, flags: number, gpa: number, memory: Uint8Array | null): void;
  getDirtyLog(slot: number, bitmap: Uint8Array): void;
  createIrqchip(): void;
  createPit2(flags?: number): void;
  /** KVM_REINJECT_CONTROL: whether the in-kernel PIT makes up for ticks the guest missed. */
  reinjectControl(pitReinject: boolean): void;
  irqLine(gsi: number, level: boolean): void;
  enableCap(cap: number, args?: number[]): void;
  /** KVM_SIGNAL_MSI: > 0 delivered, 0 blocked by the guest. */
  signalMsi(addressLo: number, addressHi: number, data: number): number;
  /** KVM_SET_GSI_ROUTING: 6 words an entry (gsi, type, then irqchip+pin or address_lo, address_hi, data, devid). */
  setGsiRouting(entries: Uint32Array): void;
  /** KVM_GET/SET_IRQCHIP: `buf` holds the chip union (layout.irqchip). */
  getIrqchip(chipId: number, buf: Uint8Array): void;
  setIrqchip(chipId: number, buf: Uint8Array): void;
  getPit2(buf: Uint8Array): void;
  setPit2(buf: Uint8Array): void;
  getClock(buf: Uint8Array): void;
  setClock(buf: Uint8Array): void;
  close(): void;
}

/** A KVM_CREATE_VCPU descriptor with its kvm_run mapping. */
export interface KvmVcpuHandle {
  /** The kvm_run mapping (KVM_GET_VCPU_MMAP_SIZE bytes, I/O data page included). */
  readonly kvmRun: ArrayBuffer;
  readonly kickToken: number;
  readonly threadId: number;
  /** One KVM_RUN in the calling thread: the exit reason (KVM_EXIT_INTR when kicked). */
  run(): number;
  kick(): boolean;
  getRegs(buf: Uint8Array): void;
  setRegs(buf: Uint8Array): void;
  getSregs(buf: Uint8Array): void;
  setSregs(buf: Uint8Array): void;
  getFpu(buf: Uint8Array): void;
  setFpu(buf: Uint8Array): void;
  getMpState(buf: Uint8Array): void;
  setMpState(buf: Uint8Array): void;
  getVcpuEvents(buf: Uint8Array): void;
  setVcpuEvents(buf: Uint8Array): void;
  getDebugRegs(buf: Uint8Array): void;
  setDebugRegs(buf: Uint8Array): void;
  /** The XSAVE area (kvm_xsave: its first 512 bytes in FXSAVE format). */
  getXsave(buf: Uint8Array): void;
  setXsave(buf: Uint8Array): void;
  getMsrs(indices: Uint32Array, values: BigUint64Array): number;
  setMsrs(indices: Uint32Array, values: BigUint64Array): number;
  setCpuid2(entries: Uint32Array): void;
  /** KVM_GET/SET_LAPIC: the in-kernel local APIC's 1 KiB register page. */
  getLapic(buf: Uint8Array): void;
  setLapic(buf: Uint8Array): void;
  /** KVM_NMI: queue an NMI on this vCPU. */
  nmi(): void;
  /** KVM_GET_TSC_KHZ: the vCPU's TSC rate in kHz. */
  getTscKhz(): number;
  /** KVM_SET_TSC_KHZ: set it (TSC scaling, or within NTP-correction bounds of the host's rate). */
  setTscKhz(khz: number): void;
  /** KVM_KVMCLOCK_CTRL: the guest's kvmclock learns the VM was paused (EINVAL without a kvmclock page). */
  kvmclockCtrl(): void;
  interrupt(vector: number): void;
  close(): void;
}

export interface KvmAddon {
  readonly Kvm: new (path?: string) => KvmSystemHandle;
  readonly Vm: new (kvm: KvmSystemHandle, type?: number) => KvmVmHandle;
  readonly Vcpu: new (vm: KvmVmHandle, id: number) => KvmVcpuHandle;
  /** Kick the vCPU with this token from any thread of the process; false if it is gone. */
  kick(token: number): boolean;
  /** Bytes from the start of `view` to the next multiple of `alignment` in host memory. */
  alignOffset(view: Uint8Array, alignment: number): number;
  readonly kickSignal: number;
  readonly pageSize: number;
  readonly layout: KvmLayout;
  /** <linux/kvm.h> constants by name (KVM_EXIT_IO, KVM_CAP_READONLY_MEM, …). */
  readonly constants: Readonly<Record<string, number>>;
}

export class KvmAddonMissing extends Error {}

/** What the addon throws for a failed system call. */
export interface KvmSyscallError extends Error {
  /** errno name: "EINVAL". */
  code: string;
  errno: number;
  /** The ioctl or call: "KVM_CREATE_VM". */
  syscall: string;
  /** strerror() text: "Invalid argument". */
  description: string;
}

export function isKvmSyscallError(err: unknown): err is KvmSyscallError {
  return err instanceof Error && typeof (err as Partial<KvmSyscallError>).description === "string";
}

/** The build output, relative to the folder holding binding.gyp. */
const ADDON_FILE = join("build", "Release", "qomd_kvm.node");

/**
 * Where the addon should be: $QOMD_KVM_ADDON, else src/accel/kvm/native/build/Release under the
 * package root (found by walking up from this module, which runs from src/ or dist/src/).
 */
export function kvmAddonPath(): string {
  const env = process.env.QOMD_KVM_ADDON;
  if (env) return env;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const native = join(dir, "src", "accel", "kvm", "native");
    if (existsSync(join(native, "binding.gyp"))) return join(native, ADDON_FILE);
    const up = dirname(dir);
    if (up === dir) return join(dirname(fileURLToPath(import.meta.url)), "native", ADDON_FILE);
    dir = up;
  }
}

let cached: KvmAddon | KvmAddonMissing | undefined;

export function loadKvmAddon(): KvmAddon {
  if (cached === undefined) {
    const path = kvmAddonPath();
    if (process.platform !== "linux") {
      cached = new KvmAddonMissing(`KVM needs Linux (this host is ${process.platform})`);
    } else if (!existsSync(path)) {
      cached = new KvmAddonMissing(`the KVM addon is not built (${path}; run: npx node-gyp rebuild --directory src/accel/kvm/native)`);
    } else {
      try {
        cached = createRequire(import.meta.url)(path) as KvmAddon;
      } catch (err) {
        cached = new KvmAddonMissing(`the KVM addon does not load: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  if (cached instanceof KvmAddonMissing) throw cached;
  return cached;
}
