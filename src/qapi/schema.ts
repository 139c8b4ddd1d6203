/**
 * The resolved schema model generated from protocol/qapi/*.json
 * (protocol/gen/schema.json), with its TypeScript shape.
 */
import schemaJson from "../../protocol/gen/schema.json" with { type: "json" };

export interface MemberDef {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
  readonly features?: readonly string[];
}

export type TypeDef =
  | { readonly meta: "builtin"; readonly json: "string" | "number" | "int" | "boolean" | "null" | "value" }
  | { readonly meta: "enum"; readonly values: readonly string[]; readonly memberFeatures?: { readonly [value: string]: readonly string[] } }
  | { readonly meta: "array"; readonly element: string }
  | {
      readonly meta: "object";
      readonly members: readonly MemberDef[];
      readonly tag?: string;
      readonly variants?: readonly { readonly case: string; readonly type: string }[];
      readonly implicit?: boolean;
      readonly features?: readonly string[];
    }
  | { readonly meta: "alternate"; readonly members: readonly { readonly type: string }[] };

export type ObjectTypeDef = Extract<TypeDef, { meta: "object" }>;

/** machine: per-machine command; daemon: qomd's own (control socket only); connection: about the socket itself */
export type CommandScope = "machine" | "daemon" | "connection";

export interface CommandDef {
  readonly args: string | null;
  readonly ret: string | null;
  readonly boxed: boolean;
  /** false: QEMU does not check the arguments against the schema (device_add) */
  readonly gen: boolean;
  readonly allowOob: boolean;
  readonly allowPreconfig: boolean;
  readonly features: readonly string[];
  readonly scope: CommandScope;
  readonly module: string;
}

export interface EventDef {
  readonly data: string | null;
  readonly features: readonly string[];
  readonly module: string;
}

export interface SchemaModel {
  readonly types: { readonly [name: string]: TypeDef };
  /** every command, in schema order */
  readonly commands: { readonly [name: string]: CommandDef };
  readonly events: { readonly [name: string]: EventDef };
}

// The JSON import's inferred type is a large literal type; the generator
// guarantees it has the SchemaModel shape, so it is asserted once here.
export const schema: SchemaModel = schemaJson as unknown as SchemaModel;

/** Name of the control socket's argument type of a machine-scope command (made by the generator). */
export function controlArgsTypeName(command: string): string {
  return `q_obj_qomd-${command}-arg`;
}
