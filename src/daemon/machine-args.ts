/**
 * machine-create's arguments to a qemu-system-x86_64 argv: either the argv
 * given, or one built from the structured members, each becoming the option
 * that means the same on the command line.
 */
import type { JsonObject } from "../qobject/json-value.js";
import { toQmpJson } from "../qobject/json-writer.js";
import { QmpError } from "../qapi/error.js";

const STRUCTURED = ["machine-type", "accel", "cpu", "memory", "smp", "nodefaults", "devices"] as const;

export function machineArgv(args: JsonObject): string[] {
  const argv = args["argv"] as string[] | undefined;
  const given = STRUCTURED.filter((k) => args[k] !== undefined);
  if (argv !== undefined) {
    if (given.length) throw new QmpError("GenericError", `Parameter 'argv' cannot be combined with '${given[0]}'`);
    return [...argv];
  }
  const out: string[] = ["-machine", (args["machine-type"] as string | undefined) ?? "pc"];
  if (args["accel"] !== undefined) out.push("-accel", args["accel"] as string);
  if (args["cpu"] !== undefined) out.push("-cpu", args["cpu"] as string);
  if (args["memory"] !== undefined) out.push("-m", `${String(args["memory"])}B`);
  if (args["smp"] !== undefined) out.push("-smp", String(args["smp"]));
  if (args["nodefaults"] === true) out.push("-nodefaults");
  for (const dev of (args["devices"] as JsonObject[] | undefined) ?? []) {
    const { props, ...base } = dev;
    const opts: JsonObject = { ...base, ...((props as JsonObject | undefined) ?? {}) };
    out.push("-device", toQmpJson(opts));
  }
  return out;
}

/** A command-line error as a QMP error text: QEMU's message without the program-name prefix. */
export function cliErrorDesc(message: string, prog: string): string {
  return message
    .split("\n")
    .map((line) => (line.startsWith(`${prog}: `) ? line.slice(prog.length + 2) : line))
    .join("\n");
}
