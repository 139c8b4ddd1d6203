/**
 * QemuOpts: QEMU's older "key=value,key=value" option syntax (util/qemu-option.c).
 *
 * A QemuOptsList is one option group (-drive, -m, -rtc, ...). Each use of the option creates a
 * QemuOpts in the list (or, for merging lists, adds to the single one). Values stay strings;
 * when the list has descriptors, each value is also checked and converted by its type.
 */
import { ERANGE, ID_HINT, idWellformed, isHelpOption, qapiBoolParse, qemuStrtosz, qemuStrtou64 } from "./cutils.js";
import { IGNORE_WARNINGS, QemuError, type WarningSink } from "./error.js";

export type QemuOptType = "string" | "bool" | "number" | "size";

export interface QemuOptDesc {
  readonly name: string;
  readonly type: QemuOptType;
  readonly help?: string;
  /** def_value_str: what the getters return when the option is absent. */
  readonly defValue?: string;
}

export interface QemuOptsListDef {
  readonly name: string;
  /** The key a leading bare value stands for ("-m 2G" is "-m size=2G"). */
  readonly impliedOptName?: string;
  /** All uses of the option accumulate into one QemuOpts without id (-m, -smp, -rtc, ...). */
  readonly mergeLists?: boolean;
  /** Empty: the list accepts any key and leaves validation to whoever consumes it. */
  readonly desc: readonly QemuOptDesc[];
}

/** One key=value. `value` holds the parsed form when the key has a descriptor. */
export class QemuOpt {
  desc: QemuOptDesc | undefined;
  value: boolean | bigint | undefined;
  constructor(
    readonly name: string,
    public str: string,
  ) {}
}

/** QEMU's location for an error: the command-line words that were being processed. */
export type OptLocation = string | undefined;

export class QemuOpts {
  readonly opts: QemuOpt[] = [];
  constructor(
    readonly list: QemuOptsList,
    public id: string | undefined,
    /** Where the option came from ("-drive file=x"), for errors reported later. */
    public loc: OptLocation,
  ) {}

  /** qemu_opt_find(): the last setting of `name` wins. */
  find(name: string): QemuOpt | undefined {
    for (let i = this.opts.length - 1; i >= 0; i--) {
      const opt = this.opts[i]!;
      if (opt.name === name) return opt;
    }
    return undefined;
  }

  /** qemu_opt_get(): the value, else the descriptor's default, else undefined. */
  get(name: string): string | undefined {
    const opt = this.find(name);
    return opt ? opt.str : this.list.findDesc(name)?.defValue;
  }

