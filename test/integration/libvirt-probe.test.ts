/**
 * libvirt 9.0.0's capability probe (56 commands over two processes, the
 * sequence libvirt's own test data records for QEMU 7.2) replayed against
 * `qomd run` on libvirt's command line, and every reply compared with QEMU
 * 7.2's on the same command line: always with the replies captured from
 * qemu-system-x86_64 7.2 (test/fixtures/libvirt-probe, made by capture.py
 * there), and live when qemu-system-x86_64 is installed.
 *
 * A reply must be byte-identical to QEMU's unless it is one of the
 * differences listed in KNOWN_DIFFERENCES, each of which is still checked
 * for what it must keep (shape, subset, same content in another order).
 *
 * The accelerator: libvirt asks for `accel=kvm:tcg`.  Where qomd ends up on
 * TCG while QEMU got KVM (no usable KVM here), the accelerator-dependent
 * replies (query-kvm's "enabled", CPU definitions and expansions, SEV) are
 * compared with what QEMU answers on TCG for the same commands.  Where both
 * run on KVM, CPU definitions and expansions are QEMU's KVM replies, which
 * hang on the host CPU: they are compared exactly only on the CPU (and KVM
 * module) the capture recorded, and in shape elsewhere.
 */
import { readFileSync, existsSync, accessSync, constants } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { hostMismatch, type RecordedHost } from "../helpers/host-cpu.js";
import { hasQemu, runQmpProbe } from "./qmp-probe.js";
import {
  asQemuTypeInfo,
  body,
  canonical,
  expectSubset,
  isUbuntuMachineName,
  parse,
  returned,
  typeNames,
  type Json,
  type JsonObj,
} from "./probe-compare.js";

