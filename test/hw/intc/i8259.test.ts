/**
 * The 8259 pair through ports 0x20/0x21, 0xa0/0xa1 and the ELCRs 0x4d0/0x4d1, its output going
 * to a CPU without local APIC, so `hasInterrupt` is the INTR line and `acknowledgeInterrupt`
 * the INTA cycle. Behaviour as QEMU 7.2's hw/intc/i8259.c.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { apicWorld, type ApicWorld } from "../fixtures/apic-world.js";

let w: ApicWorld;
const cpu = () => w.cpus[0]!;
const raise = (irq: number) => w.pic[irq]!.handler!(irq & 7, 1);
const lower = (irq: number) => w.pic[irq]!.handler!(irq & 7, 0);
const eoiMaster = () => w.io.write(0x20, 0x20, 1);
const eoiSlave = () => w.io.write(0xa0, 0x20, 1);

beforeEach(() => {
  w = apicWorld({ withApic: false });
  w.initPic();
});

describe("8259 pair", () => {
  it("latches an edge, raises INTR, and puts the IRQ in service on INTA", () => {
    raise(1);
    expect(cpu().hasInterrupt()).toBe(true);
    expect(w.io.read(0x20, 1)).toBe(0x02); // IRR (the default read register)
    expect(cpu().acknowledgeInterrupt()).toBe(0x09);
    expect(cpu().hasInterrupt()).toBe(false);
    w.io.write(0x20, 0x0b, 1); // OCW3: read ISR
    expect(w.io.read(0x20, 1)).toBe(0x02);
    lower(1);
    raise(1); // a new edge while in service waits
    expect(cpu().hasInterrupt()).toBe(false);
    eoiMaster();
    expect(cpu().hasInterrupt()).toBe(true);
    expect(w.io.read(0x20, 1)).toBe(0); // ISR now empty
  });

  it("masks with OCW1 and reads the mask back", () => {
    w.io.write(0x21, 0xfd, 1);
    expect(w.io.read(0x21, 1)).toBe(0xfd);
    raise(0);
    expect(cpu().hasInterrupt()).toBe(false);
    w.io.write(0x21, 0x00, 1);
    expect(cpu().hasInterrupt()).toBe(true);
  });

  it("orders by priority and nests higher over lower", () => {
    raise(3);
    raise(5);
    expect(cpu().acknowledgeInterrupt()).toBe(0x0b);
    expect(cpu().hasInterrupt()).toBe(false); // 5 waits behind 3
    raise(0);
    expect(cpu().acknowledgeInterrupt()).toBe(0x08); // 0 preempts 3
    eoiMaster(); // retires 0 (highest in service)
    expect(cpu().hasInterrupt()).toBe(false);
    eoiMaster(); // retires 3
    expect(cpu().acknowledgeInterrupt()).toBe(0x0d);
  });

  it("cascades the slave through master IRQ 2 and needs EOIs on both", () => {
    raise(12);
    expect(cpu().acknowledgeInterrupt()).toBe(0x74);
    raise(9);
    expect(cpu().hasInterrupt()).toBe(false); // master IRQ 2 in service
    eoiSlave();
    eoiMaster();
    expect(cpu().acknowledgeInterrupt()).toBe(0x71);
  });

  it("specific EOI, rotation on EOI, and set-priority", () => {
    raise(1);
    raise(4);
    expect(cpu().acknowledgeInterrupt()).toBe(0x09);
    w.io.write(0x20, 0x60 | 1, 1); // specific EOI for IRQ 1
    expect(cpu().acknowledgeInterrupt()).toBe(0x0c);
    // Rotate on non-specific EOI: IRQ 4 becomes the lowest priority.
    w.io.write(0x20, 0xa0, 1);
    lower(1);
    lower(4);
    raise(4);
    raise(1);
    // Priority now runs 5, 6, 7, 0, 1, ... 4: IRQ 1 beats IRQ 4.
    expect(cpu().acknowledgeInterrupt()).toBe(0x09);
    eoiMaster();
    // Set priority: IRQ 6 lowest, so 7 is highest and 4 beats nothing above it.
    w.io.write(0x20, 0xc0 | 6, 1);
    raise(7);
    expect(cpu().acknowledgeInterrupt()).toBe(0x0f);
    eoiMaster();
    expect(cpu().acknowledgeInterrupt()).toBe(0x0c);
  });

  it("rotates in automatic EOI mode without setting ISR", () => {
    w.io.write(0x20, 0x11, 1);
    w.io.write(0x21, 0x08, 1);
    w.io.write(0x21, 0x04, 1);
    w.io.write(0x21, 0x03, 1); // ICW4: 8086 mode, auto EOI
    w.io.write(0x20, 0x80, 1); // OCW2: rotate in auto-EOI mode
    raise(3);
    raise(6);
    expect(cpu().acknowledgeInterrupt()).toBe(0x0b);
    w.io.write(0x20, 0x0b, 1);
    expect(w.io.read(0x20, 1)).toBe(0); // no ISR bit in auto-EOI
    // IRQ 3 is now lowest priority; 6 comes next without any EOI.
    expect(cpu().acknowledgeInterrupt()).toBe(0x0e);
  });

  it("answers a poll command with the highest request, acknowledging it", () => {
    raise(6);
    w.io.write(0x20, 0x0c, 1); // OCW3: poll
    expect(w.io.read(0x20, 1)).toBe(0x86);
    expect(cpu().hasInterrupt()).toBe(false);
    w.io.write(0x20, 0x0c, 1);
    expect(w.io.read(0x20, 1)).toBe(0); // nothing pending
  });

  it("special mask mode lets lower priorities through while masked ones are in service", () => {
    raise(3);
    expect(cpu().acknowledgeInterrupt()).toBe(0x0b);
    w.io.write(0x21, 0x08, 1); // mask IRQ 3 (in service)
    raise(5);
    expect(cpu().hasInterrupt()).toBe(false);
    w.io.write(0x20, 0x68, 1); // OCW3: set special mask
    expect(cpu().acknowledgeInterrupt()).toBe(0x0d);
    w.io.write(0x20, 0x48, 1); // reset special mask
  });

  it("level-triggered lines (ELCR) stay pending while high and vanish when low", () => {
    w.io.write(0x4d1, 0x04, 1); // IRQ 10 level-triggered
    expect(w.io.read(0x4d1, 1)).toBe(0x04);
    raise(10);
    expect(cpu().acknowledgeInterrupt()).toBe(0x72);
    eoiSlave();
    eoiMaster();
    // Still high: it comes again.
    expect(cpu().acknowledgeInterrupt()).toBe(0x72);
    eoiSlave();
    eoiMaster();
    lower(10);
    w.io.write(0xa0, 0x0a, 1);
    expect(w.io.read(0xa0, 1)).toBe(0); // IRR bit gone with the level
  });

  it("gives the spurious IRQ 7 and 15 vectors when the request went away before INTA", () => {
    w.io.write(0x4d0, 0x20, 1); // IRQ 5 level
    raise(5);
    expect(cpu().hasInterrupt()).toBe(true);
    lower(5);
    expect(cpu().hasInterrupt()).toBe(false);
    // The CPU acknowledges anyway (it saw INTR): IRQ 7's vector, nothing in service.
    expect(cpu().acknowledgeInterrupt()).toBe(0x0f);
    w.io.write(0x20, 0x0b, 1);
    expect(w.io.read(0x20, 1)).toBe(0);
    // On the slave: master IRQ 2 was latched as an edge, the slave's request is gone.
    w.io.write(0x4d1, 0x08, 1); // IRQ 11 level
    raise(11);
    lower(11);
    expect(cpu().acknowledgeInterrupt()).toBe(0x77);
    expect(w.io.read(0x20, 1)).toBe(0x04); // master IRQ 2 in service: the OS must EOI it
  });

  it("ICW1 restarts initialisation: mask and service state cleared, ELCR kept", () => {
    w.io.write(0x4d0, 0x08, 1);
    w.io.write(0x21, 0xff, 1);
    raise(1);
    w.io.write(0x20, 0x11, 1);
    w.io.write(0x21, 0x20, 1); // new vector base 0x20
    w.io.write(0x21, 0x04, 1);
    w.io.write(0x21, 0x01, 1);
    expect(w.io.read(0x21, 1)).toBe(0);
    expect(w.io.read(0x4d0, 1)).toBe(0x08);
    raise(0);
    expect(cpu().acknowledgeInterrupt()).toBe(0x20);
  });
});
