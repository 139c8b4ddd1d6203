/**
 * SeaBIOS's SMM set-up under tcg, seen from the CPU (QEMU 7.2 behaves the same): with SMM (the
 * default) the firmware's APM command raises an SMI (q35: through the ICH9 to the CPU that wrote
 * it; pc: PIIX4's SMI line to the first CPU) and its handler relocates SMBASE from 0x30000 to
 * 0xa0000 (SMRAM behind the VGA window, opened by the MCH / i440FX); with `smm=off` the chipset
 * says SMM is already initialised (ICH9 SMI_EN.APMC_EN, PIIX4 config 0x5b bit 1), so SeaBIOS never
 * raises one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { X86Vcpu } from "../../../src/softmmu/x86-vcpus.js";
import { runDiskGuest, seabiosMissing } from "../../helpers/disk-guest-run.js";

if (seabiosMissing) console.warn(`q35-smm: skipped, missing ${seabiosMissing}`);

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function bsp(vcpus: ReadonlyArray<unknown>): X86Vcpu {
  return vcpus[0] as X86Vcpu;
}

describe.skipIf(seabiosMissing !== undefined)("SMM under SeaBIOS (tcg)", () => {
  for (const machine of ["q35", "pc"]) {
    it(`-M ${machine}: the firmware's SMI relocates SMBASE to 0xa0000, and SMM is left again before the boot`, async () => {
      dir = mkdtempSync(join(tmpdir(), "smm-"));
      const r = await runDiskGuest(dir, machine, "tcg");
      expect(r.exit).toBe(67);
      expect(r.serial).toContain("qomd guest: hello from the boot sector\r\n");
      const cpu = bsp(r.runtime.runControl.vcpus).vcpu.cpu;
      expect(cpu.smbase).toBe(0xa0000);
      expect(cpu.smiCount).toBeGreaterThanOrEqual(1);
      expect(cpu.inSmm).toBe(false);
    }, 120_000);

    it(`-M ${machine},smm=off: no SMI ever, SMBASE stays at its reset value, and the disk still boots`, async () => {
      dir = mkdtempSync(join(tmpdir(), "smm-"));
      const r = await runDiskGuest(dir, `${machine},smm=off`, "tcg");
      expect(r.exit).toBe(67);
      expect(r.serial).toContain("qomd guest: hello from the boot sector\r\n");
      const cpu = bsp(r.runtime.runControl.vcpus).vcpu.cpu;
      expect(cpu.smiCount).toBe(0);
      expect(cpu.smbase).toBe(0x30000);
    }, 120_000);
  }
});
