/**
 * A vCPU on /dev/kvm (≈ QEMU's kvm_cpu_exec): KVM_RUN in the calling thread, port I/O and MMIO
 * exits served through VmOps without leaving run(), the other exits returned for the vCPU loop to
 * decide on. With the userspace interrupt controller (kernel-irqchip=off) it also injects
 * interrupts and handles HLT, as QEMU's kvm_arch_pre_run/kvm_arch_process_async_events do.
 */
import type { AccessSize, Vcpu, VcpuExit, VcpuKickHandle, VmOps, X86CpuState } from "../accel-ops.js";
import type { Field, KvmAddon, KvmVcpuHandle } from "./kvm-addon.js";
import { KvmStateAccess } from "./kvm-state.js";
import { x86ResetState } from "./x86-reset-state.js";

export interface KvmVcpuOptions {
  /** The local APIC lives in the kernel (kernel-irqchip=on or split): HLT sleeps there. */
  inKernelIrqchip: boolean;
  /**
   * The 8259 is qomd's (kernel-irqchip=off or split): its vector is injected before KVM_RUN
   * (KVM_INTERRUPT; with split the kernel's LAPIC takes it as ExtINT on LINT0).
   */
  userspacePic: boolean;
  /** CPUID.1:EAX, the value RESET# leaves in EDX. */
  signature: number;
}

type Reader = (view: DataView) => number;

/** A fast reader for one integer member of kvm_run (8-byte members read as numbers). */
function reader(base: number, [off, size]: Field): Reader {
  const p = base + off;
  switch (size) {
    case 1: return (v) => v.getUint8(p);
    case 2: return (v) => v.getUint16(p, true);
    case 4: return (v) => v.getUint32(p, true);
    case 8: return (v) => v.getUint32(p, true) + v.getUint32(p + 4, true) * 2 ** 32;
    default: throw new Error(`kvm: kvm_run member of ${size} bytes`);
  }
}

export class KvmVcpu implements Vcpu {
  private readonly view: DataView;
  private readonly state: KvmStateAccess;
  private readonly k: Readonly<Record<string, number>>;
  /** HLT executed with nothing to wake it (userspace irqchip only). */
  private halted = false;

  // kvm_run members, resolved once from the addon's layout.
  private readonly ioDirection: Reader;
  private readonly ioSize: Reader;
  private readonly ioPort: Reader;
  private readonly ioCount: Reader;
  private readonly ioDataOffset: Reader;
  private readonly mmioAddr: Reader;
  private readonly mmioLen: Reader;
  private readonly mmioIsWrite: Reader;
  private readonly mmioData: number;
  private readonly readyForInjection: Reader;
  private readonly ifFlag: Reader;
  private readonly requestWindow: Field;
  private readonly eoiVector: Reader;

  constructor(
    readonly index: number,
    private readonly addon: KvmAddon,
    private readonly h: KvmVcpuHandle,
    private readonly ops: VmOps,
    private readonly opts: KvmVcpuOptions,
  ) {
    this.view = new DataView(h.kvmRun);
    this.state = new KvmStateAccess(addon, h);
    this.k = addon.constants;
    const r = addon.layout.run;
    this.ioDirection = reader(0, r.io.direction);
    this.ioSize = reader(0, r.io.size);
    this.ioPort = reader(0, r.io.port);
    this.ioCount = reader(0, r.io.count);
    this.ioDataOffset = reader(0, r.io.data_offset);
    this.mmioAddr = reader(0, r.mmio.phys_addr);
    this.mmioLen = reader(0, r.mmio.len);
    this.mmioIsWrite = reader(0, r.mmio.is_write);
    this.mmioData = r.mmio.data[0];
    this.readyForInjection = reader(0, r.ready_for_interrupt_injection);
    this.ifFlag = reader(0, r.if_flag);
    this.requestWindow = r.request_interrupt_window;
    this.eoiVector = reader(0, r.eoi.vector);
  }

  /** The vCPU descriptor, for the kvm-apic model's KVM_GET/SET_LAPIC and KVM_NMI. */
  get handle(): KvmVcpuHandle {
    return this.h;
  }

  get kickHandle(): VcpuKickHandle {
    return { kind: "kvm", token: this.h.kickToken };
  }

  get threadId(): number {
    return this.h.threadId;
  }

  kick(): void {
    this.h.kick();
  }

  run(): VcpuExit {
    const k = this.k;
    const userIrq = this.opts.userspacePic && this.ops.hasInterrupt !== undefined;
    for (;;) {
      if (userIrq) {
        // QEMU's kvm_arch_pre_run: an NMI the userspace APIC raised is queued in the kernel.
        if (this.ops.takeNmi?.()) {
          this.h.nmi();
          this.halted = false;
        }
        if (this.halted) {
          // Only an interrupt the guest accepts (IF set) ends HLT.
          if (!(this.ops.hasInterrupt?.() && this.ifFlag(this.view))) return { reason: "halted" };
          this.halted = false;
        }
        this.prepareInjection();
      }
      const reason = this.h.run();
      switch (reason) {
        case k.KVM_EXIT_IO:
          this.serveIo();
          continue;
        case k.KVM_EXIT_MMIO:
          this.serveMmio();
          continue;
        case k.KVM_EXIT_IRQ_WINDOW_OPEN:
          continue;
        case k.KVM_EXIT_IOAPIC_EOI:
          this.ops.ioapicEoi?.(this.eoiVector(this.view));
          continue;
        case k.KVM_EXIT_INTR:
          return { reason: "interrupted" };
        case k.KVM_EXIT_HLT:
          if (userIrq && this.ops.hasInterrupt?.() && this.ifFlag(this.view)) continue;
          this.halted = true;
          return { reason: "halted" };
        case k.KVM_EXIT_SHUTDOWN:
          return { reason: "triple-fault" };
        case k.KVM_EXIT_SYSTEM_EVENT:
          return { reason: "system-event", event: this.systemEvent() };
        case k.KVM_EXIT_INTERNAL_ERROR:
          return { reason: "internal-error", detail: this.internalError() };
        case k.KVM_EXIT_FAIL_ENTRY: {
          const f = this.addon.layout.run.fail_entry;
          const hw = reader(0, f.hardware_entry_failure_reason)(this.view);
          return { reason: "internal-error", detail: `KVM: entry failed, hardware error 0x${hw.toString(16)}` };
        }
        default:
          return { reason: "internal-error", detail: `KVM: unhandled exit reason ${reason}` };
      }
    }
  }

