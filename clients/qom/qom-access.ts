/**
 * qom-list / qom-get / qom-set through the client library, with the
 * 'machine' argument added on qomd's control socket when one is chosen.
 */
import type { ObjectPropertyInfo } from "../../protocol/gen/types.js";
import type { JsonObject, JsonValue } from "../../src/qobject/json-value.js";
import type { QmpClient } from "../lib/qmp-client.js";

export class QomAccess {
  constructor(
    private readonly client: QmpClient,
    private readonly machine: string | undefined,
  ) {}

  private args(args: JsonObject): JsonObject {
    return this.machine === undefined ? args : { ...args, machine: this.machine };
  }

  async list(path: string): Promise<ObjectPropertyInfo[]> {
    return (await this.client.executeUntyped("qom-list", this.args({ path }))) as unknown as ObjectPropertyInfo[];
  }

  get(path: string, property: string): Promise<JsonValue> {
    return this.client.executeUntyped("qom-get", this.args({ path, property }));
  }

  async set(path: string, property: string, value: JsonValue): Promise<void> {
    await this.client.executeUntyped("qom-set", this.args({ path, property, value }));
  }
}

/** The type in "child<TYPE>" or "link<TYPE>", or undefined for other properties. */
export function childType(info: ObjectPropertyInfo): string | undefined {
  return /^child<(.*)>$/.exec(info.type)?.[1];
}

export function isLink(info: ObjectPropertyInfo): boolean {
  return info.type.startsWith("link<");
}

/** A child's path: "/" + name below the root, parent + "/" + name elsewhere. */
export function childPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}
