/**
 * The chardevs of one machine (QEMU's chardev/char.c creation functions and `/chardevs`):
 * creation from -chardev options and from the legacy "-serial stdio" syntax, lookup by label,
 * query-chardev, the "-chardev help" listing, and shutdown.
 */
import { constants, openSync } from "node:fs";
import { strerror } from "../block/strerror.js";
import { adoptChild } from "../qom/child.js";
import { containerGet } from "../qom/container.js";
import { QomError } from "../qom/error.js";
import { objectNew, type QomObject } from "../qom/object.js";
import { objectGetRoot } from "../qom/root.js";
import type { TypeRegistry } from "../qom/type.js";
import { isHelpOption } from "../util/cutils.js";
import { QemuError } from "../util/error.js";
import type { QemuOpts, QemuOptsList } from "../util/qemu-option.js";
import { chrParseCompat } from "../softmmu/chardev-compat.js";
import { Chardev, TYPE_CHARDEV, type ChardevClass } from "./chardev.js";
import { type ChardevBackendOptions, parseChardevBackend } from "./chardev-options.js";
import { SocketChardev, type InfoReporter } from "./char-socket.js";
import { GHashOrder } from "../util/ghash-order.js";
import { MuxChardev } from "./char-mux.js";

/** query-chardev's ChardevInfo. */
export interface ChardevInfo {
  label: string;
  filename: string;
  "frontend-open": boolean;
}

/**
 * The backend names in the order QEMU 7.2 lists them for "-chardev help" (its type table's hash
 * order); the listing shows those qomd registers.
 */
const QEMU_HELP_ORDER = [
  "stdio", "ringbuf", "mux", "pipe", "qemu-vdagent", "null", "msmouse", "socket", "vc", "parallel",
  "udp", "memory", "file", "serial", "wctablet", "pty", "testdev",
];

/** Legacy backend aliases QEMU still accepts, with a deprecation warning. */
const ALIASES: Record<string, string> = { parport: "parallel", tty: "serial" };

export interface ChardevRegistryOptions {
  /** Ctrl-A x on a mux: quit the emulator. */
  quit?: () => void;
  /** QEMU's info_report ("QEMU waiting for connection on: …"); stderr by default. */
  info?: InfoReporter;
  /** QEMU's warn_report (alias deprecation); stderr by default. */
  warn?: (text: string) => void;
}

/** A -chardev request for the backend list rather than a chardev. */
export class ChardevHelpRequest extends Error {
  constructor(readonly text: string) {
    super("chardev help");
    this.name = "ChardevHelpRequest";
  }
}

export class ChardevRegistry {
  /** Labels in the GLib hash order QEMU's /chardevs container iterates. */
  private readonly order = new GHashOrder();
  private readonly warnedAliases = new Set<string>();
  /**
   * QEMU's muxes_opened: false between suspendMuxOpen() and resumeMuxOpen() (machine creation),
   * when muxes stay closed so that every frontend can attach before OPENED is sent.
   */
  muxesOpened = true;

  constructor(
    readonly types: TypeRegistry,
    private readonly options: ChardevRegistryOptions = {},
  ) {}

  /** QEMU's get_chardevs_root(): `/chardevs`, created on first use. */
  get root(): QomObject {
    return containerGet(objectGetRoot(this.types), "/chardevs");
  }

  /** qemu_chr_find(). */
  find(label: string): Chardev | undefined {
    const prop = this.root.findProperty(label);
    if (!prop || !prop.type.startsWith("child<")) return undefined;
    const obj = prop.opaque as QomObject;
    return obj.dynamicCast<Chardev>(TYPE_CHARDEV);
  }

  /** Every chardev, in QEMU's iteration order. */
  list(): Chardev[] {
    return this.order.order().flatMap((label) => {
      const chr = this.find(label);
      return chr ? [chr] : [];
    });
  }

  /** query-chardev: QEMU prepends while iterating, so the list comes out reversed. */
  queryChardev(): ChardevInfo[] {
    return this.list()
      .reverse()
      .map((chr) => ({
        "frontend-open": Boolean(chr.frontend?.feOpen),
        filename: chr.filename ?? "",
        label: chr.label,
      }));
  }

  /** The text "-chardev help" prints on stdout. */
  helpText(): string {
    const names = QEMU_HELP_ORDER.filter((n) => {
      const klass = this.types.classByName(`chardev-${n}`);
      return klass && !(klass as ChardevClass).internal;
    });
    return `Available chardev backend types: ${names.map((n) => `\n  ${n}`).join("")}\n`;
  }

  /** chardev_alias_translate(). */
  private translateAlias(name: string): string {
    const target = ALIASES[name];
    if (target === undefined) return name;
    if (!this.warnedAliases.has(name)) {
      this.warnedAliases.add(name);
      (this.options.warn ?? defaultWarn)(`The alias '${name}' is deprecated, use '${target}' instead`);
    }
    return target;
  }

