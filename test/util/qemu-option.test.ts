import { describe, expect, it } from "vitest";
import { QemuError } from "../../src/util/error.js";
import { OptionGroupRegistry } from "../../src/util/qemu-config.js";
import {
  QemuOptsList,
  getOptValue,
  hasHelpOption,
  qemuOptsDoParse,
  qemuOptsParse,
  qemuOptsParseNoisily,
} from "../../src/util/qemu-option.js";

function memoryList() {
  return new QemuOptsList({
    name: "memory",
    impliedOptName: "size",
    mergeLists: true,
    desc: [
      { name: "size", type: "size" },
      { name: "slots", type: "number" },
      { name: "maxmem", type: "size" },
    ],
  });
}

function anyList(name = "device") {
  return new QemuOptsList({ name, impliedOptName: "driver", desc: [] });
}

function collect() {
  const lines: string[] = [];
  return { lines, sink: { warn: (t: string) => lines.push(`warning: ${t}`), print: (t: string) => lines.push(t) } };
}

describe("key=value parsing", () => {
  it("splits on single commas; ',,' is a literal comma", () => {
    expect(getOptValue("a,,b,c", 0)).toEqual({ value: "a,b", end: 4 });
    const opts = qemuOptsParse(anyList(), "e1000,romfile=a,,b.rom,x=", true);
    expect(opts.entries()).toEqual([
      ["driver", "e1000"],
      ["romfile", "a,b.rom"],
      ["x", ""],
    ]);
  });

  it("does not unescape ',,' in the implied first value's name scan but does in its value", () => {
    const opts = qemuOptsParse(anyList(), "a,,b", true);
    expect(opts.get("driver")).toBe("a,b");
  });

  it("takes a bare word as a flag when there is no implied key", () => {
    const list = new QemuOptsList({ name: "x", desc: [] });
    const opts = qemuOptsParse(list, "foo,nobar", false);
    expect(opts.entries()).toEqual([
      ["foo", "on"],
      ["bar", "off"],
    ]);
  });

  it("warns about short-form booleans when parsing noisily", () => {
    const w = collect();
    qemuOptsParseNoisily(new QemuOptsList({ name: "x", desc: [] }), "server,nowait,nodelay", false, w.sink);
    expect(w.lines).toEqual([
      "warning: short-form boolean option 'server' deprecated",
      "Please use server=on instead\n",
      "warning: short-form boolean option 'nowait' deprecated",
      "Please use wait=off instead\n",
      "warning: short-form boolean option 'nodelay' deprecated",
      "Please use nodelay=on instead\n",
    ]);
  });

  it("last setting wins for get(), all are kept in order", () => {
    const opts = qemuOptsParse(anyList(), "e1000,x=1,x=2", true);
    expect(opts.get("x")).toBe("2");
    expect(opts.getAll("x")).toEqual(["1", "2"]);
  });
});

describe("ids", () => {
  it("stores id= as the QemuOpts id, not as an option", () => {
    const list = anyList();
    const opts = qemuOptsParse(list, "virtio-net-pci,id=net0,mac=52:54:00:12:34:56", true);
    expect(opts.id).toBe("net0");
    expect(opts.has("id")).toBe(false);
    expect(list.find("net0")).toBe(opts);
  });

  it("rejects a duplicate id per group with QEMU's text", () => {
    const list = new QemuOptsList({ name: "drive", desc: [] });
    qemuOptsParse(list, "id=a", false);
    expect(() => qemuOptsParse(list, "id=a,file=x", false)).toThrow("Duplicate ID 'a' for drive");
    expect(list.head.length).toBe(1);
  });

  it("rejects a malformed id with the identifier hint", () => {
    try {
      qemuOptsParse(anyList(), "e1000,id=1x", true);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QemuError);
      expect((e as QemuError).message).toBe("Parameter 'id' expects an identifier");
      expect((e as QemuError).hint).toBe("Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n");
    }
  });

  it("merging lists refuse id= and accumulate into one QemuOpts", () => {
    const list = memoryList();
    expect(() => qemuOptsParse(list, "1,id=x", true)).toThrow("Invalid parameter 'id'");
    const a = qemuOptsParse(list, "512M", true);
    const b = qemuOptsParse(list, "slots=2,maxmem=4G", true);
    expect(a).toBe(b);
    expect(list.head.length).toBe(1);
    expect(a.getSize("size", 0n)).toBe(512n << 20n);
    expect(a.getNumber("slots", 0n)).toBe(2n);
    expect(a.getSize("maxmem", 0n)).toBe(4n << 30n);
  });
});

