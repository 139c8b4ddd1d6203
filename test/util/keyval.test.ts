import { describe, expect, it } from "vitest";
import { keyvalMerge, keyvalParse, keyvalParseInto, newKeyvalDict } from "../../src/util/keyval.js";

const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe("keyvalParse", () => {
  it("builds nested dicts from dotted keys, with an implied first key", () => {
    const r = keyvalParse("pc-i440fx-7.2,accel=kvm,usb=off,memory.size=2G", "type");
    expect(plain(r.dict)).toEqual({ type: "pc-i440fx-7.2", accel: "kvm", usb: "off", memory: { size: "2G" } });
    expect(r.help).toBe(false);
  });

  it("does not unescape ',,' in an implied value, but does in key=value", () => {
    expect(plain(keyvalParse("a=x,,y", undefined).dict)).toEqual({ a: "x,y" });
    expect(() => keyvalParse("2,,3", "cpus")).toThrow("Invalid parameter ''");
  });

  it("turns all-index dicts into lists", () => {
    const r = keyvalParse("l.0=a,l.1=b,m.0.x=1", undefined);
    expect(plain(r.dict)).toEqual({ l: ["a", "b"], m: [{ x: "1" }] });
  });

  it("reports QEMU's errors", () => {
    expect(() => keyvalParse("a.b=1,a=2", undefined)).toThrow("Parameters 'a.*' used inconsistently");
    expect(() => keyvalParse("a=2,a.b=1", undefined)).toThrow("Parameters 'a.*' used inconsistently");
    expect(() => keyvalParse("l.0=a,l.2=b", undefined)).toThrow("Parameter 'l.1' missing");
    expect(() => keyvalParse("l.0=a,l.x=b", undefined)).toThrow("Parameters 'l.*' used inconsistently");
    expect(() => keyvalParse("none,foo", "type")).toThrow("Expected '=' after parameter 'foo'");
    expect(() => keyvalParse("foo..bar=1", undefined)).toThrow("Invalid parameter 'foo..bar'");
    expect(() => keyvalParse("9a=1", undefined)).toThrow("Invalid parameter '9a'");
    expect(() => keyvalParse(`${"k".repeat(128)}=1`, undefined)).toThrow(`Parameter '${"k".repeat(128)}' is too long`);
    expect(() => keyvalParse(`a.${"k".repeat(128)}=1`, undefined)).toThrow("Parameter fragment");
  });

  it("reports help words, or refuses them when help is not available", () => {
    expect(keyvalParse("pc,help", "type").help).toBe(true);
    expect(keyvalParse("help", "type").help).toBe(true);
    expect(() => keyvalParse("help", "driver", false)).toThrow("Help is not available for this option");
  });

  it("accepts downstream __RFQDN_ names but not __proto__, and keeps such keys as members", () => {
    expect(() => keyvalParse("__proto__=x", undefined)).toThrow("Invalid parameter '__proto__'");
    const d = keyvalParse("__com.example_prop=x", undefined).dict;
    expect(Object.hasOwn(d, "__com.example_prop")).toBe(true);
    expect(Object.getPrototypeOf(d)).toBe(null);
  });

  it("parses into an existing dict, the later value replacing the earlier", () => {
    const d = newKeyvalDict();
    keyvalParseInto(d, "pc,usb=on", "type");
    keyvalParseInto(d, "q35", "type");
    expect(plain(d)).toEqual({ type: "q35", usb: "on" });
  });
});

describe("keyvalMerge", () => {
  it("merges sub-dicts, appends lists, replaces strings", () => {
    const dest = keyvalParse("smp.cpus=2,l.0=a,x=1", undefined).dict;
    keyvalMerge(dest, keyvalParse("smp.sockets=2,l.0=b,x=2", undefined).dict);
    expect(plain(dest)).toEqual({ smp: { cpus: "2", sockets: "2" }, l: ["a", "b"], x: "2" });
  });

  it("refuses a string where a dict was", () => {
    const dest = keyvalParse("memory=1G", undefined).dict;
    expect(() => keyvalMerge(dest, keyvalParse("memory.size=2G", undefined).dict)).toThrow(
      "Parameter 'memory' used inconsistently",
    );
    const d2 = keyvalParse("a.b.c=1", undefined).dict;
    expect(() => keyvalMerge(d2, keyvalParse("a.b.c.d=1", undefined).dict)).toThrow("Parameter 'a.b.c' used inconsistently");
  });
});
