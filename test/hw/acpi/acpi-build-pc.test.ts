/**
 * The ACPI fw_cfg files of the i440FX and Q35 machines — etc/acpi/tables, etc/acpi/rsdp and
 * etc/table-loader — against QEMU 7.2's, read from the real qemu-system-x86_64 through its fw_cfg
 * ports (test/fixtures/qemu-7.2/fw-cfg/capture.py) for the command lines stored beside them:
 * every byte of FACS, DSDT, FACP, APIC, HPET, MCFG, WAET, RSDT, the RSDP and the loader commands.
 * `qtest-pre` (when present) holds port writes QEMU got before the files were read; they are
 * replayed here, so the rebuild on the firmware's first read is checked too.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createMachine } from "../../../src/softmmu/vl.js";
import { fwCfgFind, fwCfgGetItem, fwCfgSelect, type FwCfgState } from "../../../src/hw/nvram/fw-cfg.js";
import { addressSpaceIo } from "../../../src/exec/memory.js";
import { cpuStore } from "../../../src/accel/tcg/tcg-bus.js";

const FIXTURES = join(__dirname, "../../fixtures/qemu-7.2/fw-cfg");
const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(FIXTURES, d.name, "etc_acpi_tables.gz")))
  .map((d) => d.name);

function expected(name: string, file: string): Buffer {
  const base = join(FIXTURES, name, file.replace(/\//g, "_"));
  return existsSync(base) ? readFileSync(base) : gunzipSync(readFileSync(`${base}.gz`));
}

/** Reads a file as the firmware does: selecting it first (which may rebuild it). */
function read(fwCfg: FwCfgState, file: string): Uint8Array | undefined {
  const entry = fwCfg.files?.find((f) => f.name === file);
  if (entry) fwCfgSelect(fwCfg, entry.select);
  return fwCfgGetItem(fwCfg, file);
}

describe("ACPI tables through fw_cfg, as QEMU 7.2 builds them for -M pc and -M q35", () => {
  it("has captures to compare with", () => {
    expect(cases).toEqual(expect.arrayContaining(["pc-nodefaults", "pc-defaults", "pc-pmbase", "q35-nodefaults", "q35-firmware-set"]));
  });
  for (const name of cases) {
    it(`${name}: etc/acpi/tables, etc/acpi/rsdp and etc/table-loader equal QEMU's`, async () => {
      const argv = readFileSync(join(FIXTURES, name, "cmdline"), "utf8").trim().split(/\s+/).slice(2);
      const inst = await createMachine(["-S", "-display", "none", ...argv], { prog: "qemu-system-x86_64" });
      const pre = join(FIXTURES, name, "qtest-pre");
      if (existsSync(pre)) {
        const io = addressSpaceIo(inst.registry);
        for (const line of readFileSync(pre, "utf8").trim().split("\n")) {
          const [cmd, port, value] = line.split(/\s+/);
          const size = ({ outb: 1, outw: 2, outl: 4 } as const)[cmd as "outb" | "outw" | "outl"];
          cpuStore(io, Number(port), Number(value), size);
        }
      }
      const fwCfg = fwCfgFind(inst.registry)!;
      for (const file of ["etc/acpi/tables", "etc/acpi/rsdp", "etc/table-loader"]) {
        const got = Buffer.from(read(fwCfg, file) ?? []);
        expect(got.toString("hex"), `${name} ${file}`).toBe(expected(name, file).toString("hex"));
      }
    });
  }
});
