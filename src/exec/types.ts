/** QOM types of the memory API. */
import type { TypeRegistry } from "../qom/type.js";
import { memoryRegionTypeInfo } from "./memory-region.js";

export function registerExecTypes(types: TypeRegistry): void {
  types.register(memoryRegionTypeInfo);
}
