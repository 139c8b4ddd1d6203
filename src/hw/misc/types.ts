/** Miscellaneous devices: the debug exit port. */
import type { TypeRegistry } from "../../qom/type.js";
import { debugExitTypeInfo } from "./debugexit.js";

export function registerMiscTypes(types: TypeRegistry): void {
  types.register(debugExitTypeInfo);
}
