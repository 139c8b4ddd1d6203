/**
 * `-cpu …,tsc-frequency=` on KVM through `qomd run`, as QEMU 7.2's kvm_arch_set_tsc_khz: a rate
 * KVM can give the vCPU (TSC scaling, or within 250 ppm of the host's) is what qom-get reports; one
 * it cannot ends the program with QEMU's warning and kvm_init_vcpu error. Without tsc-frequency
 * the CPU reports KVM's rate.
 */
import { describe, expect, it } from "vitest";
import { loadKvmAddon } from "../../../src/accel/kvm/kvm-addon.js";
import { qmpConnect, removeDir, startDaemon, startProcess } from "../../integration/helpers.js";
import { kvmSkipReason } from "./guest-harness.js";

const skip = kvmSkipReason();
if (skip) console.warn(`test/accel/kvm/kvm-tsc.test.ts skipped: ${skip}`);

/** The host's TSC rate as KVM gives it to a new vCPU, and whether KVM can scale it. */
function hostTsc(): { khz: number; scaling: boolean } {
  const addon = loadKvmAddon();
  const kvm = new addon.Kvm();
  const vm = new addon.Vm(kvm);
  const vcpu = new addon.Vcpu(vm, 0);
  try {
    return { khz: vcpu.getTscKhz(), scaling: vm.checkExtension(addon.constants.KVM_CAP_TSC_CONTROL!) > 0 };
  } finally {
    vcpu.close();
    vm.close();
    kvm.close();
  }
}

async function tscRun(cpu: string): Promise<{ status: unknown; stderr: string; tsc: unknown }> {
  const p = startProcess(["run", "-M", "pc", "-nodefaults", "-accel", "kvm", "-display", "none", "-cpu", cpu, "-S", "-qmp", "stdio"]);
  p.child.stdin!.end(
    [
      '{"execute":"qmp_capabilities"}',
      '{"execute":"qom-get","arguments":{"path":"/machine/unattached/device[0]","property":"tsc-frequency"}}',
      '{"execute":"quit"}',
      "",
    ].join("\n"),
  );
  const status = await p.exited;
  const replies = p.stdout.split(/\r?\n/).filter((l) => l.startsWith('{"return": ') && l !== '{"return": {}}');
  return { status, stderr: p.stderr, tsc: replies[0] === undefined ? undefined : (JSON.parse(replies[0]) as { return: unknown }).return };
}

const warningsOf = (stderr: string) => stderr.split("\n").filter((l) => l.length > 0 && !l.includes("doesn't support requested feature"));

describe.skipIf(skip !== undefined)(`tsc-frequency on KVM${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("without one, the CPU reports KVM's rate; within 250 ppm of it, the rate asked for", async () => {
    const host = hostTsc();
    expect((await tscRun("qemu64")).tsc).toBe(host.khz * 1000);
    const near = host.khz + Math.trunc((host.khz * 200) / 1000000);
    expect(await tscRun(`qemu64,tsc-frequency=${near * 1000}`)).toMatchObject({ status: 0, tsc: near * 1000 });
  }, 60_000);

  it("a rate KVM cannot give: QEMU's warning and error, exit status 1 (or the rate, with TSC scaling)", async () => {
    const host = hostTsc();
    const want = Math.trunc(host.khz / 2);
    const r = await tscRun(`qemu64,tsc-frequency=${want * 1000}`);
    if (host.scaling) {
      expect(r).toMatchObject({ status: 0, tsc: want * 1000 });
      return;
    }
    expect(r.status).toBe(1);
    expect(warningsOf(r.stderr)).toEqual([
      `qemu-system-x86_64: warning: TSC frequency mismatch between VM (${want} kHz) and host (${host.khz} kHz), and TSC scaling unavailable`,
      "qemu-system-x86_64: kvm_init_vcpu: kvm_arch_init_vcpu failed (0): Operation not supported",
    ]);
  }, 60_000);

  it("the daemon: machine-create answers with QEMU's error, and the daemon goes on", async () => {
    const host = hostTsc();
    if (host.scaling) return;
    const d = await startDaemon();
    try {
      const c = await qmpConnect(d.controlPath);
      const argv = ["-M", "pc", "-nodefaults", "-accel", "kvm", "-cpu", `qemu64,tsc-frequency=${Math.trunc(host.khz / 2) * 1000}`];
      expect(await c.cmd("machine-create", { name: "t", argv })).toEqual({
        error: { class: "GenericError", desc: "kvm_init_vcpu: kvm_arch_init_vcpu failed (0): Operation not supported" },
      });
      expect(await c.cmd("machine-list")).toEqual({ return: [] });
      c.close();
    } finally {
      await d.stop();
      removeDir(d.dir);
    }
  }, 60_000);
});