  /** Every value given for `name`, in order (qemu_opt_iter_next). */
  getAll(name: string): string[] {
    return this.opts.filter((o) => o.name === name).map((o) => o.str);
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  getBool(name: string, defval: boolean): boolean {
    const opt = this.find(name);
    if (!opt) {
      const def = this.list.findDesc(name)?.defValue;
      return def !== undefined ? qapiBoolParse(name, def) : defval;
    }
    // Lists without descriptors keep strings only; parse on demand like qemu_opts_validate would.
    if (typeof opt.value === "boolean") return opt.value;
    return qapiBoolParse(name, opt.str);
  }

  getNumber(name: string, defval: bigint): bigint {
    const opt = this.find(name);
    if (!opt) {
      const def = this.list.findDesc(name)?.defValue;
      return def !== undefined ? parseOptionNumber(name, def) : defval;
    }
    if (typeof opt.value === "bigint") return opt.value;
    return parseOptionNumber(name, opt.str);
  }

  getSize(name: string, defval: bigint): bigint {
    const opt = this.find(name);
    if (!opt) {
      const def = this.list.findDesc(name)?.defValue;
      return def !== undefined ? parseOptionSize(name, def) : defval;
    }
    if (typeof opt.value === "bigint") return opt.value;
    return parseOptionSize(name, opt.str);
  }

  /** qemu_opt_get_del(): the value (or default), and every setting of it removed. */
  getDel(name: string): string | undefined {
    const value = this.get(name);
    this.delAll(name);
    return value;
  }

  delAll(name: string): void {
    for (let i = this.opts.length - 1; i >= 0; i--) {
      if (this.opts[i]!.name === name) this.opts.splice(i, 1);
    }
  }

  /** qemu_opt_set(): append a setting, checked against the descriptors. */
  set(name: string, value: string): void {
    const opt = new QemuOpt(name, value);
    validateOpt(this.list, opt);
    this.opts.push(opt);
  }

  /** qemu_opt_set_bool(): stored as "on"/"off". */
  setBool(name: string, value: boolean): void {
    const opt = new QemuOpt(name, value ? "on" : "off");
    opt.desc = checkKnown(this.list, name);
    opt.value = value;
    this.opts.push(opt);
  }

  /** qemu_opt_set_number(): stored in decimal. */
  setNumber(name: string, value: bigint | number): void {
    const v = BigInt(value);
    const opt = new QemuOpt(name, v.toString());
    opt.desc = checkKnown(this.list, name);
    opt.value = v;
    this.opts.push(opt);
  }

  /** qemu_opt_unset() (lists without descriptors only): remove the last setting. */
  unset(name: string): boolean {
    for (let i = this.opts.length - 1; i >= 0; i--) {
      if (this.opts[i]!.name === name) {
        this.opts.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  /** qemu_opt_has_help_opt(): a key spelled "help" or "?". */
  hasHelpOpt(): boolean {
    return this.opts.some((o) => isHelpOption(o.name));
  }

  /** The settings in order, as [name, value] pairs (qemu_opt_foreach). */
  entries(): Array<[string, string]> {
    return this.opts.map((o) => [o.name, o.str]);
  }

  /**
   * qemu_opts_to_qdict(): id first (when set), then each key; a repeated key keeps its last value
   * but its first position.
   */
  toDict(): Record<string, string> {
    const dict: Record<string, string> = Object.create(null) as Record<string, string>;
    if (this.id !== undefined) dict["id"] = this.id;
    for (const o of this.opts) dict[o.name] = o.str;
    return dict;
  }

  /** qemu_opts_del(): remove this QemuOpts from its list. */
  delete(): void {
    this.list.remove(this);
  }
}

export class QemuOptsList {
  readonly name: string;
  readonly impliedOptName: string | undefined;
  readonly mergeLists: boolean;
  readonly desc: readonly QemuOptDesc[];
  /** Every QemuOpts created so far, in creation order. */
  readonly head: QemuOpts[] = [];

  constructor(def: QemuOptsListDef) {
    this.name = def.name;
    this.impliedOptName = def.impliedOptName;
    this.mergeLists = def.mergeLists ?? false;
    this.desc = def.desc;
  }

  /** opts_accepts_any(): no descriptors, so any key is taken as a string. */
  acceptsAny(): boolean {
    return this.desc.length === 0;
  }

  findDesc(name: string): QemuOptDesc | undefined {
    return this.desc.find((d) => d.name === name);
  }

  /** qemu_opts_find(): the QemuOpts with this id (undefined: the one without id). */
  find(id: string | undefined): QemuOpts | undefined {
    return this.head.find((o) => o.id === id);
  }

  /**
   * qemu_opts_create(): merging lists reject an id and hand back their single QemuOpts; other
   * lists check the id's form and uniqueness ("Duplicate ID 'x' for drive").
   */
  create(id: string | undefined, failIfExists: boolean, loc?: OptLocation): QemuOpts {
    if (this.mergeLists) {
      if (id !== undefined) throw new QemuError(`Invalid parameter 'id'`);
      const existing = this.find(undefined);
      if (existing) return existing;
    } else if (id !== undefined) {
      if (!failIfExists) throw new Error("QemuOptsList.create: an id needs failIfExists");
      if (!idWellformed(id)) {
        throw new QemuError(`Parameter 'id' expects an identifier`, ID_HINT);
      }
      if (this.find(id)) throw new QemuError(`Duplicate ID '${id}' for ${this.name}`);
    }
    const opts = new QemuOpts(this, id, loc);
    this.head.push(opts);
    return opts;
  }

  /** qemu_find_opts_singleton(): the QemuOpts without id, created when missing. */
  singleton(): QemuOpts {
    return this.find(undefined) ?? this.create(undefined, false);
  }

  remove(opts: QemuOpts): void {
    const i = this.head.indexOf(opts);
    if (i >= 0) this.head.splice(i, 1);
  }

  /** qemu_opts_reset(): forget every QemuOpts. */
  reset(): void {
    this.head.length = 0;
  }

  /**
   * qemu_opts_print_help(): the descriptors sorted by their printed line, under
   * "NAME options:". Returns the text QEMU writes to stdout.
   */
  helpText(printCaption = true): string {
    const lines = this.desc.map((d) => {
      let line = `  ${d.name}=<${optTypeToString(d.type)}>`;
      if (d.help !== undefined) {
        if (line.length < 24) line += " ".repeat(24 - line.length);
        line += ` - ${d.help}`;
      }
      return line;
    });
    lines.sort(compareBytes);
    let out = "";
    if (printCaption && lines.length > 0) {
      out += this.name ? `${this.name} options:\n` : "Options:\n";
    } else if (lines.length === 0) {
      out += this.name ? `There are no options for ${this.name}.\n` : "No options available.\n";
    }
    for (const l of lines) out += `${l}\n`;
    return out;
  }
}

/** strcmp() order (byte order for ASCII text), not locale order. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function optTypeToString(type: QemuOptType): string {
  switch (type) {
    case "string":
      return "str";
    case "bool":
      return "bool (on/off)";
    case "number":
      return "num";
    case "size":
      return "size";
  }
}

/** parse_option_number(): qemu_strtou64 in base 0. */
export function parseOptionNumber(name: string, value: string): bigint {
  const r = qemuStrtou64(value, 0);
  if (r.err === ERANGE) throw new QemuError(`Value '${value}' is too large for parameter '${name}'`);
  if (r.err) throw new QemuError(`Parameter '${name}' expects a number`);
  return r.value;
}

/** The hint QEMU prints after a malformed size. */
export const SIZE_HINT =
  "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n";

/** parse_option_size(): qemu_strtosz. */
export function parseOptionSize(name: string, value: string, warnings?: WarningSink): bigint {
  const r = qemuStrtosz(value, warnings ? { warnings } : {});
  if (r.err === ERANGE) throw new QemuError(`Value '${value}' is out of range for parameter '${name}'`);
  if (r.err) throw new QemuError(`Parameter '${name}' expects a non-negative number below 2^64`, SIZE_HINT);
  return r.value;
}

function checkKnown(list: QemuOptsList, name: string): QemuOptDesc | undefined {
  const desc = list.findDesc(name);
  if (!desc && !list.acceptsAny()) throw new QemuError(`Invalid parameter '${name}'`);
  return desc;
}

/** opt_validate() + qemu_opt_parse(). */
function validateOpt(list: QemuOptsList, opt: QemuOpt, warnings?: WarningSink): void {
  opt.desc = checkKnown(list, opt.name);
  if (!opt.desc) return;
  switch (opt.desc.type) {
    case "string":
      return;
    case "bool":
      opt.value = qapiBoolParse(opt.name, opt.str);
      return;
    case "number":
      opt.value = parseOptionNumber(opt.name, opt.str);
      return;
    case "size":
      opt.value = parseOptionSize(opt.name, opt.str, warnings);
      return;
  }
}

/**
 * get_opt_value(): read a value up to the next single comma; ",," stands for one comma.
 * Returns the value and the index of the terminating comma (or the end).
 */
export function getOptValue(p: string, start: number): { value: string; end: number } {
  let value = "";
  let i = start;
  for (;;) {
    let comma = p.indexOf(",", i);
    if (comma < 0) comma = p.length;
    if (comma < p.length && p[comma + 1] === ",") {
      value += p.slice(i, comma + 1);
      i = comma + 2;
      continue;
    }
    value += p.slice(i, comma);
    return { value, end: comma };
  }
}

interface NameValue {
  name: string;
  value: string;
  isHelp: boolean;
  next: number;
}

/**
 * get_opt_name_value(): one "name=value", or a bare word: the implied key's value when
 * `firstname` is given, else a flag ("foo" is foo=on, "nofoo" is foo=off; deprecated).
 */
function getOptNameValue(params: string, start: number, firstname: string | undefined, warnOnFlag: boolean, warnings: WarningSink): NameValue {
  let len = 0;
  while (start + len < params.length && params[start + len] !== "=" && params[start + len] !== ",") len++;
  let name: string;
  let value: string;
  let p: number;
  let isHelp = false;
  if (params[start + len] !== "=") {
    if (firstname !== undefined) {
      name = firstname;
      const v = getOptValue(params, start);
      value = v.value;
      p = v.end;
    } else {
      name = params.slice(start, start + len);
      p = start + len;
      let prefix = "";
      if (name.startsWith("no")) {
        name = name.slice(2);
        value = "off";
        prefix = "no";
      } else {
        value = "on";
        isHelp = isHelpOption(name);
      }
      if (!isHelp && warnOnFlag) {
        warnings.warn(`short-form boolean option '${prefix}${name}' deprecated`);
        if (name === "delay") {
          warnings.print(`Please use nodelay=${prefix ? "on" : "off"} instead\n`);
        } else {
          warnings.print(`Please use ${name}=${value} instead\n`);
        }
      }
    }
  } else {
    name = params.slice(start, start + len);
    const v = getOptValue(params, start + len + 1);
    value = v.value;
    p = v.end;
  }
  if (params[p] === ",") p++;
  return { name, value, isHelp, next: p };
}

/** opts_parse_id(): the value of the first "id=" key, scanning without an implied key. */
function optsParseId(params: string): string | undefined {
  for (let p = 0; p < params.length; ) {
    const nv = getOptNameValue(params, p, undefined, false, IGNORE_WARNINGS);
    if (nv.name === "id") return nv.value;
    p = nv.next;
  }
  return undefined;
}

/** has_help_option(): does any bare word in `params` ask for help? */
export function hasHelpOption(params: string): boolean {
  for (let p = 0; p < params.length; ) {
    const nv = getOptNameValue(params, p, undefined, false, IGNORE_WARNINGS);
    if (nv.isHelp) return true;
    p = nv.next;
  }
  return false;
}

export interface OptsParseOptions {
  /** The first bare value is the list's implied key (QEMU's permit_abbrev). */
  permitAbbrev?: boolean;
  /** Warn about short-form booleans (qemu_opts_parse_noisily does). */
  warnOnFlag?: boolean;
  /** Stop at a "help"/"?" word and report it instead of storing help=on. */
  detectHelp?: boolean;
  warnings?: WarningSink;
  /** Location recorded on the QemuOpts for errors reported later. */
  loc?: OptLocation;
}

/** The result of a parse that may have been a request for help. */
export type OptsParseResult = { help: false; opts: QemuOpts } | { help: true };

/** opts_do_parse(): add the settings in `params` to `opts`; returns true when help was asked. */
function doParse(opts: QemuOpts, params: string, firstname: string | undefined, options: OptsParseOptions): boolean {
  const warnings = options.warnings ?? IGNORE_WARNINGS;
  let first = firstname;
  for (let p = 0; p < params.length; ) {
    const nv = getOptNameValue(params, p, first, options.warnOnFlag ?? false, warnings);
    p = nv.next;
    if (options.detectHelp && nv.isHelp) return true;
    first = undefined;
    if (nv.name === "id") continue;
    const opt = new QemuOpt(nv.name, nv.value);
    validateOpt(opts.list, opt, warnings);
    opts.opts.push(opt);
  }
  return false;
}

/**
 * qemu_opts_do_parse(): parse `params` into an existing QemuOpts (id= keys are skipped).
 * Throws QemuError; settings parsed before the error stay.
 */
export function qemuOptsDoParse(opts: QemuOpts, params: string, firstname?: string): void {
  doParse(opts, params, firstname, {});
}

/**
 * opts_parse(): create a QemuOpts in `list` (honouring id=) and fill it from `params`.
 * On error the QemuOpts is removed again (for a merging list, that is the merged one) and the
 * QemuError is thrown.
 */
export function qemuOptsParseFull(list: QemuOptsList, params: string, options: OptsParseOptions = {}): OptsParseResult {
  if (options.permitAbbrev && list.impliedOptName === undefined) {
    throw new Error(`option group ${list.name} has no implied option name`);
  }
  const firstname = options.permitAbbrev ? list.impliedOptName : undefined;
  const id = optsParseId(params);
  const opts = list.create(id, !list.mergeLists, options.loc);
  try {
    if (doParse(opts, params, firstname, options)) {
      list.remove(opts);
      return { help: true };
    }
  } catch (e) {
    list.remove(opts);
    throw e;
  }
  return { help: false, opts };
}

/** qemu_opts_parse(): as QEMU's, without warnings or help detection. */
export function qemuOptsParse(list: QemuOptsList, params: string, permitAbbrev: boolean): QemuOpts {
  const r = qemuOptsParseFull(list, params, { permitAbbrev });
  if (r.help) throw new Error("unreachable: help detection is off");
  return r.opts;
}

/**
 * qemu_opts_parse_noisily()'s parsing half: warns about short-form booleans and, for lists with
 * descriptors, turns a "help" word into a help request (QEMU then prints list.helpText()).
 */
export function qemuOptsParseNoisily(
  list: QemuOptsList,
  params: string,
  permitAbbrev: boolean,
  warnings: WarningSink,
  loc?: OptLocation,
): OptsParseResult {
  return qemuOptsParseFull(list, params, {
    permitAbbrev,
    warnOnFlag: true,
    detectHelp: !list.acceptsAny(),
    warnings,
    loc,
  });
}

/**
 * qemu_opts_validate(): check a QemuOpts of a descriptor-less list against `desc` after the fact
 * (used for -netdev/-chardev style groups whose keys depend on a type).
 */
export function qemuOptsValidate(opts: QemuOpts, desc: readonly QemuOptDesc[]): void {
  const shadow = new QemuOptsList({ name: opts.list.name, desc });
  for (const opt of opts.opts) {
    validateOpt(shadow, opt);
  }
}
