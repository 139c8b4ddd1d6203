// Helpers for comparing a qomd composition tree with one captured from QEMU 7.2.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { QomObject } from "../../src/qom/object.js";
import { objectGetRoot } from "../../src/qom/root.js";
import type { TypeRegistry } from "../../src/qom/type.js";

export const FIXTURES = join(import.meta.dirname, "..", "fixtures", "qemu-7.2");

/** `path -> type` for every child<> in a capture file (its first section). */
export function readCapturedTree(file: string): Map<string, string> {
  const tree = new Map<string, string>();
  for (const line of readFileSync(join(FIXTURES, file), "utf8").split("\n")) {
    if (line.startsWith("#")) {
      if (tree.size > 0) break;
      continue;
    }
    if (line.trim() === "") {
      if (tree.size > 0) break;
      continue;
    }
    const [path, type] = line.split("\t");
    if (path && type) tree.set(path, type);
  }
  return tree;
}

export function qomdTree(types: TypeRegistry): Map<string, string> {
  const tree = new Map<string, string>();
  const walk = (obj: QomObject, path: string) => {
    tree.set(path, obj.typeName);
    for (const [name, child] of obj.children()) walk(child, path === "/" ? `/${name}` : `${path}/${name}`);
  };
  walk(objectGetRoot(types), "/");
  return tree;
}

/** Lines `path<TAB>type` of a tree, sorted, for readable diffs. */
export function treeLines(tree: Map<string, string>, keep: (path: string, type: string) => boolean = () => true): string[] {
  return [...tree].filter(([p, t]) => keep(p, t)).map(([p, t]) => `${p}\t${t}`).sort();
}

export interface CapturedLink {
  owner: string;
  prop: string;
  type: string;
  value: string;
}

/**
 * The `link<>` section of a capture: owner path, property, type and qom-get value. Object names
 * may contain dots (`pci.0`), so the owner is the longest prefix that is a path of the tree.
 */
export function readCapturedLinks(file: string): CapturedLink[] {
  const paths = new Set(readCapturedTree(file).keys());
  const text = readFileSync(join(FIXTURES, file), "utf8");
  const start = text.indexOf("# link<> properties");
  if (start < 0) return [];
  const links: CapturedLink[] = [];
  for (const line of text.slice(start).split("\n").slice(1)) {
    const [where, type, value] = line.split("\t");
    if (!where || !type || value === undefined) continue;
    const slash = where.lastIndexOf("/");
    let dot = where.lastIndexOf(".");
    while (dot > slash && !paths.has(where.slice(0, dot))) dot = where.lastIndexOf(".", dot - 1);
    if (dot <= slash) continue;
    links.push({ owner: where.slice(0, dot), prop: where.slice(dot + 1), type, value: JSON.parse(value) as string });
  }
  return links;
}
