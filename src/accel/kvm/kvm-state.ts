/**
 * A KVM vCPU's state ↔ the plain X86CpuState object (tcg's CpuState plus its 64-bit half).
 * Read in QEMU's kvm_arch_get_registers order and written in kvm_arch_put_registers order:
 * regs, FPU, sregs, MSRs, MP state, events, debug registers.
 */
import type { SegmentState } from "../../target/i386/tcg/state.js";
import type { VcpuEventState, X86CpuState, X86LongState } from "../accel-ops.js";
import type { KvmAddon, KvmVcpuHandle } from "./kvm-addon.js";
import { readU64, readUint, StructBuffer, writeUint } from "./kvm-struct.js";
import { abridgedTag, bytesToHex, float80ToNumber, fullTagWord, hexToBytes, numberToFloat80 } from "./x87-format.js";

/** kvm_regs names in tcg's register order (eax ecx edx ebx esp ebp esi edi), then r8-r15. */
const GPR_NAMES = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"] as const;
const LEGACY_GPRS = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;
const SEGMENTS = ["es", "cs", "ss", "ds", "fs", "gs"] as const;

export const MSR_IA32_TSC = 0x10;
export const MSR_IA32_APICBASE = 0x1b;
export const MSR_EFER = 0xc0000080;
export const MSR_FS_BASE = 0xc0000100;
export const MSR_GS_BASE = 0xc0000101;
/** MSRs carried in `msrs` (TSC, EFER, APIC base and FS/GS bases travel in their own fields). */
export const SAVED_MSRS = [
  0x174, 0x175, 0x176, // SYSENTER_CS/ESP/EIP
  0x1a0, // MISC_ENABLE
  0x277, // PAT
  0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, // STAR, LSTAR, CSTAR, FMASK
  0xc0000102, 0xc0000103, // KERNEL_GS_BASE, TSC_AUX
];
/** MSRs that setState() takes from other fields, so never writes from `msrs`. */
const MSRS_NOT_FROM_TABLE = new Set([MSR_IA32_TSC, MSR_IA32_APICBASE, MSR_EFER, MSR_FS_BASE, MSR_GS_BASE]);

const AR_P = 0x80;
/** MXCSR's place in the FXSAVE-format start of the XSAVE area (Intel SDM vol. 1, table 10-2). */
const FXSAVE_MXCSR = 24;
const lo32 = (v: bigint): number => Number(v & 0xffffffffn);

export class KvmStateAccess {
  private readonly regs: StructBuffer;
  private readonly sregs: StructBuffer;
  private readonly seg: StructBuffer;
  private readonly dtable: StructBuffer;
  private readonly fpu: StructBuffer;
  private readonly mp: StructBuffer;
  private readonly events: StructBuffer;
  private readonly debug: StructBuffer;
  /** KVM_GET_FPU does not carry MXCSR; the XSAVE area does (absent: the kernel has no KVM_GET_XSAVE). */
  private readonly xsave: StructBuffer | undefined;
  private readonly k: Readonly<Record<string, number>>;

  constructor(addon: KvmAddon, private readonly h: KvmVcpuHandle) {
    const l = addon.layout;
    this.regs = new StructBuffer(l.regs);
    this.sregs = new StructBuffer(l.sregs);
    this.seg = new StructBuffer(l.segment);
    this.dtable = new StructBuffer(l.dtable);
    this.fpu = new StructBuffer(l.fpu);
    this.mp = new StructBuffer(l.mpState);
    this.events = new StructBuffer(l.vcpuEvents);
    this.debug = new StructBuffer(l.debugRegs);
    this.k = addon.constants;
    const xsave = new StructBuffer(l.xsave);
    try {
      h.getXsave(xsave.bytes);
      this.xsave = xsave;
    } catch {
      this.xsave = undefined;
    }
  }