interface Command {
  execute: string;
  arguments?: JsonObj;
  id: string;
}
interface Process {
  machine: string;
  commands: Command[];
}

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/libvirt-probe/${name}`, import.meta.url), "utf8")) as T;
}

const sequence = fixture<{ processes: [Process, Process] }>("probe-sequence.json");
const captured = fixture<{
  host: { "dev-kvm": boolean; "dev-sgx-vepc": boolean; "kvm-amd-sev": string | null } & RecordedHost;
  "kvm:tcg": string[];
  "tcg-first": Record<string, string>;
  tcg: string[];
}>("qemu-7.2-replies.json");

const [FIRST, SECOND] = sequence.processes;
const BASE = ["-S", "-no-user-config", "-nodefaults", "-nographic"];

/** QEMU's replies: process 1 on its command line, process 1's commands on TCG, process 2. */
interface QemuReplies {
  first: string[];
  firstOnTcg: string[];
  second: string[];
}

function hostKvmUsable(): boolean {
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function readParam(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

/** Whether this host is like the one the fixture was captured on, for host-dependent replies. */
const SAME_HOST_AS_FIXTURE =
  captured.host["dev-kvm"] === hostKvmUsable() &&
  captured.host["dev-sgx-vepc"] === existsSync("/dev/sgx_vepc") &&
  captured.host["kvm-amd-sev"] === readParam("/sys/module/kvm_amd/parameters/sev");

/** Why KVM's CPU answers cannot be held to the capture here (they depend on the host CPU), if so. */
const CPU_MISMATCH = hostMismatch(captured.host);
if (CPU_MISMATCH) console.warn(`libvirt-probe: CPU definitions and expansions on KVM compared in shape only: ${CPU_MISMATCH}`);

function capturedReplies(): QemuReplies {
  const first = captured["kvm:tcg"];
  return { first, firstOnTcg: first.map((l, i) => captured["tcg-first"][String(i)] ?? l), second: captured.tcg };
}

/**
 * Replies that legitimately differ from QEMU's, and why. Each key is checked by its own rule
 * below; everything else must be byte-identical.
 */
const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  "query-qmp-schema":
    "qomd's schema (protocol/qapi) describes the commands and events qomd implements, a subset of QEMU's 216 commands and 52 events; type names are masked numbers in both, so only structure and names are compared",
  "query-commands": "qomd lists the commands it implements (every one of them answers), a subset of QEMU's 216",
  "qom-list-types":
    "qomd registers a subset of QEMU's QOM types (what it models), plus Ubuntu's distribution machine types (pc-i440fx-jammy …) that Debian's QEMU 7.2 does not have; chardev-file, chardev-stdio and accel differ as TYPE_INFO_DIFFERENCES says",
  "device-list-properties":
    "device types qomd does not model are unknown to it and answer QEMU's DeviceNotFound text; modelled ones answer exactly as QEMU",
  "qom-list-properties max-x86_64-cpu":
    "the same properties, types and descriptions; QEMU lists a CPU's properties in the order of its property hash table, which src/target/i386 does not reproduce",
  "query-machines":
    "qomd adds Ubuntu's machine types (libvirt lists them as extra <machine> entries in its capabilities and accepts them in domain XML; its default stays 'pc', chosen by alias and is-default, which are unchanged) and lacks x-remote (not modelled)",
  "query-tpm-models": "qomd registers no TPM device types yet, so it lists none (libvirt then sets no TPM capability)",
  "query-tpm-types": "qomd registers no TPM back-end types yet, so it lists none",
  "query-cpu-model-expansion":
    "full expansion only: the same model and property values, but QEMU adds the members in its CPU object's property-table order (which decides the order within each QDict bucket) and src/target/i386 does not reproduce that order",
};

/** Commands whose answers depend on the host (only compared in shape against another host's capture). */
const HOST_DEPENDENT = new Set(["query-kvm", "query-sev-capabilities", "query-sgx-capabilities"]);
/** Commands whose answers depend on the host when QEMU ran them on KVM (host CPUID through KVM). */
const HOST_DEPENDENT_ON_KVM = new Set(["query-cpu-definitions", "query-cpu-model-expansion"]);

function label(cmd: Command): string {
  const typename = cmd.arguments?.["typename"];
  return typeof typename === "string" ? `${cmd.execute} ${typename}` : cmd.execute;
}

interface Context {
  /** qomd's qom-list-types answer: what qomd models. */
  qomdTypes: Set<string>;
  /** Whether host-dependent replies can be compared exactly. */
  sameHost: boolean;
  /** Whether replies that depend on the host CPU through KVM can be compared exactly. */
  sameCpu: boolean;
  /** Whether the QEMU replies compared against ran on KVM. */
  qemuOnKvm: boolean;
}

function expectSameShape(qemu: string, qomd: string, what: string): void {
  const a = body(qemu);
  const b = body(qomd);
  expect(b.ok, what).toBe(a.ok);
  if (!a.ok && !b.ok) expect(b.class, what).toBe(a.class);
  if (a.ok && b.ok) expect(Array.isArray(b.value), what).toBe(Array.isArray(a.value));
}

function schemaNames(reply: Json, meta: string): Json[] {
  return (reply as JsonObj[]).filter((e) => e["meta-type"] === meta).map((e) => e["name"]!);
}

/** Checks one reply; returns the name of the known difference it relied on, if any. */
function compareReply(cmd: Command, qemu: string, qomd: string, ctx: Context): string | undefined {
  const what = `${label(cmd)} (${cmd.id})`;
  expect(parse(qomd)["id"], what).toBe(cmd.id);
  if (qemu === qomd) return undefined;

  const onKvmCpu = ctx.qemuOnKvm && HOST_DEPENDENT_ON_KVM.has(cmd.execute);
  if (((HOST_DEPENDENT.has(cmd.execute) || onKvmCpu) && !ctx.sameHost) || (onKvmCpu && !ctx.sameCpu)) {
    expectSameShape(qemu, qomd, `${what} (host-dependent, captured on another host)`);
    return "host-dependent";
  }

  switch (cmd.execute) {
    case "query-qmp-schema": {
      const q = returned(qemu);
      const d = returned(qomd) as JsonObj[];
      for (const e of d) expect(typeof e["name"] === "string" && typeof e["meta-type"] === "string", what).toBe(true);
      expectSubset(schemaNames(d, "command"), schemaNames(q, "command"), `${what}: commands QEMU does not have`);
      expectSubset(schemaNames(d, "event"), schemaNames(q, "event"), `${what}: events QEMU does not have`);
      return "query-qmp-schema";
    }
    case "query-commands":
      expectSubset(returned(qomd) as Json[], returned(qemu) as Json[], `${what}: commands QEMU does not have`);
      return "query-commands";
    case "qom-list-types": {
      const ours = (returned(qomd) as JsonObj[]).filter((t) => !isUbuntuMachineName(t["name"] as string)).map(asQemuTypeInfo);
      expectSubset(ours, returned(qemu) as Json[], `${what}: types QEMU does not have (or with another parent)`);
      return "qom-list-types";
    }
    case "device-list-properties": {
      const typename = cmd.arguments!["typename"] as string;
      const b = body(qomd);
      // A device qomd models must answer exactly; one it does not must be unknown to it.
      expect(b.ok, `${what}: a modelled device answers as QEMU`).toBe(false);
      expect(b, what).toEqual({ ok: false, class: "DeviceNotFound", desc: `Device '${typename}' not found` });
      expect(ctx.qomdTypes.has(typename), `${what}: qomd has the type but answers differently`).toBe(false);
      return "device-list-properties";
    }
    case "qom-list-properties": {
      expect(cmd.arguments!["typename"], what).toBe("max-x86_64-cpu");
      const sorted = (line: string) => (returned(line) as Json[]).map(canonical).sort();
      expect(sorted(qomd), what).toEqual(sorted(qemu));
      return "qom-list-properties max-x86_64-cpu";
    }
    case "query-machines": {
      const d = returned(qomd) as JsonObj[];
      const q = returned(qemu) as JsonObj[];
      expectSubset(
        d.filter((m) => !isUbuntuMachineName(m["name"] as string)),
        q,
        `${what}: machines QEMU does not have`,
      );
      const ours = new Set(d.map((m) => m["name"]));
      const missing = q.map((m) => m["name"] as string).filter((n) => !ours.has(n));
      for (const n of missing) expect(ctx.qomdTypes.has(`${n}-machine`), `${what}: ${n} registered but not listed`).toBe(false);
      expect(missing, what).toEqual(["x-remote"]);
      return "query-machines";
    }
    case "query-tpm-models":
    case "query-tpm-types": {
      const d = returned(qomd) as string[];
      const q = returned(qemu) as string[];
      expectSubset(d, q, what);
      const typeOf = (x: string) => (cmd.execute === "query-tpm-models" ? x : `tpm-${x}`);
      for (const x of q.filter((x) => !d.includes(x))) expect(ctx.qomdTypes.has(typeOf(x)), `${what}: ${x}`).toBe(false);
      return cmd.execute;
    }
    case "query-cpu-model-expansion":
      // Static expansions are byte-identical; a full one has QEMU's content in another order.
      expect(cmd.arguments!["type"], `${what}: ${qomd.slice(0, 200)}`).toBe("full");
      expect(canonical(returned(qomd)), what).toBe(canonical(returned(qemu)));
      return "query-cpu-model-expansion";
    default:
      // Byte-identical or nothing: show both.
      expect(qomd, what).toBe(qemu);
      return undefined;
  }
}

interface QomdReplies {
  first: string[];
  second: string[];
}

function compareProbe(qemu: QemuReplies, qomd: QomdReplies, sameHost: boolean, sameCpu: boolean): Set<string> {
  const used = new Set<string>();
  const kvmIndex = FIRST.commands.findIndex((c) => c.execute === "query-kvm");
  const qemuKvm = (returned(qemu.first[kvmIndex]!) as JsonObj)["enabled"] === true;
  const qomdKvm = (returned(qomd.first[kvmIndex]!) as JsonObj)["enabled"] === true;
  // Compare with QEMU on the accelerator qomd actually runs on.
  const onKvm = qemuKvm && qomdKvm;
  const ref1 = qemuKvm && !qomdKvm ? qemu.firstOnTcg : qemu.first;
  if (qemuKvm && !qomdKvm) used.add("accelerator: qomd on TCG, compared with QEMU on TCG");
  const qomdTypes = typeNames(returned(qomd.first[FIRST.commands.findIndex((c) => c.execute === "qom-list-types")]!));
  const ctx: Context = { qomdTypes, sameHost, sameCpu, qemuOnKvm: onKvm };
  FIRST.commands.forEach((cmd, i) => {
    const k = compareReply(cmd, ref1[i]!, qomd.first[i]!, ctx);
    if (k) used.add(k);
  });
  SECOND.commands.forEach((cmd, i) => {
    const k = compareReply(cmd, qemu.second[i]!, qomd.second[i]!, { ...ctx, qemuOnKvm: false });
    if (k) used.add(k);
  });
  return used;
}

async function probeQomd(): Promise<QomdReplies> {
  const first = await runQmpProbe("qomd", [...BASE, "-machine", FIRST.machine], FIRST.commands);
  const second = await runQmpProbe("qomd", [...BASE, "-machine", SECOND.machine], SECOND.commands);
  return { first: first.replies, second: second.replies };
}

const QEMU_INSTALLED = hasQemu();
if (!QEMU_INSTALLED) console.warn("libvirt-probe: qemu-system-x86_64 is not installed; comparing with the captured replies only");

describe("libvirt 9.0.0's QMP probe", () => {
  let qomd: QomdReplies;

  beforeAll(async () => {
    qomd = await probeQomd();
  }, 120_000);

  it("gets one reply per command, with libvirt's ids, and never CommandNotFound", () => {
    expect(qomd.first).toHaveLength(51);
    expect(qomd.second).toHaveLength(5);
    const all = [...FIRST.commands, ...SECOND.commands];
    [...qomd.first, ...qomd.second].forEach((line, i) => {
      const msg = parse(line);
      expect(msg["id"]).toBe(all[i]!.id);
      const b = body(line);
      if (!b.ok) expect(b.class, `${all[i]!.execute}: ${b.desc}`).not.toBe("CommandNotFound");
    });
  });

  it("answers as qemu-system-x86_64 7.2 did (captured replies)", () => {
    const used = compareProbe(capturedReplies(), qomd, SAME_HOST_AS_FIXTURE, CPU_MISMATCH === undefined);
    for (const k of used) {
      if (k === "host-dependent" || k.startsWith("accelerator")) continue;
      expect(Object.keys(KNOWN_DIFFERENCES)).toContain(k);
    }
  });

  it.skipIf(!QEMU_INSTALLED)(
    QEMU_INSTALLED
      ? "answers as the installed qemu-system-x86_64 does on the same command lines"
      : "answers as the installed qemu-system-x86_64 does — SKIPPED: qemu-system-x86_64 is not installed (the captured replies are still compared)",
    async () => {
      const first = await runQmpProbe("qemu", [...BASE, "-machine", FIRST.machine], FIRST.commands);
      const firstOnTcg = await runQmpProbe("qemu", [...BASE, "-machine", "none,accel=tcg"], FIRST.commands);
      const second = await runQmpProbe("qemu", [...BASE, "-machine", SECOND.machine], SECOND.commands);
      const versionIndex = FIRST.commands.findIndex((c) => c.execute === "query-version");
      const version = (returned(first.replies[versionIndex]!) as JsonObj)["qemu"] as JsonObj;
      // The comparison is only meaningful against QEMU 7.2.
      expect([version["major"], version["minor"]]).toEqual([7, 2]);
      compareProbe({ first: first.replies, firstOnTcg: firstOnTcg.replies, second: second.replies }, qomd, true, true);
    },
    120_000,
  );
});
