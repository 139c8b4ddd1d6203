/** HMP `info qom-tree [path]`: the composition tree, children sorted by name (QEMU's print_qom_composition). */
import { isChildProperty, type QomObject } from "../../qom/object.js";
import { resolvePath } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import type { TypeRegistry } from "../../qom/type.js";

function componentName(obj: QomObject, root: QomObject): string {
  if (obj === root) return "";
  const path = obj.canonicalPath ?? "";
  return path.slice(path.lastIndexOf("/") + 1);
}

function printComposition(obj: QomObject, root: QomObject, indent: number, out: string[]): void {
  out.push(`${" ".repeat(indent)}/${componentName(obj, root)} (${obj.typeName})`);
  const children: Array<[string, QomObject]> = [];
  for (const prop of obj.properties.values()) {
    if (isChildProperty(prop)) children.push([prop.name, prop.opaque as QomObject]);
  }
  children.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, child] of children) printComposition(child, root, indent + 2, out);
}

/** The lines of `info qom-tree`; an unknown path prints QEMU's message instead. */
export function infoQomTree(registry: TypeRegistry, path = "/machine"): string[] {
  const root = objectGetRoot(registry);
  const { obj, ambiguous } = resolvePath(root, path);
  if (!obj) return [ambiguous ? `Path '${path}' is ambiguous` : `Device '${path}' not found`];
  const out: string[] = [];
  printComposition(obj, root, 0, out);
  return out;
}
