/** The timer types: 8254 PIT and HPET. */
import type { TypeRegistry } from "../../qom/type.js";
import { hpetTypeInfo } from "./hpet.js";
import { i8254TypeInfo } from "./i8254.js";
import { pitCommonTypeInfo } from "./i8254-common.js";

export function registerTimerTypes(types: TypeRegistry): void {
  types.register(pitCommonTypeInfo);
  types.register(i8254TypeInfo);
  types.register(hpetTypeInfo);
}
