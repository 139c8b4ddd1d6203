/**
 * CPU models on KVM against real QEMU 7.2 on KVM (test/fixtures/kvm-cpu-models, made by
 * capture.py there): query-cpu-model-expansion for host, max and named models with
 * kernel-irqchip on, off and split; the warnings, errors and realized CPU properties of
 * `-M pc -accel kvm -cpu …`.
 *
 * QEMU's answers come from the host CPU and what its KVM supports, so they are compared only on
 * the CPU and KVM module the capture recorded; elsewhere only what holds on any host is checked.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadKvmAddon } from "../../../src/accel/kvm/kvm-addon.js";
import { kvmAvailability } from "../../../src/accel/kvm/kvm-available.js";
import { kvmSupportedFeatureWords, readKvmCpuFeatureHost } from "../../../src/accel/kvm/kvm-cpu-features.js";
import type { X86KernelIrqchip, X86KvmFeatures } from "../../../src/target/i386/cpu-accel-features.js";
import { queryX86CpuModelExpansion, type CpuModelExpansionType } from "../../../src/target/i386/cpu-model-expansion.js";
import type { JsonObject } from "../../../src/qobject/json-value.js";
import { fakeFirmwareDir } from "../../helpers/firmware.js";
import { hostCpuSignature, hostMismatch, type RecordedHost } from "../../helpers/host-cpu.js";
import { MAIN } from "../../integration/helpers.js";
import { runQmpProbe } from "../../integration/qmp-probe.js";

interface Expansion {
  readonly "kernel-irqchip": X86KernelIrqchip;
  readonly arguments: { readonly type: CpuModelExpansionType; readonly model: { readonly name: string; readonly props?: JsonObject } };
  readonly reply: string;
}
interface Run {
  readonly cpu: string;
  readonly stderr: string;
  /** null: QEMU came up (and was stopped). */
  readonly exit: number | null;
}
interface Realized {
  readonly cpu: string;
  readonly props: Readonly<Record<string, string>>;
}
interface Capture {
  readonly host: RecordedHost;
  readonly expansions: readonly Expansion[];
  readonly runs: readonly Run[];
  readonly realized: readonly Realized[];
}

const capture = JSON.parse(
  readFileSync(new URL("../../fixtures/kvm-cpu-models/qemu-7.2-kvm.json", import.meta.url), "utf8"),
) as Capture;

const BASE = ["-S", "-no-user-config", "-nodefaults", "-nographic"];
/** Every realized property is compared (tsc-frequency too: KVM's rate, KVM_GET_TSC_KHZ). */
const NOT_COMPARED = new Set<string>();

function skipReason(): string | undefined {
  try {
    loadKvmAddon();
  } catch (err) {
    return (err as Error).message;
  }
  const avail = kvmAvailability();
  if (!avail.usable) return `/dev/kvm is not usable: ${avail.error}`;
  return undefined;
}

const skip = skipReason();
const mismatch = skip ?? hostMismatch(capture.host);
if (skip) console.warn(`test/accel/kvm/kvm-cpu-models.test.ts skipped: ${skip}`);
else if (mismatch) console.warn(`test/accel/kvm/kvm-cpu-models.test.ts: QEMU's captured answers not compared: ${mismatch}`);

/** What KVM supports for a machine with that irqchip mode (read from /dev/kvm, no VM needed). */
function kvmFeatures(mode: X86KernelIrqchip): X86KvmFeatures {
  const addon = loadKvmAddon();
  const kvm = new addon.Kvm("/dev/kvm");
  try {
    return kvmSupportedFeatureWords(readKvmCpuFeatureHost(kvm, addon.constants, mode));
  } finally {
    kvm.close();
  }
}

function expand(e: Pick<Expansion, "kernel-irqchip" | "arguments">): JsonObject {
  return queryX86CpuModelExpansion(e.arguments.type, e.arguments.model, {
    accel: kvmFeatures(e["kernel-irqchip"]),
    genericProps: { realized: false, "start-powered-off": false, memory: "/machine/unattached/system[0]" },
  }).model.props;
}

/**
 * A JSON value with object keys sorted, to compare content without QEMU's hash order. 64-bit
 * values (qomd keeps them as bigint) become the double JSON.parse makes of QEMU's digits.
 */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === "bigint") return Number(x);
    if (x && typeof x === "object" && !Array.isArray(x)) {
      return Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return x;
  });
}

/** `qomd run ARGS` with a QMP socket: each command's reply line (after capabilities negotiation) and stderr. */
async function qomdQmp(args: string[], commands: readonly object[]): Promise<{ replies: string[]; stderr: string }> {
  const got = await runQmpProbe("qomd", args, [{ execute: "qmp_capabilities" }, ...commands]);
  return { replies: got.replies.slice(1), stderr: got.stderr };
}

function replyValue(line: string): unknown {
  return (JSON.parse(line) as { return: unknown }).return;
}

