/**
 * The small machine queries qomd answers as QEMU 7.2 does on the same command
 * line: TPM, migration capabilities, SEV/SGX errors, display, drives, yank.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testMachine } from "../machine-fixture.js";

const dir = mkdtempSync(join(tmpdir(), "qomd-queries-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("machine queries", () => {
  it("TPM lists come from the registry (qomd models no TPM yet: both empty)", async () => {
    const m = await testMachine(["-M", "none", "-S", "-nodefaults"]);
    expect(m.run("query-tpm-models")).toEqual([]);
    expect(m.run("query-tpm-types")).toEqual([]);
  });

  it("query-migrate-capabilities lists QEMU 7.2's 21 capabilities, all off", async () => {
    const m = await testMachine(["-M", "none", "-S", "-nodefaults"]);
    const caps = m.run("query-migrate-capabilities") as Array<{ capability: string; state: boolean }>;
    expect(caps.map((c) => c.capability)).toEqual([
      "xbzrle", "rdma-pin-all", "auto-converge", "zero-blocks", "compress", "events", "postcopy-ram",
      "x-colo", "release-ram", "block", "return-path", "pause-before-switchover", "multifd",
      "dirty-bitmaps", "postcopy-blocktime", "late-block-activate", "x-ignore-shared", "validate-uuid",
      "background-snapshot", "zero-copy-send", "postcopy-preempt",
    ]);
    expect(caps.every((c) => c.state === false)).toBe(true);
  });

  it("SEV needs KVM; SGX needs /dev/sgx_vepc (QEMU's texts)", async () => {
    const m = await testMachine(["-M", "none", "-S", "-nodefaults", "-accel", "tcg"]);
    expect(m.fail("query-sev-capabilities")).toEqual({ class: "GenericError", desc: "KVM not enabled" });
    if (!existsSync("/dev/sgx_vepc")) {
      expect(m.fail("query-sgx-capabilities")).toEqual({ class: "GenericError", desc: "SGX is not enabled in KVM" });
    } else {
      expect(m.run("query-sgx-capabilities")).toHaveProperty("sections");
    }
  });

  it("query-display-options: no display chosen ends up 'none', as on Debian's build", async () => {
    const m = await testMachine(["-M", "none", "-S", "-nodefaults"]);
    expect(m.run("query-display-options")).toEqual({ type: "none" });
  });

  it("query-block lists the drives: none with -nodefaults, QEMU's three default ones on pc", async () => {
    const bare = await testMachine(["-M", "pc", "-S", "-nodefaults"]);
    expect(bare.run("query-block")).toEqual([]);
    const full = await testMachine(["-M", "pc", "-S", "-display", "none"]);
    const drives = full.run("query-block") as Array<Record<string, unknown>>;
    expect(drives.map((d) => d["device"])).toEqual(["ide1-cd0", "floppy0", "sd0"]);
    // sd0 has no device on pc, so it is complete. The IDE CD-ROM and floppy models do not yet attach
    // their backend (QEMU adds "qdev", and for the CD "io-status"/"tray_open"): that is
    // src/hw/ide and src/hw/block's part, query-block prints whatever the backend knows.
    expect(drives[2]).toEqual({ device: "sd0", locked: false, removable: true, type: "unknown" });
    expect(drives[0]).toMatchObject({ device: "ide1-cd0", locked: false, removable: true, type: "unknown" });
    await full.instance.chardevs.closeAll();
  });

  it("yank knows the socket chardevs, oldest first, and cuts their connections", async () => {
    const a = join(dir, "a.sock");
    const b = join(dir, "b.sock");
    const m = await testMachine([
      "-M", "none", "-S", "-nodefaults",
      "-chardev", `socket,id=first,path=${a},server=on,wait=off`,
      "-chardev", "null,id=quiet",
      "-chardev", `socket,id=second,path=${b},server=on,wait=off`,
    ]);
    try {
      expect(m.run("query-yank")).toEqual([
        { type: "chardev", id: "first" },
        { type: "chardev", id: "second" },
      ]);
      expect(m.run("yank", { instances: [] })).toBeUndefined();
      expect(m.run("yank", { instances: [{ type: "chardev", id: "second" }] })).toBeUndefined();
      for (const instances of [[{ type: "chardev", id: "quiet" }], [{ type: "migration" }], [{ type: "block-node", "node-name": "x" }]]) {
        expect(m.fail("yank", { instances })).toEqual({ class: "DeviceNotFound", desc: "Instance not found" });
      }
    } finally {
      await m.instance.chardevs.closeAll();
    }
  });
});
