import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChardevFrontend } from "../../src/chardev/char-fe.js";
import { RingBufChardev } from "../../src/chardev/char-ringbuf.js";
import { SocketChardev } from "../../src/chardev/char-socket.js";
import { ChardevHelpRequest, ChardevRegistry } from "../../src/chardev/chardev-registry.js";
import { qomInit } from "../../src/modules.js";
import { qomList } from "../../src/qom/qom-qmp-cmds.js";
import { objectGetRoot } from "../../src/qom/root.js";
import { resolvePath } from "../../src/qom/path.js";
import { createQemuOptionGroups } from "../../src/softmmu/option-groups.js";
import type { OptionGroupRegistry } from "../../src/util/qemu-config.js";
import { qemuOptsParse } from "../../src/util/qemu-option.js";

let dir: string;
let reg: ChardevRegistry;
let groups: OptionGroupRegistry;
const infos: string[] = [];

/** A -chardev QemuOpts; each gets its own option list, so tests may reuse ids. */
function opts(text: string) {
  groups = createQemuOptionGroups();
  return qemuOptsParse(groups.find("chardev"), text, true);
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "qomd-chardev-"));
  reg = new ChardevRegistry(qomInit().types, { info: (t) => infos.push(t) });
});

afterEach(async () => {
  await reg.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads from a client socket until `n` bytes arrived. */
function readBytes(sock: Socket, n: number): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const onData = (d: Buffer) => {
      got += d.toString("latin1");
      if (got.length >= n) {
        sock.off("data", onData);
        resolve(got);
      }
    };
    sock.on("data", onData);
  });
}

function connectUnix(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => resolve(s));
    s.once("error", reject);
  });
}

describe("chardev creation", () => {
  it("puts chardevs under /chardevs with QEMU's types and qom-list", async () => {
    // qom-list /chardevs/s1 on QEMU 7.2: type, connected, addr.
    await reg.newFromOpts(opts("null,id=n"));
    const path = join(dir, "qmp.sock");
    await reg.newFromOpts(opts(`socket,id=compat_monitor0,path=${path},server=on,wait=off`));
    const root = objectGetRoot(reg.types);
    expect(resolvePath(root, "/chardevs/compat_monitor0").obj?.typeName).toBe("chardev-socket");
    expect(resolvePath(root, "/chardevs/n").obj?.typeName).toBe("chardev-null");
    expect(qomList(reg.types, "/chardevs/compat_monitor0").map((p) => [p.name, p.type])).toEqual([
      ["type", "string"],
      ["connected", "bool"],
      ["addr", "SocketAddress"],
    ]);
    const chr = reg.find("compat_monitor0")!;
    expect(chr.getProperty("addr")).toEqual({ type: "unix", path });
    expect(chr.getProperty("connected")).toBe(false);
  });

  it("reports QEMU's errors", async () => {
    expect(await errorOf(reg.newFromOpts(opts("nosuch,id=x")))).toBe("'nosuch' is not a valid char driver name");
    expect(await errorOf(reg.newFromOpts(opts("null")))).toBe("chardev: no id specified");
    expect(await errorOf(reg.newFromOpts(opts("id=x")))).toBe('chardev: "x" missing backend');
    expect(await errorOf(reg.newFromOpts(opts("file,id=x")))).toBe("chardev: file: no filename given");
    expect(await errorOf(reg.newFromOpts(opts("file,id=x,path=/nonexistent/dir/f")))).toBe(
      "Could not open '/nonexistent/dir/f': No such file or directory",
    );
    expect(await errorOf(reg.newFromOpts(opts("socket,id=x")))).toBe("Unable to parse FD number ");
    expect(await errorOf(reg.newFromOpts(opts("socket,id=x,fd=abc")))).toBe("Unable to parse FD number abc");
    expect(await errorOf(reg.newFromOpts(opts("socket,id=x,fd=99")))).toBe("File descriptor '99' is not a socket");
    expect(await errorOf(reg.newFromOpts(opts("socket,id=x,path=/nonexistent/dir/s,server=on,wait=off")))).toBe(
      "Failed to bind socket to /nonexistent/dir/s: No such file or directory",
    );
    expect(await errorOf(reg.newFromOpts(opts(`socket,id=x,path=${dir}/nosock`)))).toBe(
      `Failed to connect to '${dir}/nosock': No such file or directory`,
    );
    expect(await errorOf(reg.newFromOpts(opts("socket,id=x,host=localhost")))).toBe("chardev: socket: no port given");
    expect(await errorOf(reg.newFromOpts(opts("socket,id=x,path=/tmp/a,host=h")))).toBe(
      "None or one of 'path', 'fd' or 'host' option required.",
    );
    expect(await errorOf(reg.newFromOpts(opts(`socket,id=x,path=${dir}/s,server=on,wait=off,reconnect=1`)))).toBe(
      "'reconnect' option is incompatible with socket in server listen mode",
    );
    expect(await errorOf(reg.newFromOpts(opts(`socket,id=x,path=${dir}/s,wait=off`)))).toBe(
      "'wait' option is incompatible with socket in client connect mode",
    );
    expect(await errorOf(reg.newFromOpts(opts(`socket,id=x,path=${dir}/s,server=on,wait=off,tls-creds=foo`)))).toBe(
      "No TLS credentials with id 'foo'",
    );
    expect(await errorOf(reg.newFromOpts(opts("ringbuf,id=x,size=1000")))).toBe("size of ringbuf chardev must be power of two");
    expect(await errorOf(reg.newFromOpts(opts("mux,id=x")))).toBe("chardev: mux: no chardev given");
    // Nothing half-made stays behind.
    expect(reg.list()).toEqual([]);
  });

  it("lists the backends like -chardev help, in QEMU's order", async () => {
    const err = await reg.newFromOpts(opts("help")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChardevHelpRequest);
    expect((err as ChardevHelpRequest).text).toBe(
      "Available chardev backend types: \n  stdio\n  ringbuf\n  mux\n  null\n  socket\n  vc\n  memory\n  file\n",
    );
  });
});

