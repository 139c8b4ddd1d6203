/** The non-volatile memory and firmware configuration types. */
import type { TypeRegistry } from "../../qom/type.js";
import { fwCfgIoTypeInfo, fwCfgTypeInfo } from "./fw-cfg.js";

export function registerNvramTypes(types: TypeRegistry): void {
  types.register(fwCfgTypeInfo);
  types.register(fwCfgIoTypeInfo);
}