  reset(): void {
    this.halted = false;
    const state = x86ResetState(this.opts.signature, this.index === 0);
    // With qomd's local APIC (kernel-irqchip=off) an application processor waits for its SIPI in
    // qomd's HLT state, as QEMU's x86_cpu_reset halts every CPU but the BSP; the kernel's APIC
    // keeps it in KVM_MP_STATE_UNINITIALIZED itself.
    if (!this.opts.inKernelIrqchip) state.halted = this.index !== 0;
    this.setState(state);
  }

  getState(): X86CpuState {
    return this.state.read(this.opts.inKernelIrqchip ? undefined : this.halted);
  }

  setState(s: X86CpuState): void {
    this.state.write(s, { inKernelIrqchip: this.opts.inKernelIrqchip, bsp: this.index === 0 });
    if (!this.opts.inKernelIrqchip) this.halted = s.halted;
  }

  /** Closes the vCPU descriptor (the VM keeps its memory until it is closed too). */
  close(): void {
    this.h.close();
  }

  /** Before KVM_RUN: inject the pending interrupt if the guest can take it, else ask for a window. */
  private prepareInjection(): void {
    const pending = this.ops.hasInterrupt?.() ?? false;
    let wantWindow = false;
    if (pending) {
      if (this.readyForInjection(this.view) && this.ifFlag(this.view)) {
        const vector = this.ops.acknowledgeInterrupt?.();
        // -1: the controller withdrew the request between asking and INTA (nothing to inject).
        if (vector !== undefined && vector >= 0) this.h.interrupt(vector);
        wantWindow = this.ops.hasInterrupt?.() ?? false;
      } else {
        wantWindow = true;
      }
    }
    this.view.setUint8(this.requestWindow[0], wantWindow ? 1 : 0);
  }

  private serveIo(): void {
    const v = this.view;
    const size = this.ioSize(v) as AccessSize;
    const port = this.ioPort(v);
    const count = this.ioCount(v);
    let p = this.ioDataOffset(v);
    const out = this.ioDirection(v) === this.k.KVM_EXIT_IO_OUT;
    for (let i = 0; i < count; i++, p += size) {
      if (out) {
        const value = size === 1 ? v.getUint8(p) : size === 2 ? v.getUint16(p, true) : v.getUint32(p, true);
        this.ops.pioWrite(port, value, size);
      } else {
        const value = this.ops.pioRead(port, size);
        if (size === 1) v.setUint8(p, value & 0xff);
        else if (size === 2) v.setUint16(p, value & 0xffff, true);
        else v.setUint32(p, value >>> 0, true);
      }
    }
  }

  /** MMIO of 1, 2 or 4 bytes goes through as it is; 8 bytes as two 4-byte halves; others byte by byte. */
  private serveMmio(): void {
    const v = this.view;
    const gpa = this.mmioAddr(v);
    const len = this.mmioLen(v);
    const write = this.mmioIsWrite(v) !== 0;
    const p = this.mmioData;
    const step: AccessSize = len === 1 || len === 2 || len === 4 ? len : len === 8 ? 4 : 1;
    for (let off = 0; off < len; off += step) {
      if (write) {
        const value = step === 1 ? v.getUint8(p + off) : step === 2 ? v.getUint16(p + off, true) : v.getUint32(p + off, true);
        this.ops.mmioWrite(gpa + off, value, step);
      } else {
        const value = this.ops.mmioRead(gpa + off, step);
        if (step === 1) v.setUint8(p + off, value & 0xff);
        else if (step === 2) v.setUint16(p + off, value & 0xffff, true);
        else v.setUint32(p + off, value >>> 0, true);
      }
    }
  }

  private systemEvent(): "shutdown" | "reset" | "crash" | "other" {
    const t = reader(0, this.addon.layout.run.system_event.type)(this.view);
    const k = this.k;
    return t === k.KVM_SYSTEM_EVENT_SHUTDOWN ? "shutdown" : t === k.KVM_SYSTEM_EVENT_RESET ? "reset"
      : t === k.KVM_SYSTEM_EVENT_CRASH ? "crash" : "other";
  }

  /** QEMU's wording for KVM_EXIT_INTERNAL_ERROR, with the extra data words. */
  private internalError(): string {
    const r = this.addon.layout.run.internal;
    const sub = reader(0, r.suberror)(this.view);
    const n = Math.min(reader(0, r.ndata)(this.view), r.data[1] / 8);
    const words: string[] = [];
    for (let i = 0; i < n; i++) {
      const w = this.view.getBigUint64(r.data[0] + i * 8, true);
      words.push(`extra data[${i}]: 0x${w.toString(16).padStart(16, "0")}`);
    }
    const lines = [`KVM internal error. Suberror: ${sub}`, ...words];
    if (sub === this.k.KVM_INTERNAL_ERROR_EMULATION) lines.push("emulation failure");
    return lines.join("\n");
  }
}
