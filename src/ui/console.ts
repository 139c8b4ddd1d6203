/**
 * Consoles (QEMU's ui/console.c): each display device head and each `vc` character device gets
 * a `qemu-console` object. Graphic consoles created while the machine is built come before the
 * text consoles, and all of them appear as `/backend/console[N]` once the display state is set
 * up (QEMU's init_displaystate), when the numbering no longer changes.
 */
import { addChild } from "../qom/child.js";
import { containerGet } from "../qom/container.js";
import { addLink, allowSetLink } from "../qom/link.js";
import { objectNew, QomObject } from "../qom/object.js";
import { intProperty } from "../qom/property.js";
import { objectGetRoot } from "../qom/root.js";
import { TYPE_OBJECT, type TypeInfo, type TypeRegistry } from "../qom/type.js";
import { TYPE_DEVICE, type DeviceState } from "../hw/core/qdev.js";

export const TYPE_QEMU_CONSOLE = "qemu-console";

export type ConsoleType = "graphic" | "text";

export class QemuConsole extends QomObject {
  consoleType: ConsoleType = "text";
  head = 0;
  /** The display device this console shows (graphic consoles). */
  declare readonly device: DeviceState | undefined;
}

interface ConsoleList {
  consoles: QemuConsole[];
  /** After init_displaystate the order is fixed: new consoles go last. */
  displayInitialized: boolean;
}

const lists = new WeakMap<TypeRegistry, ConsoleList>();

function consoleList(registry: TypeRegistry): ConsoleList {
  let l = lists.get(registry);
  if (!l) lists.set(registry, (l = { consoles: [], displayInitialized: false }));
  return l;
}

/** QEMU's new_console: graphic consoles made before the machine is ready go before text ones. */
function newConsole(registry: TypeRegistry, type: ConsoleType, head: number, machineReady: boolean): QemuConsole {
  const con = objectNew<QemuConsole>(registry, TYPE_QEMU_CONSOLE);
  con.consoleType = type;
  con.head = head;
  const link = addLink(con, "device", TYPE_DEVICE, { check: allowSetLink, strong: true });
  Object.defineProperty(con, "device", { get: () => link.target() as DeviceState | undefined });
  con.addProperty(intProperty("head", "uint32", { get: (o) => (o as QemuConsole).head }));
  const list = consoleList(registry);
  const firstText = list.consoles.findIndex((c) => c.consoleType !== "graphic");
  if (type === "graphic" && !machineReady && firstText >= 0) list.consoles.splice(firstText, 0, con);
  else list.consoles.push(con);
  if (list.displayInitialized) attach(registry, con, list.consoles.length - 1);
  return con;
}

/** QEMU's graphic_console_init: the console of one head of a display device. */
export function graphicConsoleInit(dev: DeviceState, head: number, machineReady = false): QemuConsole {
  const con = newConsole(dev.registry, "graphic", head, machineReady);
  con.setPropertyJson("device", dev.canonicalPath ?? "");
  return con;
}

/** The text console of a `vc` character device. */
export function textConsoleNew(registry: TypeRegistry): QemuConsole {
  return newConsole(registry, "text", 0, false);
}

function attach(registry: TypeRegistry, con: QemuConsole, index: number): void {
  addChild(containerGet(objectGetRoot(registry), "/backend"), `console[${index}]`, con);
  con.unref();
}

/** QEMU's init_displaystate: every console joins the tree as /backend/console[index]. */
export function initDisplayState(registry: TypeRegistry): void {
  const list = consoleList(registry);
  if (list.displayInitialized) return;
  list.displayInitialized = true;
  list.consoles.forEach((con, index) => attach(registry, con, index));
}

export function consoles(registry: TypeRegistry): readonly QemuConsole[] {
  return consoleList(registry).consoles;
}

export const qemuConsoleTypeInfo: TypeInfo<QemuConsole> = {
  name: TYPE_QEMU_CONSOLE,
  parent: TYPE_OBJECT,
  instance: QemuConsole,
};

export function registerUiTypes(types: TypeRegistry): void {
  types.register(qemuConsoleTypeInfo);
}