  /** The whole state; `halted` is supplied by the caller when HLT is handled in userspace. */
  read(userHalted: boolean | undefined): X86CpuState {
    const { regs, sregs, fpu } = this;
    this.h.getRegs(regs.bytes);
    this.h.getSregs(sregs.bytes);
    this.h.getFpu(fpu.bytes);
    const gpr = GPR_NAMES.map((n) => regs.u64(n));
    const rip = regs.u64("rip");
    const seg = (name: string): SegmentState & { base64: bigint } => this.readSegment(name);
    const segs = Object.fromEntries(SEGMENTS.map((n) => [n, seg(n)])) as Record<(typeof SEGMENTS)[number], SegmentState & { base64: bigint }>;
    const ldt = seg("ldt");
    const tr = seg("tr");
    const gdt = this.readDtable("gdt");
    const idt = this.readDtable("idt");
    const cr2 = sregs.u64("cr2");
    const cr3 = sregs.u64("cr3");
    const efer = sregs.u64("efer");
    const apicBase = sregs.u64("apic_base");

    // x87: kvm_fpu keeps ST(0)…ST(7); the state keeps physical registers R0…R7.
    const fsw = fpu.u("fsw");
    const top = (fsw >> 11) & 7;
    const [fprOff] = fpu.field("fpr");
    const phys: Uint8Array[] = [];
    for (let r = 0; r < 8; r++) {
      const st = (r - top + 8) & 7;
      phys.push(fpu.bytes.slice(fprOff + st * 16, fprOff + st * 16 + 10));
    }
    const [xmmOff] = fpu.field("xmm");
    const xmm: string[] = [];
    for (let k = 0; k < 16; k++) xmm.push(bytesToHex(fpu.bytes.subarray(xmmOff + k * 16, xmmOff + k * 16 + 16)));

    const msrs = this.readMsrs([...SAVED_MSRS, MSR_IA32_TSC]);
    const tsc = msrs.get(MSR_IA32_TSC) ?? 0n;
    msrs.delete(MSR_IA32_TSC);
    const msrTable: Record<string, string> = {};
    for (const [k, v] of msrs) msrTable[String(k)] = v.toString();
    msrTable[String(MSR_EFER)] = efer.toString();
    msrTable[String(MSR_IA32_APICBASE)] = apicBase.toString();

    this.h.getMpState(this.mp.bytes);
    const halted = userHalted ?? this.mp.u("mp_state") === this.k.KVM_MP_STATE_HALTED;
    this.h.getDebugRegs(this.debug.bytes);
    const [dbOff] = this.debug.field("db");
    const dr = [0, 1, 2, 3].map((k) => Number(this.debug.view.getBigUint64(dbOff + k * 8, true) & 0xffffffffn));
    dr.push(0, 0, Number(this.debug.u64("dr6") & 0xffffffffn), Number(this.debug.u64("dr7") & 0xffffffffn));

    const long: X86LongState = {
      gpr: gpr.map(String),
      rip: rip.toString(),
      fsBase: segs.fs.base64.toString(),
      gsBase: segs.gs.base64.toString(),
      ldtBase: ldt.base64.toString(),
      trBase: tr.base64.toString(),
      gdtBase: gdt.base.toString(),
      idtBase: idt.base.toString(),
      cr2: cr2.toString(),
      cr3: cr3.toString(),
      cr8: Number(sregs.u64("cr8")),
      efer: efer.toString(),
      apicBase: apicBase.toString(),
      fpr: phys.map(bytesToHex),
      fop: fpu.u("last_opcode"),
      fip: fpu.u64("last_ip").toString(),
      fdp: fpu.u64("last_dp").toString(),
      mxcsr: this.readMxcsr(),
      xmm,
      events: this.readEvents(),
    };
    const plain = (s: SegmentState & { base64: bigint }): SegmentState => ({ selector: s.selector, base: s.base, limit: s.limit, flags: s.flags });
    const state: X86CpuState = {
      eax: lo32(gpr[0]), ecx: lo32(gpr[1]), edx: lo32(gpr[2]), ebx: lo32(gpr[3]),
      esp: lo32(gpr[4]), ebp: lo32(gpr[5]), esi: lo32(gpr[6]), edi: lo32(gpr[7]),
      eip: lo32(rip),
      eflags: lo32(regs.u64("rflags")),
      es: plain(segs.es), cs: plain(segs.cs), ss: plain(segs.ss), ds: plain(segs.ds), fs: plain(segs.fs), gs: plain(segs.gs),
      ldt: plain(ldt),
      tr: plain(tr),
      gdt: { base: lo32(gdt.base), limit: gdt.limit },
      idt: { base: lo32(idt.base), limit: idt.limit },
      cr0: lo32(sregs.u64("cr0")), cr2: lo32(cr2), cr3: lo32(cr3), cr4: lo32(sregs.u64("cr4")),
      dr,
      cpl: (segs.ss.flags >> 5) & 3,
      halted,
      a20: true,
      msrs: msrTable,
      fpu: {
        cw: fpu.u("fcw"),
        sw: fsw & ~0x3800,
        tw: fullTagWord(fpu.u("ftwx"), phys),
        top,
        regs: phys.map(float80ToNumber),
      },
      tsc: Number(tsc),
      long,
    };
    return state;
  }

