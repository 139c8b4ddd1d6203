/**
 * A small argv reader for the tools: short and long flags, "--opt value" and
 * "--opt=value", and positional arguments in order.
 */
export class UsageError extends Error {}

export interface FlagSpec {
  /** Flags without a value, e.g. ["-p", "--pretty"]. */
  booleans: Record<string, string>;
  /** Flags with a value, e.g. { "--token": "token", "-s": "socket" }. */
  values: Record<string, string>;
}

export interface ParsedArgv {
  flags: Record<string, string | boolean>;
  positional: string[];
}

export function parseArgv(argv: readonly string[], spec: FlagSpec): ParsedArgv {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag in spec.booleans) {
      if (eq > 0) throw new UsageError(`${flag} takes no value`);
      flags[spec.booleans[flag]!] = true;
    } else if (flag in spec.values) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${flag} requires an argument`);
      flags[spec.values[flag]!] = value;
    } else if (/^-[a-zA-Z]{2,}$/.test(arg) && [...arg.slice(1)].every((c) => `-${c}` in spec.booleans)) {
      // Bundled short flags: -pv.
      for (const c of arg.slice(1)) flags[spec.booleans[`-${c}`]!] = true;
    } else {
      throw new UsageError(`unknown option '${arg}'`);
    }
  }
  return { flags, positional };
}
