import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { qmpConnect, removeDir, startDaemon, tempDir } from "./helpers.js";

let dir: string;
afterEach(() => removeDir(dir));

describe("qomd daemon: persistence and shutdown", () => {
  it("SIGTERM stops cleanly (exit 0, sockets removed); definitions come back paused at the next start", async () => {
    dir = tempDir("qomd-persist-");
    const first = await startDaemon({ dir });
    const c = await qmpConnect(first.controlPath);
    await c.cmd("machine-create", { name: "keep", argv: ["-M", "none"] });
    await c.cmd("machine-start", { name: "keep" });
    await c.cmd("machine-create", { name: "gone", argv: ["-M", "none"] });
    await c.cmd("machine-delete", { name: "gone" });
    c.close();
    expect(await first.stop()).toBe(0);
    expect(existsSync(first.controlPath)).toBe(false);
    expect(existsSync(join(first.runtimeDir, "machines/keep.qmp"))).toBe(false);
    expect(first.stderr).toMatch(/"msg":"stopped"/);

    const second = await startDaemon({ dir });
    const c2 = await qmpConnect(second.controlPath);
    const list = (await c2.cmd("machine-list"))["return"] as Array<Record<string, unknown>>;
    expect(list.map((m) => [m["name"], m["status"]])).toEqual([["keep", "prelaunch"]]);
    const m = await qmpConnect(join(second.runtimeDir, "machines/keep.qmp"));
    expect(await m.cmd("query-status")).toEqual({ return: { status: "prelaunch", singlestep: false, running: false } });
    m.close();
    c2.close();
    expect(await second.stop()).toBe(0);
  });

  it("kill -9 right after machine-create answers loses nothing", async () => {
    dir = tempDir("qomd-kill-");
    const first = await startDaemon({ dir });
    const c = await qmpConnect(first.controlPath);
    const names = ["k0", "k1", "k2", "k3", "k4"];
    for (const name of names) expect(await c.cmd("machine-create", { name, argv: ["-M", "none"] })).toHaveProperty("return");
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");

    const second = await startDaemon({ dir });
    const c2 = await qmpConnect(second.controlPath);
    const list = (await c2.cmd("machine-list"))["return"] as Array<Record<string, unknown>>;
    expect(list.map((m) => m["name"]).sort()).toEqual(names);
    c2.close();
    expect(await second.stop()).toBe(0);
  });

  it("a corrupt definition is moved aside with a logged error and the others still load", async () => {
    dir = tempDir("qomd-corrupt-");
    const first = await startDaemon({ dir });
    const c = await qmpConnect(first.controlPath);
    await c.cmd("machine-create", { name: "good", argv: ["-M", "none"] });
    c.close();
    expect(await first.stop()).toBe(0);
    const machinesDir = join(dir, "state/machines");
    writeFileSync(join(machinesDir, "broken.json"), "{ not json");

    const second = await startDaemon({ dir });
    expect(second.stderr).toMatch(/"msg":"corrupt machine definition moved aside"/);
    expect(readdirSync(machinesDir).some((f) => f.startsWith("broken.json.corrupt-"))).toBe(true);
    const c2 = await qmpConnect(second.controlPath);
    const list = (await c2.cmd("machine-list"))["return"] as Array<Record<string, unknown>>;
    expect(list.map((m) => m["name"])).toEqual(["good"]);
    c2.close();
    expect(await second.stop()).toBe(0);
  });
});
