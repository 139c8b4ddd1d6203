/**
 * Path resolution in the composition tree, with QEMU's rules:
 * - an absolute path (leading `/`) walks from the root through any property that resolves
 *   (child, link, alias); empty components are skipped;
 * - a partial path matches at any node reached through child<> properties only; two matches
 *   make it ambiguous.
 */
import type { QomObject } from "./object.js";
import { isChildProperty } from "./object.js";

export interface ResolveResult {
  obj: QomObject | undefined;
  ambiguous: boolean;
}

/** g_strsplit semantics: an empty string has no components at all. */
function splitPath(path: string): string[] {
  return path === "" ? [] : path.split("/");
}

function resolveAbs(start: QomObject, parts: readonly string[], typename: string): QomObject | undefined {
  let obj: QomObject | undefined = start;
  for (const part of parts) {
    if (part === "") continue;
    obj = obj.resolveComponent(part);
    if (!obj) return undefined;
  }
  return obj.dynamicCast(typename);
}

function resolvePartial(
  node: QomObject,
  parts: readonly string[],
  typename: string,
  state: { ambiguous: boolean },
): QomObject | undefined {
  let found = resolveAbs(node, parts, typename);
  for (const prop of node.properties.values()) {
    if (!isChildProperty(prop)) continue;
    const match = resolvePartial(prop.opaque as QomObject, parts, typename, state);
    if (match) {
      if (found) {
        state.ambiguous = true;
        return undefined;
      }
      found = match;
    }
    if (state.ambiguous) return undefined;
  }
  return found;
}

/** QEMU's object_resolve_path_type, from the given root. */
export function resolvePathType(root: QomObject, path: string, typename: string): ResolveResult {
  const parts = splitPath(path);
  if (parts.length > 0 && parts[0] === "") {
    return { obj: resolveAbs(root, parts.slice(1), typename), ambiguous: false };
  }
  const state = { ambiguous: false };
  const obj = resolvePartial(root, parts, typename, state);
  return { obj: state.ambiguous ? undefined : obj, ambiguous: state.ambiguous };
}

export function resolvePath(root: QomObject, path: string): ResolveResult {
  return resolvePathType(root, path, "object");
}

/** QEMU's object_resolve_path_at: relative to `parent`, or absolute from the root. */
export function resolvePathAt(root: QomObject, parent: QomObject, path: string): QomObject | undefined {
  const parts = splitPath(path);
  return path.startsWith("/") ? resolveAbs(root, parts.slice(1), "object") : resolveAbs(parent, parts, "object");
}
