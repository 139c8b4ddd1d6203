/** The real-time clock types. */
import type { TypeRegistry } from "../../qom/type.js";
import { mc146818RtcTypeInfo } from "./mc146818rtc.js";

export function registerRtcTypes(types: TypeRegistry): void {
  types.register(mc146818RtcTypeInfo);
}
