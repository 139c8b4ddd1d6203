/**
 * `-object help` and `-object TYPE,help` (QEMU's user_creatable_print_types and
 * type_print_class_properties): the user-creatable types, or a type's settable class properties.
 */
import { classPropertyIter } from "../qom/object.js";
import type { TypeRegistry } from "../qom/type.js";
import { TYPE_USER_CREATABLE } from "../qom/user-creatable.js";
import { propertyHelpLine } from "./qdev-monitor.js";

export function objectHelpText(types: TypeRegistry): string {
  const names = types.classList(TYPE_USER_CREATABLE, false).map((k) => k.type.name).sort();
  return ["List of user creatable objects:", ...names.map((n) => `  ${n}`)].join("\n") + "\n";
}

/** The settable class properties of a type, sorted as QEMU sorts the printed lines. */
export function typeClassPropertiesHelp(types: TypeRegistry, typename: string): string | undefined {
  const klass = types.classByName(typename);
  if (!klass) return undefined;
  const lines = [...classPropertyIter(klass)]
    .filter((p) => p.set !== undefined)
    .map((p) => propertyHelpLine(p.name, p.type, p.description, p.defval))
    .sort();
  if (lines.length === 0) return `There are no options for ${typename}.\n`;
  return `${typename} options:\n${lines.join("\n")}\n`;
}

export function objectOptionsHelpText(types: TypeRegistry, typename: string): string {
  return typeClassPropertiesHelp(types, typename) ?? objectHelpText(types);
}