  /**
   * Writes the whole state: low halves from the 32-bit fields, upper halves (and r8-r15, the raw
   * x87/SSE registers, pending events) from `long` when present, else zero. EFER and the APIC
   * base come from `msrs` first. `halted` is the caller's business when HLT is handled in userspace.
   */
  write(s: X86CpuState, opts: { inKernelIrqchip: boolean; bsp: boolean }): void {
    const { regs, sregs, fpu } = this;
    const L = s.long;
    // The 32-bit fields give the low halves (so tcg-style edits of eip, eax… take effect), `long` the high ones.
    const merge = (full: string | undefined, low: number): bigint =>
      (full !== undefined ? BigInt(full) & ~0xffffffffn : 0n) | BigInt(low >>> 0);

    regs.clear();
    GPR_NAMES.forEach((n, k) => regs.set(n, k < 8 ? merge(L?.gpr[k], s[LEGACY_GPRS[k]]) : BigInt(L?.gpr[k] ?? 0)));
    regs.set("rip", merge(L?.rip, s.eip));
    regs.set("rflags", BigInt(s.eflags >>> 0));
    this.h.setRegs(regs.bytes);

    fpu.clear();
    fpu.set("fcw", s.fpu.cw);
    fpu.set("fsw", (s.fpu.sw & ~0x3800) | ((s.fpu.top & 7) << 11));
    fpu.set("ftwx", abridgedTag(s.fpu.tw));
    const [fprOff] = fpu.field("fpr");
    for (let r = 0; r < 8; r++) {
      const st = (r - s.fpu.top + 8) & 7;
      const slot = fpu.bytes.subarray(fprOff + st * 16, fprOff + st * 16 + 10);
      if (L?.fpr[r] !== undefined) hexToBytes(L.fpr[r], slot);
      else numberToFloat80(s.fpu.regs[r] ?? 0, slot);
    }
    if (L) {
      fpu.set("last_opcode", L.fop);
      fpu.set("last_ip", BigInt(L.fip));
      fpu.set("last_dp", BigInt(L.fdp));
      const [xmmOff] = fpu.field("xmm");
      L.xmm.forEach((hex, k) => hexToBytes(hex, fpu.bytes.subarray(xmmOff + k * 16, xmmOff + k * 16 + 16)));
    }
    fpu.set("mxcsr", L?.mxcsr ?? 0x1f80);
    this.h.setFpu(fpu.bytes);
    this.writeMxcsr(L?.mxcsr ?? 0x1f80);

    sregs.clear();
    for (const n of SEGMENTS) {
      const base = n === "fs" ? L?.fsBase : n === "gs" ? L?.gsBase : undefined;
      this.writeSegment(n, s[n], merge(base, s[n].base));
    }
    this.writeSegment("ldt", s.ldt, merge(L?.ldtBase, s.ldt.base));
    this.writeSegment("tr", s.tr, merge(L?.trBase, s.tr.base));
    this.writeDtable("gdt", merge(L?.gdtBase, s.gdt.base), s.gdt.limit);
    this.writeDtable("idt", merge(L?.idtBase, s.idt.base), s.idt.limit);
    sregs.set("cr0", BigInt(s.cr0 >>> 0));
    sregs.set("cr2", merge(L?.cr2, s.cr2));
    sregs.set("cr3", merge(L?.cr3, s.cr3));
    sregs.set("cr4", BigInt(s.cr4 >>> 0));
    sregs.set("cr8", L?.cr8 ?? 0);
    sregs.set("efer", BigInt(s.msrs[String(MSR_EFER)] ?? L?.efer ?? "0"));
    const defaultApicBase = 0xfee00000 | 0x800 | (opts.bsp ? 0x100 : 0);
    sregs.set("apic_base", BigInt(s.msrs[String(MSR_IA32_APICBASE)] ?? L?.apicBase ?? defaultApicBase));
    this.h.setSregs(sregs.bytes);

    const table = new Map<number, bigint>();
    for (const [k, v] of Object.entries(s.msrs)) {
      const idx = Number(k);
      if (!MSRS_NOT_FROM_TABLE.has(idx)) table.set(idx, BigInt(v));
    }
    table.set(MSR_IA32_TSC, BigInt(Math.max(0, Math.floor(s.tsc))));
    this.writeMsrs(table);

    // Without the in-kernel irqchip, KVM accepts only RUNNABLE; halting is then userspace's.
    const k = this.k;
    this.mp.clear();
    this.mp.set("mp_state", !opts.inKernelIrqchip ? k.KVM_MP_STATE_RUNNABLE
      : s.halted ? k.KVM_MP_STATE_HALTED
      : opts.bsp ? k.KVM_MP_STATE_RUNNABLE : k.KVM_MP_STATE_UNINITIALIZED);
    this.h.setMpState(this.mp.bytes);

    this.writeEvents(L?.events);

    const dbg = this.debug;
    dbg.clear();
    const [dbOff] = dbg.field("db");
    for (let i = 0; i < 4; i++) dbg.view.setBigUint64(dbOff + i * 8, BigInt((s.dr[i] ?? 0) >>> 0), true);
    dbg.set("dr6", BigInt((s.dr[6] ?? 0xffff0ff0) >>> 0));
    dbg.set("dr7", BigInt((s.dr[7] ?? 0x400) >>> 0));
    this.h.setDebugRegs(dbg.bytes);
  }

