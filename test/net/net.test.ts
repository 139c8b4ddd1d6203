import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { QomError } from "../../src/qom/error.js";
import { NetClientRegistry, NetHelpRequest, NetOptionError, nicModelsHelp } from "../../src/net/net.js";
import { inetAton, parseHostForward } from "../../src/net/slirp-config.js";
import { CliError } from "../../src/softmmu/cli-error.js";
import { CliWarnings } from "../../src/softmmu/cli-warnings.js";
import { parseCommandLine } from "../../src/softmmu/cmdline.js";

const PROG = "qemu-system-x86_64";
const fixtures = JSON.parse(readFileSync("test/fixtures/net/netdev-errors.json", "utf8")) as {
  cases: Array<{ args: string; status: number; stderr: string; stdout: string }>;
};
/** The PC's NIC models that matter here (the lead's device list decides the real one). */
const MODELS = ["e1000", "virtio-net-pci"];

/** qomd's output for a fixture line: net_init_clients, the PC board's NICs, net_check_clients. */
function run(args: string): { stderr: string; stdout: string; status: number; reg: NetClientRegistry } {
  const reg = new NetClientRegistry();
  let cmd;
  try {
    cmd = parseCommandLine(["-M", "pc", "-S", "-display", "none", "-nodefaults", ...args.split(" ")], PROG);
  } catch (e) {
    if (e instanceof CliError) return { stderr: e.stderrText(), stdout: "", status: 1, reg };
    throw e;
  }
  const g = cmd.groups;
  try {
    reg.initClients({ netdev: g.find("netdev"), nic: g.find("nic"), net: g.find("net") }, "e1000", MODELS);
    for (const nd of reg.nics) reg.nicCreated(nd, reg.resolveNicModel(nd, "e1000", MODELS));
  } catch (e) {
    if (e instanceof NetOptionError) return { stderr: CliError.at(PROG, e.loc, e).stderrText(), stdout: "", status: 1, reg };
    if (e instanceof NetHelpRequest) return { stderr: "", stdout: e.text, status: e.exitStatus, reg };
    // The board's NIC creation reports without a location.
    if (e instanceof QomError) return { stderr: CliError.at(PROG, undefined, e).stderrText(), stdout: "", status: 1, reg };
    throw e;
  }
  const w = new CliWarnings(PROG);
  reg.checkClients(w.at(undefined));
  return { stderr: w.lines.map((l) => `${l}\n`).join(""), stdout: "", status: 0, reg };
}

describe("-netdev/-net/-nic against QEMU 7.2", () => {
  for (const c of fixtures.cases) {
    if (c.args === "-netdev help") continue;
    it(c.args, () => {
      const got = run(c.args);
      expect(got.stderr).toBe(c.stderr);
      expect(got.status).toBe(c.status);
    });
  }

  it("-netdev help lists the backend types qomd has, in QEMU's order", () => {
    const qemu = fixtures.cases.find((c) => c.args === "-netdev help")!.stdout.split("\n");
    const got = run("-netdev help");
    expect(got.status).toBe(0);
    const ours = got.stdout.split("\n");
    expect(ours[0]).toBe(qemu[0]);
    // Same relative order as QEMU's list.
    const names = ours.slice(1).filter(Boolean);
    expect(names).toEqual(qemu.slice(1).filter((n) => names.includes(n)));
  });
});

describe("legacy -net and -nic naming", () => {
  it("-net nic -net user put both on hub 0 (hub0port0 for the NIC, hub0port1 for user)", () => {
    const { reg } = run("-net nic -net user");
    const ports = reg.clients.filter((c) => c.type === "hubport").map((p) => [p.name, p.peer?.type]);
    expect(ports).toEqual([
      ["hub0port0", "nic"],
      ["hub0port1", "user"],
    ]);
    const user = reg.clients.find((c) => c.type === "user")!;
    expect(user.name).toMatch(/^#net1\d\d$/);
    expect(user.infoStr).toBe("type=user,net=10.0.2.0,restrict=off");
    expect(reg.clients.find((c) => c.type === "nic")!.name).toBe("e1000.0");
    expect(reg.nics[0]!.macaddr).toBe("52:54:00:12:34:56");
  });

  it("-nic user creates a netdev with a generated id and a NIC of the machine's model", () => {
    const { reg, stderr } = run("-nic user -nic user,model=virtio-net-pci,macaddr=52:54:00:aa:bb:cc");
    expect(stderr).toBe("");
    expect(reg.nics.map((n) => [n.model, n.macaddr, n.netdev?.type])).toEqual([
      ["e1000", "52:54:00:12:34:56", "user"],
      ["virtio-net-pci", "52:54:00:aa:bb:cc", "user"],
    ]);
    expect(reg.nics[0]!.netdev!.name).toMatch(/^#net\d+$/);
  });

  it("-device netdev= lookup and its texts", () => {
    const reg = new NetClientRegistry();
    const cmd = parseCommandLine(["-netdev", "user,id=u"], PROG);
    reg.initClients({ netdev: cmd.groups.find("netdev"), nic: cmd.groups.find("nic"), net: cmd.groups.find("net") }, "e1000", MODELS);
    expect(reg.lookup("u")?.type).toBe("user");
    reg.attachNic("u", "net0", "virtio-net-pci");
    expect(() => reg.attachNic("u", "net1", "e1000")).toThrow("Property 'e1000.netdev' can't take value 'u', it's in use");
    expect(() => reg.attachNic("nope", "net1", "e1000")).toThrow("Property 'e1000.netdev' can't find value 'nope'");
  });

  it("unknown NIC models and model=help", () => {
    // QEMU 7.2: "qemu-system-x86_64: Unsupported NIC model: nosuch", exit 1.
    expect(run("-net nic,model=nosuch").stderr).toBe(`${PROG}: Unsupported NIC model: nosuch\n`);
    expect(run("-nic user,model=nosuch").stderr).toBe(`${PROG}: Unsupported NIC model: nosuch\n`);
    const help = run("-net nic,model=help");
    expect(help.stdout).toBe(nicModelsHelp(MODELS));
    expect(help.stdout.startsWith("Supported NIC models:\ne1000\n")).toBe(true);
  });
});

describe("slirp parsing", () => {
  it("inet_aton accepts glibc's forms", () => {
    expect(inetAton("10.0.2.15")).toBe(0x0a00020f);
    expect(inetAton("10.2")).toBe(0x0a000002);
    expect(inetAton("0x7f.1")).toBe(0x7f000001);
    expect(inetAton("1.2.3.256")).toBeUndefined();
    expect(inetAton("abc")).toBeUndefined();
  });

  it("hostfwd rules", () => {
    expect(parseHostForward("tcp::2222-:22", 0x0a00020f)).toEqual({ udp: false, hostAddr: 0, hostPort: 2222, guestAddr: 0x0a00020f, guestPort: 22 });
    expect(() => parseHostForward("tcp:1.2.3.4", 0)).toThrow("Invalid host forwarding rule 'tcp:1.2.3.4' (Missing : separator)");
    expect(() => parseHostForward("tcp::22:22", 0)).toThrow("(Bad host port separator)");
    expect(() => parseHostForward("tcp::22-x:22", 0)).toThrow("(Bad guest address)");
    expect(() => parseHostForward("tcp::22-:0", 0)).toThrow("(Bad guest port)");
  });
});
