/**
 * What completion needs from query-qmp-schema: each command's argument
 * members, nested object members for dotted keys, and enum values.  QEMU
 * masks type names as numbers ("arg-type": "176"); they are only keys into
 * the same list, so they are resolved, never shown.
 */
import type { SchemaInfo } from "../../protocol/gen/types.js";
import { isJsonObject, type JsonObject } from "../../src/qobject/json-value.js";

export interface MemberInfo {
  name: string;
  type: string;
  optional: boolean;
}

export class SchemaIndex {
  private readonly byName = new Map<string, SchemaInfo>();

  constructor(
    schema: readonly SchemaInfo[],
    /** Command names the server offers (query-commands), sorted. */
    readonly commands: readonly string[],
  ) {
    for (const info of schema) this.byName.set(info.name, info);
  }

  /** The argument object type of a command, or undefined for unknown commands. */
  private argType(command: string): string | undefined {
    const info = this.byName.get(command);
    return info?.["meta-type"] === "command" ? info["arg-type"] : undefined;
  }

  /** Whether the command takes a 'machine' argument (per-machine commands on qomd's control socket). */
  takesMachine(command: string): boolean {
    const t = this.argType(command);
    return t !== undefined && this.members(t, {}).some((m) => m.name === "machine");
  }

  /**
   * Members of an object type; for a union, the base members plus those of
   * the variant that `given` selects through the tag (all variants when the
   * tag is not given yet).  Alternates contribute their object branches.
   */
  members(typeName: string, given: JsonObject): MemberInfo[] {
    const info = this.byName.get(typeName);
    if (info === undefined) return [];
    if (info["meta-type"] === "alternate") {
      return info.members.flatMap((m) => this.members(m.type, given));
    }
    if (info["meta-type"] !== "object") return [];
    // query-qmp-schema marks an optional member with "default": null.
    const own = info.members.map((m) => ({ name: m.name, type: m.type, optional: m.default !== undefined }));
    if (!info.variants || info.tag === undefined) return own;
    const tagValue = given[info.tag];
    const variants = info.variants.filter((v) => typeof tagValue !== "string" || v.case === tagValue);
    const seen = new Set(own.map((m) => m.name));
    const out = [...own];
    for (const v of variants) {
      for (const m of this.members(v.type, given)) {
        if (!seen.has(m.name)) {
          seen.add(m.name);
          out.push(m);
        }
      }
    }
    return out;
  }

  /** The type at a dotted key below a command's arguments (["a", "b"] for a.b), or undefined. */
  typeAt(command: string, path: readonly string[], given: JsonObject): string | undefined {
    let type = this.argType(command);
    let scope: JsonObject = given;
    for (const part of path) {
      if (type === undefined) return undefined;
      type = this.members(type, scope).find((m) => m.name === part)?.type;
      const next = scope[part];
      scope = isJsonObject(next) ? next : {};
    }
    return type;
  }

  /** The members one can type below a dotted prefix of a command's arguments. */
  membersAt(command: string, prefix: readonly string[], given: JsonObject): MemberInfo[] {
    const type = this.typeAt(command, prefix, given);
    if (type === undefined) return [];
    let scope: JsonObject = given;
    for (const part of prefix) scope = isJsonObject(scope[part]) ? (scope[part] as JsonObject) : {};
    return this.members(type, scope);
  }

  /** Whether a type has members (so that a dotted key can go below it). */
  isObject(typeName: string): boolean {
    const info = this.byName.get(typeName);
    if (info === undefined) return false;
    if (info["meta-type"] === "object") return info.members.length > 0 || (info.variants?.length ?? 0) > 0;
    if (info["meta-type"] === "alternate") return info.members.some((m) => this.isObject(m.type));
    return false;
  }

  /** Values a member of this type can take, when there is a closed set (enums, booleans). */
  valuesOf(typeName: string): string[] {
    const info = this.byName.get(typeName);
    if (info === undefined) return [];
    if (info["meta-type"] === "enum") return [...info.values];
    if (info["meta-type"] === "builtin" && info["json-type"] === "boolean") return ["true", "false"];
    if (info["meta-type"] === "alternate") return info.members.flatMap((m) => this.valuesOf(m.type));
    return [];
  }
}