  private readMxcsr(): number {
    if (!this.xsave) return this.fpu.u("mxcsr");
    this.h.getXsave(this.xsave.bytes);
    return this.xsave.view.getUint32(FXSAVE_MXCSR, true);
  }

  /** After setFpu: the rest of the XSAVE area as it now is, with MXCSR put in. */
  private writeMxcsr(mxcsr: number): void {
    if (!this.xsave) return;
    this.h.getXsave(this.xsave.bytes);
    this.xsave.view.setUint32(FXSAVE_MXCSR, mxcsr >>> 0, true);
    this.h.setXsave(this.xsave.bytes);
  }

  private readSegment(name: string): SegmentState & { base64: bigint } {
    const [off] = this.sregs.field(name);
    const sg = this.seg;
    const f = (m: string): number => readUint(this.sregs.view, off, sg.field(m));
    const base = readU64(this.sregs.view, off, sg.field("base"));
    const present = f("present") && !f("unusable") ? 1 : 0;
    const flags = f("type") | (f("s") << 4) | (f("dpl") << 5) | (present << 7) |
      (f("avl") << 12) | (f("l") << 13) | (f("db") << 14) | (f("g") << 15);
    return { selector: f("selector"), base: lo32(base), limit: f("limit"), flags, base64: base };
  }

