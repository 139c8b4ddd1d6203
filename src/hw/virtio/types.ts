/** Virtio: buses, the backend devices, the PCI transport. */
import type { TypeRegistry } from "../../qom/type.js";
import { virtioBlkTypeInfo } from "./virtio-blk.js";
import { virtioBusTypeInfo, virtioPciBusTypeInfo } from "./virtio-bus.js";
import { virtioNetTypeInfo } from "./virtio-net.js";
import { registerVirtioPciTypes } from "./virtio-pci.js";
import { virtioDeviceTypeInfo } from "./virtio.js";

export function registerVirtioTypes(types: TypeRegistry): void {
  types.register(virtioBusTypeInfo);
  types.register(virtioPciBusTypeInfo);
  types.register(virtioDeviceTypeInfo);
  types.register(virtioNetTypeInfo);
  types.register(virtioBlkTypeInfo);
  registerVirtioPciTypes(types);
}
