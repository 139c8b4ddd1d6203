/**
 * query-pci, query-memdev, query-memory-size-summary, query-memory-devices, query-iothreads,
 * query-acpi-ospm-status and query-vm-generation-id replayed against sessions captured from
 * QEMU 7.2 on the same command lines (test/fixtures/qemu-7.2/query-pci-memory-acpi.json, made by
 * the .capture.py beside it). Every reply must equal QEMU's.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { JsonObject, JsonValue } from "../../../src/qobject/json-value.js";
import { testMachine, type TestMachine } from "../machine-fixture.js";

interface Exchange {
  request: { execute: string; arguments?: JsonObject };
  response: { return?: JsonValue; error?: { class: string; desc: string } };
}

const sessions = JSON.parse(
  readFileSync(new URL("../../fixtures/qemu-7.2/query-pci-memory-acpi.json", import.meta.url), "utf8"),
) as Record<string, { args: string[]; exchanges: Exchange[] }>;

function reply(m: TestMachine, ex: Exchange): Exchange["response"] {
  const r = m.runtime.execute(ex.request.execute, ex.request.arguments ?? {});
  m.runtime.flushAfterReply();
  return r.ok ? { return: r.value === undefined ? {} : r.value } : { error: { class: r.error.wire.class, desc: r.error.wire.desc } };
}

describe("the PCI, memory and ACPI queries against QEMU 7.2's sessions", () => {
  for (const [name, session] of Object.entries(sessions)) {
    it(`${name}: ${session.args.join(" ")}`, async () => {
      const m = await testMachine([...session.args, "-S", "-display", "none"]);
      session.exchanges.forEach((ex, i) => {
        expect(reply(m, ex), `${name}#${i} ${ex.request.execute}`).toEqual(ex.response);
      });
    });
  }
});