  private writeSegment(name: string, s: SegmentState, base: bigint): void {
    const [off] = this.sregs.field(name);
    const sg = this.seg;
    const w = (m: string, v: number | bigint): void => writeUint(this.sregs.view, off, sg.field(m), v);
    w("base", base);
    w("limit", s.limit >>> 0);
    w("selector", s.selector);
    w("type", s.flags & 0xf);
    w("s", (s.flags >> 4) & 1);
    w("dpl", (s.flags >> 5) & 3);
    w("present", (s.flags >> 7) & 1);
    w("avl", (s.flags >> 12) & 1);
    w("l", (s.flags >> 13) & 1);
    w("db", (s.flags >> 14) & 1);
    w("g", (s.flags >> 15) & 1);
    w("unusable", s.flags & AR_P ? 0 : 1);
  }

  private readDtable(name: string): { base: bigint; limit: number } {
    const [off] = this.sregs.field(name);
    return {
      base: readU64(this.sregs.view, off, this.dtable.field("base")),
      limit: readUint(this.sregs.view, off, this.dtable.field("limit")),
    };
  }

  private writeDtable(name: string, base: bigint, limit: number): void {
    const [off] = this.sregs.field(name);
    writeUint(this.sregs.view, off, this.dtable.field("base"), base);
    writeUint(this.sregs.view, off, this.dtable.field("limit"), limit);
  }

  /** Reads the listed MSRs, skipping those this KVM does not know (the ioctl stops at the first). */
  private readMsrs(list: number[]): Map<number, bigint> {
    const out = new Map<number, bigint>();
    let rest = list;
    while (rest.length > 0) {
      const idx = Uint32Array.from(rest);
      const vals = new BigUint64Array(rest.length);
      const n = this.h.getMsrs(idx, vals);
      for (let k = 0; k < n; k++) out.set(rest[k], vals[k]);
      rest = rest.slice(n + 1);
    }
    return out;
  }

  private writeMsrs(table: Map<number, bigint>): void {
    let idx = [...table.keys()];
    while (idx.length > 0) {
      const n = this.h.setMsrs(Uint32Array.from(idx), BigUint64Array.from(idx.map((k) => table.get(k) ?? 0n)));
      idx = idx.slice(n + 1);
    }
  }

  private readEvents(): VcpuEventState {
    const e = this.events;
    this.h.getVcpuEvents(e.bytes);
    return {
      exception: {
        injected: e.u("exception.injected") !== 0,
        nr: e.u("exception.nr"),
        ...(e.u("exception.has_error_code") ? { errorCode: e.u("exception.error_code") } : {}),
      },
      interrupt: { injected: e.u("interrupt.injected") !== 0, nr: e.u("interrupt.nr"), shadow: e.u("interrupt.shadow") },
      nmi: { injected: e.u("nmi.injected") !== 0, pending: e.u("nmi.pending") !== 0, masked: e.u("nmi.masked") !== 0 },
    };
  }

  private writeEvents(ev: VcpuEventState | undefined): void {
    const e = this.events;
    e.clear();
    if (ev) {
      e.set("exception.injected", ev.exception.injected ? 1 : 0);
      e.set("exception.nr", ev.exception.nr);
      e.set("exception.has_error_code", ev.exception.errorCode !== undefined ? 1 : 0);
      e.set("exception.error_code", ev.exception.errorCode ?? 0);
      e.set("interrupt.injected", ev.interrupt.injected ? 1 : 0);
      e.set("interrupt.nr", ev.interrupt.nr);
      e.set("interrupt.shadow", ev.interrupt.shadow);
      e.set("nmi.injected", ev.nmi.injected ? 1 : 0);
      e.set("nmi.pending", ev.nmi.pending ? 1 : 0);
      e.set("nmi.masked", ev.nmi.masked ? 1 : 0);
    }
    e.set("flags", this.k.KVM_VCPUEVENT_VALID_NMI_PENDING | this.k.KVM_VCPUEVENT_VALID_SHADOW);
    this.h.setVcpuEvents(e.bytes);
  }
}