describe("query-chardev", () => {
  it("orders labels as QEMU's GLib hash table does and formats filenames", async () => {
    // The same chardevs, created in the same order, as a QEMU 7.2 run recorded in the fixture.
    const fixture = JSON.parse(readFileSync("test/fixtures/chardev/query-chardev-order.json", "utf8")) as {
      return: Array<{ label: string; filename: string }>;
    };
    await reg.newFromOpts(opts("null,id=compat_monitor0"));
    await reg.newFromOpts(opts("null,id=n"));
    await reg.newFromOpts(opts(`file,id=f,path=${dir}/out`));
    await reg.newFromOpts(opts("ringbuf,id=r"));
    await reg.newFromOpts(opts(`socket,id=s1,path=${dir}/s1,server=on,wait=off`));
    await reg.newFromOpts(opts("socket,id=t1,host=127.0.0.1,port=0,server=on,wait=off"));
    await reg.newFromOpts(opts("null,id=p"));
    await reg.newFromOpts(opts("null,id=t2"));
    await reg.newFromOpts(opts("null,id=m,mux=on"));
    await reg.newFromOpts(opts(`socket,id=s2,path=s2-${process.pid},server=on,wait=off`));
    const got = reg.queryChardev();
    expect(got.map((c) => c.label)).toEqual(fixture.return.map((c) => c.label));
    const byLabel = new Map(got.map((c) => [c.label, c.filename]));
    expect(byLabel.get("s1")).toBe(`disconnected:unix:${dir}/s1,server=on`);
    expect(byLabel.get("s2")).toBe(`disconnected:unix:s2-${process.pid},server=on`);
    expect(byLabel.get("t1")).toMatch(/^disconnected:tcp:127\.0\.0\.1:\d+,server=on$/);
    expect(byLabel.get("r")).toBe("ringbuf");
    expect(byLabel.get("f")).toBe("file");
    expect(byLabel.get("m")).toBe("mux");
    expect(byLabel.get("m-base")).toBe("null");
    const port = /:(\d+),/.exec(byLabel.get("t1")!)![1]!;
    expect(reg.find("t1")!.getProperty("addr")).toEqual({ type: "inet", host: "127.0.0.1", port, ipv4: true });
    await reg.remove("s2");
    rmSync(`s2-${process.pid}`, { force: true });
  });
});

describe("socket chardev", () => {
  it("accepts a real Unix connection, one client at a time", async () => {
    const path = join(dir, "qmp.sock");
    const chr = (await reg.newFromOpts(opts(`socket,id=compat_monitor0,path=${path},server=on,wait=off`))) as SocketChardev;
    const fe = new ChardevFrontend(chr);
    const log: string[] = [];
    fe.setHandlers({
      onOpen: () => {
        log.push("open");
        fe.write("hello\r\n");
      },
      onData: (buf) => {
        log.push(`data:${Buffer.from(buf).toString()}`);
        fe.write(Buffer.from(buf).toString().toUpperCase());
      },
      onClose: () => log.push("close"),
    });
    const c1 = await connectUnix(path);
    expect(await readBytes(c1, 7)).toBe("hello\r\n");
    expect(chr.getProperty("connected")).toBe(true);
    expect(reg.queryChardev()).toEqual([{ "frontend-open": true, filename: `unix:${path},server=on`, label: "compat_monitor0" }]);
    // A second client connects but hears nothing while the first is served.
    const c2 = await connectUnix(path);
    let c2Got = "";
    c2.on("data", (d: Buffer) => (c2Got += d.toString()));
    c1.write("abc");
    expect(await readBytes(c1, 3)).toBe("ABC");
    expect(c2Got).toBe("");
    const greeting2 = readBytes(c2, 7);
    c1.end();
    expect(await greeting2).toBe("hello\r\n");
    c2.write("x");
    expect(await readBytes(c2, 1)).toBe("X");
    expect(log).toEqual(["open", "data:abc", "close", "open", "data:x"]);
    c2.destroy();
    await new Promise<void>((r) => (chr.connected ? fe.setHandlers({ onClose: () => r() }) : r()));
    expect(reg.queryChardev()[0]!.filename).toBe(`disconnected:unix:${path},server=on`);
  });

  it("waits for a client with wait=on, saying so like QEMU", async () => {
    const path = join(dir, "w.sock");
    const pending = reg.newFromOpts(opts(`socket,id=w,path=${path},server=on`));
    // The socket exists once listening; connect and the creation completes.
    for (;;) {
      try {
        const c = await connectUnix(path);
        const chr = await pending;
        expect(infos).toContain(`QEMU waiting for connection on: disconnected:unix:${path},server=on`);
        expect(chr.getProperty("connected")).toBe(true);
        c.destroy();
        break;
      } catch {
        await new Promise((r) => setImmediate(r));
      }
    }
  });
});