  /** char_get_class(). */
  private classFor(driver: string): ChardevClass {
    const klass = this.types.classByName(`chardev-${driver}`);
    if (!klass || !this.types.classDynamicCast(klass, TYPE_CHARDEV)) {
      throw new QomError(`'${driver}' is not a valid char driver name`);
    }
    if (klass.type.abstract) throw new QomError("Invalid parameter 'driver'");
    const cc = klass as ChardevClass;
    if (cc.internal) throw new QomError(`'${driver}' is not a valid char driver name`);
    return cc;
  }

  /**
   * qemu_chr_new_from_opts(): the chardev a -chardev QemuOpts describes (mux=on adds a mux
   * named after the id over "<id>-base"). Throws ChardevHelpRequest for "-chardev help" and
   * QomError with QEMU's text.
   */
  async newFromOpts(opts: QemuOpts): Promise<Chardev> {
    const raw = opts.get("backend");
    if (raw !== undefined && isHelpOption(raw)) throw new ChardevHelpRequest(this.helpText());
    const id = opts.id;
    if (id === undefined) throw new QomError("chardev: no id specified");
    if (raw === undefined) throw new QomError(`chardev: "${id}" missing backend`);
    const name = this.translateAlias(raw);
    this.classFor(name);
    const backend = parseChardevBackend(name, opts);
    if (!opts.getBool("mux", false)) return this.newChardev(id, name, backend);
    const base = await this.newChardev(`${id}-base`, name, backend);
    try {
      return await this.newChardev(id, "mux", { type: "mux", chardev: `${id}-base` });
    } catch (e) {
      await this.remove(base.label);
      throw e;
    }
  }

  /**
   * qemu_chardev_new(): create, open and add `/chardevs/<id>`. On failure nothing is left
   * behind and the QomError is thrown.
   */
  async newChardev(id: string, driver: string, backend: ChardevBackendOptions): Promise<Chardev> {
    const cc = this.classFor(driver);
    const chr = objectNew<Chardev>(this.types, `chardev-${driver}`);
    chr.label = id;
    if (chr instanceof SocketChardev) chr.info = this.options.info ?? defaultInfo;
    if (chr instanceof MuxChardev) chr.host = this;
    let beOpened: boolean;
    try {
      if (backend.logfile !== undefined) chr.logFd = openLogfile(backend.logfile, backend.logappend ?? false);
      beOpened = cc.open ? await cc.open(chr, backend) : true;
    } catch (e) {
      await chr.close();
      chr.unref();
      throw e;
    }
    if (chr.filename === undefined) chr.filename = driver;
    if (beOpened) chr.emitEvent("opened");
    try {
      adoptChild(this.root, id, chr);
    } catch (e) {
      await chr.close();
      chr.unref();
      throw e;
    }
    this.order.insert(id);
    return chr;
  }

  /**
   * qemu_chr_new_mux_mon() / qemu_chr_new(): a chardev from the legacy syntax of -serial,
   * -parallel, -monitor ("stdio", "file:PATH", "unix:PATH,server=on", "chardev:ID", "mon:…").
   * `chardevOpts` is the command line's "chardev" option group, where the parsed form is put
   * temporarily as QEMU does. Throws QemuError/QomError; a compat syntax error without a text
   * of its own has an empty message (the caller then reports only its own line).
   */
  async newFromCompat(label: string, filename: string, permitMuxMon: boolean, chardevOpts: QemuOptsList): Promise<Chardev> {
    if (filename.startsWith("chardev:")) {
      const chr = this.find(filename.slice("chardev:".length));
      if (!chr) throw new QemuError("");
      return chr;
    }
    const opts = chrParseCompat(chardevOpts, label, filename, permitMuxMon);
    try {
      return await this.newFromOpts(opts);
    } finally {
      opts.delete();
    }
  }

  /** suspend_mux_open(): called before the command line's chardevs are created. */
  suspendMuxOpen(): void {
    this.muxesOpened = false;
  }

  /** resume_mux_open(): at machine creation done, open every mux not open yet. */
  resumeMuxOpen(): void {
    this.muxesOpened = true;
    for (const chr of this.list()) {
      if (chr instanceof MuxChardev && !chr.beOpen) chr.openMux();
    }
  }

  get quit(): (() => void) | undefined {
    return this.options.quit;
  }

  /** Removes a chardev (chardev-remove): closes its host side and unparents it. */
  async remove(label: string): Promise<void> {
    const chr = this.find(label);
    if (!chr) throw new QomError(`Chardev '${label}' not found`, "DeviceNotFound");
    if (chr.frontend) throw new QomError(`Chardev '${label}' is busy`);
    await chr.close();
    chr.unparent();
    this.order.remove(label);
  }

  /** Closes every chardev's host side (sockets, files), e.g. at machine shutdown. */
  async closeAll(): Promise<void> {
    for (const chr of this.list()) await chr.close();
  }
}

function defaultInfo(text: string): void {
  process.stderr.write(`info: ${text}\n`);
}

function defaultWarn(text: string): void {
  process.stderr.write(`warning: ${text}\n`);
}


/** qemu_char_open()'s log file: created, truncated unless logappend=on. */
function openLogfile(path: string, append: boolean): number {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_CREAT | (append ? constants.O_APPEND : constants.O_TRUNC), 0o666);
  } catch (e) {
    throw new QomError(`Could not create '${path}': ${strerror(e)}`);
  }
}
