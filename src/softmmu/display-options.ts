/**
 * -display TYPE[,opts]: the QAPI DisplayOptions union of QEMU 7.2 as built for Debian
 * (gtk, sdl, egl-headless, curses, spice-app and dbus compiled in; cocoa not), checked in the
 * order QEMU's keyval input visitor checks it, with its error texts.
 */
import type { JsonObject } from "../qobject/json-value.js";
import { qapiBoolParse } from "../util/cutils.js";
import { QemuError } from "../util/error.js";

export const DISPLAY_TYPES = ["default", "none", "gtk", "sdl", "egl-headless", "curses", "spice-app", "dbus"] as const;
export type DisplayType = (typeof DISPLAY_TYPES)[number];

type MemberKind = "bool" | "str" | { enum: readonly string[] };

const BASE_MEMBERS: ReadonlyArray<[string, MemberKind]> = [
  ["full-screen", "bool"],
  ["window-close", "bool"],
  ["show-cursor", "bool"],
  ["gl", { enum: ["off", "on", "core", "es"] }],
];

const VARIANT_MEMBERS: Partial<Record<DisplayType, ReadonlyArray<[string, MemberKind]>>> = {
  gtk: [
    ["grab-on-hover", "bool"],
    ["zoom-to-fit", "bool"],
    ["show-tabs", "bool"],
    ["show-menubar", "bool"],
  ],
  curses: [["charset", "str"]],
  "egl-headless": [["rendernode", "str"]],
  dbus: [
    ["rendernode", "str"],
    ["addr", "str"],
    ["p2p", "bool"],
    ["audiodev", "str"],
  ],
  sdl: [["grab-mod", { enum: ["lctrl-lalt", "lshift-lctrl-lalt", "rctrl"] }]],
};

/** A checked DisplayOptions: `type` plus the other members as given (booleans parsed). */
export interface DisplayOptions {
  type: DisplayType;
  [member: string]: string | boolean;
}

function checkMember(dict: JsonObject, name: string, kind: MemberKind, out: DisplayOptions): void {
  if (!Object.hasOwn(dict, name)) return;
  const v = dict[name];
  if (kind === "bool") {
    if (typeof v === "boolean") out[name] = v;
    else if (typeof v === "string") out[name] = qapiBoolParse(name, v);
    else throw new QemuError(`Invalid parameter type for '${name}', expected: boolean`);
    return;
  }
  if (typeof v !== "string") throw new QemuError(`Invalid parameter type for '${name}', expected: string`);
  if (kind !== "str" && !kind.enum.includes(v)) {
    throw new QemuError(`Parameter '${name}' does not accept value '${v}'`);
  }
  out[name] = v;
}

/**
 * visit_type_DisplayOptions over a keyval (or JSON) dict: "Parameter 'type' is missing",
 * "Parameter 'type' does not accept value 'x'", member type errors, then
 * "Parameter 'x' is unexpected" for anything left over.
 */
export function checkDisplayOptions(dict: JsonObject): DisplayOptions {
  if (!Object.hasOwn(dict, "type")) throw new QemuError("Parameter 'type' is missing");
  const type = dict["type"];
  if (typeof type !== "string") throw new QemuError("Invalid parameter type for 'type', expected: string");
  if (!(DISPLAY_TYPES as readonly string[]).includes(type)) {
    throw new QemuError(`Parameter 'type' does not accept value '${type}'`);
  }
  const out: DisplayOptions = { type: type as DisplayType };
  const members = [...BASE_MEMBERS, ...(VARIANT_MEMBERS[type as DisplayType] ?? [])];
  for (const [name, kind] of members) checkMember(dict, name, kind, out);
  for (const key of Object.keys(dict)) {
    if (key !== "type" && !members.some(([n]) => n === key)) {
      throw new QemuError(`Parameter '${key}' is unexpected`);
    }
  }
  return out;
}