describe("validation against descriptors", () => {
  it("rejects unknown keys", () => {
    expect(() => qemuOptsParse(memoryList(), "2048,foo=1", true)).toThrow("Invalid parameter 'foo'");
  });

  it("checks sizes with QEMU's texts", () => {
    try {
      qemuOptsParse(memoryList(), "2048x", true);
      expect.unreachable();
    } catch (e) {
      expect((e as QemuError).message).toBe("Parameter 'size' expects a non-negative number below 2^64");
      expect((e as QemuError).hint).toBe(
        "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n",
      );
    }
    expect(() => qemuOptsParse(memoryList(), "17179869184G", true)).toThrow(
      "Value '17179869184G' is out of range for parameter 'size'",
    );
  });

  it("checks numbers and booleans", () => {
    expect(() => qemuOptsParse(memoryList(), "slots=two", true)).toThrow("Parameter 'slots' expects a number");
    expect(() => qemuOptsParse(memoryList(), "slots=99999999999999999999", true)).toThrow(
      "Value '99999999999999999999' is too large for parameter 'slots'",
    );
    const boot = new QemuOptsList({ name: "boot-opts", desc: [{ name: "menu", type: "bool" }] });
    expect(() => qemuOptsParse(boot, "menu=maybe", false)).toThrow("Parameter 'menu' expects 'on' or 'off'");
    expect(qemuOptsParse(boot, "menu=yes", false).getBool("menu", false)).toBe(true);
  });

  it("removes the QemuOpts again when parsing fails", () => {
    const list = anyList("netdev");
    const l2 = new QemuOptsList({ name: "rtc", mergeLists: true, desc: [{ name: "base", type: "string" }] });
    expect(() => qemuOptsParse(l2, "base=utc,foo=bar", false)).toThrow("Invalid parameter 'foo'");
    expect(l2.head.length).toBe(0);
    expect(list.head.length).toBe(0);
  });

  it("getters fall back to descriptor defaults, then to the caller's", () => {
    const list = new QemuOptsList({
      name: "t",
      desc: [
        { name: "n", type: "number", defValue: "0x10" },
        { name: "b", type: "bool", defValue: "on" },
        { name: "s", type: "size" },
      ],
    });
    const opts = list.create(undefined, false);
    expect(opts.getNumber("n", 0n)).toBe(16n);
    expect(opts.getBool("b", false)).toBe(true);
    expect(opts.getSize("s", 7n)).toBe(7n);
    expect(opts.get("n")).toBe("0x10");
  });

  it("set/setBool/setNumber validate and store QEMU's string forms", () => {
    const list = new QemuOptsList({ name: "mon", desc: [{ name: "pretty", type: "bool" }, { name: "mode", type: "string" }] });
    const opts = list.create("m", true);
    opts.setBool("pretty", false);
    opts.set("mode", "control");
    expect(opts.entries()).toEqual([
      ["pretty", "off"],
      ["mode", "control"],
    ]);
    expect(() => opts.set("bogus", "1")).toThrow("Invalid parameter 'bogus'");
    const any = anyList("drive").create(undefined, false);
    any.setNumber("index", 2);
    expect(any.get("index")).toBe("2");
  });

  it("qemuOptsDoParse adds to an existing QemuOpts with an implied key", () => {
    const list = new QemuOptsList({ name: "chardev", impliedOptName: "backend", desc: [{ name: "path", type: "string" }, { name: "server", type: "bool" }] });
    const opts = list.create("c", true);
    qemuOptsDoParse(opts, "/tmp/s,server=on", "path");
    expect(opts.get("path")).toBe("/tmp/s");
    expect(opts.getBool("server", false)).toBe(true);
  });
});

describe("help", () => {
  it("detects help words only for lists with descriptors, when asked", () => {
    const w = collect();
    expect(qemuOptsParseNoisily(memoryList(), "1G,help", true, w.sink)).toEqual({ help: true });
    const any = anyList();
    const r = qemuOptsParseNoisily(any, "e1000,help", true, w.sink);
    expect(r.help).toBe(false);
    if (!r.help) expect(r.opts.hasHelpOpt()).toBe(true);
    expect(hasHelpOption("a=1,?")).toBe(true);
    expect(hasHelpOption("help=1")).toBe(false);
  });

  it("prints the options sorted, as qemu_opts_print_help does", () => {
    // The real qemu-system-x86_64 7.2 output of "-boot help".
    const boot = new QemuOptsList({
      name: "boot-opts",
      desc: [
        { name: "order", type: "string" },
        { name: "once", type: "string" },
        { name: "menu", type: "bool" },
        { name: "splash", type: "string" },
        { name: "splash-time", type: "number" },
        { name: "reboot-timeout", type: "number" },
        { name: "strict", type: "bool" },
      ],
    });
    expect(boot.helpText()).toBe(
      "boot-opts options:\n  menu=<bool (on/off)>\n  once=<str>\n  order=<str>\n  reboot-timeout=<num>\n" +
        "  splash-time=<num>\n  splash=<str>\n  strict=<bool (on/off)>\n",
    );
    const withHelp = new QemuOptsList({ name: "x", desc: [{ name: "fd", type: "number", help: "file descriptor" }] });
    expect(withHelp.helpText()).toBe(`x options:\n  fd=<num>${" ".repeat(14)} - file descriptor\n`);
    expect(new QemuOptsList({ name: "y", desc: [] }).helpText()).toBe("There are no options for y.\n");
  });
});

describe("OptionGroupRegistry", () => {
  it("finds groups by name and reports unknown ones", () => {
    const reg = new OptionGroupRegistry();
    const list = reg.add({ name: "drive", desc: [] });
    expect(reg.find("drive")).toBe(list);
    expect(() => reg.find("foo")).toThrow("There is no option group 'foo'");
    expect(() => reg.add({ name: "drive", desc: [] })).toThrow();
    // Registries are independent objects.
    expect(new OptionGroupRegistry().tryFind("drive")).toBeUndefined();
  });
});
