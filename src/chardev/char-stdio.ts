/**
 * `chardev-stdio` (QEMU's chardev/char-stdio.c): the process's standard input and output. Only
 * one chardev may use them; with a terminal, input is raw (no echo, no line editing), and with
 * signal=on (the default) Ctrl-C still interrupts qomd, as it does QEMU.
 */
import { QomError } from "../qom/error.js";
import type { TypeInfo } from "../qom/type.js";
import { Chardev, TYPE_CHARDEV, type ChardevClass } from "./chardev.js";
import type { ChardevBackendOptions } from "./chardev-options.js";

export const TYPE_CHARDEV_STDIO = "chardev-stdio";

/** The host side stdio uses; tests substitute their own streams. */
export interface StdioStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: NodeJS.WritableStream;
  /** -daemonize: stdio is gone. */
  daemonized: boolean;
}

let stdioInUse = false;
let streamsOverride: StdioStreams | undefined;

/** Replaces process.stdin/stdout (tests, or a daemon that redirects them). */
export function setStdioStreams(streams: StdioStreams | undefined): void {
  streamsOverride = streams;
}

function streams(): StdioStreams {
  return streamsOverride ?? { input: process.stdin, output: process.stdout, daemonized: false };
}

export class StdioChardev extends Chardev {
  private io: StdioStreams | undefined;
  private allowSignal = true;
  private reading = false;
  private readonly onInput = (chunk: Buffer | string): void => {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (this.allowSignal && this.io?.input.isTTY && buf.includes(0x03)) {
      process.kill(process.pid, "SIGINT");
    }
    if (!this.deliver(buf)) this.io?.input.pause();
  };

  /** @internal */
  start(io: StdioStreams, allowSignal: boolean): void {
    this.io = io;
    this.allowSignal = allowSignal;
  }

  override chrWrite(buf: Uint8Array): number {
    if (!this.io) return 0;
    this.io.output.write(buf);
    return buf.length;
  }

  /** Starts reading the first time a frontend wants input; resumes after back-pressure. */
  override acceptInput(): void {
    super.acceptInput();
    const io = this.io;
    if (!io || !this.frontend?.feOpen) return;
    if (!this.reading) {
      this.reading = true;
      if (io.input.isTTY && io.input.setRawMode) io.input.setRawMode(true);
      io.input.on("data", this.onInput);
    }
    if (this.pendingInput.length === 0) io.input.resume();
  }

  protected override onInputDrained(): void {
    if (this.reading) this.io?.input.resume();
  }

  override async close(): Promise<void> {
    const io = this.io;
    if (io && this.reading) {
      io.input.off("data", this.onInput);
      io.input.pause();
      if (io.input.isTTY && io.input.setRawMode) io.input.setRawMode(false);
    }
    this.reading = false;
    if (this.io) stdioInUse = false;
    this.io = undefined;
    await super.close();
  }
}

function openStdio(chr: Chardev, backend: ChardevBackendOptions): boolean {
  if (backend.type !== "stdio") throw new Error("chardev-stdio opened with another backend");
  const io = streams();
  if (io.daemonized) throw new QomError("cannot use stdio with -daemonize");
  if (stdioInUse) throw new QomError("cannot use stdio by multiple character devices");
  stdioInUse = true;
  (chr as StdioChardev).start(io, backend.signal ?? true);
  return true;
}

export const chardevStdioTypeInfo: TypeInfo<StdioChardev, ChardevClass> = {
  name: TYPE_CHARDEV_STDIO,
  parent: TYPE_CHARDEV,
  instance: StdioChardev,
  classInit: (k) => {
    k.open = openStdio;
  },
};
