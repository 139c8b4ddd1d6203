/**
 * query-cpu-definitions on KVM against real QEMU 7.2's reply on KVM, captured on the host these
 * tests were written on (test/fixtures/libvirt-probe, "kvm:tcg" reply 41). The reply depends on
 * what the host's KVM supports, so it is only compared where /dev/kvm answers as it did there.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KvmAccel } from "../../../src/accel/kvm/kvm-accel.js";
import { loadKvmAddon } from "../../../src/accel/kvm/kvm-addon.js";
import { kvmAvailability } from "../../../src/accel/kvm/kvm-available.js";
import { queryX86CpuDefinitions } from "../../../src/target/i386/cpu-definitions.js";
import { hostMismatch, type RecordedHost } from "../../helpers/host-cpu.js";

const FIXTURE = new URL("../../fixtures/libvirt-probe/qemu-7.2-replies.json", import.meta.url);
const CPU_DEFINITIONS_REPLY = 41;

interface Captured {
  readonly host: { readonly "dev-kvm": boolean; readonly "dev-sgx-vepc": boolean; readonly "kvm-amd-sev": string | null } & RecordedHost;
  readonly "kvm:tcg": readonly string[];
}

const captured = JSON.parse(readFileSync(FIXTURE, "utf8")) as Captured;

function skipReason(): string | undefined {
  try {
    loadKvmAddon();
  } catch (err) {
    return (err as Error).message;
  }
  const avail = kvmAvailability();
  if (!avail.usable) return `/dev/kvm is not usable: ${avail.error}`;
  if (!captured.host["dev-kvm"]) return "the fixture was not captured on KVM";
  return undefined;
}

function readParam(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

/** The host facts the fixture recorded (as test/integration/libvirt-probe.test.ts checks them), and its CPU. */
const CPU_MISMATCH = hostMismatch(captured.host);
const SAME_HOST_AS_FIXTURE =
  captured.host["dev-sgx-vepc"] === existsSync("/dev/sgx_vepc") &&
  captured.host["kvm-amd-sev"] === readParam("/sys/module/kvm_amd/parameters/sev") &&
  CPU_MISMATCH === undefined;
if (CPU_MISMATCH) console.warn(`test/accel/kvm/kvm-cpu-definitions.test.ts: QEMU's reply compared by model names only: ${CPU_MISMATCH}`);

const skip = skipReason();
if (skip) console.warn(`test/accel/kvm/kvm-cpu-definitions.test.ts skipped: ${skip}`);

describe.skipIf(skip !== undefined)(`query-cpu-definitions on KVM${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("equals QEMU 7.2's reply on this host's KVM, 'host' usable and every model filtered by KVM", () => {
    const want = (JSON.parse(captured["kvm:tcg"][CPU_DEFINITIONS_REPLY]!) as { return: unknown })["return"];
    const accel = KvmAccel.create({});
    try {
      // The probe's machine ("none") resolves unversioned names to version 1.
      const got = queryX86CpuDefinitions(1, [], accel.cpuFeatures());
      const host = got.find((d) => d["name"] === "host");
      expect(host?.["unavailable-features"]).toEqual([]);
      if (SAME_HOST_AS_FIXTURE) {
        expect(JSON.stringify(got)).toBe(JSON.stringify(want));
      } else {
        // Another host's KVM supports other features: only the models and their order must agree.
        expect(got.map((d) => d["name"])).toEqual((want as Array<{ name: string }>).map((d) => d.name));
      }
    } finally {
      accel.close();
    }
  });

  it("still answers TCG's reply without KVM's features", () => {
    const host = queryX86CpuDefinitions(1, []).find((d) => d["name"] === "host");
    expect(host?.["unavailable-features"]).toEqual(["kvm"]);
  });
});
