import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeTimestamps, openUnix, qmpConnect, removeDir, startDaemon, type DaemonHandle } from "./helpers.js";

interface Exchange {
  sent: string;
  received: string[];
}
const transcript = JSON.parse(readFileSync(join(__dirname, "../fixtures/qmp/protocol-transcript.json"), "utf8")) as Exchange[];

let daemon: DaemonHandle;
beforeAll(async () => {
  daemon = await startDaemon({ env: { QOMD_FAULT_INJECTION: "1", QOMD_HANG_TIMEOUT_MS: "400" } });
});
afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
  removeDir(daemon.dir);
});

describe("qomd daemon: control socket", () => {
  it("is a 0600 socket with QEMU's greeting and negotiation", async () => {
    expect(statSync(daemon.controlPath).mode & 0o777).toBe(0o600);
    const c = await openUnix(daemon.controlPath);
    expect(await c.line()).toBe(
      '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}',
    );
    c.send('{"execute": "machine-list", "id": "pre"}');
    expect(await c.line()).toBe(
      `{"id": "pre", "error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}`,
    );
    c.send('{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}');
    expect(await c.line()).toBe('{"return": {}}');
    c.close();
  });

  it("machine-create validates names and command lines with QEMU's texts", async () => {
    const c = await qmpConnect(daemon.controlPath);
    expect(await c.cmd("machine-create", { name: "1bad", argv: [] })).toEqual({
      error: { class: "GenericError", desc: "Parameter 'name' expects an identifier" },
    });
    expect(await c.cmd("machine-create", { name: "bad", argv: ["-m", "2048x"] })).toEqual({
      error: {
        class: "GenericError",
        desc:
          "-m 2048x: Parameter 'size' expects a non-negative number below 2^64\nOptional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.",
      },
    });
    expect(await c.cmd("machine-create", { name: "bad", argv: ["-nosuch"] })).toEqual({
      error: { class: "GenericError", desc: "-nosuch: invalid option" },
    });
    expect(await c.cmd("machine-create", { name: "x", argv: [], cpu: "qemu64" })).toEqual({
      error: { class: "GenericError", desc: "Parameter 'argv' cannot be combined with 'cpu'" },
    });
    expect(await c.cmd("machine-create", { argv: [] })).toEqual({ error: { class: "GenericError", desc: "Parameter 'name' is missing" } });
    c.close();
  });

  it("creates, lists, starts and deletes machines; duplicates and unknown names are errors", async () => {
    const c = await qmpConnect(daemon.controlPath);
    const created = (await c.cmd("machine-create", { name: "life", argv: ["-M", "none"] }))["return"] as Record<string, unknown>;
    expect(created).toMatchObject({ name: "life", status: "prelaunch", "qmp-socket": join(daemon.runtimeDir, "machines/life.qmp") });
    expect(await c.cmd("machine-create", { name: "life", argv: [] })).toEqual({
      error: { class: "GenericError", desc: "Machine 'life' already exists" },
    });
    const list = (await c.cmd("machine-list"))["return"] as Array<Record<string, unknown>>;
    expect(list.map((m) => m["name"])).toContain("life");
    expect(await c.cmd("query-status", { machine: "life" })).toEqual({ return: { status: "prelaunch", singlestep: false, running: false } });
    c.send('{"execute":"machine-start","arguments":{"name":"life"},"id":1}');
    const event = await c.json();
    expect(event).toMatchObject({ event: "RESUME", machine: "life" });
    expect(await c.json()).toEqual({ return: {}, id: 1 });
    expect(await c.cmd("query-status", { machine: "life" })).toEqual({ return: { status: "running", singlestep: false, running: true } });
    expect(await c.cmd("machine-delete", { name: "life" })).toEqual({ return: {} });
    expect(await c.cmd("machine-delete", { name: "life" })).toEqual({ error: { class: "GenericError", desc: "Machine 'life' not found" } });
    expect(await c.cmd("query-status", { machine: "nosuch" })).toEqual({ error: { class: "GenericError", desc: "Machine 'nosuch' not found" } });
    c.close();
  });

  it("answers registry commands without a machine and checks the machine argument's type", async () => {
    const c = await qmpConnect(daemon.controlPath);
    expect(await c.cmd("query-target")).toEqual({ return: { arch: "x86_64" } });
    expect(await c.cmd("qom-list-types", { implements: "nosuch-type" })).toEqual({ return: [] });
    expect(await c.cmd("query-status", { machine: 1 })).toEqual({
      error: { class: "GenericError", desc: "Invalid parameter type for 'machine', expected: string" },
    });
    const commands = ((await c.cmd("query-commands"))["return"] as Array<{ name: string }>).map((x) => x.name);
    expect(commands).toEqual(expect.arrayContaining(["machine-create", "machine-list", "qom-get", "query-status", "qmp_capabilities"]));
    c.close();
  });

  it("serves many control clients at once", async () => {
    const clients = await Promise.all(Array.from({ length: 40 }, () => qmpConnect(daemon.controlPath)));
    const replies = await Promise.all(clients.map((c, i) => c.cmd("query-version", undefined, i)));
    replies.forEach((r, i) => expect(r["id"]).toBe(i));
    for (const c of clients) c.close();
  });
});

