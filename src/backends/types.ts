/** QOM types of the host memory backends, in QEMU's registration order. */
import type { TypeRegistry } from "../qom/type.js";
import { hostMemoryBackendTypeInfo } from "./hostmem.js";
import { fileBackendTypeInfo } from "./hostmem-file.js";
import { memfdBackendTypeInfo } from "./hostmem-memfd.js";
import { ramBackendTypeInfo } from "./hostmem-ram.js";

export function registerBackendsTypes(types: TypeRegistry): void {
  types.register(hostMemoryBackendTypeInfo);
  types.register(ramBackendTypeInfo);
  types.register(fileBackendTypeInfo);
  types.register(memfdBackendTypeInfo);
}
