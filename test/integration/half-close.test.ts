// Scripts pipe requests and close their sending side (`printf … | socat - UNIX-CONNECT:…`):
// every request sent before the close still gets its reply, slow ones included.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDir, startDaemon, type DaemonHandle } from "./helpers.js";

let daemon: DaemonHandle;

beforeAll(async () => {
  daemon = await startDaemon();
});

afterAll(async () => {
  await daemon.stop();
  removeDir(daemon.dir);
});

function pipeAndClose(path: string, input: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let out = "";
    const s = connect(path, () => s.end(input));
    s.on("data", (d: Buffer) => (out += d.toString()));
    s.on("error", reject);
    s.on("close", () => resolve(out.split("\r\n").filter((l) => l !== "")));
  });
}

describe("a client that closes its sending side", () => {
  it("gets the replies to everything it sent, then the daemon closes the connection", async () => {
    const lines = await pipeAndClose(
      daemon.controlPath,
      '{"execute":"qmp_capabilities"}{"execute":"machine-create","arguments":{"name":"hc","argv":["-M","none"]}}' +
        '{"execute":"qom-get","arguments":{"path":"/machine","property":"type","machine":"hc"}}',
    );
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[1]!)).toEqual({ return: {} });
    expect(JSON.parse(lines[2]!)).toMatchObject({ return: { name: "hc", status: "prelaunch" } });
    expect(JSON.parse(lines[3]!)).toEqual({ return: "none-machine" });
  });
});
