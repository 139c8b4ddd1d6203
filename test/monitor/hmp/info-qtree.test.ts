/**
 * HMP `info qtree` against QEMU 7.2's output for the same command lines
 * (test/fixtures/qtree/qemu-7.2-qtree.json, made by capture.py there).
 * Lines that differ must be exactly the ones KNOWN lists for that
 * configuration, each with the reason (all are other modules' state, not
 * the printer's).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sizeToStr } from "../../../src/monitor/hmp/info-qtree.js";
import { testMachine } from "../machine-fixture.js";

const captures = JSON.parse(readFileSync(new URL("../../fixtures/qtree/qemu-7.2-qtree.json", import.meta.url), "utf8")) as Record<
  string,
  { args: string[]; qtree: string }
>;

const dir = mkdtempSync(join(tmpdir(), "qomd-qtree-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withImages(args: string[]): string[] {
  return args.map((a) =>
    a.replace(/@IMAGE:(\w+)@/, (_m, id: string) => {
      const path = join(dir, `${id}.img`);
      writeFileSync(path, new Uint8Array(1 << 20));
      return path;
    }),
  );
}

/** The lines only QEMU prints ("-") and only qomd prints ("+"), in order: a plain LCS diff. */
function lineDiff(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+${b[j++]!.trim()}`);
    else out.push(`-${a[i++]!.trim()}`);
  }
  return out;
}

/**
 * What differs from QEMU, and why: none of it is the printer's. Each rule takes the diff lines
 * it explains; whatever is left must be nothing.
 */
const KNOWN: ReadonlyArray<{ why: string; takes: (line: string) => boolean }> = [
  {
    why: "hpet and ioapic map their registers directly instead of through sysbus_init_mmio (src/hw/timer, src/hw/intc), so sysbus has no MMIO window to print for them",
    takes: (l) => l === "-mmio 00000000fed00000/0000000000000400" || l === "-mmio 00000000fec00000/0000000000001000",
  },
  {
    why: "IDE and virtio-blk devices do not yet set what QEMU's realize derives from the drive and geometry (block sizes, discard granularity, ATA version and serial, CHS and its translation, the queue count): src/hw/ide, src/hw/virtio",
    takes: (l) => /^[+-](logical_block_size|physical_block_size|discard_granularity|ver|serial|cyls|heads|secs|bios-chs-trans|num-queues) = /.test(l),
  },
  {
    why: "virtio-pci does not resolve disable-legacy=auto at realize (QEMU: off on a conventional PCI bus): src/hw/virtio",
    takes: (l) => l === '-disable-legacy = "off"' || l === '+disable-legacy = "auto"',
  },
  {
    why: "modern-only virtio-pci devices get the virtio subsystem id instead of QEMU's 1af4:1100: src/hw/virtio",
    takes: (l) => /^[+-]class .* pci id 1af4:104\d \(sub 1af4:(1100|000\d)\)$/.test(l),
  },
  {
    why: "isapc's default VGA, isa-cirrus-vga, is not modelled",
    takes: (l) => l === '-dev: isa-cirrus-vga, id ""' || l === "-vgamem_mb = 4 (0x4)" || l === "-blitter = true",
  },
];

describe("info qtree", () => {
  it("sizes print as QEMU's size_to_str", () => {
    expect(sizeToStr(0)).toBe("0 B");
    expect(sizeToStr(512)).toBe("512 B");
    expect(sizeToStr(1000)).toBe("0.977 KiB");
    expect(sizeToStr(1536)).toBe("1.5 KiB");
    expect(sizeToStr(2147483648)).toBe("2 GiB");
    expect(sizeToStr(4294967295)).toBe("4 GiB");
    expect(sizeToStr(65536)).toBe("64 KiB");
  });

  for (const [name, capture] of Object.entries(captures)) {
    it(`${name}: ${capture.args.join(" ")}`, async () => {
      const m = await testMachine([...withImages(capture.args), "-S", "-display", "none"]);
      try {
        const ours = (m.run("human-monitor-command", { "command-line": "info qtree" }) as string).split("\r\n");
        expect(ours.at(-1)).toBe("");
        const diff = lineDiff(capture.qtree.replace(/\n$/, "").split("\n"), ours.slice(0, -1));
        // A value difference shows as a removed and an added line for the same property.
        const changed = (l: string) => l.slice(1).split(" = ")[0];
        const removed = diff.filter((l) => l.startsWith("-") && l.includes(" = ")).map(changed).sort();
        const added = diff.filter((l) => l.startsWith("+") && l.includes(" = ")).map(changed).sort();
        const unexplained = diff.filter((l) => !KNOWN.some((k) => k.takes(l)));
        expect(unexplained).toEqual([]);
        // Values may differ, but qomd prints the same properties (isapc's missing VGA aside).
        expect(added).toEqual(removed.filter((n) => !(name === "isapc-defaults" && (n === "vgamem_mb" || n === "blitter"))));
      } finally {
        await m.instance.chardevs.closeAll();
      }
    });
  }
});