describe("qomd daemon: a machine's own socket", () => {
  it("replays the protocol part of QEMU's transcript on a machine socket", async () => {
    const control = await qmpConnect(daemon.controlPath);
    const info = (await control.cmd("machine-create", { name: "replay", argv: ["-M", "none"] }))["return"] as Record<string, string>;
    const m = await openUnix(info["qmp-socket"]!);
    expect(await m.line()).toMatch(/^\{"QMP": /);
    // Up to (not including) the query-kvm exchange, whose "present" depends on the host.
    for (const exchange of transcript.slice(0, 41)) {
      m.send(Buffer.from(exchange.sent, "latin1"));
      const got: string[] = [];
      for (const _ of exchange.received) got.push((await m.line())! + "\r\n");
      expect(got, exchange.sent).toEqual(exchange.received);
    }
    m.close();
    control.close();
  });

  it("one client at a time: a second one gets its greeting when the first leaves", async () => {
    const control = await qmpConnect(daemon.controlPath);
    const info = (await control.cmd("machine-create", { name: "single", argv: ["-M", "none"] }))["return"] as Record<string, string>;
    const c1 = await qmpConnect(info["qmp-socket"]!);
    const c2 = await openUnix(info["qmp-socket"]!);
    expect(await c1.cmd("query-name", undefined, "x")).toEqual({ return: {}, id: "x" });
    expect(c2.pending).toBe("");
    c1.close();
    expect(await c2.line()).toMatch(/^\{"QMP": /);
    c2.close();
    control.close();
  });

  it("sends events before the reply, in QEMU's order, to the machine and control clients; quit closes the machine's connections", async () => {
    const control = await qmpConnect(daemon.controlPath);
    const info = (await control.cmd("machine-create", { name: "events", argv: ["-M", "none"] }))["return"] as Record<string, string>;
    const m = await qmpConnect(info["qmp-socket"]!);
    const lines: string[] = [];
    const run = async (text: string, count: number) => {
      m.send(text);
      for (let i = 0; i < count; i++) lines.push(normalizeTimestamps((await m.line())!));
    };
    await run('{"execute": "cont", "id": 42}', 2);
    await run('{"execute": "stop", "id": 43}', 2);
    await run('{"execute": "stop", "id": 44}', 1);
    await run('{"execute": "system_reset", "id": 45}', 2);
    await run('{"execute": "system_powerdown", "id": 46}', 2);
    await run('{"execute": "human-monitor-command", "arguments": {"command-line": "info status"}, "id": 47}', 1);
    await run('{"execute": "human-monitor-command", "arguments": {"command-line": "nosuchhmp"}, "id": 48}', 1);
    await run('{"execute": "quit", "id": 49}', 2);
    const TS = '{"timestamp": {"seconds": S, "microseconds": U}, ';
    expect(lines).toEqual([
      `${TS}"event": "RESUME"}`,
      '{"return": {}, "id": 42}',
      `${TS}"event": "STOP"}`,
      '{"return": {}, "id": 43}',
      '{"return": {}, "id": 44}',
      `${TS}"event": "RESET", "data": {"guest": false, "reason": "host-qmp-system-reset"}}`,
      '{"return": {}, "id": 45}',
      `${TS}"event": "POWERDOWN"}`,
      '{"return": {}, "id": 46}',
      '{"return": "VM status: paused (prelaunch)\\r\\n", "id": 47}',
      `{"return": "unknown command: 'nosuchhmp'\\r\\n", "id": 48}`,
      `${TS}"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}`,
      '{"return": {}, "id": 49}',
    ]);
    expect(await m.line()).toBeUndefined();
    // The control client saw the same events, tagged with the machine.
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) seen.push(String((await control.json())["event"]));
    expect(seen).toEqual(["RESUME", "STOP", "RESET", "POWERDOWN", "SHUTDOWN"]);
    expect(await control.cmd("query-status", { machine: "events" })).toEqual({
      return: { status: "shutdown", singlestep: false, running: false },
    });
    control.close();
  });

  it("a crashing or hanging machine is reported and the daemon and other machines carry on", async () => {
    const control = await qmpConnect(daemon.controlPath);
    await control.cmd("machine-create", { name: "healthy", argv: ["-M", "none"] });
    for (const [name, fault, reason] of [
      ["crashy", "x-qomd-crash", "crash"],
      ["hangy", "x-qomd-hang", "hang"],
    ] as const) {
      await control.cmd("machine-create", { name, argv: ["-M", "none"] });
      control.send(JSON.stringify({ execute: "human-monitor-command", arguments: { machine: name, "command-line": fault }, id: name }));
      // The crash is thrown after its command's reply; the hung command is answered with an error.
      let event: Record<string, unknown> | undefined;
      let reply: Record<string, unknown> | undefined;
      while (!event || !reply) {
        const msg = await control.json();
        if (msg["event"] === "MACHINE_INTERNAL_ERROR") event = msg;
        else if (msg["id"] === name) reply = msg;
      }
      // The crash can overtake its command's reply (thread errors and messages are separate channels).
      if (reason === "hang" || "error" in reply) {
        expect(reply).toEqual({ id: name, error: { class: "GenericError", desc: expect.stringMatching(new RegExp(`^Machine '${name}' failed: `)) } });
      } else expect(reply).toEqual({ return: "unknown command: 'x-qomd-crash'\r\n", id: name });
      expect(event).toMatchObject({ data: { machine: name, reason }, machine: name });
      expect(await control.cmd("query-status", { machine: name })).toEqual({
        return: { status: "internal-error", singlestep: false, running: false },
      });
      expect(await control.cmd("qom-list", { machine: name, path: "/" })).toMatchObject({ error: { class: "GenericError" } });
      expect(await control.cmd("query-status", { machine: "healthy" })).toMatchObject({ return: { status: "prelaunch" } });
    }
    // machine-start builds the machine again and runs it.
    expect(await control.cmd("machine-start", { name: "crashy" })).toEqual({ return: {} });
    expect(await control.cmd("query-status", { machine: "crashy" })).toMatchObject({ return: { status: "running" } });
    expect(daemon.stderr).toMatch(/"msg":"machine failed"/);
    control.close();
  });
});

describe("qomd daemon: out-of-band commands", () => {
  it("exec-oob runs an OOB command once oob is negotiated, with QEMU's texts", async () => {
    const control = await qmpConnect(daemon.controlPath);
    const info = (await control.cmd("machine-create", { name: "oob", argv: ["-M", "none"] }))["return"] as Record<string, string>;
    const m = await openUnix(info["qmp-socket"]!);
    await m.line();
    m.send('{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}');
    expect(await m.line()).toBe('{"return": {}}');
    m.send('{"exec-oob":"query-status","id":"o1"}{"exec-oob":"migrate-pause","id":"o4"}');
    expect(await m.line()).toBe('{"id": "o1", "error": {"class": "GenericError", "desc": "The command query-status does not support OOB"}}');
    expect(await m.line()).toBe(
      '{"id": "o4", "error": {"class": "GenericError", "desc": "migrate-pause is currently only supported during postcopy-active state"}}',
    );
    m.close();
    control.close();
  });
});
