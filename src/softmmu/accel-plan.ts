/**
 * Which accelerators to try, in order (softmmu/vl.c configure_accelerators): the -accel options
 * as given, or else "-machine accel=a:b" / -enable-kvm, or else the default ("tcg:kvm", or
 * "kvm:tcg" when the program name ends in "kvm"). Names this binary lacks are reported
 * ("invalid accelerator foo") and skipped; the caller initialises the rest in order and stops at
 * the first that works.
 */
import type { JsonObject } from "../qobject/json-value.js";
import { CliError, formatErrorReport } from "./cli-error.js";
import type { CommandLine } from "./cmdline-types.js";

export interface AccelCandidate {
  /** The accelerator name ("tcg", "kvm"). */
  name: string;
  /** Its properties other than accel= (from -accel NAME,prop=value), in order. */
  props: Array<[string, string]>;
  /** The -accel option it came from, for errors about its properties. */
  loc: string | undefined;
}

export interface AccelPlan {
  candidates: AccelCandidate[];
  /** error_report() lines printed while planning (each without "\n"), e.g. invalid names. */
  messages: string[];
  /**
   * True when some accelerator was rejected; if a later one works QEMU then prints
   * "PROG: falling back to NAME" (see fallbackMessage).
   */
  initFailed: boolean;
}

/**
 * Plan the accelerator attempts. `available` tells whether this binary has an accelerator.
 * Throws CliError for 'The -accel and "-machine accel=" options are incompatible' and
 * "No accelerator selected and no default accelerator available".
 */
export function planAccelerators(cmd: CommandLine, available: (name: string) => boolean): AccelPlan {
  const prog = cmd.prog;
  const messages: string[] = [];
  let initFailed = false;
  const accelOpts = cmd.groups.find("accel").head;
  const machineAccel = (cmd.machineOpts as JsonObject)["accel"];
  const candidates: AccelCandidate[] = [];

  if (accelOpts.length === 0) {
    let accelerators = typeof machineAccel === "string" ? machineAccel : undefined;
    if (accelerators === undefined) {
      const tcg = available("tcg");
      const kvm = available("kvm");
      if (tcg && kvm) accelerators = prog.endsWith("kvm") ? "kvm:tcg" : "tcg:kvm";
      else if (kvm) accelerators = "kvm";
      else if (tcg) accelerators = "tcg";
      else throw new CliError(formatErrorReport(prog, undefined, "No accelerator selected and no default accelerator available"));
    }
    for (const name of accelerators.split(":")) {
      if (available(name)) {
        candidates.push({ name, props: [], loc: undefined });
      } else {
        initFailed = true;
        messages.push(formatErrorReport(prog, undefined, `invalid accelerator ${name}`));
      }
    }
  } else {
    if (machineAccel !== undefined) {
      throw new CliError(formatErrorReport(prog, undefined, `The -accel and "-machine accel=" options are incompatible`));
    }
    for (const opts of accelOpts) {
      const name = opts.get("accel") ?? "";
      if (!available(name)) {
        initFailed = true;
        messages.push(formatErrorReport(prog, opts.loc, `invalid accelerator ${name}`));
        continue;
      }
      candidates.push({ name, props: opts.entries().filter(([k]) => k !== "accel"), loc: opts.loc });
    }
  }
  return { candidates, messages, initFailed };
}

/** "PROG: falling back to NAME", printed when an earlier accelerator failed but NAME worked. */
export function fallbackMessage(prog: string, accelName: string): string {
  return formatErrorReport(prog, undefined, `falling back to ${accelName}`);
}

/**
 * The error to exit with when no candidate could be initialised. `plan.messages` must hold
 * everything already reported (add "failed to initialize kvm: ..." lines there, and set
 * initFailed); QEMU adds "no accelerator found" only when nothing failed visibly.
 */
export function noAcceleratorError(prog: string, plan: AccelPlan): CliError {
  if (plan.initFailed && plan.messages.length > 0) return new CliError(plan.messages.join("\n"));
  const err = new CliError(formatErrorReport(prog, undefined, "no accelerator found"));
  err.warnings = [...plan.messages];
  return err;
}