describe.skipIf(skip !== undefined)(`CPU models on KVM${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("expands built-in models with KVM's defaults and the host's vendor, on any host", () => {
    const vendor = hostCpuSignature()?.vendor;
    const on = expand({ "kernel-irqchip": "on", arguments: { type: "static", model: { name: "Opteron_G2" } } });
    // An AMD model on KVM still reports the host's vendor.
    if (vendor) expect(on["vendor"]).toBe(vendor);
    expect([on["kvmclock"], on["kvm-asyncpf"], on["x2apic"], on["kvm-msi-ext-dest-id"], on["svm"]]).toEqual([true, true, true, false, false]);
    const off = expand({ "kernel-irqchip": "off", arguments: { type: "static", model: { name: "qemu64" } } });
    expect([off["x2apic"], off["kvm-msi-ext-dest-id"]]).toEqual([false, false]);
    const split = expand({ "kernel-irqchip": "split", arguments: { type: "static", model: { name: "qemu64" } } });
    expect([split["x2apic"], split["kvm-msi-ext-dest-id"]]).toEqual([true, true]);
  });

  it("expands host and max as the host CPU, at KVM's CPUID levels", () => {
    const cpu = hostCpuSignature();
    const accel = kvmFeatures("on");
    for (const name of ["host", "max"]) {
      const p = expand({ "kernel-irqchip": "on", arguments: { type: "full", model: { name } } });
      if (cpu) expect([p["vendor"], p["family"], p["model"], p["stepping"]]).toEqual([cpu.vendor, cpu.family, cpu.model, cpu.stepping]);
      expect([p["min-level"], p["min-xlevel"], p["host-phys-bits"], p["pmu"]]).toEqual([accel.levels?.level, accel.levels?.xlevel, true, true]);
    }
  });

  describe.skipIf(mismatch !== undefined)(`as QEMU 7.2 on this host${mismatch ? ` (not compared: ${mismatch})` : ""}`, () => {
    it("query-cpu-model-expansion: every captured reply, content (all irqchip modes)", () => {
      for (const e of capture.expansions) {
        const want = replyValue(e.reply) as { model: { props: JsonObject } };
        expect(canonical(expand(e)), `${e["kernel-irqchip"]} ${JSON.stringify(e.arguments)}`).toBe(canonical(want.model.props));
      }
    });

    it.each(["on", "off", "split"] as const)(
      "query-cpu-model-expansion through `qomd run -accel kvm,kernel-irqchip=%s`: static replies byte for byte",
      async (mode) => {
        const cases = capture.expansions.filter((e) => e["kernel-irqchip"] === mode);
        const commands = cases.map((e) => ({ execute: "query-cpu-model-expansion", arguments: e.arguments }));
        const got = await qomdQmp([...BASE, "-machine", "none", "-accel", `kvm,kernel-irqchip=${mode}`], commands);
        cases.forEach((e, i) => {
          const what = `${mode} ${JSON.stringify(e.arguments)}`;
          // QEMU lists a full expansion in its CPU property table's order, which qomd does not reproduce.
          if (e.arguments.type === "full") expect(canonical(replyValue(got.replies[i]!)), what).toBe(canonical(replyValue(e.reply)));
          else expect(got.replies[i], what).toBe(e.reply);
        });
      },
      60_000,
    );

    it.each(capture.runs.map((r) => [r.cpu, r] as const))(
      "`qomd run -M pc -accel kvm -cpu %s` prints what QEMU prints",
      async (_cpu, r) => {
        const args = [...BASE, "-M", "pc", "-accel", "kvm", "-cpu", r.cpu, "-display", "none", "-L", fakeFirmwareDir()];
        if (r.exit !== null) {
          const p = spawnSync(process.execPath, [MAIN, "run", ...args], { encoding: "utf8", timeout: 30_000 });
          expect(p.stderr).toBe(r.stderr);
          expect(p.status).toBe(r.exit);
        } else {
          const got = await qomdQmp(args, [{ execute: "query-status" }]);
          expect(got.stderr).toBe(r.stderr);
        }
      },
      60_000,
    );

    it.each(capture.realized.map((r) => [r.cpu, r] as const))(
      "the realized CPU of `-cpu %s` has QEMU's properties",
      async (_cpu, r) => {
        const names = Object.keys(r.props).filter((n) => !NOT_COMPARED.has(n));
        const commands = names.map((property) => ({
          execute: "qom-get",
          arguments: { path: "/machine/unattached/device[0]", property },
        }));
        const args = [...BASE, "-M", "pc", "-accel", "kvm", "-cpu", r.cpu, "-display", "none", "-L", fakeFirmwareDir()];
        const got = await qomdQmp(args, commands);
        names.forEach((n, i) => expect(got.replies[i], n).toBe(r.props[n]));
      },
      60_000,
    );
  });
});
