// The pc and q35 machines' composition trees and links on -accel kvm (in-kernel irqchip,
// kernel-irqchip=split and kernel-irqchip=off) against QEMU 7.2's captures (test/fixtures/qemu-7.2/qom-paths.capture.py).
// Skips, naming what is missing, when /dev/kvm or the addon (src/accel/kvm/native/build) is not there.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kvmMachineClose } from "../../../src/accel/kvm/kvm-machine.js";
import { resolvePath } from "../../../src/qom/path.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import { createMachine, type MachineInstance } from "../../../src/softmmu/vl.js";
import { fakeFirmwareDir } from "../../helpers/firmware.js";
import { FIXTURES, qomdTree, readCapturedLinks, readCapturedTree, treeLines } from "../../helpers/qom-tree.js";
import { deviceListProperties } from "../../../src/hw/core/qdev.js";
import { qomInit } from "../../../src/modules.js";
import { qomListTypes } from "../../../src/qom/qom-qmp-cmds.js";
import type { JsonObject } from "../../../src/qobject/json-value.js";
import { kvmSkipReason } from "./guest-harness.js";

const skip = kvmSkipReason();
if (skip) console.warn(`test/accel/kvm/kvm-qom-tree.test.ts skipped: ${skip}`);

/** Not built by qomd yet: the ACPI tables QEMU exposes as fw_cfg ROM blobs at machine-done time. */
const NOT_MODELLED = [/^\/machine\/fw_cfg\/\\x2from@etc/];
const modelled = (path: string) => !NOT_MODELLED.some((re) => re.test(path));

async function kvmMachine(accel: string, machine: string): Promise<MachineInstance> {
  const sock = join(mkdtempSync(join(tmpdir(), "qomd-kvm-tree-")), "qmp.sock");
  return createMachine(["-L", fakeFirmwareDir(), "-accel", accel, "-M", machine, "-S", "-nodefaults", "-display", "none", "-qmp", `unix:${sock},server=on,wait=off`], {
    prog: "qemu-system-x86_64",
  });
}

function linkMismatches(m: MachineInstance, file: string): string[] {
  const root = objectGetRoot(m.registry);
  const wrong: string[] = [];
  for (const link of readCapturedLinks(file)) {
    if (!modelled(link.owner) || !modelled(link.value)) continue;
    const owner = resolvePath(root, link.owner).obj;
    const where = `${link.owner}.${link.prop}`;
    if (!owner) {
      wrong.push(`${where}: owner missing`);
      continue;
    }
    const prop = owner.findProperty(link.prop);
    if (!prop) {
      wrong.push(`${where}: property missing`);
      continue;
    }
    if (prop.type !== link.type) wrong.push(`${where}: type ${prop.type}, QEMU ${link.type}`);
    const value = owner.getProperty(link.prop);
    if (value !== link.value) wrong.push(`${where}: ${JSON.stringify(value)}, QEMU ${JSON.stringify(link.value)}`);
  }
  return wrong;
}

for (const [accel, machine, file] of [
  ["kvm", "pc", "qom-paths.pc-nodefaults-kvm.txt"],
  ["kvm,kernel-irqchip=off", "pc", "qom-paths.pc-nodefaults-kvm-irqchip-off.txt"],
  ["kvm,kernel-irqchip=split", "pc", "qom-paths.pc-nodefaults-kvm-irqchip-split.txt"],
  ["kvm", "q35", "qom-paths.q35-nodefaults-kvm.txt"],
  ["kvm,kernel-irqchip=off", "q35", "qom-paths.q35-nodefaults-kvm-irqchip-off.txt"],
  ["kvm,kernel-irqchip=split", "q35", "qom-paths.q35-nodefaults-kvm-irqchip-split.txt"],
] as const) {
  describe.skipIf(skip !== undefined)(`-accel ${accel} -M ${machine} -S -nodefaults${skip ? ` (skipped: ${skip})` : ""}`, () => {
    it("builds QEMU 7.2's composition tree and links", async () => {
      const m = await kvmMachine(accel, machine);
      try {
        expect(treeLines(qomdTree(m.registry), modelled)).toEqual(treeLines(readCapturedTree(file), modelled));
        expect(linkMismatches(m, file)).toEqual([]);
      } finally {
        kvmMachineClose(m.registry);
        await m.chardevs.closeAll();
      }
    });
  });
}

/** QEMU 7.2's answers for the kvm-* types and their userspace counterparts (kvm-irqchip-devices.capture.py). */
const devices = JSON.parse(readFileSync(join(FIXTURES, "kvm-irqchip-devices.json"), "utf8")) as Record<string, JsonObject>;

describe("the kvm-* types as QEMU 7.2 registers them (no KVM needed)", () => {
  const { types } = qomInit();
  const listed = qomListTypes(types, undefined, true);
  for (const [name, answers] of Object.entries(devices).filter(([k]) => !k.startsWith("/"))) {
    it(`${name}: parent and device-list-properties`, () => {
      expect(listed.filter((t) => t.name === name)).toEqual(answers["qom-list-types-parent"]);
      const props = (answers["device-list-properties"] as JsonObject)["return"] as JsonObject[];
      expect(JSON.stringify(deviceListProperties(types, name).map((p) => Object.entries(p).sort()))).toBe(JSON.stringify(props.map((p) => Object.entries(p).sort())));
    });
  }
});

describe.skipIf(skip !== undefined)(`the kvm-* objects' property values on -accel kvm -M pc${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("qom-get answers QEMU's for every non-child property", async () => {
    const m = await kvmMachine("kvm", "pc");
    try {
      const root = objectGetRoot(m.registry);
      const wrong: string[] = [];
      for (const [path, props] of Object.entries(devices).filter(([k]) => k.startsWith("/"))) {
        const obj = resolvePath(root, path).obj;
        if (!obj) {
          wrong.push(`${path}: missing`);
          continue;
        }
        for (const [prop, [type, value]] of Object.entries(props as Record<string, [string, unknown]>)) {
          const p = obj.findProperty(prop);
          if (!p) wrong.push(`${path}.${prop}: property missing`);
          else if (p.type !== type) wrong.push(`${path}.${prop}: type ${p.type}, QEMU ${type}`);
          else if (JSON.stringify(obj.getProperty(prop)) !== JSON.stringify(value)) wrong.push(`${path}.${prop}: ${JSON.stringify(obj.getProperty(prop))}, QEMU ${JSON.stringify(value)}`);
        }
      }
      expect(wrong).toEqual([]);
    } finally {
      kvmMachineClose(m.registry);
      await m.chardevs.closeAll();
    }
  });
});
