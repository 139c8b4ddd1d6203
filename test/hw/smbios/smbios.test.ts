/**
 * The SMBIOS fw_cfg files against QEMU 7.2's, read from the real qemu-system-x86_64 through its
 * fw_cfg ports (test/fixtures/qemu-7.2/fw-cfg/capture.py), for the command lines stored beside
 * them; and -smbios option errors with QEMU's texts.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMachine } from "../../../src/softmmu/vl.js";
import { fwCfgFind, fwCfgGetItem } from "../../../src/hw/nvram/fw-cfg.js";
import { CliError } from "../../../src/softmmu/cli-error.js";
import { SmbiosConfig } from "../../../src/hw/smbios/smbios-config.js";
import { smbiosBuildTables } from "../../../src/hw/smbios/smbios-tables.js";

const FIXTURES = join(__dirname, "../../fixtures/qemu-7.2/fw-cfg");
const cases = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

/** The capture's arguments after `qemu-system-x86_64 -S`, with files taken from the fixture directory. */
function argvOf(name: string): string[] {
  const words = readFileSync(join(FIXTURES, name, "cmdline"), "utf8").trim().split(/\s+/).slice(2);
  return words.map((w) => w.replace(/^file=(?!\/)/, `file=${join(FIXTURES, name)}/`));
}

async function fwCfgFile(argv: string[], file: string): Promise<Uint8Array | undefined> {
  const inst = await createMachine(["-S", "-display", "none", ...argv], { prog: "qemu-system-x86_64" });
  const fwCfg = fwCfgFind(inst.registry);
  return fwCfg ? fwCfgGetItem(fwCfg, file) : undefined;
}

describe("SMBIOS tables through fw_cfg, as QEMU 7.2 builds them", () => {
  it("has captures to compare with", () => {
    expect(cases).toContain("pc-nodefaults");
    expect(cases).toContain("pc-smbios-fields");
  });
  for (const name of cases) {
    it(`${name}: etc/smbios/smbios-tables and smbios-anchor equal QEMU's`, async () => {
      const argv = argvOf(name);
      for (const file of ["etc/smbios/smbios-tables", "etc/smbios/smbios-anchor"]) {
        const want = readFileSync(join(FIXTURES, name, file.replace(/\//g, "_")));
        const got = await fwCfgFile(argv, file);
        expect(Buffer.from(got ?? []).toString("hex"), `${name} ${file}`).toBe(want.toString("hex"));
      }
    });
  }

  it("isapc, a legacy SMBIOS machine, gets no SMBIOS files (as QEMU 7.2)", async () => {
    expect(await fwCfgFile(["-M", "isapc", "-nodefaults"], "etc/smbios/smbios-tables")).toBeUndefined();
  });
});

describe("-smbios errors, with QEMU 7.2's texts", () => {
  const cases: Array<[string, string]> = [
    ["type=41,designation=x,kind=bogus", "qemu-system-x86_64: -smbios type=41,designation=x,kind=bogus: invalid parameter value: bogus"],
    ["type=4,max-speed=70000", "qemu-system-x86_64: -smbios type=4,max-speed=70000: SMBIOS CPU speed is too large (> 65535)"],
    ["type=0,release=1", "qemu-system-x86_64: -smbios type=0,release=1: Invalid release"],
    ["type=1,uuid=zz", "qemu-system-x86_64: -smbios type=1,uuid=zz: Invalid UUID"],
    ["type=9", "qemu-system-x86_64: -smbios type=9: Don't know how to build fields for SMBIOS type 9"],
    ["foo=bar", "qemu-system-x86_64: -smbios foo=bar: Must specify type= or file="],
    ["type=1,bogus=1", "qemu-system-x86_64: -smbios type=1,bogus=1: Invalid parameter 'bogus'"],
    ["type=128", "qemu-system-x86_64: -smbios type=128: out of range!"],
    ["file=/nonexistent", "qemu-system-x86_64: -smbios file=/nonexistent: Cannot read SMBIOS file /nonexistent"],
    ["type=0,uefi=maybe", "qemu-system-x86_64: -smbios type=0,uefi=maybe: Parameter 'uefi' expects 'on' or 'off'"],
    ["type=17,speed=x", "qemu-system-x86_64: -smbios type=17,speed=x: Parameter 'speed' expects a number"],
    ["type=11,path=/nonexist", "qemu-system-x86_64: -smbios type=11,path=/nonexist: Could not open '/nonexist': No such file or directory"],
    ["type=41,designation=x,pcidev=nope", "qemu-system-x86_64: No PCI device nope for SMBIOS type 41 entry x"],
  ];
  for (const [arg, message] of cases) {
    it(`-smbios ${arg}`, async () => {
      const err = await createMachine(["-M", "pc", "-nodefaults", "-S", "-display", "none", "-smbios", arg], { prog: "qemu-system-x86_64" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).message).toBe(message);
    });
  }
});

describe("SMBIOS tables for more RAM than qomd can allocate in a test", () => {
  it("20 GiB on 2 sockets: two 'DIMMs' (16 GiB + 4 GiB) and two RAM areas, as QEMU's -smp 4,sockets=2,cores=2 -m 20G", () => {
    const dir = join(FIXTURES, "../fw-cfg-unit/pc-smp4-20g");
    const GiB = 1024 ** 3;
    const { tables, anchor } = smbiosBuildTables(new SmbiosConfig(), {
      manufacturer: "QEMU",
      product: "Standard PC (i440FX + PIIX, 1996)",
      version: "pc-i440fx-7.2",
      entryPointType: 32,
      uuidEncoded: true,
      sockets: 2,
      coresPerSocket: 2,
      threadsPerSocket: 2,
      // qemu64's CPUID[1].EAX and EDX features.
      cpuidVersion: 0x00060fb1,
      cpuidFeatures: 0x078bfbfd,
      ramSize: 20 * GiB,
      memAreas: [
        { address: 0, length: 3 * GiB },
        { address: 4 * GiB, length: 17 * GiB },
      ],
      findPciDevice: () => undefined,
    });
    expect(Buffer.from(tables).toString("hex")).toBe(readFileSync(join(dir, "etc_smbios_smbios-tables")).toString("hex"));
    expect(Buffer.from(anchor).toString("hex")).toBe(readFileSync(join(dir, "etc_smbios_smbios-anchor")).toString("hex"));
  });
});