describe("other backends", () => {
  it("file writes what the frontend writes, and logfile copies it", async () => {
    const out = join(dir, "out.txt");
    writeFileSync(out, "old contents");
    const chr = await reg.newFromOpts(opts(`file,id=f,path=${out},logfile=${dir}/log.txt`));
    const fe = new ChardevFrontend(chr);
    expect(fe.write("serial output\n")).toBe(14);
    expect(readFileSync(out, "utf8")).toBe("serial output\n");
    expect(readFileSync(join(dir, "log.txt"), "utf8")).toBe("serial output\n");
  });

  it("ringbuf keeps the newest bytes of a power-of-two buffer", async () => {
    const chr = (await reg.newFromOpts(opts("ringbuf,id=r,size=8"))) as RingBufChardev;
    const fe = new ChardevFrontend(chr);
    fe.write("0123456789");
    expect(chr.count).toBe(8);
    expect(Buffer.from(chr.read(3)).toString()).toBe("234");
    expect(Buffer.from(chr.read(100)).toString()).toBe("56789");
    const got: string[] = [];
    fe.setReceiver((b) => got.push(Buffer.from(b).toString()));
    chr.feed(Buffer.from("in"));
    expect(got).toEqual(["in"]);
  });

  it("a second frontend on one chardev is refused", async () => {
    const chr = await reg.newFromOpts(opts("null,id=c"));
    new ChardevFrontend(chr);
    expect(() => new ChardevFrontend(chr)).toThrow("Device 'c' is in use");
  });

  it("mux shares a backend; Ctrl-A c moves the focus", async () => {
    const chr = await reg.newFromOpts(opts("ringbuf,id=m,mux=on,size=64"));
    const base = reg.find("m-base") as RingBufChardev;
    const serial = new ChardevFrontend(chr);
    const monitor = new ChardevFrontend(chr);
    const got: string[] = [];
    monitor.setHandlers({ onData: (b) => got.push(`mon:${Buffer.from(b).toString()}`) });
    serial.setHandlers({ onData: (b) => got.push(`ser:${Buffer.from(b).toString()}`) });
    serial.write("S");
    monitor.write("M");
    expect(Buffer.from(base.read(10)).toString()).toBe("SM");
    base.feed(Buffer.from("a\x01cb\x01\x01"));
    expect(got).toEqual(["ser:a", "mon:b", "mon:\x01"]);
  });
});

describe("legacy -serial/-monitor syntax", () => {
  it("creates chardevs from 'file:', 'null' and reuses 'chardev:ID'", async () => {
    const list = createQemuOptionGroups().find("chardev");
    const f = await reg.newFromCompat("serial0", `file:${dir}/serial.log`, true, list);
    expect(f.typeName).toBe("chardev-file");
    expect(reg.find("serial0")).toBe(f);
    // The temporary QemuOpts is gone again, as in QEMU.
    expect(list.head).toEqual([]);
    expect(await reg.newFromCompat("x", "chardev:serial0", false, list)).toBe(f);
    // -serial file:/nonexistent/x: QEMU prints this, then "could not connect serial device …".
    expect(await errorOf(reg.newFromCompat("serial1", "file:/nonexistent/x", false, list))).toBe(
      "Could not open '/nonexistent/x': No such file or directory",
    );
    expect(await errorOf(reg.newFromCompat("serial1", "nosuch", false, list))).toBe("'nosuch' is not a valid char driver");
    const mux = await reg.newFromCompat("compat_monitor1", "mon:null", true, list);
    expect(mux.typeName).toBe("chardev-mux");
    expect(reg.find("compat_monitor1-base")?.typeName).toBe("chardev-null");
  });
});
