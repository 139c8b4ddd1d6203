// HMP `info registers` and `xp` on a paused pc machine, against QEMU 7.2's output at reset.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fakeFirmwareDir } from "../helpers/firmware.js";
import { ROOT, qmpConnect, removeDir, startProcess, tempDir } from "./helpers.js";

const dir = tempDir("qomd-hmp-");
afterAll(() => removeDir(dir));

async function waitFor(path: string): Promise<void> {
  const { existsSync } = await import("node:fs");
  for (let i = 0; i < 500 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("HMP on a paused pc machine", () => {
  it("info registers is QEMU's text at reset, and xp reads the firmware's reset vector", async () => {
    const sock = join(dir, "qmp.sock");
    const fw = fakeFirmwareDir();
    // The last 16 bytes of QEMU's SeaBIOS image at 0xfffffff0: a far jump and the build date.
    const { writeFileSync } = await import("node:fs");
    const bios = Buffer.alloc(256 * 1024);
    Buffer.from("ea5be000f0303" + "62f32332f3939" + "00fc00", "hex").copy(bios, bios.length - 16);
    writeFileSync(join(fw, "bios-256k.bin"), bios);
    const p = startProcess(["run", "-L", fw, "-M", "pc", "-S", "-nodefaults", "-display", "none", "-qmp", `unix:${sock},server=on,wait=off`]);
    await waitFor(sock);
    const qmp = await qmpConnect(sock);
    const regs = await qmp.cmd("human-monitor-command", { "command-line": "info registers" });
    expect(regs).toEqual({ return: readFileSync(join(ROOT, "test/fixtures/qemu-7.2/hmp.info_registers.pc-reset.txt"), "utf8") });
    const xp = await qmp.cmd("human-monitor-command", { "command-line": "xp /4xw 0xfffffff0" });
    expect(xp).toEqual({ return: "00000000fffffff0: 0x00e05bea 0x2f3630f0 0x392f3332 0x00fc0039\r\n" });
    await qmp.cmd("quit");
    await p.exited;
  });
});
