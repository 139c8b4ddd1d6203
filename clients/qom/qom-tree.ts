/**
 * The composition tree below a path, walked with qom-list (and qom-get for
 * values).  Two printed forms, after QEMU's tools:
 *
 * - types only, as HMP's `info qom-tree`: the root path with its type, then
 *   each child as "/name (type)" indented two spaces a level, children
 *   sorted by name (byte order);
 * - with values, as python's `qom-tree`: each object's path, its non-child
 *   properties "  name: value (type)" (or "<EXCEPTION: desc>") in qom-list
 *   order, a blank line, then its children in qom-list order.
 *
 * The qom-get calls of one object are pipelined.
 */
import type { JsonValue } from "../../src/qobject/json-value.js";
import { ExecuteError } from "../lib/errors.js";
import { pythonStr } from "./python-str.js";
import { childPath, childType, type QomAccess } from "./qom-access.js";

export type PropertyValue = { name: string; type: string; value: JsonValue } | { name: string; type: string; error: { class: string; desc: string } };

export interface TreeNode {
  path: string;
  type: string;
  properties?: PropertyValue[];
  children: TreeNode[];
}

async function readProperties(qom: QomAccess, path: string, props: { name: string; type: string }[]): Promise<PropertyValue[]> {
  return Promise.all(
    props.map(async ({ name, type }): Promise<PropertyValue> => {
      try {
        return { name, type, value: await qom.get(path, name) };
      } catch (err) {
        if (!(err instanceof ExecuteError)) throw err;
        return { name, type, error: { class: err.errorClass, desc: err.desc } };
      }
    }),
  );
}

/** Reads the tree below `path` (children in qom-list order); `values` also reads every other property. */
export async function readTree(qom: QomAccess, path: string, values: boolean, type?: string): Promise<TreeNode> {
  const items = await qom.list(path);
  const ownType = type ?? String(await qom.get(path, "type"));
  const node: TreeNode = { path, type: ownType, children: [] };
  if (values) node.properties = await readProperties(qom, path, items.filter((i) => childType(i) === undefined));
  for (const item of items) {
    const t = childType(item);
    if (t !== undefined) node.children.push(await readTree(qom, childPath(path, item.name), values, t));
  }
  return node;
}

function byName(a: TreeNode, b: TreeNode): number {
  const x = a.path.slice(a.path.lastIndexOf("/") + 1);
  const y = b.path.slice(b.path.lastIndexOf("/") + 1);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** HMP `info qom-tree` layout. */
export function formatTypeTree(root: TreeNode): string {
  const lines: string[] = [];
  const walk = (node: TreeNode, depth: number) => {
    const name = depth === 0 ? node.path : node.path.slice(node.path.lastIndexOf("/"));
    lines.push(`${"  ".repeat(depth)}${name} (${node.type})`);
    for (const child of [...node.children].sort(byName)) walk(child, depth + 1);
  };
  walk(root, 0);
  return lines.map((l) => l + "\n").join("");
}

/** python `qom-tree` layout. */
export function formatValueTree(root: TreeNode): string {
  let out = "";
  const walk = (node: TreeNode) => {
    out += `${node.path}\n`;
    for (const p of node.properties ?? []) {
      const shown = "value" in p ? pythonStr(p.value) : `<EXCEPTION: ${p.error.desc}>`;
      out += `  ${p.name}: ${shown} (${p.type})\n`;
    }
    out += "\n";
    for (const child of node.children) walk(child);
  };
  walk(root);
  return out;
}
