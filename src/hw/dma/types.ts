/** The DMA controller types. */
import type { TypeRegistry } from "../../qom/type.js";
import { i8257TypeInfo } from "./i8257.js";

export function registerDmaTypes(types: TypeRegistry): void {
  types.register(i8257TypeInfo);
}
