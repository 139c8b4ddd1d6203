/** The audio device types. */
import type { TypeRegistry } from "../../qom/type.js";
import { pcspkTypeInfo } from "./pcspk.js";

export function registerAudioTypes(types: TypeRegistry): void {
  types.register(pcspkTypeInfo);
}
