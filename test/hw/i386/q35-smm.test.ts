/**
 * SeaBIOS's SMM set-up on `-M q35` under tcg, seen from the CPU (QEMU 7.2 behaves the same): with
 * SMM (the default) the firmware's APM command raises an SMI through the ICH9 and its handler
 * relocates SMBASE from 0x30000 to 0xa0000 (SMRAM behind the VGA window); with `smm=off` SMI_EN
 * starts with APMC_EN set, so SeaBIOS believes SMM is initialised and never raises one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { X86Vcpu } from "../../../src/softmmu/x86-vcpus.js";
import { runQ35Disk, seabiosMissing } from "../../helpers/q35-guest-run.js";

if (seabiosMissing) console.warn(`q35-smm: skipped, missing ${seabiosMissing}`);

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function bsp(vcpus: ReadonlyArray<unknown>): X86Vcpu {
  return vcpus[0] as X86Vcpu;
}

describe.skipIf(seabiosMissing !== undefined)("q35 SMM under SeaBIOS (tcg)", () => {
  it("the firmware's SMI relocates SMBASE to 0xa0000, and SMM is left again before the boot", async () => {
    dir = mkdtempSync(join(tmpdir(), "q35-smm-"));
    const r = await runQ35Disk(dir, "q35", "tcg");
    expect(r.exit).toBe(67);
    const cpu = bsp(r.runtime.runControl.vcpus).vcpu.cpu;
    expect(cpu.smbase).toBe(0xa0000);
    expect(cpu.smiCount).toBeGreaterThanOrEqual(1);
    expect(cpu.inSmm).toBe(false);
  }, 120_000);

  it("smm=off: no SMI ever, SMBASE stays at its reset value, and the disk still boots", async () => {
    dir = mkdtempSync(join(tmpdir(), "q35-smm-"));
    const r = await runQ35Disk(dir, "q35,smm=off", "tcg");
    expect(r.exit).toBe(67);
    expect(r.serial).toContain("qomd guest: hello from the boot sector\r\n");
    const cpu = bsp(r.runtime.runControl.vcpus).vcpu.cpu;
    expect(cpu.smiCount).toBe(0);
    expect(cpu.smbase).toBe(0x30000);
  }, 120_000);
});
